"""Output files that appear only when complete.

Every command that writes a file (query results, exports, reports, networks)
writes it through :func:`open_output`: the data goes to a hidden temporary file
beside the target, which replaces the target only when writing succeeded. A
failed or interrupted command therefore never leaves a truncated file, and
never empties a file that was there before. A symbolic link keeps pointing to the
file it names, which is the one replaced; a FIFO or a device (``/dev/stdout``)
is written as it is.

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
    folder = os.path.dirname(os.path.realpath(path))
    if _not_a_file(os.fspath(path)):
        code = errno.EACCES if not os.access(path, os.W_OK) else 0
    elif not os.path.isdir(folder):
        code = errno.ENOENT
    else:
        code = _create_fails(folder)
    return f"{os.fspath(path)}: cannot write there: {os.strerror(code)}" if code else None


def _create_fails(folder: str) -> int:
    """The errno of creating a file in ``folder`` (EACCES, EROFS, ...), 0 if it can be done:
    tried, as the permission bits do not tell for root, nor for folders such as /proc that
    take no new files."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".kg-probe.", dir=folder)
    except OSError as exc:
        return exc.errno or errno.EACCES
    os.close(fd)
    os.unlink(probe)
    return 0


def _not_a_file(path: str) -> bool:
    """Whether ``path`` is there but is no regular file or folder: a FIFO, a device."""
    return os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path)


#: Errors of writing that say nothing of the file unless told.
_WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


@contextmanager
def open_output(path: str | os.PathLike[str], *, compress: bool | None = None) -> Iterator[IO[bytes]]:
    """A binary stream writing ``path`` ("-": standard output), renamed into place on success.

    A name ending in ``.gz`` (any case) is gzip-compressed unless ``compress`` says otherwise.
    An :class:`OSError` (missing folder, no permission, a full disk) names ``path``, not the
    temporary file.
    """
    target = os.fspath(path)
    if target == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    zipped = compress if compress is not None else uncompressed(target) != target
    if _not_a_file(target):  # a FIFO or a device: it cannot be replaced, nor be left truncated
        with _naming(target), open(target, "wb") as raw, _compressed(raw, target, zipped) as out:
            yield out
        return
    named = target
    if os.path.islink(target):
        target = os.path.realpath(target)  # replace the file the link names, and keep the link
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write there: {exc.strerror}", named) from None
    try:
        with _naming(named), os.fdopen(fd, "wb") as raw, _compressed(raw, target, zipped) as out:
            yield out
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes it private; a plain open would not
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


@contextmanager
def _naming(path: str) -> Iterator[None]:
    """Name ``path`` in the errors of writing it (a full disk), which name no file."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _WRITE_ERRORS and exc.filename is None:
            raise OSError(exc.errno, exc.strerror, path) from None
        raise


@contextmanager
def _compressed(raw: IO[bytes], target: str, zipped: bool) -> Iterator[IO[bytes]]:
    """``raw``, through gzip when ``zipped``."""
    if zipped:
        # Level 6: nearly level 9's size at twice its speed, for multi-gigabyte dumps.
        with gzip.GzipFile(os.path.basename(uncompressed(target)), "wb", 6, raw) as out:
            yield out  # type: ignore[misc]
    else:
        yield raw
