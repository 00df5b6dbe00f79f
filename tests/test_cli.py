"""The kg command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import DATA, SEED

from kg.export import EXPORT_FORMATS
from kg.sources import read_records


def kg(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, input=input)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cli") / "store")
    out = kg("ingest", str(SEED), str(DATA / "xml/pair-7records.xml"), "--store", path)
    assert out.returncode == 0, out.stderr
    return path


def test_every_command_has_help_with_an_example() -> None:
    for command in ("ingest", "query", "export", "stats", "demo", "validate", "serve", "build", "fetch", "update",
                    "resolve", "network", "network coauthor", "network stats", "network communities",
                    "network write-back", "network plot", "ontology load"):
        out = kg(*command.split(), "--help")
        assert out.returncode == 0 and b"Example" in out.stdout, command


def test_ingest_prints_a_summary_and_exit_0(tmp_path: Path) -> None:
    out = kg("ingest", str(DATA / "medline/pair-7records.txt"), "--store", str(tmp_path / "s"))
    text = out.stdout.decode()
    assert out.returncode == 0
    assert "records:  7 read, 7 added, 0 replaced, 0 unchanged, 0 deleted, 0 skipped" in text
    assert "quads:" in text and "time:" in text


def test_ingest_of_broken_files_names_them_loads_the_rest_and_exits_3(tmp_path: Path) -> None:
    out = kg("ingest", str(DATA / "malformed"), "--store", str(tmp_path / "s"))
    err = out.stderr.decode()
    assert out.returncode == 3
    assert "MedlinePlainImporterTestMultipleEntries.txt:55: record skipped: no PMID field" in err
    assert "Traceback" not in err
    assert "added" in out.stdout.decode()


def test_ingest_reads_standard_input(tmp_path: Path) -> None:
    out = kg("ingest", "-", "--store", str(tmp_path / "s"), input=(DATA / "xml/pair-7records.xml").read_bytes())
    assert out.returncode == 0 and b"7 added" in out.stdout


def test_store_from_the_environment(tmp_path: Path) -> None:
    env_store = tmp_path / "env-store"
    out = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(SEED), "-q"], capture_output=True,
                         env={**__import__("os").environ, "KG_STORE": str(env_store)})
    assert out.returncode == 0 and (env_store / "index.sqlite").exists()


def test_query_a_named_query_as_a_table(store: str) -> None:
    out = kg("query", "article", "--param", "pmid=24649313", "--store", store)
    lines = out.stdout.decode().splitlines()
    assert lines[0].split("|")[0].strip() == "rank"
    assert "Luo, Yang" in lines[2] and lines[-1] == "(14 rows)"


def test_query_list_and_missing_parameters(store: str) -> None:
    listing = kg("query", "--list").stdout.decode()
    assert "top-authors" in listing and "--param person=" in listing
    out = kg("query", "articles-of-author", "--store", store)
    assert out.returncode == 1 and b"needs --param person=..." in out.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_query_result_formats(store: str, fmt: str) -> None:
    out = kg("query", 'SELECT ?pmid WHERE { ?a fabio:hasPubMedId ?pmid } ORDER BY ?pmid', "--format", fmt,
             "--store", store)
    assert out.returncode == 0
    if fmt == "csv":  # lossy by design: read it as CSV
        import csv

        values = [row["pmid"] for row in csv.DictReader(out.stdout.decode().splitlines())]
    else:
        results = ox.parse_query_results(out.stdout, ox.QueryResultsFormat.from_extension(fmt))
        values = [s["pmid"].value for s in results]
    pair = [r.pmid for r in read_records([DATA / "xml/pair-7records.xml"])]
    assert values == sorted(["24649313", *pair])


def test_query_output_format_from_the_file_extension(store: str, tmp_path: Path) -> None:
    target = tmp_path / "years.json"
    assert kg("query", "publications-per-year", "-o", str(target), "--store", store).returncode == 0
    assert {b["year"]["value"] for b in json.loads(target.read_text())["results"]["bindings"]} >= {"2014", "2018"}


def test_construct_and_ask(store: str) -> None:
    out = kg("query", 'CONSTRUCT { ?a dcterms:title ?t } WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }',
             "--store", store)
    assert b"@prefix dcterms:" in out.stdout and b"Sorafenib" in out.stdout
    assert kg("query", 'ASK { ?a fabio:hasPubMedId "24649313" }', "--store", store).stdout == b"true\n"


def test_a_syntax_error_shows_the_message_and_position_not_a_traceback(store: str) -> None:
    out = kg("query", "SELECT ?x WHERE { ?x ?p }", "--store", store)
    err = out.stderr.decode()
    assert out.returncode == 1 and "syntax error in query" in err and "^" in err and "Traceback" not in err


def test_a_mistyped_query_name_is_named_with_the_closest_names(store: str) -> None:
    out = kg("query", "top-author", "--store", store)
    assert out.returncode == 1 and "Traceback" not in out.stderr.decode()
    assert out.stderr.decode().strip() == ("Error: no named query 'top-author' (did you mean top-authors, coauthors, "
                                           "articles-of-author?); kg query --list lists them")


def test_query_without_a_store_says_how_to_make_one(tmp_path: Path) -> None:
    out = kg("query", "top-authors", "--store", str(tmp_path / "none"))
    assert out.returncode == 1 and b"kg ingest" in out.stderr


def test_stats(store: str) -> None:
    figures = json.loads(kg("stats", "--format", "json", "--store", store).stdout)
    assert figures["records"] == figures["articles"] == 8
    assert figures["classes"]["fabio:JournalArticle"] >= 5
    table = kg("stats", "--store", store).stdout.decode()
    assert "records                   8" in table and "fabio:hasPubMedId" in table


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_export_and_reimport_give_an_isomorphic_dataset(store: str, tmp_path: Path, fmt: str) -> None:
    ext = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig", "jsonld": "jsonld",
           "rdfxml": "rdf"}[fmt]
    target = tmp_path / f"graph.{ext}.gz"
    out = kg("export", "-o", str(target), "--store", store)
    assert out.returncode == 0, out.stderr
    rdf_format, with_graphs = EXPORT_FORMATS[fmt]
    import gzip

    reloaded = ox.Store()
    reloaded.load(gzip.decompress(target.read_bytes()), rdf_format)
    original = subprocess.run([sys.executable, "-m", "kg.cli", "export", "--format", "nquads", "--store", store],
                              capture_output=True).stdout
    source = ox.Store()
    source.load(original, ox.RdfFormat.N_QUADS)

    def content(s: ox.Store) -> set:
        return {(q.subject, q.predicate, q.object, q.graph_name if with_graphs else None) for q in s}

    assert content(reloaded) == content(source) and len(source) > 1000


def test_export_prefixes_and_one_graph(store: str) -> None:
    out = kg("export", "--format", "turtle", "--graph", "kg:graph/pmid/24649313", "--store", store)
    text = out.stdout.decode()
    assert text.startswith("@prefix") and "fabio:JournalArticle" in text
    assert "30038950" not in text


def test_demo_builds_a_store_and_answers_queries(tmp_path: Path) -> None:
    out = kg("demo", "--store", str(tmp_path / "demo"))
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    assert "101 read, 101 added" in text and "== kg query top-authors" in text
    assert "Luo, Yang" in text
