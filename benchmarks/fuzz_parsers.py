"""Coverage-guided fuzzing of the readers and the mapping with atheris (libFuzzer), for a bounded time.

    python benchmarks/fuzz_parsers.py [medline|xml] [--seconds 60]

Starts from the real files in tests/data as the corpus. Whatever input makes a reader
raise, or makes the mapping produce RDF Oxigraph cannot parse, is written to
tests/data/fuzz/ (libFuzzer's crash artifact) and replayed by tests/test_fuzz.py from
then on. Prints the number of runs and of crashes. Needs `pip install atheris`.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRASHES = ROOT / "tests/data/fuzz"
TARGETS = ("medline", "xml")


def _targets() -> dict[str, Callable[[bytes], None]]:
    """Import the readers and the mapping with coverage instrumentation; return the fuzz target of each reader.

    Done only once the command line is parsed, so that ``--help`` and usage errors need neither
    atheris nor the (slow) instrumented imports.
    """
    import atheris

    with atheris.instrument_imports():
        import pyoxigraph as ox

        from kg.mapping import Mapper
        from kg.records import Record
        from kg.sources import parse_medline, parse_pubmed_xml

    mapper = Mapper("https://example.org/kg/")

    def check(items) -> None:
        for item in items:
            if isinstance(item, Record):
                ox.parse(mapper.map(item).nquads(), ox.RdfFormat.N_QUADS)

    def medline(data: bytes) -> None:
        check(parse_medline(io.StringIO(data.decode("utf-8", "replace")), "fuzz.txt"))

    def xml(data: bytes) -> None:
        check(parse_pubmed_xml(io.BytesIO(data), "fuzz.xml"))

    return {"medline": medline, "xml": xml}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", choices=TARGETS, default="medline",
                        help="the reader to fuzz: MEDLINE text or PubMed XML (default: %(default)s)")
    parser.add_argument("--seconds", type=int, default=60,
                        help="how long to fuzz, in seconds (libFuzzer's -max_total_time; default: %(default)s)")
    args = parser.parse_args()
    if args.seconds < 1:
        parser.error("--seconds must be at least 1 (libFuzzer takes 0 as no time limit)")
    target, seconds = args.target, args.seconds
    try:
        import atheris
    except ImportError:
        parser.error("atheris is not installed: pip install atheris")
    function = _targets()[target]
    corpus = Path(tempfile.mkdtemp(prefix=f"kg-fuzz-{target}-"))
    sources = (ROOT / "tests/data").glob("medline/*" if target == "medline" else "xml/**/*.xml")
    for i, path in enumerate(sorted(sources)):
        if path.is_file() and path.stat().st_size < 200_000:
            shutil.copy(path, corpus / f"seed-{i}")
    CRASHES.mkdir(parents=True, exist_ok=True)
    print(f"fuzzing the {target} reader for {seconds} s from {len(list(corpus.iterdir()))} seed files", flush=True)
    # atheris hands this argv, not ours, to libFuzzer: the corpus directory and libFuzzer's own flags.
    atheris.Setup([sys.argv[0], str(corpus), f"-max_total_time={seconds}", f"-artifact_prefix={CRASHES}/{target}-",
                   "-max_len=65536", "-print_final_stats=1"], function)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
