"""Readable JSON-LD: the graph compacted with the shipped context (``ontology/context.jsonld``),
written graph by graph and node by node so that any store size streams.

Keys are the context's short terms ("title", "authorships", "rank") where a value fits
the term's type, compact IRIs ("fabio:hasSeason") otherwise; expanding the output with
any JSON-LD processor gives back exactly the store's quads.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.resources import shipped

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["Compactor", "context", "write_jsonld"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@functools.cache
def _shipped_context() -> dict[str, Any]:
    return json.loads((shipped("ontology") / "context.jsonld").read_text(encoding="utf-8"))["@context"]


def context(base_iri: str) -> dict[str, Any]:
    """The shipped context with ``kg:`` bound to a store's base IRI."""
    return {**_shipped_context(), "kg": base_iri}


class Compactor:
    """Turns one subject's triples into a compact JSON-LD node object."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
        self.terms: dict[str, tuple[str, str | None]] = {}  # predicate IRI -> (term, coercion)
        for term, definition in ctx.items():
            if term in self.prefixes:
                continue
            if isinstance(definition, str):
                iri, coercion = self.expand(definition), None
            elif "@container" in definition:
                continue  # list-valued terms are for the BIBO view, not the native graph
            else:
                iri, coercion = self.expand(definition["@id"]), definition.get("@type")
                coercion = self.expand(coercion) if coercion and coercion != "@id" else coercion
            self.terms[iri] = (term, coercion)

    def expand(self, value: str) -> str:
        prefix, sep, local = value.partition(":")
        return self.prefixes[prefix] + local if sep and prefix in self.prefixes else value

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019 - one compactor per export, bounded
    def compact(self, iri: str) -> str:
        best = ""
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(ns) > len(best) and not iri[len(ns):].startswith("//"):
                best, name = ns, prefix
        return f"{name}:{iri[len(best):]}" if best else iri

    def node(self, subject: Any, triples: list[tuple[Any, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": self._id(subject)}
        for predicate, obj in triples:
            if predicate.value == _RDF_TYPE and isinstance(obj, ox.NamedNode):
                out.setdefault("@type", []).append(self.compact(obj.value))
                continue
            key, value = self._entry(predicate.value, obj)
            out.setdefault(key, []).append(value)
        return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in out.items()}

    def _id(self, term: Any) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.compact(term.value)

    def _entry(self, predicate: str, obj: Any) -> tuple[str, Any]:
        term, coercion = self.terms.get(predicate, (None, None))
        if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            if term and coercion == "@id":
                return term, self._id(obj)
            return (term if term and coercion is None else self.compact(predicate)), {"@id": self._id(obj)}
        if obj.language:
            value: Any = {"@value": obj.value, "@language": obj.language}
        elif obj.datatype.value == _XSD_STRING:
            value = obj.value
        elif term and coercion == obj.datatype.value:
            return term, obj.value
        else:
            value = {"@value": obj.value, "@type": self.compact(obj.datatype.value)}
        return (term if term and coercion is None else self.compact(predicate)), value


def write_jsonld(kg: KnowledgeGraph, stream: IO[bytes], graph: str | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
    """Write the dataset (or one named graph) as compact JSON-LD with the shipped context;
    ``progress``, if given, is called after each graph with the number of quads written so far."""
    written = 0
    ctx = context(kg.base_iri)
    compactor = Compactor(ctx)
    graphs = [ox.NamedNode(graph)] if graph else list(kg.store.named_graphs())
    stream.write(b'{"@context": ' + json.dumps(ctx, indent=1).encode() + b',\n"@graph": [')
    for i, g in enumerate(graphs):
        stream.write(b"\n" if i == 0 else b",\n")
        stream.write(b'{"@id": ' + json.dumps(compactor.compact(g.value)).encode() + b', "@graph": [')
        quads = kg.store.quads_for_pattern(None, None, None, g)
        for j, (subject, group) in enumerate(itertools.groupby(quads, key=lambda q: q.subject)):
            statements = [(q.predicate, q.object) for q in group]
            written += len(statements)
            node = compactor.node(subject, statements)
            stream.write((",\n" if j else "\n").encode() + json.dumps(node, ensure_ascii=False).encode())
        stream.write(b"\n]}")
        if progress is not None:
            progress(written)
    stream.write(b"\n]}\n")
