"""The shipped ontologies (SPAR, kg's vocabulary, the terms kg uses), loaded into the store
so that labels and class hierarchies can be queried next to the data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.resources import shipped

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["ONTOLOGY_FILES", "load_ontologies", "ontology_graph"]

#: The ontology files of ``ontology/`` (the SHACL shapes are not an ontology).
ONTOLOGY_FILES = ("fabio.ttl", "frbr.ttl", "pro.ttl", "datacite.ttl", "cito.ttl", "frapo.ttl", "kgv.ttl",
                  "terms-used.ttl")


def ontology_graph(kg: KnowledgeGraph) -> str:
    return f"{kg.base_iri}graph/ontology"


def load_ontologies(kg: KnowledgeGraph) -> int:
    """Replace ``kg:graph/ontology`` with the shipped ontologies; returns its size in triples."""
    graph = ox.NamedNode(ontology_graph(kg))
    kg.store.clear_graph(graph)
    root = shipped("ontology")
    for name in ONTOLOGY_FILES:
        kg.store.load((root / name).read_bytes(), ox.RdfFormat.TURTLE, to_graph=graph)
    return sum(1 for _ in kg.store.quads_for_pattern(None, None, None, graph))
