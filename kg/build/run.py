"""``kg build``: map input files to shards on a Dask cluster, then load them in PubMed order.

The map step (read and map, the costly part) runs as one Dask task per file on a
local cluster or on any scheduler. The reduce step applies the shards to the store
in file-name order (the baseline before the updates, each update in turn) through
the same writer as ``kg ingest`` (:func:`kg.ingest.write_batch`): a later version
replaces an earlier one, a DeleteCitation removes it, shared entities are stored
once, and the store ends up exactly as one ``kg ingest`` of the same files would
leave it. Both steps resume: a shard whose manifest matches its input is not mapped
again, and a file already applied to the store is not applied again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kg.build.edges import coauthor_edges
from kg.build.shards import Manifest, is_current, map_file, read_batches, remove_temporaries, shard_name
from kg.ingest import EXIT_SKIPPED, IngestReport, finish, write_batch
from kg.mapping.iris import check_base_iri
from kg.sources import expand_paths

__all__ = ["BuildReport", "Interrupted", "build", "ordered_inputs"]

_APPLIED = "build:applied"  # index meta key: {shard name: "size:mtime"} of the files applied


@dataclass
class BuildReport:
    """What a build did. Applying shards overlaps mapping, so the times are split by what this
    process was doing: ``map_seconds`` waiting for shards, ``reduce_seconds`` applying them
    (they add up to the build's time); ``map_task_seconds`` is the workers' time summed."""

    files: int = 0
    mapped: int = 0
    reused: int = 0
    applied: int = 0
    already_applied: int = 0
    records: int = 0
    deletions: int = 0
    quads: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    map_seconds: float = 0.0
    map_task_seconds: float = 0.0
    reduce_seconds: float = 0.0
    dashboard: str | None = None
    load: IngestReport | None = None
    edges: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_SKIPPED if self.errors or (self.load and self.load.skipped) else 0


def ordered_inputs(inputs: Iterable[str]) -> list[str]:
    """Input files (directories and globs expanded) in PubMed order: by file name.

    >>> from kg.resources import shipped
    >>> examples = shipped("examples")
    >>> files = ordered_inputs([str(examples / "seed-24649313.txt"), str(examples / "*.xml.gz")])
    >>> [os.path.basename(f) for f in files]
    ['pancreatic-cancer.xml.gz', 'seed-24649313.txt']
    """
    import glob

    paths: list[str] = []
    for spec in inputs:
        matches = sorted(glob.glob(spec)) if any(c in spec for c in "*?[") else [spec]
        if not matches or not os.path.exists(matches[0]):
            raise ValueError(f"no file matches {spec}" if matches != [spec] else f"{spec} does not exist")
        paths.extend(expand_paths(matches))
    files = sorted(dict.fromkeys(paths), key=lambda p: (os.path.basename(p), p))
    names = [shard_name(f) for f in files]
    clash = {n for n in names if names.count(n) > 1}
    if clash:
        raise ValueError(f"several inputs would make the same shard: {', '.join(sorted(clash))}")
    return files


def _check_writable(out: str) -> None:
    """ValueError now, before a cluster starts, if shards cannot be written to ``out``."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(out)
    except (ImportError, ValueError) as exc:  # "Install s3fs to access S3", an unknown protocol
        raise ValueError(f"cannot write shards to {out}: {exc}") from None
    probe = f"{root}/.kg-probe-{os.getpid()}"
    try:
        fs.makedirs(root, exist_ok=True)
        with fs.open(probe, "wb"):
            pass
        fs.rm(probe)
    except OSError as exc:
        raise ValueError(f"cannot write shards to {out}: {exc.strerror or exc}") from None


def build(inputs: Iterable[str], out: str, *, store: str | None = None, base_iri: str | None = None,
          workers: int | None = None, scheduler: str | None = None, client: Any = None, load: bool = True,
          format: str = "auto", edges: bool = False, max_authors: int = 50,
          progress: Callable[[str], None] | None = None) -> BuildReport:
    """Map ``inputs`` to shards in ``out`` on Dask, then (with ``load``) apply them to ``store``;
    with ``edges``, also write corpus-wide co-authorship edges (:mod:`kg.build.edges`).

    The cluster is ``client`` if given, else the scheduler at ``scheduler``, else a
    local cluster of ``workers`` processes. On Ctrl-C the complete shards and the files
    applied are kept: under ``kg build`` a line on stderr says so and the exit code is
    130; called from Python, :class:`Interrupted` (a KeyboardInterrupt) carries that line.
    """
    from dask.distributed import Client, LocalCluster

    from kg.store import KnowledgeGraph

    files = ordered_inputs(inputs)
    if base_iri is not None:
        check_base_iri(base_iri)
    _check_writable(out)
    report = BuildReport(files=len(files))
    names = {shard_name(f) for f in files}
    remove_temporaries(out, names)  # an earlier run's leftovers: never valid, and they pile up otherwise
    kg = KnowledgeGraph.open(store, base_iri=base_iri, writable=True) if load else None
    own_client = client is None
    cluster = None
    interrupted = False
    handler: Any = None
    try:
        if own_client:
            if scheduler:
                client = Client(scheduler)
            else:
                # silence_logs: Dask's shuffle logs routine steps as warnings ("Shuffle ... initialized
                # by task"), which would read as problems among kg's own messages. The preload makes
                # the workers ignore Ctrl-C, which only the client handles (kg.build.worker). The
                # scheduler's HTTP server runs even without a dashboard: on a free port, as 8787 may
                # be another cluster's (Dask would warn on stderr).
                with _interrupts_ignored():
                    cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                           dashboard_address=None if _no_dashboard() else ":0",
                                           scheduler_kwargs={"dashboard_address": ":0"},
                                           silence_logs=logging.ERROR, preload=["kg.build.worker"])
                    client = Client(cluster)
        _run(client, kg, files, out, base_iri, format, edges, max_authors, report, progress or (lambda m: None))
        return report
    except KeyboardInterrupt:
        interrupted = True
        handler = _ignore_interrupts()  # a second Ctrl-C must not break off the cleanup below
        raise
    finally:
        if own_client and client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if kg is not None:
            kg.close()
        if cluster is not None or not interrupted:  # no task of ours is still writing temporaries
            remove_temporaries(out, names)
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        if interrupted:
            _stop(_kept(out, files, report, kg is not None))


def _run(client: Any, kg: Any, files: list[str], out: str, base_iri: str | None, format: str, edges: bool,
         max_authors: int, report: BuildReport, say: Callable[[str], None]) -> None:
    """The build proper, on ``client``: map, apply in PubMed order as soon as possible, report.

    Applying runs in this process while the workers go on mapping: ``map_seconds`` is the
    time spent waiting for shards, ``reduce_seconds`` the time spent applying them; the
    two do not overlap, and add up to the build's time.
    """
    from dask.distributed import as_completed

    base = kg.base_iri if kg else (base_iri or "https://example.org/kg/")
    report.dashboard = getattr(client, "dashboard_link", None) if not _no_dashboard() else None
    if report.dashboard:
        say(f"dashboard: {report.dashboard}")
    todo = [f for f in files if not is_current(Manifest.read(out, shard_name(f)), f)]
    report.reused = len(files) - len(todo)
    started = time.monotonic()
    futures = {f: client.submit(map_file, f, out, base, format, pure=False, retries=2, key=f"map-{shard_name(f)}")
               for f in todo}
    pending = as_completed(list(futures.values()), with_results=False)
    done: set[str] = {f for f in files if f not in futures}
    failed: dict[str, str] = {}
    by_future = {fut.key: f for f, fut in futures.items()}
    applied_upto = 0
    applied = json.loads(kg.index.get_meta(_APPLIED) or "{}") if kg else {}
    load_report = IngestReport()
    reduce_time = 0.0
    for future in pending:
        path = by_future[future.key]
        if future.status == "error":
            failed[path] = repr(future.exception())
        else:
            report.map_task_seconds += future.result()["seconds"]
            report.mapped += 1
        done.add(path)
        say(f"mapped {len(done)}/{len(files)} files")
        if kg is not None:  # apply every file whose predecessors are all mapped
            while applied_upto < len(files) and files[applied_upto] in done:
                path = files[applied_upto]
                if path in failed:
                    break
                t = time.monotonic()
                _apply(kg, out, path, applied, load_report, report)
                reduce_time += time.monotonic() - t
                applied_upto += 1
                say(f"applied {applied_upto}/{len(files)} files to the store")
    report.map_seconds = time.monotonic() - started - reduce_time
    if kg is not None:
        t = time.monotonic()
        while applied_upto < len(files) and files[applied_upto] not in failed:
            _apply(kg, out, files[applied_upto], applied, load_report, report)
            applied_upto += 1
        finish(kg, load_report)
        reduce_time += time.monotonic() - t
        load_report.seconds = reduce_time
        report.load = load_report
    report.reduce_seconds = reduce_time
    if edges and not failed:
        report.edges = coauthor_edges(out, files, max_authors)
    for path, message in failed.items():
        report.errors.append((path, f"could not be mapped: {message}"))
    for name in (shard_name(f) for f in files):
        manifest = Manifest.read(out, name)
        if manifest:
            report.records += manifest.records
            report.deletions += manifest.deletions
            report.quads += manifest.quads
            if kg is None:  # when loading, the load report lists the skipped records
                report.errors.extend(manifest.errors)


class Interrupted(KeyboardInterrupt):
    """A build stopped by Ctrl-C; its message says what was kept and that a rerun resumes."""


def _kept(out: str, files: list[str], report: BuildReport, load: bool) -> str:
    """The one line that says what an interrupted build kept."""
    shards = sum(is_current(Manifest.read(out, shard_name(f)), f) for f in files)
    stored = f" and {report.applied + report.already_applied} applied to the store" if load else ""
    return (f"interrupted: {shards} of {len(files)} files kept as complete shards in {out}{stored}; "
            "run the same command again to resume")


def _stop(message: str) -> None:
    """End an interrupted build: under the ``kg`` command, ``message`` on stderr and exit code 130
    (click would say "Aborted!" and exit 1); else raise :class:`Interrupted`."""
    import sys

    import click

    if click.get_current_context(silent=True) is None:
        raise Interrupted(message) from None
    if sys.stderr.isatty():
        click.echo("", err=True)  # end the progress line
    click.echo(message, err=True)
    raise click.exceptions.Exit(130)


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C (SIGINT) while the block runs: for starting a local cluster.

    The worker processes started meanwhile inherit the ignoring (a handler of ours they would
    not), so a Ctrl-C cannot kill one half-started, which Dask answers with pages of
    tracebacks; once started, the workers ignore Ctrl-C anyway (:mod:`kg.build.worker`). A
    Ctrl-C in that second is lost: the build stops at the next one.
    """
    handler = _ignore_interrupts()
    try:
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)


def _ignore_interrupts() -> Any:
    """Ignore SIGINT in this process; returns the handler to restore, or None where none
    can be set (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


def _apply(kg: Any, out: str, path: str, applied: dict[str, str], load: IngestReport, report: BuildReport) -> None:
    """Apply one file's shard to the store, once."""
    name = shard_name(path)
    stat = os.stat(path)
    stamp = f"{stat.st_size}:{stat.st_mtime}"
    if applied.get(name) == stamp:
        report.already_applied += 1
        return
    for batch in read_batches(out, name):
        write_batch(kg, batch, load)
    applied[name] = stamp
    kg.index.set_meta(_APPLIED, json.dumps(applied))
    report.applied += 1


def _no_dashboard() -> bool:
    """The dashboard needs bokeh; without it Dask runs fine, just without the web page."""
    import importlib.util

    return importlib.util.find_spec("bokeh") is None
