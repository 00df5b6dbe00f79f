"""Communities: Louvain (networkx, seeded) with their modularity, members and MeSH topics.

Community 0 is the largest; ties go to the community whose smallest node id
sorts first, so a seed gives the same numbering every time.

>>> import networkx as nx
>>> from kg.network.build import Network
>>> from kg.network.extract import Corpus
>>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f"), ("c", "d")])
>>> found = detect(Network(g, "coauthor", Corpus({}, {}, {}, {}, {})))
>>> [sorted(c.members) for c in found.communities], round(found.modularity, 3)
([['a', 'b', 'c'], ['d', 'e', 'f']], 0.357)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.network.build import Network

__all__ = ["Communities", "Community", "detect"]


@dataclass
class Community:
    number: int
    members: set[Any]
    #: (node, papers) of the members with the most papers.
    top_members: list[tuple[Any, int]] = field(default_factory=list)
    #: (MeSH descriptor IRI, papers) most frequent among the members' papers.
    top_mesh: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Communities:
    communities: list[Community]
    modularity: float
    resolution: float
    seed: int

    @property
    def membership(self) -> dict[Any, int]:
        """Node -> community number."""
        return {node: c.number for c in self.communities for node in c.members}


def detect(network: Network, *, resolution: float = 1.0, seed: int = 42, top: int = 5) -> Communities:
    """Louvain communities of the network (weighted), numbered by size."""
    g = network.graph
    if g.number_of_edges():
        found = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=seed)
    else:  # no edges, no modularity: every node is a community of its own
        found = [{n} for n in g]
    ordered = sorted(found, key=lambda c: (-len(c), min(map(str, c))))
    modularity = (nx.community.modularity(g, ordered, weight="weight", resolution=resolution)
                  if g.number_of_edges() else 0.0)
    communities = []
    for number, members in enumerate(ordered):
        papers = {n: g.nodes[n].get("papers", 0) for n in members}
        top_members = sorted(papers.items(), key=lambda kv: (-kv[1], str(g.nodes[kv[0]].get("label", kv[0]))))[:top]
        mesh: Counter = Counter()
        pmids = set().union(*(network.node_articles.get(n, set()) for n in members))
        for pmid in pmids:
            article = network.corpus.articles.get(pmid)
            if article is not None:
                mesh.update(article.mesh)
        top_mesh = sorted(mesh.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        communities.append(Community(number, set(members), top_members, top_mesh))
    return Communities(communities, modularity, resolution, seed)
