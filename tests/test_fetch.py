"""kg fetch and kg update against a fake E-utilities server (tests/fake_eutils.py): a real HTTP
server on 127.0.0.1, serving real PubMed records from tests/data. No test touches the internet."""

from __future__ import annotations

import datetime as dt
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from fake_eutils import VALID_KEY, Article, FakeEUtils, copies, read_articles
from helpers import DATA

from kg.fetch import EUtils, EUtilsError, QueryError, fetch, update
from kg.fetch.commands import _FetchProgress
from kg.fetch.commands import fetch as fetch_command
from kg.fetch.commands import update as update_command
from kg.fetch.run import FetchReport
from kg.fetch.search import Search, slices
from kg.store import KnowledgeGraph

PANCREATIC = DATA / "xml/pubmedportable-pancreatic.xml"


@pytest.fixture(scope="module")
def pancreatic() -> list[Article]:
    return read_articles(PANCREATIC)


@pytest.fixture(scope="module")
def pancreatic_quads(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The graph of the 100 pancreatic-cancer records, ingested straight from their XML file."""
    return ingested_directly(tmp_path_factory.mktemp("direct"), PANCREATIC)


@pytest.fixture
def serve():
    """Start fake E-utilities servers; all are stopped after the test."""
    started: list[FakeEUtils] = []

    def start(articles: list[Article], queries: dict[str, list[str]] | None = None, **options) -> FakeEUtils:
        fake = FakeEUtils(articles, queries or {}, **options).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


def fast(fake: FakeEUtils, **options) -> EUtils:
    """A client for tests that are not about the rate: no waiting between requests or retries."""
    return EUtils(fake.url, rate=options.pop("rate", 1000), backoff=options.pop("backoff", 0.01), **options)


def quads(store: Path) -> set[str]:
    with KnowledgeGraph.open(store) as kg:
        return set(kg.store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines())


def ingested_directly(tmp_path: Path, *paths: Path) -> set[str]:
    store = tmp_path / "direct"
    with KnowledgeGraph.open(store, writable=True) as kg:
        kg.ingest([str(p) for p in paths])
    return quads(store)


def run(command, *args: str, input: str | None = None):
    return CliRunner().invoke(command, list(args), input=input)


# ---------------------------------------------------------------- the store equals a direct ingest


def test_fetched_records_equal_those_ingested_from_the_same_xml(tmp_path, serve, pancreatic,
                                                                pancreatic_quads) -> None:
    fake = serve(pancreatic, limits=None)
    store, saved = tmp_path / "fetched", tmp_path / "xml"
    with KnowledgeGraph.open(store, writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", save_xml=saved, batch_size=40)
    assert report.error is None
    assert (report.hits, report.records, report.ingest.added, report.ingest.skipped) == (100, 100, 100, [])
    assert quads(store) == pancreatic_quads
    # the saved batches are PubMed XML that kg ingest reads back into the same graph
    again = tmp_path / "from-saved"
    with KnowledgeGraph.open(again, writable=True) as kg:
        assert kg.ingest([str(saved)]).added == 100
    assert quads(again) == pancreatic_quads


# ---------------------------------------------------------------- ESearch, EFetch, batching


def test_esearch_on_the_history_server_then_efetch_in_batches(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, {"pancreatic cancer": [a.pmid for a in pancreatic]}, limits=None)
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, \
            fast(fake, email="me@example.org") as client:
        report = fetch(kg, client, query="pancreatic cancer", batch_size=30)
        assert kg.index.record_count() == 100
    search, = fake.calls("esearch.fcgi")
    assert search.params["usehistory"] == "y" and search.params["retmode"] == "json"
    fetches = fake.calls("efetch.fcgi")
    assert [(f.params["retstart"], f.params["retmax"]) for f in fetches] == [("0", "30"), ("30", "30"), ("60", "30"),
                                                                             ("90", "10")]
    assert {f.params["WebEnv"] for f in fetches} == {"MCID_00000000"} and fetches[0].params["retmode"] == "xml"
    assert all(r.params["tool"] == "kg" and r.params["email"] == "me@example.org" for r in fake.requests)
    assert sorted(fake.fetched_pmids()) == sorted(a.pmid for a in pancreatic)
    assert (report.batches, report.downloaded, report.ingest.files) == (4, 4, 4)


def test_max_fetches_the_newest_records_only(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", limit=30, batch_size=20)
        assert kg.index.record_count() == 30
    newest = sorted(pancreatic, key=lambda a: (a.pdat, int(a.pmid)), reverse=True)[:30]
    assert sorted(fake.fetched_pmids()) == sorted(a.pmid for a in newest)
    assert [f.params["retmax"] for f in fake.calls("efetch.fcgi")] == ["20", "10"]
    assert (report.hits, report.wanted) == (100, 30)


def test_since_and_until_restrict_the_publication_date(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", since="1990", until="1999/12")
    search, = fake.calls("esearch.fcgi")
    assert (search.params["datetype"], search.params["mindate"], search.params["maxdate"]) == (
        "pdat", "1990/01/01", "1999/12/31")
    assert report.records == sum(1 for a in pancreatic if 1990 <= a.pdat.year <= 1999) > 0


def test_pmids_are_fetched_by_id(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    wanted = [a.pmid for a in pancreatic[:5]]
    listing = tmp_path / "pmids.txt"
    listing.write_text("\n".join(wanted[2:]) + "\n")
    store = str(tmp_path / "s")
    out = run(fetch_command, "--pmids", ",".join([*wanted[:2], "99999999"]), "--store", store, "--eutils-url", fake.url)
    assert out.exit_code == 0, out.output
    assert "2 records: 2 downloaded" in out.output and "1 PMID not returned by EFetch" in out.output
    out = run(fetch_command, "--pmids", str(listing), "--store", store, "--eutils-url", fake.url)
    assert out.exit_code == 0 and "3 records: 3 downloaded" in out.output
    assert [f.params["id"] for f in fake.calls("efetch.fcgi")] == [",".join([*wanted[:2], "99999999"]),
                                                                   ",".join(wanted[2:])]
    with KnowledgeGraph.open(store) as kg:
        assert kg.index.record_count() == 5
    out = run(fetch_command, "--pmids", "12,abc", "--store", store)
    assert out.exit_code == 2 and "not PMIDs: abc" in out.output


# ---------------------------------------------------------------- ESearch's 9,999 cap


def _spread(n: int, templates: list[Article], first_year: int, years: int) -> list[Article]:
    days = [dt.date(first_year, 1, 1) + dt.timedelta(days=i * years * 365 // n) for i in range(n)]
    return copies(templates, n, first_pmid=40_000_000, days=days)


def test_a_query_of_25000_hits_is_split_by_date_under_the_cap(serve, pancreatic) -> None:
    articles = _spread(25_000, pancreatic[:5], 1990, 34)
    fake = serve(articles, limits=None)
    with fast(fake) as client:
        with pytest.raises(QueryError, match="cannot be larger than 9998"):
            client.esearch("all", retstart=9_999, retmax=10)  # the cap is enforced
        fake.requests.clear()
        search = Search("all")
        first = search.run(client, 9_999)
        parts = list(slices(client, search, first))
        last = parts[0].result
        tail = client.efetch(history=(last.webenv, last.query_key, last.count - 1, 1))
    assert first.count == 25_000 and len(parts) >= 3
    assert all(p.result.count <= 9_999 and len(p.result.ids) == p.result.count for p in parts)
    ids = [i for p in parts for i in p.result.ids]
    assert len(ids) == len(set(ids)) == 25_000
    assert [p.search.dates.first for p in parts] == sorted((p.search.dates.first for p in parts), reverse=True)
    assert all(int(r.params.get("retstart", 0)) <= 9_998 for r in fake.requests if r.status == 200)
    assert last.ids[-1].encode() in tail


def test_an_over_the_cap_fetch_loads_every_record(tmp_path, serve, pancreatic) -> None:
    # The same splitting with a cap of 40, so that the records can be ingested quickly.
    articles = _spread(150, pancreatic, 2000, 20)
    fake = serve(articles, limits=None, cap=40)
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", cap=40, batch_size=25)
        assert kg.index.record_count() == 150
    assert report.error is None and report.slices >= 4 and report.records == 150
    assert Counter(fake.fetched_pmids()) == Counter(a.pmid for a in articles)


def test_a_single_day_over_the_cap_is_split_by_entrez_date(tmp_path, serve, pancreatic) -> None:
    day = dt.date(2021, 3, 1)
    articles = [Article(a.pmid, a.xml, day, day + dt.timedelta(days=i), a.mdat)
                for i, a in enumerate(_spread(60, pancreatic, 2021, 1))]
    fake = serve(articles, limits=None, cap=25)
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", cap=25, batch_size=25)
        assert kg.index.record_count() == 60
    assert report.unreachable == 0 and report.slices >= 3
    assert any(r.params["term"] == "(all) AND 2021/03/01[dp]" and r.params.get("datetype") == "edat"
               for r in fake.calls("esearch.fcgi"))


# ---------------------------------------------------------------- NCBI's rate limits


@pytest.mark.parametrize("key, rate", [(None, 3), (VALID_KEY, 10)], ids=["3/s", "10/s with a key"])
def test_default_rates_measured_at_the_server(serve, pancreatic, key, rate) -> None:
    fake = serve(pancreatic)  # answers 429 beyond 3 requests a second (10 with a valid key)
    n = rate + 4
    with EUtils(fake.url, api_key=key) as client:
        for _ in range(n):
            client.esearch("all")
    arrivals = [r.at for r in fake.requests]
    assert len(arrivals) == n and not fake.calls("esearch.fcgi", status=429)
    assert fake.most_in_one_second() <= rate
    assert (n - 1) / rate <= arrivals[-1] - arrivals[0] <= 1.5 * (n - 1) / rate, arrivals  # not far below the limit
    assert {r.params.get("api_key") for r in fake.requests} == {key}


def test_the_fake_server_enforces_the_rate(serve, pancreatic) -> None:
    fake = serve(pancreatic)
    with EUtils(fake.url, rate=1000, retries=0) as client, pytest.raises(EUtilsError, match="429"):
        for _ in range(5):
            client.esearch("all")


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("fault", ["429", "500", "502", "drop", "truncate"])
def test_retries_on_busy_server_errors_and_dropped_connections(tmp_path, serve, pancreatic, fault) -> None:
    fake = serve(pancreatic, limits=None, faults_on="efetch.fcgi")
    fake.faults.extend(["none", fault, fault])  # the second batch fails twice, then succeeds
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake) as client:
        report = fetch(kg, client, query="all", batch_size=50)
        assert kg.index.record_count() == 100
    assert report.error is None
    assert len(fake.calls("efetch.fcgi", status=None)) == 4
    assert Counter(fake.fetched_pmids()) == Counter(a.pmid for a in pancreatic)


def test_backoff_doubles_between_tries(serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    fake.faults.extend(["500", "500", "500"])
    with fast(fake, backoff=0.2) as client:
        client.esearch("all")
    times = [r.at for r in fake.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Each gap is the wait plus a request's round trip (a loaded machine adds tens of milliseconds).
    for gap, wait in zip(gaps, [0.2, 0.4, 0.8], strict=True):
        assert wait <= gap < wait + 0.19


def test_a_server_that_keeps_failing_gives_a_clear_error_and_keeps_what_arrived(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None, faults_on="efetch.fcgi")
    fake.faults.extend(["none", *["500"] * 3])
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg, fast(fake, retries=2) as client:
        report = fetch(kg, client, query="all", batch_size=50)
        assert kg.index.record_count() == 50
    assert isinstance(report.error, EUtilsError)
    assert "kept failing (status 500, 3 tries)" in str(report.error)


# ---------------------------------------------------------------- resuming


def test_a_repeated_fetch_downloads_nothing_and_refresh_downloads_again(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    store = tmp_path / "s"
    with KnowledgeGraph.open(store, writable=True) as kg, fast(fake) as client:
        fetch(kg, client, query="all", batch_size=40)
        again = fetch(kg, client, query="all", batch_size=40)
        assert len(fake.fetched_pmids()) == 100
        assert (again.downloaded, again.from_cache, again.ingest.unchanged) == (0, 100, 100)
        refreshed = fetch(kg, client, query="all", batch_size=40, refresh=True)
    assert refreshed.downloaded == 3 and len(fake.fetched_pmids()) == 200
    assert len(list((store / "fetch-cache").glob("*.xml.gz"))) == 3  # refreshed batches replace the old files


_FETCH = "from kg.fetch.commands import fetch; fetch(prog_name='kg fetch')"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_interrupted_fetch_resumes_where_it_stopped(tmp_path, serve, pancreatic, pancreatic_quads, how) -> None:
    fake = serve(pancreatic, faults_on="efetch.fcgi")  # NCBI's rate limit enforced: the CLI keeps to it
    fake.faults.extend(["none", "none", "hang"])
    store = str(tmp_path / "s")
    args = ["all", "--store", store, "--batch-size", "25", "--eutils-url", fake.url]
    process = subprocess.Popen([sys.executable, "-c", _FETCH, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=Path(__file__).parents[1])
    deadline = time.monotonic() + 30
    while len(fake.calls("efetch.fcgi", status=None)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(how)
    fake.release.set()  # the hung request ends as a dropped connection
    _, err = process.communicate(timeout=30)
    if how == signal.SIGINT:
        assert process.returncode == 130 and b"run the same command again" in err and b"Traceback" not in err
    else:
        assert process.returncode == -signal.SIGKILL
    before = len(fake.fetched_pmids())
    assert before == 50  # two batches arrived; nothing was downloaded after the signal

    out = run(fetch_command, *args)
    assert out.exit_code == 0, out.output
    assert "50 from the cache" in out.output
    assert Counter(fake.fetched_pmids()) == Counter(a.pmid for a in pancreatic)  # nothing downloaded twice
    assert quads(Path(store)) == pancreatic_quads


# ---------------------------------------------------------------- kg update


def test_update_fetches_what_changed_since_the_last_run(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic[:60], {"pancreas": [a.pmid for a in pancreatic[:60]]}, limits=None)
    store = tmp_path / "s"
    with KnowledgeGraph.open(store, writable=True) as kg, fast(fake) as client:
        fetch(kg, client, query="pancreas")
        today = dt.datetime.now(dt.UTC).date()
        changed = [a.pmid for a in pancreatic[:2]]
        for pmid in changed:
            fake.modify(pmid, f"Revised title {pmid}", today)
        new = pancreatic[70]
        fake.add(Article(new.pmid, new.xml, new.pdat, today, today), "pancreas")
        fake.requests.clear()
        report = update(kg, client)
        titles = {r["id"]: r["t"] for r in kg.select(
            "SELECT ?id ?t WHERE { ?a fabio:hasPubMedId ?id ; dcterms:title ?t }")}
        assert kg.index.record_count() == 61
    search, = fake.calls("esearch.fcgi")
    assert (search.params["datetype"], search.params["mindate"]) == ("mdat", (today - dt.timedelta(days=1))
                                                                     .strftime("%Y/%m/%d"))
    assert sorted(fake.fetched_pmids()) == sorted([*changed, new.pmid])
    assert (report.ingest.replaced, report.ingest.added) == (2, 1)
    assert all(titles[p] == f"Revised title {p}" for p in changed)


def test_update_of_a_pmid_list_and_of_a_store_not_built_by_fetch(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic, limits=None)
    store = str(tmp_path / "s")
    ids = [a.pmid for a in pancreatic[:3]] + ["99999999"]  # the last one is not in PubMed
    assert run(fetch_command, "--pmids", ",".join(ids), "--store", store, "--eutils-url", fake.url).exit_code == 0
    fake.modify(ids[0], "Revised", dt.datetime.now(dt.UTC).date())
    out = run(update_command, "--store", store, "--eutils-url", fake.url)
    assert out.exit_code == 0, out.output
    assert "4 PMIDs modified since" in out.output and "1 replaced" in out.output
    search = fake.calls("esearch.fcgi")[-1]
    assert search.params["term"] == " OR ".join(f"{p}[pmid]" for p in ids) and search.params["datetype"] == "mdat"

    plain = str(tmp_path / "plain")
    with KnowledgeGraph.open(plain, writable=True) as kg:
        kg.ingest([str(PANCREATIC)])
    out = run(update_command, "--store", plain, "--eutils-url", fake.url)
    assert out.exit_code == 1 and "was not built by kg fetch" in out.output


# ---------------------------------------------------------------- errors a user can cause


def test_a_bad_query_is_a_clear_error(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic)
    store = str(tmp_path / "s")
    out = run(fetch_command, "pancreatic cancr", "--store", store, "--eutils-url", fake.url)
    assert out.exit_code == 1
    assert "PubMed does not understand part of the query 'pancreatic cancr' (phrase not found: pancreatic cancr)" \
        in out.output


@pytest.mark.parametrize("query", ["", "   "], ids=["empty", "blank"])
def test_an_empty_query_is_a_usage_error_before_any_request(tmp_path, serve, pancreatic, query) -> None:
    fake = serve(pancreatic)
    store = tmp_path / "s"
    out = run(fetch_command, query, "--store", str(store), "--eutils-url", fake.url)
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.splitlines()[-1] == "Error: give a QUERY or --pmids"
    assert out.stderr == run(fetch_command, "--store", str(store), "--eutils-url", fake.url).stderr
    assert fake.requests == [] and not store.exists()


def test_an_invalid_api_key_is_a_clear_error(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic)
    out = run(fetch_command, "all", "--store", str(tmp_path / "s"), "--eutils-url", fake.url, "--api-key", "wrong")
    assert out.exit_code == 1
    assert "NCBI rejected the API key (API key invalid): check --api-key or NCBI_API_KEY" in out.output
    assert "Traceback" not in out.output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url, reason", [
    (f"http://127.0.0.1:{_closed_port()}/entrez/eutils/", "connection refused"),
    ("http://eutils.kg-test.invalid/entrez/eutils/", "the host name does not resolve"),
])
def test_no_network_is_a_clear_error(tmp_path, url, reason) -> None:
    out = CliRunner().invoke(fetch_command, ["all", "--store", str(tmp_path / "s")], env={"KG_EUTILS_URL": url})
    assert out.exit_code == 1
    assert "Error: cannot reach " in out.output and reason in out.output and "check the network" in out.output


def test_a_fetch_that_fails_prints_a_summary_only_of_what_arrived(tmp_path, serve, pancreatic, monkeypatch) -> None:
    port = _closed_port()
    store = tmp_path / "s"
    out = run(fetch_command, "--pmids", "24649313,1000475", "--store", str(store),
              "--eutils-url", f"http://127.0.0.1:{port}/entrez/eutils/")
    assert out.exit_code == 1 and out.stdout == ""
    assert out.stderr == (f"Error: cannot reach 127.0.0.1:{port}: connection refused; check the network connection "
                          "(or --eutils-url / KG_EUTILS_URL)\n")
    assert not store.exists()  # the store this fetch made, with nothing in it, is removed again

    # The first batch arrives, the second keeps failing: the summary counts the first only.
    fake = serve(pancreatic, limits=None, faults_on="efetch.fcgi")
    fake.faults.extend(["none", *["500"] * 6])
    monkeypatch.setattr("kg.fetch.commands.EUtils", functools.partial(EUtils, rate=1000, backoff=0.01))
    out = run(fetch_command, "all", "--store", str(store), "--batch-size", "50", "--eutils-url", fake.url)
    assert out.exit_code == 1
    cache = store / "fetch-cache"
    assert out.stdout.splitlines()[1:4] == [
        "hits:     100", f"fetched:  50 records: 50 downloaded in 1 EFetch request, 0 from the cache ({cache})",
        "files:    1"]
    assert out.stderr == (f"Error: 127.0.0.1:{fake.httpd.server_address[1]} kept failing (status 500, 6 tries); "
                          "try again later: the command resumes where it stopped\n"
                          f"downloaded so far: 1 batch, kept in {cache}: run the same command again to go on\n")


def test_a_missing_pmid_file_is_a_usage_error(tmp_path, serve, pancreatic, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = str(tmp_path / "s")
    for missing in ("/nonexistent/file.txt", "pmids.csv", f"lists{os.sep}pmids"):
        out = run(fetch_command, "--pmids", missing, "--store", store)
        assert out.exit_code == 2 and out.stdout == ""
        assert out.stderr.splitlines()[-1] == f"Error: Invalid value for --pmids: file '{missing}' does not exist"
    out = run(fetch_command, "--pmids", "12.5", "--store", store)
    assert out.exit_code == 2
    assert out.stderr.splitlines()[-1] == ("Error: Invalid value for --pmids: not PMIDs: 12.5 "
                                           "(give a file of PMIDs or a comma-separated list)")
    # - still reads standard input
    fake = serve(pancreatic, limits=None)
    wanted = [a.pmid for a in pancreatic[:2]]
    out = run(fetch_command, "--pmids", "-", "--store", store, "--eutils-url", fake.url, input="\n".join(wanted))
    assert out.exit_code == 0, out.output
    assert sorted(fake.fetched_pmids()) == sorted(wanted)


def test_usage_errors(tmp_path) -> None:
    store = str(tmp_path / "s")
    assert "give a QUERY or --pmids" in run(fetch_command, "--store", store).output
    assert "not both" in run(fetch_command, "x", "--pmids", "1", "--store", store).output
    assert "restrict a search" in run(fetch_command, "--pmids", "1", "--since", "2020", "--store", store).output
    out = run(fetch_command, "x", "--since", "2020/13", "--store", store)
    assert out.exit_code == 2 and "is not a date" in out.output
    out = run(fetch_command, "x", "--since", "2020", "--until", "2019", "--store", store)
    assert out.exit_code == 2 and "the range 2020 to 2019 is empty" in out.output
    assert not Path(store).exists()
    out = run(fetch_command, "x", "--eutils-url", "eutils.example.org", "--store", store)
    assert out.exit_code == 2 and "'eutils.example.org' is not an http(s) URL" in out.output


# ---------------------------------------------------------------- the command line


def test_fetch_and_update_have_help_with_an_example() -> None:
    for command in (fetch_command, update_command):
        out = run(command, "--help")
        assert out.exit_code == 0 and "Example" in out.output


def test_fetch_summary_and_environment(tmp_path, serve, pancreatic) -> None:
    fake = serve(pancreatic)
    out = CliRunner().invoke(fetch_command, ["all", "--store", str(tmp_path / "s"), "--batch-size", "60"],
                             env={"KG_EUTILS_URL": fake.url, "NCBI_API_KEY": VALID_KEY, "NCBI_EMAIL": "a@b.org"})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert out.stderr.count("malformed DOI kept as text") == 5  # PMIDs 10026444-7 and 10050105: DOI "51466" etc.
    assert lines[:3] == ["search:   'all'", "hits:     100",
                         f"fetched:  100 records: 100 downloaded in 2 EFetch requests, 0 from the cache "
                         f"({tmp_path / 's' / 'fetch-cache'})"]
    assert "records:  100 read, 100 added, 0 replaced, 0 unchanged, 0 deleted, 0 skipped" in lines
    assert {(r.params.get("api_key"), r.params.get("email")) for r in fake.requests} == {(VALID_KEY, "a@b.org")}


def test_progress_line(capsys) -> None:
    bar = _FetchProgress(enabled=True)
    report = FetchReport(hits=2_500, wanted=2_500, records=1_000, from_cache=500)
    report.ingest.records_read = 800
    bar.fetched(report)
    bar.done()
    assert "fetching: 2,500 hits, 1,000 fetched (500 from the cache), 800 ingested" in capsys.readouterr().err


def test_the_api_key_never_appears_in_messages(serve, pancreatic) -> None:
    fake = serve(pancreatic)
    with EUtils(fake.url, api_key="secret-123") as client, pytest.raises(EUtilsError) as caught:
        client.esearch("all")
    assert "secret-123" not in str(caught.value)
