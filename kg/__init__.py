"""kg: PubMed/MEDLINE records as a linked-data knowledge graph.

The commands of ``kg`` are a thin layer over this API. The names most used are
importable from the package itself:

>>> from kg import KnowledgeGraph, read_records
>>> [(r.pmid, len(r.authors)) for r in read_records("tests/data/seed")]
[('24649313', 7)]

``KnowledgeGraph.open(path, writable=True)`` opens (or makes) a store to ingest,
query and export; see :mod:`kg.store`. Each topic has its module: :mod:`kg.sources`
(reading files), :mod:`kg.records` (the record model), :mod:`kg.mapping` (records
to RDF), :mod:`kg.query`, :mod:`kg.export`, :mod:`kg.profiles`, :mod:`kg.network`,
:mod:`kg.server`, :mod:`kg.fetch` and :mod:`kg.build`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Deletion", "KnowledgeGraph", "ParseError", "Record", "StoreError", "read_file", "read_records"]

# Imported when first used, so that `import kg.sources` in a reader or Dask worker does not
# load the store and its dependencies.
_HOMES = {"KnowledgeGraph": "kg.store", "StoreError": "kg.store", "read_records": "kg.sources",
          "read_file": "kg.sources", "Record": "kg.records", "Deletion": "kg.records", "ParseError": "kg.records"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
