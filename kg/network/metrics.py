"""Network figures (``kg network stats``) and node centralities (``kg network write-back``).

Exact where that is affordable; on large graphs, betweenness uses ``k`` sampled
sources, and clustering and the average path length are estimated from sampled
nodes (the figures say so). Sampling is seeded, so the same graph gives the same
figures.

>>> import networkx as nx
>>> from kg.network.build import Network
>>> from kg.network.extract import Corpus
>>> g = nx.Graph([("a", "b", {"weight": 2}), ("b", "c", {"weight": 1})])
>>> figures = summary(Network(g, "coauthor", Corpus({}, {}, {}, {}, {})))
>>> figures["nodes"], figures["edges"], figures["density"], figures["average_path_length"]
(3, 2, 0.666667, 1.333)
>>> [n for n, _ in top_nodes(g, centralities(g)["strength"], 2)]
['b', 'a']
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import networkx as nx

from kg.network.build import Network

__all__ = ["CENTRALITIES", "centralities", "summary", "timed", "top_nodes"]

#: Centralities by name, in the order reports list them.
CENTRALITIES = ("degree", "strength", "betweenness", "eigenvector", "pagerank")
#: Above this many nodes, sample (betweenness sources, clustering nodes, path-length sources).
EXACT_LIMIT = 2000


def timed(times: dict[str, float] | None, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, recording its seconds under ``name`` when ``times`` is given."""
    started = time.perf_counter()
    value = compute()
    if times is not None:
        times[name] = time.perf_counter() - started
    return value


def _sample(nodes: list, k: int, seed: int) -> list:
    return nodes if len(nodes) <= k else random.Random(seed).sample(sorted(nodes), k)


def _average_path_length(graph: nx.Graph, k: int, seed: int) -> float | None:
    """Mean shortest-path length (in steps) within the largest component, from ``k`` sampled sources."""
    if graph.number_of_nodes() < 2:
        return None
    component = graph.subgraph(max(nx.connected_components(graph), key=len))
    n = component.number_of_nodes()
    if n < 2:
        return None
    total, pairs = 0, 0
    for source in _sample(list(component), k, seed):
        lengths = nx.single_source_shortest_path_length(component, source)
        total += sum(lengths.values())
        pairs += len(lengths) - 1
    return total / pairs


def summary(network: Network, *, samples: int = 50, seed: int = 42,
            times: dict[str, float] | None = None) -> dict[str, Any]:
    """Size, density, components, clustering, assortativity, average path length, and the
    papers' collaboration figures (authors per multi-authored paper, single- and
    multi-country papers)."""
    g = network.graph
    n, m = g.number_of_nodes(), g.number_of_edges()
    out: dict[str, Any] = {"kind": network.kind, "nodes": n, "edges": m,
                           "density": round(nx.density(g), 6) if n > 1 else 0.0}
    components = timed(times, "components", lambda: sorted((len(c) for c in nx.connected_components(g)),
                                                           reverse=True))
    out["components"] = len(components)
    out["largest_component"] = components[0] if components else 0
    out["largest_component_share"] = round(components[0] / n, 4) if n else 0.0
    clustered = _sample(list(g), samples * 20, seed) if n > EXACT_LIMIT else None
    clustering = timed(times, "clustering", lambda: nx.average_clustering(g, nodes=clustered)) if n else 0.0
    out["clustering"] = round(clustering, 4)
    out["clustering_sampled_nodes"] = len(clustered) if clustered is not None else None
    out["assortativity"] = timed(times, "assortativity", lambda: _assortativity(g))
    k = samples if n > EXACT_LIMIT else n
    apl = timed(times, "average path length", lambda: _average_path_length(g, k, seed))
    out["average_path_length"] = round(apl, 3) if apl is not None else None
    out["path_length_sources"] = k if n > EXACT_LIMIT else None
    out.update(_papers(network))
    return out


def _assortativity(g: nx.Graph) -> float | None:
    if g.number_of_edges() == 0:
        return None
    value = nx.degree_assortativity_coefficient(g)
    return None if value != value else round(value, 4)  # NaN when every degree is equal


def _papers(network: Network) -> dict[str, Any]:
    """Collaboration index (authors per multi-authored paper) and papers by number of countries."""
    corpus = network.corpus
    articles = [corpus.articles[p] for p in network.articles]
    multi = [len(a.authors) for a in articles if len(a.authors) > 1]
    countries = [{corpus.organisations[o].country for _, o in a.affiliations
                  if o in corpus.organisations and corpus.organisations[o].country} for a in articles]
    return {
        "papers": len(articles),
        "papers_over_max_authors": network.skipped,
        "multi_authored_papers": len(multi),
        "collaboration_index": round(sum(multi) / len(multi), 3) if multi else None,
        "single_country_papers": sum(1 for c in countries if len(c) == 1),
        "multi_country_papers": sum(1 for c in countries if len(c) > 1),
        "papers_without_country": sum(1 for c in countries if not c),
    }


def centralities(g: nx.Graph, *, samples: int = 100, seed: int = 42, which: tuple[str, ...] = CENTRALITIES,
                 times: dict[str, float] | None = None) -> dict[str, dict[Any, float]]:
    """Node -> value for each centrality: degree, strength (weighted degree), betweenness
    (``samples`` sources above 2,000 nodes), eigenvector and PageRank (both weighted)."""
    out: dict[str, dict[Any, float]] = {}
    if "degree" in which:
        out["degree"] = timed(times, "degree", lambda: dict(g.degree()))
    if "strength" in which:
        out["strength"] = timed(times, "strength", lambda: dict(g.degree(weight="weight")))
    if "betweenness" in which:
        k = samples if g.number_of_nodes() > EXACT_LIMIT else None
        out["betweenness"] = timed(times, "betweenness", lambda: nx.betweenness_centrality(g, k=k, seed=seed))
    if "eigenvector" in which:
        out["eigenvector"] = timed(times, "eigenvector", lambda: _eigenvector(g))
    if "pagerank" in which:
        out["pagerank"] = timed(times, "pagerank", lambda: nx.pagerank(g, weight="weight") if len(g) else {})
    return out


def _eigenvector(g: nx.Graph) -> dict[Any, float]:
    """Weighted eigenvector centrality (ARPACK, via SciPy) within the largest component, where the
    leading eigenvector lives; 0 for the nodes of the other components."""
    out = dict.fromkeys(g, 0.0)
    if g.number_of_edges() == 0:
        return out
    component = g.subgraph(max(nx.connected_components(g), key=len))
    out.update(nx.eigenvector_centrality_numpy(component, weight="weight", max_iter=1000))
    return out


def top_nodes(g: nx.Graph, values: dict[Any, float], n: int) -> list[tuple[Any, float]]:
    """The ``n`` nodes with the highest values; ties by label, then id, for a stable order
    (values equal to 9 decimals tie: iterative measures such as eigenvector centrality
    differ from run to run in the last digits)."""
    return sorted(values.items(),
                  key=lambda kv: (-round(kv[1], 9), str(g.nodes[kv[0]].get("label", "")), str(kv[0])))[:n]
