"""Killed at random moments, kg ingest and kg build leave a store that opens, holds only
complete records, and is completed by a rerun; concurrent use is refused clearly."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import DATA, SEED

from kg.store import KnowledgeGraph

SOURCES = [str(DATA / f) for f in ("xml/pubmr.xml", "xml/pubmedportable-pancreatic.xml", "xml/efetch-single",
                                   "medline/narchd.txt", "medline/pair-7records.txt")]
_INGEST = """
import sys
from kg.store import KnowledgeGraph
with KnowledgeGraph.open(sys.argv[1], writable=True) as kg:
    kg.ingest(sys.argv[2:], batch_quads=3000)
"""


def _graphs(path: Path) -> dict[str, set[str]]:
    graphs: dict[str, set[str]] = {}
    with KnowledgeGraph.open(path) as kg:
        for line in kg.store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines():
            graphs.setdefault(line[line.rindex("<") + 1 : line.rindex(">")], set()).add(line)
    return graphs


def _check_consistent(path: Path, reference: dict[str, set[str]]) -> int:
    """The store opens; each record present equals its reference graph; the shared graph
    holds exactly what the present records state. Returns the number of records."""
    with KnowledgeGraph.open(path) as kg:  # opening repairs a half-written batch
        pmids = [p for (p,) in kg.index.db.execute("SELECT pmid FROM records")]
        stated = {f"{t} <{kg.iris.entities_graph}> ." for rec in kg.index.records(pmids).values()
                  for t in rec.statements().values()}
        entities = kg.iris.entities_graph
    graphs = _graphs(path)
    records = {g for g in graphs if "/graph/pmid/" in g}
    assert len(records) == len(pmids)
    for graph in records:
        assert graphs[graph] == reference[graph], graph
    assert graphs.get(entities, set()) == stated
    return len(pmids)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    path = tmp_path_factory.mktemp("crash") / "reference"
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest(SOURCES)
    return _graphs(path)


def _kill_after(command: list[str], seconds: float) -> bool:
    """Run ``command``, SIGKILL it (and its children) after ``seconds``; True if it was killed."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(seconds)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _kill_at_random_moments(command: list[str], store: Path, outputs: list[Path], reference: dict[str, set[str]],
                            kills: int, seed: int) -> int:
    """Time one whole run of ``command``, then run it ``kills`` times, each killed at a random
    moment of that span, checking the store after each; a run that finishes starts the next
    from scratch. Returns how many runs were killed, with the store left half-written."""
    started = time.monotonic()
    assert subprocess.run(command, capture_output=True).returncode == 0
    span = time.monotonic() - started
    assert _graphs(store) == reference
    rng = random.Random(seed)
    killed = 0
    for path in outputs:
        shutil.rmtree(path)
    for _ in range(kills):
        if _kill_after(command, rng.uniform(0.1, 0.95) * span):
            killed += 1
        else:
            for path in outputs:
                shutil.rmtree(path)
        if (store / "index.sqlite").exists():
            _check_consistent(store, reference)
    return killed


def test_ingest_killed_at_20_random_moments(tmp_path: Path, reference: dict[str, set[str]]) -> None:
    store = tmp_path / "store"
    command = [sys.executable, "-c", _INGEST, str(store), *SOURCES]
    assert _kill_at_random_moments(command, store, [store], reference, kills=20, seed=20) >= 10
    with KnowledgeGraph.open(store, writable=True) as kg:
        kg.ingest(SOURCES)
    assert _graphs(store) == reference


def test_build_killed_at_random_moments(tmp_path: Path, reference: dict[str, set[str]]) -> None:
    store, out = tmp_path / "store", tmp_path / "shards"
    command = [sys.executable, "-m", "kg.cli", "build", *SOURCES, "--out", str(out), "--store", str(store),
               "--workers", "2"]
    assert _kill_at_random_moments(command, store, [store, out], reference, kills=6, seed=8) >= 3
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert _graphs(store) == reference


def test_a_second_ingest_is_refused_while_one_runs(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = subprocess.Popen([sys.executable, "-c", _INGEST, str(path), *SOURCES],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (path / "index.sqlite").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(SEED), "--store", str(path)],
                                capture_output=True, text=True)
    finally:
        first.wait(120)
    assert second.returncode == 1
    assert "is in use by another process" in second.stderr and "Traceback" not in second.stderr


def test_ingest_is_refused_while_the_store_is_served(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest([str(SEED)])
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(path), "--port", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        server.stderr.readline()  # "serving ..." once the store is open
        refused = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(DATA / "xml/pair-7records.xml"),
                                  "--store", str(path)], capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(15)
    assert refused.returncode == 1 and "is in use by another process" in refused.stderr
    with KnowledgeGraph.open(path, writable=True) as kg:  # free again once the server is gone
        assert kg.ingest([str(DATA / "xml/pair-7records.xml")]).added == 7
