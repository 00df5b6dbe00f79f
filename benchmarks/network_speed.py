"""Co-authorship network speed on the 20,788-record daily update file.

    python benchmarks/network_speed.py [STORE]

Builds a store from tests/data/bulk/pubmed21n1298.xml.gz (about a minute; pass an
existing STORE built from it to skip that), then reports seconds for the SPARQL
extraction, the graph construction, and each metric of `kg network stats coauthor`
(as the command does by default: betweenness from 100 sampled sources, the average
path length from 50, clustering over 1,000 sampled nodes).
Targets: network built (extraction + construction) in under 10 s; stats under 60 s.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bulk import BULK

from kg.network.build import build
from kg.network.communities import detect
from kg.network.extract import extract
from kg.network.identity import identities
from kg.network.metrics import centralities, summary
from kg.store import KnowledgeGraph, StoreError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", nargs="?", type=Path, metavar="STORE",
                        help=f"an existing kg store built from {BULK.name}, to skip building one "
                             "(default: build a temporary store first)")
    args = parser.parse_args()
    work = None
    if args.store is not None:
        store = args.store
        if not store.exists():
            parser.error(f"no such store: {store}")
        try:
            KnowledgeGraph.open(store).close()
        except StoreError as exc:
            parser.error(str(exc))
    else:
        if not BULK.is_file():
            parser.error(f"no such file: {BULK} (pass an existing STORE instead)")
        work = Path(tempfile.mkdtemp(prefix="kg-network-bench-"))
        store = work / "store"
        started = time.perf_counter()
        with KnowledgeGraph.open(store, writable=True) as kg:
            report = kg.ingest([str(BULK)])
        print(f"ingest:               {time.perf_counter() - started:6.1f} s  ({report.records_read:,} records)")
    try:
        with KnowledgeGraph.open(store) as kg:
            started = time.perf_counter()
            corpus = extract(kg, mesh=True)
            same = identities(kg)
            extracted = time.perf_counter() - started
        started = time.perf_counter()
        network = build(corpus, "coauthor", same.same)
        built = time.perf_counter() - started
        g = network.graph
        print(f"SPARQL extraction:    {extracted:6.1f} s  ({len(corpus.articles):,} articles, "
              f"{sum(len(a.authors) for a in corpus.articles.values()):,} authorships, "
              f"{sum(len(a.affiliations) for a in corpus.articles.values()):,} affiliations)")
        print(f"graph construction:   {built:6.1f} s  ({g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges, "
              f"{network.skipped} papers over 50 authors left out)")
        print(f"network built:        {extracted + built:6.1f} s  (target < 10 s)")
        times: dict[str, float] = {}
        started = time.perf_counter()
        figures = summary(network, times=times)
        values = centralities(g, times=times)
        stats_seconds = time.perf_counter() - started
        for name, seconds in times.items():
            print(f"  {name + ':':<20}{seconds:6.1f} s")
        print(f"stats:                {stats_seconds:6.1f} s  (target < 60 s; betweenness from 100 sampled sources, "
              f"clustering over {figures['clustering_sampled_nodes'] or g.number_of_nodes():,} nodes)")
        started = time.perf_counter()
        found = detect(network)
        print(f"Louvain communities:  {time.perf_counter() - started:6.1f} s  ({len(found.communities):,} communities, "
              f"modularity {found.modularity:.3f})")
        top = max(values["betweenness"], key=values["betweenness"].get)
        print(f"largest component {figures['largest_component']:,} nodes ({figures['largest_component_share']:.1%}); "
              f"highest betweenness: {g.nodes[top]['label']}")
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
