"""Output files that appear only when complete.

Every command that writes a file (query results, exports, reports, networks)
writes it through :func:`open_output`: the data goes to a hidden temporary file
beside the target, which replaces the target only when writing succeeded. A
failed or interrupted command therefore never leaves a truncated file, and
never empties a file that was there before.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "kept.txt")
>>> with open_output(path) as out:
...     _ = out.write(b"first\\n")
>>> try:
...     with open_output(path) as out:
...         _ = out.write(b"half")
...         raise RuntimeError("the command failed")
... except RuntimeError:
...     pass
>>> open(path).read()
'first\\n'
"""

from __future__ import annotations

import errno
import gzip
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["extension", "open_output", "uncompressed", "unwritable"]

_UMASK = os.umask(0o022)  # read once, at import: os.umask can only be read by setting it
os.umask(_UMASK)


def uncompressed(path: str) -> str:
    """``path`` without a final ``.gz`` (any case): the name whose extension tells the format."""
    return path[:-3] if path.lower().endswith(".gz") else path


def extension(path: str) -> str:
    """The extension that tells a file's format, in lower case: the one before a final ``.gz``.

    >>> extension("Results.CSV.gz"), extension("graph.ttl"), extension("-")
    ('.csv', '.ttl', '')
    """
    return Path(uncompressed(path)).suffix.lower()


def unwritable(path: str | os.PathLike[str]) -> str | None:
    """Why :func:`open_output` could not write ``path`` (its folder missing or not writable), as
    its error would say it; None if it could. For a check before long work.

    >>> unwritable("/nonexistent/folder/out.csv")
    '/nonexistent/folder/out.csv: cannot write there: No such file or directory'
    """
    folder = os.path.dirname(os.path.abspath(path))
    for broken, code in ((not os.path.isdir(folder), errno.ENOENT), (not os.access(folder, os.W_OK), errno.EACCES)):
        if broken:
            return f"{os.fspath(path)}: cannot write there: {os.strerror(code)}"
    return None


@contextmanager
def open_output(path: str | os.PathLike[str], *, compress: bool | None = None) -> Iterator[IO[bytes]]:
    """A binary stream writing ``path`` ("-": standard output), renamed into place on success.

    A name ending in ``.gz`` (any case) is gzip-compressed unless ``compress`` says otherwise.
    An :class:`OSError` (missing folder, no permission) names ``path``, not the
    temporary file.
    """
    target = os.fspath(path)
    if target == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write there: {exc.strerror}", target) from None
    try:
        with os.fdopen(fd, "wb") as raw:
            if compress if compress is not None else uncompressed(target) != target:
                # Level 6: nearly level 9's size at twice its speed, for multi-gigabyte dumps.
                with gzip.GzipFile(os.path.basename(uncompressed(target)), "wb", 6, raw) as zipped:
                    yield zipped
            else:
                yield raw
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes it private; a plain open would not
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
