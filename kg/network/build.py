"""The networks as networkx graphs, built from a :class:`~kg.network.extract.Corpus`.

Kinds (:data:`KINDS`):

``coauthor``
    persons, linked by the papers they wrote together;
``author-affiliation``
    the bipartite graph of persons and the organisations (or institutions) they
    were affiliated with on their papers;
``institution``, ``country``
    institutions / countries linked by the papers their authors wrote together;
``mesh``
    MeSH major topics linked by the papers that have both.

An edge's ``weight`` counts papers: 1 per paper (full counting), or, with
fractional counting, 1/(n-1) per paper with n nodes, so that each paper adds 1 to
the strength of each of its nodes. Every edge keeps ``papers`` (how many) and
``pmids`` (which, space-separated). Nodes carry ``label``, ``type``, ``papers``,
``first_year``, ``last_year`` and, where known, ``country``, ``institution`` and
``orcid``. Papers with more than ``max_authors`` authors (consortia) are left
out of every kind but ``mesh``. An option that the kind does not use
(:data:`KIND_OPTIONS`), given with other than its default value, is a ValueError.

>>> from kg.network.extract import Article, Corpus, Person
>>> corpus = Corpus({"1": Article("1", 2020, ["a", "b", "c"]), "2": Article("2", 2021, ["a", "b"])},
...                 {p: Person(p.upper()) for p in "abc"}, {}, {}, {})
>>> g = build(corpus, "coauthor").graph
>>> g.edges["a", "b"]
{'weight': 2, 'papers': 2, 'pmids': '1 2'}
>>> round(build(corpus, "coauthor", counting="fractional").graph.edges["a", "b"]["weight"], 3)
1.5
>>> g.nodes["a"]
{'label': 'A', 'type': 'person', 'papers': 2, 'first_year': 2020, 'last_year': 2021}
>>> build(corpus, "coauthor")
<Network coauthor: 3 nodes, 3 edges, from 2 articles>
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx
import pycountry

from kg.network.extract import Article, Corpus
from kg.wording import counted, listed

__all__ = ["COUNTINGS", "KINDS", "KIND_OPTIONS", "LEVELS", "Network", "build", "filter_network"]

KINDS = ("coauthor", "author-affiliation", "institution", "country", "mesh")
COUNTINGS = ("full", "fractional")
#: What the author-affiliation network links persons to.
LEVELS = ("organisation", "institution")
#: The options of :func:`build` that only some kinds use: option -> those kinds.
KIND_OPTIONS = {
    "counting": tuple(k for k in KINDS if k != "author-affiliation"),  # the bipartite network counts papers
    "max_authors": tuple(k for k in KINDS if k != "mesh"),  # topics have no authors to count
    "level": ("author-affiliation",),
}


@dataclass
class Network:
    """A graph and what it was built from."""

    graph: nx.Graph
    kind: str
    corpus: Corpus
    #: PMIDs of the papers that went into the graph.
    articles: list[str] = field(default_factory=list)
    #: papers left out for having more than max_authors authors.
    skipped: int = 0
    #: node -> the PMIDs of its papers.
    node_articles: dict[str, set[str]] = field(default_factory=dict)

    def __repr__(self) -> str:
        # Short: the default repr holds the whole corpus, which floods a notebook.
        return (f"<Network {self.kind}: {counted(self.graph.number_of_nodes(), 'node')}, "
                f"{counted(self.graph.number_of_edges(), 'edge')}, from {counted(len(self.articles), 'article')}>")


def _country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return getattr(found, "common_name", None) or found.name if found else code


def _most_common(counter: Counter | None) -> str | None:
    """The most frequent value; ties go to the smallest, so the result is deterministic."""
    if not counter:
        return None
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def build(corpus: Corpus, kind: str, identities: Mapping[str, str] | None = None, *, counting: str = "full",
          max_authors: int | None = 50, level: str = "organisation") -> Network:
    """The ``kind`` network of ``corpus``; ``identities`` maps merged persons to the person
    they are (see :mod:`kg.network.identity`). ``counting``, ``max_authors`` and ``level``
    apply only to the kinds in :data:`KIND_OPTIONS`: for another kind, a value other than
    the default is a ValueError."""
    if kind not in KINDS:
        raise ValueError(f"unknown network {kind!r}: choose one of {', '.join(KINDS)}")
    if counting not in COUNTINGS:
        raise ValueError(f"unknown counting {counting!r}: choose full or fractional")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: choose organisation or institution")
    # A default value asks for nothing: only other values count as given.
    for name, value, default in (("counting", counting, "full"), ("max_authors", max_authors, 50),
                                 ("level", level, "organisation")):
        applies = KIND_OPTIONS[name]
        if value != default and kind not in applies:
            raise ValueError(f"{name}={value!r} applies only to the {listed(applies)} "
                             f"network{'s' if len(applies) > 1 else ''}, not to {kind}")
    if kind == "mesh" and not corpus.mesh:
        raise ValueError("the corpus was extracted without MeSH topics: extract it with "
                         "extract(kg, mesh=True) to build the mesh network")
    same = identities or {}

    def person(p: str) -> str:
        return same.get(p, p)

    orgs, institutions = corpus.organisations, corpus.institutions
    articles: list[Article] = []
    skipped = 0
    for article in corpus.articles.values():
        if kind != "mesh" and max_authors is not None and len(article.authors) > max_authors:
            skipped += 1
        else:
            articles.append(article)

    # Per person: countries and institutions of their affiliations (node attributes).
    person_countries: dict[str, Counter] = defaultdict(Counter)
    person_institutions: dict[str, Counter] = defaultdict(Counter)
    institution_countries: dict[str, Counter] = defaultdict(Counter)
    for article in articles:
        for p, o in article.affiliations:
            org = orgs.get(o)
            if org is None:
                continue
            if org.country:
                person_countries[person(p)][org.country] += 1
            if org.institution:
                person_institutions[person(p)][org.institution] += 1
                if org.country:
                    institution_countries[org.institution][org.country] += 1

    def units(article: Article) -> list[str]:
        if kind == "coauthor":
            return list(dict.fromkeys(person(p) for p in article.authors))
        if kind == "mesh":
            return sorted(article.mesh)
        found: set[str] = set()
        for _, o in article.affiliations:
            org = orgs.get(o)
            value = org and (org.institution if kind == "institution" else org.country)
            if value:
                found.add(value)
        return sorted(found)

    if kind == "author-affiliation":
        graph, node_articles = _bipartite(articles, person, orgs, level)
    else:
        graph, node_articles = _cooccurrence(((a, units(a)) for a in articles), counting == "fractional")

    years = {a.pmid: a.year for a in articles if a.year is not None}
    for node, pmids in node_articles.items():
        data = graph.nodes[node]
        node_years = [years[p] for p in pmids if p in years]
        if kind in ("coauthor", "author-affiliation") and data.get("type", "person") == "person":
            info = corpus.persons.get(node)
            data.update(label=info.label if info else node, type="person")
            if info and info.orcid:
                data["orcid"] = info.orcid
            country, inst = _most_common(person_countries.get(node)), _most_common(person_institutions.get(node))
        elif kind == "author-affiliation" and level == "organisation":
            org = orgs[node]
            data.update(label=org.name, type="organisation")
            country, inst = org.country, org.institution
        elif kind in ("institution", "author-affiliation"):
            data.update(label=institutions.get(node, node), type="institution")
            country, inst = _most_common(institution_countries.get(node)), None
        elif kind == "country":
            data.update(label=_country_name(node), type="country")
            country, inst = node, None
        else:
            data.update(label=corpus.mesh_labels.get(node, node), type="mesh")
            country, inst = None, None
        data["papers"] = len(pmids)
        if node_years:
            data["first_year"], data["last_year"] = min(node_years), max(node_years)
        if country:
            data["country"] = country
        if inst:
            data["institution"] = institutions.get(inst, inst)
    graph.graph.update(kind=kind, counting=counting, articles=len(articles), skipped=skipped)
    return Network(graph, kind, corpus, [a.pmid for a in articles], skipped, node_articles)


def _cooccurrence(groups: Iterable[tuple[Article, list[str]]], fractional: bool) -> tuple[nx.Graph, dict]:
    """Nodes for every unit of every paper; an edge for every pair of units on a paper."""
    node_articles: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list] = {}  # (a, b) -> [weight, PMIDs]
    for article, units in groups:
        pmid = article.pmid
        for unit in units:
            node_articles[unit].add(pmid)
        n = len(units)
        if n < 2:
            continue
        share = 1 / (n - 1) if fractional else 1
        for pair in combinations(sorted(units), 2):
            edge = edges.get(pair)
            if edge is None:
                edges[pair] = [share, [pmid]]
            else:
                edge[0] += share
                edge[1].append(pmid)
    graph = nx.Graph()
    graph.add_nodes_from(node_articles)
    graph.add_edges_from((a, b, {"weight": w, "papers": len(ids), "pmids": " ".join(ids)})
                         for (a, b), (w, ids) in edges.items())
    return graph, dict(node_articles)


def _bipartite(articles: list[Article], person: Callable[[str], str], orgs: Mapping,
               level: str) -> tuple[nx.Graph, dict]:
    """Persons and organisations (or institutions), linked by the papers on which the person
    was affiliated with it; persons without an affiliation are left out."""
    node_articles: dict[str, set[str]] = defaultdict(set)
    pmids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for article in articles:
        pairs: set[tuple[str, str]] = set()
        for p, o in article.affiliations:
            target = o if level == "organisation" else (orgs[o].institution if o in orgs else None)
            if target:
                pairs.add((person(p), target))
        for p, target in sorted(pairs):
            node_articles[p].add(article.pmid)
            node_articles[target].add(article.pmid)
            pmids[p, target].append(article.pmid)
    graph = nx.Graph()
    for p, target in pmids:
        graph.add_node(p, type="person", bipartite=0)
        graph.add_node(target, type=level, bipartite=1)
    graph.add_edges_from((p, t, {"weight": len(ids), "papers": len(ids), "pmids": " ".join(ids)})
                         for (p, t), ids in pmids.items())
    return graph, dict(node_articles)


def filter_network(network: Network, *, min_weight: float | None = None, min_papers: int | None = None,
                   ego: str | None = None, radius: int = 1, largest_component: bool = False) -> Network:
    """Keep edges of at least ``min_weight``, nodes with at least ``min_papers`` papers, the
    neighbourhood of ``ego`` within ``radius`` steps, then the largest connected component."""
    graph = network.graph
    if min_weight is not None:
        graph.remove_edges_from([(a, b) for a, b, w in graph.edges(data="weight") if w < min_weight])
    if min_papers is not None:
        graph.remove_nodes_from([n for n, p in graph.nodes(data="papers") if p < min_papers])
    if ego is not None:
        if ego not in graph:
            raise KeyError(ego)
        graph = nx.ego_graph(graph, ego, radius=radius)
    if largest_component and graph.number_of_nodes():
        graph = graph.subgraph(max(nx.connected_components(graph), key=lambda c: (len(c), min(c)))).copy()
    graph.graph.update(network.graph.graph)
    network.graph = graph
    return network
