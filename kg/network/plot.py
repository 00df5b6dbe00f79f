"""A picture of a network with matplotlib (``kg network plot``).

The picture shows the ``top`` nodes by papers within the largest connected
component (all of it when it is small): node size by papers, colour by Louvain
community, edge width by weight, and labels for the ``labels`` nodes with the
most papers, each put beside its node where it covers no other label nor
labelled node (with a line to the node when it had to move away). The layout is
a seeded spring layout, so a store gives the same picture every time. An SVG
declares the size asked for, in pixels, as a PNG has it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from kg.network.build import Network  # noqa: E402
from kg.network.communities import detect  # noqa: E402
from kg.output import open_output  # noqa: E402
from kg.wording import counted  # noqa: E402

__all__ = ["FORMATS", "plot"]

FORMATS = (".png", ".svg")
_DPI = 100
#: Where a label may go, as (x, y) directions from its node: beside it first, then diagonally.
_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7))
#: How far (points, beyond the node's edge) a label may move away from its node, nearest first.
_DISTANCES = (2, 10, 20, 32, 46)
_TEXT = {"textcoords": "offset points", "fontsize": 8}


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
    fig.suptitle(title or f"{network.kind} network: {counted(graph.number_of_nodes(), 'node')}, "
                 f"{counted(graph.number_of_edges(), 'edge')} (largest component, top {top} by papers)", fontsize=14)
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
        radius = dict(zip(graph, (math.sqrt(size) / 2 for size in sizes), strict=True))  # points
        _label(fig, ax, [(pos[n], radius[n], str(graph.nodes[n].get("label", n))) for n in named])
    picture = io.BytesIO()
    fig.savefig(picture, dpi=_DPI, format=suffix[1:])
    plt.close(fig)
    data = picture.getvalue()
    if suffix == ".svg":
        data = _svg_size(data, width, height)
    with open_output(output, compress=False) as out:
        out.write(data)
    return graph


def _label(fig: Figure, ax: Axes, nodes: Sequence[tuple[Sequence[float], float, str]]) -> None:
    """Label each (position, radius in points, text) beside its node, the first ones first: in the
    first place, nearest first, where the label covers no other label, no labelled node and stays
    in the picture; with none, where it covers least."""
    renderer = fig.canvas.get_renderer()
    area = ax.get_window_extent(renderer)
    discs = []
    for xy, radius, _ in nodes:
        x, y = ax.transData.transform(xy)
        r = radius * fig.dpi / 72  # points to pixels
        discs.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    placed: list[Bbox] = []
    for number, (xy, radius, text) in enumerate(nodes):
        others = placed + discs[:number] + discs[number + 1:]
        best: tuple[float, tuple[float, float], Bbox] | None = None
        for offset in _offsets(radius):
            label = ax.annotate(text, xy, xytext=offset, **_TEXT, **_alignment(offset))
            box = label.get_window_extent(renderer)
            label.remove()
            outside = _overlap(box, box) - _overlap(box, area)
            covered = sum(_overlap(box, other) for other in others) + outside
            if best is None or covered < best[0]:
                best = (covered, offset, box)
            if not covered:
                break
        _, offset, box = best
        moved = math.hypot(*offset) > radius + _DISTANCES[0]
        ax.annotate(text, xy, xytext=offset, **_TEXT, **_alignment(offset), zorder=5,
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],  # legible on edges
                    arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.6, "shrinkA": 0,
                                "shrinkB": radius} if moved else None)
        placed.append(box)


def _offsets(radius: float) -> Iterator[tuple[float, float]]:
    """Where a label may go (points from the centre of a node of ``radius`` points), nearest first."""
    for distance in _DISTANCES:
        for dx, dy in _DIRECTIONS:
            yield dx * (radius + distance), dy * (radius + distance)


def _alignment(offset: tuple[float, float]) -> dict[str, str]:
    """The text alignment that keeps a label on the side of its node it was put on."""
    dx, dy = offset
    return {"ha": "center" if dx == 0 else "left" if dx > 0 else "right",
            "va": "center" if dy == 0 else "bottom" if dy > 0 else "top"}


def _overlap(a: Bbox, b: Bbox) -> float:
    """The area two boxes share."""
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))


def _svg_size(svg: bytes, width: int, height: int) -> bytes:
    """The SVG declaring ``width`` x ``height`` pixels: matplotlib writes the size in points
    (576pt for 800 pixels at 100 dpi); the viewBox scales the drawing to the size declared."""
    return re.sub(rb'(<svg[^>]*?)width="[0-9.]+pt" height="[0-9.]+pt"',
                  rb'\g<1>width="%dpx" height="%dpx"' % (width, height), svg, count=1)
