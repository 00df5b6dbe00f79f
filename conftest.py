"""The examples in kg's docstrings (run as doctests) make their scratch folders with
``tempfile.mkdtemp()``: under pytest they land in the test's own temporary directory,
removed when it passes, rather than piling up in /tmp."""

from __future__ import annotations

import tempfile

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_scratch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(request.node, DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
