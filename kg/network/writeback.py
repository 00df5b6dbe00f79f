r"""Network metrics and communities as RDF in ``kg:graph/derived/network`` (``kg network write-back``).

For each network kind written::

    kg:network/{kind}  a kgv:Network ; kgv:networkKind "coauthor" ; kgv:nodeCount ; kgv:edgeCount ;
                       kgv:modularity ; kgv:resolution .
    kg:network/{kind}/community/{n}  a kgv:Community ; kgv:inNetwork ; kgv:communitySize ; rdfs:label .
    kg:network/{kind}/node/{hash}    a kgv:NetworkNode ; kgv:inNetwork ; kgv:represents <person|org|mesh>
                       (country nodes: schema:addressCountry "CN") ; rdfs:label ; kgv:papers ; kgv:degree ;
                       kgv:strength ; kgv:betweenness ; kgv:eigenvectorCentrality ; kgv:pageRank ;
                       kgv:community .

The graph is replaced whole on every write-back. A person's position in the
co-author network, for instance (a "/" in a prefixed name is written "\/")::

    SELECT ?name ?degree ?community WHERE {
      ?node kgv:represents ?person ; kgv:inNetwork kg:network\/coauthor ;
            kgv:degree ?degree ; kgv:community ?community .
      ?person foaf:name ?name }
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.mapping.iris import h16
from kg.mapping.vocab import KGV, RDF, RDFS, SCHEMA, XSD
from kg.network.build import Network
from kg.network.communities import Communities

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["CHUNK", "interrupts_deferred", "network_graph", "network_quads", "write_back"]

_LABELS = {"coauthor": "co-authorship network", "author-affiliation": "author-affiliation network",
           "institution": "institution collaboration network", "country": "country collaboration network",
           "mesh": "MeSH major topic co-occurrence network"}
_CENTRALITY_PROPERTIES = {"degree": "degree", "strength": "strength", "betweenness": "betweenness",
                          "eigenvector": "eigenvectorCentrality", "pagerank": "pageRank"}


def network_graph(kg: KnowledgeGraph) -> str:
    return kg.base_iri + "graph/derived/network"


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def _double(value: float) -> ox.Literal:
    return ox.Literal(repr(float(value)), datatype=ox.NamedNode(XSD + "double"))


def network_quads(kg: KnowledgeGraph, network: Network, values: dict[str, dict],
                  communities: Communities) -> list[ox.Quad]:
    """The quads describing one network: itself, its communities, and each node's figures."""
    graph = ox.NamedNode(network_graph(kg))
    kgv = {name: ox.NamedNode(KGV + name) for name in (
        "Network", "Community", "NetworkNode", "networkKind", "nodeCount", "edgeCount", "modularity", "resolution",
        "inNetwork", "communitySize", "represents", "papers", "community", *_CENTRALITY_PROPERTIES.values())}
    a, label = ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "label")
    base = f"{kg.base_iri}network/{network.kind}"
    net = ox.NamedNode(base)
    g = network.graph
    quads = [
        ox.Quad(net, a, kgv["Network"], graph),
        ox.Quad(net, label, ox.Literal(_LABELS[network.kind]), graph),
        ox.Quad(net, kgv["networkKind"], ox.Literal(network.kind), graph),
        ox.Quad(net, kgv["nodeCount"], _int(g.number_of_nodes()), graph),
        ox.Quad(net, kgv["edgeCount"], _int(g.number_of_edges()), graph),
        ox.Quad(net, kgv["modularity"], _double(communities.modularity), graph),
        ox.Quad(net, kgv["resolution"], _double(communities.resolution), graph),
    ]
    community_nodes = []
    for c in communities.communities:
        node = ox.NamedNode(f"{base}/community/{c.number}")
        community_nodes.append(node)
        top = ", ".join(str(g.nodes[m].get("label", m)) for m, _ in c.top_members[:3])
        quads += [
            ox.Quad(node, a, kgv["Community"], graph),
            ox.Quad(node, kgv["inNetwork"], net, graph),
            ox.Quad(node, kgv["communitySize"], _int(len(c.members)), graph),
            ox.Quad(node, label, ox.Literal(f"community {c.number}: {top}"), graph),
        ]
    membership = communities.membership
    country = ox.NamedNode(SCHEMA + "addressCountry")
    for n, data in g.nodes(data=True):
        node = ox.NamedNode(f"{base}/node/{h16(str(n))}")
        quads += [ox.Quad(node, a, kgv["NetworkNode"], graph), ox.Quad(node, kgv["inNetwork"], net, graph),
                  ox.Quad(node, label, ox.Literal(str(data.get("label", n))), graph),
                  ox.Quad(node, kgv["papers"], _int(data.get("papers", 0)), graph)]
        if network.kind == "country":
            quads.append(ox.Quad(node, country, ox.Literal(str(n)), graph))
        else:
            quads.append(ox.Quad(node, kgv["represents"], ox.NamedNode(str(n)), graph))
        if n in membership:
            quads.append(ox.Quad(node, kgv["community"], community_nodes[membership[n]], graph))
        for name, prop in _CENTRALITY_PROPERTIES.items():
            if name in values and n in values[name]:
                value = values[name][n]
                literal = _int(value) if name == "degree" else _double(value)
                quads.append(ox.Quad(node, kgv[prop], literal, graph))
    return quads


#: Quads added per store transaction: one transaction of a whole graph (1.4 million
#: quads for the co-author network of 20,000 papers) holds gigabytes in memory.
CHUNK = 100_000


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) and SIGTERM while the block runs; one that came is delivered after it.

    Outside the main thread, where Python cannot set signal handlers, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        # Delivered to the handler that was there before (KeyboardInterrupt, by default).
        signal.raise_signal(received[0])


def write_back(kg: KnowledgeGraph, quads: Iterable[ox.Quad],
               progress: Callable[[str], None] | None = None) -> int:
    """Replace ``kg:graph/derived/network`` with ``quads``; returns how many were written.

    Ctrl-C is held back until the old graph is removed and the new one written, so that
    the graph holds one or the other, never a part. The new one is written :data:`CHUNK`
    quads a transaction; ``progress(line)`` hears how far it got.
    """
    graph = ox.NamedNode(network_graph(kg))
    quads = iter(quads)
    written = 0
    with interrupts_deferred():
        if progress:
            progress("removing the old network graph...")
        # One transaction: removing it in parts, by SPARQL sub-selects, slows down part by part.
        kg.store.clear_graph(graph)
        while chunk := list(islice(quads, CHUNK)):
            if progress:
                progress(f"writing the network graph: {written:,} quads...")
            kg.store.extend(chunk)
            written += len(chunk)
        kg.store.flush()
    return written
