"""What the ``kg`` commands share: the --store option, opening a store, messages, progress.

Kept apart from :mod:`kg.cli` so that command groups defined elsewhere
(:mod:`kg.fetch.commands`, :mod:`kg.network.commands`) can use them too.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

import click

from kg.ingest import IngestReport
from kg.mapping.iris import check_base_iri
from kg.query import parser_message
from kg.store import DEFAULT_STORE, KnowledgeGraph, StoreError
from kg.textfiles import NotUTF8Error, read_utf8
from kg.wording import counted, no_format

__all__ = ["Progress", "base_iri_option", "fail", "ingest_summary", "open_store", "report_problems", "store_option",
           "interruptible", "syntax_error_message", "unknown_extension"]

store_option = click.option(
    "--store",
    envvar="KG_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    type=click.Path(file_okay=False),
    help="The store directory (or set KG_STORE).",
)


def _valid_base_iri(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else check_base_iri(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


base_iri_option = click.option(
    "--base-iri",
    callback=_valid_base_iri,
    help="Base IRI of the resources of a new store, ending in '/' (remembered by the store). "
         "[default: https://example.org/kg/]",
)


def fail(message: str) -> None:
    raise click.ClickException(message)


def read_query_file(path: str) -> str:
    """The text of a --query file; one that is not UTF-8 is a usage error naming where."""
    try:
        return read_utf8(path)
    except NotUTF8Error as exc:
        raise click.BadParameter(str(exc), param_hint="--query") from None


def unknown_extension(path: str, extensions: Iterable[str], *, gz: bool = True, format_option: bool = True,
                      param_hint: str = "--output") -> click.BadParameter:
    """The usage error for an output file whose extension names no format: the one wording of
    every command, listing the ``extensions`` that do (and .gz after them when ``gz``).

    >>> print(unknown_extension("out/a.foo", [".csv", ".json"]).format_message())
    Invalid value for --output: cannot tell the format from 'a.foo': the file name must end in .csv or .json
    (and .gz after it to compress); or give --format
    """
    return click.BadParameter(no_format(os.path.basename(path), extensions, gz=gz,
                                        option="--format" if format_option else None), param_hint=param_hint)


_T = TypeVar("_T")


def interruptible(work: Callable[[], _T]) -> _T:
    """``work()``, run in a thread so that Ctrl-C stops the command at once.

    Oxigraph evaluates a query (a COUNT over the whole store, say) without returning to
    Python, which sees a signal only when it does; the main thread waits here instead, and
    leaves the thread to end with the process. For read-only work only, whose pyoxigraph
    results stay inside it: they may not even be dropped in another thread.
    """
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the main thread, which raises it
            error: BaseException | None = exc
            while error is not None:  # its frames hold pyoxigraph results: free them here
                traceback.clear_frames(error.__traceback__)
                error = error.__cause__ or error.__context__
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="kg-query", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def open_store(store: str, **kwargs: Any) -> KnowledgeGraph:
    try:
        return KnowledgeGraph.open(store, **kwargs)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers happy


class Progress:
    """A one-line progress display on stderr, redrawn at most five times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False
        self.last = 0.0
        self.started = time.monotonic()

    @classmethod
    def beside(cls, output: str | None = None) -> Self:
        """A display on a terminal's stderr, unless the results (``output`` "-") go to that terminal too."""
        return cls(enabled=sys.stderr.isatty() and not (output == "-" and sys.stdout.isatty()))

    def count(self, doing: str, n: int, noun: str) -> None:
        """A running count and its rate: "exporting: 1,234,567 quads (98,765/s)"."""
        rate = n / max(time.monotonic() - self.started, 1e-6)
        self.show(f"{doing}: {counted(n, noun)} ({rate:,.0f}/s)")

    def show(self, line: str) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        click.echo("\r" + line[:150].ljust(100), nl=False, err=True)
        self.shown = True

    def update(self, report: IngestReport) -> None:
        """An ingest's progress: files, records, speed, quads."""
        rate = report.records_read / report.seconds if report.seconds else 0
        current = Path(report.current_file).name if report.current_file else ""
        self.show(f"ingesting {current}: {counted(report.files, 'file')} done, {report.records_read:,} records "
                  f"({rate:,.0f}/s), {report.quads_added:,} quads")

    def done(self) -> None:
        if self.shown:
            click.echo("", err=True)


def report_problems(skipped: Iterable[tuple[str, str]], warnings: Sequence[str] = (), shown_warnings: int = 50) -> None:
    """Each skipped record (where, reason), then the first ``shown_warnings`` warnings, on standard error."""
    for where, reason in skipped:
        click.echo(f"skipped: {where}: {reason}", err=True)
    for warning in warnings[:shown_warnings]:
        click.echo(f"warning: {warning}", err=True)
    if len(warnings) > shown_warnings:
        click.echo(f"warning: ... and {len(warnings) - shown_warnings} more warnings", err=True)


def ingest_summary(r: IngestReport, warnings_listed: bool = True) -> str:
    """The summary lines of an ingest; ``warnings_listed``: whether its warnings went to stderr."""
    lines = [
        f"files:    {r.files}",
        f"records:  {r.records_read:,} read, {r.added:,} added, {r.replaced:,} replaced, "
        f"{r.unchanged:,} unchanged, {r.deleted:,} deleted, {len(r.skipped):,} skipped",
    ]
    if r.deletions_absent:
        lines.append(f"          {r.deletions_absent:,} deletions of records the store did not hold")
    reasons: dict[str, int] = {}
    for _, reason in r.skipped:
        key = re.sub(r"\d+", "N", reason.split(":")[0])
        reasons[key] = reasons.get(key, 0) + 1
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        lines.append(f"          skipped {n:,}: {reason}")
    lines.append(f"quads:    {r.quads_added:,} written, {r.quads_removed:,} removed")
    if r.warnings:
        where = "listed on stderr" if warnings_listed else "not listed"
        lines.append(f"warnings: {len(r.warnings):,} ({where})")
    rate = r.records_read / r.seconds if r.seconds else 0
    lines.append(f"time:     {r.seconds:.1f} s ({rate:,.0f} records/s)")
    return "\n".join(lines)


_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
                     r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


def syntax_error_message(sparql: str, message: str, source: str | None = None) -> str:
    """The parser's message, and the offending line with a caret under the position; ``source``
    names the file the query came from."""
    if _UPDATE.match(sparql):
        return (f"{source or 'the query'} is a SPARQL Update: kg query runs queries; updates go to a server "
                "started with kg serve --writable (POST /update)")
    m = re.search(r"(\d+):(\d+)", message)
    message = parser_message(message)
    lines = sparql.splitlines()
    line_no, col = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    shown = lines[line_no - 1] if 1 <= line_no <= len(lines) else None
    if shown is not None and "Prefix not found" in message:
        # Oxigraph lists the characters it expected; the user needs the prefix it does not know.
        name = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", shown[: col - 1])
        if name:
            prefix = name.group(1) or ""
            message = f"unknown prefix {prefix}: (declare it: PREFIX {prefix}: <IRI>)"
    text = f"syntax error in {source or 'query'}: {message}"
    if shown is not None:
        text += f"\n  {shown}\n  {' ' * max(col - 1, 0)}^"
    return text
