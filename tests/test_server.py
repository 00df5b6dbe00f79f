"""kg serve: a real server on a local port, real HTTP and SPARQL clients, a real browser."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from helpers import DATA, SEED

from kg.store import KnowledgeGraph

SEED_FAMILIES = ["Luo", "Shi", "Xing", "Wang", "Feng", "Han", "He"]
ARTICLE = "https://example.org/kg/br/pmid/24649313"
ARTICLE_AUTHORS = f"""
SELECT ?rank ?family WHERE {{
  <{ARTICLE}> pro:isDocumentContextFor ?r . ?r vivo:rank ?rank ; pro:isHeldBy/foaf:familyName ?family .
}} ORDER BY ?rank"""
# A record made up for these tests: its title carries markup that must never run in a page,
# and it cites and discusses the seed record, so the seed's page has incoming links.
HOSTILE = b"""<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">99000001</PMID>
<Article><Journal><Title>Journal of &lt;marquee&gt;Tests&lt;/marquee&gt;</Title></Journal>
<ArticleTitle>&lt;script&gt;alert("x")&lt;/script&gt; &amp; "quoted" &lt;img src=x onerror=alert(1)&gt;</ArticleTitle>
<AuthorList><Author><LastName>O'Brien &lt;svg onload=alert(2)&gt;</LastName><ForeName>Ann</ForeName></Author>
</AuthorList>
<Language>eng</Language></Article>
<CommentsCorrectionsList><CommentsCorrections RefType="CommentOn"><RefSource>Mol Clin Oncol. 2014</RefSource>
<PMID Version="1">24649313</PMID></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>
<PubmedData><ReferenceList><Reference><Citation>Luo Y et al.</Citation><ArticleIdList>
<ArticleId IdType="pubmed">24649313</ArticleId></ArticleIdList></Reference></ReferenceList></PubmedData>
</PubmedArticle></PubmedArticleSet>"""


class Server:
    """``kg serve`` on a port it picks (``--port 0``), read from its "serving ... on URL" line."""

    def __init__(self, store: Path, *args: str) -> None:
        self.log = Path(tempfile.mkstemp(prefix="serve-", suffix=".log", dir=store.parent)[1])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", "0", *args],
            stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            serving = re.search(r"^serving .* on (http://127\.0\.0\.1:(\d+))/ ", self.log.read_text(), re.MULTILINE)
            if serving:
                self.url, self.port = serving[1], int(serving[2])
                try:
                    if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            time.sleep(0.2)
        raise RuntimeError("the server did not start: " + self.log.read_text())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _store(path: Path) -> Path:
    with KnowledgeGraph.open(path, writable=True) as kg:
        hostile = path.parent / "hostile.xml"
        hostile.write_bytes(HOSTILE)
        report = kg.ingest([str(SEED), str(DATA / "xml/pair-7records.xml"),
                            str(DATA / "xml/pubmedportable-pancreatic.xml"), str(hostile)])
        assert not report.skipped
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _store(tmp_path_factory.mktemp("serve") / "store")


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[Server]:
    running = Server(store, "--timeout", "3", "--workers", "2")
    yield running
    running.stop()


# ---------------------------------------------------------------- SPARQL protocol with real clients


def test_rdflib_sparqlstore_runs_select_ask_and_construct(server: Server) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(SPARQLStore(server.url + "/sparql"))  # rdflib asks for SPARQL XML or RDF/XML
    rows = list(graph.query("PREFIX pro: <http://purl.org/spar/pro/> PREFIX vivo: <http://vivoweb.org/ontology/core#> "
                            "PREFIX foaf: <http://xmlns.com/foaf/0.1/>" + ARTICLE_AUTHORS))
    assert [str(r.family) for r in rows] == SEED_FAMILIES and [int(r.rank) for r in rows] == list(range(1, 8))
    assert graph.query(f"ASK {{ <{ARTICLE}> ?p ?o }}").askAnswer is True
    constructed = graph.query(f"CONSTRUCT {{ <{ARTICLE}> ?p ?o }} WHERE {{ <{ARTICLE}> ?p ?o }}").graph
    assert (rdflib.URIRef(ARTICLE), rdflib.DCTERMS.title, None) in constructed


def test_sparqlwrapper_gets_the_authors_in_order(server: Server) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(ARTICLE_AUTHORS.replace("SELECT", "PREFIX pro: <http://purl.org/spar/pro/> "
                                            "PREFIX vivo: <http://vivoweb.org/ontology/core#> "
                                            "PREFIX foaf: <http://xmlns.com/foaf/0.1/> SELECT"))
    client.setReturnFormat(JSON)
    client.setMethod("POST")
    bindings = client.query().convert()["results"]["bindings"]
    assert [b["family"]["value"] for b in bindings] == SEED_FAMILIES


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_select_results_by_content_negotiation(server: Server, accept: str) -> None:
    r = httpx.get(server.url + "/sparql", params={"query": ARTICLE_AUTHORS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    if accept == "text/csv":
        families = [row["family"] for row in csv.DictReader(io.StringIO(r.text))]
    else:
        fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
               "application/sparql-results+xml": ox.QueryResultsFormat.XML,
               "text/tab-separated-values": ox.QueryResultsFormat.TSV}[accept]
        families = [row["family"].value for row in ox.parse_query_results(r.content, fmt)]
    assert families == SEED_FAMILIES


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_graphs_by_content_negotiation(server: Server, accept: str, fmt: str) -> None:
    query = f"CONSTRUCT {{ <{ARTICLE}> ?p ?o }} WHERE {{ <{ARTICLE}> ?p ?o }}"
    r = httpx.post(server.url + "/sparql", content=query,
                   headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=r.content, format=fmt)
    assert str(graph.value(rdflib.URIRef(ARTICLE), rdflib.DCTERMS.title)).startswith("Sorafenib")


def test_form_posts_dataset_parameters_and_the_union_default_graph(server: Server) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = httpx.post(server.url + "/sparql", data={"query": count}, headers={"Accept": "application/json"})
    one = httpx.post(server.url + "/sparql", data={"query": count,
                                                     "default-graph-uri": "https://example.org/kg/graph/pmid/24649313"},
                     headers={"Accept": "application/json"})
    n_whole = int(whole.json()["results"]["bindings"][0]["n"]["value"])
    n_one = int(one.json()["results"]["bindings"][0]["n"]["value"])
    assert n_whole > 20000 and 100 < n_one < 200
    named = httpx.get(server.url + "/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": "https://example.org/kg/graph/pmid/24649313"}, headers={"Accept": "application/json"})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [
        "https://example.org/kg/graph/pmid/24649313"]
    # Named graphs only: the default graph is empty (SPARQL 1.1 Protocol 2.1.4, as FROM NAMED alone).
    named_only = httpx.get(server.url + "/sparql", params={
        "query": count, "named-graph-uri": "https://example.org/kg/graph/pmid/24649313"},
        headers={"Accept": "application/json"})
    assert named_only.json()["results"]["bindings"][0]["n"]["value"] == "0"
    from_clause = count.replace("WHERE", "FROM <https://example.org/kg/graph/pmid/24649313> WHERE")
    in_query = httpx.post(server.url + "/sparql", data={"query": from_clause}, headers={"Accept": "application/json"})
    assert in_query.json() == one.json()


def test_errors_are_4xx_with_the_parsers_message(server: Server) -> None:
    bad = httpx.get(server.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?p }"})
    assert bad.status_code == 400 and "SPARQL syntax error" in bad.text and "Traceback" not in bad.text
    unacceptable = httpx.get(server.url + "/sparql", params={"query": ARTICLE_AUTHORS}, headers={"Accept": "image/png"})
    assert unacceptable.status_code == 406
    service = httpx.get(server.url + "/sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://example.invalid/sparql> { ?s ?p ?o } }"})
    assert service.status_code == 400 and "--allow-service" in service.text


def test_service_description_on_a_plain_get(server: Server) -> None:
    r = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(server.url + "/sparql")
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph


def test_a_runaway_query_is_stopped_and_the_server_keeps_answering(server: Server) -> None:
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        slow = pool.submit(httpx.get, server.url + "/sparql", params={"query": explosive}, timeout=60)
        time.sleep(1)
        # Past half a second the runaway query's worker has stepped aside to the lowest CPU priority.
        assert sorted(_niceness(pid) for pid in _children(server.process.pid)) == [0, 19]
        quick = httpx.get(server.url + "/sparql", params={"query": ARTICLE_AUTHORS},
                          headers={"Accept": "text/csv"}, timeout=10)
        quick_elapsed = time.monotonic() - started
        answer = slow.result()
        elapsed = time.monotonic() - started
    assert quick.status_code == 200 and quick_elapsed < 3
    assert answer.status_code == 503 and "timeout" in answer.text
    assert elapsed < 3 + 2
    assert httpx.get(server.url + "/health").json()["status"] == "ok"
    assert [_niceness(pid) for pid in _children(server.process.pid)] == [0, 0]  # the stopped worker was replaced


def _children(pid: int) -> list[int]:
    """Process ids of the server's query workers (Linux /proc)."""
    # Each thread lists the children it started; workers are replaced from the pool's threads.
    pids = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text(encoding="ascii").split()]
    return [child for child in pids if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def _niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])  # field 19: nice


def test_a_query_past_the_memory_cap_is_stopped_and_the_server_keeps_answering(store: Path) -> None:
    # Sorting a cross product: Oxigraph holds every row in memory, over a GB a second.
    explosive = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
    capped = Server(store, "--max-memory", "200", "--workers", "1")
    try:
        started = time.monotonic()
        answer = httpx.get(capped.url + "/sparql", params={"query": explosive}, timeout=60)
        assert answer.status_code == 413 and "200 MB of memory" in answer.text
        assert time.monotonic() - started < 20  # well before the 30 s timeout
        quick = httpx.get(capped.url + "/sparql", params={"query": ARTICLE_AUTHORS}, headers={"Accept": "text/csv"})
        assert [row["family"] for row in csv.DictReader(io.StringIO(quick.text))] == SEED_FAMILIES
    finally:
        capped.stop()


# ---------------------------------------------------------------- linked data, VoID, dump


@pytest.mark.parametrize("suffix,fmt", [(".ttl", "turtle"), (".jsonld", "json-ld"), (".nt", "nt"), (".rdf", "xml")])
def test_resources_dereference_with_suffixes(server: Server, suffix: str, fmt: str) -> None:
    graph = rdflib.Graph().parse(data=httpx.get(server.url + "/br/pmid/24649313" + suffix).content, format=fmt)
    article = rdflib.URIRef(ARTICLE)
    assert str(graph.value(article, rdflib.DCTERMS.title)).startswith("Sorafenib")
    citing = rdflib.URIRef("https://example.org/kg/br/pmid/99000001")
    assert (citing, rdflib.URIRef("http://purl.org/spar/cito/cites"), article) in graph  # incoming links too


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_resources_dereference_by_accept_header(server: Server, accept: str, fmt: str) -> None:
    r = httpx.get(server.url + "/br/pmid/24649313", headers={"Accept": accept})
    assert r.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=r.content, format=fmt)
    assert (rdflib.URIRef(ARTICLE), rdflib.URIRef("http://purl.org/spar/fabio/hasPubMedId"), None) in graph


def test_the_html_page_of_an_article(server: Server) -> None:
    r = httpx.get(server.url + "/br/pmid/24649313", headers={"Accept": "text/html"})
    html = r.text
    assert r.status_code == 200 and "Sorafenib in metastatic radioactive" in html
    positions = [html.index(f'href="/ra/name/fn/{name}"') for name in
                 ("luo-yang", "shi-yuankai", "xing-puyuan", "wang-lin", "feng-yun", "han-xiaohong", "he-xiaohui")]
    assert positions == sorted(positions)
    assert "https://pubmed.ncbi.nlm.nih.gov/24649313/" in html and "https://doi.org/10.3892/mco.2013.199" in html
    assert "Beijing Key Laboratory of Clinical Study" in html
    assert 'href="/br/pmid/99000001"' in html  # who cites it / comments on it
    assert httpx.get(server.url + "/br/pmid/24649313.html").text == html


def test_every_link_of_an_article_page_leads_to_a_page(server: Server) -> None:
    html = httpx.get(server.url + "/br/pmid/24649313.html").text
    links = set(re.findall(r'href="(/[^"]*)"', html))
    assert "/id/doi/10.3892%2Fmco.2013.199" in links and len(links) > 20
    for link in links:
        page = httpx.get(server.url + link, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.status_code == 200, link
    doi = httpx.get(server.url + "/id/doi/10.3892%2Fmco.2013.199", headers={"Accept": "text/turtle"}).text
    assert '"10.3892/mco.2013.199"' in doi


def test_unknown_resources_are_404(server: Server) -> None:
    assert httpx.get(server.url + "/br/pmid/1", headers={"Accept": "text/html"}).status_code == 404
    assert httpx.get(server.url + "/br/pmid/1.ttl").status_code == 404


def test_markup_in_the_data_is_shown_as_text(server: Server) -> None:
    html = httpx.get(server.url + "/br/pmid/99000001.html").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "O&#39;Brien &lt;svg onload=alert(2)&gt;" in html and "<svg onload" not in html


def test_void_health_and_dump(server: Server) -> None:
    void = rdflib.Graph().parse(data=httpx.get(server.url + "/.well-known/void").text, format="turtle")
    v = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = next(void.subjects(rdflib.RDF.type, v.Dataset))
    assert int(void.value(dataset, v.triples)) > 20000
    assert void.value(dataset, v.sparqlEndpoint) == rdflib.URIRef(server.url + "/sparql")
    assert rdflib.URIRef("http://purl.org/spar/fabio/") in set(void.objects(dataset, v.vocabulary))
    classes = {void.value(p, v["class"]) for p in void.objects(dataset, v.classPartition)}
    assert rdflib.URIRef("http://purl.org/spar/fabio/JournalArticle") in classes
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok"
    dump = httpx.get(server.url + "/dump.nq.gz")
    assert dump.headers["content-type"] == "application/gzip"
    import gzip

    quads = ox.Store()
    quads.load(gzip.decompress(dump.content), ox.RdfFormat.N_QUADS)
    assert len(quads) == health["quads"] == int(void.value(dataset, v.triples))


def test_the_query_page_and_its_assets_are_local(server: Server) -> None:
    html = httpx.get(server.url + "/").text
    assert "<textarea" in html and 'src="/static/app.js" data-root=""' in html
    assert "http://" not in html.split("<main>")[0]
    assert "cdn" not in html.lower()
    assert httpx.get(server.url + "/static/app.js").status_code == 200
    assert [q["name"] for q in httpx.get(server.url + "/api/queries").json()][:2] == ["article", "articles-of-author"]


def test_protocol_parameters_given_twice_or_unknown_are_400(server: Server) -> None:
    ask = "ASK { ?s ?p ?o }"
    assert httpx.get(server.url + "/sparql", params={"query": ask, "format": "csv"}).headers["content-type"].startswith(
        "text/csv")
    for params in ({"query": ask, "format": "bogus"}, [("query", ask), ("query", ask)]):
        r = httpx.get(server.url + "/sparql", params=params)
        assert r.status_code == 400, params
    both = httpx.post(server.url + "/sparql", data={"query": ask, "update": "CLEAR DEFAULT"})
    assert both.status_code == 400 and both.text == "give a query or an update, not both"
    by_media_type = httpx.get(server.url + "/sparql", params={"query": ask, "format": "application/sparql-results+xml"})
    assert by_media_type.headers["content-type"].startswith("application/sparql-results+xml")
    page = httpx.get(server.url + "/br/pmid/24649313", headers={"Accept": "text/html"})
    assert page.headers["vary"] == "Accept"


def test_behind_a_proxy_links_carry_the_published_path(store: Path) -> None:
    running = Server(store, "--base-url", "https://kg.example.com/data/")
    try:
        page = httpx.get(running.url + "/br/pmid/24649313", headers={"Accept": "text/html"}).text
        home = httpx.get(running.url + "/").text
        void = httpx.get(running.url + "/.well-known/void").text
    finally:
        running.stop()
    assert 'href="/data/ra/name/fn/luo-yang"' in page and 'href="/data/static/style.css"' in page
    assert 'src="/data/static/app.js" data-root="/data"' in home
    assert 'void:uriSpace "https://example.org/kg/"' in void
    assert "void:sparqlEndpoint <https://kg.example.com/data/sparql>" in void


# ---------------------------------------------------------------- security and robustness


def test_writes_are_refused_on_a_read_only_server(server: Server) -> None:
    update = httpx.post(server.url + "/update", content="INSERT DATA { <http://x/s> <http://x/p> 1 }",
                        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer anything"})
    assert update.status_code == 403
    put = httpx.put(server.url + "/rdf-graphs", params={"graph": "http://x/g"}, content="<http://x/s> <http://x/p> 1 .",
                    headers={"Content-Type": "text/turtle"})
    assert put.status_code == 403


def test_hostile_requests_get_4xx_not_500(server: Server) -> None:
    base = server.url
    assert httpx.get(base + "/sparql?query=%ZZ%FF%").status_code == 400
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/sparql?query=" + "SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%23" + "x" * 200_000)
    assert connection.getresponse().status in (400, 414, 431)
    connection.close()
    weird = httpx.get(base + "/sparql", params={"query": ARTICLE_AUTHORS}, headers={"Accept": ";;;q=x,/,*/*;q=oops"})
    assert weird.status_code in (200, 406)
    assert httpx.post(base + "/sparql", content=b"x" * 2_000_000,
                      headers={"Content-Type": "application/sparql-query"}).status_code == 413
    for path in ("/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fetc%2fpasswd"):
        r = httpx.get(base + path)
        assert r.status_code == 404 and "root:" not in r.text
    assert "access-control-allow-origin" not in httpx.get(base + "/health", headers={"Origin": "http://evil"}).headers


def test_a_flood_of_clients_gets_answers_or_503(server: Server) -> None:
    def ask(i: int) -> int:
        query = ARTICLE_AUTHORS if i % 2 else "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        return httpx.get(server.url + "/sparql", params={"query": query}, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(ask, range(200)))
    assert set(codes) <= {200, 503} and codes.count(200) > 100
    assert httpx.get(server.url + "/health").status_code == 200


# ---------------------------------------------------------------- a writable server


def test_writes_need_the_token_on_a_writable_server(tmp_path: Path) -> None:
    store = _store(tmp_path / "store")
    running = Server(store, "--writable", "--token", "s3cret", "--cors")
    try:
        url, graph = running.url, "https://example.org/kg/graph/notes"
        body = "INSERT DATA { GRAPH <https://example.org/kg/graph/notes> { <http://x/s> <http://x/p> \"note\" } }"
        headers = {"Content-Type": "application/sparql-update"}
        assert httpx.post(url + "/update", content=body, headers=headers).status_code == 401
        wrong, right = {**headers, "Authorization": "Bearer wrong"}, {**headers, "Authorization": "Bearer s3cret"}
        assert httpx.post(url + "/update", content=body, headers=wrong).status_code == 401
        assert httpx.post(url + "/update", content=body, headers=right).status_code == 204
        assert httpx.get(url + "/update").status_code == 405
        lower_case = {**headers, "Authorization": "bearer s3cret"}
        title = "DELETE WHERE { GRAPH <https://example.org/kg/graph/pmid/24649313> { ?s dcterms:title ?o } }"
        for update in (title, "CLEAR ALL", "DELETE WHERE { GRAPH ?g { ?s dcterms:title ?o } }",
                       "MOVE kg:graph\\/entities TO <http://x/mine>"):
            refused = httpx.post(url + "/update", content=update, headers=lower_case)
            assert refused.status_code == 409 and "which kg ingest keeps" in refused.text, update
        load = httpx.post(url + "/update", content="LOAD <http://127.0.0.1:1/x.ttl>", headers=right)
        assert load.status_code == 403 and "--allow-service" in load.text
        ask = httpx.get(url + "/sparql", params={"query": 'ASK { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }'},
                        headers={"Accept": "application/sparql-results+json"})
        assert ask.json()["boolean"] is True
        got = httpx.get(url + "/rdf-graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        assert got.text.strip() == '<http://x/s> <http://x/p> "note" .'
        auth = {"Authorization": "Bearer s3cret", "Content-Type": "text/turtle"}
        triple = "<http://x/a> <http://x/b> <http://x/c> ."
        put = httpx.put(url + "/rdf-graphs", params={"graph": graph}, content=triple, headers=auth)
        assert put.status_code == 200 and put.json()["triples"] == 1
        protected = httpx.put(url + "/rdf-graphs", params={"graph": "https://example.org/kg/graph/pmid/24649313"},
                              content=triple, headers=auth)
        assert protected.status_code == 409
        assert httpx.delete(url + "/rdf-graphs", params={"graph": graph}, headers=auth).status_code == 204
        assert httpx.get(url + "/health", headers={"Origin": "http://elsewhere"}).headers[
            "access-control-allow-origin"] == "*"
    finally:
        running.stop()


def test_writable_without_a_token_is_refused(store: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--writable"],
                         capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "KG_TOKEN"})
    assert out.returncode == 2 and "--writable needs --token" in out.stderr


def test_a_busy_port_and_bad_options_are_messages_not_tracebacks(store: Path) -> None:
    def serve(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), *args],
                              capture_output=True, text=True, timeout=60)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = serve("--port", str(port))
    assert busy.returncode == 1 and busy.stderr == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    for option, value in (("--port", "99999"), ("--workers", "-3"), ("--timeout", "0")):
        out = serve(option, value)
        assert out.returncode == 2 and f"Invalid value for '{option}'" in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- the query page in a real browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed")
def test_the_query_page_in_headless_chromium(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/")
        downloads = page.locator("button.download:visible")
        assert downloads.all_inner_texts() == ["JSON", "XML", "CSV", "TSV"]
        page.fill("#query", "PREFIX ex: <http://example.org/#>\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1")
        assert downloads.all_inner_texts() == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML"]
        with page.expect_download() as download:
            page.click("button.download[data-format=turtle]")
        assert download.value.suggested_filename.endswith(".ttl")
        page.select_option("#named", "article")
        assert downloads.all_inner_texts() == ["JSON", "XML", "CSV", "TSV"]
        page.fill("#param-pmid", "24649313")
        page.click("#run")
        page.wait_for_selector("#results-table tbody tr")
        rows = page.locator("#results-table tbody tr")
        assert rows.count() == 14 and "14 rows" in page.inner_text("#status")
        page.screenshot(path=str(tmp_path / "query-page.png"))
        page.click("#results-table tbody tr:first-child td:nth-child(2) a")
        page.wait_for_selector("#title")
        assert page.inner_text("#title") == "Yang Luo"
        page.goto(server.url + "/br/pmid/24649313")
        assert page.inner_text("#title").startswith("Sorafenib in metastatic radioactive")
        authors = page.locator("#authors > li > a.author").all_inner_texts()
        assert authors == ["Luo, Yang", "Shi, Yuankai", "Xing, Puyuan", "Wang, Lin", "Feng, Yun", "Han, Xiaohong",
                           "He, Xiaohui"]
        page.screenshot(path=str(tmp_path / "article-page.png"))
        browser.close()
    assert (tmp_path / "query-page.png").stat().st_size > 10_000


# ---------------------------------------------------------------- protocol details clients rely on

GRAPH_QUERY = f"CONSTRUCT {{ <{ARTICLE}> ?p ?o }} WHERE {{ <{ARTICLE}> ?p ?o }}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SPARQLWrapper warns that it sends Accept: */* for JSON
@pytest.mark.parametrize("return_format,media", [("xml", "application/rdf+xml"), ("json", "application/ld+json"),
                                                  ("n3", "text/turtle"), ("turtle", "text/turtle"),
                                                  ("rdf+xml", "application/rdf+xml"),
                                                  ("json-ld", "application/ld+json")])
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_sparqlwrapper_gets_graphs_in_every_format_it_asks_for(server: Server, return_format: str, media: str,
                                                               form: str) -> None:
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")  # sends format=, output= and results= beside Accept
    client.setQuery(GRAPH_QUERY if form == "CONSTRUCT" else f"DESCRIBE <{ARTICLE}>")
    client.setReturnFormat(return_format)
    response = client.query()
    assert response.response.headers["Content-Type"].startswith(media)
    graph = rdflib.Graph().parse(data=response.response.read(), format={
        "application/rdf+xml": "xml", "application/ld+json": "json-ld", "text/turtle": "turtle"}[media])
    assert str(graph.value(rdflib.URIRef(ARTICLE), rdflib.DCTERMS.title)).startswith("Sorafenib")


def test_format_names_a_kind_of_result_and_is_read_from_a_form_too(server: Server) -> None:
    ask = "ASK { ?s ?p ?o }"

    def get(query: str, **params: str) -> httpx.Response:
        return httpx.get(server.url + "/sparql", params={"query": query, **params})

    # SPARQLWrapper's default CONSTRUCT request, byte for byte the parameters and Accept it sends.
    default = httpx.get(server.url + "/sparql", params=[("query", GRAPH_QUERY), ("format", "xml"), ("output", "xml"),
                                                       ("results", "xml")],
                        headers={"Accept": "application/rdf+xml"})
    assert default.status_code == 200 and default.headers["content-type"].startswith("application/rdf+xml")
    assert get(ask, format="xml").headers["content-type"].startswith("application/sparql-results+xml")
    assert get(ask, output="json").headers["content-type"].startswith("application/sparql-results+json")
    tsv = httpx.get(server.url + "/sparql", params=[("query", ask), ("format", "tsv"),
                                                   ("format", "text/tab-separated-values"), ("output", "")])
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert get(GRAPH_QUERY, format="csv").status_code == 406  # a table format cannot hold a graph
    unknown = get(GRAPH_QUERY, results="rdfa")
    assert unknown.status_code == 400 and "unknown format 'rdfa'" in unknown.text
    conflicting = get(ask, format="json", output="csv")
    assert conflicting.status_code == 400 and "different formats" in conflicting.text
    in_form = httpx.post(server.url + "/sparql", data={"query": ask, "format": "csv", "download": "answer"})
    assert in_form.headers["content-type"].startswith("text/csv")
    assert in_form.headers["content-disposition"] == 'attachment; filename="answer.csv"'
    graph_in_form = httpx.post(server.url + "/sparql", data={"query": GRAPH_QUERY, "format": "json"},
                               headers={"Accept": "text/turtle"})
    assert graph_in_form.headers["content-type"].startswith("application/ld+json")


def test_downloads_with_names_beyond_ascii_or_with_their_extension(server: Server) -> None:
    for name, header in (("results.json", 'attachment; filename="results.json"'),
                         ("../v1.2", 'attachment; filename="v1.2.json"'),
("名", "attachment; filename=\"results.json\"; filename*=UTF-8''%E5%90%8D.json"),
                         ("é-1", "attachment; filename=\"-1.json\"; filename*=UTF-8''%C3%A9-1.json"),
                         ("plain", 'attachment; filename="plain.json"')):
        r = httpx.get(server.url + "/sparql", params={"query": "ASK {}", "download": name},
                      headers={"Accept": "application/sparql-results+json"})
        raw = dict(r.headers.raw)[b"content-disposition"]
        assert r.status_code == 200 and raw.decode("ascii") == header, name


def test_vary_406_and_head_are_as_the_protocols_say(server: Server) -> None:
    r = httpx.get(server.url + "/sparql", params={"query": "ASK {}"})
    assert r.headers["vary"] == "Accept"
    assert httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"}).headers["vary"] == "Accept"
    refused = httpx.get(server.url + "/br/pmid/24649313", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "available: text/html, text/turtle" in refused.text
    assert refused.headers["vary"] == "Accept"
    graph = {"graph": "https://example.org/kg/graph/pmid/24649313"}
    get = httpx.get(server.url + "/rdf-graphs", params=graph, headers={"Accept": "text/turtle"})
    head = httpx.head(server.url + "/rdf-graphs", params=graph, headers={"Accept": "text/turtle"})
    assert get.status_code == head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert httpx.head(server.url + "/rdf-graphs", params={"graph": "http://x/none"}).status_code == 404


def test_default_graph_uri_alone_leaves_no_named_graph(server: Server) -> None:
    record = "https://example.org/kg/graph/pmid/24649313"
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    for params, expected in (({}, None), ({"default-graph-uri": record}, "0"),
                             ({"default-graph-uri": record, "named-graph-uri": record}, "1")):
        r = httpx.get(server.url + "/sparql", params={"query": graphs, **params},
                      headers={"Accept": "application/sparql-results+json"})
        n = r.json()["results"]["bindings"][0]["n"]["value"]
        assert n == expected if expected else int(n) > 10, params


def test_favicon_is_served(server: Server) -> None:
    icon = httpx.get(server.url + "/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in httpx.get(server.url + "/").text
    assert httpx.get(server.url + "/static/favicon.svg").content == icon.content


# ---------------------------------------------------------------- updates on a writable server

TOKEN = {"Authorization": "Bearer s3cret"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(_store(tmp_path_factory.mktemp("writable") / "store"), "--writable", "--token", "s3cret")
    yield running
    running.stop()


def _update(server: Server, text: str, **params: str) -> httpx.Response:
    return httpx.post(server.url + "/update", content=text, params=params,
                      headers={**TOKEN, "Content-Type": "application/sparql-update"})


def _ask(server: Server, query: str) -> bool:
    return httpx.get(server.url + "/sparql", params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}).json()["boolean"]


def test_a_missing_or_wrong_token_is_401_with_a_challenge(writable: Server) -> None:
    body = "INSERT DATA { GRAPH <http://my/g> { <http://x/s> <http://x/p> 1 } }"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic czNjcmV0"}):
        r = httpx.post(writable.url + "/update", content=body,
                       headers={**headers, "Content-Type": "application/sparql-update"})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith('Bearer realm="kg"'), headers
    assert "invalid_token" in httpx.put(writable.url + "/rdf-graphs", params={"graph": "http://my/g"}, content="",
                                        headers={"Authorization": "Bearer wrong"}).headers["www-authenticate"]


def test_updates_match_the_union_only_through_graph_and_never_write_the_default_graph(writable: Server) -> None:
    titles = 'ASK { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }'
    for text in ("DELETE WHERE { ?s dcterms:title ?o }",
                 "INSERT { GRAPH <http://my/g8> { ?a <http://x/t> ?t } } WHERE { ?a dcterms:title ?t }",
                 ("DELETE { GRAPH <http://my/g8> { ?a ?p ?o } } WHERE { GRAPH ?g { ?a ?p ?o } "
                  "FILTER NOT EXISTS { ?a dcterms:title ?t } }"),
                 f'INSERT DATA {{ <{ARTICLE}> dcterms:title "FAKE TITLE" }}', "COPY DEFAULT TO <http://my/g9>"):
        r = _update(writable, text)
        assert r.status_code == 400, text
    assert "the default graph is the union and cannot be written" in _update(writable, "CLEAR DEFAULT").text
    assert "GRAPH ?g" in _update(writable, "INSERT { GRAPH <http://my/g8> { ?a <http://x/t> ?t } } "
                                           "WHERE { ?a dcterms:title ?t }").text
    assert _ask(writable, titles) and not _ask(writable, 'ASK { ?a dcterms:title "FAKE TITLE" }')
    copied = _update(writable, "INSERT { GRAPH <http://my/g8> { ?a <http://x/t> ?t } } "
                               "WHERE { GRAPH ?g { ?a dcterms:title ?t } }")
    assert copied.status_code == 204
    assert _ask(writable, f"ASK {{ GRAPH <http://my/g8> {{ <{ARTICLE}> <http://x/t> ?t }} }}")
    using = _update(writable, "DELETE { GRAPH <http://my/g8> { ?a ?p ?o } } USING <http://my/g8> WHERE { ?a ?p ?o }")
    assert using.status_code == 204 and not _ask(writable, "ASK { GRAPH <http://my/g8> { ?s ?p ?o } }")


def test_update_dataset_parameters_are_refused_by_name(writable: Server) -> None:
    text = "INSERT { GRAPH <http://my/g> { ?a <http://x/t> ?t } } WHERE { ?a dcterms:title ?t }"
    for name in ("using-graph-uri", "using-named-graph-uri"):
        r = _update(writable, text, **{name: "https://example.org/kg/graph/pmid/24649313"})
        assert r.status_code == 400 and r.text.startswith(f"{name} is not supported"), name
        form = httpx.post(writable.url + "/update", headers=TOKEN,
                          data={"update": text, name: "https://example.org/kg/graph/pmid/24649313"})
        assert form.status_code == 400 and name in form.text


def test_update_syntax_errors_point_into_the_users_text(writable: Server) -> None:
    r = _update(writable, "INSERT DATA { GRAPH <http://my/g> { <http://a> <http://b> }")
    assert r.status_code == 400 and "(line:1, col:1)" in r.text and "char 0" in r.text
    r = _update(writable, "PREFIX ex: <http://x/>\n\nINSERT DATA { GRAPH ex:g { ex:a ex:b ex:c } } ;\nCLEAR GRAPH")
    assert r.status_code == 400 and "line:25" not in r.text


def test_only_web_iris_are_links_on_resource_pages(writable: Server) -> None:
    data = (f"INSERT DATA {{ GRAPH <http://my/links> {{ <{ARTICLE}> <http://x/see> <javascript:alert(1)>, "
            "<data:text/html,hi>, <vbscript:msgbox>, <https://example.com/ok> } }")
    assert _update(writable, data).status_code == 204
    html = httpx.get(writable.url + "/br/pmid/24649313.html").text
    for iri in ("javascript:alert(1)", "data:text/html,hi", "vbscript:msgbox"):
        assert f'href="{iri}' not in html and f"&lt;{iri}&gt;" in html
    assert 'href="https://example.com/ok"' in html


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed")
def test_the_query_page_checks_parameters_as_the_cli_and_works_without_javascript(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        sent: list[str] = []
        page.on("request", lambda request: sent.append(request.url))
        missing: list[str] = []
        page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
        page.goto(server.url + "/")
        page.select_option("#named", "articles-of-author")
        for value, error in (("", "give a value for person"), ("luo-yang", '"luo-yang" is not an IRI')):
            page.fill("#param-person", value)
            page.click("#run")
            assert error in page.inner_text("#status.error")
        assert not [url for url in sent if "/sparql" in url]  # refused in the page, never run unbound
        page.fill("#param-person", "kg:ra/name/fn/luo-yang")
        page.click("#run")
        page.wait_for_selector("#results-table tbody tr")
        page.select_option("#named", "")
        page.fill("#query", "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <data:text/html,hi> "
                            "<https://example.com/ok> <https://example.org/kg/br/pmid/24649313> } }")
        page.click("#run")
        page.wait_for_selector("#status:has-text('4 rows')")
        links = page.eval_on_selector_all("#results-table a", "links => links.map(a => a.getAttribute('href'))")
        assert links == ["https://example.com/ok", "/br/pmid/24649313"]
        assert "javascript:alert(1)" in page.inner_text("#results-table")
        assert not missing and not [url for url in sent if url.endswith("/favicon.ico")]

        plain = browser.new_page(java_script_enabled=False)
        plain.goto(server.url + "/")
        assert plain.locator("noscript").count() == 1
        plain.fill("#query", "ASK { ?s ?p ?o }")
        with plain.expect_navigation() as navigation:
            plain.click("#run")
        assert navigation.value.status == 200 and "/sparql?query=ASK" in plain.url
        assert "true" in plain.content()
        browser.close()
