"""kg build on a local Dask cluster against kg ingest, and a model of the full PubMed baseline.

    python benchmarks/build_speed.py [BULK.xml.gz] [--parts 8]

Splits the update file into PARTS files, then measures in the same run:
1. the map step alone with 1 worker and with 2 workers (`kg build --no-load`), and
   its speed-up;
2. `kg build --workers 2` end to end into an empty store, against `kg ingest` of the
   same parts;
3. from the per-file figures, the time and disk for the full baseline (about 36 M
   records in 1,300 files) on 1, 8 and 64 workers, with the model's assumptions.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bulk import bulk_parser, parse_bulk_args
from lxml import etree

BASELINE_RECORDS = 36_000_000
BASELINE_FILES = 1_300


def split(source: Path, parts: int, into: Path) -> list[Path]:
    """Split a PubMed XML file into ``parts`` files of about equal record counts."""
    with gzip.open(source) as f:
        root = etree.parse(f).getroot()
    articles = [e for e in root if e.tag in ("PubmedArticle", "PubmedBookArticle")]
    others = [e for e in root if e.tag not in ("PubmedArticle", "PubmedBookArticle")]
    size = -(-len(articles) // parts)
    paths = []
    for i in range(parts):
        chunk = articles[i * size : (i + 1) * size] + (others if i == parts - 1 else [])
        path = into / f"{source.name.split('.')[0]}-part{i + 1:02d}.xml.gz"
        with gzip.open(path, "wb", compresslevel=1) as out:
            out.write(b'<?xml version="1.0"?>\n<PubmedArticleSet>\n')
            for element in chunk:
                out.write(etree.tostring(element))
            out.write(b"</PubmedArticleSet>\n")
        paths.append(path)
    return paths


def main() -> None:
    parser = bulk_parser(__doc__, "split (gzip) and build from")
    parser.add_argument("--parts", type=int, default=8,
                        help="number of files to split the input into, i.e. of map tasks (default: %(default)s)")
    args = parse_bulk_args(parser)
    if args.parts < 1:
        parser.error("--parts must be at least 1")
    from kg.build import build
    from kg.store import KnowledgeGraph

    work = Path(tempfile.mkdtemp(prefix="kg-build-bench-"))
    try:
        files = [str(p) for p in split(Path(args.bulk), args.parts, work)]
        print(f"input: {Path(args.bulk).name} split into {len(files)} parts")
        maps = {}
        for workers in (1, 2):
            report = build(files, str(work / f"shards-{workers}"), load=False, workers=workers)
            maps[workers] = report
            print(f"map step, {workers} worker(s): {report.map_seconds:6.1f} s "
                  f"({report.records:,} records, {report.records / report.map_seconds:,.0f} records/s)")
        speedup = maps[1].map_seconds / maps[2].map_seconds
        print(f"  map speed-up with 2 workers: {speedup:.2f}x (target >= 1.7x)")
        started = time.monotonic()
        built = build(files, str(work / "shards-e2e"), store=str(work / "built"), workers=2)
        build_seconds = time.monotonic() - started
        started = time.monotonic()
        with KnowledgeGraph.open(work / "ingested", writable=True) as kg:
            kg.ingest(files)
        ingest_seconds = time.monotonic() - started
        print(f"kg build --workers 2 end to end: {build_seconds:6.1f} s (map {built.map_seconds:.1f} s, "
              f"load {built.reduce_seconds:.1f} s)")
        print(f"kg ingest of the same parts:     {ingest_seconds:6.1f} s")
        shard_bytes = sum(f.stat().st_size for f in (work / "shards-e2e").iterdir())
        store_bytes = sum(f.stat().st_size for f in (work / "built").rglob("*") if f.is_file())
        records = built.records
        per_record_map = maps[1].map_task_seconds / records
        per_record_load = built.reduce_seconds / records
        print("\nmodel of the full baseline "
              f"({BASELINE_RECORDS / 1e6:.0f} M records, {BASELINE_FILES:,} files), from these figures:")
        print(f"  map: {per_record_map * 1e3:.2f} ms of worker time per record; "
              f"load: {per_record_load * 1e3:.2f} ms per record (one writer, Oxigraph's bulk loader)")
        print(f"  disk: shards {shard_bytes / records:,.0f} B/record, store {store_bytes / records:,.0f} B/record")
        for workers in (1, 8, 64):
            map_hours = BASELINE_RECORDS * per_record_map / workers / 3600
            load_hours = BASELINE_RECORDS * per_record_load / 3600
            print(f"  {workers:>2} workers: map {map_hours:7.1f} h, load into one Oxigraph store {load_hours:6.1f} h "
                  f"(overlapping: about {max(map_hours, load_hours):.1f} h), --no-load: {map_hours:.1f} h")
        print(f"  disk: shards {BASELINE_RECORDS * shard_bytes / records / 1e12:.1f} TB, "
              f"Oxigraph store {BASELINE_RECORDS * store_bytes / records / 1e12:.1f} TB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
