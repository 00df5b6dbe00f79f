"""Corpus-wide co-authorship edges as a Dask dataframe job, from the shards' authorship tables.

Each authorship row (pmid, rank, person, year) is kept only from the last file that has
the record, and records a later file deletes are dropped, so the edges describe the same
corpus the store holds. Pairs are made per article (articles with more than
``max_authors`` authors are left out, as consortium papers), then grouped: every edge
carries its number of joint papers, its fractional weight (1/(n-1) per paper) and its
first and last year. No process ever holds all the pairs.

>>> import networkx  # the edges read straight into networkx, filtered as needed
"""

from __future__ import annotations

from typing import Any

from kg.build.shards import shard_name

__all__ = ["coauthor_edges", "read_edges"]


def coauthor_edges(out: str, files: list[str], max_authors: int = 50) -> str:
    """Write ``out/coauthor-edges.parquet`` for the shards of ``files`` (in PubMed order);
    runs on the current Dask client if there is one. Returns the path written."""
    import dask.dataframe as dd
    import pandas as pd

    parts = [dd.read_parquet(f"{out}/{shard_name(f)}.authors.parquet").assign(file=i) for i, f in enumerate(files)]
    rows = dd.concat(parts)
    rows["key"] = rows["file"].astype("int64") * 10**9 + rows["order"]
    # All the rows of an article land in one partition: pairs are then made partition by partition.
    meta = pd.DataFrame({"a": pd.Series(dtype="string"), "b": pd.Series(dtype="string"),
                         "papers": pd.Series(dtype="int64"), "fractional": pd.Series(dtype="float64"),
                         "year": pd.Series(dtype="float64")})
    pairs = rows.shuffle(on="pmid").map_partitions(_pairs, max_authors, meta=meta)
    edges = pairs.groupby(["a", "b"]).agg(
        papers=("papers", "sum"), fractional=("fractional", "sum"), first=("year", "min"), last=("year", "max"))
    target = f"{out.rstrip('/')}/coauthor-edges.parquet"
    edges.reset_index().to_parquet(target, write_index=False, overwrite=True)
    return target


def _pairs(rows, max_authors: int):
    """The author pairs of the articles in ``rows`` (a pandas frame holding whole articles)."""
    import pandas as pd

    rows = rows.reset_index(drop=True)  # partitions come with repeated index labels
    latest = rows[rows["key"] == rows.groupby("pmid")["key"].transform("max")]
    authors = latest[latest["person"] != ""][["pmid", "person", "year"]].drop_duplicates().reset_index(drop=True)
    size = authors.groupby("pmid")["person"].transform("count")
    authors = authors[(size > 1) & (size <= max_authors)].assign(n=size)
    pairs = authors.merge(authors[["pmid", "person"]], on="pmid", suffixes=("_a", "_b"))
    pairs = pairs[pairs["person_a"] < pairs["person_b"]]
    return pd.DataFrame({"a": pairs["person_a"].astype("string"), "b": pairs["person_b"].astype("string"),
                         "papers": 1, "fractional": 1.0 / (pairs["n"] - 1), "year": pairs["year"].astype("float64")})


def read_edges(path: str, *, min_papers: int = 1, top: int | None = None) -> Any:
    """A networkx graph of the edges in ``path`` with at least ``min_papers`` joint papers
    (and only the ``top`` heaviest edges, if given)."""
    import networkx as nx
    import pandas as pd

    frame = pd.read_parquet(path)
    frame = frame[frame["papers"] >= min_papers]
    if top is not None:
        frame = frame.nlargest(top, "papers")
    return nx.from_pandas_edgelist(frame, "a", "b", edge_attr=["papers", "fractional", "first", "last"])
