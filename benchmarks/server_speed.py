"""Queries per second of `kg serve` beside Oxigraph's own server, in the same run.

    python benchmarks/server_speed.py [--store STORE] [--seconds 10]

With no --store, builds one from the 20,788-record update file first (about a minute).
Serves it with `kg serve` and a copy with `oxigraph serve-read-only --union-default-graph`
(the `oxigraph` package on PyPI), then sends three named queries round-robin from 1, 4
and 16 concurrent clients (threads of one separate process, keep-alive connections) and
prints queries/s, median and p99 latency for each server and the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from bulk import BULK

QUERIES = (("top-journals", {}), ("publications-per-year", {}), ("article", {"pmid": "34092911"}))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on {port} did not start")


def _queries(base_iri: str) -> list[str]:
    """The three named queries as full text (prefixes declared, parameters bound)."""
    from kg.mapping.vocab import sparql_prologue
    from kg.query import bind_values, named_queries

    texts = []
    for name, params in QUERIES:
        sparql = named_queries()[name].sparql
        if params:
            sparql = bind_values(sparql, {k: ox.Literal(v) for k, v in params.items()})
        texts.append(sparql_prologue(base_iri) + sparql)
    return texts


def _load(port: int, queries: list[str], clients: int, seconds: float) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        while time.monotonic() < stop:
            body = urlencode({"query": queries[i % len(queries)]})
            started = time.perf_counter()
            conn.request("POST", "/sparql", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    begin = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - begin
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return len(latencies) / wall, statistics.median(latencies) if latencies else float("nan"), p99, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store",
                        help=f"an existing kg store to serve (default: build a temporary one from {BULK.name})")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of each measured run, per server and number of clients, after a 2 s "
                             "warm-up (default: %(default)g)")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    from kg.store import KnowledgeGraph, StoreError

    if args.store:
        if not Path(args.store).exists():
            parser.error(f"no such store: {args.store}")
        try:
            KnowledgeGraph.open(args.store).close()
        except StoreError as exc:
            parser.error(str(exc))
    elif not BULK.is_file():
        parser.error(f"no such file: {BULK} (pass an existing --store instead)")
    work = Path(tempfile.mkdtemp(prefix="kg-serve-bench-"))
    processes = []
    try:
        store = Path(args.store) if args.store else work / "store"
        if not args.store:
            print(f"building a store from {BULK.name} ...", flush=True)
            subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(BULK), "--store", str(store), "-q"],
                           check=True, stdout=subprocess.DEVNULL)
        with KnowledgeGraph.open(store) as kg:
            base, quads = kg.base_iri, len(kg.store)
        copy = work / "oxigraph-copy"
        shutil.copytree(store / "oxigraph", copy)
        kg_port, ox_port = _port(), _port()
        processes.append(subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port",
                                           str(kg_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen([shutil.which("oxigraph") or "oxigraph", "serve-read-only", "--location",
                                           str(copy), "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait(kg_port, "/health")
        _wait(ox_port, "/")
        queries = _queries(base)
        print(f"store: {quads:,} quads; queries: {', '.join(n for n, _ in QUERIES)}; {args.seconds:g} s per run")
        print(f"{'clients':>7}  {'server':<22} {'queries/s':>9} {'median ms':>9} {'p99 ms':>8} {'errors':>6}")
        for clients in (1, 4, 16):
            results = {}
            for name, port in (("kg serve", kg_port), ("oxigraph serve-read-only", ox_port)):
                _load(port, queries, clients, 2)  # warm up
                qps, median, p99, errors = _load(port, queries, clients, args.seconds)
                results[name] = qps
                print(f"{clients:>7}  {name:<22} {qps:9.1f} {median * 1000:9.1f} {p99 * 1000:8.1f} {errors:6d}")
            print(f"{'':>7}  kg / oxigraph = {results['kg serve'] / results['oxigraph serve-read-only']:.2f}x")
    finally:
        for p in processes:
            p.terminate()
            p.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
