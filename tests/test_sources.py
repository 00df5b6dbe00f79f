"""Reading every input format into records: counts, the seed record, errors."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import io
import pickle
import re
import subprocess
import sys
import traceback
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from helpers import DATA, SEED, bulk_record

from kg.ingest import _PickleStream
from kg.records import Affiliation, Author, Deletion, ParseError, Record
from kg.sources import expand_paths, parse_medline, read_file, read_records, sniff
from kg.sources.text import tidy_affiliations
from kg.store import KnowledgeGraph

# Record counts from tests/data/README.md (PMID- lines, PubmedArticle/PubmedBookArticle elements).
COUNTS = {
    "seed/000_45c4907e053debe3.txt": 1,
    "medline/narchd.txt": 473,
    "medline/pybibx.txt": 335,
    "medline/pybibx-mcda.txt": 10,
    "medline/metaknowledge.medline": 175,
    "medline/blachlylab.nbib": 75,
    "medline/ortho-search.nbib": 200,
    "medline/pair-7records.txt": 7,
    "xml/pair-7records.xml": 7,
    "xml/pubmedportable-pancreatic.xml": 100,
    "xml/pubmr.xml": 93,
    "xml/ortho-search.xml": 292,
    "xml/ortho-replication.xml": 4,
    "xml/medsamp2006.xml": 88,
    "xml/efetch-single": 164,
    "xml/eutils-samples": 5,
    "xml/scipamato": 12,
}


def _items(path: Path) -> list:
    return list(read_records([path]))


@pytest.mark.parametrize("name,expected", sorted(COUNTS.items()))
def test_every_good_file_reads_with_the_exact_count_and_no_error(name: str, expected: int) -> None:
    items = _items(DATA / name)
    errors = [str(i) for i in items if isinstance(i, ParseError)]
    assert errors == []
    assert sum(isinstance(i, Record) for i in items) == expected


def test_every_data_file_is_covered_by_the_counts() -> None:
    files = {str(p.relative_to(DATA)) for d in ("seed", "medline", "xml") for p in (DATA / d).rglob("*") if p.is_file()}
    covered = {f for f in files if any(f == k or f.startswith(k + "/") for k in COUNTS)}
    assert covered == files


def test_empty_efetch_result_is_zero_records_and_no_error() -> None:
    assert _items(DATA / "xml/efetch-single/37909814.xml") == []


def test_the_seed_record() -> None:
    [rec] = _items(SEED)
    assert rec.pmid == "24649313"
    assert rec.title == (
        "Sorafenib in metastatic radioactive iodine-refractory differentiated thyroid cancer: A pilot study."
    )
    assert [a.label for a in rec.authors] == [
        "Luo, Yang", "Shi, Yuankai", "Xing, Puyuan", "Wang, Lin", "Feng, Yun", "Han, Xiaohong", "He, Xiaohui",
    ]
    for author in rec.authors:
        assert [a.name for a in author.affiliations] == [
            "Department of Medical Oncology, Cancer Institute/Hospital, Chinese Academy of Medical Sciences and "
            "Peking Union Medical College, Beijing 100021, P.R. China",
            "Beijing Key Laboratory of Clinical Study on Anticancer Molecular Target Drugs, Beijing 100021, "
            "P.R. China.",
        ]
    assert rec.journal.title == "Molecular and clinical oncology"
    assert (rec.journal.issn_print, rec.journal.issn_electronic, rec.journal.issn_linking) == (
        "2049-9450", "2049-9469", "2049-9450")
    assert (rec.volume, rec.issue, rec.pages) == ("2", "1", "87-92")
    assert rec.doi == "10.3892/mco.2013.199"
    assert rec.pmcid == "PMC3916210"
    assert [k.text for k in rec.keywords] == [
        "Chinese", "differentiated thyroid cancer", "radioactive iodine-refractory", "sorafenib"]
    assert (rec.pub_date.year, rec.pub_date.month, rec.pub_date.raw) == (2014, 1, "2014 Jan")
    assert rec.languages == ["eng"]
    assert rec.history_dates["received"].isoformat() == "2013-06-02T00:00:00"
    assert rec.warnings == []


def test_formats_are_sniffed_from_content_not_names(tmp_path: Path) -> None:
    disguised = tmp_path / "records.dat"
    disguised.write_bytes((DATA / "xml/pair-7records.xml").read_bytes())
    assert sum(isinstance(i, Record) for i in read_file(str(disguised))) == 7
    assert sniff(b"\xef\xbb\xbf\n\nPMID- 1\n") == "medline"
    assert sniff(b"<html><body>") == "unsupported"


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    packed = tmp_path / "pair.txt.gz"
    packed.write_bytes(gzip.compress((DATA / "medline/pair-7records.txt").read_bytes()))
    plain = DATA / "medline/pair-7records.txt"
    assert [r.pmid for r in read_file(str(packed))] == [r.pmid for r in read_file(str(plain))]


def test_standard_input_is_read() -> None:
    code = "from kg.sources import read_records; print(sum(1 for _ in read_records(['-'])))"
    out = subprocess.run([sys.executable, "-c", code], input=(DATA / "medline/pair-7records.txt").read_bytes(),
                         capture_output=True, check=True)
    assert out.stdout.strip() == b"7"


def test_several_files_and_directories_in_one_call() -> None:
    items = list(read_records([SEED, DATA / "xml/scipamato", DATA / "medline/pair-7records.txt"]))
    assert sum(isinstance(i, Record) for i in items) == 1 + 12 + 7


def test_directories_follow_links_once_and_leave_hidden_files_out(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden/pair.xml").write_bytes((DATA / "xml/pair-7records.xml").read_bytes())
    (tmp_path / "linked").symlink_to(SEED.parent)
    (tmp_path / "linked-again").symlink_to(tmp_path)  # a loop
    assert [p.removeprefix(str(tmp_path)) for p in expand_paths([tmp_path])] == ["/linked/000_45c4907e053debe3.txt"]


def test_initials_that_look_like_roman_numerals_are_initials_not_suffixes() -> None:
    people = {r.pmid: r.authors for r in read_records([DATA / "medline/pybibx.txt", DATA / "medline/ortho-search.nbib"])
              if isinstance(r, Record) and r.pmid in ("24635949", "29477394", "26386176")}
    found = [(a.family, a.given, a.initials, a.suffix) for authors in people.values() for a in authors
             if a.family in ("Diaby", "Pauly", "Balkan")]
    assert sorted(found) == [("Balkan", "Ilker Inanc", "II", None), ("Diaby", "Vakaramoko", "V", None),
                             ("Pauly", "Mark V", "MV", None)]


def test_update_files_yield_deletions() -> None:
    items = list(read_records([DATA / "bulk/pubmed21n1298.xml.gz"]))
    deletions = [i.pmid for i in items if isinstance(i, Deletion)]
    assert len(deletions) == 20 and deletions[0] == "31688362"
    assert sum(isinstance(i, Record) for i in items) == 20788
    versions = {i.pmid: i.pmid_version for i in items if isinstance(i, Record) and i.pmid_version > 1}
    assert versions == {"30271887": 4, "33728380": 2, "34017925": 2}


# ---------------------------------------------------------------- bad input


def test_each_malformed_file_gives_clear_errors_or_partial_results() -> None:
    for path in sorted((DATA / "malformed").iterdir()):
        items = list(read_file(str(path)))  # never raises
        for err in (i for i in items if isinstance(i, ParseError)):
            assert str(err).startswith(str(path)), err
            assert err.message


def test_malformed_medline_keeps_the_good_records_and_names_the_bad_lines() -> None:
    items = list(read_file(str(DATA / "malformed/MedlinePlainImporterTestMultipleEntries.txt")))
    records = [i for i in items if isinstance(i, Record)]
    errors = [i for i in items if isinstance(i, ParseError)]
    assert len(records) == 5 and len(errors) == 2
    assert [e.source.line for e in errors] == [55, 77]
    assert all("no PMID" in e.message for e in errors)
    bad_doi = next(r for r in records if r.pmid == "22664220")
    assert bad_doi.doi == "10.1016/j.cpr.2005.02.002"
    assert any("without a [type]" in w for w in bad_doi.warnings)


def test_stray_lines_become_warnings_not_corrupted_fields() -> None:
    items = list(read_file(str(DATA / "malformed/MedlinePlainImporterStringOutOfBounds.txt")))
    first, second = items
    assert first.pmid == "27433151" and first.title == "This is a test title"
    assert any("line 3" in w for w in first.warnings)
    assert second.title == "This is also a test title"


def test_truncated_xml_reports_the_line_and_keeps_what_came_before() -> None:
    [err] = list(read_file(str(DATA / "malformed/MedlineImporterTestMalformedEntry.xml")))
    assert isinstance(err, ParseError) and err.source.line == 4 and "not well-formed" in err.message
    [missing] = list(read_file(str(DATA / "malformed/MedlineImporterTestMinimalEntry.xml")))
    assert "no PMID" in missing.message and missing.source.line == 2


@pytest.mark.parametrize("source, end, size", [("xml/pubmr.xml", b"</PubmedArticle>", 20_000),
                                               ("xml/pubmr.xml", b"</PubmedArticle>", 100_000),
                                               ("medline/narchd.txt", b"\n\n", 20_000),
                                               ("medline/narchd.txt", b"\n\n", 200_000)])
def test_a_truncated_gzip_file_keeps_every_whole_record_before_the_cut(tmp_path: Path, source: str, end: bytes,
                                                                        size: int) -> None:
    cut = tmp_path / f"cut-{Path(source).name}.gz"
    cut.write_bytes(gzip.compress((DATA / source).read_bytes())[:size])
    readable = zlib.decompressobj(wbits=31).decompress(cut.read_bytes())  # what the cut file still holds
    items = list(read_file(str(cut)))
    records = [i for i in items if isinstance(i, Record)]
    assert len(records) == readable.count(end) and records  # none lost, and not the one cut in two
    assert items[-1] == ParseError(f"file is truncated or corrupt: reading stopped after {len(records)} whole "
                                   "records (Compressed file ended before the end-of-stream marker was reached)",
                                   items[-1].source)


def test_latin1_medline_text_is_read_as_windows_1252_and_said_so(tmp_path: Path) -> None:
    text = (DATA / "medline/pair-7records.txt").read_text(encoding="utf-8")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(text.replace("Traditional Chinese", "Traditional Chinése").encode("latin-1"))
    [rec] = [r for r in read_file(str(latin)) if isinstance(r, Record) and r.pmid == "30038950"]
    assert rec.title.startswith("Association Between Cancer and Utilization of Traditional Chinése Medicine")
    line = text.splitlines().index(next(x for x in text.splitlines() if "Traditional Chinese" in x)) + 1
    assert f"line {line}: not UTF-8; read as Windows-1252" in rec.warnings


def test_a_record_cut_mid_line_at_the_end_of_the_input_is_kept_with_a_warning() -> None:
    text = (DATA / "medline/pair-7records.txt").read_text(encoding="utf-8")
    cut = text[: text.index("AD  - ", text.index("PMID- 30037276")) + 30]
    *_, last = parse_medline(io.StringIO(cut), "cut.txt")
    assert last.pmid == "30037276"
    assert last.warnings[-1] == (f"line {cut.count(chr(10)) + 1}: the input ends in the middle of this line: "
                                 "the record may be cut off")


def test_unsupported_and_missing_files_give_one_message(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 binary")
    [err] = list(read_file(str(pdf)))
    assert "not a supported format" in err.message
    [missing] = list(read_file(str(tmp_path / "nope.txt")))
    assert "cannot read" in missing.message
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert list(read_file(str(empty))) == []


def test_xml_entities_are_never_expanded_or_fetched(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        '<!ENTITY ext SYSTEM "http://example.invalid/x">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>&c;&ext;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    [refused] = list(read_file(str(bomb)))
    assert isinstance(refused, ParseError) and "declares XML entities" in refused.message


@functools.cache
def _medline_records(name: str) -> dict[str, Record]:
    """The records of a tests/data/medline file by PMID, read once (the tests only look at them)."""
    return {r.pmid: r for r in read_records([DATA / "medline" / name]) if isinstance(r, Record)}


def test_characters_nlm_escaped_twice_are_read_as_characters() -> None:
    # PubMed XML: <VernacularTitle>Zvý&amp;#353;ení ... d&amp;#283;lo&amp;#382;ního hrdla.</VernacularTitle>
    assert bulk_record("33752403").vernacular_title == (
        "Zvýšení sérových hladin S100-A11 a AIF-1 u pacientek s dysplazií děložního hrdla.")
    assert bulk_record("31808390").title.startswith("Study on the Interaction of 1,5-diaryl Pyrrole Derivatives "
                                                    "with α- glucosidase; Synthesis")
    [metabolic] = bulk_record("32484109").authors[1].affiliations  # Alam
    assert metabolic.name.startswith("Metabolic & Structural Biology Department, CSIR-Central Institute")
    # "&amp;nbsp;" in a reference is a space like any other.
    assert "null mice. Cell 99:649" in " ".join(r.citation for r in bulk_record("33146808").references)
    # MEDLINE text: "AD  - Erasmus School of Health Policy &amp; Management, ..."
    assert _medline_records("pybibx.txt")["35623974"].authors[0].affiliations[0].name.startswith(
        "Erasmus School of Health Policy & Management, Erasmus University Rotterdam")
    assert [g.agency for g in _medline_records("blachlylab.nbib")["30679803"].grants if g.grant_id == "CA180861"] == [
        "U.S. Department of Health & Human Services | NIH | National Cancer Institute (NCI)"]
    # Three times: <Agency>... Agencia Estatal de Investigaci&amp;amp;#x00F3;n (Spanish ...)</Agency>
    assert {g.agency for g in bulk_record("34083609").grants if "Agencia" in (g.agency or "")} == {
        "Ministry of Economy and Competitiveness | Agencia Estatal de Investigación "
        "(Spanish Agencia Estatal de Investigación)"}
    # A character reference must end in ";": "AT&T" and "&notit;" are text.
    [record] = parse_medline(io.StringIO("PMID- 1\nTI  - AT&T, R&D; &notit; p &amp;lt; 0.05.\n"), "t.txt")
    assert record.title == "AT&T, R&D; &notit; p < 0.05."


def test_markup_escaped_with_the_text_is_taken_out() -> None:
    # <Keyword MajorTopicYN="N">&lt;italic&gt;Monilinia polystroma&lt;/italic&gt;</Keyword>
    assert "Monilinia polystroma" in [k.text for k in bulk_record("34096771").keywords]
    # Word's paragraphs: "... quality of life.&lt;o:p&gt;&lt;/o:p&gt;&lt;/p&gt; &lt;p&gt;The surgical ..."
    [abstract] = bulk_record("34091678").abstract
    assert "maximises patient comfort and quality of life. The surgical treatment options" in abstract.text
    assert "<" not in abstract.text
    # A reference: "Wnt/&lt;i&gt;β&lt;/i&gt;-catenin"; a comparison is no markup: "(197&lt;score ≤283)".
    assert any("pathway of Wnt/β-catenin and" in r.citation for r in bulk_record("34091845").references)
    [record] = parse_medline(io.StringIO("PMID- 1\nAB  - Median risk (197<score <=283), <b>bold</b>.\n"), "t.txt")
    assert record.abstract[0].text == "Median risk (197<score <=283), bold."


def test_a_grant_number_given_as_the_agency_is_put_back_in_place() -> None:
    # PMID 33469903: <GrantID>National Natural Science Foundation of China</GrantID><Agency>81800112</Agency>
    grants = [(g.grant_id, g.agency) for g in bulk_record("33469903").grants]
    assert ("81800112", "National Natural Science Foundation of China") in grants
    assert ("2019GSF108240", "Major Research Plan of Natural Science Foundation of Shandong Province") in grants
    assert len(grants) == 11 and not [a for _, a in grants if not re.search("[a-z]", a)]
    # Numbers beside names stay where the record has them.
    assert [(g.grant_id, g.agency) for g in _medline_records("blachlylab.nbib")["30679803"].grants][:1] == [
        ("CA180861", "U.S. Department of Health & Human Services | NIH | National Cancer Institute (NCI)")]


def test_footnote_numbers_glued_to_a_paper_s_affiliations_are_taken_off() -> None:
    # PubMed XML, PMID 31969988: "1Center for Integrative Imaging, ...", "2California NanoSystems ...".
    liu = bulk_record("31969988").authors[0]
    assert [f.name[:40] for f in liu.affiliations] == ["Center for Integrative Imaging, Hefei Na",
                                                       "California NanoSystems Institute, Univer",
                                                       "Department of Microbiology, Immunology a"]
    # MEDLINE text, PMID 30455602: "2ScHARR, ...", "3Faculty of Pharmacy, ...", "4School of Public
    # Health, ..." (the first author's affiliation has no number).
    medline = _medline_records("pybibx.txt")
    assert [f.name[:22] for a in medline["30455602"].authors for f in a.affiliations] == [
        "Patient Centred Resear", "ScHARR, University of ", "Faculty of Pharmacy, M", "School of Public Healt",
        "Center for Global Deve"]
    # A number followed by a space or ". ": MEDLINE text, PMID 25891836, "1 Department of Critical
    # Care Medicine, ...", ..., "7 Phoenix Children's ..."; PubMed XML, PMID 25897341, "1. Key
    # Laboratory of ...", "2. Qinglong High-Tech Co., Ltd, ...", and PMID 34091438, "1 Bioextra Zrt.,
    # Budapest.", "2 Semmelweis Egyetem, ...".
    kochanek = _medline_records("metaknowledge.medline")["25891836"].authors[0]
    assert kochanek.affiliations[0].name.startswith("Department of Critical Care Medicine, University of Pittsburgh")
    assert [f.name[:25] for a in bulk_record("25897341").authors[2:4] for f in a.affiliations] == [
        "Key Laboratory of Medicin", "Qinglong High-Tech Co., L"]
    assert [f.name[:22] for a in bulk_record("34091438").authors for f in a.affiliations] == [
        "Bioextra Zrt., Budapes", "Semmelweis Egyetem, Ál", "Semmelweis Egyetem, Ál"]
    # A name that starts with a number keeps it when the paper numbers no other affiliation.
    assert any(f.name.startswith("2IM Inteligencia Medica, Curitiba")
               for a in medline["29254537"].authors for f in a.affiliations)
    assert any(f.name == "3M Health Care, St. Paul, MN (M.M.C.)."
               for a in bulk_record("34092098").authors for f in a.affiliations)
    assert any(f.name.startswith("1 Field Ambulance, Canadian Forces Health Services")
               for a in bulk_record("34095067").authors for f in a.affiliations)
    # Street numbers larger than the paper's count of affiliations are no footnotes.
    record = Record(pmid="1", authors=[Author(affiliations=[Affiliation("84 Heukseok-ro, Seoul, Korea.")]),
                                       Author(affiliations=[Affiliation("90 Bergen Street, Newark, NJ, USA.")])])
    tidy_affiliations(record)
    assert [f.name for a in record.authors for f in a.affiliations] == [
        "84 Heukseok-ro, Seoul, Korea.", "90 Bergen Street, Newark, NJ, USA."]


def test_a_ringgold_number_glued_to_an_affiliation_is_taken_off() -> None:
    # PMID 34096357: <Affiliation>70401University of Calgary, Cumming School of Medicine, ...</Affiliation>
    assert bulk_record("34096357").authors[0].affiliations[0].name.startswith(
        "University of Calgary, Cumming School of Medicine, ")
    # PMID 34096333: "School of Nursing, 12330The University of Texas at Austin, Austin, TX, USA."; PMID
    # 33269972: "Department of Neurosurgery, 1104University of New Mexico, Albuquerque, NM, USA.".
    kwak, jamal = bulk_record("34096333").authors[:2]
    assert [f.name for a in (kwak, jamal) for f in a.affiliations] == [
        "School of Nursing, The University of Texas at Austin, Austin, TX, USA.",
        "The University of Texas at Austin, Austin, TX, USA."]
    assert bulk_record("33269972").authors[0].affiliations[0].name == (
        "Department of Neurosurgery, University of New Mexico, Albuquerque, NM, USA.")
    # Numbers that are part of a name or of an address stay.
    kept = ["1199SEIU Training and Employment Funds, New York, NY, USA.", "Universität Leipzig, Leipzig 01403Germany."]
    record = Record(pmid="1", authors=[Author(affiliations=[Affiliation(text) for text in kept])])
    tidy_affiliations(record)
    assert [f.name for f in record.authors[0].affiliations] == kept


def test_an_orcid_written_in_an_affiliation_is_the_author_s_orcid() -> None:
    # PMID 34086667: <Affiliation>Instituto de Investigación Nutricional, Lima, Perú. ORCID: 0000-0002-9100-8547.
    # </Affiliation>, and no Identifier element.
    aquino = bulk_record("34086667").authors[8]
    assert (aquino.family, aquino.orcid) == ("Aquino Ortega", "0000-0002-9100-8547")
    assert [f.name for f in aquino.affiliations] == ["Instituto de Investigación Nutricional, Lima, Perú."]
    # PMID 34086666: <Affiliation>ORCID: 0000-0002-5195-060X.</Affiliation> is no organisation.
    pizzorno = bulk_record("34086666").authors[7]
    assert (pizzorno.family, pizzorno.orcid, pizzorno.affiliations) == ("Pizzorno Santoro", "0000-0002-5195-060X", [])
    # PMID 32271232: "...; ORCID: https://orcid.org/0000-0001-8115-5490."
    sternszus = bulk_record("32271232").authors[0]
    assert sternszus.orcid == "0000-0001-8115-5490"
    assert [f.name for f in sternszus.affiliations] == [
        "R. Sternszus is assistant professor, Department of Pediatrics and Institute of Health Sciences Education, "
        "McGill University, Montreal, Quebec, Canada"]
    # An ORCID other than the author's own stays in the text; a malformed one too.
    record = Record(pmid="1", authors=[
        Author(family="Luo", orcid="0000-0002-1825-0097",
               affiliations=[Affiliation("Univ B, Beijing, China. ORCID: 0000-0001-5109-3700.")]),
        Author(family="Shi", affiliations=[Affiliation("Univ B, Beijing, China. ORCID: 0000-0001-5109-3701.")])])
    tidy_affiliations(record)
    assert [(a.orcid, [f.name for f in a.affiliations]) for a in record.authors] == [
        ("0000-0002-1825-0097", ["Univ B, Beijing, China. ORCID: 0000-0001-5109-3700."]),
        (None, ["Univ B, Beijing, China. ORCID: 0000-0001-5109-3701."])]


def test_a_suffix_written_after_a_comma_is_the_suffix() -> None:
    # PMID 33886442: <LastName>Nealis</LastName><ForeName>Madeline</ForeName><Suffix>, MPH</Suffix>
    nealis = bulk_record("33886442").authors[2]
    assert (nealis.family, nealis.given, nealis.suffix, nealis.label) == (
        "Nealis", "Madeline", "MPH", "Nealis, Madeline MPH")


def test_medline_affiliation_ids_written_after_the_text_are_its_identifiers() -> None:
    # PMID 30455602: "AD  - 2ScHARR, University of Sheffield, Sheffield, UK. ISNI: 0000 0004 1936 9262. GRID:
    # \n      grid.11835.3e", where PubMed XML has AffiliationInfo/Identifier elements.
    record = _medline_records("pybibx.txt")["30455602"]
    thokala, chalkidou = record.authors[1], record.authors[3]
    assert [(f.name, f.identifiers) for f in thokala.affiliations] == [
        ("ScHARR, University of Sheffield, Sheffield, UK.",
         [("ISNI", "0000 0004 1936 9262"), ("GRID", "grid.11835.3e")])]
    assert [(f.name, f.identifiers) for f in chalkidou.affiliations] == [
        ("School of Public Health, Imperial College, London, UK.",
         [("ISNI", "0000 0001 2113 8111"), ("GRID", "grid.7445.2")]),
        ("Center for Global Development, London, UK.", [])]
    # What follows a label must be an id of that kind, else the line is all text.
    text = "PMID- 1\nFAU - Luo, Yang\nAD  - Dept A, Univ B, Beijing, China. ISNI: pending review.\n"
    [luo] = next(iter(parse_medline(io.StringIO(text), "t.txt"))).authors
    assert [(f.name, f.identifiers) for f in luo.affiliations] == [
        ("Dept A, Univ B, Beijing, China. ISNI: pending review.", [])]


def test_crlf_bom_leading_blank_lines_and_trailing_spaces(tmp_path: Path) -> None:
    text = (DATA / "medline/pair-7records.txt").read_text()
    messy = "\ufeff\n\n" + "\r\n".join(line + "   " for line in text.splitlines())
    path = tmp_path / "messy.txt"
    path.write_text(messy)
    clean = list(read_file(str(DATA / "medline/pair-7records.txt")))
    got = list(read_file(str(path)))
    assert [(r.pmid, r.title, [a.label for a in r.authors]) for r in got] == [
        (r.pmid, r.title, [a.label for a in r.authors]) for r in clean]


@pytest.mark.parametrize("source", ["medline/pair-7records.txt", "xml/pair-7records.xml"])
def test_utf16_files_with_a_byte_order_mark_read_as_utf8_ones(tmp_path: Path, source: str) -> None:
    # Windows Notepad's "Unicode": UTF-16 with a BOM (the XML keeps its declaration, which lxml reads).
    text = (DATA / source).read_text(encoding="utf-8")
    utf16 = tmp_path / Path(source).name
    utf16.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    assert list(read_file(str(utf16))) == [
        dataclasses.replace(r, source=dataclasses.replace(r.source, file=str(utf16)))
        for r in read_file(str(DATA / source))]


def test_an_empty_self_closed_article_set_is_zero_records(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet>\n<PubmedArticleSet/>\n')
    assert list(read_file(str(empty))) == []


def test_an_undefined_entity_is_reported_where_it_is(tmp_path: Path) -> None:
    # Without a DOCTYPE naming PubMed's DTD (which might define it), an undefined entity is fatal.
    text = re.sub(r"<!DOCTYPE[^>]*>", "", (DATA / "xml/pair-7records.xml").read_text(encoding="utf-8"))
    at = text.index("<ArticleTitle>", text.index("<PubmedArticle>", text.index("</PubmedArticle>")))
    broken = tmp_path / "nbsp.xml"
    broken.write_text(text[:at] + "<ArticleTitle>&nbsp;" + text[at + len("<ArticleTitle>"):], encoding="utf-8")
    *records, error = read_file(str(broken))
    assert len(records) == 1 and isinstance(error, ParseError)  # the first record stands
    assert error.source.line == text[:at].count("\n") + 1
    assert error.message == "XML is not well-formed, reading stopped: Entity 'nbsp' not defined"


def test_a_pmid_version_that_is_no_version_is_read_as_1_with_a_warning(tmp_path: Path) -> None:
    text = (DATA / "xml/pair-7records.xml").read_text(encoding="utf-8")
    zero = tmp_path / "v0.xml"
    zero.write_text(text.replace('<PMID Version="1">30034368', '<PMID Version="0">30034368'), encoding="utf-8")
    [rec] = [r for r in read_file(str(zero)) if isinstance(r, Record) and r.pmid == "30034368"]
    assert rec.pmid_version == 1
    assert rec.warnings == ["PMID Version '0' is not a version (they count from 1): read as 1"]


# ---------------------------------------------------------------- what the caller gets wrong


@pytest.mark.parametrize("fmt", ["bogus", "xml"])
def test_an_unknown_format_is_refused_at_the_call_naming_the_accepted_ones(fmt: str) -> None:
    message = f"^unknown format '{fmt}': use one of auto, medline, pubmed-xml$"
    with pytest.raises(ValueError, match=message):
        read_records([SEED], format=fmt)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        read_file(str(SEED), format=fmt)  # type: ignore[arg-type]


def test_a_mapping_is_refused_not_read_as_the_paths_of_its_keys(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="^cannot read a dict: give paths or '-'$"):
        read_records({str(SEED): 1})  # type: ignore[arg-type]
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        with pytest.raises(TypeError, match="^cannot ingest a dict: give paths, '-', or Record and Deletion objects$"):
            kg.ingest({str(SEED): 1})
        assert kg.select("SELECT ?pmid WHERE { ?a fabio:hasPubMedId ?pmid }") == []


# ---------------------------------------------------------------- a failure while reading an ingest


def _pmids(kg: KnowledgeGraph) -> list[str]:
    return sorted(row["pmid"] for row in kg.select("SELECT ?pmid WHERE { ?a fabio:hasPubMedId ?pmid }"))


@pytest.mark.parametrize("failure", [ValueError("my download failed"), BrokenPipeError("the connection broke")],
                         ids=["ValueError", "BrokenPipeError"])
def test_a_generator_s_exception_is_raised_as_itself_once_the_records_before_it_are_written(
        tmp_path: Path, failure: Exception) -> None:
    records = [r for r in read_records([DATA / "xml/pair-7records.xml"]) if isinstance(r, Record)]

    def download() -> Iterator[Record]:
        yield from records[:3]
        raise failure

    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        with pytest.raises(type(failure)) as raised:
            kg.ingest(download())
        assert raised.value is failure
        assert "download" in [entry.name for entry in raised.traceback]
        assert kg.index.pending() == []
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        assert _pmids(kg) == sorted(r.pmid for r in records[:3])
        report = kg.ingest(records)  # the three written are whole: the same as written now
    assert (report.added, report.unchanged) == (4, 3)


def test_an_exception_in_the_reading_process_is_raised_with_its_traceback_once_the_records_before_it_are_written(
        tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        # Paths are read by a second process; open() refuses a name with a NUL byte.
        with pytest.raises(ValueError) as raised:
            kg.ingest([str(SEED), "nul\0name.txt"])
        assert str(raised.value) == "embedded null byte"
        [note] = raised.value.__notes__
        assert note.startswith("raised in the reading process:\nTraceback (most recent call last):\n")
        assert note.endswith("\nValueError: embedded null byte")
        assert _pmids(kg) == ["24649313"]


def _rebuild(message: str) -> Exception:
    raise TypeError(f"cannot rebuild {message!r}")


class _DoesNotUnpickle(Exception):
    """An exception that pickles but does not unpickle, as one whose constructor does not take its args.
    A __reduce__ of its own keeps it so where dask.distributed has installed tblib's reducers, which
    rebuild exceptions without calling their constructor."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _rebuild, (str(self),)


class _HoldsAFile(Exception):
    """An exception that does not pickle: it holds an open file, as HTTPError does."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__("503 Service Unavailable")
        self.file = file


@pytest.mark.parametrize("sends", ["does not unpickle", "does not pickle"])
def test_an_exception_the_reading_process_cannot_send_is_sent_as_its_traceback(sends: str) -> None:
    with open(SEED, "rb") as file:
        failure = _DoesNotUnpickle("503 Service Unavailable") if sends == "does not unpickle" else _HoldsAFile(file)
        try:
            raise failure
        except Exception:
            expected = "reading failed:\n" + traceback.format_exc()
        stream = io.BytesIO()
        _PickleStream(stream).put(failure)
    sent = pickle.loads(stream.getvalue())
    assert type(sent) is RuntimeError and str(sent) == expected
