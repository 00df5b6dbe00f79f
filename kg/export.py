"""Streaming the dataset out in every standard RDF syntax, gzip-compressed on request.

Quad syntaxes (N-Quads, TriG, JSON-LD) keep the named graphs; triple syntaxes
(Turtle, N-Triples, RDF/XML) write the union of all graphs, which holds each
triple once (MAPPING.md, "every triple stored once"). JSON-LD is compacted with
the shipped context (``ontology/context.jsonld``).

>>> format_for("dump.ttl.gz"), format_for("x.nq"), format_for("x.jsonld")
('turtle', 'nquads', 'jsonld')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, TypeVar

import pyoxigraph as ox

from kg.jsonld import write_jsonld
from kg.output import open_output, uncompressed
from kg.wording import no_format

if TYPE_CHECKING:
    from kg.store import GraphSpec, KnowledgeGraph

__all__ = ["EXPORT_FORMATS", "EXTENSIONS", "export", "format_for"]

#: name -> (pyoxigraph format, keeps named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}
#: File name endings -> export format.
EXTENSIONS = {
    ".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
    ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml", ".xml": "rdfxml", ".owl": "rdfxml",
}


def format_for(filename: str) -> str | None:
    """The export format a file name asks for ("x.ttl", "x.nq.gz"), or None."""
    name = uncompressed(filename).lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if name.endswith(ext)), None)


def export(kg: KnowledgeGraph, output: str | os.PathLike[str] | IO[bytes], *, format: str | None = None,
           graph: GraphSpec | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Write the dataset, or the named graph ``graph`` (an IRI, a prefixed name, a record's
    PMID or a NamedNode; ValueError if the store has no such graph), to a path or a binary stream.

    The format is ``format`` or, for a path, the one its extension names (ValueError for a
    name that names none); a stream without ``format`` gets N-Quads. A path ending in
    ``.gz`` is gzip-compressed, and appears only once complete.
    ``progress``, if given, is called now and then with the number of quads written so far.
    """
    is_path = isinstance(output, (str, os.PathLike))
    fmt = format or (_format_of_path(os.fspath(output)) if is_path else "nquads")  # type: ignore[arg-type]
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    rdf_format, with_graphs = EXPORT_FORMATS[fmt]
    graph_node = kg.named_graph(graph) if graph is not None else None
    if is_path:
        with open_output(output) as stream:  # type: ignore[arg-type]
            _write(kg, stream, rdf_format, with_graphs, graph_node, progress)
    else:
        _write(kg, output, rdf_format, with_graphs, graph_node, progress)  # type: ignore[arg-type]


def _format_of_path(path: str) -> str:
    """The format ``path``'s name asks for; ValueError naming the endings that work if none."""
    fmt = format_for(path)
    if fmt is None:
        raise ValueError(no_format(path, EXTENSIONS, option="format="))
    return fmt


def _write(kg: KnowledgeGraph, stream: IO[bytes], rdf_format: ox.RdfFormat, with_graphs: bool,
           graph: ox.NamedNode | None, progress: Callable[[int], None] | None) -> None:
    if rdf_format == ox.RdfFormat.JSON_LD:  # compact, with the shipped context
        write_jsonld(kg, stream, graph.value if graph else None, progress)
        return
    quads: Iterable[ox.Quad] = kg.store.quads_for_pattern(None, None, None, graph)
    if progress is not None:
        quads = _reporting(quads, progress)
    if with_graphs:
        items = quads
    else:
        items = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    ox.serialize(items, stream, rdf_format, prefixes=kg.prefixes if rdf_format != ox.RdfFormat.N_TRIPLES else None)
    if rdf_format == ox.RdfFormat.RDF_XML:
        stream.write(b"\n")  # Oxigraph ends RDF/XML without one, unlike its other syntaxes


_T = TypeVar("_T")


def _reporting(items: Iterable[_T], progress: Callable[[int], None], every: int = 10_000) -> Iterator[_T]:
    """``items``, calling ``progress`` with the number passed on every ``every`` items and at the end."""
    n = 0
    for n, item in enumerate(items, 1):
        if not n % every:
            progress(n)
        yield item
    progress(n)
