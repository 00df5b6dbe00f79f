"""What the benchmarks that read the bulk file share: where it is, and its command-line argument."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The 20,788-record daily update file the issues' speed targets are measured on.
BULK = ROOT / "tests/data/bulk/pubmed21n1298.xml.gz"


def bulk_parser(doc: str | None, use: str) -> argparse.ArgumentParser:
    """A parser that shows the benchmark's docstring ``doc`` and takes an optional BULK.xml.gz
    (default: the bulk file); ``use`` says what the benchmark does with it."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bulk", nargs="?", type=Path, default=BULK, metavar="BULK.xml.gz",
                        help=f"PubMed XML file to {use} (default: %(default)s)")
    return parser


def parse_bulk_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed arguments; a BULK.xml.gz that is not a file is a usage error."""
    args = parser.parse_args()
    if not args.bulk.is_file():
        parser.error(f"no such file: {args.bulk}")
    return args
