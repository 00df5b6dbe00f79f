"""Which graphs a write may touch: kg's record and entity graphs are kept by ``kg ingest``.

Their triples are reference-counted in the store's index, so a write the index does
not see would make later ingests and deletions wrong. Graph-store writes name their
graph; a SPARQL Update is parsed (with rdflib's parser) to find every graph it can
write, and refused if one may be kg's.

Queries see the union of all graphs as their default graph; Oxigraph runs an update over
the store's real default graph (empty: kg writes named graphs only), and cannot be told
otherwise. So an update that writes the default graph, or reads it without naming its
graphs (USING, WITH), is refused: it would add data a re-ingest never removes, or silently
match nothing.

>>> check_update("INSERT DATA { GRAPH <http://example.org/mine> { <http://a> <http://b> 1 } }",
...              "https://example.org/kg/", {})
>>> check_update("CLEAR ALL", "https://example.org/kg/", {})
Traceback (most recent call last):
...
kg.server.writes.WriteRefused: CLEAR ALL would change kg's record and entity graphs, which kg ingest keeps: ...
>>> check_update("DELETE WHERE { ?s ?p ?o }", "https://example.org/kg/", {})
Traceback (most recent call last):
...
kg.server.writes.WriteRefused: the default graph is the union and cannot be written: ...
"""

from __future__ import annotations

import logging
from typing import Any

from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

__all__ = ["WriteRefused", "check_update", "is_kg_graph"]


class WriteRefused(Exception):
    """An update that must not run; the message says why, ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def is_kg_graph(iri: str, base_iri: str) -> bool:
    """Whether ``iri`` is a record graph or the entities graph of the store at ``base_iri``."""
    return iri.startswith(base_iri + "graph/pmid/") or iri == base_iri + "graph/entities"


_KEPT = "kg's record and entity graphs, which kg ingest keeps: write to a graph of your own"


def check_update(sparql: str, base_iri: str, prefixes: dict[str, str], *, allow_load: bool = False) -> None:
    """Raise :class:`WriteRefused` unless every graph ``sparql`` can write is a named graph outside
    kg's own, it reads the default graph only through USING or WITH (see above) and, unless
    ``allow_load``, it loads nothing from the web. ``prefixes`` are those the store predeclares.
    A SyntaxError means the update could not be read (its position is in ``sparql``)."""
    terms_log = logging.getLogger("rdflib.term")
    level = terms_log.level
    terms_log.setLevel(logging.ERROR)  # rdflib warns of the escapes it keeps in prefixed names (below)
    try:
        operations = translateUpdate(parseUpdate(sparql), initNs=prefixes).algebra
    except Exception as exc:  # pyparsing's and rdflib's errors have no common base
        raise SyntaxError(f"cannot read the update: {exc}") from None
    finally:
        terms_log.setLevel(level)
    for op in operations:
        if op.name == "Load" and not allow_load:
            raise WriteRefused("LOAD fetches from the web: start kg serve with --allow-service to allow it", 403)
        for target in _targets(op):
            if isinstance(target, Variable):
                raise WriteRefused(f"GRAPH ?{target} in an update could write {_KEPT}: name the graph")
            if target in ("ALL", "NAMED"):
                raise WriteRefused(f"{op.name.upper()} {target} would change {_KEPT}")
            if target is None:
                raise WriteRefused("the default graph is the union and cannot be written: "
                                   "write a named graph (GRAPH <IRI> { ... }, WITH <IRI>, INTO GRAPH <IRI>)", 400)
            if is_kg_graph(target, base_iri):
                raise WriteRefused(f"<{target}> is one of {_KEPT}")
        if _reads_default_graph(op):
            raise WriteRefused("an update reads the store's own default graph (empty), not the union of all graphs "
                               "that queries see: match in GRAPH ?g { ... }, or name the graphs to read (USING <IRI>, "
                               "WITH <IRI>, a named graph to ADD, COPY or MOVE from)", 400)


def _targets(op: Any) -> list[Any]:
    """The graphs an update operation writes: an IRI (str), None (the default graph),
    "ALL"/"NAMED", or a variable (rdflib Variable)."""
    def graph(term: Any) -> Any:
        if isinstance(term, URIRef):
            return str(term).replace("\\", "")  # rdflib keeps the escapes of prefixed names ("graph\/pmid")
        if isinstance(term, Variable):
            return term
        return None if term in (None, "DEFAULT") else term

    if op.name in ("InsertData", "DeleteData", "DeleteWhere"):
        return [graph(g) for g in op.quads] + ([None] if op.triples else [])
    if op.name == "Modify":
        written = [template for template in (op.delete, op.insert) if template]
        return [graph(g) for t in written for g in t["quads"]] + \
            [graph(op.withClause) for t in written if t["triples"]]
    if op.name in ("Clear", "Drop", "Create", "Load"):
        return [graph(op.graphiri)]
    if op.name == "Move":  # empties its source too
        return [graph(g) for g in op.graph]
    if op.name in ("Add", "Copy"):
        return [graph(op.graph[1])]
    return []


def _reads_default_graph(op: Any) -> bool:
    """Whether an update operation reads the store's default graph: a WHERE clause with triple
    patterns outside GRAPH and no USING or WITH, or ADD/COPY/MOVE from DEFAULT."""
    if op.name in ("Add", "Copy", "Move"):
        return op.graph[0] == "DEFAULT"
    return op.name == "Modify" and not op.using and op.withClause is None and _matches_default(op.where)


def _matches_default(pattern: Any) -> bool:
    """Whether an (rdflib algebra or parse tree) pattern has a triple pattern outside GRAPH and SERVICE,
    looking into sub-selects and FILTER (NOT) EXISTS too."""
    if isinstance(pattern, CompValue):
        if pattern.name in ("Graph", "GraphGraphPattern", "ServiceGraphPattern"):
            return False
        if pattern.name in ("BGP", "TriplesBlock") and pattern.triples:
            return True
        return any(_matches_default(value) for value in pattern.values())
    if isinstance(pattern, (list, tuple)):
        return any(_matches_default(item) for item in pattern)
    return False
