"""Where the shipped files are: queries/, ontology/ and the example records.

In a wheel they are the packages ``kg.queries``, ``kg.ontology`` and
``kg.examples``; in a source checkout (or an editable install), queries/ and
ontology/ are read from the top of the repository, where they live.
"""

from __future__ import annotations

import importlib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["shipped"]


def shipped(name: str) -> Traversable:
    """The directory of shipped files ``name``: "queries", "ontology" or "examples"."""
    try:
        return resources.files(importlib.import_module(f"kg.{name}"))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name
