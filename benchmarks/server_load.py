"""A mixed load on `kg serve` from a second process: good and hostile requests together.

    python benchmarks/server_load.py --url http://127.0.0.1:7878 [--requests 10000] [--rate 200]
                                     [--concurrency 32] [--seconds 300] [--json]

Measures the idle latency of a normal query, then sends REQUESTS mixed requests at RATE
requests a second (an open load: requests arrive whether or not earlier ones are
answered) from up to CONCURRENCY threads, for at most SECONDS: named queries, resource pages in HTML and
Turtle, VoID, health, and bad ones: malformed queries, 2 MB bodies, bad
percent-encoding, path traversal, unacceptable and malformed Accept headers, a few
explosive queries, and slow-header ("slowloris") connections held open throughout.
Prints the status codes seen, the latency of the normal query under load against idle,
and (with --pid) the server's memory before and after. With --json, one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

NORMAL = "SELECT ?t WHERE { ?a fabio:hasPubMedId \"24649313\" ; dcterms:title ?t }"
# Explosive: one runs until the timeout, one needs ever more memory until the memory cap.
EXPLOSIVE = ["SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
             "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"]


def _requests(rng: random.Random) -> tuple[str, str, dict[str, str], bytes | None, bool]:
    """(method, path, headers, body, is_the_normal_query) of one random request."""
    roll = rng.random()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    if roll < 0.30:
        accept = {"Accept": "application/sparql-results+json"}
        return "GET", "/sparql?" + urlencode({"query": NORMAL}), accept, None, True
    if roll < 0.40:
        query = rng.choice(["SELECT ?y (COUNT(?a) AS ?n) WHERE { ?a fabio:hasPublicationYear ?y } GROUP BY ?y",
                            "ASK { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o } LIMIT 50"])
        return "POST", "/sparql", {**form, "Accept": "text/csv"}, urlencode({"query": query}).encode(), False
    if roll < 0.52:
        return "GET", "/br/pmid/24649313", {"Accept": rng.choice(["text/html", "text/turtle"])}, None, False
    if roll < 0.58:
        return "GET", rng.choice(["/health", "/.well-known/void", "/", "/api/queries"]), {}, None, False
    if roll < 0.68:
        unbalanced = "SELECT ?x WHERE { ?x " + "{" * rng.randint(1, 50)
        return "GET", "/sparql?" + urlencode({"query": unbalanced}), {}, None, False
    if roll < 0.73:
        return "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"x" * 2_000_000, False
    if roll < 0.80:
        return "GET", rng.choice(["/sparql?query=%ZZ%E0%A4", "/br/pmid/%FF%FE", "/sparql?query=%"]), {}, None, False
    if roll < 0.87:
        return "GET", rng.choice(["/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2f..%2f..%2fetc%2fpasswd"]), {}, None, False
    if roll < 0.9995:
        accept = rng.choice(["image/png", ";;;q=x,/,", "text/html;q=abc", "*/*;q=0", "\x7f\x01"])
        return "GET", "/sparql?" + urlencode({"query": NORMAL}), {"Accept": accept}, None, False
    return "GET", "/sparql?" + urlencode({"query": rng.choice(EXPLOSIVE)}), {}, None, False


def _slowloris(host: str, port: int, stop: threading.Event, held: list[int]) -> None:
    """Open a connection and send a request's headers a byte at a time, for as long as allowed."""
    try:
        sock = socket.create_connection((host, port), timeout=5)
    except OSError:
        return
    held.append(1)
    try:
        for byte in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000:
            if stop.is_set():
                break
            sock.send(bytes([byte]))
            time.sleep(0.5)
    except OSError:
        pass
    finally:
        sock.close()


def _rss(pid: int) -> int:
    """Resident memory of a process and its children, in bytes (Linux /proc)."""
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def run(url: str, requests: int, rate: float, concurrency: int, seconds: float, pid: int | None) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80

    def once(method: str, path: str, headers: dict, body: bytes | None) -> tuple[int, float]:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            return 0, time.perf_counter() - started  # the server closed the connection on us
        finally:
            conn.close()

    idle = [once("GET", "/sparql?" + urlencode({"query": NORMAL}), {"Accept": "application/sparql-results+json"},
                 None)[1] for _ in range(30)]
    memory_before = _rss(pid) if pid else None
    stop, held = threading.Event(), []
    slow = [threading.Thread(target=_slowloris, args=(host, port, stop, held), daemon=True) for _ in range(10)]
    for t in slow:
        t.start()
    codes: Counter = Counter()
    normal: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    start = time.monotonic()
    deadline = start + seconds
    peak = [memory_before or 0]

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for n in counter:
            due = start + n / rate  # the n-th request's arrival time
            if due > deadline:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            method, path, headers, body, is_normal = _requests(rng)
            status, elapsed = once(method, path, headers, body)
            with lock:
                codes[status] += 1
                if is_normal and status == 200:
                    normal.append(elapsed)

    def sample_memory() -> None:
        while pid and not stop.is_set():
            peak[0] = max(peak[0], _rss(pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    stop.set()
    sampler.join(2)
    idle_median = statistics.median(idle)
    loaded_median = statistics.median(normal) if normal else float("nan")
    return {
        "requests": sum(codes.values()), "seconds": round(wall, 1), "codes": dict(sorted(codes.items())),
        "slowloris_connections": len(held),
        "idle_median_ms": round(idle_median * 1000, 2), "loaded_median_ms": round(loaded_median * 1000, 2),
        "latency_ratio": round(loaded_median / idle_median, 2) if normal else None,
        "rss_before_mb": round(memory_before / 2**20) if memory_before else None,
        "rss_peak_mb": round(peak[0] / 2**20) if pid else None,
        "rss_after_mb": round(_rss(pid) / 2**20) if pid else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True,
                        help="base URL of the running `kg serve`, e.g. http://127.0.0.1:7878 (plain HTTP)")
    parser.add_argument("--requests", type=int, default=10_000,
                        help="number of mixed requests to send (default: %(default)s)")
    parser.add_argument("--rate", type=float, default=200,
                        help="requests per second, sent whether or not earlier ones are answered "
                             "(default: %(default)g)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="most requests in flight at once: the number of client threads (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=300,
                        help="stop sending after this many seconds even if requests remain (default: %(default)g)")
    parser.add_argument("--pid", type=int,
                        help="the server's process id, to measure its memory (and its children's) before, "
                             "during and after the load (needs psutil)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args()
    url = urlsplit(args.url)
    try:
        url.port  # a bad port raises ValueError here
    except ValueError as exc:
        parser.error(f"bad --url {args.url}: {exc}")
    if url.scheme != "http" or not url.hostname:
        parser.error(f"bad --url {args.url}: expected http://HOST[:PORT]")
    for name in ("requests", "rate", "concurrency", "seconds"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    if args.pid is not None:
        try:
            import psutil
        except ImportError:
            parser.error("--pid needs psutil: pip install psutil")
        if not psutil.pid_exists(args.pid):
            parser.error(f"--pid: no process with id {args.pid}")
    result = run(args.url, args.requests, args.rate, args.concurrency, args.seconds, args.pid)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['requests']:,} requests in {result['seconds']} s at {args.rate:g}/s "
          f"from {args.concurrency} clients, "
          f"{result['slowloris_connections']} slow-header connections held open")
    print("status codes:", ", ".join(f"{code or 'closed'}: {n:,}" for code, n in result["codes"].items()))
    print(f"normal query median latency: idle {result['idle_median_ms']} ms, under load "
          f"{result['loaded_median_ms']} ms ({result['latency_ratio']}x; target <= 3x)")
    if args.pid:
        print(f"server memory: {result['rss_before_mb']} MB before, peak {result['rss_peak_mb']} MB, "
              f"{result['rss_after_mb']} MB after")


if __name__ == "__main__":
    main()
