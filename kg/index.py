"""The store's bookkeeping beside Oxigraph: which records it holds and who states each shared triple.

Shared entities (persons, journals, MeSH terms, ...) are described once in
``kg:graph/entities`` however many records mention them (MAPPING.md, "every
triple stored once"). To remove a record exactly, so that the store equals one
built without it, every shared triple carries a reference count: the number of
records that state it. A triple whose count drops to zero is removed.

The index is a SQLite file in the store directory. Per record it keeps the
version, a content digest (an unchanged record is not rewritten), the hashes of
the shared triples it states and those statements themselves (compressed), so
that removing it knows what to take away. It also keeps the base IRI and the
PMIDs of a batch being written, so an interrupted ingest can be repaired when
the store is next opened.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Index", "Plan", "StoredRecord", "pack_statements", "triple_hash"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
    pmid INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    digest BLOB NOT NULL,
    hashes BLOB NOT NULL,     -- the hashes of the shared triples it states (sorted int64 array)
    statements BLOB NOT NULL  -- those triples as N-Triples lines, zlib-compressed
);
CREATE TABLE IF NOT EXISTS entity(hash INTEGER PRIMARY KEY, refs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending(pmid INTEGER PRIMARY KEY);
"""
_CHUNK = 900  # SQLite's host-parameter limit is 999 on older builds


def triple_hash(triple: str, _blake2b=hashlib.blake2b, _from_bytes=int.from_bytes) -> int:
    """A stable signed 64-bit hash of an N-Triples statement."""
    return _from_bytes(_blake2b(triple.encode(), digest_size=8).digest(), "little", signed=True)


def pack_statements(statements: list[str]) -> bytes:
    return zlib.compress("\n".join(statements).encode(), 1)


@dataclass(slots=True, frozen=True)
class StoredRecord:
    pmid: int
    version: int
    digest: bytes
    hashes: array
    packed: bytes

    @classmethod
    def from_row(cls, row: tuple) -> StoredRecord:
        hashes = array("q")
        hashes.frombytes(row[3])
        return cls(row[0], row[1], row[2], hashes, row[4])

    def statements(self) -> dict[int, str]:
        """The shared triples this record states, by hash."""
        text = zlib.decompress(self.packed).decode()
        return {triple_hash(s): s for s in text.split("\n")} if text else {}


@dataclass(slots=True)
class Plan:
    """The reference-count changes of one batch, and the statements they add and remove."""

    added: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    gone_hashes: list[int] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)  # (hash, new count)


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Index:
    """The SQLite bookkeeping of one store (see the module docstring)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        if read_only:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            try:
                self.db.execute("SELECT COUNT(*) FROM meta")
            except sqlite3.OperationalError:
                # Reading a WAL database needs its -shm file; where that cannot be created
                # (read-only media, someone else's store), nobody can be writing: read it as is.
                self.db.close()
                self.db = sqlite3.connect(f"file:{path}?immutable=1", uri=True, isolation_level=None)
        else:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # A batch changes counts all over the table (the keys are hashes), so each commit
            # writes most pages to the WAL; copying them back into the database after every
            # few batches (the default: 1,000 pages) doubles that work.
            self.db.execute("PRAGMA wal_autocheckpoint=20000")
            self.db.executescript(_SCHEMA)
        # The reference counts are looked up at random: keep them in memory.
        self.db.execute("PRAGMA cache_size=-262144")

    def close(self) -> None:
        self.db.close()

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- records
    def records(self, pmids: Iterable[int]) -> dict[int, StoredRecord]:
        """The stored state of those of ``pmids`` that the store holds."""
        found: dict[int, StoredRecord] = {}
        for chunk in _chunks(list(pmids)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT pmid, version, digest, hashes, statements FROM records WHERE pmid IN ({marks})"
            for row in self.db.execute(sql, chunk):
                found[row[0]] = StoredRecord.from_row(row)
        return found

    def record_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    # -- pending batches (crash safety)
    def begin_batch(self, pmids: Iterable[int]) -> None:
        """Mark records as being rewritten; committed before Oxigraph is touched."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR IGNORE INTO pending(pmid) VALUES (?)", ((p,) for p in pmids))
        self.db.execute("COMMIT")

    def pending(self) -> list[int]:
        return [p for (p,) in self.db.execute("SELECT pmid FROM pending")]

    def end_batch(self) -> None:
        """The batch is fully written: clear the pending marks."""
        self.db.execute("DELETE FROM pending")

    # -- applying a batch
    def plan(self, delta: dict[int, int], new: dict[int, str], old: dict[int, str]) -> Plan:
        """How the reference counts change by ``delta`` (no writes yet).

        ``new`` and ``old`` give the statements of the hashes the batch adds and
        takes away: a statement no record stated before is added to Oxigraph, one
        no record states any more is removed.
        """
        changed = sorted(h for h, d in delta.items() if d)  # looked up in key order: fewer pages visited
        existing: dict[int, int] = {}
        for chunk in _chunks(changed):
            marks = ",".join("?" * len(chunk))
            existing.update(self.db.execute(f"SELECT hash, refs FROM entity WHERE hash IN ({marks})", chunk))
        plan = Plan()
        for h in changed:
            before = existing.get(h, 0)
            after = before + delta[h]
            if after > 0:
                if before <= 0:
                    plan.added.append(new[h])
                plan.counts.append((h, after))
            elif before > 0:
                plan.gone_hashes.append(h)
                plan.gone.append(old[h])
        return plan

    def commit(self, plan: Plan, put: Iterable[tuple[int, int, bytes, array, bytes]], removed: Iterable[int]) -> None:
        """Record a batch as written: new counts, records now present (pmid, version,
        digest, hashes, packed statements) and records gone; one transaction (the
        pending marks stay)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO entity(hash, refs) VALUES (?, ?)", sorted(plan.counts))
            self.db.executemany("DELETE FROM entity WHERE hash = ?", ((h,) for h in plan.gone_hashes))
            self.db.executemany(
                "INSERT OR REPLACE INTO records(pmid, version, digest, hashes, statements) VALUES (?, ?, ?, ?, ?)",
                ((p, v, d, h.tobytes(), s) for p, v, d, h, s in put),
            )
            self.db.executemany("DELETE FROM records WHERE pmid = ?", ((p,) for p in removed))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def entity_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
