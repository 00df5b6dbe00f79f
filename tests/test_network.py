"""kg network and kg resolve: networks built from real records, checked against counts made
straight from the parsed records (not through the store); exports read back; pictures."""

from __future__ import annotations

import csv
import errno
import gzip
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner
from helpers import DATA, SEED

from kg.mapping import affiliations
from kg.mapping.iris import Iris, has_full_given_name, slug
from kg.mapping.vocab import MESH
from kg.network import io as network_io
from kg.network.build import build, filter_network
from kg.network.commands import network as network_group
from kg.network.commands import resolve as resolve_command
from kg.network.communities import detect
from kg.network.extract import extract
from kg.network.identity import (
    BY_COAUTHOR,
    BY_FILE,
    BY_INSTITUTION,
    Merge,
    identities,
    initials,
    resolve,
    write_identities,
)
from kg.network.metrics import centralities, summary
from kg.network.plot import plot
from kg.network.writeback import interrupts_deferred
from kg.records import Record
from kg.sources import read_records
from kg.store import KnowledgeGraph

IRIS = Iris("https://example.org/kg/")
PANCREATIC = DATA / "xml" / "pubmedportable-pancreatic.xml"
BLACHLY = DATA / "medline" / "blachlylab.nbib"


def _store(path: Path, *sources: Path) -> Path:
    with KnowledgeGraph.open(path, writable=True) as kg:
        report = kg.ingest([str(s) for s in sources])
    assert not report.skipped
    return path


def _records(*sources: Path) -> dict[str, Record]:
    return {r.pmid: r for r in read_records([str(s) for s in sources]) if isinstance(r, Record)}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pancreatic-cancer file (100 records, dense co-authorship) and the seed."""
    return _store(tmp_path_factory.mktemp("network") / "store", PANCREATIC, SEED)


@pytest.fixture(scope="module")
def small_records() -> dict[str, Record]:
    return _records(PANCREATIC, SEED)


@pytest.fixture(scope="module")
def resolved_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Blachly lab's records, with the identities kg resolve stores."""
    store = _store(tmp_path_factory.mktemp("resolved") / "store", BLACHLY)
    result = CliRunner().invoke(resolve_command, ["--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def corpus(small_store: Path):
    with KnowledgeGraph.open(small_store) as kg:
        return extract(kg, mesh=True)


# ---------------------------------------------------------------- expectations from the records


def _authors(r: Record) -> list[str]:
    return list(dict.fromkeys(IRIS.person(a) for a in r.authors if not a.collective and IRIS.person(a)))


def _expected_cooccurrence(records: dict[str, Record], units, fractional: bool = False, max_authors: int | None = 50):
    """node -> papers, (a, b) -> weight, (a, b) -> PMIDs, computed from the records alone."""
    papers: Counter = Counter()
    weights: dict[tuple[str, str], float] = defaultdict(float)
    pmids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pmid, r in records.items():
        if max_authors is not None and len(_authors(r)) > max_authors:
            continue
        found = sorted(set(units(r)))
        papers.update(found)
        for a, b in combinations(found, 2):
            weights[a, b] += 1 / (len(found) - 1) if fractional else 1
            pmids[a, b].add(pmid)
    return papers, weights, pmids


def _affiliation_values(r: Record, value) -> list[str]:
    return [v for a in r.authors if not a.collective for aff in a.affiliations
            if affiliations.clean(aff.name) and (v := value(aff.name))]


def _assert_network(g: nx.Graph, papers: Counter, weights: dict, pmids: dict) -> None:
    assert set(g.nodes) == set(papers)
    assert {n: d["papers"] for n, d in g.nodes(data=True)} == dict(papers)
    got = {tuple(sorted((a, b))): d for a, b, d in g.edges(data=True)}
    assert set(got) == set(weights)
    for pair, d in got.items():
        assert d["weight"] == pytest.approx(weights[pair])
        assert set(d["pmids"].split()) == pmids[pair] and d["papers"] == len(pmids[pair])


# ---------------------------------------------------------------- affiliations


def test_country_extraction_is_right_for_at_least_95_percent_of_the_hand_checked_affiliations() -> None:
    with open(DATA / "affiliation-countries.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    named = [r for r in rows if r["country"]]
    assert len(rows) >= 200 and len(named) >= 100
    assert {r["source"] for r in rows} == {"medline/pybibx.txt", "xml/efetch-single"}
    wrong = [(r["country"], affiliations.country(r["affiliation"]), r["affiliation"]) for r in named
             if affiliations.country(r["affiliation"]) != r["country"]]
    assert len(wrong) <= 0.05 * len(named), wrong
    # The affiliations that name no place get no country either (no guessing).
    assert [r["affiliation"] for r in rows if not r["country"] and affiliations.country(r["affiliation"])] == []


def test_institution_is_the_named_organisation_not_the_department() -> None:
    assert affiliations.institution(
        "Department of Medical Oncology, Cancer Institute/Hospital, Chinese Academy of Medical Sciences and Peking "
        "Union Medical College, Beijing 100021, P.R. China") == (
        "Chinese Academy of Medical Sciences and Peking Union Medical College")
    pittsburgh = affiliations.institution("Division of Rheumatology, Department of Medicine, University of "
                                          "Pittsburgh School of Medicine, Pittsburgh, PA, USA.")
    assert pittsburgh == "University of Pittsburgh School of Medicine"
    assert affiliations.institution("Department of Neurology.") is None


def test_kg_stats_reports_the_shares_of_affiliations_with_a_country_and_an_institution(small_store: Path,
                                                                                          small_records) -> None:
    texts = {affiliations.clean(aff.name) for r in small_records.values() for a in small_records[r.pmid].authors
             for aff in a.affiliations if affiliations.clean(aff.name)}
    with KnowledgeGraph.open(small_store) as kg:
        figures = kg.stats()
    assert figures["affiliations"] == len(texts)
    raw = {affiliations.clean(aff.name): aff.name for r in small_records.values() for a in r.authors
           for aff in a.affiliations}
    with_country = sum(1 for t in texts if affiliations.country(raw[t]))
    assert figures["affiliations_with_country"] == round(with_country / len(texts), 3)
    assert figures["affiliations_with_institution"] > 0.8


# ---------------------------------------------------------------- networks against the records


def test_coauthor_network_matches_the_records(corpus, small_records) -> None:
    papers, weights, pmids = _expected_cooccurrence(small_records, _authors)
    net = build(corpus, "coauthor")
    _assert_network(net.graph, papers, weights, pmids)
    assert net.graph.number_of_edges() > 500  # dense: really tested
    seed = [IRIS.person(a) for a in _records(SEED)["24649313"].authors]
    assert net.graph.subgraph(seed).number_of_edges() == 21  # 7 authors, all pairs, one paper
    assert net.graph.nodes[IRIS.person(_records(SEED)["24649313"].authors[0])]["label"] == "Yang Luo"


def test_a_name_pubmed_marks_invalid_is_no_author_in_the_networks(tmp_path: Path) -> None:
    with KnowledgeGraph.open(tmp_path / "s", writable=True) as kg:
        kg.ingest(DATA / "xml/ortho-search.xml")
        corpus = extract(kg, pmids=["19133053"])
    assert [corpus.persons[p].label for p in corpus.articles["19133053"].authors] == [
        "Amy Swanson", "Kenneth K Lau", "Tony M Korman", "Euan M Wallace", "Alex Polyakov"]  # not "Tony Kornman"


def test_fractional_counting_gives_each_paper_a_strength_of_one_per_author(corpus, small_records) -> None:
    papers, weights, pmids = _expected_cooccurrence(small_records, _authors, fractional=True)
    g = build(corpus, "coauthor", counting="fractional").graph
    _assert_network(g, papers, weights, pmids)
    multi = Counter(p for r in small_records.values() if len(_authors(r)) > 1 for p in _authors(r))
    for node in list(g)[:50]:
        assert g.degree(node, weight="weight") == pytest.approx(multi[node])


def test_max_authors_leaves_out_consortium_papers(corpus, small_records) -> None:
    largest = max(len(_authors(r)) for r in small_records.values())
    net = build(corpus, "coauthor", max_authors=largest - 1)
    assert net.skipped == sum(1 for r in small_records.values() if len(_authors(r)) > largest - 1) >= 1
    _assert_network(net.graph, *_expected_cooccurrence(small_records, _authors, max_authors=largest - 1))


@pytest.mark.parametrize("kind", ["country", "institution"])
def test_country_and_institution_networks_match_the_records(kind: str, corpus, small_records) -> None:
    def value(text: str) -> str | None:
        if kind == "country":
            return affiliations.country(text)
        name = affiliations.institution(text)
        return IRIS.institution(name) if name else None

    papers, weights, pmids = _expected_cooccurrence(small_records, lambda r: _affiliation_values(r, value))
    g = build(corpus, kind).graph
    _assert_network(g, papers, weights, pmids)
    assert g.number_of_nodes() > 5
    if kind == "country":
        assert g.nodes["CN"]["label"] == "China" and g.nodes["CN"]["papers"] == papers["CN"]


def test_mesh_network_links_major_topics_of_the_same_paper(corpus, small_records) -> None:
    def topics(r: Record) -> list[str]:
        return [MESH + m.ui if m.ui else IRIS.mesh_label(m.descriptor) for m in r.mesh_headings if m.is_major]

    papers, weights, pmids = _expected_cooccurrence(small_records, topics, max_authors=None)
    g = build(corpus, "mesh").graph
    _assert_network(g, papers, weights, pmids)
    assert g.nodes[MESH + "D010190"]["label"] == "Pancreatic Neoplasms"


def test_author_affiliation_network_is_bipartite_and_matches_the_records(corpus, small_records) -> None:
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pmid, r in small_records.items():
        for a in r.authors:
            for aff in a.affiliations:
                name = affiliations.institution(aff.name) if affiliations.clean(aff.name) else None
                if name and not a.collective:
                    expected[IRIS.person(a), IRIS.institution(name)].add(pmid)
    g = build(corpus, "author-affiliation", level="institution").graph
    assert nx.is_bipartite(g)
    assert {(a, b) if d == "person" else (b, a): set(data["pmids"].split())
            for a, b, data in g.edges(data=True) for d in [g.nodes[a]["type"]]} == expected
    assert {d["type"] for _, d in g.nodes(data=True)} == {"person", "institution"}


def test_query_and_year_filters_select_the_articles(small_store: Path, small_records) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        only_seed = extract(kg, pmids={"24649313"})
        early = extract(kg, to_year=1995)
    assert set(only_seed.articles) == {"24649313"}
    assert set(early.articles) == {p for p, r in small_records.items() if r.year and r.year <= 1995}
    assert build(only_seed, "coauthor").graph.number_of_nodes() == 7


def test_pmids_may_be_ints_but_not_a_single_string(small_store: Path) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        assert set(extract(kg, pmids=[24649313]).articles) == {"24649313"}
        with pytest.raises(TypeError) as single:
            extract(kg, pmids="24649313")  # would be read as the PMIDs "2", "4", "6", ...
        with pytest.raises(TypeError) as other:
            extract(kg, pmids=[24649313.0])
    assert str(single.value) == ("pmids='24649313': give a list of PMIDs, such as pmids=['24649313'], "
                                 "not a single string")
    assert str(other.value) == "pmids: 24649313.0 is not a PMID: give PMIDs as strings or ints"


def test_a_mesh_network_of_a_corpus_extracted_without_mesh_is_refused(small_store: Path) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        corpus = extract(kg)
    with pytest.raises(ValueError) as refused:
        build(corpus, "mesh")
    assert str(refused.value) == ("the corpus was extracted without MeSH topics: extract it with "
                                  "extract(kg, mesh=True) to build the mesh network")


@pytest.mark.parametrize(("kind", "options", "message"), [
    ("coauthor", {"level": "institution"},
     "level='institution' applies only to the author-affiliation network, not to coauthor"),
    ("mesh", {"max_authors": 10},
     "max_authors=10 applies only to the coauthor, author-affiliation, institution and country networks, not to mesh"),
    ("mesh", {"max_authors": None},
     ("max_authors=None applies only to the coauthor, author-affiliation, institution and country networks, "
      "not to mesh")),
    ("author-affiliation", {"counting": "fractional"},
     ("counting='fractional' applies only to the coauthor, institution, country and mesh networks, "
      "not to author-affiliation")),
    ("author-affiliation", {"level": "department"}, "unknown level 'department': choose organisation or institution"),
])
def test_build_refuses_an_option_the_network_does_not_use(kind: str, options: dict, message: str, corpus) -> None:
    with pytest.raises(ValueError) as refused:
        build(corpus, kind, **options)
    assert str(refused.value) == message


def test_build_takes_an_option_at_its_default_for_any_network(corpus) -> None:
    # kg network passes every option to build(), at its default when not given.
    default = build(corpus, "mesh", counting="full", max_authors=50, level="organisation")
    assert nx.utils.graphs_equal(default.graph, build(corpus, "mesh").graph)


def test_network_and_corpus_reprs_are_short(small_store: Path, corpus) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        seed = extract(kg, pmids=["24649313"])
    assert repr(seed) == "<Corpus: 1 article, 7 persons, 2 organisations, without MeSH topics>"
    assert repr(build(seed, "coauthor")) == "<Network coauthor: 7 nodes, 21 edges, from 1 article>"
    assert repr(corpus) == "<Corpus: 101 articles, 573 persons, 90 organisations, with MeSH topics>"
    assert repr(build(corpus, "coauthor")) == "<Network coauthor: 573 nodes, 2,004 edges, from 101 articles>"


def test_filters_min_weight_min_papers_ego_and_largest_component(corpus) -> None:
    g = build(corpus, "coauthor").graph
    heavy = filter_network(build(corpus, "coauthor"), min_weight=2).graph
    assert set(heavy.edges) == {e for e in g.edges if g.edges[e]["weight"] >= 2}
    prolific = filter_network(build(corpus, "coauthor"), min_papers=2).graph
    assert set(prolific) == {n for n, p in g.nodes(data="papers") if p >= 2}
    luo = IRIS.person(_records(SEED)["24649313"].authors[0])
    ego = filter_network(build(corpus, "coauthor"), ego=luo, radius=1).graph
    assert set(ego) == {luo, *g[luo]}
    largest = filter_network(build(corpus, "coauthor"), largest_component=True).graph
    assert len(largest) == max(len(c) for c in nx.connected_components(g)) and nx.is_connected(largest)


# ---------------------------------------------------------------- stats and communities


def test_stats_figures(corpus, small_records) -> None:
    net = build(corpus, "coauthor")
    figures = summary(net)
    g = net.graph
    assert (figures["nodes"], figures["edges"]) == (g.number_of_nodes(), g.number_of_edges())
    assert figures["components"] == nx.number_connected_components(g)
    assert figures["average_path_length"] == pytest.approx(
        nx.average_shortest_path_length(g.subgraph(max(nx.connected_components(g), key=len))), abs=1e-3)
    multi = [len(_authors(r)) for r in small_records.values() if len(_authors(r)) > 1]
    assert figures["collaboration_index"] == round(sum(multi) / len(multi), 3)
    countries = [set(_affiliation_values(r, affiliations.country)) for r in small_records.values()]
    assert figures["multi_country_papers"] == sum(1 for c in countries if len(c) > 1)
    assert figures["single_country_papers"] == sum(1 for c in countries if len(c) == 1)
    values = centralities(g)
    assert values["degree"] == dict(g.degree())
    assert values["betweenness"] == pytest.approx(nx.betweenness_centrality(g))  # exact below 2,000 nodes


def test_louvain_communities_are_seeded_and_report_modularity(corpus) -> None:
    net = build(corpus, "coauthor")
    first, again = detect(net, seed=7), detect(net, seed=7)
    assert [c.members for c in first.communities] == [c.members for c in again.communities]
    parts = [c.members for c in first.communities]
    assert set().union(*parts) == set(net.graph)
    assert first.modularity == pytest.approx(nx.community.modularity(net.graph, parts))
    assert first.modularity > 0.5
    assert [len(p) for p in parts] == sorted((len(p) for p in parts), reverse=True)
    assert first.communities[0].top_mesh and first.communities[0].top_members


# ---------------------------------------------------------------- exports read back


def _attributed(corpus):
    net = build(corpus, "coauthor", counting="fractional")
    for node, number in detect(net).membership.items():
        net.graph.nodes[node]["community"] = number
    return net.graph


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_graph_formats_read_back_with_the_same_nodes_edges_and_attributes(fmt: str, corpus, tmp_path: Path) -> None:
    g = _attributed(corpus)
    path = tmp_path / f"net.{fmt}"
    assert network_io.write(g, str(path), fmt) == [str(path)]
    if fmt == "graphml":
        back = nx.read_graphml(path)
    elif fmt == "gexf":
        back = nx.read_gexf(path)
    else:
        back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    assert set(back.nodes) == set(g.nodes) and back.number_of_edges() == g.number_of_edges()
    for n, data in g.nodes(data=True):
        assert {k: back.nodes[n][k] for k in data} == data
    for a, b, data in g.edges(data=True):
        assert back.edges[a, b]["weight"] == pytest.approx(data["weight"])
        assert back.edges[a, b]["pmids"] == data["pmids"] and back.edges[a, b]["papers"] == data["papers"]


def test_pajek_reads_back_with_the_same_nodes_edges_weights_and_labels(corpus, tmp_path: Path) -> None:
    g = _attributed(corpus)
    network_io.write(g, str(tmp_path / "net.net"), "pajek")
    back = nx.Graph(nx.read_pajek(tmp_path / "net.net"))
    assert set(back.nodes) == set(g.nodes) and back.number_of_edges() == g.number_of_edges()
    for n, data in g.nodes(data=True):
        assert back.nodes[n]["label"] == data["label"].replace('"', "'")  # Pajek has no escape for '"'
        assert back.nodes[n]["papers"] == str(data["papers"])
    for a, b, data in g.edges(data=True):
        assert back.edges[a, b]["weight"] == pytest.approx(data["weight"])
        assert back.edges[a, b]["pmids"] == data["pmids"]


def test_csv_and_vosviewer_files_read_back(corpus, tmp_path: Path) -> None:
    g = _attributed(corpus)
    edges_path, nodes_path = network_io.write(g, str(tmp_path / "net.csv"), "csv")
    with open(edges_path, encoding="utf-8") as handle:
        edges = {tuple(sorted((r["source"], r["target"]))): r for r in csv.DictReader(handle)}
    with open(nodes_path, encoding="utf-8") as handle:
        nodes = {r["id"]: r for r in csv.DictReader(handle)}
    assert set(nodes) == set(g) and set(edges) == {tuple(sorted(e)) for e in g.edges}
    for (a, b), row in edges.items():
        assert float(row["weight"]) == pytest.approx(g.edges[a, b]["weight"]) and row["pmids"] == g.edges[a, b]["pmids"]
    for n, d in g.nodes(data=True):
        assert nodes[n]["label"] == d["label"] and int(nodes[n]["papers"]) == d["papers"]

    map_path, network_path = network_io.write(g, str(tmp_path / "vos.txt"), "vosviewer")
    with open(map_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    iri = {r["id"]: r["description"] for r in rows}
    assert set(iri.values()) == set(g)
    assert all(int(r["cluster"]) == g.nodes[r["description"]]["community"] + 1 for r in rows)
    assert all(int(r["weight<Documents>"]) == g.nodes[r["description"]]["papers"] for r in rows)
    with open(network_path, encoding="utf-8") as handle:
        links = {tuple(sorted((iri[a], iri[b]))): float(w) for a, b, w in csv.reader(handle, delimiter="\t")}
    assert links.keys() == {tuple(sorted(e)) for e in g.edges}
    assert all(w == pytest.approx(g.edges[pair]["weight"], rel=1e-5) for pair, w in links.items())


# ---------------------------------------------------------------- picture


def test_plot_writes_a_valid_png_of_the_requested_size(corpus, tmp_path: Path) -> None:
    path = tmp_path / "coauthors.png"
    drawn = plot(build(corpus, "coauthor"), path, top=60, width=800, height=600)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (800, 600)
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
    assert 2 <= drawn.number_of_nodes() <= 60 and nx.is_connected(drawn)


# ---------------------------------------------------------------- identity


def test_resolve_links_name_keyed_persons_to_orcid_persons_only_with_shared_evidence(tmp_path: Path) -> None:
    store = _store(tmp_path / "s", BLACHLY)
    records = _records(BLACHLY)
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    papers: dict[str, set[str]] = defaultdict(set)
    for pmid, r in records.items():
        for a in r.authors:
            if not a.collective and IRIS.person(a):
                names[IRIS.person(a)].add((a.family or "", a.given or ""))
                papers[IRIS.person(a)].add(pmid)

    def coauthors(p: str) -> set[str]:
        return {IRIS.person(a) for pmid in papers[p] for a in records[pmid].authors if not a.collective} - {p}

    with KnowledgeGraph.open(store, writable=True) as kg:
        merges, _ = resolve(kg)
        write_identities(kg, merges)
        same = identities(kg)
    assert len(merges) >= 20 and {m.reason for m in merges} == {BY_COAUTHOR, BY_INSTITUTION}
    assert any(m.source.endswith("/fn/blachly-james-s") and m.target.endswith("0000-0002-4275-5562") for m in merges)
    for m in merges:
        (family, given), *_ = sorted(names[m.source])
        targets = {(slug(f), slug(g)) for f, g in names[m.target]}
        if has_full_given_name(given):
            assert (slug(family), slug(given)) in targets  # the same full name
        else:
            letters = re.sub("[^a-z]", "", slug(given))
            assert len(letters) >= 2  # never family name and one initial
            assert any(f == slug(family) and initials(g) == letters for f, g in targets)
        assert not papers[m.source] & papers[m.target]  # never two authors of one paper
        if m.reason == BY_COAUTHOR:
            assert coauthors(m.source) & coauthors(m.target)
    assert same.same == {m.source: m.target for m in merges}


def test_networks_use_the_resolved_identities_and_the_merge_file(tmp_path: Path) -> None:
    store = _store(tmp_path / "s", BLACHLY)
    merge_file = tmp_path / "merges.tsv"
    merge_file.write_text("label\treplace by\nByrd, John C\tkg:ra/name/fn/blachly-james-s\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(resolve_command, ["--store", str(store), "--merge-file", str(merge_file)])
    assert result.exit_code == 0, result.output
    assert "kg:ra/name/fn/byrd-john-c -> kg:ra/name/fn/blachly-james-s  (merge file: line 2)" in result.output
    orcid = "https://example.org/kg/ra/orcid/0000-0002-4275-5562"
    with KnowledgeGraph.open(store) as kg:
        same = identities(kg)
        g = build(extract(kg), "coauthor", same.same).graph
    assert same.reasons[BY_FILE] == 1
    byrd, blachly = IRIS.base + "ra/name/fn/byrd-john-c", IRIS.base + "ra/name/fn/blachly-james-s"
    assert same.same[byrd] == orcid and same.same[blachly] == orcid  # a chain: Byrd -> Blachly -> ORCID
    assert byrd not in g and blachly not in g
    records = _records(BLACHLY)
    merged = {orcid} | {p for p, target in same.same.items() if target == orcid}
    assert {byrd, blachly} < merged
    expected = {p for p, r in records.items() if {IRIS.person(a) for a in r.authors} & merged}
    assert g.nodes[orcid]["papers"] == len(expected)
    bad = tmp_path / "bad.tsv"
    bad.write_text("Nobody, At All\tkg:ra/name/fn/blachly-james-s\n", encoding="utf-8")
    failed = runner.invoke(resolve_command, ["--store", str(store), "--merge-file", str(bad)])
    assert failed.exit_code == 1 and "bad.tsv:1: no person is 'Nobody, At All'" in failed.output


# ---------------------------------------------------------------- commands


def test_write_back_stores_metrics_and_communities_queryable_with_sparql(tmp_path: Path, small_store: Path) -> None:
    store = tmp_path / "copy"
    shutil.copytree(small_store, store, ignore=shutil.ignore_patterns("lock"))
    result = CliRunner().invoke(network_group, ["write-back", "coauthor", "country", "--store", str(store)])
    assert result.exit_code == 0, result.output
    with KnowledgeGraph.open(store) as kg:
        g = build(extract(kg), "coauthor").graph
        rows = kg.select("SELECT ?person ?degree ?community WHERE { ?n kgv:inNetwork kg:network\\/coauthor ; "
                         "kgv:represents ?person ; kgv:degree ?degree ; kgv:community ?community }")
        countries = kg.select("SELECT ?c ?papers WHERE { ?n kgv:inNetwork kg:network\\/country ; "
                              "schema:addressCountry ?c ; kgv:papers ?papers }")
        used = {r["t"] for r in kg.select("SELECT DISTINCT ?t WHERE { GRAPH kg:graph\\/derived\\/network "
                                          "{ { ?s ?t ?o } UNION { ?s a ?t } } }")}
        expected_cn = build(extract(kg), "country").graph.nodes["CN"]["papers"]
    assert {r["person"]: r["degree"] for r in rows} == dict(g.degree())
    assert {r["c"]: r["papers"] for r in countries}["CN"] == expected_cn
    vocab = rdflib.Graph().parse(Path(__file__).parent.parent / "ontology" / "kgv.ttl")
    declared = [t for t in used if t.startswith("https://w3id.org/pubmed-kg/vocab#")]
    assert len(declared) >= 15
    for term in declared:
        assert vocab.value(rdflib.URIRef(term), rdflib.RDFS.label), term
        assert vocab.value(rdflib.URIRef(term), rdflib.RDFS.comment), term
    # written again, the graph is replaced, not added to
    CliRunner().invoke(network_group, ["write-back", "country", "--store", str(store)])
    with KnowledgeGraph.open(store) as kg:
        assert not kg.select("SELECT ?n WHERE { ?n kgv:inNetwork kg:network\\/coauthor }")


def test_network_commands_export_analyse_and_explain_errors(small_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ["coauthor", "author-affiliation", "institution", "country", "mesh", "stats", "communities", "plot",
                 "write-back"]:
        assert "Example" in runner.invoke(network_group, [name, "--help"]).output
    out = runner.invoke(network_group, ["country", "--store", str(small_store), "-o", str(tmp_path / "c.gexf")])
    assert out.exit_code == 0 and nx.read_gexf(tmp_path / "c.gexf").number_of_nodes() > 5
    listed = runner.invoke(network_group, ["coauthor", "--store", str(small_store), "--ego",
                                           "kg:ra/name/fn/luo-yang"])
    assert listed.exit_code == 0 and listed.stdout.count("\n") == 1 + 21
    stats = runner.invoke(network_group, ["stats", "country", "--store", str(small_store), "--format", "json"])
    assert json.loads(stats.stdout)["nodes"] > 5
    communities = runner.invoke(network_group, ["communities", "coauthor", "--store", str(small_store), "--show", "2"])
    assert communities.exit_code == 0 and "modularity" in communities.stdout
    png = tmp_path / "p.png"
    drawn = runner.invoke(network_group, ["plot", "country", "--store", str(small_store), "-o", str(png),
                                          "--width", "640", "--height", "480"])
    assert drawn.exit_code == 0 and struct.unpack(">II", png.read_bytes()[16:24]) == (640, 480)
    query = tmp_path / "seed.rq"
    query.write_text('SELECT ?a WHERE { ?a fabio:hasPubMedId "24649313" }', encoding="utf-8")
    seed_only = runner.invoke(network_group, ["coauthor", "--store", str(small_store), "--query", str(query)])
    assert seed_only.exit_code == 0 and seed_only.stdout.count("\n") == 1 + 21
    failed = runner.invoke(network_group, ["coauthor", "--ego", "kg:ra/name/fn/nobody", "--store", str(small_store)])
    assert failed.exit_code == 1 and "not a node of the coauthor network" in failed.output, failed.output


def test_ego_of_a_merged_person_is_the_ego_network_of_the_person_it_was_merged_into(resolved_store: Path) -> None:
    orcid = IRIS.base + "ra/orcid/0000-0002-4275-5562"
    with KnowledgeGraph.open(resolved_store) as kg:
        same = identities(kg).same
    assert same[IRIS.base + "ra/name/fn/blachly-james-s"] == orcid
    # From the records alone: everyone on a paper (of at most 50 authors) of Blachly under either key.
    merged = {orcid} | {p for p, target in same.items() if target == orcid}
    expected = {same.get(p, p) for r in _records(BLACHLY).values() if len(_authors(r)) <= 50
                for p in _authors(r) if set(_authors(r)) & merged}
    result = CliRunner().invoke(network_group, ["coauthor", "--store", str(resolved_store), "--ego",
                                                "kg:ra/name/fn/blachly-james-s"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == ("--ego kg:ra/name/fn/blachly-james-s is merged into "
                                             "kg:ra/orcid/0000-0002-4275-5562 (kg resolve): the ego network is "
                                             "that node's")
    edges = list(csv.DictReader(result.stdout.splitlines()))
    assert {n for e in edges for n in (e["source"], e["target"])} == expected
    assert sum(orcid in (e["source"], e["target"]) for e in edges) == len(expected) - 1 > 20
    # The person it was merged into gives the same network, without the notice.
    direct = CliRunner().invoke(network_group, ["coauthor", "--store", str(resolved_store), "--ego",
                                                "kg:ra/orcid/0000-0002-4275-5562"])
    assert direct.stdout == result.stdout and direct.stderr.startswith("coauthor network: ")


def test_query_takes_article_iris_or_pmid_literals_and_rejects_other_values(small_store: Path, small_records,
                                                                            tmp_path: Path) -> None:
    runner = CliRunner()

    def run(sparql: str):
        query = tmp_path / "q.rq"
        query.write_text(sparql, encoding="utf-8")
        return runner.invoke(network_group, ["coauthor", "--store", str(small_store), "--query", str(query)])

    everything = runner.invoke(network_group, ["coauthor", "--store", str(small_store)])
    by_pmid = run("SELECT ?pmid WHERE { ?a fabio:hasPubMedId ?pmid }")
    assert by_pmid.exit_code == 0 and by_pmid.stdout == everything.stdout
    assert f"from {len(small_records)} papers" in by_pmid.stderr and "warning" not in by_pmid.stderr
    # A string and an integer PMID, and an article IRI: the seed's paper, its 7 authors all linked.
    seed = run('SELECT ?a WHERE { VALUES ?a { "24649313" 24649313 kg:br\\/pmid\\/24649313 } }')
    assert seed.exit_code == 0 and seed.stdout.count("\n") == 1 + 21
    assert "coauthor network: 7 nodes, 21 edges, from 1 paper" in seed.stderr
    partly = run('SELECT ?a WHERE { VALUES ?a { "24649313" "1" kg:br\\/pmid\\/2 } }')
    assert partly.exit_code == 0 and partly.stdout == seed.stdout
    assert (f"warning: --query {tmp_path / 'q.rq'}: 2 of the 3 articles it gives are not in the store (PMIDs 1, 2)"
            in partly.stderr)
    none = run('SELECT ?a WHERE { ?a fabio:hasPubMedId "1" }')
    assert none.exit_code == 0 and none.stdout.count("\n") == 1
    assert f"warning: --query {tmp_path / 'q.rq'}: the query gives no articles" in none.stderr
    must = ("must give articles (IRIs such as kg:br/pmid/24649313, or PMIDs such as '24649313'), got")
    for sparql, message in [
        ("SELECT ?y WHERE { kg:br\\/pmid\\/24649313 fabio:hasPublicationYear ?y }",
         f"the first variable (?y) {must} the literal '2014' (xsd:gYear)"),
        ("SELECT ?p WHERE { kg:br\\/pmid\\/24649313\\/ar\\/1 pro:isHeldBy ?p }",
         f"the first variable (?p) {must} kg:ra/name/fn/luo-yang, which is not an article"),
        ("SELECT ?r WHERE { ?r pro:isHeldBy kg:ra\\/name\\/fn\\/luo-yang }",
         f"the first variable (?r) {must} kg:br/pmid/24649313/ar/1, which is not an article"),
        ('SELECT ?t WHERE { VALUES ?t { "Cancer"@en } }', f"the first variable (?t) {must} the literal 'Cancer'@en"),
        ("ASK { ?a fabio:hasPubMedId ?pmid }", "the query must be a SELECT whose first variable gives articles"),
    ]:
        failed = run(sparql)
        assert failed.exit_code == 2, failed.output
        assert f"Error: --query {tmp_path / 'q.rq'}: {message}\n" in failed.stderr, failed.stderr


# ---------------------------------------------------------------- merge files, options, pictures (user testing)

NARCHD = DATA / "medline" / "narchd.txt"


@pytest.fixture(scope="module")
def narchd_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """473 records; kg resolve merges one person on its own (otte-trojel-terese, by institution)."""
    return _store(tmp_path_factory.mktemp("narchd") / "store", NARCHD)


def _stored_identities(store: Path) -> dict[str, str]:
    with KnowledgeGraph.open(store) as kg:
        return identities(kg).same


def test_a_merge_file_whose_merges_go_round_in_a_cycle_is_refused_naming_its_lines(narchd_store: Path,
                                                                                   tmp_path: Path) -> None:
    jarvik, ritchie, crosslin = (f"kg:ra/name/fn/{p}" for p in ("jarvik-gail-p", "ritchie-marylyn-d",
                                                                 "crosslin-david-r"))
    otte, orcid = "kg:ra/name/fn/otte-trojel-terese", "kg:ra/orcid/0000-0002-4565-058X"
    before = _stored_identities(narchd_store)
    merge_file = tmp_path / "m.tsv"
    for lines, message in [
        ([f"{jarvik}\t{ritchie}", f"{ritchie}\t{jarvik}"],
         f"m.tsv: lines 1 and 2 merge persons in a cycle ({jarvik} -> {ritchie} -> {jarvik})"),
        ([f"{jarvik}\t{ritchie}", f"{ritchie}\t{crosslin}", f"{crosslin}\t{jarvik}"],
         f"m.tsv: lines 1, 2 and 3 merge persons in a cycle ({jarvik} -> {ritchie} -> {crosslin} -> {jarvik})"),
        # kg resolve's own merge of otte-trojel-terese into the ORCID-keyed person, turned back by the file
        ([f"{orcid}\t{otte}"], "m.tsv: line 1 and kg resolve's own merge (same name, shared institution: Erasmus "
                               f"University Rotterdam) merge persons in a cycle ({otte} -> {orcid} -> {otte})"),
        ([f"{jarvik}\t{ritchie}", f"Jarvik, Gail P\t{crosslin}"],
         f"m.tsv:2: {jarvik} is merged into {ritchie} on line 1: a person can be merged into one other only"),
    ]:
        merge_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        failed = CliRunner().invoke(resolve_command, ["--store", str(narchd_store), "--merge-file", str(merge_file)])
        assert failed.exit_code == 1 and message in failed.stderr, failed.output
        assert "persons merged" not in failed.output and "Traceback" not in failed.output
    assert _stored_identities(narchd_store) == before  # nothing stored


def test_chained_merges_count_each_merged_person_once(narchd_store: Path, tmp_path: Path) -> None:
    base = IRIS.base + "ra/name/fn/"
    jarvik, ritchie, crosslin = base + "jarvik-gail-p", base + "ritchie-marylyn-d", base + "crosslin-david-r"
    merge_file = tmp_path / "chain.tsv"
    # Jarvik -> Ritchie -> Crosslin; line 3 repeats line 1 (by name), which is harmless.
    merge_file.write_text(f"label\treplace by\nJarvik, Gail P\t{ritchie}\nkg:ra/name/fn/ritchie-marylyn-d\t"
                          f"kg:ra/name/fn/crosslin-david-r\n<{jarvik}>\tRitchie, Marylyn D\n", encoding="utf-8")
    runner = CliRunner()
    resolved = runner.invoke(resolve_command, ["--store", str(narchd_store), "--merge-file", str(merge_file)])
    assert resolved.exit_code == 0, resolved.output
    assert "3 persons merged (2 merge file, 1 same name, shared institution)" in resolved.stderr
    assert _stored_identities(narchd_store) == {jarvik: crosslin, ritchie: crosslin,
                                                base + "otte-trojel-terese": IRIS.base + "ra/orcid/0000-0002-4565-058X"}
    built = runner.invoke(network_group, ["coauthor", "--store", str(narchd_store), "--ego",
                                          "kg:ra/name/fn/crosslin-david-r", "--format", "graphml"])
    assert built.exit_code == 0, built.output
    assert "identities: 3 persons merged into others (2 merge file, 1 same name, shared institution)" in built.stderr
    g = nx.parse_graphml(built.stdout)
    merged = {jarvik, ritchie, crosslin}
    assert not {jarvik, ritchie} & set(g)
    papers = {pmid for pmid, r in _records(NARCHD).items() if len(_authors(r)) <= 50 and set(_authors(r)) & merged}
    assert g.nodes[crosslin]["papers"] == len(papers) == 3  # Crosslin alone: 2


def test_a_cycle_stored_before_cycles_were_refused_merges_no_one(tmp_path: Path) -> None:
    store = _store(tmp_path / "s", SEED)
    luo, first = (IRIS.person(a) for a in _records(SEED)["24649313"].authors[:2])
    with KnowledgeGraph.open(store, writable=True) as kg:
        write_identities(kg, [Merge(luo, first, BY_FILE, "line 1"), Merge(first, luo, BY_FILE, "line 2")])
        same = identities(kg)
    assert same.same == {} and same.summary().startswith("identities: no persons merged")


@pytest.mark.parametrize("args", [
    ["communities", "coauthor", "--resolution", "-1"],
    ["communities", "coauthor", "--resolution", "0"],
    ["plot", "country", "-o", "x.png", "--resolution", "0"],
    ["write-back", "country", "--resolution", "-0.5"],
    ["country", "--min-weight", "-1"],
    ["country", "--min-weight", "0"],
    ["stats", "country", "--seed", "-1"],
    ["plot", "country", "-o", "x.png", "--seed", "-1"],
    ["plot", "country", "-o", "x.png", "--width", "100000"],
    ["country", "--ego", "US", "--radius", "0"],
    ["country", "--min-papers", "0"],
    ["country", "--max-authors", "-1"],
    ["stats", "country", "--top", "-1"],
])
def test_numeric_options_out_of_range_are_usage_errors(args: list[str], small_store: Path) -> None:
    result = CliRunner().invoke(network_group, [*args, "--store", str(small_store)])
    assert result.exit_code == 2 and f"Invalid value for '{args[-2]}'" in result.stderr, result.output


def test_modularity_stays_at_most_one_for_any_allowed_resolution(small_store: Path) -> None:
    for resolution in ("0.001", "1", "5"):
        result = CliRunner().invoke(network_group, ["communities", "coauthor", "--store", str(small_store),
                                                    "--resolution", resolution, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert 0 <= json.loads(result.stdout)["modularity"] <= 1


@pytest.mark.parametrize(("args", "message"), [
    (["coauthor", "--level", "institution"],
     "--level applies only to the author-affiliation network, not to coauthor, institution, country or mesh"),
    (["write-back", "coauthor", "country", "--level", "institution"], "--level applies only to the author-affiliation"),
    (["stats", "mesh", "--max-authors", "10"],
     "--max-authors applies only to the coauthor, author-affiliation, institution and country networks, not to mesh"),
    (["communities", "author-affiliation", "--counting", "fractional"],
     "--counting applies only to the coauthor, institution, country and mesh networks, not to author-affiliation"),
    (["country", "--radius", "2"], "--radius applies only with --ego"),
    (["country", "--from-year", "2020", "--to-year", "2010"], "--from-year is after --to-year"),
])
def test_an_option_the_network_does_not_use_is_a_usage_error(args: list[str], message: str,
                                                              small_store: Path) -> None:
    result = CliRunner().invoke(network_group, [*args, "--store", str(small_store)])
    assert result.exit_code == 2 and f"Error: {message}" in result.stderr, result.output


def test_kind_specific_options_work_for_their_kinds(narchd_store: Path) -> None:
    runner = CliRunner()
    for args in (["author-affiliation", "--level", "institution"], ["mesh", "--counting", "fractional"],
                 ["country", "--max-authors", "10", "--ego", "US", "--radius", "2"]):
        result = runner.invoke(network_group, [*args, "--store", str(narchd_store)])
        assert result.exit_code == 0 and result.stdout.count("\n") > 2, result.output


@pytest.mark.parametrize("args", [["coauthor", "author-affiliation", "--level", "institution"],
                                  ["coauthor", "mesh", "--max-authors", "10"],
                                  ["coauthor", "author-affiliation", "--counting", "fractional"]])
def test_write_back_takes_an_option_that_one_of_its_networks_uses(args: list[str], pair_store: Path,
                                                                  tmp_path: Path) -> None:
    store = shutil.copytree(pair_store, tmp_path / "store", ignore=shutil.ignore_patterns("lock"))
    result = CliRunner().invoke(network_group, ["write-back", *args, "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert all(f"\n{kind}: " in "\n" + result.stderr for kind in args[:2]), result.stderr


def test_plotting_an_empty_network_fails_and_writes_no_file(small_store: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    KnowledgeGraph.open(empty, writable=True).close()
    for store, filters in [(empty, []), (small_store, ["--from-year", "2900"])]:
        png = tmp_path / "e.png"
        result = CliRunner().invoke(network_group, ["plot", "coauthor", "--store", str(store), "-o", str(png),
                                                    *filters])
        assert result.exit_code == 1 and "Error: the network is empty: nothing to plot" in result.stderr
        assert "coauthor network: 0 nodes" in result.stderr and not png.exists()


def test_communities_report_the_network_size_once(small_store: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(network_group, ["communities", "country", "--store", str(small_store),
                                                "-o", str(tmp_path / "comm.gexf")])
    assert result.exit_code == 0, result.output
    g = nx.read_gexf(tmp_path / "comm.gexf")
    assert (result.stdout + result.stderr).count("country network:") == 1
    assert f"country network: {g.number_of_nodes()} nodes" in result.stderr
    communities = len({d["community"] for _, d in g.nodes(data=True)})
    assert result.stdout.startswith(f"{communities} communities in the country network (Louvain")


def test_plot_labels_cover_no_other_label_and_stay_in_the_picture(corpus, monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    import kg.network.plot as plot_module

    figures = []
    monkeypatch.setattr(plot_module.plt, "close", figures.append)  # keep the figure to measure its labels
    drawn = plot(build(corpus, "coauthor"), tmp_path / "co.png", labels=20)
    (fig,) = figures
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.axes[0].texts if t.get_text()]
    assert len(texts) == 20 and {t.get_text() for t in texts} <= {d["label"] for _, d in drawn.nodes(data=True)}
    boxes = [t.get_window_extent(renderer) for t in texts]
    picture = fig.bbox
    for i, box in enumerate(boxes):
        assert picture.x0 <= box.x0 and box.x1 <= picture.x1 and picture.y0 <= box.y0 and box.y1 <= picture.y1
        assert not [texts[j].get_text() for j in range(i) if box.overlaps(boxes[j])], texts[i].get_text()
    plot_module.plt.close(fig)


def test_an_svg_declares_the_size_asked_for_and_a_png_has_it(small_store: Path, tmp_path: Path) -> None:
    from xml.etree import ElementTree

    runner = CliRunner()
    for name in ("c.svg", "c.png"):
        result = runner.invoke(network_group, ["plot", "country", "--store", str(small_store), "-o",
                                               str(tmp_path / name), "--width", "800", "--height", "600"])
        assert result.exit_code == 0 and "(800x600)" in result.stderr, result.output
    svg = ElementTree.parse(tmp_path / "c.svg").getroot()
    assert (svg.get("width"), svg.get("height")) == ("800px", "600px")
    _, _, box_width, box_height = map(float, svg.get("viewBox").split())
    assert box_width / box_height == pytest.approx(800 / 600)  # the drawing fills the size declared
    assert struct.unpack(">II", (tmp_path / "c.png").read_bytes()[16:24]) == (800, 600)


def test_ego_matches_country_codes_and_other_ids_whatever_their_case(small_store: Path, narchd_store: Path) -> None:
    runner = CliRunner()

    def ego(kind: str, node: str, store: Path = small_store) -> str:
        result = runner.invoke(network_group, [kind, "--store", str(store), "--ego", node])
        assert result.exit_code == 0, result.output
        return result.stdout

    us = ego("country", "US", narchd_store)
    assert ego("country", "us", narchd_store) == us
    assert {frozenset(row[:2]) for row in csv.reader(us.splitlines()[1:])} == {frozenset(("US", "NL")),
                                                                              frozenset(("US", "ES"))}
    assert ego("mesh", "mesh:d010190") == ego("mesh", "mesh:D010190") and "Pancreatic Neoplasms" in ego(
        "mesh", "mesh:D010190")
    assert ego("coauthor", "kg:ra/name/fn/Luo-Yang") == ego("coauthor", "kg:ra/name/fn/luo-yang")


# ---------------------------------------------------------------- output files, usage errors, plurals


PAIR = DATA / "xml" / "pair-7records.xml"
_NETWORK_EXTENSIONS = ".graphml, .gexf, .net, .json, .csv or .txt (and .gz after it to compress)"


@pytest.fixture(scope="module")
def pair_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven records: a network of a few countries, built in a moment."""
    return _store(tmp_path_factory.mktemp("pair") / "store", PAIR)


@pytest.mark.parametrize(("args", "extensions"), [
    (["country", "-o", "n.xlsx"], _NETWORK_EXTENSIONS + "; or give --format"),
    (["communities", "country", "-o", "c.xyz"], _NETWORK_EXTENSIONS),
    (["plot", "country", "-o", "p.pdf"], ".png or .svg"),
    (["plot", "country", "-o", "p.png.gz"], ".png or .svg"),
])
def test_an_unknown_output_extension_is_a_usage_error_before_the_network_is_built(
        args: list[str], extensions: str, pair_store: Path, tmp_path: Path) -> None:
    args = [*args[:-1], str(tmp_path / args[-1])]
    result = CliRunner().invoke(network_group, [*args, "--store", str(pair_store)])
    name = Path(args[-1]).name
    assert result.exit_code == 2, result.output
    assert (f"Invalid value for --output: cannot tell the format from {name!r}: the file name must end in "
            f"{extensions}\n") in result.stderr
    assert "country network:" not in result.stderr and "Traceback" not in result.output and not list(tmp_path.iterdir())


@pytest.mark.parametrize("args", [["country", "-o"], ["country", "--format", "vosviewer", "-o"],
                                  ["communities", "country", "-o"], ["plot", "country", "-o"]])
def test_an_output_folder_that_is_not_there_fails_before_the_network_is_built(args: list[str], pair_store: Path,
                                                                              tmp_path: Path) -> None:
    output = tmp_path / "missing" / ("n.png" if args[0] == "plot" else "n.gexf")
    result = CliRunner().invoke(network_group, [*args, str(output), "--store", str(pair_store)])
    assert result.exit_code == 1, result.output
    assert f"Error: {output}: cannot write there: No such file or directory" in result.stderr
    assert "country network:" not in result.stderr and "Traceback" not in result.output


def test_gz_output_is_compressed_and_so_is_the_second_file(pair_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> list[str]:
        result = runner.invoke(network_group, [*args, "--store", str(pair_store)])
        assert result.exit_code == 0, result.output
        return [line.removeprefix("wrote ") for line in result.stderr.splitlines() if line.startswith("wrote ")]

    graphml = tmp_path / "n.graphml.gz"
    assert run("country", "-o", str(graphml)) == [str(graphml)]
    with gzip.open(graphml) as handle:
        assert set(nx.read_graphml(handle)) == {"CN", "IR", "KR", "US"}
    edges, nodes = tmp_path / "n.csv.gz", tmp_path / "n.nodes.csv.gz"
    assert run("coauthor", "-o", str(edges)) == [str(edges), str(nodes)]
    with gzip.open(edges, "rt", encoding="utf-8") as e, gzip.open(nodes, "rt", encoding="utf-8") as n:
        assert next(csv.reader(e))[:2] == ["source", "target"] and next(csv.reader(n))[0] == "id"
    vos_map, vos_network = tmp_path / "m.TXT.gz", tmp_path / "m.network.txt.gz"
    assert run("country", "-o", str(vos_map)) == [str(vos_map), str(vos_network)]
    assert gzip.decompress(vos_map.read_bytes()).startswith(b"id\tlabel\tdescription")
    gexf = tmp_path / "c.gexf.gz"
    assert run("communities", "country", "-o", str(gexf)) == [str(gexf)]
    with gzip.open(gexf) as handle:
        assert all("community" in d for _, d in nx.read_gexf(handle).nodes(data=True))


def test_vosviewer_without_an_output_file_is_a_usage_error(pair_store: Path) -> None:
    result = CliRunner().invoke(network_group, ["country", "--format", "vosviewer", "--store", str(pair_store)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "Error: --format vosviewer writes two files (a map and a network): give -o FILE" in result.stderr
    assert "country network:" not in result.stderr


def test_stats_and_write_back_take_the_same_samples(pair_store: Path, tmp_path: Path) -> None:
    store = shutil.copytree(pair_store, tmp_path / "store")
    runner = CliRunner()
    for command in (["stats", "country"], ["write-back", "country"]):
        refused = runner.invoke(network_group, [*command, "--samples", "1", "--store", str(store)])
        assert refused.exit_code == 2 and "'--samples': 1 is not in the range x>=2" in refused.stderr
        taken = runner.invoke(network_group, [*command, "--samples", "2", "--store", str(store)])
        assert taken.exit_code == 0, taken.output
    helps = [runner.invoke(network_group, [c, "--help"]).output for c in ("stats", "write-back")]
    assert [re.sub(r"\s+", " ", h.split("--samples")[1].split("--")[0]) for h in helps].count(
        re.sub(r"\s+", " ", helps[0].split("--samples")[1].split("--")[0])) == 2


def test_network_messages_say_1_node_not_1_nodes(pair_store: Path, tmp_path: Path) -> None:
    store = shutil.copytree(pair_store, tmp_path / "store")
    query = tmp_path / "one.rq"
    query.write_text('SELECT ?a WHERE { VALUES ?a { "30038950" "1" } }', encoding="utf-8")
    runner = CliRunner()
    one = ["country", "--ego", "CN", "--store", str(store)]
    results = [runner.invoke(network_group, args) for args in (
        one, ["stats", *one], ["communities", *one], ["write-back", *one],
        ["plot", *one, "-o", str(tmp_path / "p.png")], ["coauthor", "--query", str(query), "--store", str(store)],
        ["communities", "country", "--store", str(store)])]
    assert all(r.exit_code == 0 for r in results), [r.output for r in results]
    text = "\n".join(r.stdout + r.stderr for r in results)
    assert "country network: 1 node (of 4 before filtering), 0 edges, from 7 papers" in text
    assert "largest component       1 node (100.0%)" in text
    assert "1 community in the country network" in text and "country: 1 community, modularity" in text
    assert "community 0: 1 member\n" in text and "p.png: 1 node, 0 edges" in text
    assert "from 1 paper\n" in text
    assert "1 of the 2 articles it gives is not in the store (PMID 1)" in text
    assert not re.search(r"\b1 (nodes|edges|papers|communities|members|persons|triples|articles)\b", text), text


def test_the_format_options_say_what_they_format(pair_store: Path) -> None:
    runner = CliRunner()

    def format_help(command: list[str]) -> str:
        shown = " ".join(runner.invoke(network_group, [*command, "--help"]).output.split())
        return shown.split(" --format ", 1)[1].split(" -h, --help")[0]  # --format is the last option

    assert "report's format on standard output" in format_help(["stats"])
    assert "report's format on standard output (not the -o network file's" in format_help(["communities"])
    assert "network file's format" in format_help(["country"])


def test_graphml_to_a_full_disk_fails_with_the_error_not_a_segfault(small_store: Path) -> None:
    # /dev/full fails every write with ENOSPC, as a full disk does; lxml's GraphML writer, left by
    # that error, used to crash the interpreter when garbage-collected (return code -11).
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    command = [sys.executable, "-m", "kg.cli", "network", "coauthor", "--store", str(small_store), "-o", "-",
               "--format", "graphml"]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(command, check=False, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Error: [Errno 28] No space left on device" in done.stderr


class _FullFile(io.FileIO):
    """A real file on a disk that is full after ``room`` bytes."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path, "w")
        self.room = room

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_a_write_error_in_the_middle_of_a_network_file_is_raised(fmt: str, corpus, tmp_path: Path) -> None:
    graph = build(corpus, "coauthor").graph
    with _FullFile(tmp_path / "n", 10_000) as out, pytest.raises(OSError) as raised:
        network_io.write(graph, out, fmt)
    assert raised.value.errno == errno.ENOSPC
    with open(tmp_path / "whole", "wb") as whole:  # and the writer still works after it
        network_io.write(graph, whole, fmt)
    assert (tmp_path / "whole").stat().st_size > 10_000


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_is_held_back_until_the_block_is_done(how: int) -> None:
    done = []
    # As the kg command sets it: SIGTERM stops a command as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupts_deferred():
                os.kill(os.getpid(), how)
                time.sleep(0.05)  # the handler has run by now: a KeyboardInterrupt would stop the block here
                done.append("block")
            done.append("after")  # never: the interrupt comes as the block ends
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert done == ["block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_write_back_leaves_the_new_graph_whole(small_store: Path, tmp_path: Path) -> None:
    store = shutil.copytree(small_store, tmp_path / "store", ignore=shutil.ignore_patterns("lock"))
    old = CliRunner().invoke(network_group, ["write-back", "country", "--store", str(store)])
    assert old.exit_code == 0, old.output
    # The write-back of the co-author network, 50 quads a transaction, sends itself a real SIGINT
    # (Ctrl-C) after 120 quads, in the middle of the write.
    child = f"""
import os, signal
from kg.network import writeback
from kg.network.build import build
from kg.network.communities import detect
from kg.network.extract import extract
from kg.network.metrics import centralities
from kg.store import KnowledgeGraph

writeback.CHUNK = 50
with KnowledgeGraph.open({str(store)!r}, writable=True, create=False) as kg:
    net = build(extract(kg), "coauthor")
    quads = writeback.network_quads(kg, net, centralities(net.graph), detect(net))
    print(len(quads), flush=True)
    def interrupting():
        for n, quad in enumerate(quads):
            if n == 120:
                os.kill(os.getpid(), signal.SIGINT)
            yield quad
    writeback.write_back(kg, interrupting())
    print("not interrupted", flush=True)
"""
    done = subprocess.run([sys.executable, "-c", child], check=False, capture_output=True, text=True,
                          timeout=300)
    # Python ends on an uncaught KeyboardInterrupt by killing itself with SIGINT.
    assert done.returncode == -signal.SIGINT and done.stderr.rstrip().endswith("KeyboardInterrupt"), done.stderr
    assert "not interrupted" not in done.stdout
    expected = int(done.stdout.split()[0])
    with KnowledgeGraph.open(store) as kg:
        held = kg.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH kg:graph\\/derived\\/network { ?s ?p ?o } }")
        assert held[0]["n"] == expected > 120
        assert not kg.select("SELECT ?n WHERE { ?n kgv:inNetwork kg:network\\/country }")
