"""Export profiles: other views of the same articles.

* ``bibo`` (Turtle) and ``schema`` (schema.org JSON-LD): CONSTRUCT queries kept in
  ``queries/profiles/``, plus the author and editor lists in order (bibo:authorList
  and bibo:editorList as rdf:Lists; schema:author and schema:editor as JSON-LD @lists
  of this paper's authorships);
* ``csl-json``, ``bibtex``, ``ris`` and ``datacite-json``: what reference managers
  (Zotero, EndNote, Mendeley) and DataCite import.

Authorships PubMed marks invalid (``kgv:valid false``) are left out of every profile.
Articles are all of the store's, or those a SELECT query names (see
:mod:`kg.selection`); they are read and written in batches, so any store size streams.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.mapping.vocab import PRO
from kg.output import open_output
from kg.query import bind_rows
from kg.resources import shipped
from kg.selection import selected_pmids
from kg.sources.dates import MONTHS

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["PROFILE_EXTENSIONS", "PROFILES", "Article", "Contributor", "articles", "export_profile"]

PROFILES = ("bibo", "schema", "csl-json", "bibtex", "ris", "datacite-json")
#: The file name endings of each profile's files.
PROFILE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "bibo": (".ttl",), "schema": (".jsonld", ".json"), "csl-json": (".json",), "bibtex": (".bib",),
    "ris": (".ris",), "datacite-json": (".json",),
}
_BATCH = 200
_BIBO = "http://purl.org/ontology/bibo/"
_SCHEMA = "http://schema.org/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class Contributor:
    """One author or editor of an article, named as printed on it."""

    role: str  # the authorship (or editorship) node: kg:br/pmid/{PMID}/ar/{n}
    agent: str  # the person or collective holding it
    family: str  # the family name; a collective's whole name
    given: str | None = None
    suffix: str | None = None  # "Jr", "Sr", "2nd", "3rd"
    orcid: str | None = None
    organisation: bool = False  # a collective author

    @property
    def full_name(self) -> str:
        """ "Anthony R Artino Jr", or a collective's name."""
        return " ".join(p for p in (self.given, self.family, self.suffix) if p)

    @property
    def inverted_name(self) -> str:
        """ "Artino, Anthony R Jr" (as PubMed prints it), or a collective's name."""
        rest = " ".join(p for p in (self.given, self.suffix) if p)
        return f"{self.family}, {rest}" if rest else self.family


@dataclass
class Article:
    """What the bibliographic formats need of one article."""

    iri: str
    pmid: str
    kind: str = "JournalArticle"
    title: str | None = None
    abstract: str | None = None
    date: str | None = None  # ISO 8601 at its precision: "2014", "2014-01", "2014-01-09"
    year: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    journal: str | None = None
    journal_abbreviation: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    start: str | None = None
    end: str | None = None
    pages: str | None = None
    publisher: str | None = None
    publisher_place: str | None = None  # of a book: where its publisher is
    authors: list[Contributor] = field(default_factory=list)  # in order
    editors: list[Contributor] = field(default_factory=list)  # in order (books)
    keywords: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @property
    def date_parts(self) -> list[int]:
        return [int(p) for p in (self.date or self.year or "").split("-") if p.isdigit()]


# The journal heads the chain article -> issue -> volume -> journal (any link may be absent),
# spelled out in every query: a frbr:partOf+ path would be evaluated over the whole store.
# A record whose only title is in its own language (an empty ArticleTitle) is cited by that one.
_FIELDS = """
SELECT ?article ?pmid ?class ?title ?abstract ?date ?year ?doi ?pmcid ?journal ?abbreviation ?issn ?volume ?issue
       ?start ?end ?pages ?bookTitle ?publisher ?place WHERE {
  ?article fabio:hasPubMedId ?pmid .
  OPTIONAL { ?article a ?class FILTER(?class IN (fabio:Book, fabio:BookChapter)) }
  OPTIONAL { ?article dcterms:title ?englishTitle }
  OPTIONAL { ?article prism:alternateTitle ?vernacularTitle }
  BIND(COALESCE(?englishTitle, ?vernacularTitle) AS ?title)
  OPTIONAL { ?article dcterms:abstract ?abstract FILTER(LANG(?abstract) = "") }
  OPTIONAL { ?article prism:publicationDate ?date }
  OPTIONAL { ?article fabio:hasPublicationYear ?year }
  OPTIONAL { ?article prism:doi ?doi }
  OPTIONAL { ?article fabio:hasPubMedCentralId ?pmcid }
  OPTIONAL { ?article frbr:embodiment ?re . OPTIONAL { ?re prism:startingPage ?start }
             OPTIONAL { ?re prism:endingPage ?end } OPTIONAL { ?re prism:pageRange ?pages } }
  OPTIONAL { ?article frbr:partOf ?issueNode . ?issueNode a fabio:JournalIssue ; fabio:hasSequenceIdentifier ?issue }
  OPTIONAL { ?article frbr:partOf/frbr:partOf? ?volumeNode . ?volumeNode a fabio:JournalVolume ;
             fabio:hasSequenceIdentifier ?volume }
  OPTIONAL { ?article frbr:partOf ?p1 . OPTIONAL { ?p1 frbr:partOf ?p2 . OPTIONAL { ?p2 frbr:partOf ?p3 } }
             BIND(COALESCE(?p3, ?p2, ?p1) AS ?j) ?j a fabio:Journal . OPTIONAL { ?j dcterms:title ?journal }
             OPTIONAL { ?j fabio:hasNLMJournalTitleAbbreviation ?abbreviation } OPTIONAL { ?j prism:issn ?issn } }
  OPTIONAL { ?article frbr:partOf ?book . ?book a fabio:Book ; dcterms:title ?bookTitle }
  OPTIONAL { { ?article dcterms:publisher ?p } UNION { ?article frbr:partOf/dcterms:publisher ?p }
             ?p foaf:name ?publisher }
  OPTIONAL { ?article frbr:partOf? ?placed . ?placed a fabio:Book ; fabio:hasPlaceOfPublication/rdfs:label ?place }
}"""
# The name as printed on this paper is the role's label ("Artino, Anthony R Jr"); the person's given
# names (all its variants) and the role's initials tell where the given name ends and a suffix begins.
_CONTRIBUTORS = """
SELECT ?article ?role ?function ?rank ?agent ?label ?initials ?given ?organisation ?orcid WHERE {
  ?article pro:isDocumentContextFor ?role .
  ?role pro:withRole ?function ; vivo:rank ?rank ; pro:isHeldBy ?agent .
  FILTER(?function IN (pro:author, pro:editor))
  FILTER NOT EXISTS { ?role kgv:valid false }
  OPTIONAL { ?role rdfs:label ?label }
  OPTIONAL { ?role kgv:initials ?initials }
  OPTIONAL { ?agent foaf:givenName ?given }
  BIND(EXISTS { ?agent a foaf:Organization } AS ?organisation)
  OPTIONAL { ?agent datacite:hasIdentifier ?id . ?id datacite:usesIdentifierScheme datacite:orcid ;
             literal:hasLiteralValue ?orcid }
}"""
_KEYWORDS = "SELECT ?article ?keyword WHERE { ?article prism:keyword ?keyword }"
_LANGUAGES = "SELECT ?article ?language WHERE { ?article dcterms:language ?language }"


def _selected(kg: KnowledgeGraph, query: str | None) -> Iterable[str]:
    """The PMIDs ``query`` names (read now, so that a bad query fails before anything is written),
    or every article's (read as needed)."""
    if query is not None:
        return selected_pmids(kg, query)
    return (str(pmid) for (pmid,) in kg.index.db.execute("SELECT pmid FROM records ORDER BY pmid"))


def articles(kg: KnowledgeGraph, query: str | None = None) -> Iterator[list[Article]]:
    """Batches of :class:`Article` for the selected articles, in the order selected; PMIDs the
    store does not hold are skipped. Raises :class:`kg.selection.SelectionError` (a ValueError)
    at once for a query that names no articles, SyntaxError for one that does not parse."""
    return _batches(kg, _selected(kg, query))


def _batches(kg: KnowledgeGraph, pmids: Iterable[str]) -> Iterator[list[Article]]:
    batch: list[str] = []
    for pmid in pmids:
        batch.append(kg.iris.article(pmid))
        if len(batch) == _BATCH:
            yield _read(kg, batch)
            batch = []
    if batch:
        yield _read(kg, batch)


def _rows(kg: KnowledgeGraph, sparql: str, iris: list[str]) -> list[dict[str, Any]]:
    return kg.select(bind_rows(sparql, ["article"], [[ox.NamedNode(i)] for i in iris]))


def _read(kg: KnowledgeGraph, iris: list[str]) -> list[Article]:
    found: dict[str, Article] = {}
    for row in _rows(kg, _FIELDS, iris):
        art = found.get(row["article"])
        if art is None:
            art = found[row["article"]] = Article(row["article"], row["pmid"])
        if row.get("class"):
            art.kind = row["class"].rsplit("/", 1)[-1]
        for key, attr in (("title", "title"), ("abstract", "abstract"), ("date", "date"), ("year", "year"),
                          ("doi", "doi"), ("pmcid", "pmcid"), ("journal", "journal"),
                          ("abbreviation", "journal_abbreviation"), ("issn", "issn"), ("volume", "volume"),
                          ("issue", "issue"), ("start", "start"), ("end", "end"), ("pages", "pages"),
                          ("publisher", "publisher"), ("place", "publisher_place")):
            if row.get(key) is not None and getattr(art, attr) is None:
                setattr(art, attr, str(row[key]))
        if row.get("bookTitle") and art.journal is None:
            art.journal = row["bookTitle"]
    _read_contributors(kg, iris, found)
    for row in _rows(kg, _KEYWORDS, iris):
        found[row["article"]].keywords.append(row["keyword"])
    for row in _rows(kg, _LANGUAGES, iris):
        found[row["article"]].languages.append(row["language"].rsplit("/", 1)[-1])
    return [found[i] for i in iris if i in found]


def _read_contributors(kg: KnowledgeGraph, iris: list[str], found: dict[str, Article]) -> None:
    """Fill in the authors and editors of the articles ``found``, in order."""
    roles: dict[str, dict[str, Any]] = {}
    givens: dict[str, set[str]] = {}
    # A role has a row for each given name its person has (name variants build up on one person).
    for row in _rows(kg, _CONTRIBUTORS, iris):
        roles.setdefault(row["role"], row)
        givens.setdefault(row["role"], set()).update(row[k] for k in ("given", "initials") if k in row)
    for role, row in sorted(roles.items(), key=lambda item: item[1]["rank"]):
        art = found[row["article"]]
        people = art.authors if row["function"] == PRO + "author" else art.editors
        people.append(_contributor(row, givens[role]))


def _contributor(row: dict[str, Any], givens: set[str]) -> Contributor:
    """A contributor from its role's row; a person's name is split as printed: "Family, Given Suffix"."""
    label = row.get("label", "")
    if row["organisation"]:
        return Contributor(row["role"], row["agent"], label, organisation=True)
    family, _, printed = label.partition(", ")
    given, suffix = _given_and_suffix(printed, givens)
    return Contributor(row["role"], row["agent"], family, given, suffix, row.get("orcid"))


def _given_and_suffix(printed: str, givens: set[str]) -> tuple[str | None, str | None]:
    """ "Anthony R Jr" -> ("Anthony R", "Jr") when "Anthony R" is one of the person's ``givens``
    (given names or initials); the suffix is what follows the longest of them."""
    known = [g for g in givens if printed == g or printed.startswith(g + " ")]
    if not known:
        return printed or None, None
    given = max(known, key=len)
    return given, printed[len(given):].strip() or None


# ---------------------------------------------------------------- writing


def export_profile(kg: KnowledgeGraph, profile: str, output: str | os.PathLike[str] | IO[bytes],
                   query: str | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Write the selected articles in ``profile`` to a path or a binary stream; returns how many
    were written. A path ("-": standard output) is written through :func:`kg.output.open_output`:
    gzip-compressed when it ends in ``.gz``, and there only once complete. ``progress``, if given,
    is called after each batch with the number of articles written so far.

    Raises ValueError for an unknown profile, and before writing anything
    :class:`kg.selection.SelectionError` (a ValueError) for a ``query`` that is not a SELECT
    or whose first variable gives something other than articles or PMIDs, SyntaxError for
    a ``query`` that does not parse."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)}")
    batches = articles(kg, query)
    if progress is not None:
        batches = _reporting(batches, progress)
    if isinstance(output, (str, os.PathLike)):
        with open_output(output) as stream:
            return _write_profile(kg, profile, stream, batches)
    return _write_profile(kg, profile, output, batches)


def _write_profile(kg: KnowledgeGraph, profile: str, stream: IO[bytes], batches: Iterator[list[Article]]) -> int:
    """Write ``batches`` of articles in ``profile`` (one of :data:`PROFILES`); returns how many were written."""
    if profile in ("bibo", "schema"):
        return _write_rdf_view(kg, profile, stream, batches)
    count = 0
    json_array = profile in ("csl-json", "datacite-json")
    if json_array:
        stream.write(b"[")
    for batch in batches:
        for art in batch:
            if profile == "bibtex":
                stream.write(bibtex(art).encode())
            elif profile == "ris":
                stream.write(ris(art).encode())
            else:
                item = csl_json(art) if profile == "csl-json" else datacite_json(art)
                stream.write((",\n" if count else "\n").encode() + json.dumps(item, ensure_ascii=False).encode())
            count += 1
    if json_array:
        stream.write(b"\n]\n")
    return count


def _reporting(batches: Iterator[list[Article]], progress: Callable[[int], None]) -> Iterator[list[Article]]:
    """``batches``, calling ``progress`` with the number of articles in those written so far."""
    done = 0
    for batch in batches:
        yield batch
        done += len(batch)
        progress(done)


def _issued(art: Article) -> dict[str, Any]:
    return {"date-parts": [art.date_parts]} if art.date_parts else {}


def _csl_name(person: Contributor) -> dict[str, str]:
    if person.organisation:
        return {"literal": person.family}
    parts = (("family", person.family), ("given", person.given), ("suffix", person.suffix))
    return {k: v for k, v in parts if v}


def csl_json(art: Article) -> dict[str, Any]:
    """A CSL-JSON item (Zotero, citeproc)."""
    item: dict[str, Any] = {
        "id": f"pmid:{art.pmid}",
        "type": {"Book": "book", "BookChapter": "chapter"}.get(art.kind, "article-journal"),
        "title": art.title,
        "author": [_csl_name(a) for a in art.authors],
        "editor": [_csl_name(e) for e in art.editors],
        "issued": _issued(art),
        "container-title": art.journal,
        "container-title-short": art.journal_abbreviation,
        "volume": art.volume,
        "issue": art.issue,
        "page": f"{art.start}-{art.end}" if art.start and art.end else art.start,
        "DOI": art.doi,
        "PMID": art.pmid,
        "PMCID": art.pmcid,
        "ISSN": art.issn,
        "abstract": art.abstract,
        "publisher": art.publisher,
        "publisher-place": art.publisher_place,
        "language": art.languages[0] if art.languages else None,
        "keyword": ", ".join(art.keywords) or None,
        "URL": f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/",
    }
    return {k: v for k, v in item.items() if v not in (None, {}, [])}


_LATEX = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})
# Doubled characters LaTeX prints as one ligature: "--" as an en dash, "''" and "``" as quotation marks.
_LIGATURE = re.compile(r"([-'`])(?=\1)")


def _tex(text: str) -> str:
    # An empty group between the two keeps them two characters: 7'' stays 7'{}'.
    return _LIGATURE.sub(r"\1{}", " ".join(text.split()).translate(_LATEX))


def _bibtex_name(person: Contributor) -> str:
    """ "{Artino}, Jr, Anthony R": BibTeX's "Last, Jr, First" form."""
    # Family names in braces: BibTeX would read "de León" or "van der Berg" as a von part,
    # and a collective's name as a family name and given names.
    family = f"{{{_tex(person.family)}}}"
    if person.suffix:
        return f"{family}, {_tex(person.suffix)}, {_tex(person.given or '')}"
    return f"{family}, {_tex(person.given)}" if person.given else family


def _bibtex_names(people: list[Contributor]) -> str:
    return " and ".join(_bibtex_name(p) for p in people)


def bibtex(art: Article) -> str:
    """A BibTeX entry; LaTeX special characters are escaped, the rest is UTF-8."""
    kind = {"Book": "book", "BookChapter": "incollection"}.get(art.kind, "article")
    month = MONTHS[art.date_parts[1] - 1].lower() if len(art.date_parts) > 1 else None
    fields = [
        ("author", _bibtex_names(art.authors)), ("editor", _bibtex_names(art.editors)),
        ("title", _tex(art.title) if art.title else None),
        ("booktitle" if kind == "incollection" else "journal", _tex(art.journal) if art.journal else None),
        ("year", art.year or (str(art.date_parts[0]) if art.date_parts else None)),
        ("volume", art.volume), ("number", art.issue),
        ("pages", f"{art.start}--{art.end}" if art.start and art.end else art.start),
        ("publisher", _tex(art.publisher) if art.publisher else None),
        ("address", _tex(art.publisher_place) if art.publisher_place else None),
        ("doi", art.doi), ("pmid", art.pmid), ("pmcid", art.pmcid), ("issn", art.issn),
        ("keywords", _tex(", ".join(art.keywords)) if art.keywords else None),
        ("abstract", _tex(art.abstract) if art.abstract else None),
    ]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    if month:
        body += f",\n  month = {month}"
    return f"@{kind}{{pmid{art.pmid},\n{body}\n}}\n\n"


def _ris_name(person: Contributor) -> str:
    """ "Artino, Anthony R, Jr": RIS's "Last, First, Suffix" form."""
    if person.suffix:
        return f"{person.family}, {person.given or ''}, {person.suffix}"
    return f"{person.family}, {person.given}" if person.given else person.family


def ris(art: Article) -> str:
    """A RIS record (EndNote, Zotero, Mendeley); editors are secondary authors (A2)."""
    lines = [("TY", {"Book": "BOOK", "BookChapter": "CHAP"}.get(art.kind, "JOUR"))]
    lines += [("AU", _ris_name(a)) for a in art.authors]
    lines += [("A2", _ris_name(e)) for e in art.editors]
    lines += [("TI", art.title), ("T2", art.journal), ("JO", art.journal_abbreviation)]
    parts = art.date_parts
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    lines += [("VL", art.volume), ("IS", art.issue), ("SP", art.start), ("EP", art.end), ("DO", art.doi),
              ("SN", art.issn), ("PB", art.publisher), ("CY", art.publisher_place), ("AN", art.pmid),
              ("C2", art.pmcid),
              ("UR", f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/"), ("AB", art.abstract)]
    lines += [("KW", k) for k in art.keywords]
    lines += [("LA", lang) for lang in art.languages]
    text = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines if value)
    return text + "ER  - \n\n"


def _datacite_name(person: Contributor) -> dict[str, Any]:
    """A DataCite creator or contributor: organisational for a collective author, else personal."""
    if person.organisation:
        return {"name": person.family, "nameType": "Organizational"}
    name: dict[str, Any] = {"name": person.inverted_name, "nameType": "Personal", "givenName": person.given,
                            "familyName": person.family}
    if person.orcid:
        name["nameIdentifiers"] = [{"nameIdentifier": f"https://orcid.org/{person.orcid}",
                                    "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}]
    return {k: v for k, v in name.items() if v}


def datacite_json(art: Article) -> dict[str, Any]:
    """A DataCite metadata record (JSON, schema 4.x field names)."""
    record: dict[str, Any] = {
        "id": f"https://doi.org/{art.doi}" if art.doi else f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/",
        "doi": art.doi,
        "types": {"resourceTypeGeneral": {"Book": "Book", "BookChapter": "BookChapter"}.get(art.kind, "JournalArticle"),
                  "resourceType": art.kind},
        # DataCite requires a creator: a book with editors only is credited to them, as citations do.
        "creators": [_datacite_name(a) for a in art.authors or art.editors],
        "contributors": [_datacite_name(e) | {"contributorType": "Editor"} for e in art.editors],
        "titles": [{"title": art.title}] if art.title else [],
        "publisher": art.publisher or art.journal,
        "publicationYear": int(art.date_parts[0]) if art.date_parts else None,
        "dates": [{"date": art.date, "dateType": "Issued"}] if art.date else [],
        "subjects": [{"subject": k} for k in art.keywords],
        "language": art.languages[0] if art.languages else None,
        "identifiers": [{"identifier": art.pmid, "identifierType": "PMID"}]
        + ([{"identifier": art.pmcid, "identifierType": "PMCID"}] if art.pmcid else []),
        "descriptions": [{"description": art.abstract, "descriptionType": "Abstract"}] if art.abstract else [],
        # A journal article's journal or a chapter's book; a book has none (art.journal is then None).
        "container": {k: v for k, v in {
            "type": "Book" if art.kind == "BookChapter" else "Journal", "title": art.journal, "volume": art.volume,
            "issue": art.issue, "firstPage": art.start, "lastPage": art.end, "identifier": art.issn,
            "identifierType": "ISSN" if art.issn else None}.items() if v} if art.journal else None,
    }
    return {k: v for k, v in record.items() if v not in (None, [], {})}


# ---------------------------------------------------------------- RDF views (BIBO, schema.org)


def _view_query(profile: str) -> str:
    return (shipped("queries") / "profiles" / f"{profile}.rq").read_text(encoding="utf-8")


def _write_rdf_view(kg: KnowledgeGraph, profile: str, stream: IO[bytes], batches: Iterator[list[Article]]) -> int:
    """BIBO as Turtle (one block per batch), schema.org as one JSON-LD document."""
    sparql = _view_query(profile)
    count, nodes = 0, 0
    if profile == "schema":
        stream.write(b'{"@context": ' + json.dumps(SCHEMA_CONTEXT).encode() + b',\n"@graph": [')
    for batch in batches:
        graph = _view_graph(kg, profile, sparql, batch)
        count += len(batch)
        if profile == "bibo":
            stream.write(graph.serialize(format="turtle").encode())
            continue
        doc = json.loads(graph.serialize(format="json-ld", context=SCHEMA_CONTEXT, auto_compact=True))
        for item in doc.get("@graph", [doc] if "@id" in doc else []):
            item.pop("@context", None)
            stream.write((",\n" if nodes else "\n").encode() + json.dumps(item, ensure_ascii=False).encode())
            nodes += 1
    if profile == "schema":
        stream.write(b"\n]}\n")
    return count


SCHEMA_CONTEXT: dict[str, Any] = {
    "@vocab": _SCHEMA,
    "schema": _SCHEMA,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "author": {"@id": "schema:author", "@container": "@list"},
    "editor": {"@id": "schema:editor", "@container": "@list"},
}


def _view_graph(kg: KnowledgeGraph, profile: str, sparql: str, batch: list[Article]) -> Any:
    """The view of a batch of articles: the CONSTRUCT's triples and the ordered author and editor lists."""
    import rdflib

    graph = rdflib.Graph()
    for prefix, namespace in kg.prefixes.items():
        graph.bind(prefix, namespace, override=True)
    for triple in kg.query(bind_rows(sparql, ["article"], [[ox.NamedNode(a.iri)] for a in batch])):
        graph.add(_to_rdflib(triple))
    if profile == "bibo":
        _add_bibo_lists(graph, batch)
    else:
        _add_schema_lists(graph, batch)
        _add_schema_affiliations(graph, kg, batch)
    return graph


def _add_list(graph: Any, subject: str, predicate: str, items: list[Any]) -> None:
    import rdflib
    from rdflib.collection import Collection

    if items:
        head = rdflib.BNode()
        Collection(graph, head, items)
        graph.add((rdflib.URIRef(subject), rdflib.URIRef(predicate), head))


def _add_bibo_lists(graph: Any, batch: list[Article]) -> None:
    """bibo:authorList and bibo:editorList of the persons and collectives (bibo.rq describes them)."""
    import rdflib

    for art in batch:
        for predicate, people in (("authorList", art.authors), ("editorList", art.editors)):
            _add_list(graph, art.iri, _BIBO + predicate, [rdflib.URIRef(p.agent) for p in people])


def _add_schema_lists(graph: Any, batch: list[Article]) -> None:
    """schema:author and schema:editor: this paper's authorships, each a Person or Organization named as printed."""
    for art in batch:
        for predicate, people in (("author", art.authors), ("editor", art.editors)):
            _add_list(graph, art.iri, _SCHEMA + predicate, [_schema_agent(graph, p) for p in people])


def _schema_agent(graph: Any, person: Contributor) -> Any:
    import rdflib

    schema = rdflib.Namespace(_SCHEMA)
    node = rdflib.URIRef(person.role)
    graph.add((node, rdflib.RDF.type, schema.Organization if person.organisation else schema.Person))
    graph.add((node, schema.name, rdflib.Literal(person.full_name)))
    if person.organisation:
        graph.add((node, schema.legalName, rdflib.Literal(person.family)))
        return node
    for predicate, value in ((schema.familyName, person.family), (schema.givenName, person.given),
                             (schema.honorificSuffix, person.suffix)):
        if value:
            graph.add((node, predicate, rdflib.Literal(value)))
    if person.orcid:
        graph.add((node, schema.sameAs, rdflib.URIRef(f"https://orcid.org/{person.orcid}")))
    return node


_AFFILIATIONS = """
SELECT ?role ?org ?name WHERE {
  ?article pro:isDocumentContextFor ?role . ?role pro:relatesToOrganization ?org . ?org foaf:name ?name
}"""


def _add_schema_affiliations(graph: Any, kg: KnowledgeGraph, batch: list[Article]) -> None:
    """schema:affiliation of the listed authorships: this paper's affiliations (the authorship is per paper)."""
    import rdflib

    schema = rdflib.Namespace(_SCHEMA)
    listed = {p.role for art in batch for p in art.authors + art.editors}
    for row in _rows(kg, _AFFILIATIONS, [a.iri for a in batch]):
        if row["role"] in listed:  # not an investigator's, nor an invalid authorship's
            org = rdflib.URIRef(row["org"])
            graph.add((rdflib.URIRef(row["role"]), schema.affiliation, org))
            graph.add((org, rdflib.RDF.type, schema.Organization))
            graph.add((org, schema.name, rdflib.Literal(row["name"])))


def _to_rdflib(triple: Any) -> tuple[Any, Any, Any]:
    import rdflib

    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype.value == _XSD_STRING:
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    return term(triple.subject), term(triple.predicate), term(triple.object)
