"""Shared fixtures: the real PubMed files in tests/data and stores built from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BULK, GOOD_DIRS

from kg.records import Deletion, Record
from kg.sources import read_records
from kg.store import KnowledgeGraph


@pytest.fixture(scope="session")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every good test file (built once per session, then read-only)."""
    path = tmp_path_factory.mktemp("stores") / "full"
    with KnowledgeGraph.open(path, writable=True) as kg:
        report = kg.ingest([str(d) for d in GOOD_DIRS])
    assert not report.skipped, report.skipped
    return path


@pytest.fixture(scope="session")
def records() -> dict[str, Record]:
    """The records the full store holds, read straight from the files: the last one read for each PMID."""
    final: dict[str, Record] = {}
    for item in read_records(GOOD_DIRS):
        if isinstance(item, Record):
            final[item.pmid] = item
        elif isinstance(item, Deletion):
            final.pop(item.pmid, None)
    return final


@pytest.fixture(scope="session")
def bulk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the 20,788-record daily update file."""
    path = tmp_path_factory.mktemp("stores") / "bulk"
    with KnowledgeGraph.open(path, writable=True) as kg:
        kg.ingest([str(BULK)])
    return path


@pytest.fixture
def kg(full_store: Path):
    with KnowledgeGraph.open(full_store) as graph:
        yield graph
