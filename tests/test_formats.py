"""The same records from MEDLINE text, its flattened form and PubMed XML; field edge cases;
export profiles written to files."""

from __future__ import annotations

import dataclasses
import gzip
import io
from pathlib import Path

import pytest
from helpers import DATA, SEED, differences

from kg.profiles import export_profile
from kg.records import Record
from kg.selection import SelectionError
from kg.sources import parse_medline, read_file, split_flattened
from kg.sources.dates import parse_pub_date
from kg.store import KnowledgeGraph


def _records(path: Path) -> list[Record]:
    return [r for r in read_file(str(path)) if isinstance(r, Record)]


# ---------------------------------------------------------------- text and XML agree


def test_the_seven_paired_records_agree_field_by_field() -> None:
    text = {r.pmid: r for r in _records(DATA / "medline/pair-7records.txt")}
    xml = {r.pmid: r for r in _records(DATA / "xml/pair-7records.xml")}
    assert text.keys() == xml.keys() and len(text) == 7
    for pmid in text:
        diff = differences(text[pmid], xml[pmid])
        # This text export was made by a PubMed that transliterated non-ASCII characters
        # ("γ" -> "gamma", "©" -> "(c)", "⩾" dropped); the wording is otherwise identical.
        for field in ("abstract", "copyright"):
            if field in diff:
                a, b = diff.pop(field)
                assert _as_exported(a) == _as_exported(b), (pmid, field)
        assert diff == {}, pmid


def _as_exported(text: str) -> str:
    ascii_text = text.replace("©", "(c)").replace("γ", "gamma").encode("ascii", "ignore").decode()
    return " ".join(ascii_text.split())


def test_paired_records_carry_the_fields_in_both_formats() -> None:
    text = {r.pmid: r for r in _records(DATA / "medline/pair-7records.txt")}
    rec = text["30038950"]
    assert [a.label for a in rec.authors] == ["Dong, XinQi", "Jiang, Jialing"]
    assert rec.pub_date.raw == "2018 Jan-Dec" and rec.pub_date.end_month == 12
    assert rec.elocation_ids == [("doi", "10.1177/2333721418778199")]
    assert rec.abstract_text.startswith("Objective: To examine U.S. Chinese older women")


# ---------------------------------------------------------------- the flattened layout


def _raw_records(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return [block for block in text.split("\n\n") if block.strip()]


def _comparable(r: Record) -> Record:
    return dataclasses.replace(r, source=None, warnings=[])


@pytest.mark.parametrize("path", sorted((DATA / "medline").iterdir()), ids=lambda p: p.name)
def test_flattening_every_record_and_parsing_it_again_gives_the_same_records(path: Path) -> None:
    normal = [_comparable(r) for r in _records(path)]
    flat_text = "\n".join(" ".join(block.split()) for block in _raw_records(path))
    flat = [_comparable(r) for r in parse_medline(io.StringIO(flat_text), "flat") if isinstance(r, Record)]
    assert len(flat) == len(normal)
    for a, b in zip(normal, flat):
        assert a == b, a.pmid


def test_the_seed_is_a_flattened_record_equal_to_its_unflattened_form() -> None:
    [flat] = _records(SEED)
    line = SEED.read_text().strip()
    pairs = split_flattened(line)
    unflattened = "\n".join(f"{tag:<4}- {value}" for tag, value in pairs)
    [normal] = [r for r in parse_medline(io.StringIO(unflattened), "x") if isinstance(r, Record)]
    assert _comparable(flat) == _comparable(normal)
    assert [t for t, _ in pairs].count("FAU") == 7


@pytest.mark.parametrize("phrase", [
    "patients with AD - a cohort", "the PT - 2012 group", "LA - eng speakers", "TI - a trial", "AU - x",
    "MH - terms", "DP - 2012", "CN - the network", "95% CI - but wider", "IS - 1234-5678",
])
def test_prose_with_a_tag_like_token_is_not_split(phrase: str) -> None:
    seed = SEED.read_text().strip()
    text = seed.replace("In this study, we reported", f"In this study of {phrase}, we reported")
    [rec] = [r for r in parse_medline(io.StringIO(text), "x") if isinstance(r, Record)]
    [base] = _records(SEED)
    assert phrase in rec.abstract_text
    assert _comparable(dataclasses.replace(rec, abstract=base.abstract)) == _comparable(base)


@pytest.mark.parametrize("phrase", ["Signal was 5 AU - arbitrary units - in controls.",
                                    "The risk was higher (OR 1.5, 95% CI - 1.2-1.9).",
                                    "CI - 95% confidence interval."])
def test_a_tag_like_token_at_the_end_of_an_abstract_stays_in_it(phrase: str) -> None:
    # PMID 31771968 has a copyright line (CI) after its abstract, then its authors: where a
    # spurious "AU -" or "CI -" would most easily pass for a field.
    [block] = [b for b in _raw_records(DATA / "medline/blachlylab.nbib") if "PMID- 31771968" in b]
    text = block.replace("\nCI  - ", f" {phrase}\nCI  - ", 1)
    [normal] = [r for r in parse_medline(io.StringIO(text), "x") if isinstance(r, Record)]
    [flat] = [r for r in parse_medline(io.StringIO(" ".join(text.split())), "x") if isinstance(r, Record)]
    assert normal.abstract_text.endswith(phrase)
    assert normal.copyright == "©2019 American Association for Cancer Research."
    assert _comparable(flat) == _comparable(normal)


# A real record's flattened fields around a field that holds a tag-like token: the title of
# the seed record, and its abstract.
@pytest.mark.parametrize("field, prose", [
    ("title", "Transfusion of group AB - plasma in trauma."),  # the AB stays in the title, the real PG stays PG
    ("title", "Role of PG - E2 in inflammation."),
    ("title", "Guidelines of the CN - Chinese Neurosurgical Society."),  # no collective author made up
    ("abstract", "Insulin reduced FAU - fatty acid uptake - by 20%."),
    ("abstract", "Lesions of the CN - cranial nerves."),
    ("abstract", "The odds ratio was 2.1 (95% CI - lower bound 1.2, upper bound 3.4)."),
    ("abstract", " ".join(f"In cohort {i} the AD - patients improved." for i in range(12))),  # more than a window
])
def test_a_title_or_abstract_ending_in_prose_after_a_tag_like_token_stays_whole(field: str, prose: str) -> None:
    [base] = _records(SEED)
    seed = SEED.read_text().strip()
    tag, value, after = ("TI", base.title, "PG") if field == "title" else ("AB", base.abstract_text, "FAU")
    assert f"{tag} - {value} {after} -" in seed
    text = seed.replace(f"{tag} - {value} {after} -", f"{tag} - {prose} {after} -")
    [rec] = [r for r in parse_medline(io.StringIO(text), "x") if isinstance(r, Record)]
    assert (rec.title if field == "title" else rec.abstract_text) == prose
    changed = {"title": prose} if field == "title" else {"abstract": rec.abstract}
    assert _comparable(dataclasses.replace(base, **changed)) == _comparable(rec)


def test_a_flattened_record_starting_pmid_without_a_space_is_read() -> None:
    seed = SEED.read_text().strip()
    [rec] = parse_medline(io.StringIO(seed.replace("PMID- 24649313", "PMID-24649313", 1)), "x")
    assert _comparable(rec) == _comparable(_records(SEED)[0])


def test_text_after_a_pmid_in_the_usual_layout_is_not_read_as_a_flattened_record() -> None:
    text = (DATA / "medline/pair-7records.txt").read_text(encoding="utf-8")
    first = text.split("\n\n")[0].strip() + "\n"
    [rec] = parse_medline(io.StringIO(first.replace("\n", " extra\n", 1)), "x")
    [base] = parse_medline(io.StringIO(first), "x")
    assert rec.warnings == ["line 1: text after the PMID ignored: 'extra'"]
    assert _comparable(dataclasses.replace(rec, warnings=[])) == _comparable(base)


def test_records_pasted_with_a_margin_are_read_and_lines_after_the_last_record_are_warned_of() -> None:
    text = (DATA / "medline/pair-7records.txt").read_text(encoding="utf-8")
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    indented = "\n".join("  " + line for line in blocks[1].splitlines())  # continuation lines now 8 spaces
    flat_indented = " " + " ".join(blocks[2].split())
    got = list(parse_medline(io.StringIO(f"{blocks[0]}\n\n{indented}\n\n{flat_indented}\nSearch results\n"), "x"))
    want = list(parse_medline(io.StringIO("\n\n".join(blocks[:3])), "x"))
    assert [_comparable(r) for r in got[:2]] == [_comparable(r) for r in want[:2]]
    assert got[2].pmid == want[2].pmid and got[2].title == want[2].title
    line = len(blocks[0].splitlines()) + len(blocks[1].splitlines()) + 4  # after two blank lines and the flat one
    assert got[2].warnings == [f"line {line}: not a MEDLINE field line, ignored: 'Search results'"]


def test_et_al_in_an_author_list_names_no_one() -> None:
    # narchd.txt: "AU  - et al." after the tenth author of three records.
    ends = {r.pmid: (len(r.authors), r.authors[-1].family) for r in _records(DATA / "medline/narchd.txt")
            if r.pmid in ("7898110", "8563347", "7949962")}
    assert ends == {"7898110": (10, "Menck"), "8563347": (10, "Bretaigne"), "7949962": (10, "Vogler")}


# ---------------------------------------------------------------- edge cases of ../shared/data/README.md


def _find(path: str, pmid: str) -> Record:
    return next(r for r in _records(DATA / path) if r.pmid == pmid)


def test_continuation_lines_are_joined() -> None:
    rec = _find("medline/pair-7records.txt", "30038950")
    assert rec.title == ("Association Between Cancer and Utilization of Traditional Chinese Medicine in U.S. "
                         "Chinese Women: Findings From the PINE Study.")
    ortho = _find("medline/metaknowledge.medline", "26400998")
    assert ortho.journal.title == ("Clinical infectious diseases : an official publication of the Infectious "
                                   "Diseases Society of America")


def test_upper_case_language_codes_are_normalised() -> None:
    codes = {lang for r in _records(DATA / "medline/narchd.txt") for lang in r.languages}
    assert "eng" in codes and all(c == c.lower() for c in codes)


def test_translated_title_and_vernacular_title() -> None:
    rec = _find("medline/metaknowledge.medline", "26014477")
    assert rec.title.startswith("[Aging Brain Care Program from Indianapolis : Transferability to the German")
    assert rec.vernacular_title.startswith('"Aging Brain Care Program" aus Indianapolis')
    assert rec.languages == ["ger"]


def test_orcids_as_bare_ids_and_urls_and_malformed_ones() -> None:
    recs = _records(DATA / "medline/blachlylab.nbib")
    orcids = [a.orcid for r in recs for a in r.authors if a.orcid]
    assert len(orcids) > 20 and all(len(o) == 19 and o.count("-") == 3 for o in orcids)
    bad = _find("medline/blachlylab.nbib", "33014332")
    assert [a.orcid_raw for a in bad.authors if a.orcid_raw] == ["0000-0002-4968-0712"]
    pair = _find("medline/pair-7records.txt", "30037276")  # "ORCID: https://orcid.org/..."
    assert [(a.label, a.orcid) for a in pair.authors if a.orcid] == [("Liu, Cun-Zhi", "0000-0001-8031-5667")]


def test_several_affiliations_per_author_attach_to_the_right_author() -> None:
    rec = _find("xml/efetch-single/30386702.xml", "30386702")
    assert [a.label for a in rec.authors if a.equal_contrib] == ["Liu, Mingdian", "Wang, Dengqiang"]
    text = _find("medline/blachlylab.nbib", "30501481")
    assert max(len(a.affiliations) for a in text.authors) > 2


def test_collective_authors_and_investigators() -> None:
    rec = _find("medline/metaknowledge.medline", "26400998")
    assert rec.authors[-1].collective == "Canadian Co-infection Cohort Study"
    assert len(rec.investigators) == 21
    assert rec.investigators[0].label == "Cohen, Jeff" and rec.investigators[0].initials == "J"


def test_grants_with_slashes_in_the_id() -> None:
    rec = _find("medline/narchd.txt", "25831125")
    assert ("097821/Z/11/A", "Wellcome Trust", "United Kingdom") in [
        (g.grant_id, g.agency, g.country) for g in rec.grants]
    xml = _find("xml/pair-7records.xml", "30034368")
    text = _find("medline/pair-7records.txt", "30034368")
    assert xml.grants == text.grants


def test_intramural_grant_acronyms() -> None:
    # pybibx.txt: "GR  - EPA999999/ImEPA/Intramural EPA/United States"; NLM also writes ImNIH, ImCDC, ImNASA.
    rec = _find("medline/pybibx.txt", "29750840")
    assert [(g.grant_id, g.acronym, g.agency) for g in rec.grants] == [("EPA999999", "ImEPA", "Intramural EPA")]


def test_a_substance_name_without_a_registry_number_is_a_supplementary_concept() -> None:
    # "RN  - IFL protocol": the XML of the same record has it as a SupplMeshName.
    text = _find("medline/ortho-search.nbib", "22202258")
    xml = _find("xml/ortho-search.xml", "22202258")
    assert [c.name for c in text.supplementary_concepts] == [c.name for c in xml.supplementary_concepts] == [
        "IFL protocol"]
    assert [(c.name, c.registry_number) for c in text.chemicals] == [
        (c.name, c.registry_number) for c in xml.chemicals]


def test_location_ids_with_and_without_type() -> None:
    rec = _find("xml/ortho-search.xml", "28827296")
    assert rec.pages is None
    assert rec.elocation_ids == [("pii", "bcr-2016-219135"), ("doi", "10.1136/bcr-2016-219135")]
    untyped = next(r for r in _records(DATA / "medline/pybibx.txt") if ("pii", "e0008852") in r.elocation_ids)
    assert untyped.pmid


def test_mesh_major_markers_and_qualifier_chains() -> None:
    rec = _find("medline/narchd.txt", "25710558")
    heading = next(m for m in rec.mesh_headings if m.descriptor == "Electronic Health Records")
    assert (heading.major, [(q.name, q.major) for q in heading.qualifiers]) == (False, [("utilization", True)])
    assert heading.is_major
    data_display = next(m for m in rec.mesh_headings if m.descriptor == "Data Display")
    assert data_display.major and data_display.qualifiers == []


@pytest.mark.parametrize("raw,start,end,season", [
    ("2019 Jan/Mar", "2019-01", (2019, 3), None),
    ("2018 Jul - Sep", "2018-07", (2018, 9), None),
    ("2015 Autumn", "2015", (None, None), "Autumn"),
    ("2004-2005", "2004", (2005, None), None),
    ("1979 Nov-1980 May", "1979-11", (1980, 5), None),
    ("1965 Dec-Jan", "1965-12", (1966, 1), None),
    ("2021 3rd Quarter", "2021", (None, None), None),
    ("2014 Jan 9", "2014-01-09", (None, None), None),
])
def test_publication_date_notations(raw: str, start: str, end: tuple, season: str | None) -> None:
    d = parse_pub_date(raw)
    assert (d.iso, (d.end_year, d.end_month), d.season, d.raw) == (start, end, season, raw)


def test_dates_in_real_records() -> None:
    assert _find("medline/pybibx.txt", "30586119").pub_date.raw == "2019 Jan/Mar"
    assert _find("medline/pybibx.txt", "26663307").pub_date.season == "Autumn"
    assert _find("medline/narchd.txt", "18630419").pub_date.end_year == 2005
    quarter = next(r for r in read_file(str(DATA / "bulk/pubmed21n1298.xml.gz"))
                   if isinstance(r, Record) and r.pmid == "34092911")
    assert (quarter.pub_date.raw, quarter.pub_date.year) == ("2021 3rd Quarter", 2021)


def test_inline_markup_and_mathml_become_plain_text() -> None:
    italics = _records(DATA / "malformed/MedlineImporterTestArticleItalics.xml")[0]
    assert italics.title == "Genome-wide significant risk factors on chromosome 19 and the APOE locus."
    assert italics.abstract_text.startswith("The apolipoprotein E ( APOE) gene on chromosome 19q13.32")
    mathml = _records(DATA / "malformed/MedlineImporterTestMathML.xml")[0]
    assert "mml:" not in mathml.abstract_text and "<mml" not in mathml.abstract_text


def test_structured_abstracts_keep_labels_and_categories() -> None:
    rec = _find("xml/ortho-search.xml", "30514039")
    assert [(s.label, s.category) for s in rec.abstract] == [
        ("OBJECTIVE", "OBJECTIVE"), ("METHODS", "METHODS"), ("RESULTS", "RESULTS"), ("CONCLUSIONS", "CONCLUSIONS")]
    assert rec.abstract_text.startswith("OBJECTIVE: ")


def test_authors_with_only_a_last_name_and_invalid_names() -> None:
    rec = _find("medline/narchd.txt", "23289349")
    assert ("PengWen", None) in [(a.family, a.given) for a in rec.authors]
    invalid = _find("xml/ortho-search.xml", "19133053")
    assert [a.label for a in invalid.authors if not a.valid] == ["Kornman, Tony"]


def test_comments_and_corrections_by_kind_and_pmid() -> None:
    rec = _find("medline/blachlylab.nbib", "30501481")
    assert rec.comments_corrections[0].kind == "CommentIn"
    assert rec.comments_corrections[0].pmid == "31018078"


def test_books_with_editors_publisher_and_isbn() -> None:
    book = _find("xml/eutils-samples/efetch.pubmedbook.xml", "20301295")
    assert book.book.title == "GeneReviews™"
    assert [e.label for e in book.book.editors][:3] == ["Pagon, Roberta A", "Bird, Thomas D", "Dolan, Cynthia R"]
    text_book = _find("medline/pybibx.txt", "30329254")
    assert text_book.book.publisher == "NIHR Journals Library"
    assert text_book.book.collection_title == "Public Health Research"
    assert text_book.book.title.startswith("The impact of home energy efficiency interventions")
    # Its "PL  - Southampton (UK)" is where the publisher is: no journal is made of it.
    assert (text_book.book.publisher_location, text_book.journal) == ("Southampton (UK)", None)


def test_old_2006_format_puts_the_affiliation_on_the_first_author() -> None:
    recs = _records(DATA / "xml/medsamp2006.xml")
    with_aff = [r for r in recs if any(a.affiliations for a in r.authors)]
    assert with_aff and all(r.authors[0].affiliations for r in with_aff)


# ---------------------------------------------------------------- export profiles written to a path


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stores") / "seed"
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest(SEED)
    return path


def _profile(store: Path, profile: str) -> bytes:
    out = io.BytesIO()
    with KnowledgeGraph.open(store) as kg:
        assert export_profile(kg, profile, out) == 1
    return out.getvalue()


def test_a_profile_is_written_to_a_path_as_to_a_stream(seed_store: Path, tmp_path: Path) -> None:
    with KnowledgeGraph.open(seed_store) as kg:
        assert export_profile(kg, "bibtex", str(tmp_path / "refs.bib")) == 1
        assert export_profile(kg, "ris", tmp_path / "refs.ris") == 1
    bib = (tmp_path / "refs.bib").read_bytes()
    assert bib == _profile(seed_store, "bibtex")
    assert bib.startswith(b"@article{pmid24649313,\n  author = {{Luo}, Yang and {Shi}, Yuankai and {Xing}, Puyuan")
    assert b"\n  pages = {87--92},\n  doi = {10.3892/mco.2013.199},\n  pmid = {24649313},\n" in bib
    assert bib.endswith(b",\n  month = jan\n}\n\n")
    assert (tmp_path / "refs.ris").read_bytes() == _profile(seed_store, "ris")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib", "refs.ris"]  # no temporary file left


def test_a_profile_written_to_a_gz_path_is_compressed(seed_store: Path, tmp_path: Path) -> None:
    with KnowledgeGraph.open(seed_store) as kg:
        assert export_profile(kg, "csl-json", tmp_path / "refs.json.gz") == 1
    assert gzip.decompress((tmp_path / "refs.json.gz").read_bytes()) == _profile(seed_store, "csl-json")


def test_a_profile_that_fails_leaves_the_file_at_the_path_as_it_was(seed_store: Path, tmp_path: Path) -> None:
    kept = tmp_path / "refs.bib"
    kept.write_bytes(b"@misc{mine}\n")
    with KnowledgeGraph.open(seed_store) as kg:
        with pytest.raises(SelectionError, match="^the query must be a SELECT whose first variable gives articles$"):
            export_profile(kg, "bibtex", kept, "ASK { ?s ?p ?o }")
        with pytest.raises(ValueError, match="^unknown profile 'bib': choose one of bibo, schema, csl-json, bibtex"):
            export_profile(kg, "bib", tmp_path / "new.bib")
    assert kept.read_bytes() == b"@misc{mine}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]
