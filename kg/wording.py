"""Wording shared by messages, summaries and pictures.

Kept apart from :mod:`kg.clitools` so that the API's modules (networks, fetch) can word their
own text without depending on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["counted", "listed", "no_format"]


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


def no_format(name: str, extensions: Iterable[str], *, gz: bool = True, option: str | None = "--format") -> str:
    """Why a file ``name`` tells no format: the ``extensions`` that do (and .gz after them when
    ``gz``), and the ``option`` that names a format instead.

    >>> no_format("a.foo", [".csv", ".json"], option="format=")
    "cannot tell the format from 'a.foo': the file name must end in .csv or .json (and .gz after it to compress); \
or give format="
    """
    return (f"cannot tell the format from {name!r}: the file name must end in {listed(list(extensions), 'or')}"
            f"{' (and .gz after it to compress)' if gz else ''}{f'; or give {option}' if option else ''}")
