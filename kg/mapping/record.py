"""One record to RDF, exactly as MAPPING.md specifies.

A record gives two sets of triples: those only it states (the article, its
manifestation, its authorships and the record metadata), which go to the record's
own named graph, and descriptions of shared entities (persons, organisations,
journals, MeSH terms, ...), which go once into ``kg:graph/entities``.

>>> from kg.records import Record, Author
>>> rec = Record(pmid="1", title="[A translated title].", languages=["ger"])
>>> rec.authors.append(Author(family="Luo", given="Yang", initials="Y"))
>>> m = Mapper("https://example.org/kg/").map(rec)
>>> [t for t in m.triples if "/title>" in t]
['<https://example.org/kg/br/pmid/1> <http://purl.org/dc/terms/title> "A translated title."']
>>> [t for t in m.entities if "familyName" in t]
['<https://example.org/kg/ra/name/fn/luo-yang> <http://xmlns.com/foaf/0.1/familyName> "Luo"']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pycountry

from kg.identifiers import normalize_doi, normalize_pmcid
from kg.mapping import affiliations, pubtypes
from kg.mapping.iris import Iris, enc
from kg.mapping.pages import page_range
from kg.mapping.terms import Terms, boolean, integer, iri, lang, lit, typed
from kg.mapping.vocab import (
    CITO,
    DATACITE,
    DCTERMS,
    FABIO,
    FOAF,
    FRAPO,
    FRBR,
    KGV,
    LANGUAGE,
    LITERAL,
    MESH,
    MESHV,
    NLM_CATALOG,
    OCO,
    ORCID,
    ORG,
    PMC,
    PRISM,
    PRO,
    PROV,
    PUBMED,
    RDF,
    RDFS,
    ROR,
    SCHEMA,
    VIVO,
    XSD,
)
from kg.records import Affiliation, Author, MeshHeading, PubDate, Record, join_sections

__all__ = ["MappedRecord", "Mapper", "fabio_class"]

# The vocabularies, as N-Triples terms by attribute: fabio.Expression, pro.isHeldBy, ...
rdf, rdfs, xsd = Terms(RDF), Terms(RDFS), Terms(XSD)
fabio, frbr, prism, pro, datacite = Terms(FABIO), Terms(FRBR), Terms(PRISM), Terms(PRO), Terms(DATACITE)
literal, oco, cito, frapo, dcterms = Terms(LITERAL), Terms(OCO), Terms(CITO), Terms(FRAPO), Terms(DCTERMS)
foaf, org, schema, vivo, meshv = Terms(FOAF), Terms(ORG), Terms(SCHEMA), Terms(VIVO), Terms(MESHV)
prov, kgv = Terms(PROV), Terms(KGV)
A, LABEL, SEE_ALSO, NAME = rdf.type, rdfs.label, rdfs.seeAlso, foaf.name

#: CommentsCorrections kinds -> predicate on this record's article (MAPPING.md, CiTO links).
LINK_PREDICATES = {
    "CommentOn": cito.discusses,
    "CommentIn": cito.isDiscussedBy,
    "ErratumFor": cito.corrects,
    "ErratumIn": cito.isCorrectedBy,
    "RetractionOf": cito.retracts,
    "PartialRetractionOf": cito.retracts,
    "RetractionIn": cito.isRetractedBy,
    "PartialRetractionIn": cito.isRetractedBy,
    "UpdateOf": cito.updates,
    "UpdateIn": cito.isUpdatedBy,
    "OriginalReportIn": cito.describes,
    "SummaryForPatientsIn": cito.isDescribedBy,
    "Cites": cito.cites,
    "CorrectedandRepublishedFrom": dcterms.replaces,
    "CorrectedandRepublishedIn": dcterms.isReplacedBy,
    "RepublishedFrom": kgv.republishedFrom,
    "RepublishedIn": kgv.republishedIn,
    "ReprintOf": kgv.reprintOf,
    "ReprintIn": kgv.reprintIn,
    "ExpressionOfConcernFor": kgv.expressionOfConcernFor,
    "ExpressionOfConcernIn": kgv.expressionOfConcernIn,
    "RetractedandRepublishedFrom": kgv.retractedAndRepublishedFrom,
    "RetractedandRepublishedIn": kgv.retractedAndRepublishedIn,
}

#: History events -> (subject, predicate): "article" events describe the work,
#: "graph" events describe the PubMed record.
HISTORY_PREDICATES = {
    "received": ("article", fabio.hasDateReceived),
    "accepted": ("article", dcterms.dateAccepted),
    "revised": ("article", kgv.dateRevised),
    "pmc-release": ("article", fabio.hasEmbargoDate),
    "retracted": ("article", fabio.hasRetractionDate),
    "entrez": ("graph", dcterms.created),
    "pubmed": ("graph", kgv.entrezDate),
    "medline": ("graph", kgv.meshDate),
}

# Publication type -> FaBiO Expression class, first match wins (mapping-notes §5.11).
_PT_CLASSES = (
    ({"retraction of publication"}, "RetractionNotice"),
    ({"preprint"}, "Preprint"),
    ({"editorial"}, "JournalEditorial"),
    ({"letter"}, "Letter"),
    ({"comment"}, "Comment"),
    ({"news", "newspaper article"}, "JournalNewsItem"),
    ({"review", "systematic review", "meta-analysis", "scoping review"}, "ReviewArticle"),
    ({"dataset"}, "DataFile"),
)

# Described entities kept by a Mapper. The hits that pay are the few entities many records
# share (journals, MeSH terms, countries), which a small cache keeps: 20,000 maps the bulk
# file as fast as 200,000 did, in 160 MB instead of 420.
_CACHE_SIZE = 20_000
_ORG_ID_SCHEMES = {"ROR": "ror", "GRID": "grid", "ISNI": "isni", "RINGGOLD": "ringgold"}
# The identifiers an organisation's IRI is made from (MAPPING.md), preferred first: PubMed lists
# GRID and ISNI in either order, and one organisation must get one IRI whatever the order.
_ORG_IRI_SCHEMES = ("ror", "isni", "grid")
_OWN_SCHEMES = {"grid": kgv.grid, "ringgold": kgv.ringgold}  # schemes the DataCite ontology does not name
_BRACKETED = re.compile(r"^\[(.*)\](\.?)$")
# A full stop closing a keyword is no part of it ("Tuberculosis.", "molecular docking."), unless it
# ends an abbreviation ("Fusarium spp.", "Juglans regia L.", "Morchella conica pers."); nor is a
# closing comma or semicolon.
_KEYWORD_END = re.compile(r"[,;]$|(?<=[^\W\d_]{5})\.$")
# The separators of a list of keywords printed as one ("risk factor; disability; cost",
# "ferroptosis, iron metabolism, lipid reactive oxygen species"), never inside brackets
# ("1,2-bis(diphenylphosphino)ethane", "t(8;14)(q24;q32)").
_OUTSIDE_BRACKETS = r"(?![^()\[\]]*[)\]])"
_KEYWORD_SEMICOLON = re.compile(r"(?:\s*;\s+|\s+;\s*)" + _OUTSIDE_BRACKETS)
_KEYWORD_COMMA = re.compile(r",\s+" + _OUTSIDE_BRACKETS)
# Article ids whose form is checked (ArticleIdList / AID, ELocationID / LID): kind ->
# (normaliser, the property keeping a malformed value as given, its name in warnings).
_CHECKED_IDS = {
    "doi": (normalize_doi, kgv.doiAsGiven, "DOI"),
    "pmc": (normalize_pmcid, kgv.pmcidAsGiven, "PMC id"),
}


def _keywords(text: str) -> list[str]:
    """The keywords one keyword field holds: a list split at its semicolons, or at its commas
    when it has two or more (one comma is a keyword's own: "Neoplasms, Experimental"); each
    without a closing full stop, and none of punctuation alone.

    >>> _keywords("Preeclampsia, Interleukin receptor-associated kinase-1, Gene polymorphisms.")
    ['Preeclampsia', 'Interleukin receptor-associated kinase-1', 'Gene polymorphisms']
    >>> _keywords("Fusarium spp."), _keywords("???")
    (['Fusarium spp.'], [])
    """
    parts = _KEYWORD_SEMICOLON.split(text)
    if len(parts) == 1 and len(commas := _KEYWORD_COMMA.split(text)) >= 3:
        parts = commas
    kept = (_KEYWORD_END.sub("", part.strip()) for part in parts)
    return [keyword for keyword in kept if any(c.isalnum() for c in keyword)]


def fabio_class(record: Record) -> str:
    """The one FaBiO Expression subclass for a record, from its publication types."""
    if record.book is not None:
        return "BookChapter" if record.title and record.book.title else "Book"
    names = {pt.name.lower() for pt in record.publication_types}
    for pts, cls in _PT_CLASSES:
        if names & pts:
            return cls
    return "JournalArticle"


@functools.cache
def bcp47(code: str) -> str | None:
    """The BCP 47 tag for a MEDLINE (ISO 639-2/B) language code: "ger" -> "de"."""
    lang_ = pycountry.languages.get(bibliographic=code) or pycountry.languages.get(alpha_3=code)
    if lang_ is None:
        return None
    return getattr(lang_, "alpha_2", None) or lang_.alpha_3


def _title(text: str) -> str:
    """NLM puts translated titles in [brackets]; the title itself has none."""
    m = _BRACKETED.match(text)
    return f"{m.group(1)}{m.group(2)}" if m else text


def _pmid(value: str | None) -> str | None:
    """A PMID as a positive integer without leading zeros; None for anything else, such as
    the "0" some reference lists give for a reference PubMed does not hold."""
    return str(int(value)) if value and value.isdecimal() and int(value) > 0 else None


def _article_numbers(record: Record) -> list[str]:
    """The record's electronic article numbers (mapping-notes §5.2): its pii-type ELocationIDs
    (LID) that the pages are, or, with no pages, that are not the publisher's PII (AID [pii])
    repeated: "e0153", but not "S1879-4068(24)00075-4"."""
    piis = {value for kind, value in record.article_ids if kind == "pii"}
    return [value for kind, value in record.elocation_ids
            if kind == "pii" and (value == record.pages or (not record.pages and value not in piis))]


def _date_literal(date: PubDate) -> str | None:
    iso = date.iso
    if iso is None:
        return None
    datatype = {"day": "date", "month": "gYearMonth", "year": "gYear"}[date.precision or "year"]
    return typed(iso, XSD + datatype)


def _datetime(value) -> str:
    return typed(value.strftime("%Y-%m-%dT%H:%M:%S"), XSD + "dateTime")


def _date(value) -> str:
    return typed(value.isoformat(), XSD + "date")


def _organization_ids(identifiers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(scheme, value) of an affiliation's organisation identifiers in canonical form: a ROR id
    as its https://ror.org/ URL, an ISNI as its 16 characters without spaces (PubMed writes
    both "0000 0004 0612 1049" and "0000000119573309")."""
    ids: list[tuple[str, str]] = []
    for source, value in identifiers:
        scheme = _ORG_ID_SCHEMES.get(source.upper())
        if scheme == "ror":
            value = ROR + value.rsplit("/", 1)[-1]
        elif scheme == "isni":
            value = "".join(value.split()).replace("-", "").upper()
        if scheme and (scheme, value) not in ids:
            ids.append((scheme, value))
    return ids


@dataclass(slots=True)
class MappedRecord:
    """The triples of one record: its own graph's, and the shared entities' it describes."""

    pmid: str
    version: int
    graph: str
    #: "s p o" N-Triples statements of the record graph, in order, without duplicates.
    triples: list[str]
    #: "s p o" N-Triples statements about shared entities, without duplicates.
    entities: list[str]
    notes: list[str] = field(default_factory=list)

    def nquads(self) -> str:
        """The record graph as N-Quads text."""
        g = iri(self.graph)
        return "".join(f"{t} {g} .\n" for t in self.triples)


class _Out:
    """Collects statements for one record, deduplicating in insertion order."""

    __slots__ = ("record", "shared")

    def __init__(self) -> None:
        self.record: dict[str, None] = {}
        self.shared: dict[str, None] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.record[f"{s} {p} {o}"] = None

    def share(self, s: str, p: str, o: str) -> None:
        self.shared[f"{s} {p} {o}"] = None


class Mapper:
    """Maps records to RDF for one base IRI.

    >>> Mapper("https://example.org/kg/").iris.article("1")
    'https://example.org/kg/br/pmid/1'
    """

    def __init__(self, base_iri: str) -> None:
        self.iris = Iris(base_iri)
        self._cache: dict[tuple, tuple[str | None, tuple[str, ...]]] = {}

    def _shared(self, key: tuple, build: Callable[[_Out], str | None], out: _Out) -> str | None:
        """A shared entity's node; its description is built once per distinct ``key``
        (records repeat the same names and affiliations, and describing them is costly)."""
        hit = self._cache.get(key)
        if hit is None:
            described = _Out()
            hit = (build(described), tuple(described.shared))
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = hit
        out.shared.update(dict.fromkeys(hit[1]))
        return hit[0]

    def map(self, record: Record) -> MappedRecord:
        out = _Out()
        notes = list(record.warnings)
        pmid = record.pmid
        br = iri(self.iris.article(pmid))
        graph = self.iris.graph(pmid)
        self._record_metadata(record, iri(graph), br, out)
        self._article(record, br, out, notes)
        self._identifiers(record, br, out, notes)
        self._container(record, br, out)
        self._manifestation(record, br, out)
        self._roles(record, br, out, notes)
        self._subjects(record, br, out)
        self._funding(record, br, out)
        self._links(record, br, out)
        return MappedRecord(pmid, record.pmid_version, graph, list(out.record), list(out.shared), notes)

    # ------------------------------------------------------------ record graph metadata
    def _record_metadata(self, r: Record, g: str, br: str, out: _Out) -> None:
        out.add(g, A, prov.Entity)
        out.add(g, foaf.primaryTopic, br)
        out.add(g, prov.wasDerivedFrom, iri(f"{PUBMED}{r.pmid}/"))
        out.add(g, kgv.pmidVersion, integer(r.pmid_version))
        if r.date_revised:
            out.add(g, dcterms.modified, _date(r.date_revised))
        if r.date_created:
            out.add(g, kgv.dateCreated, _date(r.date_created))
        if r.date_completed:
            out.add(g, kgv.dateCompleted, _date(r.date_completed))
        if r.medline_status:
            out.add(g, kgv.medlineStatus, lit(r.medline_status))
        if r.owner:
            out.add(g, kgv.owner, lit(r.owner))
        for subset in r.subsets:
            out.add(g, kgv.subset, lit(subset))
        for h in r.history:
            target = HISTORY_PREDICATES.get(h.status)
            if target is None:
                continue
            subject = g if target[0] == "graph" else br
            if h.when is not None:
                out.add(subject, target[1], _datetime(h.when))
            elif h.raw:
                out.add(subject, kgv.unparsedDate, lit(f"{h.status}: {h.raw}"))

    # ------------------------------------------------------------ the article
    def _article(self, r: Record, br: str, out: _Out, notes: list[str]) -> None:
        out.add(br, A, fabio.Expression)
        out.add(br, A, fabio[fabio_class(r)])
        out.add(br, fabio.hasPubMedId, lit(r.pmid))
        out.add(br, SEE_ALSO, iri(f"{PUBMED}{r.pmid}/"))
        title = r.title or (r.book.title if r.book else None)
        if title:
            out.add(br, dcterms.title, lit(_title(title)))
        if r.vernacular_title:
            tags = [t for code in r.languages if code != "eng" and (t := bcp47(code))]
            value = lang(r.vernacular_title, tags[0]) if len(tags) == 1 else lit(r.vernacular_title)
            out.add(br, prism.alternateTitle, value)
        abstract = join_sections(r.abstract)
        if abstract:
            out.add(br, dcterms.abstract, lit(abstract))
        for other in r.other_abstracts:
            tag = bcp47(other.language) if other.language else None
            if tag:
                out.add(br, dcterms.abstract, lang(other.text, tag))
            else:
                out.add(br, kgv.otherAbstract, lit(other.text))
        if r.copyright:
            out.add(br, dcterms.rights, lit(r.copyright))
        for code in r.languages:
            out.add(br, dcterms.language, iri(LANGUAGE + enc(code.lower())))
        if r.pub_date:
            d = r.pub_date
            value = _date_literal(d)
            if value:
                out.add(br, prism.publicationDate, value)
            if d.season:
                out.add(br, fabio.hasSeason, lit(d.season))
            if d.raw and not d.is_plain:
                out.add(br, kgv.medlineDate, lit(d.raw))
                if d.year is None:
                    notes.append(f"publication date without a year kept as text: {d.raw!r}")
                elif d.season:  # MAPPING.md: "a date such as "2015 Autumn" ... is reported"
                    notes.append(f"publication date read as {d.iso} with the season {d.season}, kept as text: "
                                 f"{d.raw!r}")
                elif not d.end_year:
                    notes.append(f"publication date read only as {d.iso}, kept as text: {d.raw!r}")
        if r.year:
            out.add(br, fabio.hasPublicationYear, typed(f"{r.year:04d}", XSD + "gYear"))
        if r.citation:
            out.add(br, dcterms.bibliographicCitation, lit(r.citation))
        for number in _article_numbers(r):
            out.add(br, fabio.hasElectronicArticleIdentifier, lit(number))
        for kw in r.keywords:
            for keyword in _keywords(kw.text):
                out.add(br, prism.keyword, lit(keyword))
        if r.coi_statement:
            out.add(br, kgv.conflictOfInterestStatement, lit(r.coi_statement))
        for note in r.general_notes:
            out.add(br, kgv.generalNote, lit(note))
        if r.reference_count is not None:
            out.add(br, kgv.referenceCount, integer(r.reference_count, XSD + "nonNegativeInteger"))
        if r.publication_status:
            out.add(br, kgv.publicationStatus, lit(r.publication_status))
        if r.pub_model:
            out.add(br, kgv.publishingModel, lit(r.pub_model))
        for symbol in r.gene_symbols:
            out.add(br, kgv.geneSymbol, lit(symbol))
        for mission in r.space_flight_missions:
            out.add(br, kgv.spaceFlightMission, lit(mission))
        for bank, accession in r.databanks:
            out.add(br, kgv.secondarySourceId, lit(f"{bank}/{accession}" if accession else bank))
            if bank == "ClinicalTrials.gov" and re.fullmatch(r"NCT\d{8}", accession):
                out.add(br, dcterms.references, iri(f"https://identifiers.org/clinicaltrials:{accession}"))

    # ------------------------------------------------------------ identifiers
    def _identifier(self, subject: str, scheme: str, value: str, out: _Out, shared: bool = False) -> None:
        node = iri(self.iris.identifier(scheme, value))
        (out.share if shared else out.add)(subject, datacite.hasIdentifier, node)
        out.share(node, A, datacite.Identifier)
        out.share(node, datacite.usesIdentifierScheme, _OWN_SCHEMES.get(scheme) or datacite[scheme])
        out.share(node, literal.hasLiteralValue, lit(value.lower() if scheme == "doi" else value))

    def _identifiers(self, r: Record, br: str, out: _Out, notes: list[str]) -> None:
        self._identifier(br, "pmid", r.pmid, out)
        if r.doi:
            out.add(br, prism.doi, lit(r.doi.lower()))
            self._identifier(br, "doi", r.doi, out)
        if r.pmcid:
            out.add(br, fabio.hasPubMedCentralId, lit(r.pmcid))
            out.add(br, SEE_ALSO, iri(f"{PMC}{r.pmcid}/"))
            self._identifier(br, "pmcid", r.pmcid, out)
        if r.pii:
            out.add(br, fabio.hasPII, lit(r.pii))
            self._identifier(br, "pii", r.pii, out)
        for kind, value in r.article_ids:
            if kind == "mid":
                self._identifier(br, "nihmsid", value, out)
        for kind, value in dict.fromkeys((*r.article_ids, *r.elocation_ids)):
            if kind in _CHECKED_IDS:
                normalize, as_given, name = _CHECKED_IDS[kind]
                if normalize(value) is None:
                    out.add(br, as_given, lit(value))
                    notes.append(f"malformed {name} kept as text: {value!r}")

    # ------------------------------------------------------------ journal, volume, issue, book
    def _container(self, r: Record, br: str, out: _Out) -> None:
        if r.book is not None:
            self._book(r, br, out)
            return
        j = r.journal
        if j is None:
            return
        issn = j.issn_linking or j.issn_print or j.issn_electronic
        journal_iri = self.iris.journal(j.nlm_id, issn, j.medline_ta or j.title)
        if journal_iri is None:
            return
        jn = iri(journal_iri)
        out.share(jn, A, fabio.Expression)
        out.share(jn, A, fabio.Journal)
        if j.title:
            out.share(jn, dcterms.title, lit(j.title))
        if j.medline_ta:
            out.share(jn, fabio.hasNLMJournalTitleAbbreviation, lit(j.medline_ta))
        if j.iso_abbreviation:
            out.share(jn, fabio.hasShortTitle, lit(j.iso_abbreviation))
        if j.nlm_id:
            out.share(jn, fabio.hasNationalLibraryOfMedicineJournalId, lit(j.nlm_id))
            out.share(jn, SEE_ALSO, iri(NLM_CATALOG + enc(j.nlm_id)))
        for value, prop, scheme in (
            (j.issn_print, prism.issn, "issn"),
            (j.issn_electronic, prism.eIssn, "eissn"),
            (j.issn_linking, fabio.hasIssnL, "lissn"),
        ):
            if value:
                out.share(jn, prop, lit(value))
                self._identifier(jn, scheme, value, out, shared=True)
        if j.country:
            place = iri(self.iris.place(j.country))
            out.share(jn, fabio.hasPlaceOfPublication, place)
            out.share(place, A, frbr.Place)
            out.share(place, LABEL, lit(j.country))
        container = jn
        if r.volume:
            vol = iri(self.iris.volume(journal_iri, r.volume))
            out.share(vol, A, fabio.Expression)
            out.share(vol, A, fabio.JournalVolume)
            out.share(vol, fabio.hasSequenceIdentifier, lit(r.volume))
            out.share(vol, frbr.partOf, jn)
            container = vol
        if r.issue:
            iss = iri(self.iris.issue(journal_iri, r.volume, r.issue, r.year))
            out.share(iss, A, fabio.Expression)
            out.share(iss, A, fabio.JournalIssue)
            out.share(iss, fabio.hasSequenceIdentifier, lit(r.issue))
            out.share(iss, frbr.partOf, container)
            container = iss
        out.add(br, frbr.partOf, container)

    def _book(self, r: Record, br: str, out: _Out) -> None:
        book = r.book
        assert book is not None
        isbn = book.isbns[0] if book.isbns else None
        if fabio_class(r) == "BookChapter":
            node = iri(self.iris.book(isbn, book.title or ""))
            out.add(br, frbr.partOf, node)
            out.share(node, A, fabio.Expression)
            out.share(node, A, fabio.Book)
            out.share(node, dcterms.title, lit(book.title or ""))
            describe, add = node, out.share
        else:
            describe, add = br, out.add
        for value in book.isbns:
            add(describe, prism.isbn, lit(value))
        if book.edition:
            add(describe, prism.edition, lit(book.edition))
        if book.publisher:
            pub = iri(self.iris.publisher(book.publisher))
            add(describe, dcterms.publisher, pub)
            out.share(pub, A, foaf.Organization)
            out.share(pub, NAME, lit(book.publisher))
        if book.publisher_location:  # as for a journal's country (PL): a frbr:Place, not a literal
            place = iri(self.iris.place(book.publisher_location))
            add(describe, fabio.hasPlaceOfPublication, place)
            out.share(place, A, frbr.Place)
            out.share(place, LABEL, lit(book.publisher_location))
        if book.collection_title:
            series = iri(self.iris.series(book.collection_title))
            add(describe, frbr.partOf, series)
            out.share(series, A, fabio.Expression)
            out.share(series, A, fabio.BookSeries)
            out.share(series, dcterms.title, lit(book.collection_title))

    # ------------------------------------------------------------ manifestation (pages, e-date)
    def _manifestation(self, r: Record, br: str, out: _Out) -> None:
        e_date = r.electronic_date
        if e_date is None:
            history = r.history_dates
            moment = history.get("epublish") or history.get("aheadofprint")
            e_date = moment.date() if moment else None
        if not r.pages and e_date is None:
            return
        re_ = iri(self.iris.manifestation(r.pmid))
        out.add(br, frbr.embodiment, re_)
        out.add(re_, A, fabio.Manifestation)
        medium = {"internet": "DigitalManifestation", "print": "PrintObject"}.get((r.cited_medium or "").lower())
        if medium:
            out.add(re_, A, fabio[medium])
        if r.pages:
            start, end = page_range(r.pages)
            if start:
                out.add(re_, prism.startingPage, lit(start))
            if end:
                out.add(re_, prism.endingPage, lit(end))
            out.add(re_, prism.pageRange, lit(r.pages))
        if e_date is not None:
            out.add(re_, prism.publicationDate, _date(e_date))

    # ------------------------------------------------------------ authors, investigators, editors
    def _roles(self, r: Record, br: str, out: _Out, notes: list[str]) -> None:
        book_editors = r.book.editors if r.book else []
        for kind, role, people in (
            ("ar", "author", r.authors),
            ("ir", "contributor", r.investigators),
            ("ed", "editor", book_editors),
        ):
            nodes = [iri(self.iris.role(r.pmid, kind, n)) for n in range(1, len(people) + 1)]
            for n, (node, person) in enumerate(zip(nodes, people), 1):
                out.add(br, pro.isDocumentContextFor, node)
                out.add(node, A, pro.RoleInTime)
                out.add(node, pro.withRole, pro[role])
                out.add(node, pro.relatesToDocument, br)
                out.add(node, vivo.rank, integer(n))
                if n < len(nodes):
                    out.add(node, oco.hasNext, nodes[n])
                label = person.label
                if label:
                    out.add(node, LABEL, lit(label))
                if person.initials:
                    out.add(node, kgv.initials, lit(person.initials))
                if person.equal_contrib:
                    out.add(node, kgv.equalContribution, boolean(True))
                if not person.valid:
                    out.add(node, kgv.valid, boolean(False))
                if person.orcid_raw:
                    out.add(node, kgv.orcidAsGiven, lit(person.orcid_raw))
                    who = "investigator" if kind == "ir" else role
                    notes.append(f"{who} {n} ({person.label}): malformed ORCID kept as text: {person.orcid_raw!r}")
                agent = self._agent(person, r.pmid, kind, n, out)
                out.add(node, pro.isHeldBy, agent)
                if role == "author":
                    out.add(br, dcterms.creator, agent)
                for aff in person.affiliations:
                    org = self._organization(aff, out)
                    if org:
                        out.add(node, pro.relatesToOrganization, org)
        for n, person in enumerate(r.personal_name_subjects, 1):
            out.add(br, dcterms.subject, self._agent(person, r.pmid, "ps", n, out))

    def _agent(self, person: Author, pmid: str, kind: str, n: int, out: _Out) -> str:
        """The person (or collective) node, described in the shared graph."""
        minted = self.iris.person(person)
        if minted is None:  # no usable name: a node of this record's own
            return self._describe_agent(person, iri(f"{self.iris.base}ra/pmid/{pmid}/{kind}/{n}"), out)
        key = ("agent", minted, person.family, person.given, person.suffix, person.collective)
        return self._shared(key, lambda described: self._describe_agent(person, iri(minted), described), out)

    def _describe_agent(self, person: Author, node: str, out: _Out) -> str:
        if person.collective:
            out.share(node, A, foaf.Organization)
            out.share(node, NAME, lit(person.collective))
            return node
        out.share(node, A, foaf.Person)
        full = " ".join(p for p in (person.given, person.family, person.suffix) if p)
        if full:
            out.share(node, NAME, lit(full))
        if person.family:
            out.share(node, foaf.familyName, lit(person.family))
        if person.given:
            out.share(node, foaf.givenName, lit(person.given))
        if person.orcid:
            self._identifier(node, "orcid", person.orcid, out, shared=True)
            out.share(node, SEE_ALSO, iri(ORCID + person.orcid))
        return node

    def _organization(self, aff: Affiliation, out: _Out) -> str | None:
        key = ("org", aff.name, tuple(aff.identifiers))
        return self._shared(key, lambda described: self._describe_organization(aff, described), out)

    def _describe_organization(self, aff: Affiliation, out: _Out) -> str | None:
        name = affiliations.clean(aff.name)
        if not name:
            return None
        ids = _organization_ids(aff.identifiers)
        key = next(((scheme, value) for scheme in _ORG_IRI_SCHEMES for s, value in ids if s == scheme), None)
        # kg:org/ror/{the id}, without the https://ror.org/ its identifier node keeps
        node = iri(self.iris.organization_by_id(key[0], key[1].removeprefix(ROR)) if key
                   else self.iris.organization(name))
        for scheme, value in ids:
            self._identifier(node, scheme, value, out, shared=True)
        out.share(node, A, foaf.Organization)
        out.share(node, A, org.Organization)
        out.share(node, NAME, lit(name))
        code = affiliations.country(aff.name)
        if code:
            out.share(node, schema.addressCountry, lit(code))
        inst_name = affiliations.institution(aff.name)
        if inst_name:
            inst = iri(self.iris.institution(inst_name))
            out.share(node, org.subOrganizationOf, inst)
            out.share(inst, A, foaf.Organization)
            out.share(inst, NAME, lit(inst_name))
        return node

    # ------------------------------------------------------------ MeSH, publication types, chemicals
    def _subjects(self, r: Record, br: str, out: _Out) -> None:
        has_subject, primary = fabio.hasSubjectTerm, fabio.hasPrimarySubjectTerm
        for heading in r.mesh_headings:
            descriptor = self._descriptor(heading, out)
            out.add(br, has_subject, descriptor)
            if heading.major:
                out.add(br, primary, descriptor)
            for q in heading.qualifiers:
                if heading.ui and q.ui:
                    pair = iri(MESH + enc(heading.ui + q.ui))
                    qualifier = iri(MESH + enc(q.ui))
                else:
                    pair = iri(self.iris.mesh_label(f"{heading.descriptor}/{q.name}"))
                    qualifier = iri(self.iris.mesh_qualifier_label(q.name))
                out.add(br, has_subject, pair)
                if q.major:
                    out.add(br, primary, pair)
                out.share(pair, LABEL, lit(f"{heading.descriptor}/{q.name}"))
                out.share(pair, meshv.hasDescriptor, descriptor)
                out.share(pair, meshv.hasQualifier, qualifier)
                out.share(qualifier, LABEL, lit(q.name))
        for concept in r.supplementary_concepts:
            node = iri(MESH + enc(concept.ui)) if concept.ui else iri(self.iris.mesh_label(concept.name))
            out.add(br, has_subject, node)
            out.share(node, LABEL, lit(concept.name))
        for chem in r.chemicals:
            node = iri(MESH + enc(chem.ui)) if chem.ui else iri(self.iris.mesh_label(chem.name))
            out.add(br, dcterms.subject, node)
            out.share(node, LABEL, lit(chem.name))
            if chem.registry_number and chem.registry_number != "0":
                out.share(node, meshv.registryNumber, lit(chem.registry_number))
        for pt in map(pubtypes.known, r.publication_types):
            node = iri(MESH + enc(pt.ui)) if pt.ui else iri(self.iris.pubtype(pt.name))
            out.add(br, dcterms.type, node)
            out.share(node, LABEL, lit(pt.name))

    def _descriptor(self, heading: MeshHeading, out: _Out) -> str:
        node = iri(MESH + enc(heading.ui)) if heading.ui else iri(self.iris.mesh_label(heading.descriptor))
        out.share(node, LABEL, lit(heading.descriptor))
        return node

    # ------------------------------------------------------------ grants
    def _funding(self, r: Record, br: str, out: _Out) -> None:
        for g in r.grants:
            if not (g.grant_id or g.agency):
                continue
            grant = iri(self.iris.grant(g.agency, g.grant_id))
            out.add(br, frapo.isFundedBy, grant)
            out.share(grant, A, frapo.Grant)
            if g.grant_id:
                out.share(grant, frapo.hasGrantNumber, lit(g.grant_id))
            if g.agency:
                funder = iri(self.iris.funder(g.agency))
                out.share(grant, frapo.isAwardedBy, funder)
                out.share(funder, A, foaf.Organization)
                out.share(funder, A, frapo.FundingAgency)
                out.share(funder, NAME, lit(g.agency))
                if g.acronym:
                    out.share(funder, frapo.hasAcronym, lit(g.acronym))
                if g.country:
                    out.share(funder, frapo.hasCountry, lit(g.country))

    # ------------------------------------------------------------ links to other records
    def _links(self, r: Record, br: str, out: _Out) -> None:
        links = [(LINK_PREDICATES.get(cc.kind), cc.pmid) for cc in r.comments_corrections]
        links += [(cito.cites, ref.pmid) for ref in r.references]
        for predicate, value in links:
            pmid = _pmid(value)
            if predicate and pmid and pmid != r.pmid:
                out.add(br, predicate, iri(self.iris.article(pmid)))
