"""Coverage-guided fuzzing of the readers and the mapping with atheris (libFuzzer), for a bounded time.

    python benchmarks/fuzz_parsers.py [medline|xml] [--seconds 60]

Starts from the real files in tests/data as the corpus. Whatever input makes a reader
raise, or makes the mapping produce RDF Oxigraph cannot parse, is written to
tests/data/fuzz/ (libFuzzer's crash artifact) and replayed by tests/test_fuzz.py from
then on. Prints the number of runs and of crashes. Needs `pip install atheris`.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import pyoxigraph as ox

    from kg.mapping import Mapper
    from kg.records import Record
    from kg.sources import parse_medline, parse_pubmed_xml

ROOT = Path(__file__).resolve().parent.parent
CRASHES = ROOT / "tests/data/fuzz"
MAPPER = Mapper("https://example.org/kg/")


def _check(items) -> None:
    for item in items:
        if isinstance(item, Record):
            ox.parse(MAPPER.map(item).nquads(), ox.RdfFormat.N_QUADS)


def medline(data: bytes) -> None:
    _check(parse_medline(io.StringIO(data.decode("utf-8", "replace")), "fuzz.txt"))


def xml(data: bytes) -> None:
    _check(parse_pubmed_xml(io.BytesIO(data), "fuzz.xml"))


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "medline"
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 60
    corpus = Path(tempfile.mkdtemp(prefix=f"kg-fuzz-{target}-"))
    sources = (ROOT / "tests/data").glob("medline/*" if target == "medline" else "xml/**/*.xml")
    for i, path in enumerate(sorted(sources)):
        if path.is_file() and path.stat().st_size < 200_000:
            shutil.copy(path, corpus / f"seed-{i}")
    CRASHES.mkdir(parents=True, exist_ok=True)
    function = medline if target == "medline" else xml
    print(f"fuzzing the {target} reader for {seconds} s from {len(list(corpus.iterdir()))} seed files", flush=True)
    atheris.Setup([sys.argv[0], str(corpus), f"-max_total_time={seconds}", f"-artifact_prefix={CRASHES}/{target}-",
                   "-max_len=65536", "-print_final_stats=1"], function)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
