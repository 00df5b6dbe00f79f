"""MeSH publication types by name, so that MEDLINE text (PT names only) and PubMed XML (names
and UIs) give a record the same ``mesh:{UI}`` node (mapping-notes §5.11).

>>> known(PublicationType("JOURNAL ARTICLE"))
PublicationType(name='Journal Article', ui='D016428')
>>> known(PublicationType("Consensus Development Conference"))
PublicationType(name='Consensus Development Conference', ui=None)
"""

from __future__ import annotations

import functools
from importlib import resources

from kg.records import PublicationType

__all__ = ["known", "table"]


@functools.cache
def table() -> dict[str, PublicationType]:
    """The shipped name -> UI table (publication-types.tsv), keyed by case-folded name."""
    text = (resources.files(__package__) / "publication-types.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {name.casefold(): PublicationType(name, ui) for ui, name in rows}


def known(pt: PublicationType) -> PublicationType:
    """``pt`` with MeSH's name and UI when the table has its name in any case ("JOURNAL ARTICLE");
    a publication type that has a UI already, or that the table lacks, as given."""
    if pt.ui:
        return pt
    return table().get(pt.name.casefold(), pt)
