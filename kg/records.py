"""The record model: one typed shape that every input format is parsed into.

Both parsers (:mod:`kg.sources.medline` and :mod:`kg.sources.pubmed_xml`) fill
these dataclasses, and the mapping to RDF reads only them. Fields follow the
MAPPING contract; a field the input does not carry stays ``None`` or empty.

>>> from kg.records import Record, Author
>>> r = Record(pmid="24649313", title="A pilot study.")
>>> r.authors.append(Author(family="Luo", given="Yang", initials="Y"))
>>> r.authors[0].label
'Luo, Yang'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = [
    "MONTHS",
    "AbstractSection",
    "Affiliation",
    "Author",
    "Book",
    "Chemical",
    "CommentCorrection",
    "Deletion",
    "Grant",
    "HistoryDate",
    "Journal",
    "Keyword",
    "MeshHeading",
    "MeshQualifier",
    "OtherAbstract",
    "ParseError",
    "PubDate",
    "PublicationType",
    "Record",
    "Reference",
    "SourcePosition",
    "join_sections",
]


@dataclass(slots=True, frozen=True)
class SourcePosition:
    """Where a record (or an error) starts: a file and a line or byte offset."""

    file: str
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.offset is not None:
            return f"{self.file}@{self.offset}"
        return self.file


@dataclass(slots=True)
class Affiliation:
    """One affiliation of one author on one paper, as printed."""

    name: str
    #: (source, value) pairs from the XML, e.g. ("ROR", "https://ror.org/03vek6s52").
    identifiers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Author:
    """A person or a collective name in an author, investigator or editor list."""

    family: str | None = None
    given: str | None = None
    initials: str | None = None
    suffix: str | None = None
    #: the group name of a collective author (CN / CollectiveName); persons have None.
    collective: str | None = None
    #: the checked, hyphenated 16-character ORCID, or None.
    orcid: str | None = None
    #: the ORCID as given when it could not be normalised (kept, never guessed).
    orcid_raw: str | None = None
    affiliations: list[Affiliation] = field(default_factory=list)
    equal_contrib: bool = False
    valid: bool = True

    @property
    def label(self) -> str:
        """The name as MEDLINE prints it (FAU): "Family, Given Suffix", or the collective name."""
        if self.collective:
            return self.collective
        label = ", ".join(p for p in (self.family, self.given or self.initials) if p)
        return f"{label} {self.suffix}" if self.suffix else label


@dataclass(slots=True)
class Journal:
    """The journal an article appeared in."""

    title: str | None = None
    iso_abbreviation: str | None = None
    medline_ta: str | None = None
    issn_print: str | None = None
    issn_electronic: str | None = None
    issn_linking: str | None = None
    nlm_id: str | None = None
    country: str | None = None


#: Month abbreviations, as PubMed prints them in DP and MedlineDate.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(slots=True, frozen=True)
class PubDate:
    """A publication date of any precision: a day, a month, a year or a season.

    ``raw`` is the date as PubMed prints it in DP ("2014 Jan", "1998 Dec-1999 Jan",
    "2015 Autumn"); ranges keep their end in ``end_*``.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    raw: str | None = None
    end_year: int | None = None
    end_month: int | None = None
    end_day: int | None = None

    @property
    def precision(self) -> str | None:
        """"day", "month", "year", or None when no year is known."""
        if self.year is None:
            return None
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    @property
    def is_plain(self) -> bool:
        """True when ``raw`` is no more than the date at its precision ("2014", "2014 Jan",
        "2014 Jan 9"): no range, season or other text that the start date leaves out.

        >>> PubDate(2021, raw="2021 3rd Quarter").is_plain, PubDate(2014, 1, raw="2014 Jan").is_plain
        (False, True)
        """
        parts = (self.year, self.month and MONTHS[self.month - 1], self.day)
        return self.raw == " ".join(str(p) for p in parts if p)

    @property
    def iso(self) -> str | None:
        """The start as ISO 8601 at its precision: "2014", "2014-01" or "2014-01-09"."""
        if self.year is None:
            return None
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text


@dataclass(slots=True, frozen=True)
class HistoryDate:
    """A PubMed history event (PHST / PubMedPubDate): received, accepted, entrez, ...

    ``when`` is None for an incomplete date ("2016 [ecollection]"), kept in ``raw``.
    """

    status: str
    when: dt.datetime | None
    raw: str | None = None


@dataclass(slots=True)
class AbstractSection:
    """One paragraph of an abstract; structured abstracts have a label per section."""

    text: str
    label: str | None = None
    category: str | None = None


def join_sections(sections: list[AbstractSection]) -> str:
    """Abstract sections as one text, each "LABEL: text" (or just the text, or just the label)."""
    return " ".join(f"{s.label}: {s.text}" if s.label and s.text else s.label or s.text for s in sections)


@dataclass(slots=True)
class OtherAbstract:
    """An abstract in another language or from another source (OAB / OtherAbstract)."""

    text: str
    type: str | None = None
    language: str | None = None


@dataclass(slots=True)
class MeshQualifier:
    name: str
    ui: str | None = None
    major: bool = False


@dataclass(slots=True)
class MeshHeading:
    """A MeSH heading: a descriptor and its qualifiers, each possibly major."""

    descriptor: str
    ui: str | None = None
    major: bool = False
    qualifiers: list[MeshQualifier] = field(default_factory=list)
    #: "Geographic" for geographic descriptors (XML only).
    type: str | None = None

    @property
    def is_major(self) -> bool:
        """True when the descriptor or any qualifier is a major topic (PubMed's [MAJR])."""
        return self.major or any(q.major for q in self.qualifiers)


@dataclass(slots=True, frozen=True)
class PublicationType:
    name: str
    ui: str | None = None


@dataclass(slots=True, frozen=True)
class Keyword:
    text: str
    owner: str | None = None
    major: bool = False


@dataclass(slots=True, frozen=True)
class Chemical:
    """A substance (RN / Chemical); registry number "0" means none."""

    name: str
    ui: str | None = None
    registry_number: str | None = None


@dataclass(slots=True, frozen=True)
class Grant:
    grant_id: str | None = None
    acronym: str | None = None
    agency: str | None = None
    country: str | None = None


@dataclass(slots=True, frozen=True)
class CommentCorrection:
    """A link to another record: comment, erratum, retraction, update, ...

    ``kind`` is the XML RefType name ("CommentIn", "ErratumFor", "RetractionOf", ...),
    whichever format the record came from.
    """

    kind: str
    pmid: str | None = None
    ref_source: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Reference:
    """One entry of an XML reference list."""

    citation: str | None = None
    #: (IdType, value) pairs: ("pubmed", "123"), ("doi", "10.1/x"), ("pmc", "PMC1").
    ids: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pmid(self) -> str | None:
        return next((v for t, v in self.ids if t == "pubmed"), None)


@dataclass(slots=True)
class Book:
    """Book-level fields of a PubMed book record (PubmedBookArticle, or BTI/CTI/PB in text)."""

    title: str | None = None
    collection_title: str | None = None
    publisher: str | None = None
    publisher_location: str | None = None
    isbns: list[str] = field(default_factory=list)
    edition: str | None = None
    volume: str | None = None
    medium: str | None = None
    editors: list[Author] = field(default_factory=list)


@dataclass(slots=True)
class Record:
    """One PubMed citation, whatever format it was read from."""

    pmid: str
    pmid_version: int = 1
    title: str | None = None
    vernacular_title: str | None = None
    abstract: list[AbstractSection] = field(default_factory=list)
    other_abstracts: list[OtherAbstract] = field(default_factory=list)
    copyright: str | None = None
    languages: list[str] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    investigators: list[Author] = field(default_factory=list)
    personal_name_subjects: list[Author] = field(default_factory=list)
    journal: Journal | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    #: (type, value) pairs: ("doi", "10.1/x"), ("pii", "e0123").
    elocation_ids: list[tuple[str, str]] = field(default_factory=list)
    pub_date: PubDate | None = None
    electronic_date: dt.date | None = None
    history: list[HistoryDate] = field(default_factory=list)
    date_created: dt.date | None = None
    date_completed: dt.date | None = None
    date_revised: dt.date | None = None
    doi: str | None = None
    pii: str | None = None
    pmcid: str | None = None
    #: every (IdType, value) of the ArticleIdList / AID lines, including doi, pii, pmc, mid.
    article_ids: list[tuple[str, str]] = field(default_factory=list)
    #: (source, value) pairs of OtherID / OID.
    other_ids: list[tuple[str, str]] = field(default_factory=list)
    mesh_headings: list[MeshHeading] = field(default_factory=list)
    publication_types: list[PublicationType] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    chemicals: list[Chemical] = field(default_factory=list)
    supplementary_concepts: list[Chemical] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    comments_corrections: list[CommentCorrection] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    #: (databank name, accession number) pairs (SI / DataBankList).
    databanks: list[tuple[str, str]] = field(default_factory=list)
    coi_statement: str | None = None
    general_notes: list[str] = field(default_factory=list)
    gene_symbols: list[str] = field(default_factory=list)
    space_flight_missions: list[str] = field(default_factory=list)
    reference_count: int | None = None
    citation: str | None = None
    medline_status: str | None = None
    owner: str | None = None
    publication_status: str | None = None
    pub_model: str | None = None
    cited_medium: str | None = None
    subsets: list[str] = field(default_factory=list)
    book: Book | None = None
    source: SourcePosition | None = None
    #: values that could not be parsed, kept as text and reported (never guessed).
    warnings: list[str] = field(default_factory=list)

    @property
    def abstract_text(self) -> str | None:
        """The abstract as one text, structured sections joined as "LABEL: text"."""
        return join_sections(self.abstract) or None

    @property
    def history_dates(self) -> dict[str, dt.datetime]:
        """History events by status (the first one of each status)."""
        out: dict[str, dt.datetime] = {}
        for h in self.history:
            if h.when is not None:
                out.setdefault(h.status, h.when)
        return out

    @property
    def year(self) -> int | None:
        """The publication year (from the publication date, else the electronic date)."""
        if self.pub_date and self.pub_date.year:
            return self.pub_date.year
        return self.electronic_date.year if self.electronic_date else None


@dataclass(slots=True, frozen=True)
class Deletion:
    """A DeleteCitation entry of an update file: the record must be removed."""

    pmid: str
    source: SourcePosition | None = None


@dataclass(slots=True, frozen=True)
class ParseError:
    """A record or line that could not be read; parsing went on past it."""

    message: str
    source: SourcePosition | None = None
    pmid: str | None = None

    def __str__(self) -> str:
        where = str(self.source) if self.source else "<input>"
        pmid = f" (PMID {self.pmid})" if self.pmid else ""
        return f"{where}{pmid}: {self.message}"
