"""The kg command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import io
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import DATA, SEED

from kg.export import EXPORT_FORMATS
from kg.query import write_results
from kg.sources import read_records
from kg.store import KnowledgeGraph


def kg(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, input=input)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cli") / "store")
    out = kg("ingest", str(SEED), str(DATA / "xml/pair-7records.xml"), "--store", path)
    assert out.returncode == 0, out.stderr
    return path


def test_every_command_has_help_with_an_example_and_its_exit_codes() -> None:
    for command in ("ingest", "query", "export", "stats", "demo", "validate", "serve", "build", "fetch", "update",
                    "resolve", "network", "network coauthor", "network stats", "network communities",
                    "network write-back", "network plot", "ontology load"):
        out = kg(*command.split(), "--help")
        assert out.returncode == 0 and b"Example" in out.stdout, command
        if command not in ("network",):  # a group: its commands say theirs
            assert b"Exit codes" in out.stdout, command


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


@pytest.mark.parametrize("source", ["xml/pair-7records.xml", "medline/pair-7records.txt"])
def test_ingest_reads_standard_input(tmp_path: Path, source: str) -> None:
    out = kg("ingest", "-", "--store", str(tmp_path / "s"), input=(DATA / source).read_bytes())
    assert out.returncode == 0 and b"7 added" in out.stdout
    # "-" twice: standard input is read once, then is empty; it was once a "peek of closed file" traceback.
    out = kg("ingest", "-", "-", "--store", str(tmp_path / "t"), input=(DATA / source).read_bytes())
    assert out.returncode == 0 and b"7 read, 7 added" in out.stdout and not out.stderr


def test_files_of_a_folder_that_are_not_read_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "pair.xml").write_bytes((DATA / "xml/pair-7records.xml").read_bytes())
    (folder / "pmids.json").write_text("[]")
    (folder / "README").write_text("notes")
    out = kg("ingest", str(folder), "--store", str(tmp_path / "s"))
    assert out.returncode == 0 and b"7 added" in out.stdout
    assert out.stderr.decode() == (f"note: not read, as their names do not end in .txt, .nbib, .medline, .xml, .gz: "
                                   f"{folder / 'README'}, {folder / 'pmids.json'}\n")


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
    assert out.returncode == 2 and b"needs --param person=..." in out.stderr


def test_a_parameter_that_names_no_variable_is_refused_not_ignored(store: str) -> None:
    titles = "SELECT ?t WHERE { ?a fabio:hasPubMedId ?id ; dcterms:title ?t }"
    out = kg("query", titles, "--param", "idd=24649313", "--store", store)
    assert out.returncode == 2 and out.stderr.decode().splitlines()[-1] == (
        "Error: cannot bind ?idd: the query has no such variable (it has ?a, ?id, ?t)")
    with KnowledgeGraph.open(store) as graph:
        assert [r["t"][:9] for r in graph.select(titles, params={"id": "24649313"})] == ["Sorafenib"]
        with pytest.raises(ValueError, match="cannot bind [?]nosuch"):
            graph.select(titles, params={"nosuch": "x"})


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_query_result_formats(store: str, fmt: str) -> None:
    out = kg("query", 'SELECT ?pmid WHERE { ?a fabio:hasPubMedId ?pmid } ORDER BY ?pmid', "--format", fmt,
             "--store", store)
    assert out.returncode == 0 and out.stdout.endswith(b"\n")
    ask = kg("query", 'ASK { ?a fabio:hasPubMedId "24649313" }', "--format", fmt, "--store", store)
    assert ask.returncode == 0 and ask.stdout.endswith(b"\n") and b"true" in ask.stdout
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
    for fmt in ("jsonld", "xml", "ntriples"):  # each ends with a newline, as a shell prompt wants
        graph = kg("query", 'CONSTRUCT { ?a dcterms:title ?t } WHERE { ?a fabio:hasPubMedId "24649313" ; '
                   'dcterms:title ?t }', "--format", fmt, "--store", store)
        assert graph.returncode == 0 and b"Sorafenib" in graph.stdout and graph.stdout.endswith(b"\n")
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


def test_a_long_one_line_query_is_run_not_taken_for_a_file_name(store: str) -> None:
    sparql = 'SELECT ?t WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }' + " " * 300
    out = kg("query", sparql, "--format", "csv", "--store", store)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines()[1].startswith("Sorafenib in metastatic radioactive iodine-refractory")


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")  # inside rdflib's JSON-LD parser
def test_query_output_extensions_name_graph_syntaxes_and_gz_compresses(store: str, tmp_path: Path) -> None:
    import gzip

    import rdflib

    construct = 'CONSTRUCT { ?a dcterms:title ?t } WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }'
    for name, syntax in (("c.rdf", "xml"), ("c.owl", "xml"), ("c.json", "json-ld"), ("c.jsonld", "json-ld")):
        assert kg("query", construct, "-o", str(tmp_path / name), "--store", store).returncode == 0
        graph = rdflib.Graph().parse(tmp_path / name, format=syntax)
        assert str(next(graph.objects())).startswith("Sorafenib in metastatic"), name
    for name in ("j.csv.gz", "J.CSV.GZ"):  # the extension in any case
        assert kg("query", "top-journals", "-o", str(tmp_path / name), "--store", store).returncode == 0
        lines = gzip.decompress((tmp_path / name).read_bytes()).decode().splitlines()
        assert lines[:2] == ["journal,title,articles",
                             "https://example.org/kg/journal/nlm/101662571,Gerontology & geriatric medicine,2"]
        assert len(lines) == 8
    odd = kg("query", "top-journals", "-o", str(tmp_path / "j.xlsx"), "--store", store)
    assert odd.returncode == 2 and odd.stderr.decode().splitlines()[-1] == (
        "Error: Invalid value for --output: cannot tell the format from 'j.xlsx': the file name must end in .csv, "
        ".tsv, .json, .srj, .xml, .srx, .ttl, .nt, .jsonld, .rdf, .owl or .txt (and .gz after it to compress); "
        "or give --format")


def test_a_failed_command_leaves_the_output_file_as_it_was(store: str, tmp_path: Path) -> None:
    kept = tmp_path / "kept.ttl"
    kept.write_text("precious\n")
    table_as_turtle = kg("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "-o", str(kept), "--store", store)
    no_such_graph = kg("export", "--graph", "1", "-o", str(kept), "--store", store)
    assert table_as_turtle.returncode == no_such_graph.returncode == 2
    assert b"a SELECT result is a table" in table_as_turtle.stderr
    assert b"the store holds no graph <https://example.org/kg/graph/pmid/1>" in no_such_graph.stderr
    assert kept.read_text() == "precious\n" and [p.name for p in tmp_path.iterdir()] == ["kept.ttl"]


def test_output_into_a_missing_folder_is_a_message(store: str, tmp_path: Path) -> None:
    target = tmp_path / "no" / "out"
    for command in (("query", "top-authors", "-o", f"{target}.csv"), ("export", "-o", f"{target}.ttl"),
                    ("validate", "--report", f"{target}.txt")):
        out = kg(*command, "--store", store)
        assert out.returncode == 1
        assert out.stderr.decode() == f"Error: {command[-1]}: cannot write there: No such file or directory\n"


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run kg with its standard error on a pseudo-terminal: the exit code and what the terminal showed."""
    terminal, stderr = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stderr=stderr, stdout=subprocess.DEVNULL) as proc:
        os.close(stderr)
        shown = b""
        while chunk := _read(terminal):
            shown += chunk
    os.close(terminal)
    return proc.returncode, shown.decode()


def _read(terminal: int) -> bytes:
    try:
        return os.read(terminal, 65536)
    except OSError:  # EIO: the process closed its end
        return b""


def test_export_shows_its_progress_on_a_terminal_only(store: str, tmp_path: Path) -> None:
    code, shown = _on_a_terminal("export", "-o", str(tmp_path / "all.nq"), "--store", store)
    quads = len((tmp_path / "all.nq").read_text().splitlines())
    assert code == 0 and f"\rexporting: {quads:,} quads (" in shown
    code, shown = _on_a_terminal("export", "--profile", "ris", "-o", str(tmp_path / "all.ris"), "--store", store)
    assert code == 0 and "\rexporting: 8 articles (" in shown and "8 articles written as ris" in shown
    quiet = kg("export", "-o", str(tmp_path / "again.nq"), "--store", store)  # stderr not a terminal
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_the_export_api_reports_the_quads_written(store: str) -> None:
    for fmt in ("nquads", "jsonld"):
        calls: list[int] = []
        with KnowledgeGraph.open(store) as graph:
            graph.export(io.BytesIO(), format=fmt, progress=calls.append)
            assert calls and calls[-1] == len(graph.store), fmt


def test_a_service_call_that_fails_is_a_message(store: str) -> None:
    out = kg("query", "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", "--store", store)
    err = out.stderr.decode()
    assert out.returncode == 1 and err.startswith("Error: query failed:") and "Traceback" not in err


def test_usage_mistakes_exit_2(store: str, tmp_path: Path) -> None:
    missing_file = kg("ingest", str(tmp_path / "nonexist.xml"), "--store", str(tmp_path / "s"))
    assert missing_file.returncode == 2 and b"does not exist" in missing_file.stderr
    for base, why in (("notaniri", b"is not an absolute IRI"), ("http://x y/", b"is not an absolute IRI"),
                      ("http://ex.org/kg", b"must end with '/'")):
        out = kg("ingest", str(SEED), "--base-iri", base, "--store", str(tmp_path / "s"))
        assert out.returncode == 2 and why in out.stderr, base
    assert not (tmp_path / "s").exists()
    assert kg("query", "--store", store).returncode == 2
    assert kg("query", "top-authors", "--param", "foo", "--store", store).returncode == 2
    assert kg("export", "--graph", "not an iri", "--store", store).returncode == 2


def test_commands_that_need_a_store_do_not_make_one(tmp_path: Path) -> None:
    for command in (("ontology", "load"), ("update",), ("resolve",), ("network", "write-back")):
        out = kg(*command, "--store", str(tmp_path / "typo"))
        assert out.returncode == 1 and b"no knowledge graph at" in out.stderr, command
    assert not (tmp_path / "typo").exists()


def test_build_names_missing_inputs_and_an_unwritable_shard_folder_before_it_starts(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    where = ("--out", str(tmp_path / "shards"), "--store", str(tmp_path / "s"))
    missing = kg("build", str(tmp_path / "none.xml"), *where)
    no_match = kg("build", str(tmp_path / "none*.xml"), *where)
    assert missing.returncode == no_match.returncode == 2
    assert b"none.xml does not exist" in missing.stderr and b"no file matches" in no_match.stderr
    blocked = kg("build", str(SEED), "--out", str(tmp_path / "a-file"), "--store", str(tmp_path / "s"))
    assert blocked.returncode == 1 and blocked.stderr.decode().endswith(": File exists\n"), blocked.stderr
    assert b"Traceback" not in blocked.stderr and not (tmp_path / "s").exists()


def test_a_profile_refuses_options_it_would_ignore(store: str) -> None:
    for option in (("--graph", "24649313"), ("--format", "turtle")):
        out = kg("export", "--profile", "ris", *option, "--store", store)
        assert out.returncode == 2 and f"drop {option[0]}\n".encode() in out.stderr


@pytest.mark.parametrize("args, message", [
    (["-o", "e.foo"], "cannot tell the format from 'e.foo': the file name must end in .ttl, .nt, .nq, .trig, "
                      ".jsonld, .json, .rdf, .xml or .owl (and .gz after it to compress); or give --format"),
    (["-o", "a.bib"], "a.bib names a bibtex file: use --profile bibtex"),
    (["--profile", "ris", "-o", "a.bib"], "a.bib names a bibtex file, not ris: name it .ris"),
    (["--profile", "datacite-json", "-o", "a.jsonld"],
     "a.jsonld names a schema file, not datacite-json: name it .json"),
    (["--query", "q.rq", "-o", "q.nq"], "--query selects articles for --profile"),
])
def test_export_refuses_a_file_name_that_names_another_format(store: str, tmp_path: Path, args: list[str],
                                                               message: str) -> None:
    (tmp_path / "q.rq").write_text("SELECT ?a WHERE { ?a fabio:hasPubMedId ?id }")
    out = subprocess.run([sys.executable, "-m", "kg.cli", "export", *args, "--store", store], capture_output=True,
                         cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.decode().splitlines()[-1].endswith(message)
    assert not any(p.suffix != ".rq" for p in tmp_path.iterdir())  # nothing written


def test_a_forced_format_that_does_not_fit_the_file_skips_it_with_a_reason(tmp_path: Path) -> None:
    out = kg("ingest", "--format", "medline", str(DATA / "xml/pair-7records.xml"), "--store", str(tmp_path / "s"))
    assert out.returncode == 3
    assert ("pair-7records.xml:1: no MEDLINE record in the input: 974 lines are not MEDLINE fields (line 1: not a "
            "MEDLINE field line, ignored: '<?xml version=\"1.0\"?>')") in out.stderr.decode()


def test_validate_checks_where_its_report_goes_before_validating(store: str, tmp_path: Path) -> None:
    out = kg("validate", "--report", str(tmp_path / "missing" / "report.txt"), "--store", store)
    assert out.returncode == 1 and out.stdout == b""  # nothing was validated
    where = tmp_path / "missing" / "report.txt"
    assert out.stderr.decode() == f"Error: {where}: cannot write there: No such file or directory\n"
    # A folder whose permission bits say yes but which takes no new file (and root passes every
    # permission check): tried, not guessed.
    refused = kg("validate", "--report", "/proc/report.txt", "--store", store)
    assert refused.returncode == 1 and refused.stdout == b""
    assert refused.stderr.decode().startswith("Error: /proc/report.txt: cannot write there: ")


def test_validate_a_record_the_store_does_not_hold_is_an_error(store: str) -> None:
    out = kg("validate", "--graph", "123", "--store", store)
    assert out.returncode == 2
    assert out.stderr.decode().splitlines()[-1] == ("Error: Invalid value for --graph: the store holds no record "
                                                    "PMID 123")


def test_a_store_that_cannot_be_written_can_still_be_read(store: str, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "read-only"
    shutil.copytree(store, copy)
    for path in (copy, *copy.rglob("*")):
        path.chmod(path.stat().st_mode & ~0o222)
    # The tests may run as root, whom file modes do not stop: drop that power for these commands.
    unprivileged = ["setpriv", "--inh-caps=-dac_override,-fowner", "--bounding-set=-dac_override,-fowner"]
    run = [*unprivileged, sys.executable, "-m", "kg.cli"]
    read = subprocess.run([*run, "query", "article", "--param", "pmid=24649313", "--store", str(copy)],
                          capture_output=True, text=True)
    assert read.returncode == 0 and "Luo, Yang" in read.stdout, read.stderr
    write = subprocess.run([*run, "ingest", str(SEED), "--store", str(copy)], capture_output=True, text=True)
    assert write.returncode == 1 and write.stderr == f"Error: cannot write to the store {copy}: Permission denied\n"


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


@pytest.mark.parametrize("graph", ["kg:graph/pmid/24649313", "24649313", "<https://example.org/kg/graph/pmid/24649313>"])
def test_export_prefixes_and_one_graph(store: str, graph: str) -> None:
    out = kg("export", "--format", "turtle", "--graph", graph, "--store", store)
    text = out.stdout.decode()
    assert text.startswith("@prefix") and "fabio:JournalArticle" in text
    assert "30038950" not in text


def test_demo_builds_a_store_and_answers_queries(tmp_path: Path) -> None:
    out = kg("demo", "--store", str(tmp_path / "demo"))
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    assert "101 read, 101 added" in text and "== kg query top-authors" in text
    assert "Luo, Yang" in text


def test_syntax_errors_name_the_query_file_and_updates_are_sent_to_the_server(store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?p }")
    for args in (["query", str(bad)], ["export", "--profile", "ris", "--query", str(bad)],
                 ["network", "country", "--query", str(bad)]):
        out = kg(*args, "--store", store)
        assert out.returncode == 1 and out.stderr.decode().startswith(f"Error: syntax error in {bad}: "), args
    update = kg("query", "INSERT DATA { <http://a> <http://b> 1 }", "--store", store)
    assert update.returncode == 1 and update.stderr.decode() == (
        "Error: the query is a SPARQL Update: kg query runs queries; updates go to a server started with "
        "kg serve --writable (POST /update)\n")


def test_a_query_read_from_standard_input_with_its_declared_parameters(store: str) -> None:
    piped = (b"# The title of an article.\n# param: pmid string its PubMed id\n"
             b"SELECT ?title WHERE { ?a fabio:hasPubMedId ?pmid ; dcterms:title ?title }\n")
    out = kg("query", "-", "--param", "pmid=24649313", "--format", "csv", "--store", store, input=piped)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == [
        "title", "Sorafenib in metastatic radioactive iodine-refractory differentiated thyroid cancer: A pilot study."]
    missing = kg("query", "-", "--store", store, input=piped)
    assert missing.returncode == 2 and "query stdin needs --param pmid=..." in missing.stderr.decode()
    bad = kg("query", "-", "--store", store, input=b"SELECT ?x WHERE { ?x ?p }")
    assert bad.returncode == 1 and bad.stderr.decode().startswith("Error: syntax error in standard input: ")
    latin = kg("query", "-", "--store", store, input="SELECT ?a WHERE { ?a ?b 'caf\xe9' }".encode("latin-1"))
    assert latin.returncode == 1 and "<stdin>:1:29: not UTF-8 (byte 0xe9)" in latin.stderr.decode()


def test_an_input_without_records_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = kg("ingest", str(tmp_path / "empty"), "--store", str(tmp_path / "s"))
    assert out.returncode == 0 and out.stderr == b"note: no records in the input\n"


def test_a_long_table_is_streamed_with_the_widths_of_its_first_rows(store: str) -> None:
    # 1,001 rows: the 1,001st, wider than the first thousand, is cut to their width.
    sparql = ('SELECT ?n WHERE { VALUES ?i { ' + " ".join(map(str, range(1001))) + ' } '
              'BIND(IF(?i = 1000, "a much wider cell than the others", STR(?i)) AS ?n) }')
    out = kg("query", sparql, "--format", "table", "--store", store)
    lines = out.stdout.decode().splitlines()
    assert out.returncode == 0 and lines[:3] == ["n", "---", "0"]
    assert lines[-2:] == ["a …", "(1,001 rows)"]


def test_a_graph_result_is_written_whole_and_counted_as_it_is_streamed(store: str) -> None:
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://example.org/kg/graph/pmid/24649313> { ?s ?p ?o } }"
    out = kg("query", construct, "--format", "ntriples", "--store", store)
    with KnowledgeGraph.open(store) as graph:
        held = len(list(graph.store.quads_for_pattern(None, None, None, graph.named_graph("24649313"))))
        written = write_results(graph.query(construct), io.BytesIO(), "ntriples", graph.prefixes)
    assert out.returncode == 0 and len(out.stdout.decode().splitlines()) == held == written > 100


def test_output_through_a_link_replaces_the_file_it_names_and_keeps_the_link(store: str, tmp_path: Path) -> None:
    (tmp_path / "real.nt").write_text("old\n")
    (tmp_path / "link.nt").symlink_to("real.nt")
    out = kg("export", "--graph", "24649313", "-o", str(tmp_path / "link.nt"), "--store", store)
    assert out.returncode == 0 and (tmp_path / "link.nt").is_symlink()
    assert (tmp_path / "real.nt").read_text().startswith("<https://example.org/kg/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nt", "real.nt"]


def test_output_to_a_fifo_or_dev_stdout_is_written_as_it_is(store: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    out = kg("export", "--graph", "24649313", "-o", str(fifo), "--store", store)
    lines = reader.communicate()[0].decode().splitlines()
    assert out.returncode == 0 and len(lines) > 100 and fifo.is_fifo()
    direct = kg("export", "--graph", "24649313", "--format", "ntriples", "-o", "/dev/stdout", "--store", store)
    assert direct.returncode == 0 and direct.stdout.decode().splitlines() == lines
    assert Path("/dev/stdout").is_symlink()


def test_a_full_disk_names_the_output_file() -> None:
    from kg.output import open_output

    with pytest.raises(OSError) as full:
        with open_output("/dev/full") as out:  # a device: written as it is, and always full
            out.write(b"x" * 100_000)
            out.flush()
    assert (full.value.errno, full.value.filename) == (28, "/dev/full")


def test_a_file_too_large_for_the_disk_is_named_and_not_left_behind(store: str, tmp_path: Path) -> None:
    # A real write error from the file system: the file size limit stands for a full disk.
    limited = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
               "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); from kg.cli import main; main()")
    target = tmp_path / "big.nt"
    out = subprocess.run([sys.executable, "-c", limited, "export", "-o", str(target), "--store", store],
                         capture_output=True)
    assert out.returncode == 1 and out.stderr.decode() == f"Error: {target}: File too large\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_exits_130_with_a_line_and_no_output_file(store: str, tmp_path: Path, how: int) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # about 10^10 rows to count
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "query", endless, "-o", str(tmp_path / "n.csv"),
                                "--store", store], stderr=subprocess.PIPE)
    time.sleep(3)  # in the query by then
    process.send_signal(how)
    err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 130 and err.endswith("\ninterrupted\n") and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_the_command_is_still_being_imported_exits_130_without_a_traceback() -> None:
    # The Ctrl-C is made to arrive exactly there: an import hook raises it for kg.cli.
    starting = ("import sys\n"
                "class CtrlC:\n"
                "    def find_spec(self, name, path=None, target=None):\n"
                "        if name == 'kg.cli':\n"
                "            raise KeyboardInterrupt\n"
                "sys.meta_path.insert(0, CtrlC())\n"
                "sys.argv = ['kg', '--version']\n"
                "from kg.__main__ import run\n"
                "run()\n")
    out = subprocess.run([sys.executable, "-c", starting], capture_output=True, text=True)
    assert (out.returncode, out.stderr) == (130, "\ninterrupted\n")
    started = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True, text=True)
    assert started.returncode == 0 and "version" in started.stdout


# ---------------------------------------------------------------- mistakes found by a user audit


def test_a_query_or_merge_file_that_is_not_utf8_is_named_with_its_line(store: str, tmp_path: Path) -> None:
    query = tmp_path / "latin.rq"
    query.write_bytes('SELECT ?a WHERE {\n  ?a dcterms:title "Caf\xe9" }\n'.encode("latin-1"))
    merges = tmp_path / "merges.tsv"
    merges.write_bytes("label\treplace by\nJ C B\xffyrd\tJohn C Byrd\n".encode("latin-1"))
    for args, code in [(("query", str(query)), 1), (("network", "coauthor", "--query", str(query)), 2),
                       (("export", "--profile", "ris", "--query", str(query)), 2),
                       (("resolve", "--merge-file", str(merges)), 1)]:
        out = kg(*args, "--store", store)
        where = f"{merges}:2:6: not UTF-8 (byte 0xff)" if "resolve" in args else f"{query}:2:24: not UTF-8 (byte 0xe9)"
        assert out.returncode == code and where in out.stderr.decode(), (args, out.stderr)
        assert b"Traceback" not in out.stderr


@pytest.mark.parametrize("args, message", [
    (("query", "ASK { ?s ?p ?o }", "--format", "turtle"), "an ASK result is true or false: use table, csv, tsv"),
    (("query", "article", "--param", "pmid="), "--param pmid: no value given"),
    (("query", "nothere.rq"), "cannot read nothere.rq"),
    (("serve", "--base-url", "notaurl"), "'notaurl' is not an http(s) URL"),
    (("build", str(SEED), "--out", "shards", "--workers", "0"), "0 is not in the range x>=1"),
    (("fetch", "asthma", "--since", "2022", "--until", "2020"), "the range 2022 to 2020 is empty"),
])
def test_usage_mistakes_exit_2_with_a_message(store: str, args: tuple[str, ...], message: str) -> None:
    out = kg(*args, "--store", store)
    assert out.returncode == 2 and message in out.stderr.decode() and out.stdout == b"", out.stderr


def test_a_padded_param_is_trimmed_as_the_query_page_trims_it(store: str) -> None:
    out = kg("query", "article", "--param", "pmid= 24649313 ", "--format", "csv", "--store", store)
    assert out.returncode == 0 and len(out.stdout.decode().splitlines()) > 2


def test_a_store_whose_index_is_gone_is_damaged_and_not_adopted(store: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("lock"))
    (copy / "index.sqlite").unlink()
    for args in (("stats",), ("ingest", str(SEED))):
        out = kg(*args, "--store", str(copy))
        assert out.returncode == 1
        assert f"the store {copy} is damaged: its index (index.sqlite) is missing" in out.stderr.decode()
    assert not (copy / "index.sqlite").exists()


def test_shards_to_a_protocol_without_its_package_are_refused_in_one_line(tmp_path: Path) -> None:
    out = kg("build", str(SEED), "--out", "s3://bucket/shards", "--store", str(tmp_path / "s"))
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    assert "cannot write shards to s3://bucket/shards: Install s3fs to access S3" in out.stderr.decode()


def test_an_unknown_prefix_is_named_not_listed_as_the_characters_expected(store: str) -> None:
    out = kg("query", "SELECT ?x WHERE {\n  ?x foo:bar ?y }", "--store", store)
    assert out.returncode == 1 and out.stderr.decode() == (
        "Error: syntax error in query: unknown prefix foo: (declare it: PREFIX foo: <IRI>)\n"
        "    ?x foo:bar ?y }\n"
        "              ^\n")
