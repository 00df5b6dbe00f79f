"""ontology/: vocabulary, SHACL shapes and validation, JSON-LD context, export profiles."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import DATA, GOOD_DIRS, SEED, bulk_record

from kg.mapping.pages import page_range
from kg.ontologies import load_ontologies, ontology_graph
from kg.profiles import export_profile
from kg.records import Author, Record
from kg.resources import shipped
from kg.selection import SelectionError
from kg.sources import read_records
from kg.store import KnowledgeGraph
from kg.validate import validate, validate_graph

SEED_AUTHORS = ["Luo", "Shi", "Xing", "Wang", "Feng", "Han", "He"]
ONLY_SEED = 'SELECT ?a WHERE { ?a fabio:hasPubMedId "24649313" }'


def test_every_kgv_term_in_use_is_declared_with_a_label_and_a_comment(kg: KnowledgeGraph) -> None:
    vocab = rdflib.Graph().parse(shipped("ontology") / "kgv.ttl", format="turtle")
    kgv = rdflib.Namespace("https://w3id.org/pubmed-kg/vocab#")
    used = {r["p"] for r in kg.select(
        'SELECT DISTINCT ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), "https://w3id.org/pubmed-kg/vocab#")) }')}
    assert len(used) > 10
    for term in used:
        assert vocab.value(rdflib.URIRef(term), rdflib.RDFS.label), term
        assert vocab.value(rdflib.URIRef(term), rdflib.RDFS.comment), term
    header = rdflib.URIRef(str(kgv))
    assert vocab.value(header, rdflib.OWL.versionInfo) and vocab.value(header, rdflib.DCTERMS.license)


def test_every_record_of_the_test_data_conforms_to_the_shapes(kg: KnowledgeGraph) -> None:
    seen: list[tuple[int, int]] = []
    violations = list(validate(kg, batch=500, progress=lambda done, total: seen.append((done, total))))
    assert violations == []
    total = kg.index.record_count()
    assert seen == [(min(n, total), total) for n in range(500, total + 500, 500)]  # after each batch


def _seed_graph() -> rdflib.Graph:
    with KnowledgeGraph.open(_seed_store(), writable=False) as kg:
        data = kg.store.dump(format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset()
    ds.parse(data=data, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


_STORES: dict[str, Path] = {}


def _seed_store() -> Path:
    if "seed" not in _STORES:
        import tempfile

        path = Path(tempfile.mkdtemp()) / "seed"
        with KnowledgeGraph.open(path, writable=True) as kg:
            kg.ingest([str(SEED)])
        _STORES["seed"] = path
    return _STORES["seed"]


ARTICLE = rdflib.URIRef("https://example.org/kg/br/pmid/24649313")
FABIO = rdflib.Namespace("http://purl.org/spar/fabio/")
PRISM = rdflib.Namespace("http://prismstandard.org/namespaces/basic/2.0/")
VIVO = rdflib.Namespace("http://vivoweb.org/ontology/core#")


def _messages(graph: rdflib.Graph) -> list[tuple[str, str, str]]:
    return [(v.focus, v.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1], v.message) for v in validate_graph(graph)]


def test_the_seed_conforms_and_broken_copies_give_the_expected_violations() -> None:
    assert _messages(_seed_graph()) == []

    no_pmid = _seed_graph()
    no_pmid.remove((ARTICLE, FABIO.hasPubMedId, None))
    assert [(f, p) for f, p, _ in _messages(no_pmid)] == [(str(ARTICLE), "hasPubMedId")]

    two_ranks = _seed_graph()
    role = rdflib.URIRef(str(ARTICLE) + "/ar/3")
    two_ranks.add((role, VIVO.rank, rdflib.Literal(9, datatype=rdflib.XSD.int)))
    assert [(f, p) for f, p, _ in _messages(two_ranks)] == [(str(role), "rank")]

    text_date = _seed_graph()
    text_date.remove((ARTICLE, PRISM.publicationDate, None))
    text_date.add((ARTICLE, PRISM.publicationDate, rdflib.Literal("2014 Jan")))
    assert [(f, p) for f, p, _ in _messages(text_date)] == [(str(ARTICLE), "publicationDate")]

    no_holder = _seed_graph()
    no_holder.remove((role, rdflib.URIRef("http://purl.org/spar/pro/isHeldBy"), None))
    found = _messages(no_holder)
    assert [(f, p) for f, p, _ in found] == [(str(role), "isHeldBy")]
    assert "exactly one pro:isHeldBy" in found[0][2]


def test_kg_validate_reports_violations_with_their_record_and_exit_code_4(tmp_path: Path) -> None:
    store = tmp_path / "s"
    with KnowledgeGraph.open(store, writable=True) as kg:
        kg.ingest([str(SEED), str(DATA / "xml/pair-7records.xml")])
        graph = ox.NamedNode(kg.iris.graph("24649313"))
        role = ox.NamedNode(kg.iris.role("24649313", "ar", 2))
        zero = ox.Literal("0", datatype=ox.NamedNode(str(rdflib.XSD.int)))
        kg.store.add(ox.Quad(role, ox.NamedNode(str(VIVO.rank)), zero, graph))
    report = tmp_path / "report.txt"
    out = subprocess.run([sys.executable, "-m", "kg.cli", "validate", "--store", str(store), "--report", str(report)],
                         capture_output=True, text=True)
    assert out.returncode == 4
    lines = report.read_text().splitlines()
    assert lines[-1] == "8 records checked, 2 violations"
    assert all(line.startswith("PMID 24649313: https://example.org/kg/br/pmid/24649313/ar/2 ") for line in lines[:-1])
    as_json = tmp_path / "report.json"
    again = subprocess.run([sys.executable, "-m", "kg.cli", "validate", "--store", str(store), "--report",
                            str(as_json)], capture_output=True, text=True)
    document = json.loads(as_json.read_text())
    assert again.returncode == 4 and document["records_checked"] == 8 and len(document["violations"]) == 2
    assert {v["record"] for v in document["violations"]} == {"24649313"}
    assert {v["focus"] for v in document["violations"]} == {"https://example.org/kg/br/pmid/24649313/ar/2"}
    odd = subprocess.run([sys.executable, "-m", "kg.cli", "validate", "--store", str(store), "--report",
                          str(tmp_path / "report.csv")], capture_output=True, text=True)
    assert odd.returncode == 2 and odd.stdout == ""
    assert ("cannot tell the format from 'report.csv': the file name must end in .txt, .log or .json (and .gz after "
            "it to compress)\n") in odd.stderr
    one = subprocess.run([sys.executable, "-m", "kg.cli", "validate", "--store", str(store), "--graph",
                          "https://example.org/kg/graph/pmid/30038950"], capture_output=True, text=True)
    assert one.returncode == 0 and one.stdout.strip() == "1 record checked, 0 violations"


def test_ontologies_load_into_their_graph_and_answer_label_and_hierarchy_queries(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        kg.ingest([str(SEED), str(DATA / "xml/pair-7records.xml")])
        data_only = kg.stats()
        assert load_ontologies(kg) > 5000
        # The ontologies are not data: FRAPO's four foaf:Person roles are no persons of the store.
        assert kg.stats() == data_only and data_only["persons"] == 44
        assert (data_only["first_year"], data_only["last_year"]) == (2014, 2018)
        assert load_ontologies(kg) == load_ontologies(kg)  # replaced, not added to
        labels = kg.select("SELECT ?l WHERE { fabio:JournalArticle rdfs:label ?l }")
        supers = {r["c"] for r in kg.select(
            "SELECT ?c WHERE { fabio:JournalArticle rdfs:subClassOf+ ?c FILTER(isIRI(?c)) }")}
        typed = kg.select('SELECT ?l WHERE { ?a fabio:hasPubMedId "24649313" ; a ?c . ?c rdfs:label ?l '
                          'FILTER(?c != fabio:Expression) }')
        assert ontology_graph(kg).endswith("/graph/ontology")
    assert [r["l"] for r in labels] == ["journal article"]
    assert "http://purl.org/spar/fabio/Article" in supers and "http://purl.org/vocab/frbr/core#Expression" in supers
    assert [r["l"] for r in typed] == ["journal article"]
    out = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(SEED), "--with-ontologies", "--store",
                          str(tmp_path / "t")], capture_output=True, text=True)
    assert out.returncode == 0 and "triples in https://example.org/kg/graph/ontology" in out.stdout


# ---------------------------------------------------------------- export profiles


def _export(profile: str, query: str | None = None) -> bytes:
    out = io.BytesIO()
    with KnowledgeGraph.open(_seed_store()) as kg:
        export_profile(kg, profile, out, query)
    return out.getvalue()


def test_the_bibo_view_has_the_seed_with_its_authors_in_order() -> None:
    graph = rdflib.Graph().parse(data=_export("bibo"), format="turtle")
    bibo = rdflib.Namespace("http://purl.org/ontology/bibo/")
    assert (ARTICLE, rdflib.RDF.type, bibo.AcademicArticle) in graph
    assert str(graph.value(ARTICLE, rdflib.DCTERMS.title)).startswith("Sorafenib in metastatic")
    assert str(graph.value(ARTICLE, bibo.doi)) == "10.3892/mco.2013.199"
    journal = graph.value(ARTICLE, rdflib.DCTERMS.isPartOf)
    assert str(graph.value(journal, rdflib.DCTERMS.title)) == "Molecular and clinical oncology"
    from rdflib.collection import Collection

    authors = list(Collection(graph, graph.value(ARTICLE, bibo.authorList)))
    assert [str(graph.value(a, rdflib.FOAF.familyName)) for a in authors] == SEED_AUTHORS


def test_the_schema_org_view_is_json_ld_with_the_authors_as_a_list() -> None:
    doc = json.loads(_export("schema"))
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    schema = rdflib.Namespace("http://schema.org/")
    assert (ARTICLE, rdflib.RDF.type, schema.MedicalScholarlyArticle) in graph
    assert str(graph.value(ARTICLE, schema.name)).startswith("Sorafenib in metastatic")
    assert rdflib.URIRef("https://doi.org/10.3892/mco.2013.199") in set(graph.objects(ARTICLE, schema.sameAs))
    from rdflib.collection import Collection

    authors = list(Collection(graph, graph.value(ARTICLE, schema.author)))
    assert [str(graph.value(a, schema.familyName)) for a in authors] == SEED_AUTHORS
    assert all(len(list(graph.objects(a, schema.affiliation))) == 2 for a in authors)
    periodicals = {str(graph.value(s, schema.name)) for s in graph.subjects(rdflib.RDF.type, schema.Periodical)}
    assert periodicals == {"Molecular and clinical oncology"}


def test_json_ld_export_with_the_shipped_context_round_trips(tmp_path: Path) -> None:
    with KnowledgeGraph.open(_seed_store()) as kg:
        out = io.BytesIO()
        kg.export(out, format="jsonld")
        nquads = kg.store.dump(format=ox.RdfFormat.N_QUADS)
    doc = json.loads(out.getvalue())
    article = next(n for g in doc["@graph"] for n in g["@graph"] if n["@id"] == "kg:br/pmid/24649313")
    assert article["pmid"] == "24649313" and article["doi"] == "10.3892/mco.2013.199"
    assert article["year"] == "2014" and len(article["authorships"]) == 7
    back = ox.Store()
    back.load(out.getvalue(), ox.RdfFormat.JSON_LD)
    original = ox.Store()
    original.load(nquads, ox.RdfFormat.N_QUADS)
    assert set(back) == set(original)


def _journal_titles() -> dict[str, set[str]]:
    """Every title each journal has in the test data (a journal node keeps all of them)."""
    titles: dict[str, set[str]] = {}
    for r in read_records(GOOD_DIRS):
        if isinstance(r, Record) and r.journal and r.journal.nlm_id and r.journal.title:
            titles.setdefault(r.journal.nlm_id, set()).add(" ".join(r.journal.title.split()))
    return titles


JOURNAL_TITLES = _journal_titles()


def _expected(rec: Record) -> dict:
    # the starting page as the mapping reads MedlinePgn (MAPPING.md, pages)
    start = page_range(rec.pages)[0] if rec.pages else None
    return {
        "title": rec.title or (rec.book.title if rec.book else None),
        # PubMed's invalid names (ValidYN="N") are no authors of the paper
        "families": [a.family or a.collective for a in rec.authors if a.valid],
        "year": rec.year,
        "doi": rec.doi.lower() if rec.doi else None,
        "volume": rec.volume,
        "start": start,
    }


def _profiles(kg_store: Path, profile: str, query: str | None = None) -> bytes:
    out = io.BytesIO()
    with KnowledgeGraph.open(kg_store) as kg:
        export_profile(kg, profile, out, query)
    return out.getvalue()


def _clean_title(title: str | None) -> str | None:
    from kg.mapping.record import _title

    return " ".join(_title(title).split()) if title else None


def test_a_record_titled_only_in_its_own_language_is_exported_with_that_title(tmp_path: Path) -> None:
    # PMID 34086202: <ArticleTitle/> and <VernacularTitle>Die erste Seite.</VernacularTitle>; in the
    # graph a prism:alternateTitle and no dcterms:title (MAPPING.md), in a citation the title it has.
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        kg.ingest([bulk_record("34086202")])
        out = io.BytesIO()
        export_profile(kg, "csl-json", out)
        assert [item["title"] for item in json.loads(out.getvalue())] == ["Die erste Seite."]
        out = io.BytesIO()
        export_profile(kg, "ris", out)
        assert "TI  - Die erste Seite." in out.getvalue().decode()
        out = io.BytesIO()
        export_profile(kg, "bibo", out)
        bibo = rdflib.Graph().parse(data=out.getvalue(), format="turtle")
        article = rdflib.URIRef("https://example.org/kg/br/pmid/34086202")
        assert [str(t) for t in bibo.objects(article, rdflib.DCTERMS.title)] == ["Die erste Seite."]


def test_csl_json_of_all_test_records_reads_back_with_citeproc(full_store: Path, records: dict) -> None:
    from citeproc.source.json import CiteProcJSON

    items = json.loads(_profiles(full_store, "csl-json"))
    source = CiteProcJSON(items)
    assert len(items) == len(records)
    for item in items:
        rec = records[item["PMID"]]
        ref = source[item["id"].lower()]
        exp = _expected(rec)
        assert " ".join(str(ref.title).split()) == _clean_title(exp["title"])
        authors = ref.author if exp["families"] else []
        assert [str(a.family) if "family" in a else str(a["literal"]) for a in authors] == exp["families"]
        if exp["year"]:
            assert int(ref.issued["year"]) == exp["year"]
        assert item.get("DOI") == exp["doi"] and item.get("volume") == exp["volume"]
        assert (item.get("page") or "").split("-")[0] == (exp["start"] or "")
        if rec.journal and rec.journal.title and not rec.book:
            assert str(ref["container_title"]) in JOURNAL_TITLES[rec.journal.nlm_id]


def test_bibtex_of_all_test_records_reads_back_with_bibtexparser(full_store: Path, records: dict) -> None:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts

    middleware = [SeparateCoAuthors(), SplitNameParts(), LatexDecodingMiddleware()]
    library = bibtexparser.parse_string(_profiles(full_store, "bibtex").decode(), append_middleware=middleware)
    assert not library.failed_blocks
    assert len(library.entries) == len(records)
    for entry in library.entries:
        rec = records[entry["pmid"]]
        exp = _expected(rec)
        fields = entry.fields_dict
        assert " ".join(entry["title"].split()) == _clean_title(exp["title"])
        if exp["families"]:
            assert [" ".join(n.last).strip("{}") for n in entry["author"]] == exp["families"]
        if exp["year"]:
            assert entry["year"] == str(exp["year"])
        assert (fields["doi"].value if "doi" in fields else None) == exp["doi"]
        assert (fields["volume"].value if "volume" in fields else None) == exp["volume"]
        # LaTeX decoding turns the range's "--" into an en dash
        assert (fields["pages"].value.split("–")[0] if "pages" in fields else None) == exp["start"]
        if rec.journal and rec.journal.title and not rec.book:
            assert " ".join(entry["journal"].split()) in JOURNAL_TITLES[rec.journal.nlm_id]


def test_ris_of_all_test_records_reads_back_with_rispy(full_store: Path, records: dict) -> None:
    import rispy

    entries = rispy.loads(_profiles(full_store, "ris").decode())
    assert len(entries) == len(records)
    for entry in entries:
        rec = records[entry["accession_number"]]
        exp = _expected(rec)
        assert entry.get("title") == _clean_title(exp["title"])
        valid = [author for author in rec.authors if author.valid]
        assert [a if author.collective else a.split(",")[0]
                for a, author in zip(entry.get("authors", []), valid)] == exp["families"]
        if exp["year"]:
            assert entry["year"] == str(exp["year"])
        assert entry.get("doi") == exp["doi"] and entry.get("volume") == exp["volume"]
        assert entry.get("start_page") == exp["start"]
        if rec.journal and rec.journal.title and not rec.book:
            assert entry["secondary_title"] in JOURNAL_TITLES[rec.journal.nlm_id]


def test_datacite_json_and_query_selection() -> None:
    [record] = json.loads(_export("datacite-json", ONLY_SEED))
    assert record["doi"] == "10.3892/mco.2013.199" and record["publicationYear"] == 2014
    assert [c["familyName"] for c in record["creators"]] == SEED_AUTHORS
    assert record["container"] == {"type": "Journal", "title": "Molecular and clinical oncology", "volume": "2",
                                   "issue": "1", "firstPage": "87", "lastPage": "92", "identifier": "2049-9450",
                                   "identifierType": "ISSN"}


def test_export_profile_from_the_command_line_with_a_query_file(tmp_path: Path) -> None:
    query = tmp_path / "mine.rq"
    query.write_text(ONLY_SEED)
    out = subprocess.run([sys.executable, "-m", "kg.cli", "export", "--profile", "bibtex", "--query", str(query),
                          "--store", str(_seed_store())], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("@article{pmid24649313,")
    assert "1 article written as bibtex" in out.stderr


def _pmids(*pmids: str) -> str:
    """A --query that names articles by PMID literals (as kg network --query accepts them)."""
    return f'SELECT ?id WHERE {{ ?a fabio:hasPubMedId ?id FILTER(?id IN ({", ".join(map(repr, pmids))})) }}'


def _csl(store: Path, pmid: str) -> dict:
    [item] = json.loads(_profiles(store, "csl-json", _pmids(pmid)))
    return item


def _datacite(store: Path, pmid: str) -> dict:
    [record] = json.loads(_profiles(store, "datacite-json", _pmids(pmid)))
    return record


def _bibtex_names(store: Path, pmid: str, field: str) -> str:
    entry = _profiles(store, "bibtex", _pmids(pmid)).decode()
    [line] = [line for line in entry.splitlines() if line.startswith(f"  {field} = ")]
    return line.removeprefix(f"  {field} = {{").removesuffix("},")


def _rdf_list(graph: rdflib.Graph, subject: rdflib.URIRef, predicate: rdflib.URIRef) -> list:
    from rdflib.collection import Collection

    return list(Collection(graph, graph.value(subject, predicate)))


BIBO = rdflib.Namespace("http://purl.org/ontology/bibo/")
SCHEMA = rdflib.Namespace("http://schema.org/")
KG = rdflib.Namespace("https://example.org/kg/")
#: PMID 19133053 (ortho-search.xml): rank 4, "Kornman, Tony", is ValidYN="N".
PSOAS = "19133053"
PSOAS_FAMILIES = ["Swanson", "Lau", "Korman", "Wallace", "Polyakov"]


def test_authorships_pubmed_marks_invalid_are_left_out_of_every_profile(full_store: Path) -> None:
    assert [a["family"] for a in _csl(full_store, PSOAS)["author"]] == PSOAS_FAMILIES
    assert [c["familyName"] for c in _datacite(full_store, PSOAS)["creators"]] == PSOAS_FAMILIES
    assert _bibtex_names(full_store, PSOAS, "author") == (
        "{Swanson}, Amy and {Lau}, Kenneth K and {Korman}, Tony M and {Wallace}, Euan M and {Polyakov}, Alex")
    ris = _profiles(full_store, "ris", _pmids(PSOAS)).decode()
    assert [line for line in ris.splitlines() if line.startswith("AU")] == [
        "AU  - Swanson, Amy", "AU  - Lau, Kenneth K", "AU  - Korman, Tony M", "AU  - Wallace, Euan M",
        "AU  - Polyakov, Alex"]
    article = KG[f"br/pmid/{PSOAS}"]
    bibo = rdflib.Graph().parse(data=_profiles(full_store, "bibo", _pmids(PSOAS)), format="turtle")
    assert [str(bibo.value(a, rdflib.FOAF.familyName)) for a in _rdf_list(bibo, article, BIBO.authorList)] \
        == PSOAS_FAMILIES
    assert KG["ra/name/fn/kornman-tony"] not in set(bibo.objects(article, rdflib.DCTERMS.creator))
    assert len(set(bibo.objects(article, rdflib.DCTERMS.creator))) == 5
    schema = rdflib.Graph().parse(data=_profiles(full_store, "schema", _pmids(PSOAS)), format="json-ld")
    assert [str(schema.value(a, SCHEMA.familyName)) for a in _rdf_list(schema, article, SCHEMA.author)] \
        == PSOAS_FAMILIES
    assert not set(schema.predicate_objects(KG[f"br/pmid/{PSOAS}/ar/4"]))


def test_a_collective_author_is_a_named_organisation_in_bibo_and_datacite(full_store: Path) -> None:
    # PMID 23676304 (narchd.txt): the 6th of 19 authors is "Radiotherapy Clinical Information Group".
    article = KG["br/pmid/23676304"]
    bibo = rdflib.Graph().parse(data=_profiles(full_store, "bibo", _pmids("23676304")), format="turtle")
    authors = _rdf_list(bibo, article, BIBO.authorList)
    assert len(authors) == 19
    assert str(bibo.value(authors[5], rdflib.FOAF.name)) == "Radiotherapy Clinical Information Group"
    assert set(bibo.objects(authors[5], rdflib.RDF.type)) == {rdflib.FOAF.Organization}
    assert set(bibo.objects(authors[4], rdflib.RDF.type)) == {rdflib.FOAF.Person}
    creators = _datacite(full_store, "23676304")["creators"]
    assert creators[5] == {"name": "Radiotherapy Clinical Information Group", "nameType": "Organizational"}
    assert [c["nameType"] for c in creators].count("Personal") == 18


def test_a_person_with_only_a_family_name_is_personal_in_datacite(full_store: Path) -> None:
    # PMID 28349780 (pubmr.xml): the third author is printed "Navgeet", with no given name or initials.
    creators = _datacite(full_store, "28349780")["creators"]
    assert creators[2] == {"name": "Navgeet", "nameType": "Personal", "familyName": "Navgeet"}
    assert _csl(full_store, "28349780")["author"][2] == {"family": "Navgeet"}


def test_a_name_suffix_has_its_own_field_in_every_format(full_store: Path) -> None:
    # PMID 31789841: <LastName>Artino</LastName><ForeName>Anthony R</ForeName><Suffix>Jr</Suffix>
    assert _csl(full_store, "31789841")["author"][2] == {"family": "Artino", "given": "Anthony R", "suffix": "Jr"}
    assert "AU  - Artino, Anthony R, Jr\n" in _profiles(full_store, "ris", _pmids("31789841")).decode()
    assert _bibtex_names(full_store, "31789841", "author") == (
        "{Park}, Yoon Soo and {Konge}, Lars and {Artino}, Jr, Anthony R")
    assert _datacite(full_store, "31789841")["creators"][2] == {
        "name": "Artino, Anthony R Jr", "nameType": "Personal", "givenName": "Anthony R", "familyName": "Artino"}
    schema = rdflib.Graph().parse(data=_profiles(full_store, "schema", _pmids("31789841")), format="json-ld")
    artino = KG["br/pmid/31789841/ar/3"]
    assert (str(schema.value(artino, SCHEMA.givenName)), str(schema.value(artino, SCHEMA.honorificSuffix)),
            str(schema.value(artino, SCHEMA.name))) == ("Anthony R", "Jr", "Anthony R Artino Jr")


def test_the_names_of_all_test_records_in_csl_json_are_those_of_the_records(full_store: Path, records: dict) -> None:
    def name(a: Author) -> dict:
        if a.collective:
            return {"literal": a.collective}
        return {k: v for k, v in {"family": a.family, "given": a.given or a.initials, "suffix": a.suffix}.items() if v}

    items = json.loads(_profiles(full_store, "csl-json"))
    suffixes = 0
    for item in items:
        rec = records[item["PMID"]]
        assert item.get("author", []) == [name(a) for a in rec.authors if a.valid], item["PMID"]
        assert item.get("editor", []) == [name(e) for e in (rec.book.editors if rec.book else [])], item["PMID"]
        suffixes += sum("suffix" in a for a in item.get("author", []))
    assert suffixes >= 10


BOOK_EDITORS = [("Pagon", "Roberta A"), ("Bird", "Thomas D"), ("Dolan", "Cynthia R"), ("Stephens", "Karen"),
                ("Adam", "Margaret P")]


def test_book_editors_and_place_are_in_every_profile_in_order(tmp_path: Path) -> None:
    # PMID 20301295, GeneReviews (efetch.pubmedbook.xml): no author, five editors.
    store = tmp_path / "s"
    with KnowledgeGraph.open(store, writable=True) as kg:
        kg.ingest([str(DATA / "xml/eutils-samples/efetch.pubmedbook.xml")])
    item = _csl(store, "20301295")
    assert item["type"] == "book" and "author" not in item
    assert [(e["family"], e["given"]) for e in item["editor"]] == BOOK_EDITORS
    assert _bibtex_names(store, "20301295", "editor") == " and ".join(f"{{{f}}}, {g}" for f, g in BOOK_EDITORS)
    ris = _profiles(store, "ris").decode()
    assert [line for line in ris.splitlines() if line.startswith("A2")] == [f"A2  - {f}, {g}" for f, g in BOOK_EDITORS]
    assert "CY  - Seattle (WA)" in ris.splitlines() and item["publisher-place"] == "Seattle (WA)"
    datacite = _datacite(store, "20301295")
    assert [(c["familyName"], c["givenName"], c["contributorType"])
            for c in datacite["contributors"]] == [(f, g, "Editor") for f, g in BOOK_EDITORS]
    # DataCite requires creators: the editors of a book without authors; a book is in no container.
    assert [(c["familyName"], c["givenName"]) for c in datacite["creators"]] == BOOK_EDITORS
    assert "container" not in datacite and datacite["types"]["resourceTypeGeneral"] == "Book"
    article = KG["br/pmid/20301295"]
    bibo = rdflib.Graph().parse(data=_profiles(store, "bibo"), format="turtle")
    editors = _rdf_list(bibo, article, BIBO.editorList)
    assert [(str(bibo.value(e, rdflib.FOAF.familyName)), str(bibo.value(e, rdflib.FOAF.givenName)))
            for e in editors] == BOOK_EDITORS
    assert set(bibo.objects(article, BIBO.editor)) == set(editors)
    assert set(bibo.objects(article, rdflib.RDF.type)) == {BIBO.Book}  # not bibo:AcademicArticle
    assert str(bibo.value(bibo.value(article, rdflib.DCTERMS.publisher), rdflib.FOAF.name)) \
        == "University of Washington, Seattle"
    schema = rdflib.Graph().parse(data=_profiles(store, "schema"), format="json-ld")
    assert set(schema.objects(article, rdflib.RDF.type)) == {SCHEMA.Book}
    assert str(schema.value(schema.value(article, SCHEMA.publisher), SCHEMA.name)) \
        == "University of Washington, Seattle"
    assert [(str(schema.value(e, SCHEMA.familyName)), str(schema.value(e, SCHEMA.givenName)))
            for e in _rdf_list(schema, article, SCHEMA.editor)] == BOOK_EDITORS


def test_a_query_selects_articles_by_pmid_in_its_order_and_a_query_of_no_articles_is_refused(
        full_store: Path) -> None:
    by_pmid = _pmids("24649313", PSOAS, "1") + " ORDER BY DESC(?id)"  # PMID 1 is not in the store
    ris = _profiles(full_store, "ris", by_pmid).decode()
    assert [line for line in ris.splitlines() if line.startswith("AN")] == ["AN  - 24649313", f"AN  - {PSOAS}"]
    for query, message in (
        ("ASK { ?a fabio:hasPubMedId ?id }", "the query must be a SELECT whose first variable gives articles"),
        ("CONSTRUCT { ?a a fabio:Expression } WHERE { ?a fabio:hasPubMedId ?id }",
         "the query must be a SELECT whose first variable gives articles"),
        ('SELECT ?t WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }',
         ("the first variable (?t) must give articles (IRIs such as kg:br/pmid/24649313, or PMIDs such as "
          "'24649313'), got the literal 'Sorafenib in metastatic")),
    ):
        out = io.BytesIO()
        with KnowledgeGraph.open(full_store) as kg, pytest.raises(SelectionError, match="^" + re.escape(message)):
            export_profile(kg, "csl-json", out, query)
        assert out.getvalue() == b""  # refused before anything is written


def test_bibtex_keeps_two_apostrophes_two_apostrophes(full_store: Path) -> None:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    # PMID 26729133 (metaknowledge.medline): "... equipped with a 7'' dome port."
    entry = _profiles(full_store, "bibtex", _pmids("26729133")).decode()
    assert "equipped with a 7'{}' dome port" in entry
    [parsed] = bibtexparser.parse_string(entry, append_middleware=[LatexDecodingMiddleware()]).entries
    assert "equipped with a 7'' dome port" in " ".join(parsed["abstract"].split())
