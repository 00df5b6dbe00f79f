"""Wording shared by messages, summaries and pictures.

Kept apart from :mod:`kg.clitools` so that the API's modules (networks, fetch) can word their
own text without depending on the command line.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["counted", "listed"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1.

    >>> counted(1, "PMID"), counted(2000, "PMID"), counted(3, "batch", "batches")
    ('1 PMID', '2,000 PMIDs', '3 batches')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def listed(words: Sequence[str], last: str = "and") -> str:
    """Words in a sentence: "a", "a and b", "a, b and c" (or with ``last`` "or": "a, b or c").

    >>> listed(["a"]), listed([".png", ".svg"], "or"), listed(["x", "y", "z"])
    ('a', '.png or .svg', 'x, y and z')
    """
    return f" {last} ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
