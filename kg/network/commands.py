"""The ``kg network`` and ``kg resolve`` commands: a thin click layer over :mod:`kg.network`.

``kg network KIND`` exports a network; ``kg network stats|communities|plot KIND``
analyse one; ``kg network write-back`` stores metrics and communities in the
graph; ``kg resolve`` links persons that are the same person. Results go to
standard output, reports to standard error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from kg.clitools import (
    Progress,
    fail,
    open_store,
    read_query_file,
    store_option,
    syntax_error_message,
    unknown_extension,
)
from kg.network import io as network_io
from kg.network.build import COUNTINGS, KIND_OPTIONS, KINDS, LEVELS, Network, build, filter_network
from kg.network.communities import detect
from kg.network.extract import extract
from kg.network.identity import MergeFileError, identities, identity_graph, write_identities
from kg.network.identity import resolve as resolve_identities
from kg.network.metrics import CENTRALITIES, centralities, summary, top_nodes
from kg.output import unwritable
from kg.query import compact
from kg.selection import SelectionError, selected_articles
from kg.store import KnowledgeGraph
from kg.wording import counted, listed

__all__ = ["network", "resolve"]

#: The kinds whose nodes are persons, merged by kg resolve.
_PERSON_KINDS = ("coauthor", "author-affiliation")
#: Options that only some kinds use: parameter name -> those kinds.
#: The seeds numpy's random generators (layout, sampling) accept.
_SEED = click.IntRange(0, 2**32 - 1)
#: Louvain resolution: at 0 or below, modularity is no longer a measure of communities (it exceeds 1).
_RESOLUTION = click.FloatRange(min=0, min_open=True)
#: A picture's width or height: from legible to as large as a picture can sensibly be in memory.
_PIXELS = click.IntRange(200, 10_000)
#: Sampled betweenness sources: at least 2, as stats takes half as many for the path length.
_SAMPLES = click.IntRange(min=2)
_SAMPLES_HELP = ("Above 2,000 nodes: sources sampled for betweenness (network stats also samples half as many "
                 "for the path length, and ten times as many nodes for clustering).")


def _selection_options(command: Callable) -> Callable:
    """The options every network command shares: what goes into the network, and filters."""
    options = [
        store_option,
        click.option("--query", "query_file", type=click.Path(exists=True, dir_okay=False),
                     help="A .rq SELECT whose first variable gives the articles, as IRIs (kg:br/pmid/24649313) "
                          "or PMIDs (\"24649313\"): the network of just those. Any other value is an error."),
        click.option("--from-year", type=int, help="Only articles published in or after this year."),
        click.option("--to-year", type=int, help="Only articles published in or before this year."),
        click.option("--max-authors", type=click.IntRange(min=0), default=50, show_default=True,
                     help="Leave out papers with more authors (consortia); 0 for no limit. Not for mesh."),
        click.option("--counting", type=click.Choice(COUNTINGS), default="full", show_default=True,
                     help="Edge weights: 1 per paper, or 1/(n-1) per paper with n nodes. Not for "
                          "author-affiliation (its weights count papers)."),
        click.option("--level", type=click.Choice(LEVELS), default="organisation", show_default=True,
                     help="author-affiliation: link persons to affiliations as printed, or to institutions."),
        click.option("--min-weight", type=click.FloatRange(min=0, min_open=True),
                     help="Drop edges lighter than this."),
        click.option("--min-papers", type=click.IntRange(min=1), help="Drop nodes with fewer papers."),
        click.option("--largest-component", is_flag=True, help="Keep only the largest connected component."),
        click.option("--ego", metavar="NODE", help="Keep only this node's neighbourhood (an IRI, kg:..., or a "
                                                   "country code; upper or lower case alike); a person merged by "
                                                   "kg resolve stands for the person it was merged into."),
        click.option("--radius", type=click.IntRange(min=1), default=1, show_default=True,
                     help="With --ego: how many steps from the node."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class _Phases(Progress):
    """The phase a long command is in (reading the store, building, betweenness...), on one
    line of a terminal's stderr, wiped before any other message goes there."""

    def phase(self, line: str) -> None:
        # A new phase is shown at once: the redraw limit would leave the last one up for all of it.
        self.last = 0.0
        self.show(line)

    def clear(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 100 + "\r", nl=False, err=True)
            self.shown = False

    def wiped_at_end(self) -> _Phases:
        """This display, wiped when the command ends: an error message (or Ctrl-C) gets a clean line."""
        click.get_current_context().call_on_close(self.clear)
        return self


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the user gave option ``name`` (on the command line or in the environment)."""
    return ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _check_options(kinds: Sequence[str]) -> None:
    """Usage errors for options that contradict each other, and for an option that none of
    ``kinds`` uses (--level for coauthor) or --radius without --ego: ignored, they would
    give a network other than the one asked for without a word."""
    ctx = click.get_current_context()
    first, last = ctx.params.get("from_year"), ctx.params.get("to_year")
    if first is not None and last is not None and first > last:
        raise click.BadOptionUsage("from_year", "--from-year is after --to-year", ctx)
    for name, applies in KIND_OPTIONS.items():
        if _given(ctx, name) and not set(kinds) & set(applies):
            others = [k for k in KINDS if k not in applies]
            raise click.BadOptionUsage(name, f"--{name.replace('_', '-')} applies only to the "
                                             f"{listed(applies)} network{'s' if len(applies) > 1 else ''}, "
                                             f"not to {listed(others, 'or')}", ctx)
    if _given(ctx, "radius") and ctx.params.get("ego") is None:
        raise click.BadOptionUsage("radius", "--radius applies only with --ego", ctx)


def _check_output(output: str, known: bool, extensions: Iterable[str], *, gz: bool = True,
                  format_option: bool = False) -> None:
    """Before the network is built (which can take minutes): a usage error for an output file
    whose extension names no format (``known`` false), and an error, as writing there would
    give, for a folder that is not there or not writable."""
    if not known:
        raise unknown_extension(output, extensions, gz=gz, format_option=format_option)
    problem = unwritable(output)
    if problem:
        fail(problem)


def _network_format(output: str, fmt: str | None) -> str:
    """The network file format: --format, else -o's extension (csv on standard output);
    checked with :func:`_check_output`."""
    if output == "-":
        chosen = fmt or "csv"
        if chosen not in network_io.STREAMABLE:
            raise click.UsageError(f"--format {chosen} writes two files (a map and a network): give -o FILE")
        return chosen
    chosen = fmt or network_io.format_for(output)
    _check_output(output, chosen is not None, network_io.EXTENSIONS, format_option=True)
    assert chosen is not None  # _check_output refused it
    return chosen


def _node_id(kg: KnowledgeGraph, value: str) -> str:
    """An --ego value as a node id: <IRI>, prefix:name (MAPPING prefixes), an IRI, or a country code."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, sep, rest = value.partition(":")
    if sep and prefix in kg.prefixes and not rest.startswith("//"):
        return kg.prefixes[prefix] + rest
    return value


def _matching(node: str, nodes: Iterable[str]) -> str:
    """``node`` if it is one of ``nodes``, else the one node that differs from it only in case
    (country codes, ORCID iDs' X, MeSH UIs: ``--ego us`` is US); else ``node`` as given."""
    nodes = set(nodes)
    if node in nodes:
        return node
    found = [n for n in nodes if n.casefold() == node.casefold()]
    return found[0] if len(found) == 1 else node


def _selected(kg: KnowledgeGraph, query_file: str) -> set[str]:
    """The PMIDs of the articles a --query file gives; warns of those the store does not hold."""
    sparql = read_query_file(query_file)
    try:
        selection = selected_articles(kg, sparql)
    except SyntaxError as exc:
        fail(syntax_error_message(sparql, str(exc), query_file))
    except SelectionError as exc:
        raise click.UsageError(f"--query {query_file}: {exc}") from None
    missing = sorted(selection.missing, key=int)
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        one = len(missing) == 1
        click.echo(f"warning: --query {query_file}: {len(missing):,} of the "
                   f"{counted(len(missing) + len(selection.pmids), 'article')} it gives {'is' if one else 'are'} "
                   f"not in the store ({'PMID' if one else 'PMIDs'} {shown})", err=True)
    elif not selection.pmids:
        click.echo(f"warning: --query {query_file}: the query gives no articles", err=True)
    return selection.pmids


def _load(kg: KnowledgeGraph, kind: str, o: dict[str, Any], progress: _Phases) -> Network:
    """Build and filter the network the options describe; report its size and the identities used."""
    pmids = _selected(kg, o["query_file"]) if o["query_file"] else None
    progress.phase(f"{kind} network: reading the store...")
    corpus = extract(kg, pmids=pmids, from_year=o["from_year"], to_year=o["to_year"], mesh=True)
    same = identities(kg)
    progress.phase(f"{kind} network: building...")
    given = {"counting": o["counting"], "max_authors": o["max_authors"] or None, "level": o["level"]}
    # Only the options this kind uses: write-back builds several kinds with one set of options.
    network = build(corpus, kind, same.same, **{n: v for n, v in given.items() if kind in KIND_OPTIONS[n]})
    built = network.graph.number_of_nodes()
    ego = _node_id(kg, o["ego"]) if o["ego"] else None
    if ego is not None:
        ego = _matching(ego, [*network.graph, *(same.same if kind in _PERSON_KINDS else ())])
    progress.clear()
    if kind in _PERSON_KINDS and ego in same.same:
        # A merged person is no node of its own: its papers are its target's.
        click.echo(f"--ego {compact(ego, kg.prefixes)} is merged into {compact(same.same[ego], kg.prefixes)} "
                   "(kg resolve): the ego network is that node's", err=True)
        ego = same.same[ego]
    try:
        filter_network(network, min_weight=o["min_weight"], min_papers=o["min_papers"], ego=ego,
                       radius=o["radius"], largest_component=o["largest_component"])
    except KeyError:
        fail(f"--ego {o['ego']}: not a node of the {kind} network (built from {len(network.articles):,} papers)")
    g = network.graph
    skipped = (f", {network.skipped:,} with more than {counted(o['max_authors'], 'author')} left out"
               if network.skipped else "")
    kept = f" (of {built:,} before filtering)" if g.number_of_nodes() != built else ""
    click.echo(f"{kind} network: {counted(g.number_of_nodes(), 'node')}{kept}, "
               f"{counted(g.number_of_edges(), 'edge')}, from {counted(len(network.articles), 'paper')}{skipped}",
               err=True)
    if kind in _PERSON_KINDS:
        click.echo(same.summary(), err=True)
    return network


def _centralities(net: Network, samples: int, seed: int, progress: _Phases) -> dict[str, dict[Any, float]]:
    """:func:`centralities`, one at a time to show which is being computed."""
    values: dict[str, dict[Any, float]] = {}
    for name in CENTRALITIES:
        progress.phase(f"{net.kind} network: {'PageRank' if name == 'pagerank' else name + ' centrality'}...")
        values.update(centralities(net.graph, samples=samples, seed=seed, which=(name,)))
    return values


def _write(graph: Any, output: str, fmt: str, progress: _Phases) -> None:
    """Write the network to ``output`` and say which files were written."""
    progress.phase(f"writing {Path(output).name}...")
    written = network_io.write(graph, output, fmt)
    progress.clear()
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _kind_command(kind: str, text: str) -> click.Command:
    @click.command(kind, help=text)
    @_selection_options
    @click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
                  help="Output file; the format follows its extension (.graphml .gexf .net .json .csv .txt), "
                       "and .gz after it compresses. [default: CSV edges on standard output]")
    @click.option("--format", "fmt", type=click.Choice(network_io.FORMATS),
                  help="The network file's format [default: from -o's extension]: csv writes an edge file and a "
                       "node file beside it (the edges only on standard output), vosviewer a map and a network "
                       "file (it needs -o).")
    def command(store: str, output: str, fmt: str | None, **options: Any) -> None:
        _check_options([kind])
        chosen = _network_format(output, fmt)
        progress = _Phases.beside(output).wiped_at_end()
        with open_store(store) as kg:
            network = _load(kg, kind, options, progress)
        if output == "-":
            progress.phase(f"{kind} network: writing...")
            network_io.write(network.graph, sys.stdout.buffer, chosen)
            progress.clear()
            return
        _write(network.graph, output, chosen, progress)

    return command


_EXAMPLES = {
    "coauthor": ("Co-authorship network: persons, linked by the papers they wrote together.",
                 "kg network coauthor -o coauthors.graphml\n"
                 "  kg network coauthor --counting fractional --min-weight 1 --largest-component -o co.gexf\n"
                 "  kg network coauthor --ego kg:ra/name/fn/luo-yang --radius 2 -o luo.json"),
    "author-affiliation": ("Bipartite network of persons and the organisations (or, with --level institution, the "
                           "institutions) they were affiliated with on their papers.",
                           "kg network author-affiliation --level institution -o people-institutions.graphml"),
    "institution": ("Institution collaboration network: institutions linked by co-authored papers.",
                    "kg network institution --min-papers 2 -o institutions.txt   # VOSviewer map + network"),
    "country": ("Country collaboration network: countries (ISO 3166-1 alpha-2) linked by co-authored papers.",
                "kg network country --from-year 2015 -o countries.net"),
    "mesh": ("MeSH major topic co-occurrence network: topics linked by the papers that have both.",
             "kg network mesh --min-weight 3 -o topics.csv   # topics.csv (edges) + topics.nodes.csv"),
}


@click.group()
def network() -> None:
    """Collaboration and topic networks from the store, analysed with networkx.

    \b
    Kinds: coauthor, author-affiliation, institution, country, mesh.
    Every edge keeps the PMIDs of its papers; persons merged by `kg resolve` are one node.

    \b
    Example:
      kg network coauthor -o coauthors.graphml
      kg network stats coauthor --top 10
      kg network communities institution
      kg network plot coauthor -o coauthors.png
      kg network write-back coauthor country
    """


for _kind, (_what, _example) in _EXAMPLES.items():
    network.add_command(_kind_command(_kind, f"{_what}\n\n\b\nExample:\n  {_example}"))


def _label(g: Any, node: Any, prefixes: dict[str, str]) -> str:
    label = str(g.nodes[node].get("label", node))
    ident = compact(str(node), prefixes) if str(node).startswith("http") else str(node)
    return label if label == ident else f"{label} ({ident})"


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}"


@network.command("stats")
@click.argument("kind", type=click.Choice(KINDS))
@_selection_options
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many nodes to list for each centrality.")
@click.option("--samples", type=_SAMPLES, default=100, show_default=True, help=_SAMPLES_HELP)
@click.option("--seed", type=_SEED, default=42, show_default=True, help="Seed for the sampling.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="The report's format on standard output: a table to read, or JSON.")
def stats(kind: str, store: str, top: int, samples: int, seed: int, fmt: str, **options: Any) -> None:
    """Figures of a network: size, density, components, clustering, assortativity, average
    path length, collaboration index, single- and multi-country papers, and the top nodes
    by degree, strength, betweenness, eigenvector centrality and PageRank.

    \b
    Example:
      kg network stats coauthor --top 5
      kg network stats country --from-year 2010 --format json
    """
    _check_options([kind])
    progress = _Phases.beside().wiped_at_end()
    with open_store(store) as kg:
        net = _load(kg, kind, options, progress)
        prefixes = kg.prefixes
    progress.phase(f"{kind} network: components, clustering, path length...")
    figures = summary(net, samples=samples // 2, seed=seed)
    values = _centralities(net, samples, seed, progress)
    progress.clear()
    g = net.graph
    tops = {name: [{"node": n, "label": g.nodes[n].get("label", n), "value": v} for n, v in top_nodes(g, vals, top)]
            for name, vals in values.items()}
    if fmt == "json":
        click.echo(json.dumps({**figures, "top": tops}, indent=2, ensure_ascii=False))
        return
    sources = figures["path_length_sources"]
    sampled_paths = f"  (from {counted(sources, 'sampled source')})" if sources else ""
    sampled_clustering = (f"  (over {counted(figures['clustering_sampled_nodes'], 'sampled node')})"
                          if figures["clustering_sampled_nodes"] else "")
    rows = [
        ("nodes", _number(figures["nodes"])),
        ("edges", _number(figures["edges"])),
        ("density", f"{figures['density']:.6f}"),
        ("components", _number(figures["components"])),
        ("largest component",
         f"{counted(figures['largest_component'], 'node')} ({figures['largest_component_share']:.1%})"),
        ("clustering", f"{figures['clustering']:.4f}{sampled_clustering}"),
        ("assortativity", _number(figures["assortativity"])),
        ("average path length", _number(figures["average_path_length"]) + sampled_paths),
        ("papers", _number(figures["papers"])),
        ("papers left out", f"{figures['papers_over_max_authors']:,} (more than --max-authors authors)"),
        ("multi-authored papers", _number(figures["multi_authored_papers"])),
        ("collaboration index", _number(figures["collaboration_index"]) + "  (authors per multi-authored paper)"),
        ("single-country papers", _number(figures["single_country_papers"])),
        ("multi-country papers", _number(figures["multi_country_papers"])),
        ("papers without country", _number(figures["papers_without_country"])),
    ]
    lines = [f"{kind} network"] + [f"  {name:<24}{value}" for name, value in rows]
    approx = " (approximate: sampled sources)" if g.number_of_nodes() > 2000 else ""
    for name in CENTRALITIES:
        if not tops[name]:
            continue
        lines += ["", f"top {len(tops[name])} by {name}{approx if name == 'betweenness' else ''}"]
        for rank, item in enumerate(tops[name], start=1):
            lines.append(f"  {rank:>3}  {_number(item['value']):>10}  {_label(g, item['node'], prefixes)}")
    click.echo("\n".join(lines))


@network.command("communities")
@click.argument("kind", type=click.Choice(KINDS))
@_selection_options
@click.option("--resolution", type=_RESOLUTION, default=1.0, show_default=True,
              help="Louvain resolution: above 1 favours smaller communities, below 1 larger ones.")
@click.option("--seed", type=_SEED, default=42, show_default=True, help="Louvain's random seed.")
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many communities to describe.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Members and MeSH topics listed per community.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Also write the network, with a 'community' node attribute, to this file; its format follows "
                   "the extension (.graphml .gexf .net .json .csv .txt), and .gz after it compresses.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="The communities report's format on standard output (not the -o network file's, which "
                   "follows its extension): a table to read, or JSON.")
def communities(kind: str, store: str, resolution: float, seed: int, show: int, top: int, output: str | None,
                fmt: str, **options: Any) -> None:
    """Louvain communities of a network: modularity, sizes, and each community's top
    members (by papers) and top MeSH major topics.

    \b
    Example:
      kg network communities coauthor --resolution 1.2 --seed 1
      kg network communities institution --largest-component -o institutions.gexf
    """
    _check_options([kind])
    if output:
        _check_output(output, network_io.format_for(output) is not None, network_io.EXTENSIONS)
    progress = _Phases.beside().wiped_at_end()
    with open_store(store) as kg:
        net = _load(kg, kind, options, progress)
        prefixes = kg.prefixes
    progress.phase(f"{kind} network: communities (Louvain)...")
    found = detect(net, resolution=resolution, seed=seed, top=top)
    progress.clear()
    g, labels = net.graph, net.corpus.mesh_labels
    if output:
        for node, number in found.membership.items():
            g.nodes[node]["community"] = number
        _write(g, output, network_io.format_for(output), progress)
    if fmt == "json":
        click.echo(json.dumps({
            "modularity": found.modularity, "resolution": resolution, "seed": seed,
            "communities": [{"community": c.number, "size": len(c.members),
                             "top_members": [{"node": n, "label": g.nodes[n].get("label", n), "papers": p}
                                             for n, p in c.top_members],
                             "top_mesh": [{"descriptor": d, "label": labels.get(d, d), "papers": p}
                                          for d, p in c.top_mesh]} for c in found.communities]},
            indent=2, ensure_ascii=False))
        return
    sizes = [len(c.members) for c in found.communities]
    # Not "{kind} network: ...": that begins the size report on standard error, which this would seem to repeat.
    lines = [f"{counted(len(sizes), 'community', 'communities')} in the {kind} network "
             f"(Louvain, resolution {resolution:g}, seed {seed}), modularity {found.modularity:.4f}",
             f"sizes: {', '.join(str(s) for s in sizes[:20])}{', ...' if len(sizes) > 20 else ''}"]
    for c in found.communities[:show]:
        members = "; ".join(f"{_label(g, n, prefixes)} {p}" for n, p in c.top_members)
        topics = "; ".join(f"{labels.get(d, compact(d, prefixes))} {p}" for d, p in c.top_mesh) or "-"
        lines += ["", f"community {c.number}: {counted(len(c.members), 'member')}",
                  f"  top members: {members}", f"  top MeSH:    {topics}"]
    click.echo("\n".join(lines))


@network.command("plot")
@click.argument("kind", type=click.Choice(KINDS))
@_selection_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The picture; its format follows the extension: .png or .svg.")
@click.option("--top", type=click.IntRange(min=2), default=150, show_default=True,
              help="Draw at most this many nodes (the largest component's, most papers first).")
@click.option("--labels", type=click.IntRange(min=0), default=15, show_default=True,
              help="Label this many nodes (most papers first).")
@click.option("--width", type=_PIXELS, default=1600, show_default=True, help="Pixels.")
@click.option("--height", type=_PIXELS, default=1200, show_default=True, help="Pixels.")
@click.option("--resolution", type=_RESOLUTION, default=1.0, show_default=True, help="Louvain resolution (colours).")
@click.option("--seed", type=_SEED, default=42, show_default=True, help="Seed for the layout and the communities.")
@click.option("--title", help="The picture's title. [default: kind and size]")
def plot(kind: str, store: str, output: str, top: int, labels: int, width: int, height: int, resolution: float,
         seed: int, title: str | None, **options: Any) -> None:
    """Draw a network: the largest component (or its top nodes by papers), node size by
    papers, colour by Louvain community, labels for the nodes with the most papers.

    \b
    Example:
      kg network plot coauthor -o coauthors.png
      kg network plot country --top 40 --width 1200 --height 900 -o countries.svg
    """
    from kg.network.plot import FORMATS  # matplotlib only when drawing
    from kg.network.plot import plot as draw

    _check_options([kind])
    _check_output(output, Path(output).suffix.lower() in FORMATS, FORMATS, gz=False)
    progress = _Phases.beside().wiped_at_end()
    with open_store(store) as kg:
        net = _load(kg, kind, options, progress)
    if not net.graph.number_of_nodes():
        fail("the network is empty: nothing to plot")
    progress.phase(f"{kind} network: drawing...")
    drawn = draw(net, output, top=top, labels=labels, width=width, height=height, seed=seed,
                 resolution=resolution, title=title)
    progress.clear()
    click.echo(f"wrote {output}: {counted(drawn.number_of_nodes(), 'node')}, "
               f"{counted(drawn.number_of_edges(), 'edge')} ({width}x{height})", err=True)


@network.command("write-back")
@click.argument("kinds", nargs=-1, type=click.Choice(KINDS))
@_selection_options
@click.option("--resolution", type=_RESOLUTION, default=1.0, show_default=True, help="Louvain resolution.")
@click.option("--seed", type=_SEED, default=42, show_default=True, help="Seed for Louvain and the sampling.")
@click.option("--samples", type=_SAMPLES, default=100, show_default=True, help=_SAMPLES_HELP)
def write_back(kinds: tuple[str, ...], store: str, resolution: float, seed: int, samples: int,
               **options: Any) -> None:
    """Store each node's degree, strength, betweenness, eigenvector centrality, PageRank and
    Louvain community in the named graph kg:graph/derived/network (kgv terms), replacing
    what an earlier write-back stored. KINDS default to coauthor.

    \b
    Example:
      kg network write-back coauthor country
      kg query 'SELECT ?label ?degree WHERE { ?n kgv:inNetwork kg:network\\/coauthor ;
                rdfs:label ?label ; kgv:degree ?degree } ORDER BY DESC(?degree) LIMIT 5'
    """
    from kg.network.writeback import network_graph, network_quads
    from kg.network.writeback import write_back as store_quads

    kinds = kinds or ("coauthor",)
    _check_options(kinds)
    progress = _Phases.beside().wiped_at_end()

    def described(kg: KnowledgeGraph, kind: str) -> list[Any]:
        """The quads of one network; apart so that the network is let go once they are made."""
        net = _load(kg, kind, options, progress)
        values = _centralities(net, samples, seed, progress)
        progress.phase(f"{kind} network: communities (Louvain)...")
        found = detect(net, resolution=resolution, seed=seed)
        quads = network_quads(kg, net, values, found)
        progress.clear()
        click.echo(f"{kind}: {counted(len(found.communities), 'community', 'communities')}, "
                   f"modularity {found.modularity:.4f}", err=True)
        return quads

    with open_store(store, writable=True, create=False) as kg:
        quads = [quad for kind in kinds for quad in described(kg, kind)]
        written = store_quads(kg, quads, progress.phase)
        progress.clear()
        click.echo(f"{counted(written, 'triple')} in {network_graph(kg)}")


@click.command()
@store_option
@click.option("--merge-file", type=click.Path(exists=True, dir_okay=False),
              help="TSV 'label<TAB>replace by' (like VOSviewer's thesaurus): persons as IRIs or names.")
@click.option("--dry-run", is_flag=True, help="Report the merges without storing them.")
def resolve(store: str, merge_file: str | None, dry_run: bool) -> None:
    """Link persons that are the same person: a name-keyed person to an ORCID-keyed one
    when their names agree and they share a co-author or an institution (never on family
    name and first initial alone), plus the merges of a merge file.

    The links (owl:sameAs, with kgv:sameAsReason) replace the named graph
    kg:graph/derived/identity; every network command then uses them. Each merge is
    listed with its reason on standard output.

    \b
    Example:
      kg resolve
      printf 'label\\treplace by\\nJ C Byrd\\tJohn C Byrd\\n' > merges.tsv
      kg resolve --merge-file merges.tsv
    """
    with open_store(store, writable=not dry_run, create=False) as kg:
        try:
            merges, skipped = resolve_identities(kg, merge_file)
        except MergeFileError as exc:
            fail(str(exc))
        prefixes = kg.prefixes
        for m in merges:
            click.echo(f"{compact(m.source, prefixes)} -> {compact(m.target, prefixes)}  ({m.why})")
        reasons: dict[str, int] = {}
        for m in merges:
            reasons[m.reason] = reasons.get(m.reason, 0) + 1
        why = ", ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        not_merged = ", ".join(f"{n:,} {reason}" for reason, n in sorted(skipped.items()))
        click.echo(f"{counted(len(merges), 'person')} merged" + (f" ({why})" if why else "")
                   + (f"; names agree but not merged: {not_merged}" if not_merged else ""), err=True)
        if not dry_run:
            write_identities(kg, merges)
            click.echo(f"stored in {identity_graph(kg)}", err=True)

