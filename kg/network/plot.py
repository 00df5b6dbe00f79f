"""A picture of a network with matplotlib (``kg network plot``).

The picture shows the ``top`` nodes by papers within the largest connected
component (all of it when it is small): node size by papers, colour by Louvain
community, edge width by weight, and labels for the ``labels`` nodes with the
most papers. The layout is a seeded spring layout, so a store gives the same
picture every time.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from kg.network.build import Network  # noqa: E402
from kg.network.communities import detect  # noqa: E402
from kg.output import open_output  # noqa: E402

__all__ = ["FORMATS", "plot"]

FORMATS = (".png", ".svg")
_DPI = 100


def _shown(graph: nx.Graph, top: int) -> nx.Graph:
    """The largest component, cut to its ``top`` nodes by papers (then its largest component again)."""
    if graph.number_of_nodes() == 0:
        return graph
    component = graph.subgraph(max(nx.connected_components(graph), key=lambda c: (len(c), min(map(str, c)))))
    if component.number_of_nodes() > top:
        keep = sorted(component, key=lambda n: (-component.nodes[n].get("papers", 0), str(n)))[:top]
        component = component.subgraph(keep)
        component = component.subgraph(max(nx.connected_components(component), key=len))
    return component.copy()


def plot(network: Network, output: str | Path, *, top: int = 150, labels: int = 15, width: int = 1600,
         height: int = 1200, seed: int = 42, resolution: float = 1.0, title: str | None = None) -> nx.Graph:
    """Draw the network to ``output`` (.png or .svg, ``width`` x ``height`` pixels); returns the graph drawn."""
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot draw to {output}: the file must end in .png or .svg")
    graph = _shown(network.graph, top)
    shown = Network(graph, network.kind, network.corpus, network.articles, network.skipped, network.node_articles)
    membership = detect(shown, resolution=resolution, seed=seed).membership if len(graph) else {}

    fig = plt.figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    ax = fig.add_axes((0, 0, 1, 0.95))
    ax.set_axis_off()
    fig.suptitle(title or f"{network.kind} network: {graph.number_of_nodes():,} nodes, "
                 f"{graph.number_of_edges():,} edges (largest component, top {top} by papers)", fontsize=14)
    if len(graph):
        pos = nx.spring_layout(graph, weight="weight", seed=seed, k=3 / math.sqrt(len(graph)), iterations=200)
        papers = [graph.nodes[n].get("papers", 1) for n in graph]
        biggest = max(papers)
        sizes = [40 + 900 * p / biggest for p in papers]
        cmap = plt.get_cmap("tab20")
        colours = [cmap(membership.get(n, 0) % 20) for n in graph]
        weights = [w for _, _, w in graph.edges(data="weight", default=1)]
        heaviest = max(weights, default=1)
        nx.draw_networkx_edges(graph, pos, ax=ax, width=[0.4 + 3 * w / heaviest for w in weights],
                               edge_color="#999999", alpha=0.5)
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=sizes, node_color=colours, edgecolors="white",
                               linewidths=0.6)
        named = sorted(graph, key=lambda n: (-graph.nodes[n].get("papers", 0), str(n)))[:labels]
        nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: graph.nodes[n].get("label", n) for n in named},
                                font_size=9, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                                   "alpha": 0.7})
    with open_output(output, compress=False) as out:
        fig.savefig(out, dpi=_DPI, format=suffix[1:])
    plt.close(fig)
    return graph
