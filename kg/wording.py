"""Wording shared by messages, summaries and pictures.

Kept apart from :mod:`kg.clitools` so that the API's modules (networks, fetch) can word their
own text without depending on the command line.
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1.

    >>> counted(1, "PMID"), counted(2000, "PMID"), counted(3, "batch", "batches")
    ('1 PMID', '2,000 PMIDs', '3 batches')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
