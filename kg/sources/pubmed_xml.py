"""PubMed XML into records: efetch output, baseline and update files, the 2006 MedlineCitationSet.

The file is read incrementally (lxml iterparse) and each finished article is
dropped from the tree, so memory stays flat whatever the file size. Inline
markup (``<i>``, ``<sup>``, MathML) becomes plain text. Entities are never
expanded beyond XML's own, DTDs are never loaded, and nothing is fetched.

>>> import io
>>> xml = b'''<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>
... <Article><ArticleTitle>CO<sub>2</sub> and <i>E. coli</i></ArticleTitle></Article>
... </MedlineCitation></PubmedArticle>
... <DeleteCitation><PMID Version="1">2</PMID></DeleteCitation></PubmedArticleSet>'''
>>> [getattr(r, "title", r) for r in parse_pubmed_xml(io.BytesIO(xml), "example.xml")]
['CO2 and E. coli', Deletion(pmid='2', source=SourcePosition(file='example.xml', line=4, offset=None))]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from kg.identifiers import normalize_issn, normalize_orcid
from kg.records import (
    AbstractSection,
    Author,
    Book,
    Chemical,
    CommentCorrection,
    Deletion,
    Grant,
    HistoryDate,
    Journal,
    Keyword,
    MeshHeading,
    MeshQualifier,
    OtherAbstract,
    ParseError,
    PubDate,
    PublicationType,
    Record,
    Reference,
    SourcePosition,
    join_sections,
)
from kg.sources.dates import MONTHS, month_number, parse_pub_date
from kg.sources.text import affiliations_of, grant, pick_article_ids, tidy_affiliations, unescape

__all__ = ["parse_pubmed_xml"]

_TOP = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")
Element = etree._Element


def parse_pubmed_xml(stream: BinaryIO, name: str) -> Iterator[Record | Deletion | ParseError]:
    """Records, deletions and errors from a PubMed XML byte stream named ``name``.

    A record that cannot be read becomes a :class:`ParseError` and reading goes
    on; XML that is not well-formed ends the file with one error naming the line.
    A document that declares entities (PubMed's never do; XML bombs do) is refused.
    """
    peek = getattr(stream, "peek", None)
    if peek is not None and b"<!ENTITY" in peek(65536)[:65536]:
        yield ParseError("refused: the document declares XML entities, which PubMed XML never does",
                         SourcePosition(name))
        return
    etree.clear_error_log()  # the log gathers the errors of every parse (in this thread) until cleared
    events = etree.iterparse(
        _OneReadAtATime(stream) if hasattr(stream, "read1") else stream,
        events=("end",),
        tag=_TOP,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        for _, elem in events:
            parent = elem.getparent()
            if elem.tag == "MedlineCitation" and parent is not None and parent.tag != "MedlineCitationSet":
                continue  # part of a PubmedArticle, read with it
            yield from _read_top(elem, name)
            # Drop what has been read so that memory does not grow with the file.
            elem.clear(keep_tail=True)
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        # The first error is the cause; libxml2 reports the last ("Extra content at the end of
        # the document", at a line far from an undefined entity such as &nbsp;).
        first = next(iter(exc.error_log), None)
        line, message = (first.line, first.message) if first is not None else (
            exc.position[0] if exc.position else None, exc.msg)
        yield ParseError(f"XML is not well-formed, reading stopped: {message}",
                         SourcePosition(name, line=line or None))


class _OneReadAtATime:
    """``stream`` for lxml, which calls ``read(n)``: a buffered ``read(n)`` that fails midway (a
    truncated .gz) loses what it had read, ``read1`` hands each read over, so every record
    before the break is parsed."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read1(size)


def _read_top(elem: Element, name: str) -> Iterator[Record | Deletion | ParseError]:
    source = SourcePosition(name, line=elem.sourceline)
    if elem.tag == "DeleteCitation":
        for pmid in elem.iterfind("PMID"):
            if (pmid.text or "").strip().isdigit():
                yield Deletion(pmid.text.strip(), SourcePosition(name, line=pmid.sourceline))
            else:
                yield ParseError(f"DeleteCitation with a bad PMID {pmid.text!r}", source)
        return
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    doc = elem.find("BookDocument") if citation is None else citation
    pmid_el = doc.find("PMID") if doc is not None else None
    pmid = _text(pmid_el)
    if not pmid or not pmid.isdigit():
        got = f"PMID {pmid!r} is not a number" if pmid else "no PMID"
        yield ParseError(f"{elem.tag} skipped: {got}", source)
        return
    rec = Record(pmid=pmid, source=source)
    version = pmid_el.get("Version")
    if version and version.isdigit() and int(version) >= 1:
        rec.pmid_version = int(version)
    elif version is not None:
        rec.warnings.append(f"PMID Version {version!r} is not a version (they count from 1): read as 1")
    try:
        if citation is not None:
            _citation(citation, rec)
            _pubmed_data(elem.find("PubmedData"), rec)
        else:
            _book_document(doc, rec)
            _pubmed_data(elem.find("PubmedBookData"), rec)
        tidy_affiliations(rec)
    except Exception as exc:  # a defect must not cost the other records: report this one
        yield ParseError(f"record skipped: {type(exc).__name__}: {exc}", source, pmid)
        return
    yield rec


# ---------------------------------------------------------------- helpers


def _text(el: Element | None) -> str | None:
    """The element's text with inline markup flattened, the character references NLM escaped
    twice read, and whitespace collapsed; None if empty."""
    if el is None:
        return None
    # Most elements are plain text; only those with inline markup need itertext().
    text = "".join(el.itertext()) if len(el) else el.text
    if not text:
        return None
    if "&" in text or "<" in text:  # rare: the call is not paid on every element
        text = unescape(text)
    return " ".join(text.split()) or None


def _all_text(parent: Element, path: str) -> list[str]:
    return [t for e in parent.iterfind(path) if (t := _text(e))]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _date(el: Element | None) -> dt.date | None:
    if el is None:
        return None
    year, day = _int(_text(el.find("Year"))), _int(_text(el.find("Day")))
    month = month_number(_text(el.find("Month")) or "")
    try:
        return dt.date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def _pub_date(el: Element | None) -> PubDate | None:
    """PubDate from Year/Month/Day/Season or MedlineDate, with raw text as MEDLINE's DP shows it."""
    if el is None:
        return None
    medline_date = _text(el.find("MedlineDate"))
    if medline_date:
        return parse_pub_date(medline_date)
    year, season = _text(el.find("Year")), _text(el.find("Season"))
    month = month_number(_text(el.find("Month")) or "")
    day = _int(_text(el.find("Day")))
    parts = [year, MONTHS[month - 1] if month else None, str(day) if day and month else None, season]
    raw = " ".join(p for p in parts if p)
    return parse_pub_date(raw) if raw else None


def _flag(el: Element, attr: str, default: str = "N") -> bool:
    return el.get(attr, default).upper() == "Y"


# ---------------------------------------------------------------- MedlineCitation


def _citation(mc: Element, rec: Record) -> None:
    rec.medline_status = mc.get("Status")
    rec.owner = mc.get("Owner")
    rec.date_created = _date(mc.find("DateCreated"))
    rec.date_completed = _date(mc.find("DateCompleted"))
    rec.date_revised = _date(mc.find("DateRevised"))
    article = mc.find("Article")
    if article is not None:
        _article(article, rec)
    info = mc.find("MedlineJournalInfo")
    if info is not None:
        journal = rec.journal or Journal()
        journal.country = _text(info.find("Country"))
        journal.medline_ta = _text(info.find("MedlineTA"))
        journal.nlm_id = _text(info.find("NlmUniqueID"))
        linking = _text(info.find("ISSNLinking"))
        journal.issn_linking = normalize_issn(linking) if linking else None
        rec.journal = journal
    for chem in mc.iterfind("ChemicalList/Chemical"):
        name_el = chem.find("NameOfSubstance")
        if name := _text(name_el):
            rec.chemicals.append(Chemical(name, name_el.get("UI"), _text(chem.find("RegistryNumber"))))
    rec.supplementary_concepts = [
        Chemical(t, suppl.get("UI")) for suppl in mc.iterfind("SupplMeshList/SupplMeshName") if (t := _text(suppl))
    ]
    rec.subsets = _all_text(mc, "CitationSubset")
    rec.comments_corrections = _comments(mc)
    rec.gene_symbols = _all_text(mc, "GeneSymbolList/GeneSymbol")
    rec.mesh_headings = [_mesh(h) for h in mc.iterfind("MeshHeadingList/MeshHeading")]
    rec.reference_count = _int(_text(mc.find("NumberOfReferences")))
    rec.personal_name_subjects = [_person(p) for p in mc.iterfind("PersonalNameSubjectList/PersonalNameSubject")]
    rec.other_ids = [(o.get("Source", ""), t) for o in mc.iterfind("OtherID") if (t := _text(o))]
    for other in mc.iterfind("OtherAbstract"):
        text = join_sections(_abstract(other))
        if text:
            rec.other_abstracts.append(OtherAbstract(text, other.get("Type"), other.get("Language")))
    rec.keywords = _keywords(mc)
    rec.coi_statement = _text(mc.find("CoiStatement"))
    rec.space_flight_missions = _all_text(mc, "SpaceFlightMission")
    rec.investigators = [_person(p) for p in mc.iterfind("InvestigatorList/Investigator")]
    rec.general_notes = _all_text(mc, "GeneralNote")


def _article(article: Element, rec: Record) -> None:
    rec.pub_model = article.get("PubModel")
    journal_el = article.find("Journal")
    if journal_el is not None:
        journal = Journal(
            title=_text(journal_el.find("Title")),
            iso_abbreviation=_text(journal_el.find("ISOAbbreviation")),
        )
        for issn_el in journal_el.iterfind("ISSN"):
            issn = normalize_issn(_text(issn_el) or "")
            kind = issn_el.get("IssnType", "Print")
            if issn is None:
                rec.warnings.append(f"malformed ISSN {_text(issn_el)!r}")
            elif kind == "Electronic":
                journal.issn_electronic = issn
            else:
                journal.issn_print = issn
        rec.journal = journal
        issue = journal_el.find("JournalIssue")
        if issue is not None:
            rec.cited_medium = issue.get("CitedMedium")
            rec.volume = _text(issue.find("Volume"))
            rec.issue = _text(issue.find("Issue"))
            rec.pub_date = _pub_date(issue.find("PubDate"))
    rec.title = _text(article.find("ArticleTitle"))
    rec.vernacular_title = _text(article.find("VernacularTitle"))
    rec.pages = _pages(article.find("Pagination"))
    rec.elocation_ids = _elocations(article)
    abstract = article.find("Abstract")
    if abstract is not None:
        rec.abstract = _abstract(abstract)
        rec.copyright = _text(abstract.find("CopyrightInformation"))
    rec.authors = [_person(a) for a in article.iterfind("AuthorList/Author")]
    # The 2006 DTD has one Affiliation for the article; MEDLINE shows it on the first author.
    old_affiliation = _text(article.find("Affiliation"))
    if old_affiliation and rec.authors and not rec.authors[0].affiliations:
        rec.authors[0].affiliations = affiliations_of(old_affiliation)
    rec.languages = [lang.lower() for lang in _all_text(article, "Language")]
    for bank in article.iterfind("DataBankList/DataBank"):
        bank_name = _text(bank.find("DataBankName")) or ""
        rec.databanks.extend((bank_name, acc) for acc in _all_text(bank, "AccessionNumberList/AccessionNumber"))
    rec.grants = _grants(article)
    rec.publication_types = _publication_types(article, "PublicationTypeList/PublicationType")
    for date_el in article.iterfind("ArticleDate"):
        if date_el.get("DateType", "Electronic") == "Electronic" and rec.electronic_date is None:
            rec.electronic_date = _date(date_el)


def _grants(parent: Element) -> list[Grant]:
    return [
        grant(_text(g.find("GrantID")), _text(g.find("Acronym")), _text(g.find("Agency")), _text(g.find("Country")))
        for g in parent.iterfind("GrantList/Grant")
    ]


def _publication_types(parent: Element, path: str) -> list[PublicationType]:
    return [PublicationType(t, pt.get("UI")) for pt in parent.iterfind(path) if (t := _text(pt))]


def _keywords(parent: Element) -> list[Keyword]:
    return [
        Keyword(t, kl.get("Owner"), _flag(k, "MajorTopicYN"))
        for kl in parent.iterfind("KeywordList")
        for k in kl.iterfind("Keyword")
        if (t := _text(k))
    ]


def _article_ids(parent: Element, rec: Record) -> None:
    """ArticleIdList into article_ids, and the DOI, PII and PMC id picked from them."""
    for aid in parent.iterfind("ArticleIdList/ArticleId"):
        kind, value = aid.get("IdType", "").lower(), _text(aid)
        # "pubmed" is the record's own PMID; a book gives some ids twice (BookDocument, PubmedBookData).
        if value and kind != "pubmed" and (kind, value) not in rec.article_ids:
            rec.article_ids.append((kind, value))
    pick_article_ids(rec)


def _pages(pagination: Element | None) -> str | None:
    if pagination is None:
        return None
    pgn = _text(pagination.find("MedlinePgn"))
    if pgn:
        return pgn
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start


def _elocations(parent: Element) -> list[tuple[str, str]]:
    return [(e.get("EIdType", "pii").lower(), t) for e in parent.iterfind("ELocationID") if (t := _text(e))]


def _abstract(abstract: Element) -> list[AbstractSection]:
    sections = []
    for t in abstract.iterfind("AbstractText"):
        text, label = _text(t), t.get("Label")
        if text or label:  # a section can be its label alone (<AbstractText Label="LEVEL OF EVIDENCE: 4"/>)
            sections.append(AbstractSection(text or "", label, t.get("NlmCategory")))
    return sections


def _person(el: Element) -> Author:
    """An Author, Investigator or PersonalNameSubject element."""
    author = Author(
        family=_text(el.find("LastName")),
        given=_text(el.find("ForeName")),
        initials=_text(el.find("Initials")),
        suffix=(_text(el.find("Suffix")) or "").lstrip(", ") or None,  # "<Suffix>, MPH</Suffix>" happens
        collective=_text(el.find("CollectiveName")),
        equal_contrib=_flag(el, "EqualContrib"),
        valid=_flag(el, "ValidYN", "Y"),
    )
    for ident in el.iterfind("Identifier"):
        if ident.get("Source", "").upper() == "ORCID" and (value := _text(ident)):
            orcid = normalize_orcid(value)
            if orcid:
                author.orcid = orcid
            else:
                author.orcid_raw = value
    for info in el.iterfind("AffiliationInfo"):
        text = _text(info.find("Affiliation"))
        if text:
            ids = [(i.get("Source", ""), v) for i in info.iterfind("Identifier") if (v := _text(i))]
            author.affiliations.extend(affiliations_of(text, ids))
    direct = _text(el.find("Affiliation"))  # 2013-era DTD: Affiliation directly under Author
    if direct:
        author.affiliations.extend(affiliations_of(direct))
    return author


def _mesh(heading: Element) -> MeshHeading:
    descriptor = heading.find("DescriptorName")
    mh = MeshHeading(
        descriptor=_text(descriptor) or "",
        ui=descriptor.get("UI") if descriptor is not None else None,
        major=descriptor is not None and _flag(descriptor, "MajorTopicYN"),
        type=descriptor.get("Type") if descriptor is not None else None,
    )
    mh.qualifiers = [
        MeshQualifier(_text(q) or "", q.get("UI"), _flag(q, "MajorTopicYN")) for q in heading.iterfind("QualifierName")
    ]
    return mh


def _comments(mc: Element) -> list[CommentCorrection]:
    out = []
    for cc in mc.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        out.append(_comment(cc, cc.get("RefType", "")))
    # The 2006 DTD names the kind by the element: CommentsCorrections/CommentIn.
    for group in mc.iterfind("CommentsCorrections"):
        out.extend(_comment(cc, cc.tag) for cc in group)
    return out


def _comment(el: Element, kind: str) -> CommentCorrection:
    pmid = _text(el.find("PMID"))
    return CommentCorrection(kind, pmid if pmid and pmid.isdigit() else None, _text(el.find("RefSource")),
                             _text(el.find("Note")))


# ---------------------------------------------------------------- PubmedData and books


def _pubmed_data(data: Element | None, rec: Record) -> None:
    if data is None:
        return
    for date_el in data.iterfind("History/PubMedPubDate"):
        status, when = date_el.get("PubStatus", ""), _date(date_el)
        if when is not None:
            hour, minute = _int(_text(date_el.find("Hour"))) or 0, _int(_text(date_el.find("Minute"))) or 0
            moment = dt.datetime(when.year, when.month, when.day, min(hour, 23), min(minute, 59))
            rec.history.append(HistoryDate(status, moment))
        else:
            raw = "/".join(t for t in (_text(date_el.find(p)) for p in ("Year", "Month", "Day")) if t)
            if raw:
                rec.history.append(HistoryDate(status, None, raw))
    rec.publication_status = _text(data.find("PublicationStatus"))
    _article_ids(data, rec)
    for ref in data.iter("Reference"):
        ids = [(i.get("IdType", "").lower(), v) for i in ref.iterfind("ArticleIdList/ArticleId") if (v := _text(i))]
        rec.references.append(Reference(_text(ref.find("Citation")), ids))


def _book_document(doc: Element, rec: Record) -> None:
    book_el = doc.find("Book")
    book = Book()
    if book_el is not None:
        book.title = _text(book_el.find("BookTitle"))
        book.collection_title = _text(book_el.find("CollectionTitle"))
        book.publisher = _text(book_el.find("Publisher/PublisherName"))
        book.publisher_location = _text(book_el.find("Publisher/PublisherLocation"))
        book.isbns = _all_text(book_el, "Isbn")
        book.edition = _text(book_el.find("Edition"))
        book.volume = _text(book_el.find("Volume"))
        book.medium = _text(book_el.find("Medium"))
        for author_list in book_el.iterfind("AuthorList"):
            people = [_person(a) for a in author_list.iterfind("Author")]
            if author_list.get("Type", "authors") == "editors":
                book.editors.extend(people)
            else:
                rec.authors.extend(people)  # the book's authors, unless the chapter names its own
        rec.pub_date = _pub_date(book_el.find("PubDate"))
    rec.book = book
    rec.title = _text(doc.find("ArticleTitle"))
    rec.vernacular_title = _text(doc.find("VernacularTitle"))
    rec.pages = _pages(doc.find("Pagination"))
    rec.elocation_ids = _elocations(doc)
    chapter_authors = [
        _person(a)
        for al in doc.iterfind("AuthorList") if al.get("Type", "authors") == "authors"
        for a in al.iterfind("Author")
    ]
    if chapter_authors:
        rec.authors = chapter_authors
    rec.investigators = [_person(p) for p in doc.iterfind("InvestigatorList/Investigator")]
    rec.languages = [lang.lower() for lang in _all_text(doc, "Language")]
    rec.publication_types = _publication_types(doc, "PublicationType")
    abstract = doc.find("Abstract")
    if abstract is not None:
        rec.abstract = _abstract(abstract)
        rec.copyright = _text(abstract.find("CopyrightInformation"))
    rec.keywords = _keywords(doc)
    rec.grants = _grants(doc)
    rec.date_revised = _date(doc.find("DateRevised"))
    _article_ids(doc, rec)
