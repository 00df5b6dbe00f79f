"""kg: PubMed/MEDLINE records as a linked-data knowledge graph.

The commands of ``kg`` are a thin layer over this API. The names most used are
importable from the package itself:

>>> from kg import KnowledgeGraph, read_records
>>> from kg.resources import shipped
>>> seed = str(shipped("examples") / "seed-24649313.txt")  # the bundled example record
>>> [(r.pmid, len(r.authors)) for r in read_records(seed)]
[('24649313', 7)]

``KnowledgeGraph.open(path, writable=True)`` opens (or makes) a store to ingest,
query and export; see :mod:`kg.store`:

>>> import tempfile
>>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/kg-store", writable=True) as kg:
...     report = kg.ingest([seed])
...     rows = kg.select("SELECT ?t WHERE { ?a fabio:hasPubMedId ?id ; dcterms:title ?t }",
...                      params={"id": "24649313"})
>>> report.added, rows[0]["t"][:28]
(1, 'Sorafenib in metastatic radi')

Each topic has its module: :mod:`kg.sources` (reading files), :mod:`kg.records` (the
record model), :mod:`kg.mapping` (records to RDF), :mod:`kg.query`, :mod:`kg.export`,
:mod:`kg.profiles`, :mod:`kg.network`, :mod:`kg.server`, :mod:`kg.fetch` and :mod:`kg.build`;
:func:`kg.resources.shipped` finds the bundled example records.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time the names are imported on first use (below)
    from kg.records import Deletion, ParseError, Record
    from kg.sources import read_file, read_records
    from kg.store import KnowledgeGraph, StoreError

__all__ = ["Deletion", "KnowledgeGraph", "ParseError", "Record", "StoreError", "read_file", "read_records"]

# Imported when first used, so that `import kg.sources` in a reader or Dask worker does not
# load the store and its dependencies.
_HOMES = {"KnowledgeGraph": "kg.store", "StoreError": "kg.store", "read_records": "kg.sources",
          "read_file": "kg.sources", "Record": "kg.records", "Deletion": "kg.records", "ParseError": "kg.records"}


def __getattr__(name: str) -> Any:
    """One of the names of ``__all__``, imported from its module on first use."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names with the lazily imported ones."""
    return sorted([*globals(), *__all__])
