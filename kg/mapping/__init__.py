"""Records to RDF, exactly as MAPPING.md specifies: IRIs, vocabulary, the per-record graph
and the shared entities."""

from kg.mapping.iris import Iris
from kg.mapping.record import MappedRecord, Mapper, fabio_class
from kg.mapping.vocab import DEFAULT_BASE_IRI, KGV, prefixes, sparql_prologue

__all__ = ["DEFAULT_BASE_IRI", "KGV", "Iris", "MappedRecord", "Mapper", "fabio_class", "prefixes", "sparql_prologue"]
