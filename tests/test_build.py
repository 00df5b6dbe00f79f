"""kg build on a Dask LocalCluster: the same store as kg ingest, resumable, and robust to a lost worker."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from types import FrameType

import pyoxigraph as ox
import pytest
from helpers import BULK, DATA, SEED

from kg.build import build, ordered_inputs, read_edges
from kg.build.shards import map_file
from kg.mapping.iris import Iris
from kg.records import Deletion, Record
from kg.sources import read_records
from kg.store import KnowledgeGraph

FILES = [str(SEED), str(DATA / "xml/pair-7records.xml"), str(DATA / "medline/narchd.txt"),
         str(DATA / "xml/pubmr.xml"), str(DATA / "xml/ortho-search.xml")]


def _content(path: Path) -> tuple[set[str], dict[int, tuple[int, bytes]]]:
    """The store's quads and, per record, its version and digest."""
    with KnowledgeGraph.open(path) as kg:
        quads = set(kg.store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines())
        records = {p: (v, d) for p, v, d in kg.index.db.execute("SELECT pmid, version, digest FROM records")}
    return quads, records


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("build") / "ingested"
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest(ordered_inputs(FILES))
    return path


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with Client(local) as client:
            yield client


def test_build_gives_the_store_ingest_gives_and_a_rerun_does_nothing(tmp_path: Path, ingested: Path, cluster) -> None:
    out, store = str(tmp_path / "shards"), str(tmp_path / "built")
    started = time.monotonic()
    report = build(FILES, out, store=store, client=cluster)
    elapsed = time.monotonic() - started
    assert (report.files, report.mapped, report.applied, report.errors) == (5, 5, 5, [])
    # Applying overlaps mapping: the two reported phases must not count the same seconds twice.
    assert 0 < report.map_seconds and 0 < report.reduce_seconds
    assert report.map_seconds + report.reduce_seconds <= elapsed
    assert report.records == 1 + 7 + 473 + 93 + 292
    assert _content(Path(store)) == _content(ingested)
    again = build(FILES, out, store=store, client=cluster)
    assert (again.mapped, again.reused, again.applied, again.already_applied) == (0, 5, 0, 5)
    assert _content(Path(store)) == _content(ingested)


def test_the_shards_alone_load_into_any_store(tmp_path: Path, ingested: Path, cluster) -> None:
    out = tmp_path / "shards"
    report = build(FILES, str(out), load=False, client=cluster)
    assert report.load is None and report.mapped == 5
    loaded = ox.Store()
    for shard in sorted(out.glob("*.nq.gz")):
        loaded.bulk_load(gzip.decompress(shard.read_bytes()), format=ox.RdfFormat.N_QUADS)
    with KnowledgeGraph.open(ingested) as kg:
        assert set(loaded) == set(kg.store)


def test_a_worker_killed_mid_task_is_replaced_and_the_result_is_unchanged(tmp_path: Path, ingested: Path,
                                                                           cluster) -> None:
    pids = cluster.run(os.getpid)
    killed: list[int] = []

    def kill_one_while_mapping() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in cluster.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_while_mapping)
    killer.start()
    store = tmp_path / "built"
    report = build(FILES, str(tmp_path / "shards"), store=str(store), client=cluster)
    killer.join()
    assert killed and report.errors == [] and report.mapped == 5
    assert _content(store) == _content(ingested)
    cluster.wait_for_workers(2, timeout=60)


def test_an_interrupted_build_resumes(tmp_path: Path, ingested: Path) -> None:
    out, store = tmp_path / "shards", tmp_path / "built"
    command = [sys.executable, "-m", "kg.cli", "build", *FILES, "--out", str(out), "--store", str(store),
               "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.manifest.json"))) < 2:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(list(out.glob("*.manifest.json"))) < 5
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "already mapped" in done.stdout
    assert _content(store) == _content(ingested)


def test_corpus_wide_coauthor_edges_match_a_count_from_the_records(tmp_path: Path, cluster) -> None:
    files = [str(DATA / "xml/pubmedportable-pancreatic.xml"), str(DATA / "xml/pair-7records.xml"), str(SEED)]
    report = build(files, str(tmp_path / "shards"), load=False, edges=True, max_authors=10, client=cluster)
    graph = read_edges(report.edges)
    iris = Iris("https://example.org/kg/")
    expected: Counter = Counter()
    final: dict[str, Record] = {}
    for item in read_records(ordered_inputs(files)):
        if isinstance(item, Record):
            final[item.pmid] = item
        elif isinstance(item, Deletion):
            final.pop(item.pmid, None)
    for rec in final.values():
        people = sorted({iris.person(a) for a in rec.authors})
        if 1 < len(people) <= 10:
            expected.update(combinations(people, 2))
    got = {tuple(sorted((a, b))): d["papers"] for a, b, d in graph.edges(data=True)}
    assert got == dict(expected)
    assert graph.number_of_edges() > 1000


def _bookkeeping(path: Path) -> tuple[int, list, list]:
    """A store's size, its records' digests and its shared triples' counts: equal
    bookkeeping and size mean equal stores (the digests cover every record graph)."""
    with KnowledgeGraph.open(path) as kg:
        db = kg.index.db
        return (len(kg.store), db.execute("SELECT pmid, version, digest FROM records ORDER BY pmid").fetchall(),
                db.execute("SELECT hash, refs FROM entity ORDER BY hash").fetchall())


def test_the_update_file_builds_the_same_store_as_ingest(tmp_path: Path, request: pytest.FixtureRequest,
                                                        cluster) -> None:
    report = build([str(BULK)], str(tmp_path / "shards"), store=str(tmp_path / "built"), client=cluster)
    assert report.load.added == 20783 and report.load.deletions_absent == 20
    built = _bookkeeping(tmp_path / "built")
    # Each store of the file takes 1.3 GB: the ingested one is made only once the built one is gone.
    shutil.rmtree(tmp_path)
    assert built == _bookkeeping(request.getfixturevalue("bulk_store"))


def test_a_build_removes_the_temporaries_earlier_runs_left_and_only_those(tmp_path: Path, cluster) -> None:
    out = tmp_path / "shards"
    out.mkdir()
    stale = [".narchd.24546.nq.gz", ".narchd.24546.batches.gz", ".narchd.77.authors.parquet"]
    kept = [".narchd.nq.gz", ".narchd.24546.nq.gz.bak", ".pubmr.24546.nq.gz", "notes.txt"]  # not ours, or not these
    for name in stale + kept:
        (out / name).write_bytes(b"partial")
    report = build([str(DATA / "medline/narchd.txt")], str(out), load=False, client=cluster)
    assert report.mapped == 1 and report.errors == []
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == sorted(n for n in kept if n[0] == ".")


def test_an_interrupted_mapping_leaves_no_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "shards"
    seen: list[list[str]] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        while frame is not None:
            if frame.f_code.co_name in ("_gc_callback", "__del__"):
                # Python ignores an exception raised there (a Dask client of an earlier test leaves a
                # garbage-collector callback behind): interrupt a moment later instead.
                signal.setitimer(signal.ITIMER_REAL, 0.05)
                return
            frame = frame.f_back
        seen.append(sorted(p.name for p in out.iterdir()))
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.5)  # the bulk file takes far longer to map
    try:
        with pytest.raises(KeyboardInterrupt):
            map_file(str(BULK), str(out), "https://example.org/kg/")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert seen and any(n.endswith(".batches.gz") for n in seen[0])  # it was interrupted while writing
    assert list(out.iterdir()) == []


def test_ctrl_c_says_what_was_kept_in_one_line_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "shards"
    command = [sys.executable, "-m", "kg.cli", "build", str(BULK), str(DATA / "medline/narchd.txt"),
               "--out", str(out), "--no-load", "--workers", "1"]
    # A session of its own: the SIGINT goes to the whole group, workers included, as a terminal's ^C does.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob(".pubmed21n1298.*.batches.gz")):
        time.sleep(0.1)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == [f"interrupted: {len(list(out.glob('*.manifest.json')))} of 2 files kept as "
                                   f"complete shards in {out}; run the same command again to resume"]
    assert stdout == ""
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
