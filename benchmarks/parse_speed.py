"""Parsing speed and memory: kg's readers beside Biopython's, on the same files in the same run.

    python benchmarks/parse_speed.py [BULK.xml.gz]

Prints records/s for PubMed XML (the 20,788-record daily update file) and for the
MEDLINE text files, for kg and for Bio.Entrez / Bio.Medline (and for kg's MEDLINE tag
splitting alone, the part that compares with what Bio.Medline does), and the peak RSS of
reading the bulk file once and three times in a row (memory must not grow with
the input). Each measurement runs in a fresh process. Needs `pip install biopython`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bulk import ROOT, bulk_parser, parse_bulk_args

MEDLINE_DIR = ROOT / "tests/data/medline"

_RUN = r"""
import gzip, json, resource, sys, time
from Bio import Entrez, Medline
from kg.records import Record
from kg.sources import read_records
from kg.sources.medline import medline_fields
kind, paths = sys.argv[1], sys.argv[2:]
start = time.perf_counter()  # after the imports: they are not reading speed
n = 0
if kind == "kg":
    n = sum(isinstance(r, Record) for r in read_records(paths))
elif kind == "kg-fields":
    for p in paths:
        with open(p, encoding="utf-8-sig") as f:
            n += sum(1 for _ in medline_fields(f))
elif kind == "entrez":
    for p in paths:
        with (gzip.open(p) if p.endswith(".gz") else open(p, "rb")) as f:
            n += len(Entrez.read(f, validate=False)["PubmedArticle"])
elif kind == "medline":
    for p in paths:
        with open(p, encoding="utf-8-sig") as f:
            n += sum(1 for _ in Medline.parse(f))
seconds = time.perf_counter() - start
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"records": n, "seconds": seconds, "rss_mb": rss_mb}))
"""


def measure(kind: str, paths: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _RUN, kind, *paths], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def line(label: str, m: dict) -> str:
    rate = m["records"] / m["seconds"]
    return (f"  {label:<40} {m['records']:>7,} records {m['seconds']:7.2f} s {rate:>8,.0f} rec/s  "
            f"peak RSS {m['rss_mb']:6.0f} MB")


def main() -> None:
    parser = bulk_parser(__doc__, "read")
    bulk: Path = parse_bulk_args(parser).bulk
    if not MEDLINE_DIR.is_dir():
        parser.error(f"no MEDLINE test files: {MEDLINE_DIR} is missing")
    medline = sorted(str(p) for p in MEDLINE_DIR.iterdir())
    print(f"PubMed XML: {bulk.name} ({bulk.stat().st_size / 1e6:.0f} MB gzip)")
    kg_xml = measure("kg", [str(bulk)])
    print(line("kg (kg.sources.read_records)", kg_xml))
    bio_xml = measure("entrez", [str(bulk)])
    print(line("Biopython Bio.Entrez.read", bio_xml))
    print(f"  kg is {bio_xml['seconds'] / kg_xml['seconds']:.1f}x Biopython's speed")
    print("MEDLINE text: tests/data/medline/*")
    kg_txt = measure("kg", medline)
    print(line("kg (kg.sources.read_records)", kg_txt))
    print(line("kg tag splitting alone (medline_fields)", measure("kg-fields", medline)))
    bio_txt = measure("medline", medline)
    print(line("Biopython Bio.Medline.parse", bio_txt))
    print(f"  kg is {bio_txt['seconds'] / kg_txt['seconds']:.1f}x Biopython's speed")
    print("Memory with input size (kg reads the bulk file once, then three times in one run):")
    once, thrice = kg_xml, measure("kg", [str(bulk)] * 3)
    print(line("1 x bulk", once))
    print(line("3 x bulk", thrice))
    print(f"  peak RSS grows {100 * (thrice['rss_mb'] / once['rss_mb'] - 1):+.0f}% for 3x the input")


if __name__ == "__main__":
    main()
