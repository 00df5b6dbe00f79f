"""Property-based tests: any input gives records and errors, never an exception, and a record
mutated field by field keeps every field it can. Inputs a fuzzer once crashed the readers
with live in tests/data/fuzz and are replayed here."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import DATA, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.mapping import Mapper
from kg.records import Affiliation, Author, Deletion, Journal, MeshHeading, MeshQualifier, ParseError, PubDate, Record
from kg.sources import parse_medline, parse_pubmed_xml, read_file

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAIR_TEXT = (DATA / "medline/pair-7records.txt").read_text(encoding="utf-8")
PAIR_XML = (DATA / "xml/pair-7records.xml").read_bytes()
MAPPER = Mapper("https://example.org/kg/")


def _text_items(text: str) -> list:
    return list(parse_medline(io.StringIO(text), "fuzz.txt"))


def _xml_items(data: bytes) -> list:
    return list(parse_pubmed_xml(io.BytesIO(data), "fuzz.xml"))


def _valid(items: list) -> None:
    """Every item is a record, deletion or error, and every record maps to RDF that parses."""
    for item in items:
        assert isinstance(item, (Record, Deletion, ParseError))
        if isinstance(item, Record):
            mapped = MAPPER.map(item)
            ox.parse(mapped.nquads(), ox.RdfFormat.N_QUADS)  # strict: IRIs and literals are well-formed
            ox.parse("".join(t + " .\n" for t in mapped.entities), ox.RdfFormat.N_TRIPLES)


@FUZZ
@given(st.binary(max_size=4000))
def test_any_bytes_through_the_file_reader(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(data)
    _valid(list(read_file(str(path))))


@FUZZ
@given(st.text(max_size=3000))
def test_any_text_through_the_medline_reader(text: str) -> None:
    _valid(_text_items(text))


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("PMIDTAUBFSLGRCNOE- \n\t0123456789,.;:/*[]")), max_size=2000))
def test_tag_like_text_through_the_medline_reader(text: str) -> None:
    _valid(_text_items("PMID- 1\n" + text))
    _valid(_text_items("PMID- 1 " + " ".join(text.split())))  # the flattened layout


@FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes_inside_pubmed_xml(data: bytes) -> None:
    _valid(_xml_items(b"<PubmedArticleSet><PubmedArticle>" + data + b"</PubmedArticle></PubmedArticleSet>"))


_text_field = st.text(max_size=60)


@FUZZ
@given(
    pmid=st.integers(min_value=1, max_value=10**9).map(str),
    title=st.one_of(st.none(), _text_field),
    family=_text_field, given=st.one_of(st.none(), _text_field), affiliation=_text_field,
    orcid=st.one_of(st.none(), st.from_regex(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", fullmatch=True)),
    journal=_text_field, nlm_id=st.one_of(st.none(), _text_field), volume=st.one_of(st.none(), _text_field),
    issue=st.one_of(st.none(), _text_field), pages=st.one_of(st.none(), _text_field),
    mesh=_text_field, ui=st.one_of(st.none(), _text_field), language=st.text(max_size=5),
    year=st.one_of(st.none(), st.integers(min_value=1, max_value=9999)),
)
def test_any_record_maps_to_rdf_that_parses(pmid, title, family, given, affiliation, orcid, journal, nlm_id, volume,
                                            issue, pages, mesh, ui, language, year) -> None:
    record = Record(
        pmid=pmid, title=title, volume=volume, issue=issue, pages=pages, languages=[language],
        authors=[Author(family=family, given=given, orcid=orcid, affiliations=[Affiliation(affiliation)]),
                 Author(collective=family or "x")],
        journal=Journal(title=journal, nlm_id=nlm_id), pub_date=PubDate(year=year, raw=str(year)),
        mesh_headings=[MeshHeading(mesh, ui, True, [MeshQualifier(mesh, ui, True)])],
    )
    _valid([record])


# ---------------------------------------------------------------- a real record, mutated field by field


def _seven() -> list[str]:
    return [block.strip("\n") for block in PAIR_TEXT.replace("\r\n", "\n").split("\n\n") if block.strip()]


def _fields_of(items: list) -> Record:
    [record] = [i for i in items if isinstance(i, Record)]
    return record


@pytest.mark.parametrize("index", range(7))
def test_every_deleted_or_doubled_tag_leaves_the_other_fields(index: int) -> None:
    block = _seven()[index]
    whole = _fields_of(_text_items(block))
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if not line[:4].strip() or line.startswith("PMID") or line.startswith(" "):
            continue
        tag = line[:4].strip()
        # Drop the field (with its continuation lines), then double it.
        end = i + 1
        while end < len(lines) and lines[end].startswith("      "):
            end += 1
        dropped = _fields_of(_text_items("\n".join(lines[:i] + lines[end:])))
        doubled = _fields_of(_text_items("\n".join(lines[:end] + lines[i:end] + lines[end:])))
        if tag != "TI":
            assert dropped.title == whole.title and doubled.title == whole.title, tag
        if tag not in ("FAU", "AU", "AD", "AUID", "CN"):
            assert [a.label for a in dropped.authors] == [a.label for a in whole.authors], tag
            assert [a.label for a in doubled.authors] == [a.label for a in whole.authors], tag
        if tag not in ("JT", "TA", "JID", "IS", "PL"):
            assert dropped.journal == whole.journal, tag


def test_shuffled_junk_huge_and_broken_text_still_reads() -> None:
    rng = random.Random(1298)
    block = _seven()[0]
    whole = _fields_of(_text_items(block))
    fields = re.split(r"\n(?=[A-Z])", block.split("\nFAU")[0])  # each field with its continuation lines
    head, rest = fields[:1], fields[1:]
    rng.shuffle(rest)
    shuffled = _fields_of(_text_items("\n".join(head + rest)))
    assert shuffled.title == whole.title and shuffled.pmid == whole.pmid
    junk = block.replace("\nLA  - ", "\n\x00\x01\x02\xff junk line\nLA  - ")
    assert _fields_of(_text_items(junk)).languages == whole.languages
    huge = block.replace("AB  - ", "AB  - " + "word " * 200_000, 1)
    assert len(_fields_of(_text_items(huge)).abstract_text) > 1_000_000
    broken = block.encode().replace(b"Chinese", b"Chin\xff\xfese")
    items = list(read_file_bytes(broken))
    # Bytes that are not UTF-8 are read as Windows-1252, and the record says so.
    assert _fields_of(items).title.replace("ÿþ", "e") == whole.title
    assert any("not UTF-8; read as Windows-1252" in w for w in _fields_of(items).warnings)


def read_file_bytes(data: bytes):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(data)
        f.flush()
        yield from read_file(f.name)


def test_xml_mutations_keep_what_can_be_kept() -> None:
    whole = {r.pmid: r for r in _xml_items(PAIR_XML)}
    cdata = PAIR_XML.replace(b"<ArticleTitle>Association Between",
                             b"<ArticleTitle><![CDATA[<Association> & ]]>Between", 1)
    record = {r.pmid: r for r in _xml_items(cdata)}["30038950"]
    assert record.title.startswith("<Association> & Between Cancer")
    nested = PAIR_XML.replace(b"<ArticleTitle>Association", b"<ArticleTitle>" + b"<i>" * 200 + b"deep" + b"</i>" * 200
                              + b" Association", 1)
    assert {r.pmid: r for r in _xml_items(nested)}["30038950"].title.startswith("deep Association")
    # Nesting deeper than libxml2 allows is refused with a message; the records before it stand.
    last = PAIR_XML.rindex(b"<ArticleTitle>")
    too_deep = PAIR_XML[:last] + b"<ArticleTitle>" + b"<i>" * 5000 + PAIR_XML[last + 14:]
    items = _xml_items(too_deep)
    assert len([r for r in items if isinstance(r, Record)]) == 6
    assert isinstance(items[-1], ParseError) and "not well-formed" in items[-1].message
    no_authors = PAIR_XML.replace(b"<AuthorList", b"<NotAuthorList").replace(b"</AuthorList>", b"</NotAuthorList>")
    stripped = {r.pmid: r for r in _xml_items(no_authors)}
    assert all(not r.authors and r.title == whole[p].title for p, r in stripped.items())
    entities = PAIR_XML.replace(b"Traditional Chinese", b"Traditional &#67;hinese &amp; &lt;x&gt;", 1)
    assert "Traditional Chinese & <x>" in {r.pmid: r for r in _xml_items(entities)}["30038950"].title


def test_seed_flattened_with_binary_junk_between_fields() -> None:
    seed = SEED.read_text().strip()
    [rec] = [r for r in _text_items(seed.replace(" LA - eng", " \x07\x1b LA - eng")) if isinstance(r, Record)]
    assert rec.languages == ["eng"] and len(rec.authors) == 7


# ---------------------------------------------------------------- inputs a fuzzer once crashed the readers

REGRESSIONS = sorted(p for p in (Path(__file__).parent / "data" / "fuzz").iterdir() if p.suffix != ".md")


def test_saved_fuzzer_crashes_no_longer_crash() -> None:
    # One test over the folder, not one per file: an empty folder (no run has crashed a reader
    # yet) must not show up as a skipped test.
    for path in REGRESSIONS:
        _valid(list(read_file(str(path))))
        data = path.read_bytes()
        _valid(_xml_items(data))
        _valid(_text_items(data.decode("utf-8", "replace")))
