"""kg build: the whole of PubMed on a Dask cluster (map to shards, load in PubMed order)."""

from kg.build.edges import coauthor_edges, read_edges
from kg.build.run import BuildReport, Interrupted, build, ordered_inputs

__all__ = ["BuildReport", "Interrupted", "build", "coauthor_edges", "ordered_inputs", "read_edges"]
