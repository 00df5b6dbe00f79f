"""The map step of ``kg build``: one input file into a shard, on whichever Dask worker runs it.

For an input ``NAME`` the shard is four files in the output folder (any fsspec URL):

* ``NAME.nq.gz``: the file's quads, gzip N-Quads: its record graphs and the shared
  entities they describe (each once), loadable as they are into any RDF store;
* ``NAME.batches.gz``: the same records as the batches ``kg ingest`` writes (pickled),
  so that loading them into an Oxigraph store goes through the very code ingest uses;
* ``NAME.authors.parquet``: one row per authorship (pmid, rank, person, year, order),
  for corpus-wide co-authorship edges (:mod:`kg.build.edges`);
* ``NAME.manifest.json``: written last; counts, errors, and what the input was. A shard
  whose manifest matches its input is complete and is skipped by a rerun.

While a file is mapped its shard is written as hidden temporaries ``.NAME.PID.EXT``
(PID: the worker process's id), renamed when complete; a failed mapping removes them,
and :func:`remove_temporaries` removes those a killed worker or an interrupt left.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fsspec

from kg.ingest import BATCH_QUADS, Batch, Delete, Put, mapped_batches

__all__ = ["Manifest", "is_current", "map_file", "read_batches", "remove_temporaries", "shard_name"]

_HELD_BY = "<http://purl.org/spar/pro/isHeldBy>"
_YEAR = "<http://purl.org/spar/fabio/hasPublicationYear>"
_AUTHORSHIP = re.compile(r"^<(.+)/br/pmid/(\d+)/ar/(\d+)> ")
_YEAR_VALUE = re.compile(r'"(\d{4})"')
_PARTS = ("nq.gz", "batches.gz", "authors.parquet")  # the shard files written as temporaries first
_TEMPORARY = re.compile(r"^\.(.+)\.\d+\.(?:nq\.gz|batches\.gz|authors\.parquet)$")


@dataclass
class Manifest:
    """What a shard holds; ``input_size``/``input_mtime`` tell whether it is still current."""

    input: str
    name: str
    input_size: int
    input_mtime: float
    records: int
    deletions: int
    quads: int
    errors: list[tuple[str, str]]
    warnings: int
    seconds: float
    shard_bytes: int

    @classmethod
    def read(cls, out: str, name: str) -> Manifest | None:
        fs, path = fsspec.core.url_to_fs(f"{out}/{name}.manifest.json")
        if not fs.exists(path):
            return None
        with fs.open(path, "r") as f:
            data = json.load(f)
        data["errors"] = [tuple(e) for e in data["errors"]]
        return cls(**data)


def shard_name(path: str) -> str:
    """The shard name of an input: its file name without .gz/.xml/.txt/.nbib."""
    name = os.path.basename(path)
    for ext in (".gz", ".xml", ".txt", ".nbib", ".medline"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def is_current(manifest: Manifest | None, path: str) -> bool:
    if manifest is None:
        return False
    stat = os.stat(path)
    return manifest.input_size == stat.st_size and abs(manifest.input_mtime - stat.st_mtime) < 1e-3


def map_file(path: str, out: str, base_iri: str, format: str = "auto") -> dict[str, Any]:
    """Read and map one input file into its shard in ``out``; returns the manifest as a dict.

    Runs on a Dask worker: everything it needs is in its arguments, and the files it
    writes appear under their final names only when complete.
    """
    import time

    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.monotonic()
    name = shard_name(path)
    fs, root = fsspec.core.url_to_fs(out)
    fs.makedirs(root, exist_ok=True)
    entities = f"<{base_iri}graph/entities>"
    seen: set[int] = set()
    rows: dict[str, list] = {"pmid": [], "rank": [], "person": [], "year": [], "order": []}
    records = deletions = quads = warnings = 0
    errors: list[tuple[str, str]] = []
    order = 0
    tmp = f"{root}/.{name}.{os.getpid()}"
    try:
        with fs.open(f"{tmp}.nq.gz", "wb") as raw_nq, fs.open(f"{tmp}.batches.gz", "wb") as raw_batches:
            with gzip.GzipFile(fileobj=raw_nq, mode="wb", compresslevel=1) as nq, \
                    gzip.GzipFile(fileobj=raw_batches, mode="wb", compresslevel=1) as batches:
                for batch in mapped_batches([path], format, base_iri, BATCH_QUADS):
                    pickle.dump(batch, batches, protocol=pickle.HIGHEST_PROTOCOL)
                    errors.extend(batch.errors)
                    warnings += len(batch.warnings)
                    for item in batch.items:
                        order += 1
                        if isinstance(item, Delete):
                            deletions += 1
                            _add_row(rows, item.pmid, 0, "", None, order)  # a tombstone: the record is gone
                            continue
                        records += 1
                        nq.write(item.nquads)
                        quads += item.nquads.count(b"\n")
                        _authorships(item, order, rows)
                    fresh = [(h, t) for h, t in batch.texts.items() if h not in seen]
                    seen.update(h for h, _ in fresh)
                    nq.write("".join(f"{t} {entities} .\n" for _, t in fresh).encode())
                    quads += len(fresh)
        with fs.open(f"{tmp}.authors.parquet", "wb") as f:
            pq.write_table(pa.table(rows, schema=pa.schema([("pmid", pa.int64()), ("rank", pa.int32()),
                                                            ("person", pa.string()), ("year", pa.int32()),
                                                            ("order", pa.int64())])), f)
        for ext in _PARTS:
            fs.mv(f"{tmp}.{ext}", f"{root}/{name}.{ext}")
    except BaseException:
        # Half-written temporaries are never valid: leave nothing behind (a rerun maps the file anew).
        for ext in _PARTS:
            if fs.exists(f"{tmp}.{ext}"):
                fs.rm(f"{tmp}.{ext}")
        raise
    stat = os.stat(path)
    manifest = Manifest(path, name, stat.st_size, stat.st_mtime, records, deletions, quads, errors, warnings,
                        time.monotonic() - started, fs.size(f"{root}/{name}.nq.gz"))
    with fs.open(f"{root}/{name}.manifest.json", "w") as f:
        json.dump(manifest.__dict__, f)
    return manifest.__dict__


def remove_temporaries(out: str, names: set[str]) -> int:
    """Remove the temporaries of the shards ``names`` from ``out`` (left by a killed worker or
    an interrupted build; never valid, as a complete shard has been renamed); returns how many."""
    fs, root = fsspec.core.url_to_fs(out)
    if not fs.exists(root):
        return 0
    stale = [path for path in fs.ls(root, detail=False)
             if (m := _TEMPORARY.match(os.path.basename(path))) and m.group(1) in names]
    for path in stale:
        fs.rm(path)
    return len(stale)


def _authorships(item: Put, order: int, rows: dict[str, list]) -> None:
    """The authorships of one mapped record, from its N-Quads (who holds /ar/k, and the year)."""
    year = None
    held: list[tuple[int, str]] = []
    for line in item.nquads.decode().splitlines():
        if _HELD_BY in line:
            m = _AUTHORSHIP.match(line)
            if m:
                person = line.split(_HELD_BY, 1)[1].strip().split(" ", 1)[0][1:-1]
                held.append((int(m.group(3)), person))
        elif _YEAR in line:
            found = _YEAR_VALUE.search(line)
            year = int(found.group(1)) if found else None
    for rank, person in held:
        _add_row(rows, item.pmid, rank, person, year, order)


def _add_row(rows: dict[str, list], pmid: int, rank: int, person: str, year: int | None, order: int) -> None:
    for column, value in (("pmid", pmid), ("rank", rank), ("person", person), ("year", year), ("order", order)):
        rows[column].append(value)


def read_batches(out: str, name: str) -> Iterator[Batch]:
    """The batches of a shard, in order."""
    fs, root = fsspec.core.url_to_fs(out)
    with fs.open(f"{root}/{name}.batches.gz", "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return
