"""What the server's worker processes do: run SPARQL, describe resources, count, dump.

Each function takes the worker's open :class:`~kg.store.KnowledgeGraph` and returns
plain picklable values; failures the client caused raise :class:`TaskError` with an
HTTP status. The functions run in worker processes so that a runaway query can be
stopped by ending its process (see :mod:`kg.server.pool`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.mapping.vocab import FOAF, RDF, RDFS
from kg.output import open_output
from kg.query import compact, has_dataset, keywords_only
from kg.server.negotiation import choose, not_acceptable
from kg.server.writes import WriteRefused, check_update

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["GRAPH_NAMES", "GRAPH_TYPES", "RESULT_NAMES", "RESULT_TYPES", "TaskError", "uses_service"]

#: Media types for SELECT/ASK results and for graphs (CONSTRUCT, DESCRIBE, resources).
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
#: Short names for ``format=`` (and its aliases ``output=`` and ``results=``, which SPARQLWrapper
#: sends too), for results and for graphs: as with ``kg query --format``, json and xml name SPARQL
#: results for SELECT and ASK but JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE; N3 is served as Turtle.
RESULT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_NAMES = {"json": "application/ld+json", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
               "xml": "application/rdf+xml", "rdfxml": "application/rdf+xml", "rdf+xml": "application/rdf+xml",
               "rdf": "application/rdf+xml", "turtle": "text/turtle", "ttl": "text/turtle", "n3": "text/turtle",
               "ntriples": "application/n-triples", "nt": "application/n-triples"}
_TITLE = "http://purl.org/dc/terms/title"
_LABELS = (_TITLE, FOAF + "name", RDFS + "label", "http://purl.org/spar/fabio/hasPubMedId")
_INCOMING_LIMIT = 500


class TaskError(Exception):
    """A request that cannot be answered; ``status`` is the HTTP status to send."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class _Capped:
    """A binary writer that refuses to grow past ``limit`` bytes (the result size cap)."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TaskError(413, f"the result is larger than the server's limit of {self.limit:,} bytes: "
                                 "add a LIMIT or select fewer variables")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def uses_service(sparql: str) -> bool:
    """Whether a query or update calls SERVICE (ignoring strings, IRIs and comments).

    >>> uses_service('SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT * { ?s ?p "a SERVICE" }  # SERVICE')
    False
    """
    return re.search(r"\bSERVICE\b", keywords_only(sparql), re.I) is not None


# ---------------------------------------------------------------- SPARQL protocol


def _options(sparql: str, prefixes: dict[str, str], default_graphs: list[str],
             named_graphs: list[str]) -> dict[str, Any]:
    """Query options for the SPARQL Protocol's dataset parameters, which override the query's
    own FROM clauses; with neither, the default graph is the union of all graphs. As with FROM
    NAMED alone, named graphs without default graphs leave the default graph empty, and as with
    FROM alone, default graphs without named graphs leave no named graph to match."""
    options: dict[str, Any] = {"prefixes": prefixes}
    try:
        if default_graphs or named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        elif not has_dataset(sparql):
            options["use_default_graph_as_union"] = True
    except ValueError as exc:
        raise TaskError(400, f"bad graph IRI: {exc}") from None
    return options


_EMPTY: list[ox.Store] = []


def precheck(sparql: str, formats: list[str], accept: str | None, prefixes: dict[str, str],
             default_graphs: list[str], named_graphs: list[str]) -> str:
    """Refuse a bad request before it costs a worker: parse the query (by running it on an
    empty store, which is instant) and negotiate the result's media type from the ``format=``
    values or else ``accept`` (see :func:`wanted`). Returns the media type."""
    if not _EMPTY:
        _EMPTY.append(ox.Store())
    try:
        result = _EMPTY[0].query(sparql, **_options(sparql, prefixes, default_graphs, named_graphs))
    except SyntaxError as exc:
        raise TaskError(400, f"SPARQL syntax error: {exc}") from None
    except (ValueError, OSError) as exc:
        raise TaskError(400, f"bad query: {exc}") from None
    return wanted(formats, accept, isinstance(result, ox.QueryTriples))


def wanted(formats: list[str], accept: str | None, graph: bool) -> str:
    """The media type to answer a query with: the one the ``format=`` values name (short names or
    media types; empty ones are skipped) if any, else the one ``accept`` prefers; ``graph`` for
    CONSTRUCT and DESCRIBE. Raises TaskError: 400 for unknown or conflicting formats, 406 when
    nothing offered fits.

    >>> wanted(["xml", "xml", "xml"], "application/rdf+xml", graph=True)
    'application/rdf+xml'
    >>> wanted(["tsv", "text/tab-separated-values", ""], None, graph=False)
    'text/tab-separated-values'
    """
    offered, names, others = (GRAPH_TYPES, GRAPH_NAMES, RESULT_NAMES) if graph else \
        (RESULT_TYPES, RESULT_NAMES, GRAPH_NAMES)
    chosen: dict[Any, str] = {}
    for value in filter(None, (f.strip() for f in formats)):  # SPARQLWrapper sends an empty one at times
        media = names.get(value.lower()) or others.get(value.lower())  # another kind's name: a 406 below
        if media is None and "/" not in value:
            raise TaskError(400, f"unknown format {value!r}: use one of "
                                 f"{', '.join(sorted(RESULT_NAMES.keys() | GRAPH_NAMES.keys()))} or a media type")
        media = _pick(media or value, offered)
        chosen.setdefault(offered[media], media)  # "json" and "application/json" ask for the same
    if len(chosen) > 1:
        raise TaskError(400, f"the format parameters ask for different formats: {', '.join(chosen.values())}")
    return next(iter(chosen.values())) if chosen else _pick(accept, offered)


def query(kg: KnowledgeGraph, sparql: str, accept: str | None, default_graphs: list[str],
          named_graphs: list[str], max_bytes: int) -> tuple[str, bytes]:
    """Run a query and serialize its result as the client accepts: (media type, body)."""
    options = _options(sparql, kg.prefixes, default_graphs, named_graphs)
    try:
        result = kg.store.query(sparql, **options)
    except SyntaxError as exc:
        raise TaskError(400, f"SPARQL syntax error: {exc}") from None
    except ValueError as exc:
        raise TaskError(400, f"bad query: {exc}") from None
    out = _Capped(max_bytes)
    if isinstance(result, ox.QueryTriples):
        media = _pick(accept, GRAPH_TYPES)
        fmt = GRAPH_TYPES[media]
        prefixes = kg.prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        ox.serialize(result, out, fmt, prefixes=prefixes)
    else:
        media = _pick(accept, RESULT_TYPES)
        try:
            result.serialize(out, RESULT_TYPES[media])
        except OSError as exc:  # an error met while evaluating lazily
            raise TaskError(400, f"query failed: {exc}") from None
    return media, out.getvalue()


def _pick(accept: str | None, offered: dict[str, Any]) -> str:
    media = choose(accept, list(offered))
    if media is None:
        raise TaskError(406, not_acceptable(accept, list(offered)))
    return media


def update(kg: KnowledgeGraph, sparql: str, allow_load: bool) -> None:
    """Run a SPARQL update (writable servers only) that leaves kg's own graphs alone."""
    try:
        check_update(sparql, kg.base_iri, kg.prefixes, allow_load=allow_load)
    except WriteRefused as exc:
        raise TaskError(exc.status, str(exc)) from None
    except SyntaxError as exc:
        raise TaskError(400, str(exc)) from None
    try:
        kg.store.update(sparql, prefixes=kg.prefixes)
    except SyntaxError as exc:
        raise TaskError(400, f"SPARQL syntax error: {exc}") from None
    except (ValueError, OSError) as exc:
        raise TaskError(400, f"update failed: {exc}") from None
    kg.store.flush()


# ---------------------------------------------------------------- graph store protocol


def _node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise TaskError(400, f"not an IRI: {exc}") from None


def graph_get(kg: KnowledgeGraph, graph: str, accept: str | None, max_bytes: int) -> tuple[str, bytes]:
    node = _node(graph)
    if not kg.store.contains_named_graph(node):
        raise TaskError(404, f"no graph {graph}")
    media = _pick(accept, GRAPH_TYPES)
    out = _Capped(max_bytes)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in kg.store.quads_for_pattern(None, None, None, node))
    ox.serialize(triples, out, GRAPH_TYPES[media], prefixes=kg.prefixes if media == "text/turtle" else None)
    return media, out.getvalue()


def graph_write(kg: KnowledgeGraph, graph: str, body: bytes, media: str, replace: bool) -> int:
    """PUT (replace) or POST (add) RDF into a named graph; returns the graph's new size."""
    fmt = GRAPH_TYPES.get(media)
    if fmt is None:
        raise TaskError(415, f"cannot read {media}; send one of {', '.join(GRAPH_TYPES)}")
    node = _node(graph)
    try:
        triples = list(ox.parse(body, fmt))
    except SyntaxError as exc:
        raise TaskError(400, f"the RDF does not parse: {exc}") from None
    if replace:
        kg.store.clear_graph(node)
    kg.store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
    kg.store.flush()
    return sum(1 for _ in kg.store.quads_for_pattern(None, None, None, node))


def graph_delete(kg: KnowledgeGraph, graph: str) -> None:
    node = _node(graph)
    if not kg.store.contains_named_graph(node):
        raise TaskError(404, f"no graph {graph}")
    kg.store.remove_graph(node)
    kg.store.flush()


# ---------------------------------------------------------------- linked data


def describe(kg: KnowledgeGraph, iri: str, accept: str | None, max_bytes: int) -> tuple[str, bytes] | None:
    """A resource's triples and those pointing to it, as the client accepts; None if unknown."""
    node = _node(iri)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in kg.store.quads_for_pattern(node, None, None)]
    incoming = [ox.Triple(q.subject, q.predicate, q.object)
                for _, q in zip(range(_INCOMING_LIMIT), kg.store.quads_for_pattern(None, None, node))]
    if not triples and not incoming:
        return None
    media = _pick(accept, GRAPH_TYPES)
    out = _Capped(max_bytes)
    fmt = GRAPH_TYPES[media]
    ox.serialize(triples + incoming, out, fmt, prefixes=kg.prefixes if fmt == ox.RdfFormat.TURTLE else None)
    return media, out.getvalue()


def _labels(kg: KnowledgeGraph, iris: list[str]) -> dict[str, str]:
    """A human label (title, name, label or PMID) for each IRI that has one."""
    found: dict[str, str] = {}
    for iri in iris:
        node = ox.NamedNode(iri)
        for prop in _LABELS:
            quad = next(iter(kg.store.quads_for_pattern(node, ox.NamedNode(prop), None)), None)
            if quad is not None:
                found[iri] = quad.object.value if prop != _LABELS[-1] else f"PMID {quad.object.value}"
                break
    return found


def _value(term: Any, prefixes: dict[str, str]) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value, "short": compact(term.value, prefixes)}
    if isinstance(term, ox.Literal):
        return {"literal": term.value, "lang": term.language,
                "datatype": None if term.language or term.datatype.value.endswith("#string")
                else compact(term.datatype.value, prefixes)}
    return {"literal": str(term)}


def resource(kg: KnowledgeGraph, iri: str) -> dict[str, Any] | None:
    """What a resource page shows: label, types, properties, incoming links (and, for an
    article, its authors in order); None when the store knows nothing of ``iri``."""
    node = _node(iri)
    out_quads = list(kg.store.quads_for_pattern(node, None, None))
    in_quads = [q for _, q in zip(range(_INCOMING_LIMIT), kg.store.quads_for_pattern(None, None, node))]
    if not out_quads and not in_quads:
        return None
    prefixes = kg.prefixes
    linked = {q.object.value for q in out_quads if isinstance(q.object, ox.NamedNode)}
    linked |= {q.subject.value for q in in_quads}
    labels = _labels(kg, sorted(linked | {iri}))
    properties: dict[str, list[dict[str, Any]]] = {}
    types = []
    for q in out_quads:
        if q.predicate.value == RDF + "type":
            types.append(compact(q.object.value, prefixes))
            continue
        value = _value(q.object, prefixes)
        if "iri" in value:
            value["label"] = labels.get(value["iri"])
        properties.setdefault(compact(q.predicate.value, prefixes), []).append(value)
    incoming: dict[str, list[dict[str, Any]]] = {}
    for q in in_quads:
        incoming.setdefault(compact(q.predicate.value, prefixes), []).append(
            {"iri": q.subject.value, "short": compact(q.subject.value, prefixes), "label": labels.get(q.subject.value)})
    page: dict[str, Any] = {
        "iri": iri, "short": compact(iri, prefixes), "label": labels.get(iri), "types": sorted(types),
        "properties": sorted(properties.items()), "incoming": sorted(incoming.items()),
        "truncated": len(in_quads) == _INCOMING_LIMIT,
    }
    if "fabio:Expression" in types and any(p == "fabio:hasPubMedId" for p in properties):
        page["article"] = _article(kg, iri)
    return page


_AUTHORS = """
SELECT ?rank ?role ?name ?person ?orcid ?org ?orgName WHERE {
  ?article pro:isDocumentContextFor ?role .
  ?role pro:withRole pro:author ; vivo:rank ?rank ; pro:isHeldBy ?person .
  OPTIONAL { ?role rdfs:label ?name }
  OPTIONAL { ?person datacite:hasIdentifier ?id . ?id datacite:usesIdentifierScheme datacite:orcid ;
             literal:hasLiteralValue ?orcid }
  OPTIONAL { ?role pro:relatesToOrganization ?org . ?org foaf:name ?orgName }
} ORDER BY ?rank ?orgName"""
_FACTS = """
SELECT ?pmid ?doi ?pmcid ?year ?journal ?journalTitle ?abstract WHERE {
  ?article fabio:hasPubMedId ?pmid .
  OPTIONAL { ?article prism:doi ?doi } OPTIONAL { ?article fabio:hasPubMedCentralId ?pmcid }
  OPTIONAL { ?article fabio:hasPublicationYear ?year }
  OPTIONAL { ?article dcterms:abstract ?abstract FILTER(LANG(?abstract) = "") }
  OPTIONAL { ?article frbr:partOf ?p1 . OPTIONAL { ?p1 frbr:partOf ?p2 . OPTIONAL { ?p2 frbr:partOf ?p3 } }
             BIND(COALESCE(?p3, ?p2, ?p1) AS ?journal) ?journal a fabio:Journal .
             OPTIONAL { ?journal dcterms:title ?journalTitle } }
} LIMIT 1"""
_MESH = """
SELECT ?term ?label ?major WHERE {
  ?article fabio:hasSubjectTerm ?term . ?term rdfs:label ?label .
  BIND(EXISTS { ?article fabio:hasPrimarySubjectTerm ?term } AS ?major)
} ORDER BY ?label"""


def _article(kg: KnowledgeGraph, iri: str) -> dict[str, Any]:
    params = {"article": ox.NamedNode(iri)}
    authors: dict[int, dict[str, Any]] = {}
    for row in kg.select(_AUTHORS, params=params):
        author = authors.setdefault(row["rank"], {"rank": row["rank"], "name": row.get("name"),
                                                   "person": row["person"], "orcid": row.get("orcid"),
                                                   "affiliations": []})
        if row.get("org") and (row["org"], row["orgName"]) not in author["affiliations"]:
            author["affiliations"].append((row["org"], row["orgName"]))
    facts = kg.select(_FACTS, params=params)
    mesh = kg.select(_MESH, params=params)
    return {"authors": [authors[r] for r in sorted(authors)], "facts": facts[0] if facts else {}, "mesh": mesh}


# ---------------------------------------------------------------- counts and dump


def counts(kg: KnowledgeGraph) -> dict[str, Any]:
    """Figures for the VoID description: quads, entities, and instances per class and
    triples per property (full IRIs)."""
    classes = kg.select("SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)")
    properties = kg.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n)")
    return {
        "quads": len(kg.store),
        "entities": kg.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")[0]["n"],
        "classes": {r["c"]: r["n"] for r in classes},
        "properties": {r["p"]: r["n"] for r in properties},
    }


def quads(kg: KnowledgeGraph) -> int:
    return len(kg.store)


def dump(kg: KnowledgeGraph, path: str) -> int:
    """Write the whole dataset as gzip N-Quads to ``path``; returns the number of quads."""
    with open_output(path) as out:  # a concurrent request must never serve a half-written dump
        kg.store.dump(out, ox.RdfFormat.N_QUADS)
    return len(kg.store)
