"""Ingest speed and memory on the 20,788-record daily update file, against Oxigraph's own
bulk loader and the straightforward rdflib pipeline, measured in the same run.

    python benchmarks/ingest_speed.py [BULK.xml.gz]

1. `kg ingest` into an empty on-disk store (wall time, records/s, quads/s, peak RSS of
   both processes);
2. `pyoxigraph.Store.bulk_load` of the N-Quads that ingest produced, into an empty store;
3. rdflib: parse the same N-Quads into an rdflib Dataset, then add every quad to an
   empty Oxigraph store;
4. `kg ingest` of the file three times over (three copies with different names).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bulk import bulk_parser, parse_bulk_args

_INGEST = r"""
import json, resource, sys, time
from kg.store import KnowledgeGraph
store, paths = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
with KnowledgeGraph.open(store, writable=True) as kg:
    report = kg.ingest(paths)
    quads = len(kg.store)
seconds = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "records": report.records_read, "quads": quads,
                  "rss_mb": me.ru_maxrss / 1024, "reader_rss_mb": kids.ru_maxrss / 1024}))
"""

_BULK_LOAD = r"""
import json, sys, time
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
start = time.perf_counter()
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
store.flush()
print(json.dumps({"seconds": time.perf_counter() - start, "quads": len(store)}))
"""

_RDFLIB = r"""
import json, sys, time
import pyoxigraph as ox, rdflib
start = time.perf_counter()
ds = rdflib.Dataset()
ds.parse(sys.argv[2], format="nquads")
parsed = time.perf_counter() - start
store = ox.Store(sys.argv[1])
def term(t):
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
store.extend(ox.Quad(term(s), term(p), term(o), ox.NamedNode(str(g)))
             for s, p, o, g in ds.quads((None, None, None, None)))
store.flush()
print(json.dumps({"seconds": time.perf_counter() - start, "parse_seconds": parsed, "quads": len(store)}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    bulk_file: Path = parse_bulk_args(bulk_parser(__doc__, "ingest")).bulk
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        print(f"input: {bulk_file.name}; work directory {work}")
        ingest = run(_INGEST, str(work / "store"), str(bulk_file))
        print(f"kg ingest:          {ingest['seconds']:7.1f} s  "
              f"{ingest['records'] / ingest['seconds']:8,.0f} records/s  "
              f"{ingest['quads'] / ingest['seconds']:9,.0f} quads/s  ({ingest['quads']:,} quads)  "
              f"peak RSS {ingest['rss_mb']:.0f} MB writer + {ingest['reader_rss_mb']:.0f} MB reader")
        nquads = work / "ingested.nq"
        subprocess.run([sys.executable, "-m", "kg.cli", "export", "--store", str(work / "store"), "-o", str(nquads)],
                       check=True)
        bulk = run(_BULK_LOAD, str(work / "bulk"), str(nquads))
        print(f"Store.bulk_load:    {bulk['seconds']:7.1f} s  {ingest['records'] / bulk['seconds']:8,.0f} records/s  "
              f"{bulk['quads'] / bulk['seconds']:9,.0f} quads/s  of the same N-Quads")
        print(f"  kg ingest / bulk_load = {ingest['seconds'] / bulk['seconds']:.2f}x (target <= 1.5x)")
        rdflib_run = run(_RDFLIB, str(work / "rdflib"), str(nquads))
        print(f"rdflib pipeline:    {rdflib_run['seconds']:7.1f} s  {ingest['records'] / rdflib_run['seconds']:8,.0f} "
              f"records/s  {rdflib_run['quads'] / rdflib_run['seconds']:9,.0f} quads/s  "
              f"(parse {rdflib_run['parse_seconds']:.1f} s)")
        print(f"  kg ingest is {rdflib_run['seconds'] / ingest['seconds']:.1f}x faster (target >= 10x)")
        copies = []
        for i in range(3):
            copy = work / f"copy{i}-{bulk_file.name}"
            shutil.copy(bulk_file, copy)
            copies.append(str(copy))
        thrice = run(_INGEST, str(work / "thrice"), *copies)
        growth = (thrice['rss_mb'] + thrice['reader_rss_mb']) / (ingest['rss_mb'] + ingest['reader_rss_mb'])
        print(f"3 copies:           {thrice['seconds']:7.1f} s  peak RSS {thrice['rss_mb']:.0f} MB writer + "
              f"{thrice['reader_rss_mb']:.0f} MB reader ({100 * growth - 100:+.0f}%"
              f" against one copy; target < +20%, total < 1 GB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
