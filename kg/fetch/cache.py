"""The fetch cache: EFetch answers kept as files, so a fetch resumes, and repeats without downloading.

A cache is a directory (by default ``fetch-cache/`` in the store, or ``--save-xml DIR``)::

    DIR/batches.sqlite                  the file holding each PMID, and the day it was downloaded
    DIR/36912345-1f0c9a7e22b4.xml.gz    one EFetch answer as NCBI sent it (gzip), named by its ids

A batch file is written whole under a temporary name and renamed before the index
names it, so a fetch killed at any moment leaves only complete files behind. The
files are PubMed XML: ``kg ingest DIR`` reads them too. When a record is downloaded
again (``--refresh``, ``kg update``) the index points at the new file, and a file
whose records have all been downloaded again is deleted.

>>> import tempfile
>>> cache = BatchCache(tempfile.mkdtemp())
>>> xml = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID></MedlineCitation>"
...        b"</PubmedArticle></PubmedArticleSet>")
>>> cache.missing(["7", "8"])
['7', '8']
>>> _ = cache.save(["7", "8"], xml)
>>> cache.missing(["7", "8"]), [r.pmid for r in cache.read(["7", "8"])]
([], ['7'])
>>> cache.close()
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.records import Deletion, ParseError, Record
from kg.sources import read_file

__all__ = ["BatchCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pmid(
    pmid INTEGER PRIMARY KEY,
    file TEXT NOT NULL,      -- the batch file (in the cache directory) with its latest copy
    fetched TEXT NOT NULL    -- the day that file was downloaded (UTC, ISO 8601)
);
CREATE INDEX IF NOT EXISTS pmid_file ON pmid(file);
"""
_CHUNK = 900  # SQLite's host-parameter limit is 999 on older builds


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class BatchCache:
    """The batch files in ``directory`` (created if needed) and their index."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Made here, used by the thread that fetches: one thread at a time.
        self.db = sqlite3.connect(self.directory / "batches.sqlite", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        self._present: dict[str, bool] = {}

    def close(self) -> None:
        self.db.close()

    def _rows(self, pmids: Iterable[str]) -> list[tuple[int, str, str]]:
        rows: list[tuple[int, str, str]] = []
        for chunk in _chunks([int(p) for p in pmids]):
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(f"SELECT pmid, file, fetched FROM pmid WHERE pmid IN ({marks})", chunk).fetchall()
        return [row for row in rows if self._exists(row[1])]

    def _exists(self, name: str) -> bool:
        if name not in self._present:
            self._present[name] = (self.directory / name).is_file()
        return self._present[name]

    def missing(self, pmids: list[str]) -> list[str]:
        """Those of ``pmids`` that no batch file holds, in their order."""
        held = {row[0] for row in self._rows(pmids)}
        return [p for p in pmids if int(p) not in held]

    def fetched_on(self, pmids: list[str]) -> dt.date | None:
        """The day the oldest of the files holding ``pmids`` was downloaded."""
        days = [row[2] for row in self._rows(pmids)]
        return dt.date.fromisoformat(min(days)) if days else None

    def read(self, pmids: list[str]) -> Iterator[Record | Deletion | ParseError]:
        """The records of ``pmids`` from the files holding their latest copies
        (a PMID asked for but absent from NCBI's answer yields nothing)."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for pmid, name, _ in self._rows(pmids):
            wanted[name].add(str(pmid))
        for name, chosen in wanted.items():
            for item in read_file(str(self.directory / name)):
                if item.pmid is None or item.pmid in chosen:
                    yield item

    def save(self, pmids: list[str], xml: bytes) -> Path:
        """Keep an EFetch answer for ``pmids``; returns its file."""
        digest = hashlib.blake2b(",".join(sorted(pmids)).encode(), digest_size=6).hexdigest()
        name = f"{pmids[0]}-{digest}.xml.gz"
        path = self.directory / name
        partial = path.with_name(f".{name}.partial")
        with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5, mtime=0) as out:
            out.write(xml)
        os.replace(partial, path)
        self._present[name] = True
        today = dt.datetime.now(dt.UTC).date().isoformat()
        before = {row[1] for row in self._rows(pmids)} - {name}
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR REPLACE INTO pmid(pmid, file, fetched) VALUES (?, ?, ?)",
                            ((int(p), name, today) for p in pmids))
        self.db.execute("COMMIT")
        for old in before:  # superseded whole: nothing points at it any more
            if self.db.execute("SELECT 1 FROM pmid WHERE file = ? LIMIT 1", (old,)).fetchone() is None:
                (self.directory / old).unlink(missing_ok=True)
                self._present[old] = False
        return path
