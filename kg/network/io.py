"""Writing networks: GraphML, GEXF, Pajek, node-link JSON, CSV edge and node lists, VOSviewer.

The format comes from ``--format`` or the output file's extension
(:data:`EXTENSIONS`). Two formats write two files: ``csv`` the edges to the
file given and the nodes beside it (``net.csv`` and ``net.nodes.csv``), and
``vosviewer`` the map file to the file given and the network file beside it
(``net.txt`` and ``net.network.txt``). A name ending in ``.gz`` is gzip-compressed,
the second file too (``net.csv.gz`` and ``net.nodes.csv.gz``). Node attributes that a format cannot hold
as they are (Pajek takes strings only) are written as text; the edge weight is
always a number. Pajek strings cannot hold a double quote: it becomes a single one.

>>> format_for("coauthors.graphml"), format_for("x.net.gz"), format_for("map.txt"), format_for("x.bin")
('graphml', 'pajek', 'vosviewer', None)
>>> companion("net.csv", "csv"), companion("map.TXT.gz", "vosviewer"), companion("x.gexf", "gexf")
('net.nodes.csv', 'map.network.txt.gz', None)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.output import extension, open_output, uncompressed

__all__ = ["EXTENSIONS", "FORMATS", "STREAMABLE", "companion", "format_for", "write"]

FORMATS = ("graphml", "gexf", "pajek", "json", "csv", "vosviewer")
EXTENSIONS = {".graphml": "graphml", ".gexf": "gexf", ".net": "pajek", ".json": "json", ".csv": "csv",
              ".txt": "vosviewer"}
#: Formats that fit in one stream (standard output); csv to a stream writes the edges only.
STREAMABLE = ("graphml", "gexf", "pajek", "json", "csv")
_NODE_COLUMNS = ("label", "type", "papers", "first_year", "last_year", "country", "institution", "orcid")


#: The second file of the formats that write two: what replaces the first file's extension.
_COMPANIONS = {"csv": ".nodes.csv", "vosviewer": ".network.txt"}


def format_for(path: str) -> str | None:
    """The format a file name's extension (before any ``.gz``) stands for, or None."""
    return EXTENSIONS.get(extension(path))


def companion(path: str, fmt: str) -> str | None:
    """The second file a format writes next to ``path`` (csv: nodes; vosviewer: network),
    compressed when ``path`` is."""
    if fmt not in _COMPANIONS:
        return None
    plain = uncompressed(path)
    p = Path(plain)
    return str(p.with_name(p.stem + _COMPANIONS[fmt])) + path[len(plain):]


def write(graph: nx.Graph, output: str | IO[bytes], fmt: str) -> list[str]:
    """Write ``graph`` to a path (or a binary stream) in ``fmt``; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown network format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if not isinstance(output, str):
        if fmt not in STREAMABLE:
            raise ValueError(f"{fmt} writes two files: give an output file")
        _WRITERS[fmt](graph, output)
        return []
    with open_output(output) as handle:
        _WRITERS[fmt](graph, handle)
    written = [output]
    second = companion(output, fmt)
    if second:
        with open_output(second) as handle:
            (_write_csv_nodes if fmt == "csv" else _write_vosviewer_network)(graph, handle)
        written.append(second)
    return written


def _scalars(graph: nx.Graph) -> nx.Graph:
    """A copy without None values, which GraphML and GEXF cannot hold."""
    out = nx.Graph()
    out.graph.update({k: v for k, v in graph.graph.items() if v is not None})
    out.add_nodes_from((n, {k: v for k, v in d.items() if v is not None}) for n, d in graph.nodes(data=True))
    out.add_edges_from((a, b, {k: v for k, v in d.items() if v is not None}) for a, b, d in graph.edges(data=True))
    return out


class _Held:
    """A binary stream for networkx's lxml GraphML writer: the first write error (a full disk)
    is held back, the rest of the document discarded, and the error raised once lxml is done.

    lxml's incremental writer, left by an exception from its stream, crashes the interpreter
    with a segmentation fault when it is garbage-collected later.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.error is None:
            try:
                self.stream.write(data)
            except OSError as exc:
                self.error = exc
        return len(data)


def _write_graphml(graph: nx.Graph, handle: IO[bytes]) -> None:
    held = _Held(handle)
    nx.write_graphml(_scalars(graph), held, encoding="utf-8")
    if held.error is not None:
        raise held.error


def _write_gexf(graph: nx.Graph, handle: IO[bytes]) -> None:
    nx.write_gexf(_scalars(graph), handle, encoding="utf-8")


def _pajek_text(value: Any) -> str:
    """A Pajek string: always in double quotes, which Pajek has no escape for, so a double quote
    inside becomes a single one (and a backslash a slash)."""
    return '"' + " ".join(str(value).split()).replace('"', "'").replace("\\", "/") + '"'


def _write_pajek(graph: nx.Graph, handle: IO[bytes]) -> None:
    """Pajek .net: vertices with their id as the label and the other attributes as text pairs;
    edges with the weight and the other attributes as text pairs."""
    number = _numbers(graph)
    lines = [f"*vertices {graph.number_of_nodes()}"]
    for n, d in graph.nodes(data=True):
        pairs = "".join(f" {_pajek_text(k)} {_pajek_text(v)}" for k, v in d.items() if v is not None and str(v).strip())
        lines.append(f"{number[n]} {_pajek_text(n)} 0.0 0.0 ellipse{pairs}")
    lines.append("*edges")
    for a, b, d in graph.edges(data=True):
        pairs = "".join(f" {_pajek_text(k)} {_pajek_text(v)}" for k, v in d.items() if k != "weight" and v is not None)
        lines.append(f"{number[a]} {number[b]} {_num(d.get('weight', 1))}{pairs}")
    handle.write(("\n".join(lines) + "\n").encode("utf-8"))


def _write_json(graph: nx.Graph, handle: IO[bytes]) -> None:
    data = nx.node_link_data(graph, edges="edges")
    handle.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    handle.write(b"\n")


def _text(handle: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)


def _columns(graph: nx.Graph) -> list[str]:
    extra = sorted({k for _, d in graph.nodes(data=True) for k in d} - set(_NODE_COLUMNS))
    return [c for c in _NODE_COLUMNS if any(c in d for _, d in graph.nodes(data=True))] + extra


def _write_csv_edges(graph: nx.Graph, handle: IO[bytes]) -> None:
    out = _text(handle)
    writer = csv.writer(out)
    writer.writerow(["source", "target", "source_label", "target_label", "weight", "papers", "pmids"])
    label = graph.nodes
    for a, b, d in graph.edges(data=True):
        writer.writerow([a, b, label[a].get("label", a), label[b].get("label", b), d.get("weight", 1),
                         d.get("papers", ""), d.get("pmids", "")])
    out.detach()


def _write_csv_nodes(graph: nx.Graph, handle: IO[bytes]) -> None:
    out = _text(handle)
    columns = _columns(graph)
    writer = csv.writer(out)
    writer.writerow(["id", *columns])
    for n, d in graph.nodes(data=True):
        writer.writerow([n, *(d.get(c, "") for c in columns)])
    out.detach()


def _numbers(graph: nx.Graph) -> dict[Any, int]:
    return {n: i for i, n in enumerate(graph, start=1)}


def _write_vosviewer_map(graph: nx.Graph, handle: IO[bytes]) -> None:
    """VOSviewer map file: id, label, description (the node's IRI), cluster (community + 1,
    when known) and the weights VOSviewer shows: links, total link strength, documents."""
    out = _text(handle)
    number = _numbers(graph)
    has_cluster = any("community" in d for _, d in graph.nodes(data=True))
    header = ["id", "label", "description"] + (["cluster"] if has_cluster else []) + [
        "weight<Links>", "weight<Total link strength>", "weight<Documents>"]
    out.write("\t".join(header) + "\n")
    for n, d in graph.nodes(data=True):
        row = [str(number[n]), _tsv(d.get("label", n)), _tsv(n)]
        if has_cluster:
            row.append(str(int(d["community"]) + 1) if "community" in d else "")
        row += [str(graph.degree(n)), _num(graph.degree(n, weight="weight")), str(d.get("papers", 0))]
        out.write("\t".join(row) + "\n")
    out.detach()


def _write_vosviewer_network(graph: nx.Graph, handle: IO[bytes]) -> None:
    """VOSviewer network file: id, id, link strength, tab-separated, no header."""
    number = _numbers(graph)
    for a, b, w in graph.edges(data="weight", default=1):
        handle.write(f"{number[a]}\t{number[b]}\t{_num(w)}\n".encode())


def _tsv(value: Any) -> str:
    return " ".join(str(value).split())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_WRITERS: dict[str, Callable[[nx.Graph, IO[bytes]], None]] = {
    "graphml": _write_graphml,
    "gexf": _write_gexf,
    "pajek": _write_pajek,
    "json": _write_json,
    "csv": _write_csv_edges,
    "vosviewer": _write_vosviewer_map,
}
