"""Ingest: records in, quads out, with the store's own write speed as the only limit.

Reading and mapping run in a second process (the hot path is Python) while this
process writes to Oxigraph, whose bulk loader releases the GIL. Records travel in
batches of N-Quads text; each batch is written in five steps that keep the store
repairable whatever moment the process dies at (see :mod:`kg.index`):

1. mark the batch's PMIDs pending (committed);
2. drop the old graphs of replaced and deleted records, and the shared triples
   no record states any more;
3. commit the new reference counts and records (still pending);
4. bulk-load the new record graphs and newly referenced shared triples;
5. clear the pending marks.

Opening the store after a crash removes the pending records entirely, so each
record is either fully present or absent, and rerunning the ingest completes it.
An unchanged record (same content digest) is not rewritten: ingesting the same
input twice leaves exactly the same quads.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox

from kg.index import StoredRecord, pack_statements, triple_hash
from kg.mapping import Mapper
from kg.records import Deletion, ParseError, Record
from kg.sources import check_format, expand_paths, read_file

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["BATCH_QUADS", "EXIT_SKIPPED", "Batch", "Delete", "IngestReport", "Put", "finish", "forget_records",
           "ingest", "mapped_batches", "write_batch"]

#: Exit code of ``kg ingest`` when some records were skipped (0 when all loaded).
EXIT_SKIPPED = 3

_COMPACT_AFTER = 100_000  # quads written before an ingest compacts the store
#: Quads per batch written: Oxigraph's bulk loader is fastest around this size.
BATCH_QUADS = 50_000


@dataclass
class IngestReport:
    """What an ingest did; ``skipped`` lists (where, reason) for each record not loaded."""

    files: int = 0
    records_read: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    deleted: int = 0
    deletions_absent: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quads_added: int = 0
    quads_removed: int = 0
    seconds: float = 0.0
    current_file: str | None = None

    @property
    def exit_code(self) -> int:
        """0 when every record loaded, :data:`EXIT_SKIPPED` when some were skipped."""
        return EXIT_SKIPPED if self.skipped else 0


# ---------------------------------------------------------------- the producer (parse + map)


@dataclass(slots=True)
class Put:
    pmid: int
    version: int
    digest: bytes
    nquads: bytes
    hashes: array
    packed: bytes  # the shared statements, compressed (kg.index.pack_statements)
    where: str


@dataclass(slots=True)
class Delete:
    pmid: int
    where: str


@dataclass
class Batch:
    items: list[Put | Delete] = field(default_factory=list)
    #: the statement of each shared-triple hash in this batch
    texts: dict[int, str] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records_read: int = 0
    files_done: int = 0
    current_file: str | None = None
    quads: int = 0


def _put(mapper: Mapper, record: Record, batch: Batch) -> None:
    mapped = mapper.map(record)
    nquads = mapped.nquads().encode()
    hashes = [triple_hash(t) for t in mapped.entities]
    batch.texts.update(zip(hashes, mapped.entities))
    unique = array("q", sorted(set(hashes)))
    digest = hashlib.blake2b(nquads, digest_size=16)
    digest.update(unique.tobytes())
    where = str(record.source) if record.source else record.pmid
    packed = pack_statements(mapped.entities)
    batch.items.append(Put(int(record.pmid), record.pmid_version, digest.digest(), nquads, unique, packed, where))
    batch.quads += len(mapped.triples) + len(mapped.entities)
    batch.warnings.extend(f"{where} (PMID {record.pmid}): {note}" for note in mapped.notes)


def mapped_batches(sources: Iterable[Any], format: str, base_iri: str, batch_quads: int) -> Iterator[Batch]:
    """Batches of mapped records from files, directories, "-" or Record/Deletion objects
    (the read-and-map half of an ingest; :mod:`kg.build` runs it on cluster workers).

    Should reading raise (a generator of records failing, say), the batch of the records read
    before is yielded, then the exception raised: each of those records is whole.
    """
    mapper = Mapper(base_iri)
    batch = Batch()
    try:
        for source in sources:
            items: Iterable[Any]
            if isinstance(source, (Record, Deletion, ParseError)):
                items = (source,)
                paths: list[str | None] = [None]
            else:
                paths = list(expand_paths([source]))
            for path in paths:
                if path is not None:
                    items = read_file(path, format)  # type: ignore[arg-type]
                    batch.current_file = path
                for item in items:
                    if isinstance(item, Record):
                        batch.records_read += 1
                        try:
                            _put(mapper, item, batch)
                        except Exception as exc:  # a mapping defect must not cost the other records
                            where = str(item.source) if item.source else item.pmid
                            batch.errors.append((f"{where} (PMID {item.pmid})", f"cannot be mapped: {exc!r}"))
                    elif isinstance(item, Deletion):
                        batch.items.append(Delete(int(item.pmid), str(item.source or item.pmid)))
                    else:
                        where = str(item.source) if item.source else "<input>"
                        batch.errors.append((where + (f" (PMID {item.pmid})" if item.pmid else ""), item.message))
                    if batch.quads >= batch_quads:
                        yield batch
                        batch = Batch(current_file=batch.current_file)
                if path is not None:
                    batch.files_done += 1
    except Exception:  # not GeneratorExit: a generator closed at a yield must not yield again
        # An item joins the batch only once whole, so writing the batch keeps every record whole.
        yield batch
        raise
    yield batch


def _produce(sources: list[Any], format: str, base_iri: str, batch_quads: int, out: Any) -> None:
    """Put batches on ``out`` (anything with ``put``), then None; an exception raised reading is
    put, not raised, after the batch of the records read before it."""
    batches = mapped_batches(sources, format, base_iri, batch_quads)
    while True:
        try:
            item: Batch | BaseException | None = next(batches, None)
        except BaseException as exc:  # report, do not die silently: the writer is waiting
            item = exc  # a BrokenPipeError too: a generator's download broke, not the pipe to the writer
        out.put(item)  # a BrokenPipeError here: the writer is gone, nobody to report to
        if not isinstance(item, Batch):
            return


class _PickleStream:
    """``put`` for the reading process: each item pickled onto a binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def put(self, item: Any) -> None:
        if isinstance(item, BaseException):
            item = _sendable(item)
        pickle.dump(item, self.stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.stream.flush()


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` as the writer can receive it: a copy with its traceback in a note (a traceback does
    not pickle) or, when it does not pickle and unpickle, a RuntimeError with the traceback's text."""
    text = "".join(traceback.format_exception(exc))
    try:
        copy: BaseException = pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # say, an attribute that does not pickle, or a class whose arguments are not its args
        return RuntimeError("reading failed:\n" + text)
    copy.add_note("raised in the reading process:\n" + text.rstrip("\n"))
    return copy


def _reading_process() -> None:
    """Main of the reading process: its arguments pickled on stdin, batches pickled to stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle; it stops us
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the stream of batches
    try:
        _produce(*pickle.load(sys.stdin.buffer), _PickleStream(out))
    except BrokenPipeError:  # the writer is gone
        os._exit(0)


class _Producer:
    """Batches read and mapped by a second process, or by a thread when reading stdin,
    Record objects or an iterator (read as it yields, e.g. records being downloaded),
    which another process cannot share.

    The process is a fresh interpreter started with ``-c``, not ``multiprocessing``,
    whose spawn would re-run the caller's ``__main__``: a plain script calling
    ``kg.ingest`` must not need an ``if __name__ == "__main__"`` guard.
    """

    def __init__(self, sources: list[Any] | Iterator[Any], format: str, base_iri: str, batch_quads: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=3)
        self.process: subprocess.Popen[bytes] | None = None
        in_process = not sys.executable or isinstance(sources, Iterator) or any(
            s == "-" or not isinstance(s, (str, os.PathLike)) for s in sources
        )
        if in_process:
            self.worker = threading.Thread(target=_produce, args=(sources, format, base_iri, batch_quads, self.queue))
        else:
            command = [sys.executable, "-c", "from kg.ingest import _reading_process as main; main()"]
            # kg may be imported from a source tree rather than installed: the child finds it where we did.
            package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
            env = {**os.environ, "PYTHONPATH": path}
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            assert self.process.stdin is not None
            arguments = ([os.fspath(s) for s in sources], format, base_iri, batch_quads)
            pickle.dump(arguments, self.process.stdin)
            self.process.stdin.close()
            self.worker = threading.Thread(target=self._relay)
        self.worker.daemon = True
        # Garbage the caller left (say, query results caught in an exception's traceback) is
        # collected here: collected in the worker thread, a pyoxigraph object cannot be dropped
        # there and Python prints "Exception ignored ... unsendable".
        gc.collect()
        self.worker.start()

    def _relay(self) -> None:
        """Move the reading process's batches from its pipe to the queue, so that it reads ahead."""
        assert self.process is not None and self.process.stdout is not None
        while True:
            try:
                item = pickle.load(self.process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                code = self.process.wait()
                self.queue.put(RuntimeError(f"the reading process ended unexpectedly (exit code {code})"))
                return
            self.queue.put(item)
            if item is None or isinstance(item, BaseException):
                return

    def __iter__(self) -> Iterator[Batch]:
        while (batch := self.queue.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield batch

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            while self.worker.is_alive():  # let the relay see the end of the pipe
                try:
                    self.queue.get(timeout=0.1)
                except queue.Empty:
                    pass
        self.worker.join(5)


# ---------------------------------------------------------------- the writer


def ingest(kg: KnowledgeGraph, sources: Iterable[Any] | str | os.PathLike[str], *, format: str = "auto",
           progress: Callable[[IngestReport], None] | None = None, batch_quads: int = BATCH_QUADS) -> IngestReport:
    """Load ``sources`` into ``kg``: paths, directories, "-" (stdin), or Record/Deletion objects
    (one path alone will do).

    Returns an :class:`IngestReport`; bad input is reported there, never raised.
    ``progress`` is called with the report after each batch of about ``batch_quads``
    quads (each batch is written atomically with respect to crashes). An iterator
    (a generator) is consumed lazily, so its records are written as they come.

    An exception raised reading (by a generator of records, say) is raised here, after
    the records read before it are written, each whole: the exception itself when the
    reading ran in this process (iterators, objects and "-"), else a copy carrying the
    reading process's traceback in a note, or, should it not pickle, a RuntimeError
    with that traceback's text. An unknown ``format`` is a ValueError, a mapping for
    ``sources`` or anything else that is not a source a TypeError.
    """
    check_format(format)
    if isinstance(sources, Mapping):
        raise TypeError(f"cannot ingest a {type(sources).__name__}: give paths, '-', or Record and Deletion objects")
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]  # one path, not its characters
    if not isinstance(sources, Iterator):
        sources = list(sources)
        wrong = [s for s in sources if not isinstance(s, (str, os.PathLike, Record, Deletion, ParseError))]
        if wrong:
            raise TypeError(f"cannot ingest {wrong[0]!r}: give paths, '-', or Record and Deletion objects")
    started = time.monotonic()
    report = IngestReport()
    producer = _Producer(sources, format, kg.base_iri, batch_quads)
    try:
        for batch in producer:
            write_batch(kg, batch, report)
            report.seconds = time.monotonic() - started
            if progress is not None:
                progress(report)
    finally:
        producer.stop()
    finish(kg, report)
    report.current_file = None
    report.seconds = time.monotonic() - started
    return report


def finish(kg: KnowledgeGraph, report: IngestReport) -> None:
    """Make the writes durable, and compact the store after a large ingest."""
    kg.store.flush()
    if report.quads_added + report.quads_removed > max(_COMPACT_AFTER, len(kg.store) // 10):
        # Many bulk-loaded batches leave many small files behind; compacting them makes
        # every later lookup several times faster (joins on the bulk file: 5x).
        kg.store.optimize()


def write_batch(kg: KnowledgeGraph, batch: Batch, report: IngestReport) -> None:
    """Write one batch of mapped records and deletions (the five steps of the module docstring)."""
    report.records_read += batch.records_read
    report.files += batch.files_done
    report.current_file = batch.current_file
    report.skipped.extend(batch.errors)
    report.warnings.extend(batch.warnings)
    # The last word on each PMID in this batch wins, except an older version.
    final: dict[int, Put | Delete] = {}
    for item in batch.items:
        previous = final.get(item.pmid)
        if isinstance(item, Put) and isinstance(previous, Put):
            if item.version < previous.version:
                report.skipped.append((item.where, f"an older version: PMID {item.pmid} version {item.version}, "
                                                   f"after version {previous.version}"))
                continue
            # Superseded within the batch, before ever being written: a repeat of the same
            # record (a file given twice) leaves it unchanged.
            if item.digest == previous.digest:
                report.unchanged += 1
            else:
                report.replaced += 1
        final[item.pmid] = item
    stored = kg.index.records(final)
    puts: list[Put] = []
    removed: list[int] = []
    for pmid, item in final.items():
        old = stored.get(pmid)
        if isinstance(item, Delete):
            if old is None:
                report.deletions_absent += 1
            else:
                removed.append(pmid)
                report.deleted += 1
        elif old is not None and old.digest == item.digest:
            report.unchanged += 1
        elif old is not None and item.version < old.version:
            report.skipped.append((item.where, f"an older version: PMID {pmid} version {item.version}, the store "
                                               f"has version {old.version}"))
        else:
            puts.append(item)
            if old is None:
                report.added += 1
            else:
                report.replaced += 1
    if not puts and not removed:
        return
    replaced = [p.pmid for p in puts if p.pmid in stored]
    kg.index.begin_batch([*removed, *(p.pmid for p in puts)])
    delta, old = _forget_delta([stored[p] for p in (*removed, *replaced)])
    for p in puts:
        for h in p.hashes:
            delta[h] += 1
    plan = kg.index.plan(delta, batch.texts, old)
    report.quads_removed += _drop_graphs(kg, [*removed, *replaced])
    _remove_shared(kg, plan.gone)
    report.quads_removed += len(plan.gone)
    kg.index.commit(plan, ((p.pmid, p.version, p.digest, p.hashes, p.packed) for p in puts), removed)
    report.quads_added += _load(kg, puts, plan.added, report)
    kg.index.end_batch()


def _forget_delta(records: list[StoredRecord]) -> tuple[dict[int, int], dict[int, str]]:
    """Reference-count changes for taking ``records`` away, and the statements concerned."""
    delta: dict[int, int] = defaultdict(int)
    old: dict[int, str] = {}
    for rec in records:
        for h in rec.hashes:
            delta[h] -= 1
        old.update(rec.statements())
    return delta, old


def _drop_graphs(kg: KnowledgeGraph, pmids: list[int]) -> int:
    """Remove whole record graphs; returns the number of quads removed."""
    count = 0
    for pmid in pmids:
        graph = ox.NamedNode(kg.iris.graph(str(pmid)))
        count += sum(1 for _ in kg.store.quads_for_pattern(None, None, None, graph))
        kg.store.remove_graph(graph)
    return count


def _remove_shared(kg: KnowledgeGraph, statements: list[str], chunk: int = 5_000) -> None:
    """Delete shared-entity statements ("s p o" N-Triples) from the entities graph."""
    graph = kg.iris.entities_graph
    for i in range(0, len(statements), chunk):
        body = " .\n".join(statements[i : i + chunk])
        kg.store.update(f"DELETE DATA {{ GRAPH <{graph}> {{\n{body} .\n}} }}")


def _load(kg: KnowledgeGraph, puts: list[Put], shared: list[str], report: IngestReport) -> int:
    """Bulk-load record graphs and new shared statements; returns the number of quads loaded.

    Should a batch not parse (a mapping defect), records are loaded one by one so
    that only the faulty one is skipped.
    """
    g = f"<{kg.iris.entities_graph}>"
    entity_nquads = "".join(f"{t} {g} .\n" for t in shared).encode()
    data = b"".join(p.nquads for p in puts) + entity_nquads
    try:
        kg.store.bulk_load(data, ox.RdfFormat.N_QUADS, lenient=True)
    except SyntaxError:
        kg.store.bulk_load(entity_nquads, ox.RdfFormat.N_QUADS)
        for p in puts:
            try:
                kg.store.bulk_load(p.nquads, ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                report.skipped.append((p.where, f"PMID {p.pmid} produced invalid RDF: {exc}"))
                forget_records(kg, [p.pmid])
    return data.count(b"\n")


def forget_records(kg: KnowledgeGraph, pmids: list[int]) -> None:
    """Remove records completely: their graphs, their index entries and the shared
    statements only they made. Used to repair a store after an interrupted ingest."""
    stored = kg.index.records(pmids)
    _drop_graphs(kg, pmids)
    delta, old = _forget_delta(list(stored.values()))
    plan = kg.index.plan(delta, {}, old)
    _remove_shared(kg, plan.gone)
    kg.index.commit(plan, (), stored)
