"""``kg fetch`` and ``kg update``: the click layer over :mod:`kg.fetch.run`.

The summary goes to standard output; progress, warnings and errors to standard error.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from kg.clitools import Progress, ingest_summary, open_store, report_problems, store_option
from kg.fetch.eutils import DEFAULT_EUTILS_URL, EUtils
from kg.fetch.run import DEFAULT_BATCH, FetchReport, cache_directory, parse_pmids
from kg.fetch.run import fetch as fetch_records
from kg.fetch.run import update as update_records
from kg.fetch.search import DateRange, parse_date
from kg.store import KnowledgeGraph
from kg.wording import counted

__all__ = ["fetch", "update"]

#: Exit code when the command was interrupted (Ctrl-C), as for ``kg ingest``.
_EXIT_INTERRUPTED = 130


def _eutils_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``kg fetch`` and ``kg update`` share: how to reach NCBI, where to keep the XML."""
    options = [
        click.option("--api-key", envvar="NCBI_API_KEY",
                     help="NCBI API key (or NCBI_API_KEY): 10 requests/s instead of 3."),
        click.option("--email", envvar="NCBI_EMAIL",
                     help="Your e-mail address, sent to NCBI as they ask (or NCBI_EMAIL)."),
        click.option("--eutils-url", envvar="KG_EUTILS_URL", default=DEFAULT_EUTILS_URL, show_default=True,
                     help="E-utilities base URL, for mirrors, proxies and tests (or KG_EUTILS_URL)."),
        click.option("--save-xml", type=click.Path(file_okay=False), metavar="DIR",
                     help="Keep the downloaded PubMed XML (gzip) in DIR [default: STORE/fetch-cache]."),
        click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH, show_default=True,
                     help="Records per EFetch request."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            parse_date(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


@click.command()
@click.argument("query", required=False)
@click.option("--pmids", metavar="FILE|LIST",
              help="Fetch these records instead of searching: a file of PMIDs (- for standard input) or a "
                   "comma-separated list.")
@click.option("--max", "limit", type=click.IntRange(min=1), metavar="N", help="Fetch at most N records, newest first.")
@click.option("--since", callback=_date, metavar="DATE",
              help="Published on or after DATE: YYYY, YYYY/MM or YYYY/MM/DD.")
@click.option("--until", callback=_date, metavar="DATE", help="Published on or before DATE.")
@store_option
@click.option("--refresh", is_flag=True, help="Download every batch again, even those already in the cache.")
@_eutils_options
def fetch(query: str | None, pmids: str | None, limit: int | None, since: str | None, until: str | None, store: str,
          refresh: bool, api_key: str | None, email: str | None, eutils_url: str, save_xml: str | None,
          batch_size: int, quiet: bool) -> None:
    """Search PubMed and load the records found into the store.

    QUERY is PubMed search syntax, as typed on pubmed.ncbi.nlm.nih.gov. The
    search runs with NCBI's E-utilities (ESearch on the history server, then
    EFetch in batches of XML); results over ESearch's 9,999-id limit are split
    by publication date, so every hit is fetched. Records are ingested as
    they arrive. Downloaded batches are kept (STORE/fetch-cache, or
    --save-xml DIR): an interrupted fetch resumes where it stopped, and a
    repeated one downloads nothing (--refresh downloads again). The store
    remembers the search for `kg update`.

    NCBI allows 3 requests a second, 10 with an API key; kg keeps to that
    and retries when NCBI is busy.

    \b
    Exit codes: 0 all records loaded; 3 some records were skipped; 1 the
    search or the download failed (what arrived is kept; run it again to
    resume) or the store could not be used; 130 interrupted (Ctrl-C or SIGTERM).

    \b
    Examples:
      kg fetch 'pancreatic neoplasms[mh] AND 2020:2022[dp]' --email me@example.org
      kg fetch asthma --since 2023/06 --max 5000 --save-xml asthma-xml
      kg fetch --pmids 24649313,1000475
      kg fetch --pmids pmids.txt --store kg-store
    """
    if query is not None and not query.strip():
        query = None  # an empty search would only be refused by NCBI, after a round trip
    if (query is None) == (pmids is None):
        raise click.UsageError("give a QUERY or --pmids, not both" if query else "give a QUERY or --pmids")
    if pmids is not None and (since or until or limit):
        raise click.UsageError("--since, --until and --max restrict a search, not --pmids")
    try:
        DateRange.parse(since, until)
    except ValueError as exc:
        raise click.UsageError(f"--since {since} --until {until}: {exc}") from None
    ids = _read_pmids(pmids) if pmids is not None else None
    _run(store, eutils_url, api_key, email, save_xml, quiet,
         lambda kg, client, progress: fetch_records(kg, client, query=query, pmids=ids, since=since, until=until,
                                                    limit=limit, save_xml=save_xml, refresh=refresh,
                                                    batch_size=batch_size, progress=progress))


@click.command()
@store_option
@_eutils_options
def update(store: str, api_key: str | None, email: str | None, eutils_url: str, save_xml: str | None,
           batch_size: int, quiet: bool) -> None:
    """Fetch again the records of a fetched store that PubMed changed since the last run.

    Repeats each search the store was built with by `kg fetch`, restricted to
    records modified since that search last ran (by modification date, with a
    day of overlap), and replaces those records; new records matching a
    search are added. Records that did not change are left alone.

    \b
    Exit codes as for kg fetch.

    \b
    Example:
      kg update --store kg-store --email me@example.org
    """
    _run(store, eutils_url, api_key, email, save_xml, quiet,
         lambda kg, client, progress: update_records(kg, client, save_xml=save_xml, batch_size=batch_size,
                                                     progress=progress), create=False)


_Work = Callable[[KnowledgeGraph, EUtils, Callable[[FetchReport], None]], FetchReport]


def _run(store: str, eutils_url: str, api_key: str | None, email: str | None, save_xml: str | None, quiet: bool,
         work: _Work, *, create: bool = True) -> None:
    """Open the client and the store (a new one only if ``create``), do ``work`` with a progress
    bar, then report and exit. A store this call made is removed again if nothing reached it."""
    new_store = create and not Path(store).exists()
    refused = None
    with _client(eutils_url, api_key, email) as client, open_store(store, writable=True, create=create) as kg:
        bar = _FetchProgress(enabled=not quiet and sys.stderr.isatty())
        directory = cache_directory(kg, save_xml)
        try:
            with _cancel_on_interrupt(client):
                report = work(kg, client, bar.fetched)
        except ValueError as exc:  # dates that make an empty range; a store kg fetch did not build
            refused = str(exc)
        except KeyboardInterrupt:
            bar.done()
            _interrupted(directory)
        bar.done()
    if new_store and (refused is not None or (report.error is not None and not report.batches
                                              and not report.downloaded)):
        shutil.rmtree(store, ignore_errors=True)
    if refused is not None:
        raise click.ClickException(refused)
    _finish(report, directory, quiet)


def _client(eutils_url: str, api_key: str | None, email: str | None) -> EUtils:
    try:
        return EUtils(eutils_url, api_key=api_key, email=email)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--eutils-url") from None


def _read_pmids(value: str) -> list[str]:
    """The PMIDs that ``--pmids`` gives: from standard input (``-``), from a file, or listed in the value itself."""
    path = Path(value)
    try:
        if value == "-":
            text = sys.stdin.read()
        elif path.is_file() or _looks_like_path(value):
            text = path.read_text(encoding="utf-8")
        else:
            text = value
        ids = parse_pmids(text)
        if not ids:
            raise ValueError(f"no PMIDs in {value}")
        return ids
    except FileNotFoundError:
        raise click.BadParameter(f"file {value!r} does not exist", param_hint="--pmids") from None
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror or exc}", param_hint="--pmids") from None
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (give a file of PMIDs or a comma-separated list)",
                                 param_hint="--pmids") from None


def _looks_like_path(value: str) -> bool:
    """Whether ``value`` names a file rather than lists PMIDs: it has a directory part or a file extension."""
    path = Path(value)
    return path.name != value or re.fullmatch(r"\.[A-Za-z]\w*", path.suffix) is not None


@contextlib.contextmanager
def _cancel_on_interrupt(client: EUtils) -> Iterator[None]:
    """On Ctrl-C, stop the downloads at once (they run in another thread), then interrupt as usual."""

    def interrupt(signum: int, frame: Any) -> None:
        client.cancel()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupted(directory: Path) -> None:
    click.echo(f"interrupted: the batches downloaded are kept in {directory}; run the same command again to go on",
               err=True)
    sys.exit(_EXIT_INTERRUPTED)


def _finish(report: FetchReport, directory: Path, quiet: bool) -> None:
    """Warnings on stderr, the summary on stdout, then the exit code (or the error)."""
    ingest = report.ingest
    if not quiet:
        for warning in report.warnings:
            click.echo(f"warning: PubMed: {warning}", err=True)
        if report.unreachable:
            click.echo(f"warning: {counted(report.unreachable, 'hit')} could not be reached: a single day had more "
                       "than 9,999 of them even when split by Entrez date; narrow the query", err=True)
        report_problems(ingest.skipped, ingest.warnings)
    if report.error is None or report.batches:  # a failed fetch sums up only what did arrive, if anything
        click.echo(fetch_summary(report, directory))
        click.echo(ingest_summary(ingest, warnings_listed=not quiet))
    if report.error is not None:
        hint = (f"\ndownloaded so far: {counted(report.downloaded, 'batch', 'batches')}, kept in {directory}: run the "
                "same command again to go on" if report.downloaded else "")
        raise click.ClickException(f"{report.error}{hint}")
    sys.exit(ingest.exit_code)


def fetch_summary(r: FetchReport, directory: Path) -> str:
    """The lines of the summary that say what was searched and fetched."""
    lines = [f"search:   {'; '.join(r.searches)}",
             f"hits:     {r.hits:,}" + (f", split by date into {counted(r.slices, 'slice')} under ESearch's "
                                            "9,999 cap" if r.slices else "")
             + (f", fetching {r.wanted:,}" if r.wanted != r.hits else ""),
             f"fetched:  {counted(r.records, 'record')}: {r.records - r.from_cache:,} downloaded in "
             f"{counted(r.downloaded, 'EFetch request')}, {r.from_cache:,} from the cache ({directory})"]
    if r.absent:
        lines.append(f"          {counted(r.absent, 'PMID')} not returned by EFetch "
                     "(deleted from PubMed, or not in it)")
    return "\n".join(lines)


class _FetchProgress(Progress):
    """The one-line progress display of a fetch: hits, fetched, ingested (called from two threads)."""

    def __init__(self, enabled: bool) -> None:
        super().__init__(enabled)
        self.lock = threading.Lock()

    def fetched(self, report: FetchReport) -> None:
        with self.lock:
            self.show(f"fetching: {report.wanted:,} hits, {report.records:,} fetched "
                      f"({report.from_cache:,} from the cache), {report.ingest.records_read:,} ingested")
