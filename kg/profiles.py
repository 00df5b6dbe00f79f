"""Export profiles: other views of the same articles.

* ``bibo`` (Turtle) and ``schema`` (schema.org JSON-LD): CONSTRUCT queries kept in
  ``queries/profiles/``, plus the author list in order (bibo:authorList as an
  rdf:List; schema:author as a JSON-LD @list of this paper's authorships);
* ``csl-json``, ``bibtex``, ``ris`` and ``datacite-json``: what reference managers
  (Zotero, EndNote, Mendeley) and DataCite import.

Articles are all of the store's, or those a SELECT query returns (its first
variable); they are read and written in batches, so any store size streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.query import bind_rows
from kg.resources import shipped
from kg.sources.dates import MONTHS

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["PROFILES", "Article", "articles", "export_profile"]

PROFILES = ("bibo", "schema", "csl-json", "bibtex", "ris", "datacite-json")
_BATCH = 200
_BIBO = "http://purl.org/ontology/bibo/"
_SCHEMA = "http://schema.org/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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
    #: (family, given) for persons, (name, None) for collective authors, in order.
    authors: list[tuple[str, str | None]] = field(default_factory=list)
    orcids: dict[int, str] = field(default_factory=dict)  # author index -> ORCID
    keywords: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @property
    def date_parts(self) -> list[int]:
        return [int(p) for p in (self.date or self.year or "").split("-") if p.isdigit()]


# The journal heads the chain article -> issue -> volume -> journal (any link may be absent),
# spelled out in every query: a frbr:partOf+ path would be evaluated over the whole store.
_FIELDS = """
SELECT ?article ?pmid ?class ?title ?abstract ?date ?year ?doi ?pmcid ?journal ?abbreviation ?issn ?volume ?issue
       ?start ?end ?pages ?bookTitle ?publisher WHERE {
  ?article fabio:hasPubMedId ?pmid .
  OPTIONAL { ?article a ?class FILTER(?class IN (fabio:Book, fabio:BookChapter)) }
  OPTIONAL { ?article dcterms:title ?title }
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
}"""
_AUTHORS = """
SELECT ?article ?rank ?label ?collective ?orcid WHERE {
  ?article pro:isDocumentContextFor ?role .
  ?role pro:withRole pro:author ; vivo:rank ?rank ; pro:isHeldBy ?agent .
  OPTIONAL { ?role rdfs:label ?label }
  BIND(EXISTS { ?agent a foaf:Organization } AS ?collective)
  OPTIONAL { ?agent datacite:hasIdentifier ?id . ?id datacite:usesIdentifierScheme datacite:orcid ;
             literal:hasLiteralValue ?orcid }
}"""
_KEYWORDS = "SELECT ?article ?keyword WHERE { ?article prism:keyword ?keyword }"
_LANGUAGES = "SELECT ?article ?language WHERE { ?article dcterms:language ?language }"


def _selected(kg: KnowledgeGraph, query: str | None) -> Iterator[str]:
    """Article IRIs: the first variable of ``query``'s rows, or every article."""
    if query is None:
        for (pmid,) in kg.index.db.execute("SELECT pmid FROM records ORDER BY pmid"):
            yield kg.iris.article(str(pmid))
        return
    solutions = kg.query(query)
    name = solutions.variables[0]
    seen: set[str] = set()
    for row in solutions:
        term = row[name]
        if isinstance(term, ox.NamedNode) and term.value not in seen:
            seen.add(term.value)
            yield term.value


def articles(kg: KnowledgeGraph, query: str | None = None) -> Iterator[list[Article]]:
    """Batches of :class:`Article` for the selected articles, in the order selected."""
    batch: list[str] = []
    for iri in _selected(kg, query):
        batch.append(iri)
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
                          ("publisher", "publisher")):
            if row.get(key) is not None and getattr(art, attr) is None:
                setattr(art, attr, str(row[key]))
        if row.get("bookTitle") and art.journal is None:
            art.journal = row["bookTitle"]
    ranks: dict[str, list[tuple[int, tuple[str, str | None], str | None]]] = {}
    for row in _rows(kg, _AUTHORS, iris):
        label = row.get("label", "")
        name = (label, None) if row["collective"] else _split_name(label)
        ranks.setdefault(row["article"], []).append((row["rank"], name, row.get("orcid")))
    for iri, entries in ranks.items():
        entries.sort(key=lambda e: e[0])
        found[iri].authors = [name for _, name, _ in entries]
        found[iri].orcids = {i: orcid for i, (_, _, orcid) in enumerate(entries) if orcid}
    for row in _rows(kg, _KEYWORDS, iris):
        found[row["article"]].keywords.append(row["keyword"])
    for row in _rows(kg, _LANGUAGES, iris):
        found[row["article"]].languages.append(row["language"].rsplit("/", 1)[-1])
    return [found[i] for i in iris if i in found]


def _split_name(label: str) -> tuple[str, str | None]:
    """ "Luo, Yang" -> ("Luo", "Yang"); the label is the name as printed (FAU)."""
    family, sep, given = label.partition(", ")
    return (family, given or None) if sep else (label, None)


# ---------------------------------------------------------------- writing


def export_profile(kg: KnowledgeGraph, profile: str, stream: IO[bytes], query: str | None = None) -> int:
    """Write the selected articles in ``profile``; returns how many were written."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)}")
    if profile in ("bibo", "schema"):
        return _write_rdf_view(kg, profile, stream, query)
    count = 0
    json_array = profile in ("csl-json", "datacite-json")
    if json_array:
        stream.write(b"[")
    for batch in articles(kg, query):
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


def _issued(art: Article) -> dict[str, Any]:
    return {"date-parts": [art.date_parts]} if art.date_parts else {}


def csl_json(art: Article) -> dict[str, Any]:
    """A CSL-JSON item (Zotero, citeproc)."""
    item: dict[str, Any] = {
        "id": f"pmid:{art.pmid}",
        "type": {"Book": "book", "BookChapter": "chapter"}.get(art.kind, "article-journal"),
        "title": art.title,
        "author": [{"family": f, "given": g} if g is not None else {"literal": f} for f, g in art.authors],
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
        "language": art.languages[0] if art.languages else None,
        "keyword": ", ".join(art.keywords) or None,
        "URL": f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/",
    }
    return {k: v for k, v in item.items() if v not in (None, {}, [])}


_LATEX = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})


def _tex(text: str) -> str:
    # "--" would print as an en dash: keep it two hyphens.
    return " ".join(text.split()).translate(_LATEX).replace("--", "-{}-")


def bibtex(art: Article) -> str:
    """A BibTeX entry; LaTeX special characters are escaped, the rest is UTF-8."""
    kind = {"Book": "book", "BookChapter": "incollection"}.get(art.kind, "article")
    # Family names in braces: BibTeX would read "de León" or "van der Berg" as a von part.
    names = " and ".join(f"{{{_tex(f)}}}, {_tex(g)}" if g else f"{{{_tex(f)}}}" for f, g in art.authors)
    month = MONTHS[art.date_parts[1] - 1].lower() if len(art.date_parts) > 1 else None
    fields = [
        ("author", names), ("title", _tex(art.title) if art.title else None),
        ("booktitle" if kind == "incollection" else "journal", _tex(art.journal) if art.journal else None),
        ("year", art.year or (str(art.date_parts[0]) if art.date_parts else None)),
        ("volume", art.volume), ("number", art.issue),
        ("pages", f"{art.start}--{art.end}" if art.start and art.end else art.start),
        ("publisher", _tex(art.publisher) if art.publisher else None),
        ("doi", art.doi), ("pmid", art.pmid), ("pmcid", art.pmcid), ("issn", art.issn),
        ("keywords", _tex(", ".join(art.keywords)) if art.keywords else None),
        ("abstract", _tex(art.abstract) if art.abstract else None),
    ]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    if month:
        body += f",\n  month = {month}"
    return f"@{kind}{{pmid{art.pmid},\n{body}\n}}\n\n"


def ris(art: Article) -> str:
    """A RIS record (EndNote, Zotero, Mendeley)."""
    lines = [("TY", {"Book": "BOOK", "BookChapter": "CHAP"}.get(art.kind, "JOUR"))]
    lines += [("AU", f"{f}, {g}" if g else f) for f, g in art.authors]
    lines += [("TI", art.title), ("T2", art.journal), ("JO", art.journal_abbreviation)]
    parts = art.date_parts
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    lines += [("VL", art.volume), ("IS", art.issue), ("SP", art.start), ("EP", art.end), ("DO", art.doi),
              ("SN", art.issn), ("PB", art.publisher), ("AN", art.pmid), ("C2", art.pmcid),
              ("UR", f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/"), ("AB", art.abstract)]
    lines += [("KW", k) for k in art.keywords]
    lines += [("LA", lang) for lang in art.languages]
    text = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines if value)
    return text + "ER  - \n\n"


def datacite_json(art: Article) -> dict[str, Any]:
    """A DataCite metadata record (JSON, schema 4.x field names)."""
    creators = []
    for i, (family, given) in enumerate(art.authors):
        creator: dict[str, Any] = (
            {"name": f"{family}, {given}", "nameType": "Personal", "familyName": family, "givenName": given}
            if given is not None else {"name": family, "nameType": "Organizational"})
        if i in art.orcids:
            creator["nameIdentifiers"] = [{"nameIdentifier": f"https://orcid.org/{art.orcids[i]}",
                                           "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}]
        creators.append(creator)
    record: dict[str, Any] = {
        "id": f"https://doi.org/{art.doi}" if art.doi else f"https://pubmed.ncbi.nlm.nih.gov/{art.pmid}/",
        "doi": art.doi,
        "types": {"resourceTypeGeneral": {"Book": "Book", "BookChapter": "BookChapter"}.get(art.kind, "JournalArticle"),
                  "resourceType": art.kind},
        "creators": creators,
        "titles": [{"title": art.title}] if art.title else [],
        "publisher": art.publisher or art.journal,
        "publicationYear": int(art.date_parts[0]) if art.date_parts else None,
        "dates": [{"date": art.date, "dateType": "Issued"}] if art.date else [],
        "subjects": [{"subject": k} for k in art.keywords],
        "language": art.languages[0] if art.languages else None,
        "identifiers": [{"identifier": art.pmid, "identifierType": "PMID"}]
        + ([{"identifier": art.pmcid, "identifierType": "PMCID"}] if art.pmcid else []),
        "descriptions": [{"description": art.abstract, "descriptionType": "Abstract"}] if art.abstract else [],
        "container": {k: v for k, v in {
            "type": "Journal", "title": art.journal, "volume": art.volume, "issue": art.issue,
            "firstPage": art.start, "lastPage": art.end, "identifier": art.issn,
            "identifierType": "ISSN" if art.issn else None}.items() if v},
    }
    return {k: v for k, v in record.items() if v not in (None, [], {})}


# ---------------------------------------------------------------- RDF views (BIBO, schema.org)


def _view_query(profile: str) -> str:
    return (shipped("queries") / "profiles" / f"{profile}.rq").read_text(encoding="utf-8")


def _write_rdf_view(kg: KnowledgeGraph, profile: str, stream: IO[bytes], query: str | None) -> int:
    """BIBO as Turtle (one block per batch), schema.org as one JSON-LD document."""
    import rdflib

    sparql = _view_query(profile)
    count, nodes = 0, 0
    if profile == "schema":
        stream.write(b'{"@context": ' + json.dumps(SCHEMA_CONTEXT).encode() + b',\n"@graph": [')
    for batch in articles(kg, query):
        graph = rdflib.Graph()
        for prefix, namespace in kg.prefixes.items():
            graph.bind(prefix, namespace, override=True)
        for triple in kg.query(bind_rows(sparql, ["article"], [[ox.NamedNode(a.iri)] for a in batch])):
            graph.add(_to_rdflib(triple))
        for art in batch:
            _add_author_list(graph, kg, art, profile)
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
}


def _add_author_list(graph: Any, kg: KnowledgeGraph, art: Article, profile: str) -> None:
    import rdflib
    from rdflib.collection import Collection

    if not art.authors:
        return
    article = rdflib.URIRef(art.iri)
    if profile == "bibo":
        items = [rdflib.URIRef(agent) for agent in _ordered_agents(kg, art.iri)]
        head = rdflib.BNode()
        Collection(graph, head, items)
        graph.add((article, rdflib.URIRef(_BIBO + "authorList"), head))
        return
    schema = rdflib.Namespace(_SCHEMA)
    items = []
    for i, (family, given) in enumerate(art.authors):
        node = rdflib.URIRef(kg.iris.role(art.pmid, "ar", i + 1))
        graph.add((node, rdflib.RDF.type, schema.Person if given is not None else schema.Organization))
        graph.add((node, schema.name, rdflib.Literal(f"{given} {family}" if given else family)))
        graph.add((node, schema.familyName if given is not None else schema.legalName, rdflib.Literal(family)))
        if given:
            graph.add((node, schema.givenName, rdflib.Literal(given)))
        if i in art.orcids:
            graph.add((node, schema.sameAs, rdflib.URIRef(f"https://orcid.org/{art.orcids[i]}")))
        items.append(node)
    for row in kg.select("SELECT ?role ?org ?name WHERE { ?article pro:isDocumentContextFor ?role . "
                         "?role pro:withRole pro:author ; pro:relatesToOrganization ?org . ?org foaf:name ?name }",
                         params={"article": ox.NamedNode(art.iri)}):
        org = rdflib.URIRef(row["org"])  # this paper's affiliation: the authorship is per paper
        graph.add((rdflib.URIRef(row["role"]), schema.affiliation, org))
        graph.add((org, rdflib.RDF.type, schema.Organization))
        graph.add((org, schema.name, rdflib.Literal(row["name"])))
    head = rdflib.BNode()
    Collection(graph, head, items)
    graph.add((article, schema.author, head))


def _ordered_agents(kg: KnowledgeGraph, article: str) -> list[str]:
    rows = kg.select("SELECT ?agent ?rank WHERE { ?article pro:isDocumentContextFor ?r . "
                     "?r pro:withRole pro:author ; vivo:rank ?rank ; pro:isHeldBy ?agent } ORDER BY ?rank",
                     params={"article": ox.NamedNode(article)})
    return [r["agent"] for r in rows]


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
