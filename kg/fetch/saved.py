"""The searches a store was built from, remembered in its index so that ``kg update`` can repeat them.

Each entry is a query (with its publication-date bounds and ``--max``) or a list of
PMIDs, and ``last_run``: the day of the oldest download its records come from. An
update asks for what was modified since then.

>>> import tempfile, pathlib
>>> from kg.index import Index
>>> index = Index(pathlib.Path(tempfile.mkdtemp()) / "index.sqlite")
>>> remember(index, SavedSearch(query="asthma", last_run="2024-05-01"))
>>> remember(index, SavedSearch(query="asthma", last_run="2024-06-01"))
>>> [(s.query, s.last_run) for s in saved_searches(index)]
[('asthma', '2024-06-01')]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from kg.index import Index
from kg.wording import counted

__all__ = ["SavedSearch", "remember", "saved_searches"]

_KEY = "fetch.searches"


@dataclass
class SavedSearch:
    """One ``kg fetch``: ``query`` (with ``since``/``until``/``limit``) or ``pmids``."""

    query: str | None = None
    pmids: list[str] | None = None
    since: str | None = None
    until: str | None = None
    limit: int | None = None
    last_run: str = ""

    def same_as(self, other: SavedSearch) -> bool:
        return (self.query, self.pmids, self.since, self.until) == (other.query, other.pmids, other.since, other.until)

    def describe(self) -> str:
        if self.pmids is not None:
            return counted(len(self.pmids), "PMID")
        bounds = f", published {self.since or '...'} to {self.until or '...'}" if self.since or self.until else ""
        return f"{self.query!r}{bounds}" + (f", at most {self.limit:,}" if self.limit else "")


def saved_searches(index: Index) -> list[SavedSearch]:
    """The searches the store was built from (none for a store not built by ``kg fetch``)."""
    text = index.get_meta(_KEY)
    return [SavedSearch(**entry) for entry in json.loads(text)] if text else []


def remember(index: Index, search: SavedSearch) -> None:
    """Add ``search``, or replace the entry for the same search."""
    kept = [s for s in saved_searches(index) if not s.same_as(search)]
    index.set_meta(_KEY, json.dumps([asdict(s) for s in [*kept, search]]))
