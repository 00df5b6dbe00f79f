"""The mapping of records to RDF, checked fact by fact on the real records where it once went wrong:
electronic article numbers, page ranges, PMID 0 links, MedlineDate text, malformed identifiers,
publication types and e-mail addresses in affiliations."""

from __future__ import annotations

import functools
import html
import io
import re
from collections import Counter
from pathlib import Path

import pycountry
import pytest
import rdflib
from helpers import BULK, DATA, bulk_record, bulk_xml

from kg.mapping import DEFAULT_BASE_IRI, MappedRecord, Mapper
from kg.mapping.affiliations import country, institution
from kg.mapping.iris import Iris
from kg.mapping.pages import page_range
from kg.mapping.pubtypes import table
from kg.mapping.terms import iri, lit, typed
from kg.mapping.vocab import CITO, DATACITE, DCTERMS, FABIO, FOAF, KGV, LITERAL, MESH, PRISM, PRO, RDFS, XSD
from kg.records import Affiliation, Author, CommentCorrection, PublicationType, Record, Reference
from kg.resources import shipped
from kg.sources import parse_medline, read_records
from kg.store import KnowledgeGraph

IRIS = Iris(DEFAULT_BASE_IRI)
MAPPER = Mapper(DEFAULT_BASE_IRI)


@functools.cache
def _records(path: Path) -> dict[str, Record]:
    return {r.pmid: r for r in read_records([path]) if isinstance(r, Record)}


def _map(path: str, pmid: str) -> MappedRecord:
    return MAPPER.map(_records(DATA / path)[pmid])


def _objects(mapped: MappedRecord, subject: str, predicate: str, *, shared: bool = False) -> list[str]:
    """The N-Triples objects of ``subject predicate`` in the record graph (or the shared entities)."""
    head = f"{iri(subject)} {iri(predicate)} "
    return [t[len(head):] for t in (mapped.entities if shared else mapped.triples) if t.startswith(head)]


def _article(mapped: MappedRecord, predicate: str) -> list[str]:
    return _objects(mapped, IRIS.article(mapped.pmid), predicate)


# ---------------------------------------------------------------- keywords


def test_keywords_lose_a_closing_full_stop_and_a_list_printed_as_one_keyword_is_split() -> None:
    def keywords(pmid: str) -> list[str]:
        return sorted(_article(MAPPER.map(bulk_record(pmid)), PRISM + "keyword"))

    assert keywords("32484109") == [lit(k) for k in sorted([  # the bulk file: <Keyword>Tuberculosis.</Keyword>
        "Anti-tubercular activity", "Brevifoliol", "In-silico studies", "Semi-synthetic derivatives",
        "Taxus wallichiana", "Tuberculosis"])]
    assert lit("Fusarium spp.") in keywords("34093513")
    assert lit("Juglans regia L.") in keywords("31397177")
    assert keywords("34092594") == keywords("34095962") == []  # <Keyword>???</Keyword>, <Keyword>.</Keyword>

    # Spandidos journals print all keywords as one: PMID 33416116 (Oncology Reports), "<Keyword>pancreatic
    # cancer, PDGF, malignancy, Hippo signaling, YAP</Keyword>".
    assert keywords("33416116") == [lit(k) for k in sorted([
        "pancreatic cancer", "PDGF", "malignancy", "Hippo signaling", "YAP"])]
    assert keywords("33131463") == [lit(k) for k in sorted([  # "<Keyword>risk factor; disability; cost</Keyword>"
        "Agriculture", "accident", "injury", "risk factor", "disability", "cost"])]


# ---------------------------------------------------------------- electronic article numbers (mapping-notes §5.2)


def test_a_publisher_pii_is_not_an_electronic_article_number() -> None:
    m = _map("xml/efetch-single/38704912.xml", "38704912")  # MedlinePgn 101777, ELocationID pii = the PII
    assert _article(m, FABIO + "hasPII") == [lit("S1879-4068(24)00075-4")]
    assert _article(m, FABIO + "hasElectronicArticleIdentifier") == []
    assert _objects(m, IRIS.manifestation("38704912"), PRISM + "pageRange") == [lit("101777")]


@pytest.mark.parametrize("path,pmid,numbers,pii", [
    # no pages: the LID that is not the AID [pii] ("e134973"), not the one that repeats it ("134973")
    ("medline/blachlylab.nbib", "32554930", ["e134973"], "134973"),
    # pages equal to the LID: an article number, even where it is also a PII
    ("medline/pybibx.txt", "33665388", ["e00205"], "S2405-6731(21)00006-4"),
    ("medline/pybibx-mcda.txt", "35613115", ["e0268584"], "PONE-D-21-33200"),
    # no pages, and the only LID is the ArticleId pii: the PII, stated once
    ("xml/efetch-single/38449742.xml", "38449742", [], "021003"),
])
def test_electronic_article_numbers(path: str, pmid: str, numbers: list[str], pii: str) -> None:
    m = _map(path, pmid)
    assert _article(m, FABIO + "hasElectronicArticleIdentifier") == [lit(n) for n in numbers]
    assert _article(m, FABIO + "hasPII") == [lit(pii)]


def test_no_stored_article_number_is_a_pii_other_than_its_pages(kg: KnowledgeGraph) -> None:
    rows = kg.select("""SELECT ?a WHERE { ?a fabio:hasElectronicArticleIdentifier ?n ; fabio:hasPII ?n .
                        FILTER NOT EXISTS { ?a frbr:embodiment/prism:pageRange ?n } }""")
    assert rows == []


# ---------------------------------------------------------------- pages (mapping-notes §5.5)


@pytest.mark.parametrize("path,pmid,raw,start,end", [
    ("xml/medsamp2006.xml", "12211241", "1475-6; author reply 1475-6", "1475", "1476"),
    ("medline/narchd.txt", "15259683", "16-24; quiz 25-7", "16", "27"),
    ("medline/narchd.txt", "15970854", "1933-5; discussion 1935-8", "1933", "1938"),
    ("xml/ortho-search.xml", "9952119", "21-5; discussion 26", "21", "26"),
    ("xml/pubmedportable-pancreatic.xml", "10075463", "327; author reply 328", "327", "328"),
    ("medline/ortho-search.nbib", "23972639", "1186.e1-5", "1186.e1", "1186.e5"),
    ("xml/ortho-search.xml", "23972639", "1186.e1-5", "1186.e1", "1186.e5"),
    ("xml/medsamp2006.xml", "14177620", "SUPPL:4309-22", "4309", "4322"),
    ("medline/narchd.txt", "12690711", "8-13, 1", "8", "13"),
    # text that is not pages: no starting or ending page, only the raw range
    ("xml/medsamp2006.xml", "9110943", "[34457 words; 185 paragraphs]", None, None),
])
def test_starting_and_ending_pages_of_real_records(path: str, pmid: str, raw: str, start: str | None,
                                                   end: str | None) -> None:
    m = _map(path, pmid)
    re_ = IRIS.manifestation(pmid)
    assert _objects(m, re_, PRISM + "pageRange") == [lit(raw)]
    assert _objects(m, re_, PRISM + "startingPage") == ([lit(start)] if start else [])
    assert _objects(m, re_, PRISM + "endingPage") == ([lit(end)] if end else [])


@pytest.mark.parametrize("raw,expected", [
    ("110-4", ("110", "114")),
    ("1595-603.e9", ("1595", "1603.e9")),  # the first number shortened, before ".e9"
    ("1161.e1-1161.e2", ("1161.e1", "1161.e2")),
    ("77-95, viii", ("77", "95")),  # roman front matter after the article is not its end
    ("676-90; appendix 690-2", ("676", "692")),
    ("58, 60, 62 passim", ("58", "62")),
    ("465-e917", ("465", "e917")),
    ("i-ii", ("i", "ii")),
    ("e0153", ("e0153", None)),
    ("48-43", (None, None)),  # a range that runs backwards is not read as one
])
def test_page_notations(raw: str, expected: tuple) -> None:
    assert page_range(raw) == expected


# ---------------------------------------------------------------- links to PMIDs


@pytest.mark.parametrize("pmid", ["29226023", "32935693", "35573891", "37903272", "38170905", "38988993"])
def test_a_reference_to_pmid_0_is_no_link(pmid: str) -> None:
    m = _map(f"xml/efetch-single/{pmid}.xml", pmid)
    cited = _article(m, CITO + "cites")
    assert iri(IRIS.article("0")) not in cited
    assert len(cited) == len({r.pmid for r in _records(DATA / f"xml/efetch-single/{pmid}.xml")[pmid].references
                              if r.pmid and r.pmid != "0"})


def test_pmids_of_links_are_positive_integers_without_leading_zeros() -> None:
    rec = Record(pmid="1", comments_corrections=[CommentCorrection("CommentIn", "000"),
                                                 CommentCorrection("ErratumIn", "0042")],
                 references=[Reference(ids=[("pubmed", "00")]), Reference(ids=[("pubmed", "017")])])
    m = MAPPER.map(rec)
    assert _article(m, CITO + "isDiscussedBy") == []
    assert _article(m, CITO + "isCorrectedBy") == [iri(IRIS.article("42"))]
    assert _article(m, CITO + "cites") == [iri(IRIS.article("17"))]


# ---------------------------------------------------------------- publication dates


def test_a_quarter_keeps_its_medline_date_and_is_reported() -> None:
    m = MAPPER.map(bulk_record("34092911"))
    assert _article(m, PRISM + "publicationDate") == [typed("2021", XSD + "gYear")]
    assert _article(m, KGV + "medlineDate") == [lit("2021 3rd Quarter")]
    assert m.notes == ["publication date read only as 2021, kept as text: '2021 3rd Quarter'"]


def test_a_season_is_the_start_of_its_year_kept_as_text_and_reported() -> None:
    m = _map("medline/narchd.txt", "15869211")  # "DP  - 2005 Spring"
    assert _article(m, PRISM + "publicationDate") == [typed("2005", XSD + "gYear")]
    assert _article(m, FABIO + "hasSeason") == [lit("Spring")]
    assert _article(m, KGV + "medlineDate") == [lit("2005 Spring")]
    assert m.notes == ["publication date read as 2005 with the season Spring, kept as text: '2005 Spring'"]


def test_a_date_without_a_year_is_kept_as_text_and_reported_once() -> None:
    first = (DATA / "medline/pair-7records.txt").read_text().split("\n\n")[0]
    text = first.replace("DP  - 2018 Jan-Dec", "DP  - Spring") + "\n"
    [rec] = parse_medline(io.StringIO(text), "pair.txt")
    m = MAPPER.map(rec)
    assert rec.warnings == [] and m.notes == ["publication date without a year kept as text: 'Spring'"]
    assert _article(m, KGV + "medlineDate") == [lit("Spring")] and _article(m, PRISM + "publicationDate") == []


@pytest.mark.parametrize("path,pmid,date,medline_date,reported", [
    ("medline/pybibx.txt", "30586119", typed("2019-01", XSD + "gYearMonth"), ["2019 Jan/Mar"], False),
    ("medline/pybibx.txt", "26663307", typed("2015", XSD + "gYear"), ["2015 Autumn"], True),  # as MAPPING.md says
    ("medline/narchd.txt", "18630419", typed("2004", XSD + "gYear"), ["2004-2005"], False),
    ("xml/efetch-single/38704912.xml", "38704912", typed("2024-06", XSD + "gYearMonth"), [], False),
])
def test_the_medline_date_is_kept_exactly_when_the_date_leaves_text_out(path: str, pmid: str, date: str,
                                                                         medline_date: list[str],
                                                                         reported: bool) -> None:
    m = _map(path, pmid)
    assert _article(m, PRISM + "publicationDate") == [date]
    assert _article(m, KGV + "medlineDate") == [lit(t) for t in medline_date]
    assert any("publication date" in n for n in m.notes) == reported


# ---------------------------------------------------------------- malformed identifiers


@pytest.mark.parametrize("pmid,given", [
    ("10026444", "51466"), ("10026445", "51467"), ("10026446", "51468"), ("10026447", "51469"), ("10050105", "30049"),
])
def test_a_malformed_doi_is_kept_as_given_and_reported(pmid: str, given: str) -> None:
    m = _map("xml/pubmedportable-pancreatic.xml", pmid)
    assert _article(m, PRISM + "doi") == []
    assert _article(m, KGV + "doiAsGiven") == [lit(given)]
    assert m.notes == [f"malformed DOI kept as text: '{given}'"]


def test_malformed_ids_in_medline_text_are_kept_as_given_and_reported() -> None:
    text = "PMID- 1\nTI  - A title.\nAID - notadoi/xyz [doi]\nAID - PMC12x [pmc]\nPMC - PMC77\n"
    [record] = parse_medline(io.StringIO(text), "ids.txt")
    m = MAPPER.map(record)
    assert (_article(m, PRISM + "doi"), _article(m, KGV + "doiAsGiven")) == ([], [lit("notadoi/xyz")])
    assert _article(m, KGV + "pmcidAsGiven") == [lit("PMC12x")]
    assert _article(m, FABIO + "hasPubMedCentralId") == [lit("PMC77")]  # the well-formed one
    assert m.notes == ["malformed DOI kept as text: 'notadoi/xyz'", "malformed PMC id kept as text: 'PMC12x'"]


def test_well_formed_ids_give_no_as_given_values() -> None:
    m = _map("xml/efetch-single/38449742.xml", "38449742")
    assert _article(m, PRISM + "doi") == [lit("10.1115/1.4063271")]
    assert _article(m, FABIO + "hasPubMedCentralId") == [lit("PMC10913807")]
    assert _article(m, KGV + "doiAsGiven") == _article(m, KGV + "pmcidAsGiven") == m.notes == []


# ---------------------------------------------------------------- publication types (mapping-notes §5.11)


def test_text_and_xml_give_the_same_publication_type_nodes() -> None:
    expected = [iri(MESH + "D016428"), iri(MESH + "D016454")]
    for path in ("medline/pair-7records.txt", "xml/pair-7records.xml"):
        m = _map(path, "30034368")
        assert _article(m, DCTERMS + "type") == expected, path
        assert _objects(m, MESH + "D016454", RDFS + "label", shared=True) == [lit("Review")]


@pytest.mark.parametrize("path,pmid,types", [
    ("medline/narchd.txt", "25796116", {"D016428": "Journal Article"}),
    ("medline/metaknowledge.medline", "26808161", {"D016454": "Review", "D016428": "Journal Article"}),
])
def test_upper_case_publication_types_are_the_mesh_ones(path: str, pmid: str, types: dict[str, str]) -> None:
    m = _map(path, pmid)
    assert _article(m, DCTERMS + "type") == [iri(MESH + ui) for ui in types]
    for ui, label in types.items():
        assert _objects(m, MESH + ui, RDFS + "label", shared=True) == [lit(label)]


def test_a_publication_type_the_table_lacks_keeps_its_own_node() -> None:
    m = MAPPER.map(Record(pmid="1", publication_types=[PublicationType("Consensus Development Conference")]))
    node = IRIS.pubtype("Consensus Development Conference")
    assert _article(m, DCTERMS + "type") == [iri(node)]
    assert _objects(m, node, RDFS + "label", shared=True) == [lit("Consensus Development Conference")]


def test_the_publication_type_table_is_every_name_and_ui_of_the_xml_test_data() -> None:
    found: dict[str, set[str]] = {}
    for r in read_records([DATA / "xml", BULK]):
        if isinstance(r, Record):
            for pt in r.publication_types:
                if pt.ui:
                    found.setdefault(pt.name, set()).add(pt.ui)
    assert {pt.name: {pt.ui} for pt in table().values()} == found
    assert len({pt.ui for pt in table().values()}) == len(table()) == 40


def test_every_stored_publication_type_has_one_label(kg: KnowledgeGraph) -> None:
    rows = kg.select("""SELECT ?t (COUNT(DISTINCT ?label) AS ?n) WHERE { ?a dcterms:type ?t . ?t rdfs:label ?label }
                        GROUP BY ?t HAVING (COUNT(DISTINCT ?label) != 1)""")
    assert rows == []
    count = "SELECT (COUNT(?a) AS ?n) WHERE {{ ?a dcterms:type <{}> }}"
    assert kg.select(count.format(IRIS.pubtype("Journal Article")))[0]["n"] == 0
    assert kg.select(count.format(MESH + "D016428"))[0]["n"] > 1700


# ---------------------------------------------------------------- affiliations


@pytest.mark.parametrize("path,pmid,name", [
    ("medline/ortho-search.nbib", "18626460",
     "Department of Pediatrics, Mymensingh Medical College Hospital, Mymensingh, Bangladesh"),
    ("xml/ortho-search.xml", "18626460",
     "Department of Pediatrics, Mymensingh Medical College Hospital, Mymensingh, Bangladesh"),
    ("medline/ortho-search.nbib", "14551710",
     "Klinik und Poliklinik fur Innere Medizin I, Universitatsklinikum Regensburg, Regensburg"),
    ("xml/ortho-search.xml", "14551710",
     "Klinik und Poliklinik für Innere Medizin I, Universitätsklinikum Regensburg, Regensburg"),
])
def test_an_email_address_with_a_space_after_the_at_sign_is_removed(path: str, pmid: str, name: str) -> None:
    m = _map(path, pmid)
    orgs = [o[1:-1] for role in _article(m, PRO + "isDocumentContextFor")
            for o in _objects(m, role[1:-1], PRO + "relatesToOrganization")]
    names = {n for org in orgs for n in _objects(m, org, FOAF + "name", shared=True)}
    assert lit(name) in names
    assert not any("@" in n for n in names)


def _organisation_names(record: Record) -> list[str]:
    """The foaf:name literals (N-Triples) among the shared entities the record maps to."""
    return [t.split(f"<{FOAF}name> ", 1)[1] for t in MAPPER.map(record).entities if f" <{FOAF}name> " in t]


def test_a_web_page_given_as_an_electronic_address_is_removed_too() -> None:
    # PMID 33058944: "..., The University of Melbourne, Australia. Electronic address:
    # https://twitter.com/GenomeStability." (MAPPING.md: "Electronic address: ..." removed).
    names = _organisation_names(bulk_record("33058944"))
    assert lit("Department of Medicine, St. Vincent's Health, The University of Melbourne, Australia") in names
    assert not [n for n in names if "twitter" in n or "Electronic address" in n]


def test_a_space_before_a_comma_is_not_part_of_an_organisation_s_name() -> None:
    # PMID 34091980: "Department of Psychology, University of Southern Denmark, Odense , Denmark."
    names = _organisation_names(bulk_record("34091980"))
    assert lit("Department of Psychology, University of Southern Denmark, Odense, Denmark") in names
    assert not [n for n in names if " ," in n]


def test_a_ror_id_names_the_organisation_and_its_identifier_keeps_the_url() -> None:
    # No test record has a ROR id (PubMed gives them as <Identifier Source="ROR">https://ror.org/...).
    record = Record(pmid="1", title="A title.")
    record.authors.append(Author(family="Luo", given="Yang", affiliations=[Affiliation(
        "Université Paris-Saclay, Orsay, France.", [("GRID", "grid.5842.b"), ("ROR", "https://ror.org/03xjwb503")])]))
    mapped = MAPPER.map(record)
    ror = IRIS.identifier("ror", "https://ror.org/03xjwb503")
    assert sorted(_objects(mapped, IRIS.organization_by_id("ror", "03xjwb503"), DATACITE + "hasIdentifier",
                           shared=True)) == sorted([iri(ror), iri(IRIS.identifier("grid", "grid.5842.b"))])
    assert _objects(mapped, ror, LITERAL + "hasLiteralValue", shared=True) == [lit("https://ror.org/03xjwb503")]
    assert _objects(mapped, ror, DATACITE + "usesIdentifierScheme", shared=True) == [iri(DATACITE + "ror")]


def test_no_stored_organisation_name_holds_an_email_address(kg: KnowledgeGraph) -> None:
    names = [r["n"] for r in kg.select("SELECT ?n WHERE { ?o a foaf:Organization ; foaf:name ?n }")]
    assert len(names) > 1000
    assert [n for n in names if re.search(r"\S@ ?\S+\.\S", n)] == []


# ---------------------------------------------------------------- affiliations: campuses, countries


@functools.cache
def _bulk_affiliations() -> frozenset[str]:
    """The distinct affiliation texts of the bulk file, cut out of its XML (reading it as records takes seconds)."""
    return frozenset(html.unescape(a) for a in re.findall(r"<Affiliation>([^<]*)</Affiliation>", bulk_xml().decode()))


@pytest.mark.parametrize("text,name", [
    # tests/data
    ("Department of Psychiatry, University of California at San Francisco.", "University of California, San Francisco"),
    ("University of California-San Francisco, San Francisco, USA.", "University of California, San Francisco"),
    ("Department of Medicine, University of California San Francisco, San Francisco, California, USA.",
     "University of California, San Francisco"),
    ("Benioff Center for Microbiome Medicine, Department of Medicine, University of California, San Francisco, "
     "CA 94143, United States.", "University of California, San Francisco"),
    ("University of California at San Francisco and VA Medical Center, San Francisco.",
     "University of California, San Francisco"),
    ("School of Law, University of California, Los Angeles, California, USA.", "University of California, Los Angeles"),
    ("Department of Urology, University of California Davis School of Medicine, University of California at Davis, "
     "Sacramento, CA, USA.", "University of California, Davis School of Medicine"),
    ("Network for Improvement of Addiction Treatment, University of Wisconsin, Madison, WI, USA.",
     "University of Wisconsin-Madison"),
    ("Department of Clinical Pharmacy, University of Colorado, Aurora, CO, 80045, USA.",
     "University of Colorado Anschutz Medical Campus"),
    ("Department of Chemical Engineering, The University of Texas, Austin, Texas, USA; email: maynard@che.utexas.edu.",
     "University of Texas at Austin"),
    ("School of Public Health Department of Health Management and Policy, The University of Michigan, Ann Arbor, "
     "Michigan, USA. kzheng@umich.edu", "University of Michigan"),
    # the bulk file
    ("Dept of Comparative Biosciences, University of Illinois, Urbana, IL, USA.",
     "University of Illinois at Urbana-Champaign"),
    ("Department of Microbiology and Immunology, University of North Carolina, Chapel Hill, NC, 27599, USA",
     "University of North Carolina at Chapel Hill"),
    ("Department of Urology, University of Washington, Seattle, WA.", "University of Washington"),
    ("2Department of Gastroenterology, Hepatology, and Nutrition, Division of Internal Medicine, The University of "
     "Texas MD Anderson Cancer Center, Houston, Texas, USA", "The University of Texas MD Anderson Cancer Center"),
    # A state or country after the system is no campus.
    ("Department of Entomology & Nematology and the UC Davis Comprehensive Cancer Center, Davis, University of "
     "California, CA 95616, USA.", "University of California"),
    ("Department of Dermatology and Dermatopathology, University of California, United States.",
     "University of California"),
])
def test_the_campus_of_a_university_system_is_part_of_the_institution_in_one_spelling(text: str, name: str) -> None:
    assert institution(text) == name


def test_each_university_of_california_campus_has_one_name_in_the_bulk_file() -> None:
    names = Counter(institution(t) for t in _bulk_affiliations())
    campus = re.compile(r"(?i)(?:the )?university of california\W*(?:at |in )?(?:san francisco|los angeles|san diego|"
                        r"irvine|berkeley|davis|riverside|santa barbara|santa cruz|merced)")
    assert {n for n in names if n and campus.fullmatch(n)} == {
        "University of California, " + c for c in ("San Francisco", "Los Angeles", "San Diego", "Irvine", "Berkeley",
                                                    "Davis", "Riverside", "Santa Barbara", "Santa Cruz", "Merced")}
    # The system alone is left only where no campus follows it ("University of California, One Shields Avenue").
    assert names["University of California"] < names["University of California, Davis"] < names[
        "University of California, San Francisco"]


@pytest.mark.parametrize("text,name", [
    # the bulk file: French "Univ", Italian and Spanish names, research councils
    ("Aix Marseille Univ, CNRS, ICR UMR 7273, Marseille, F-13397, France.", "Aix Marseille Univ"),
    ("Analytical Chemistry Lab, Istituto Italiano di Tecnologia, Via Morego 30, 16163 Genova, Italy.",
     "Istituto Italiano di Tecnologia"),
    ("Department of Civil and Environmental Engineering, Politecnico di Milano, Milan, Italy.",
     "Politecnico di Milano"),
    ("Interventional Cardiology, Ospedali Riuniti di Ancona, Ancona, Italy.", "Ospedali Riuniti di Ancona"),
    ("Istituto di Cristallografia, Consiglio Nazionale delle Ricerche, Trieste, Italy.",
     "Consiglio Nazionale delle Ricerche"),
    ("Chiricahua Desert Museum, Rodeo, New Mexico, United States of America.", "Chiricahua Desert Museum"),
    # a French school of a subject is a unit of the university named with it
    ("Ecole des Sciences Criminelles, University of Lausanne, Switzerland.", "University of Lausanne"),
    ("Ecole de Sante Publique, Faculte de Medecine, University of Kinshasa, Kinshasa, Democratic Republic of the "
     "Congo.", "University of Kinshasa"),
])
def test_institutions_named_in_other_languages_or_abbreviated(text: str, name: str) -> None:
    assert institution(text) == name


@pytest.mark.parametrize("text,name", [
    # The bulk file: a university known by a short name, as a part of its own, is that university in
    # one spelling; before, a centre or institute of it was taken, or nothing.
    ("Center for Brains, Minds and Machines, MIT, Cambridge, MA, 02139, USA.", "Massachusetts Institute of Technology"),
    ("Department of Neurobiology, Care Sciences and Society, Division of Nursing, Karolinska Institutet, Stockholm, "
     "Sweden", "Karolinska Institutet"),
    ("Division of Clinical Pharmacology, Karolinska Institute, Stockholm, Sweden.", "Karolinska Institutet"),
    ("Institute for Biomedical Engineering, ETH Zürich, 8092 Zürich, Switzerland.", "ETH Zurich"),
    ("Department of Computer Science, ETH Zurich, Universitätstrasse 6, 8092 Zürich, Switzerland.", "ETH Zurich"),
    ("David Geffen School of Medicine, UCLA, Los Angeles, CA 90024, USA", "University of California, Los Angeles"),
    ("Division of Genetics, Department of Pediatrics, UCSF, San Francisco, CA 94143, USA.",
     "University of California, San Francisco"),
    ("EPPI-Centre, UCL, London, UK", "University College London"),
    ("ENAC, EPF Lausanne, 1015, Lausanne, Switzerland.", "École Polytechnique Fédérale de Lausanne"),
    # "Polytechnique" is a university's name as "Polytechnic" is.
    ("NeuroPoly Lab, Institute of Biomedical Engineering, Polytechnique Montreal, Montreal, QC, Canada",
     "Polytechnique Montreal"),
    ("Laboratory of Environmental Chemistry, School of Architecture, Civil and Environmental Engineering, École "
     "Polytechnique Fédérale de Lausanne (EPFL), CH-1015 Lausanne, Switzerland",
     "École Polytechnique Fédérale de Lausanne (EPFL)"),
    # Until 2018 the Université catholique de Louvain was "UCL" too.
    ("Institute of Neuroscience, UCL, Brussels, Belgium", "Institute of Neuroscience"),
])
def test_a_university_known_by_a_short_name_is_that_university(text: str, name: str) -> None:
    assert institution(text) == name


@pytest.mark.parametrize("text,name", [
    # The bulk file (chemistry journals): the address runs into the name with no comma before the postcode.
    ("State Key Laboratory of Elemento-Organic Chemistry, College of Chemistry, Nankai University Tianjin 300071 "
     "China.", "Nankai University"),
    ("Graduate School of Engineering, Osaka University Suita Osaka 565-0871 Japan kkikuchi@mls.eng.osaka-u.ac.jp.",
     "Osaka University"),
    ("Hefei National Laboratory for Physical Sciences at the Microscale, Department of Chemistry, University of "
     "Science and Technology of China Hefei 230026 China", "University of Science and Technology of China"),
    ("Department of Chemistry, University of Pittsburgh Pittsburgh PA 15260 USA nrosi@pitt.edu.",
     "University of Pittsburgh"),
    ("School of Biological Sciences, University of Auckland 3A Symonds Street Auckland 1010 New Zealand.",
     "University of Auckland"),
    ("Institut für Physikalische und Theoretische Chemie, Universität Würzburg Am Hubland 97074 Würzburg Germany",
     "Universität Würzburg"),
    ("State Key Laboratory of Electroanalytical Chemistry, Changchun Institute of Applied Chemistry, Chinese Academy "
     "of Sciences Changchun Jilin 130022 China", "Chinese Academy of Sciences"),
    ("School of Chemistry, University of Nottingham University Park Nottingham NG7 2RD UK "
     "stephen.argent@nottingham.ac.uk.", "University of Nottingham"),
    # A name that starts with its city, the city repeated after it ("Xuzhou Medical University Xuzhou").
    ("Institute of Nervous System Diseases, Xuzhou Medical University Xuzhou, Jiangsu, China.",
     "Xuzhou Medical University"),
    ("Division of Colon & Rectal Surgery, Department of Surgery, Taipei Veterans General Hospital Taipei, Taiwan.",
     "Taipei Veterans General Hospital"),
    ("Department of Radiotherapy, University Medical Center Groningen, University of Groningen, Groningen, the "
     "Netherlands.", "University Medical Center Groningen"),  # a name that ends with its city keeps it
    # A campus stays ("College Park" is no part of an address), so do a unit's number and a year.
    ("Department of Chemistry and Biochemistry, University of Maryland College Park Maryland 20742 USA ogs@umd.edu.",
     "University of Maryland, College Park"),
    ("ATIP-Avenir group, Inserm Unit U981, Gustave Roussy, Villejuif, France.", "Inserm Unit U981"),
    ("Co-Chair of 2021 AAHA/AAFP Feline Life Stage Guidelines Task Force The Ohio State University",
     "Co-Chair of 2021 AAHA/AAFP Feline Life Stage Guidelines Task Force The Ohio State University"),
])
def test_an_address_run_into_the_institution_s_name_is_not_part_of_it(text: str, name: str) -> None:
    assert institution(text) == name


@pytest.mark.parametrize("text,name", [
    ("Department of Genetics, Institut Curie, and Paris Sciences Lettres Research University, 75005 Paris, France.",
     "Paris Sciences Lettres Research University"),  # tests/data
    ("Arthritis Research UK Pain Centre, NIHR Nottingham Biomedical Research Centre, and University of Nottingham, "
     "Nottingham, UK.", "University of Nottingham"),  # the bulk file
])
def test_an_institution_name_does_not_start_with_and(text: str, name: str) -> None:
    assert institution(text) == name


def test_no_institution_of_the_bulk_file_starts_with_a_conjunction() -> None:
    names = {institution(t) for t in _bulk_affiliations()}
    assert [n for n in names if n and re.match(r"(?i)(?:and|&)\s", n)] == []


@pytest.mark.parametrize("text,code", [
    # From the tester's report: Jersey, Perth WA, Pyongyang, the Virgin Islands, China's regions.
    ("Jersey Shore University Medical Center, Neptune", None),
    ("Jersey City Medical Center, Jersey City", "US"),
    ("Sir Charles Gairdner Hospital, Perth, WA", "AU"),
    ("Perth, WA 6009", "AU"),
    ("Kim Il Sung University, Pyongyang, DPR Korea", "KP"),
    ("Pyongyang, Korea (DPRK)", "KP"),
    ("Virgin Islands", None),
    ("U.S. Virgin Islands", "VI"),
    ("British Virgin Islands", "VG"),
    ("Macao SAR, China", "MO"),
    ("Taipei, Taiwan, China", "TW"),
    # tests/data
    ("Forest Research Institute (an affiliate of Actavis, Inc.), Jersey City, NJ, USA.", "US"),
    ("School of Biological Sciences, University of Hong Kong, Hong Kong Special Administrative Region, People's "
     "Republic of China", "HK"),
    # the bulk file
    ("Curtin University, Perth, WA.", "AU"),
    ("Menzies School of Health Research, Darwin, NT.", "AU"),
    ("Department of Urology, University of Washington, Seattle, WA.", "US"),
    ("Department of Biomedical Engineering, City University of Hong Kong, Hong Kong, China.", "HK"),
    ("Cancer Centre, Faculty of Health Sciences, University of Macau, Taipa, Macau SAR, China.", "MO"),
    ("Shenzhen Key Laboratory of Steroid Drug Discovery and Development, School of Life and Health Sciences, "
     "The Chinese University of Hong Kong, Shenzhen 518172, China", "CN"),  # its campus in mainland China
    ("Boston Medical Center, Boston, Mass.", "US"),  # AP style, as a whole last segment only
    ("Aimmune Therapeutics, Brisbane, Calif.", "US"),
    ("Department of Neonatology, University Hospitals Plymouth, Plymouth, Großbritannien.", "GB"),
    ("Behavioral and Epidemiology Research Group, American Cancer Society, Atlanta, Georgia.", "US"),
    ("Center for Applied Genetic Technologies, University of Georgia, Athens, Georgia 30602.", "US"),
    ("Department of Psychology, Georgia State University", None),
    ("Engineering Physics Department, Georgian Technical University, Tbilisi, Georgia.", "GE"),
    ("Department of Medicine (Feig), University of Toronto, Toronto, Ont.", "CA"),
])
def test_country_of_places_named_like_others(text: str, code: str | None) -> None:
    assert country(text) == code


def test_hong_kong_followed_by_china_is_hong_kong_in_the_bulk_file() -> None:
    texts = [t for t in _bulk_affiliations()
             if re.search(r"Hong Kong(?: SAR)?, (?:P\. ?R\. |PR |People's Republic of )?China\.?$", t)]
    assert len(texts) > 100
    assert [t for t in texts if country(t) != "HK"] == []


def test_a_country_code_of_three_capitals_ending_the_text_is_its_country_in_the_bulk_file() -> None:
    # Cureus writes "Internal Medicine, Baqai Medical University, Karachi, PAK." (alpha-3 codes).
    codes = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    ending = {t: codes[m.group(1)] for t in _bulk_affiliations()
              if (m := re.search(r", ([A-Z]{3})\.?$", t)) and m.group(1) in codes and m.group(1) != "USA"}
    assert len(ending) > 100 and {"PK", "IN", "SA", "TR", "GR"} <= set(ending.values())
    assert [t for t, code in ending.items() if country(t) != code] == []


def test_an_organisation_identifier_of_a_text_naming_two_organisations_is_given_to_neither() -> None:
    # PMID 34094498: "Gösta Ekman Laboratory, ..., Stockholm University, ...; Division of Psychology,
    # ..., Karolinska Institutet, ..." with one RINGGOLD 7675. Given to both parts, it made them one
    # node with two names, and the institution network lost Stockholm University.
    record = bulk_record("34094498")
    split = [a for a in record.authors if len(a.affiliations) == 2]
    alone = [a for a in record.authors if len(a.affiliations) == 1]
    assert split and alone
    assert all(aff.identifiers == [] for a in split for aff in a.affiliations)
    assert all(aff.identifiers == [("RINGGOLD", "7675")] for a in alone for aff in a.affiliations)
    mapped = MAPPER.map(record)
    names: dict[str, set[str]] = {}
    for t in mapped.entities:
        if t.startswith(f"<{IRIS.base}org/") and f" <{FOAF}name> " in t:
            names.setdefault(t.split(" ", 1)[0], set()).add(t.split(f"<{FOAF}name> ", 1)[1])
    assert all(len(n) == 1 for n in names.values())  # no organisation with two names
    assert any("Karolinska Institutet" in n for ns in names.values() for n in ns)
    assert any("Stockholm University" in n for ns in names.values() for n in ns)


def test_one_organisation_gets_one_iri_whichever_order_pubmed_lists_its_isni_and_grid() -> None:
    # UCLA: PMID 34092902 lists GRID then ISNI "0000 0000 9632 6718"; PMID 31969988 ISNI then GRID.
    # The IRI was the first id listed, so the bulk file had UCLA as org/grid/... and as org/isni/....
    ucla = IRIS.organization_by_id("isni", "0000000096326718")
    isni, grid = IRIS.identifier("isni", "0000000096326718"), IRIS.identifier("grid", "grid.19006.3e")
    for pmid, text in [("34092902", "UCLA, Los Angeles, USA"),
                       ("31969988", "Department of Microbiology, Immunology and Molecular Genetics, UCLA, "
                                    "Los Angeles, CA 90095-7364 USA")]:
        mapped = MAPPER.map(bulk_record(pmid))
        assert lit(text) in _objects(mapped, ucla, FOAF + "name", shared=True), pmid
        assert sorted(_objects(mapped, ucla, DATACITE + "hasIdentifier", shared=True)) == sorted([iri(isni), iri(grid)])
        assert _objects(mapped, isni, DATACITE + "usesIdentifierScheme", shared=True) == [iri(DATACITE + "isni")]
        assert _objects(mapped, isni, LITERAL + "hasLiteralValue", shared=True) == [lit("0000000096326718")]
        assert _objects(mapped, grid, LITERAL + "hasLiteralValue", shared=True) == [lit("grid.19006.3e")]
        assert not [t for t in mapped.entities if t.startswith(f"<{IRIS.base}org/grid/")]


def test_a_ringgold_id_is_an_identifier_of_the_organisation_but_not_its_iri() -> None:
    # PMID 34093728: "University Hospitals Bristol NHS Foundation Trust, Bristol, UK." with RINGGOLD 1984
    # and no other id. MAPPING.md makes IRIs from ROR, GRID and ISNI ids only.
    mapped = MAPPER.map(bulk_record("34093728"))
    text = "University Hospitals Bristol NHS Foundation Trust, Bristol, UK"  # as cleaned
    bristol = IRIS.organization(text)
    ringgold = IRIS.identifier("ringgold", "1984")
    assert _objects(mapped, bristol, FOAF + "name", shared=True) == [lit(text)]
    assert _objects(mapped, bristol, DATACITE + "hasIdentifier", shared=True) == [iri(ringgold)]
    assert _objects(mapped, ringgold, DATACITE + "usesIdentifierScheme", shared=True) == [iri(KGV + "ringgold")]
    assert _objects(mapped, ringgold, LITERAL + "hasLiteralValue", shared=True) == [lit("1984")]
    vocab = rdflib.Graph().parse(shipped("ontology") / "kgv.ttl", format="turtle")
    scheme = rdflib.URIRef(KGV + "ringgold")
    assert (scheme, rdflib.RDF.type, rdflib.URIRef(DATACITE + "OrganizationIdentifierScheme")) in vocab
    assert vocab.value(scheme, rdflib.RDFS.label) and vocab.value(scheme, rdflib.RDFS.comment)


def test_a_grid_identified_organisation_uses_kg_s_own_grid_scheme() -> None:
    # PubMed XML gives GRID ids (<Identifier Source="GRID">grid.5842.b</Identifier>); the DataCite
    # ontology names ROR and ISNI but no GRID scheme, so kgv.ttl declares one.
    record = Record(pmid="1", title="A title.")
    record.authors.append(Author(family="Luo", given="Yang",
                                 affiliations=[Affiliation("Université Paris-Saclay, Orsay, France.",
                                                           [("GRID", "grid.5842.b")])]))
    mapped = MAPPER.map(record)
    ident = IRIS.identifier("grid", "grid.5842.b")
    assert _objects(mapped, IRIS.organization_by_id("grid", "grid.5842.b"), DATACITE + "hasIdentifier",
                    shared=True) == [iri(ident)]
    assert _objects(mapped, ident, DATACITE + "usesIdentifierScheme", shared=True) == [iri(KGV + "grid")]
    vocab = rdflib.Graph().parse(shipped("ontology") / "kgv.ttl", format="turtle")
    grid = rdflib.URIRef(KGV + "grid")
    assert (grid, rdflib.RDF.type, rdflib.URIRef(DATACITE + "OrganizationIdentifierScheme")) in vocab
    assert vocab.value(grid, rdflib.RDFS.label) and vocab.value(grid, rdflib.RDFS.comment)
