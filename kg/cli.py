"""The ``kg`` command line: a thin layer over the Python API.

Every command takes ``--store PATH`` (or ``KG_STORE``; default ``./kg-store``).
Results go to standard output, messages and progress to standard error.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import socket
import sys
import threading
from typing import Any

import click
import pyoxigraph as ox

from kg.clitools import (
    Progress,
    base_iri_option,
    fail,
    ingest_summary,
    interruptible,
    open_store,
    read_query_file,
    report_problems,
    store_option,
    syntax_error_message,
    unknown_extension,
)
from kg.export import EXPORT_FORMATS, EXTENSIONS, format_for
from kg.fetch.commands import fetch, update
from kg.mapping.iris import check_http_url
from kg.network.commands import network, resolve
from kg.ontologies import load_ontologies, ontology_graph
from kg.output import extension, open_output, unwritable
from kg.profiles import PROFILE_EXTENSIONS, PROFILES, export_profile
from kg.query import RESULT_FORMATS, bind_params, load_query, named_queries, parse_param, write_results
from kg.resources import shipped
from kg.selection import SelectionError
from kg.sources import FORMATS, ignored_files
from kg.sources.detect import DATA_SUFFIXES
from kg.store import StoreError
from kg.validate import validate as validate_store
from kg.wording import counted


class _Commands(click.Group):
    """kg's command group: a file the system refuses us is a message, not a traceback, and
    Ctrl-C exits with 130, the shell's code for an interrupt (click's own is 1, as for a failure).

    SIGTERM (``kill``, ``timeout``, a job scheduler) stops a command as Ctrl-C does, so that it
    cleans up the same way: no half-written ``-o`` file is left behind, an ingest's batch is
    undone. ``kg serve`` is left to shut down gracefully on its own.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise click.ClickException(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)) from None
        except (KeyboardInterrupt, click.Abort):
            click.echo("\ninterrupted", err=True)  # an -o file is written only once complete: none is left
            raise click.exceptions.Exit(130) from None


def _stop_on_sigterm(ctx: click.Context) -> None:
    """Make SIGTERM raise KeyboardInterrupt while ``ctx`` runs, unless someone (a program
    calling kg's CLI) handles SIGTERM already."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if ctx.invoked_subcommand != "serve" and in_main_thread and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, previous))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
@click.pass_context
def main(ctx: click.Context) -> None:
    """kg: PubMed/MEDLINE records as a linked-data knowledge graph.

    \b
    Build a graph and ask it questions:
      kg ingest pubmed.xml.gz records.nbib
      kg query top-authors
      kg export -o graph.ttl.gz
    """
    _stop_on_sigterm(ctx)


# ---------------------------------------------------------------- ingest


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@store_option
@base_iri_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Input format; auto detects it from the content.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no per-record messages.")
@click.option("--with-ontologies", is_flag=True, help="Also load the shipped ontologies into kg:graph/ontology.")
def ingest(paths: tuple[str, ...], store: str, base_iri: str | None, fmt: str, quiet: bool,
           with_ontologies: bool) -> None:
    """Load PubMed records into the store.

    PATHS are MEDLINE text files (.txt, .nbib; also flattened one record per
    line), PubMed XML (efetch, baseline and update files), gzip or not, whole
    directories, or - for standard input. Reading again replaces records that
    changed, keeps those that did not, and applies DeleteCitation entries.

    \b
    Exit codes: 0 all records loaded; 3 some records were skipped (listed on
    stderr); 2 a PATH does not exist; 1 the store could not be used; 130
    interrupted (Ctrl-C or SIGTERM).

    \b
    Example:
      kg ingest pubmed21n1298.xml.gz export.nbib --store kg-store
    """
    ignored = ignored_files(paths)
    if ignored:
        click.echo(f"note: not read, as their names do not end in {', '.join(DATA_SUFFIXES)}: "
                   f"{', '.join(ignored[:3])}{f' and {len(ignored) - 3:,} more' if len(ignored) > 3 else ''}",
                   err=True)
    with open_store(store, base_iri=base_iri, writable=True) as kg:
        bar = Progress(enabled=not quiet and sys.stderr.isatty())
        try:
            report = kg.ingest(list(paths), format=fmt, progress=bar.update)
        except KeyboardInterrupt:
            bar.done()
            click.echo("interrupted: the records of the batch being written were removed; "
                       "run the same command again to finish", err=True)
            sys.exit(130)
        bar.done()
        if with_ontologies:
            click.echo(f"ontologies: {load_ontologies(kg):,} triples in {ontology_graph(kg)}")
    if not quiet:
        report_problems(report.skipped, report.warnings)
    if not report.records_read and not report.skipped and not report.deleted + report.deletions_absent:
        click.echo("note: no records in the input", err=True)
    click.echo(ingest_summary(report, warnings_listed=not quiet))
    sys.exit(report.exit_code)


# ---------------------------------------------------------------- query


_RESULT_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".srj": "json", ".xml": "xml", ".srx": "xml",
                      ".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".rdf": "xml", ".owl": "xml",
                      ".txt": "table"}


@main.command()
@click.argument("query", required=False)
@store_option
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS),
              help="Result format [default: from -o's extension, else table (SELECT/ASK) or turtle (graphs)]. "
                   "For CONSTRUCT/DESCRIBE, json is JSON-LD and xml is RDF/XML.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a query variable: an IRI (<...>, http..., kg:...) or a literal. Repeatable.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write results to a file (.gz compresses).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
def query(query: str | None, store: str, fmt: str | None, params: tuple[str, ...], output: str | None,
          list_queries: bool) -> None:
    """Run SPARQL over the union of all graphs: a named query, a .rq file, query text, or - to
    read the query from standard input.

    The MAPPING prefixes (fabio:, dcterms:, foaf:, pro:, kg:, ...) are predeclared.

    \b
    Examples:
      kg query --list
      kg query top-authors
      kg query articles-of-author --param person=kg:ra/name/fn/luo-yang
      kg query 'SELECT ?t WHERE { ?a fabio:hasPubMedId "24649313" ; dcterms:title ?t }'
      kg query publications-per-year -o years.csv
      kg query - < my-query.rq
    """
    if list_queries:
        for name, nq in named_queries().items():
            click.echo(f"{name}\n    {nq.description}")
            for p in nq.params:
                click.echo(f"    --param {p.name}=...  ({p.type}) {p.description}")
        return
    if not query:
        raise click.UsageError("give a query (a named query, a .rq file or SPARQL text), or --list")
    try:
        nq = load_query(query)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {query}: {exc.strerror or exc}", param_hint="QUERY") from None
    except ValueError as exc:
        fail(str(exc))
    declared = {p.name: p for p in nq.params}
    with open_store(store) as kg:
        try:
            bindings = dict(parse_param(p, kg.prefixes, declared) for p in params)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        missing = [p.name for p in nq.params if p.name not in bindings]
        if missing:
            raise click.UsageError(f"query {nq.name} needs --param " + ", ".join(f"{m}=..." for m in missing))
        suffix = extension(output) if output else ""
        if not fmt and suffix and suffix not in _RESULT_EXTENSIONS:
            raise unknown_extension(output, _RESULT_EXTENSIONS)
        try:
            sparql = bind_params(nq.sparql, bindings, kg.prefixes)
        except ValueError as exc:  # --param given to a query that cannot take it
            raise click.UsageError(str(exc)) from None

        def answer() -> None:  # in one thread: pyoxigraph's results stay in the thread that made them
            result = kg.query(sparql)
            default = "turtle" if isinstance(result, ox.QueryTriples) else "table"
            with open_output(output or "-") as out:
                write_results(result, out, fmt or _RESULT_EXTENSIONS.get(suffix) or default, kg.prefixes)

        try:
            interruptible(answer)
        except SyntaxError as exc:
            source = ("standard input" if query == "-" else
                      query if query.endswith((".rq", ".sparql")) or nq.name != "query" else None)
            fail(syntax_error_message(nq.sparql, str(exc), source))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--format" if fmt else "--output") from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.filename:  # the command group reports these
                raise
            fail(f"query failed: {exc}")  # e.g. a SERVICE endpoint that does not answer


# ---------------------------------------------------------------- export


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)),
              help="RDF syntax [default: from -o's extension, else nquads].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file; .gz compresses. [default: standard output]")
@click.option("--graph", "graph", metavar="IRI|PMID", help="Export only this named graph (an IRI, kg:..., or a "
                                                            "record's PMID).")
@click.option("--profile", type=click.Choice(PROFILES),
              help="Another view of the articles: BIBO (Turtle), schema.org (JSON-LD), CSL-JSON, BibTeX, RIS, "
                   "DataCite JSON.")
@click.option("--query", "query_file", type=click.Path(exists=True, dir_okay=False),
              help="With --profile: a .rq SELECT whose first variable gives the articles to export.")
def export(store: str, fmt: str | None, output: str, graph: str | None, profile: str | None,
           query_file: str | None) -> None:
    """Write the graph out in any standard RDF syntax, streamed.

    N-Quads, TriG and JSON-LD keep the named graphs; Turtle, N-Triples and RDF/XML
    write the union of all graphs.

    With --profile, the articles (all, or those --query selects) in a format
    reference managers and other vocabularies read.

    \b
    Examples:
      kg export -o graph.ttl.gz
      kg export --format trig > graph.trig
      kg export --graph 24649313 -o record.ttl
      kg export --profile bibtex --query my-articles.rq -o articles.bib
    """
    suffix = extension(output)
    named_by = [p for p, endings in PROFILE_EXTENSIONS.items() if suffix in endings]  # profiles the name fits
    if profile:
        given = [option for option, value in (("--graph", graph), ("--format", fmt)) if value]
        if given:
            raise click.UsageError(f"--profile writes its own format, of all articles or those --query selects: "
                                   f"drop {' and '.join(given)}")
        if suffix and profile not in named_by and (named_by or format_for(output)):
            raise click.BadParameter(f"{output} names a {(named_by or [format_for(output)])[0]} file, not {profile}: "
                                     f"name it {' or '.join(PROFILE_EXTENSIONS[profile])}", param_hint="--output")
        bar = Progress.beside(output)
        with open_store(store) as kg, open_output(output) as out:
            sparql = read_query_file(query_file) if query_file else None
            try:
                count = export_profile(kg, profile, out, sparql, lambda n: bar.count("exporting", n, "article"))
            except SyntaxError as exc:
                fail(syntax_error_message(sparql or "", str(exc), query_file))
            except SelectionError as exc:
                raise click.UsageError(f"--query {query_file}: {exc}") from None
            finally:
                bar.done()
        click.echo(f"{counted(count, 'article')} written as {profile}", err=True)
        return
    if query_file:
        raise click.UsageError("--query selects articles for --profile")
    if fmt is None and output != "-":
        fmt = format_for(output)
        if fmt is None and named_by:
            raise click.BadParameter(f"{output} names a {named_by[0]} file: use --profile {named_by[0]}",
                                     param_hint="--output")
        if fmt is None:
            raise unknown_extension(output, EXTENSIONS)
    bar = Progress.beside(output)
    with open_store(store) as kg:
        try:
            kg.export(sys.stdout.buffer if output == "-" else output, format=fmt or "nquads", graph=graph,
                      progress=lambda n: bar.count("exporting", n, "quad"))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--graph") from None
        finally:
            bar.done()


# ---------------------------------------------------------------- stats


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(store: str, fmt: str) -> None:
    """What the store holds: records, quads, articles, persons, organisations, journals,
    years, and counts per class and per property.

    \b
    Example:
      kg stats --store kg-store
    """
    with open_store(store) as kg:
        figures = kg.stats()
    if fmt == "json":
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(_stats_table(figures))


def _stats_table(f: dict[str, Any]) -> str:
    lines = [
        f"records        {f['records']:>12,}",
        f"quads          {f['quads']:>12,}",
        f"articles       {f['articles']:>12,}",
        f"authorships    {f['authorships']:>12,}",
        f"persons        {f['persons']:>12,}",
        f"organisations  {f['organisations']:>12,}   with a country {f['affiliations_with_country']:.1%}, "
        f"with an institution {f['affiliations_with_institution']:.1%}",
        f"institutions   {f['institutions']:>12,}",
        f"journals       {f['journals']:>12,}",
        f"years          {f['first_year'] or '-'}-{f['last_year'] or '-'}",
        "",
        "classes",
    ]
    lines += [f"  {n:>10,}  {c}" for c, n in f["classes"].items()]
    lines += ["", "properties"]
    lines += [f"  {n:>10,}  {p}" for p, n in f["properties"].items()]
    return "\n".join(lines)


# ---------------------------------------------------------------- validate, ontology

#: Exit code of ``kg validate`` when the store has SHACL violations.
EXIT_VIOLATIONS = 4


@main.command()
@store_option
@click.option("--graph", "graphs", multiple=True, metavar="IRI|PMID",
              help="Validate only these records (record graph IRIs or PMIDs). Repeatable.")
@click.option("--report", type=click.Path(dir_okay=False, allow_dash=True),
              help="Also write the report to a file: text, or JSON for a .json name (.gz compresses).")
def validate(store: str, graphs: tuple[str, ...], report: str | None) -> None:
    """Check the store record by record against the SHACL shapes of ontology/shapes.ttl.

    Prints one line per violation (record, focus node, path, message) and a
    summary. Exit codes: 0 conforms; 4 violations found; 1 the store could not
    be used; 130 interrupted (Ctrl-C or SIGTERM).

    \b
    Example:
      kg validate --store kg-store --report violations.txt
    """
    pmids = [g.rstrip("/").rsplit("/", 1)[-1] for g in graphs] or None
    if pmids and not all(p.isdigit() for p in pmids):
        raise click.BadParameter("record graph IRIs (.../graph/pmid/N) or PMIDs", param_hint="--graph")
    suffix = extension(report) if report else ""
    if suffix not in ("", ".txt", ".log", ".json"):
        raise unknown_extension(report, [".txt", ".log", ".json"], format_option=False, param_hint="--report")
    problem = unwritable(report) if report and report != "-" else None
    if problem:  # before the validation, which takes minutes on a large store
        fail(problem)
    with open_store(store) as kg:
        absent = sorted(set(pmids or ()) - {str(p) for p in kg.index.records(int(p) for p in pmids or ())})
        if absent:
            raise click.BadParameter(f"the store holds no record PMID {', '.join(absent)}", param_hint="--graph")
        checked = len(pmids) if pmids else kg.index.record_count()
        bar = Progress(enabled=sys.stderr.isatty())
        violations = list(validate_store(
            kg, pmids, progress=lambda done, total: bar.show(f"validating: {done:,} of {total:,} records")))
        bar.done()
    summary = f"{counted(checked, 'record')} checked, {counted(len(violations), 'violation')}"
    text = "\n".join([*map(str, violations), summary]) + "\n"
    click.echo(text, nl=False)
    if report:
        with open_output(report) as out:
            if suffix == ".json":
                document = {"records_checked": checked, "violations": [dataclasses.asdict(v) for v in violations]}
                out.write(json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n")
            else:
                out.write(text.encode())
    sys.exit(EXIT_VIOLATIONS if violations else 0)


@main.group()
def ontology() -> None:
    """The shipped ontologies (FaBiO, PRO, DataCite, FRBR, CiTO, FRAPO, kg's own).

    \b
    Example:
      kg ontology load --store kg-store
    """


@ontology.command("load")
@store_option
def ontology_load(store: str) -> None:
    """Load the shipped ontologies into kg:graph/ontology (replacing what was there).

    \b
    Example:
      kg ontology load --store kg-store
      kg query 'SELECT ?label WHERE { fabio:JournalArticle rdfs:label ?label }'
    """
    with open_store(store, writable=True, create=False) as kg:
        click.echo(f"{load_ontologies(kg):,} triples in {ontology_graph(kg)}")


# ---------------------------------------------------------------- build


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", required=True, help="Folder (or fsspec URL) for the shards; every worker must reach it.")
@store_option
@base_iri_option
@click.option("--workers", type=click.IntRange(min=1), help="Local cluster: this many worker processes [default: 2].")
@click.option("--scheduler", help="Use the Dask scheduler at this address instead of a local cluster.")
@click.option("--no-load", is_flag=True, help="Stop at the shards (gzip N-Quads), for loading into another store.")
@click.option("--coauthor-edges", is_flag=True, help="Also compute corpus-wide co-authorship edges (Parquet).")
@click.option("--max-authors", type=click.IntRange(min=0), default=50, show_default=True,
              help="With --coauthor-edges: leave out larger papers.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="The input format (auto: recognised from the content).")
def build(inputs: tuple[str, ...], out: str, store: str, base_iri: str | None, workers: int | None,
          scheduler: str | None, no_load: bool, coauthor_edges: bool, max_authors: int, fmt: str) -> None:
    """Build a store from many files on a Dask cluster (the baseline, then updates).

    INPUTS are files, directories or globs. Each file is read and mapped to a shard
    in --out by one Dask task; the shards are then loaded into the store in file-name
    order, exactly as `kg ingest` of the same files would. A rerun skips the files
    already mapped and already loaded. Exit codes as for `kg ingest`.

    \b
    Example:
      kg build 'baseline/pubmed25n*.xml.gz' updates/ --out shards/ --workers 8 --store kg-store
      kg build baseline/ --out s3://bucket/shards --scheduler tcp://scheduler:8786 --no-load
    """
    from kg.build import build as run_build
    from kg.build import ordered_inputs

    try:
        ordered_inputs(inputs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUTS") from None

    def say(message: str) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{message}".ljust(60), nl=False, err=True)

    try:
        report = run_build(inputs, out, store=None if no_load else store, base_iri=base_iri, workers=workers,
                           scheduler=scheduler, load=not no_load, format=fmt, edges=coauthor_edges,
                           max_authors=max_authors, progress=say)
    except (StoreError, ValueError) as exc:
        fail(str(exc))
    if sys.stderr.isatty():
        click.echo("", err=True)
    report_problems(report.errors + (report.load.skipped if report.load else []),
                    report.load.warnings if report.load else [])
    click.echo(f"files:    {report.files} ({report.mapped} mapped, {report.reused} already mapped)")
    click.echo(f"shards:   {report.records:,} records, {report.deletions:,} deletions, {report.quads:,} quads in {out}")
    click.echo(f"map:      {report.map_seconds:.1f} s ({report.map_task_seconds:.1f} s of worker time)")
    if report.load is not None:
        click.echo(f"load:     {report.applied} files applied ({report.already_applied} already), "
                   f"{report.reduce_seconds:.1f} s")
        click.echo(ingest_summary(report.load))
    if report.edges:
        click.echo(f"edges:    {report.edges}")
    sys.exit(report.exit_code)


# ---------------------------------------------------------------- serve


def _http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else check_http_url(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (such as https://example.org/kg/)") from None


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds before a query is stopped.")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (Access-Control-Allow-Origin: *).")
@click.option("--base-url", callback=_http_url,
              help="The public URL the store's base IRI is served at (for VoID and links).")
@click.option("--writable", is_flag=True, help="Accept SPARQL Update and graph-store writes (needs --token).")
@click.option("--token", envvar="KG_TOKEN", help="Bearer token that writes must present (or KG_TOKEN).")
@click.option("--allow-service", is_flag=True, help="Allow SERVICE (federated) calls to other endpoints.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Query worker processes [default: the number of CPUs + 2].")
@click.option("--max-memory", default=1024, show_default=True, type=click.IntRange(min=0),
              help="MB of memory each query worker may use; a query needing more is stopped (0: no cap).")
def serve(store: str, host: str, port: int, timeout: float, cors: bool, base_url: str | None, writable: bool,
          token: str | None, allow_service: bool, workers: int | None, max_memory: int) -> None:
    """Serve the store: SPARQL endpoint, query page, linked data, VoID, dump.

    \b
    /sparql              SPARQL 1.1 Protocol (GET, POST), results by content negotiation
    /                    the query page, with the named queries
    /br/pmid/24649313    any IRI under the base: HTML or RDF (.ttl .jsonld .nt .rdf)
    /.well-known/void    VoID description      /dump.nq.gz   the whole dataset
    /health              liveness              /rdf-graphs   graph store (writes with --writable)

    Read-only unless --writable with a --token. While the store is served an ingest
    is refused ("store is in use"); stop the server, ingest, start it again.

    \b
    Example:
      kg serve --store kg-store --port 7878
    """
    import uvicorn

    from kg.server import ServerConfig, create_app

    if writable and not token:
        raise click.UsageError("--writable needs --token (or KG_TOKEN): writes must be authenticated")
    config = ServerConfig(store=store, timeout=timeout, cors=cors, base_url=base_url, writable=writable,
                          token=token, allow_service=allow_service, max_memory_bytes=max_memory << 20 or None)
    if workers:
        config.workers = workers
    # Bound here, not by uvicorn: a busy port is then a one-line error (uvicorn reports it after
    # start-up, in its log, with exit code 3), and --port 0 can print the port it got.
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    port = listener.getsockname()[1]
    try:
        app = create_app(config)
    except (StoreError, RuntimeError) as exc:
        fail(str(exc))
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    click.echo(f"serving {store} on {url} (SPARQL: {url}sparql)", err=True)
    # Bounded connections: beyond them new ones get 503, so a flood (or slow clients
    # holding connections) cannot exhaust the server.
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5,
                                           timeout_keep_alive=5, limit_concurrency=256))
    server.run(sockets=[listener])


# ---------------------------------------------------------------- fetch, update, network

main.add_command(fetch)
main.add_command(update)
main.add_command(network)
main.add_command(resolve)


# ---------------------------------------------------------------- demo


_DEMO_QUERIES = (("top-authors", {}), ("top-journals", {}), ("article", {"pmid": "24649313"}))


@main.command()
@store_option
def demo(store: str) -> None:
    """Build a store from the bundled example records and show what it holds.

    Loads 101 real PubMed records (a flattened MEDLINE record and a gzipped
    PubMed XML file), prints the store's figures, then answers a few named
    queries. Run it again and nothing changes: ingest is idempotent.

    \b
    Example:
      kg demo --store demo-store
    """
    examples = shipped("examples")
    paths = [str(examples / name) for name in ("seed-24649313.txt", "pancreatic-cancer.xml.gz")]
    with open_store(store, writable=True) as kg:
        report = kg.ingest(paths)
        click.echo(f"== kg ingest (bundled examples) -> {store}")
        click.echo(ingest_summary(report, warnings_listed=False))
        figures = kg.stats()
        click.echo("\n== kg stats")
        click.echo("\n".join(_stats_table(figures).splitlines()[:9]))
        out = click.get_binary_stream("stdout")
        for name, params in _DEMO_QUERIES:
            nq = named_queries()[name]
            shown = " ".join(f"--param {k}={v}" for k, v in params.items())
            click.echo(f"\n== kg query {name} {shown}".rstrip())
            click.echo(f"# {nq.description}")
            sys.stdout.flush()
            write_results(kg.query(nq.sparql, params=params), out, "table", kg.prefixes, width=130)
            out.flush()


def _document_exit_codes(group: click.Group) -> None:
    """Give every command whose help does not list its exit codes the ones all kg commands share."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _document_exit_codes(command)
        elif "Exit codes" not in (command.help or ""):
            command.epilog = ("Exit codes: 0 done; 1 it failed (the store, a file or the query: the message "
                              "says which); 2 a bad option or argument; 130 interrupted (Ctrl-C or SIGTERM).")


_document_exit_codes(main)

if __name__ == "__main__":  # pragma: no cover
    main()
