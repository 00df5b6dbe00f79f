"""The graph in Oxigraph: the MAPPING triples, idempotence, replacement, deletion, crash safety."""

from __future__ import annotations

import gc
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import DATA, GOOD_DIRS, SEED, copy_store

from kg.records import Record
from kg.sources import read_records
from kg.store import KnowledgeGraph, StoreError


def _quads(path: Path) -> set[str]:
    with KnowledgeGraph.open(path) as kg:
        return set(kg.store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines())


def _build(path: Path, *sources) -> KnowledgeGraph:
    kg = KnowledgeGraph.open(path, writable=True)
    report = kg.ingest([str(s) for s in sources])
    assert not report.skipped, report.skipped
    return kg


# ---------------------------------------------------------------- the seed through the MAPPING properties

SEED_QUERY = """
SELECT ?title ?rank ?name ?aff ?journal ?issue ?volume ?start ?end ?doi ?pmc ?year WHERE {
  ?a fabio:hasPubMedId "24649313" ; dcterms:title ?title ; prism:doi ?doi ; fabio:hasPubMedCentralId ?pmc ;
     fabio:hasPublicationYear ?year ; frbr:partOf ?iss ; frbr:embodiment ?re ; pro:isDocumentContextFor ?role .
  ?iss a fabio:JournalIssue ; fabio:hasSequenceIdentifier ?issue ; frbr:partOf ?vol .
  ?vol a fabio:JournalVolume ; fabio:hasSequenceIdentifier ?volume ; frbr:partOf ?j .
  ?j a fabio:Journal ; dcterms:title ?journal .
  ?re prism:startingPage ?start ; prism:endingPage ?end .
  ?role pro:withRole pro:author ; vivo:rank ?rank ; pro:isHeldBy/foaf:name ?name ;
        pro:relatesToOrganization/foaf:name ?aff .
} ORDER BY ?rank ?aff"""


def test_the_seed_record_through_sparql(tmp_path: Path) -> None:
    with _build(tmp_path / "s", SEED) as kg:
        rows = kg.select(SEED_QUERY)
        keywords = {r["k"] for r in kg.select('SELECT ?k WHERE { ?a fabio:hasPubMedId "24649313" ; prism:keyword ?k }')}
    assert len(rows) == 14
    first = rows[0]
    assert first["title"].startswith("Sorafenib in metastatic radioactive iodine-refractory")
    assert (first["journal"], first["volume"], first["issue"], first["start"], first["end"]) == (
        "Molecular and clinical oncology", "2", "1", "87", "92")
    assert (first["doi"], first["pmc"], first["year"]) == ("10.3892/mco.2013.199", "PMC3916210", "2014")
    names = [r["name"] for r in rows[::2]]
    assert names == ["Yang Luo", "Yuankai Shi", "Puyuan Xing", "Lin Wang", "Yun Feng", "Xiaohong Han", "Xiaohui He"]
    assert [r["rank"] for r in rows[::2]] == [1, 2, 3, 4, 5, 6, 7]
    assert {r["aff"] for r in rows} == {
        "Beijing Key Laboratory of Clinical Study on Anticancer Molecular Target Drugs, Beijing 100021, P.R. China",
        "Department of Medical Oncology, Cancer Institute/Hospital, Chinese Academy of Medical Sciences and "
        "Peking Union Medical College, Beijing 100021, P.R. China",
    }
    assert keywords == {"Chinese", "differentiated thyroid cancer", "radioactive iodine-refractory", "sorafenib"}


def test_every_good_file_ingests_and_every_pmid_is_there(kg: KnowledgeGraph) -> None:
    pmids = {r.pmid for d in GOOD_DIRS for r in read_records([d]) if isinstance(r, Record)}
    stored = {r["id"] for r in kg.select("SELECT ?id WHERE { ?a fabio:hasPubMedId ?id }")}
    assert stored == pmids and len(pmids) == kg.index.record_count()


def test_no_triple_is_stored_twice(kg: KnowledgeGraph) -> None:
    total = kg.select("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")[0]["n"]
    distinct = kg.select("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")[0]["n"]
    assert total == distinct == len(kg.store)


def test_iris_are_deterministic_and_there_are_no_blank_nodes(kg: KnowledgeGraph) -> None:
    assert not kg.select("SELECT ?s WHERE { { ?s ?p ?o FILTER(isBlank(?s)) } UNION { ?x ?p ?s FILTER(isBlank(?s)) } }"
                         " LIMIT 1")
    graphs = {r["g"] for r in kg.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert kg.iris.entities_graph in graphs
    assert all(g == kg.iris.entities_graph or g.startswith(kg.base_iri + "graph/pmid/") for g in graphs)


def test_each_record_graph_describes_only_its_own_resources(kg: KnowledgeGraph) -> None:
    foreign = kg.select(f"""
        SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
          FILTER(STRSTARTS(STR(?g), "{kg.base_iri}graph/pmid/"))
          BIND(REPLACE(STR(?g), "^.*/", "") AS ?pmid)
          FILTER(?s != ?g && !STRSTARTS(STR(?s), CONCAT("{kg.base_iri}br/pmid/", ?pmid)))
        }} LIMIT 5""")
    assert foreign == []


def test_the_paired_records_give_the_same_triples_from_text_and_xml(tmp_path: Path) -> None:
    text = _comparable_triples(_build(tmp_path / "t", DATA / "medline/pair-7records.txt"))
    xml = _comparable_triples(_build(tmp_path / "x", DATA / "xml/pair-7records.xml"))
    assert text == xml


# Facts only one of the two formats carries: the citation string (text), the ISO journal
# abbreviation, the publishing model and cited medium, reference lists (XML).
_ONE_FORMAT_ONLY = {
    "http://purl.org/dc/terms/bibliographicCitation",
    "http://purl.org/spar/fabio/hasShortTitle",
    "https://w3id.org/pubmed-kg/vocab#publishingModel",
    "http://purl.org/spar/cito/cites",
    # the text export transliterated non-ASCII characters (see test_formats)
    "http://purl.org/dc/terms/abstract",
    "http://purl.org/dc/terms/rights",
}
_ONE_FORMAT_TYPES = {"http://purl.org/spar/fabio/DigitalManifestation", "http://purl.org/spar/fabio/PrintObject"}


def _comparable_triples(kg: KnowledgeGraph) -> set[tuple[str, str, str]]:
    """All triples, with MeSH and publication-type nodes named by their label (the text
    format has no MeSH UIs) and the facts only one format carries left out."""
    with kg:
        labels = {r["s"]: r["l"] for r in kg.select("""SELECT ?s ?l WHERE {
            { ?a fabio:hasSubjectTerm ?s } UNION { ?a dcterms:type ?s } UNION { ?a dcterms:subject ?s }
            UNION { ?x meshv:hasQualifier ?s } UNION { ?x meshv:hasDescriptor ?s }
            ?s rdfs:label ?l }""")}
        out = set()
        for q in kg.store.quads_for_pattern(None, None, None, None):
            s, p, o = q.subject.value, q.predicate.value, q.object
            if p in _ONE_FORMAT_ONLY or (p.endswith("#type") and o.value in _ONE_FORMAT_TYPES):
                continue
            obj = f"label:{labels[o.value]}" if isinstance(o, ox.NamedNode) and o.value in labels else str(o)
            out.add((f"label:{labels[s]}" if s in labels else s, p, obj))
        return out


# ---------------------------------------------------------------- idempotence, replacement, deletion


def test_ingesting_the_same_input_twice_leaves_exactly_the_same_quads(tmp_path: Path) -> None:
    path = tmp_path / "s"
    _build(path, DATA / "medline", DATA / "xml/pair-7records.xml").close()
    before = _quads(path)
    with KnowledgeGraph.open(path, writable=True) as kg:
        report = kg.ingest([str(DATA / "medline"), str(DATA / "xml/pair-7records.xml")])
    # The 7 paired PMIDs come twice (text, then XML): each replaces the other again.
    assert (report.added, report.replaced, report.unchanged) == (0, 14, 1268)
    assert _quads(path) == before
    with KnowledgeGraph.open(path, writable=True) as kg:
        again = kg.ingest([str(DATA / "medline/narchd.txt")])
    assert (again.added, again.replaced, again.unchanged, again.quads_added) == (0, 0, 473, 0)


def test_a_file_given_twice_in_one_run_leaves_its_records_unchanged_the_second_time(tmp_path: Path) -> None:
    twice = [str(DATA / "xml/pair-7records.xml")] * 2
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        report = kg.ingest(twice)
    assert (report.records_read, report.added, report.replaced, report.unchanged) == (14, 7, 0, 7)


def test_a_newer_record_replaces_its_graph_and_its_orphans(tmp_path: Path) -> None:
    text = SEED.read_text()
    newer = text.replace("PMID- 24649313 OWN - NLM", "PMID- 24649313 OWN - NLM").replace(
        "AD - Department of Medical Oncology", "AD - Department of Thoracic Oncology", 1).replace(
        "TI - Sorafenib in", "TI - Revised: Sorafenib in")
    changed = tmp_path / "changed.txt"
    changed.write_text(newer)
    with _build(tmp_path / "s", SEED) as kg:
        report = kg.ingest([str(changed)])
        assert (report.replaced, report.added) == (1, 0)
        title = kg.select('SELECT ?t WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }')
        assert [r["t"][:16] for r in title] == ["Revised: Sorafen"]
    direct = tmp_path / "direct"
    _build(direct, changed).close()
    assert _quads(tmp_path / "s") == _quads(direct)


def test_deleting_records_leaves_the_store_equal_to_one_built_without_them(tmp_path: Path) -> None:
    pair = DATA / "xml/pair-7records.xml"
    pmids = [r.pmid for r in read_records([pair]) if isinstance(r, Record)]
    deletions = tmp_path / "delete.xml"
    deletions.write_text("<PubmedArticleSet><DeleteCitation>"
                         + "".join(f"<PMID Version=\"1\">{p}</PMID>" for p in pmids)
                         + "</DeleteCitation></PubmedArticleSet>")
    with _build(tmp_path / "both", SEED, DATA / "xml/pubmedportable-pancreatic.xml", pair) as kg:
        report = kg.ingest([str(deletions)])
        assert report.deleted == 7
    _build(tmp_path / "without", SEED, DATA / "xml/pubmedportable-pancreatic.xml").close()
    assert _quads(tmp_path / "both") == _quads(tmp_path / "without")


def test_the_update_file_applies_versions_duplicates_and_deletions(bulk_store: Path) -> None:
    with KnowledgeGraph.open(bulk_store) as kg:
        assert kg.index.record_count() == 20783
        version = kg.select(f'SELECT ?v WHERE {{ <{kg.iris.graph("30271887")}> kgv:pmidVersion ?v }}')
        assert version == [{"v": 4}]
        assert not kg.select('ASK { ?a fabio:hasPubMedId "31688362" }'.replace("ASK", "SELECT * WHERE"))


def test_edge_cases_of_the_update_file(bulk_store: Path) -> None:
    def affiliations(pmid: str) -> set[str]:
        rows = kg.select("SELECT DISTINCT ?name WHERE { ?a fabio:hasPubMedId ?pmid ; pro:isDocumentContextFor ?r . "
                         "?r pro:relatesToOrganization/foaf:name ?name }", params={"pmid": pmid})
        return {row["name"] for row in rows}

    with KnowledgeGraph.open(bulk_store) as kg:
        # <ArticleId IdType="pmc">PMC6134338.4</ArticleId>: a PMC id with a version.
        assert kg.select('SELECT ?pmc WHERE { ?a fabio:hasPubMedId "30271887" ; fabio:hasPubMedCentralId ?pmc }') == [
            {"pmc": "PMC6134338"}]
        # <AbstractText Label="LEVEL OF EVIDENCE: 4"/>: a section that is its label alone.
        [row] = kg.select('SELECT ?ab WHERE { ?a fabio:hasPubMedId "31617889" ; dcterms:abstract ?ab }')
        assert row["ab"].endswith("is easy to perform and promote. LEVEL OF EVIDENCE: 4")
        # "; " inside brackets separates no affiliations; "&amp;amp;" (NLM escaped "&" twice) is "&".
        assert "German Center for Cardiovascular Research (Deutsches Zentrum Für Herz-Kreislaufforschung; DZHK), " \
               "partner site Berlin, Berlin, Germany" in affiliations("33372247")
        assert not any(name.startswith("DZHK") for name in affiliations("33372247"))
        assert "Metabolic & Structural Biology Department, CSIR-Central Institute of Medicinal and Aromatic " \
               "Plants, Lucknow- 226015, India" in affiliations("32484109")


def test_an_older_version_does_not_replace_a_newer_one(tmp_path: Path) -> None:
    xml = (DATA / "xml/pair-7records.xml").read_text()
    newer = tmp_path / "v2.xml"
    newer.write_text(xml.replace('<PMID Version="1">30038950</PMID>', '<PMID Version="2">30038950</PMID>', 1))
    with _build(tmp_path / "s", newer) as kg:
        report = kg.ingest([str(DATA / "xml/pair-7records.xml")])
        assert len(report.skipped) == 1 and report.skipped[0][1].endswith("the store has version 2")


# ---------------------------------------------------------------- crash safety and locking


_KILLED_INGEST = """
import sys
from kg.store import KnowledgeGraph
with KnowledgeGraph.open(sys.argv[1], writable=True) as kg:
    kg.ingest(sys.argv[2:], batch_quads=4000)
"""


def test_an_interrupted_ingest_leaves_complete_records_and_a_rerun_completes_it(tmp_path: Path) -> None:
    sources = [str(DATA / "xml"), str(DATA / "medline/narchd.txt")]
    reference_path = tmp_path / "reference"
    with _build(reference_path, *sources) as kg:
        total = kg.index.record_count()
    reference = _graphs(reference_path)
    path = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_INGEST, str(path), *sources], start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:  # kill it a few batches in
        time.sleep(0.05)
        if (path / "index.sqlite-wal").exists() and (path / "index.sqlite-wal").stat().st_size > 400_000:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with KnowledgeGraph.open(path) as kg:  # opens, repairing the batch being written
        present = kg.index.record_count()
        stated = {f"{t} <{kg.iris.entities_graph}> ." for rec in _all_records(kg) for t in rec.statements().values()}
        entities = kg.iris.entities_graph
    partial = _graphs(path)
    assert 0 < present < total
    records = [g for g in partial if "/graph/pmid/" in g]
    assert len(records) == present
    for graph in records:  # each present record is complete
        assert partial[graph] == reference[graph], graph
    # The shared graph holds exactly what the present records state: no orphan, nothing missing.
    assert partial[entities] == stated
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest(sources)
    assert _graphs(path) == reference


def _all_records(kg: KnowledgeGraph):
    pmids = [p for (p,) in kg.index.db.execute("SELECT pmid FROM records")]
    return kg.index.records(pmids).values()


def _graphs(path: Path) -> dict[str, set[str]]:
    graphs: dict[str, set[str]] = {}
    with KnowledgeGraph.open(path) as kg:
        for line in kg.store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines():
            graph = line[line.rindex("<") + 1 : line.rindex(">")]
            graphs.setdefault(graph, set()).add(line)
    return graphs


def test_a_second_process_gets_a_clear_store_in_use_message(tmp_path: Path) -> None:
    with _build(tmp_path / "s", SEED):
        out = subprocess.run([sys.executable, "-m", "kg.cli", "query", "top-authors", "--store", str(tmp_path / "s")],
                             capture_output=True, text=True)
    assert out.returncode == 1
    assert "is in use by another process" in out.stderr and "Traceback" not in out.stderr


def test_a_store_this_process_has_open_is_refused_as_such_and_freed_when_dropped(tmp_path: Path) -> None:
    path = tmp_path / "s"
    kg = _build(path, SEED)
    held = f"this process already has the store {path} open: close it first (kg.close() or a with block)"
    for writable in (True, False):  # as when a notebook cell opening the store is run again
        with pytest.raises(StoreError) as refused:
            KnowledgeGraph.open(path, writable=writable)
        assert str(refused.value) == held
    del kg  # dropped without close(): the lock and the database go with it
    kg = KnowledgeGraph.open(path, writable=True)
    assert kg.index.record_count() == 1
    kg.cycle = kg  # only the cycle collector frees this one
    del kg
    gc.collect()
    with KnowledgeGraph.open(path) as reader, KnowledgeGraph.open(path) as other:  # readers share the store
        assert reader.select(_TITLE.format("WHERE"))[0]["t"].startswith(_SEED_TITLE)
        assert len(other.store) == len(reader.store) > 100
        with pytest.raises(StoreError) as refused:
            KnowledgeGraph.open(path, writable=True)
        assert str(refused.value) == held
    with KnowledgeGraph.open(path, writable=True) as kg:
        assert kg.ingest([str(SEED)]).unchanged == 1


def test_close_is_idempotent_and_the_repr_tells_the_state(tmp_path: Path, kg: KnowledgeGraph) -> None:
    assert repr(kg) == f"<KnowledgeGraph {str(kg.path)!r} (read-only, open)>"
    writer = KnowledgeGraph.open(tmp_path / "s", writable=True)
    assert repr(writer) == f"<KnowledgeGraph {str(tmp_path / 's')!r} (writable, open)>"
    writer.close()
    writer.close()
    assert repr(writer) == f"<KnowledgeGraph {str(tmp_path / 's')!r} (writable, closed)>"
    with KnowledgeGraph.open(tmp_path / "s", writable=True):  # the one lock was released once
        pass


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the seed record, for copies to damage."""
    path = tmp_path_factory.mktemp("stores") / "seed"
    _build(path, SEED).close()
    return path


def _garbage_index(path: Path) -> None:
    for name in ("index.sqlite-wal", "index.sqlite-shm"):
        (path / name).unlink(missing_ok=True)
    (path / "index.sqlite").write_bytes(b"not SQLite " * 100)


def _contents(path: Path) -> dict[str, bytes]:
    """The store's files and their bytes, but for the lock and RocksDB's logs of its attempts to open."""
    return {str(f.relative_to(path)): f.read_bytes() for f in path.rglob("*")
            if f.is_file() and f.name != "lock" and not f.name.startswith("LOG")}


_DAMAGE = {
    "index": (_garbage_index, "its index (index.sqlite) cannot be read (file is not a database)"),
    "current": (lambda path: (path / "oxigraph/CURRENT").write_text("MANIFEST-9\n\x00"),
                "its RDF data (oxigraph/) cannot be read"),
    "missing": (lambda path: shutil.rmtree(path / "oxigraph"), "its RDF data (oxigraph/) is missing"),
    "emptied": (lambda path: [f.unlink() for f in (path / "oxigraph").iterdir()],
                "its RDF data (oxigraph/) is missing"),
}


@pytest.mark.parametrize("damage", _DAMAGE)
def test_a_damaged_store_is_refused_naming_it_and_left_as_it_was(seed_store: Path, tmp_path: Path,
                                                                  damage: str) -> None:
    path = copy_store(seed_store, tmp_path / "s")
    spoil, what = _DAMAGE[damage]
    spoil(path)
    before = _contents(path)
    for writable in (True, False, True):  # the same answer each time: a refused open keeps no lock
        with pytest.raises(StoreError) as refused:
            KnowledgeGraph.open(path, writable=writable)
        assert str(refused.value) == (f"the store {path} is damaged: {what}; rebuild it from the source files "
                                      "into a new store (kg ingest FILE... --store NEW_STORE)")
    assert _contents(path) == before
    out = subprocess.run([sys.executable, "-m", "kg.cli", "stats", "--store", str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 1 and out.stderr == f"Error: {refused.value}\n"


def test_a_new_store_whose_rdf_data_was_never_made_is_made_on_a_writable_open(tmp_path: Path) -> None:
    KnowledgeGraph.open(tmp_path / "s", writable=True).close()
    shutil.rmtree(tmp_path / "s/oxigraph")  # as if killed between making the index and the database
    with _build(tmp_path / "s", SEED) as kg:
        assert kg.index.record_count() == 1
    assert _quads(tmp_path / "s") == _quads(_seed_copy(tmp_path))


def test_a_store_remembers_its_base_iri_and_refuses_another(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True, base_iri="https://data.example.com/pubmed/") as kg:
        kg.ingest([str(SEED)])
    with KnowledgeGraph.open(tmp_path / "s") as kg:
        assert kg.select("SELECT ?a WHERE { ?a fabio:hasPubMedId ?id }") == [
            {"a": "https://data.example.com/pubmed/br/pmid/24649313"}]
    with pytest.raises(StoreError, match="was built with base IRI https://data.example.com/pubmed/"):
        KnowledgeGraph.open(tmp_path / "s", writable=True, base_iri="https://example.org/kg/")


def test_a_from_clause_replaces_the_union_of_all_graphs(kg: KnowledgeGraph) -> None:
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    whole = kg.select(count.format(""))[0]["n"]
    one = kg.select(count.format("FROM <https://example.org/kg/graph/pmid/24649313>"))[0]["n"]
    assert one == sum(1 for _ in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(kg.graph_iri("24649313"))))
    assert 100 < one < 200 < whole


_TITLE = "SELECT ?t {} {{ ?a fabio:hasPubMedId ?id ; dcterms:title ?t }}"
_SEED_TITLE = "Sorafenib in metastatic radioactive iodine-refractory differentiated thyroid cancer"


@pytest.mark.parametrize("sparql", [
    _TITLE.format("WHERE"),
    _TITLE.format(""),  # WHERE is optional
    "# the title, where { ?id } is a PMID\n" + _TITLE.format("WHERE"),  # a WHERE in a comment is no WHERE
    'SELECT ?t WHERE { ?a dcterms:title ?t ; fabio:hasPubMedId ?id FILTER(?t != "x WHERE { y") }',
], ids=["where", "no-where", "comment", "string"])
def test_params_bind_at_the_query_pattern(kg: KnowledgeGraph, sparql: str) -> None:
    for params in ({"id": "24649313"}, {"?id": "24649313"}, {"$id": ox.Literal("24649313")}):
        [row] = kg.select(sparql, params=params)
        assert row["t"].startswith(_SEED_TITLE)


def test_a_string_param_is_read_as_the_query_header_declares_it(kg: KnowledgeGraph) -> None:
    sparql = "# param: person iri  the author\nSELECT ?a WHERE { ?a dcterms:creator ?person }"
    as_text = kg.select(sparql, params={"person": "kg:ra/name/fn/luo-yang"})
    as_iri = kg.select(sparql, params={"person": "https://example.org/kg/ra/name/fn/luo-yang"})
    assert as_text == as_iri == [{"a": "https://example.org/kg/br/pmid/24649313"}]
    with pytest.raises(ValueError, match="'luo-yang' is not an IRI"):
        kg.select(sparql, params={"person": "luo-yang"})
    undeclared = sparql.replace("# param: person iri  the author", "# the articles of one author")
    assert kg.select(undeclared, params={"person": "kg:ra/name/fn/luo-yang"}) == []  # a literal matches nothing


def test_a_syntax_error_names_its_position_without_the_parser_s_character_ranges(kg: KnowledgeGraph) -> None:
    with pytest.raises(SyntaxError) as error:
        kg.query("SELECT ?x WHERE { ?x foo:bar ?y }")
    assert str(error.value).startswith("error at 1:29: expected one of Prefix not found, ")
    assert str(error.value).endswith(" ...") and "\\u{" not in str(error.value)


def test_params_of_other_python_types_are_typed_literals_or_refused(kg: KnowledgeGraph) -> None:
    import datetime

    echo = "SELECT ?v WHERE { BIND(DATATYPE(?x) AS ?v) }"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for value, datatype in ((1.5, "double"), (7, "integer"), (True, "boolean"), (datetime.date(2014, 1, 2), "date"),
                            (datetime.datetime(2014, 1, 2, 3, 4), "dateTime")):
        assert kg.select(echo, params={"x": value}) == [{"v": xsd + datatype}], value
    for value in (None, ["24649313"], {"a": 1}):
        with pytest.raises(TypeError, match=f"cannot bind [?]x to a {type(value).__name__}"):
            kg.select(echo, params={"x": value})


def test_a_base_iri_that_would_mint_bad_iris_is_refused_before_the_store_is_made(tmp_path: Path) -> None:
    for base in ("notaniri", "http://x y/", "https://example.org/kg"):
        with pytest.raises(StoreError, match="base IRI"):
            KnowledgeGraph.open(tmp_path / "s", writable=True, base_iri=base)
    assert not (tmp_path / "s").exists()


def test_exporting_a_graph_the_store_does_not_hold_is_refused(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        kg.ingest([str(SEED)])
        with pytest.raises(ValueError, match="the store holds no graph <https://example.org/kg/graph/pmid/1>"):
            kg.export(tmp_path / "one.nq", graph=kg.graph_iri("1"))
        kg.export(tmp_path / "seed.nq", graph=kg.graph_iri("24649313"))
    assert not (tmp_path / "one.nq").exists()
    assert "<https://example.org/kg/graph/pmid/24649313> .\n" in (tmp_path / "seed.nq").read_text()


def _seed_copy(tmp_path: Path) -> Path:
    path = tmp_path / "seed"
    _build(path, SEED).close()
    return path


_EXTENSIONS = ".ttl, .nt, .nq, .trig, .jsonld, .json, .rdf, .xml or .owl (and .gz after it to compress)"


def test_exporting_to_a_file_name_that_names_no_format_is_refused_unless_format_is_given(
        tmp_path: Path, kg: KnowledgeGraph) -> None:
    for name in ("refs.bib", "table.csv", "notes.txt", "dump", "dump.gz"):
        with pytest.raises(ValueError) as refused:
            kg.export(tmp_path / name, graph="24649313")
        assert str(refused.value) == (f"cannot tell the format from {str(tmp_path / name)!r}: the file name "
                                      f"must end in {_EXTENSIONS}; or give format=")
        assert not (tmp_path / name).exists()
    kg.export(tmp_path / "refs.bib", format="turtle", graph="24649313")  # format= wins over the name
    kg.export(tmp_path / "seed.ttl", graph="24649313")
    assert (tmp_path / "refs.bib").read_bytes() == (tmp_path / "seed.ttl").read_bytes()
    stream = io.BytesIO()
    kg.export(stream, graph="24649313")  # a stream has no name: N-Quads
    kg.export(tmp_path / "seed.nq", graph="24649313")
    assert stream.getvalue() == (tmp_path / "seed.nq").read_bytes()
    assert stream.getvalue().decode().splitlines()[0].endswith(" <https://example.org/kg/graph/pmid/24649313> .")


def test_a_graph_is_named_by_a_pmid_string_or_int_an_iri_or_a_named_node(kg: KnowledgeGraph) -> None:
    iri = "https://example.org/kg/graph/pmid/24649313"
    specs = ["24649313", 24649313, " 24649313 ", "kg:graph/pmid/24649313", f"<{iri}>", iri, ox.NamedNode(iri),
             kg.named_graph("24649313")]
    assert {kg.graph_iri(spec) for spec in specs} == {iri}
    quads = sum(1 for _ in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    exported = set()
    for spec in specs:
        stream = io.BytesIO()
        kg.export(stream, graph=spec)
        exported.add(stream.getvalue())
        assert len(kg.to_rdflib(spec)) == quads, spec
    [nquads] = exported
    assert len(nquads.splitlines()) == quads > 100
    with pytest.raises(ValueError, match="the store holds no graph <https://example.org/kg/graph/pmid/1>"):
        kg.export(io.BytesIO(), graph=1)
    for spec in (24649313.0, True, b"24649313", ["24649313"]):
        for use in (kg.graph_iri, kg.named_graph, kg.to_rdflib, lambda s: kg.export(io.BytesIO(), graph=s)):
            with pytest.raises(TypeError) as refused:
                use(spec)
            assert str(refused.value) == ("a graph is named by a PMID, an IRI or a NamedNode, "
                                          f"not a {type(spec).__name__}")


def test_the_python_api_takes_one_path_and_refuses_what_it_cannot_use_clearly(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        assert kg.ingest(str(SEED)).added == 1  # a path alone, not its characters
        with pytest.raises(ValueError, match="unknown format 'bogus'"):
            kg.ingest([str(SEED)], format="bogus")
        with pytest.raises(TypeError, match="cannot ingest 42"):
            kg.ingest([42])
        with pytest.raises(TypeError, match="select\\(\\) runs SELECT queries"):
            kg.select("ASK { ?s ?p ?o }")
        record = kg.to_rdflib("24649313")
        assert len(record) == sum(1 for _ in kg.store.quads_for_pattern(None, None, None, kg.named_graph("24649313")))
        with pytest.raises(ValueError, match="the store holds no graph"):
            kg.to_rdflib("1")
    with pytest.raises(StoreError, match="is closed"):
        kg.query("ASK { ?s ?p ?o }")
    with pytest.raises(StoreError, match="no knowledge graph at"):
        KnowledgeGraph.open(tmp_path / "typo", writable=True, create=False)
    assert not (tmp_path / "typo").exists()


def test_opening_a_missing_store_for_reading_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="kg ingest"):
        KnowledgeGraph.open(tmp_path / "nothing")


def test_records_and_deletions_can_be_ingested_as_objects(tmp_path: Path) -> None:
    records = [r for r in read_records([DATA / "xml/pair-7records.xml"]) if isinstance(r, Record)]
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        assert kg.ingest(records).added == 7
        ds = kg.to_rdflib(kg.iris.graph(records[0].pmid))
    assert len(ds) > 50


def test_bad_records_are_skipped_and_reported_with_their_place(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        report = kg.ingest([str(DATA / "malformed")])
    assert report.exit_code == 3 and report.added >= 10
    where = [w for w, _ in report.skipped]
    assert any("MedlinePlainImporterTestMultipleEntries.txt:55" in w for w in where)
