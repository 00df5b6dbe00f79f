"""Reading the small text files users write for kg: SPARQL queries (.rq) and merge files.

A file that is not UTF-8 is refused with its name, line and column, not read as
something else: a query or a name read with the wrong encoding would quietly match nothing.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "q.rq"
>>> _ = path.write_bytes(b"SELECT * WHERE {\\n  ?a ?b 'caf\\xe9' }\\n")
>>> read_utf8(path)
Traceback (most recent call last):
...
kg.textfiles.NotUTF8Error: ...q.rq:2:13: not UTF-8 (byte 0xe9): save the file as UTF-8
"""

from __future__ import annotations

import os
import sys

__all__ = ["NotUTF8Error", "read_utf8"]


class NotUTF8Error(ValueError):
    """A text file that is not UTF-8."""


def read_utf8(path: str | os.PathLike[str]) -> str:
    """The text of ``path`` ("-": standard input; a leading byte-order mark dropped); OSError
    when it cannot be read."""
    if os.fspath(path) == "-":
        data, path = sys.stdin.buffer.read(), "<stdin>"
    else:
        with open(path, "rb") as handle:
            data = handle.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NotUTF8Error(f"{os.fspath(path)}:{line}:{column}: not UTF-8 (byte 0x{data[exc.start]:02x}): "
                           "save the file as UTF-8") from None
