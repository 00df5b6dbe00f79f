"""Opening inputs: files, directories and standard input, gzip or not, any supported format.

The format is sniffed from the content, not the name, so a MEDLINE export saved
as ``.xml`` or a PubMed XML file without an extension still reads.

>>> sniff(b"\\xef\\xbb\\xbf\\r\\nPMID- 1\\r\\n")
'medline'
>>> sniff(b'<?xml version="1.0"?>\\n<PubmedArticleSet>')
'pubmed-xml'
>>> sniff(b"") is None, sniff(b"%PDF-1.4")
(True, 'unsupported')
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal

from kg.records import Deletion, ParseError, Record, SourcePosition
from kg.sources.medline import parse_medline
from kg.sources.medline_tags import ALL_TAGS
from kg.sources.pubmed_xml import parse_pubmed_xml

__all__ = ["DATA_SUFFIXES", "FORMATS", "Format", "TextLines", "check_format", "expand_paths", "ignored_files",
           "read_file", "read_records", "sniff"]

Format = Literal["auto", "medline", "pubmed-xml"]
FORMATS: tuple[str, ...] = ("auto", "medline", "pubmed-xml")
Item = Record | Deletion | ParseError

#: File name endings taken from a directory (named files are always read).
DATA_SUFFIXES = (".txt", ".nbib", ".medline", ".xml", ".gz")
_SNIFF_BYTES = 64 * 1024
_XML_ROOTS = re.compile(rb"<(?:PubmedArticleSet|PubmedBookArticleSet|MedlineCitationSet|PubmedArticle"
                        rb"|PubmedBookArticle|MedlineCitation|DeleteCitation)[\s/>]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-")


def check_format(format: str) -> None:
    """Raise ValueError unless ``format`` is one of :data:`FORMATS`.

    >>> check_format("xml")
    Traceback (most recent call last):
    ...
    ValueError: unknown format 'xml': use one of auto, medline, pubmed-xml
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")


def sniff(head: bytes) -> str | None:
    """"medline", "pubmed-xml", "unsupported", or None for an empty input, from its first bytes
    (UTF-8, or UTF-16 with its byte order mark)."""
    if head.startswith(_UTF16_BOMS):
        head = head[: len(head) // 2 * 2].decode("utf-16", "replace").encode()
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        return None
    if text.startswith(b"<"):
        return "pubmed-xml" if _XML_ROOTS.search(head) else "unsupported"
    lines = [ln for ln in text.decode("utf-8", "replace").splitlines()[:40] if ln.strip()]
    for line in lines:
        m = _TAG_LINE.match(line)
        if m and m.group(1) in ALL_TAGS:
            return "medline"
    return "unsupported"


def expand_paths(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> Iterator[str]:
    """Each named file, "-" for standard input, and the data files under each directory (sorted).
    One path alone is one path, not a sequence of one-letter names; a mapping is a TypeError."""
    for p in _path_list(paths):
        p = os.fspath(p)
        if p != "-" and os.path.isdir(p):
            yield from _data_files(p)
        else:
            yield p


def _path_list(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """``paths`` as a list: one path alone is one path. A mapping is refused: iterated, it would
    give its keys, each read as a path."""
    if isinstance(paths, Mapping):
        raise TypeError(f"cannot read a {type(paths).__name__}: give paths or '-'")
    return [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)


def _data_files(folder: str) -> list[str]:
    """The data files under ``folder``, sorted."""
    return sorted(path for path in _files(folder) if path.lower().endswith(DATA_SUFFIXES))


def ignored_files(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str]:
    """The files under the directories among ``paths`` that are not read, their names not
    ending in a data suffix (:data:`DATA_SUFFIXES`), sorted."""
    folders = (os.fspath(p) for p in _path_list(paths) if os.fspath(p) != "-" and os.path.isdir(p))
    return sorted(path for folder in folders for path in _files(folder)
                  if not path.lower().endswith(DATA_SUFFIXES))


def _files(folder: str) -> Iterator[str]:
    """The files under ``folder``. Hidden files and folders are left out; linked folders are
    followed, each real folder once (a link loop ends)."""
    seen: set[str] = set()
    for root, folders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        folders[:] = [f for f in folders if not f.startswith(".")]
        yield from filter(os.path.isfile, (os.path.join(root, f) for f in files if not f.startswith(".")))


def read_records(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
                 format: Format = "auto") -> Iterator[Item]:
    """Records, deletions and errors from files, directories and "-" (standard input), in order.

    An unknown ``format`` is a ValueError, a mapping for ``paths`` a TypeError, raised at the call.

    >>> from kg.resources import shipped
    >>> recs = list(read_records(shipped("examples") / "seed-24649313.txt"))  # the bundled example record
    >>> [(r.pmid, len(r.authors)) for r in recs]
    [('24649313', 7)]
    """
    check_format(format)
    listed = _path_list(paths)
    return (item for path in expand_paths(listed) for item in _read_file(path, format))


def read_file(path: str, format: Format = "auto") -> Iterator[Item]:
    """Records, deletions and errors from one file ("-" is standard input); never raises for bad input.
    An unknown ``format`` is a ValueError, raised at the call."""
    check_format(format)
    return _read_file(path, format)


def _read_file(path: str, format: Format) -> Iterator[Item]:
    """The items of :func:`read_file`, ``format`` being one of :data:`FORMATS`."""
    name = "<stdin>" if path == "-" else path
    with contextlib.ExitStack() as stack:
        try:
            stream = _open(path, stack)
        except OSError as exc:
            yield ParseError(f"cannot read: {exc.strerror or exc}", SourcePosition(name))
            return
        read = 0
        try:
            kind = format if format != "auto" else sniff(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES])
            if kind is None:
                return
            if kind == "unsupported":
                yield ParseError(
                    "not a supported format (expected MEDLINE text or PubMed XML)", SourcePosition(name)
                )
                return
            if kind == "medline":
                utf16 = stream.peek(2)[:2] in _UTF16_BOMS  # lxml reads UTF-16 XML by itself
                items = parse_medline(TextLines(codecs.EncodedFile(stream, "utf-8", "utf-16") if utf16 else stream),
                                      name)
            else:
                items = parse_pubmed_xml(stream, name)
            for item in items:
                read += isinstance(item, Record)
                yield item
        except (OSError, EOFError, zlib.error) as exc:
            # A truncated or corrupt gzip stream: the whole records read before it stand.
            yield ParseError(f"file is truncated or corrupt: reading stopped after {read:,} whole records "
                             f"({exc})", SourcePosition(name))


class TextLines:
    """The lines of a binary stream, decoded a chunk at a time, with universal newlines.

    Text is UTF-8 (a leading BOM dropped); a line that is not UTF-8 is read as Windows-1252, the
    usual other encoding of exported records, and its number kept in ``not_utf8``. A stream that
    breaks (a truncated .gz) ends after its last whole line, then raises: the line it cut is lost.

    >>> text = b"\\xef\\xbb\\xbfTI  - Chin\\xc3\\xa9se\\r\\nAD  - Gen\\xe8ve\\r\\n"
    >>> lines = TextLines(io.BufferedReader(io.BytesIO(text)))
    >>> list(lines), lines.not_utf8
    (['TI  - Chinése\\n', 'AD  - Genève\\n'], {2})
    """

    def __init__(self, stream: IO[bytes], chunk: int = 1 << 20) -> None:
        # read1: one read of the stream, so a read that fails takes no data read before with it.
        self.read = stream.read1 if isinstance(stream, io.BufferedIOBase) else stream.read
        self.chunk = chunk
        self.not_utf8: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        rest, lineno = b"", 0
        while True:
            block = self.read(self.chunk)
            data = rest + block
            if not lineno and not rest:
                data = data.removeprefix(b"\xef\xbb\xbf")
            # Cut after the last line end, but never between the CR and LF of a CRLF.
            cut = (data.rfind(b"\n") + 1 or data.rfind(b"\r", 0, len(data) - 1) + 1) if block else len(data)
            data, rest = data[:cut], data[cut:]
            lines = io.StringIO(self._decode(data, lineno), newline=None)
            lineno += lines.getvalue().count("\n")
            yield from lines
            if not block:
                return

    def _decode(self, data: bytes, lineno: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        lines = []
        for n, line in enumerate(io.StringIO(data.decode("latin-1"), newline=None), lineno + 1):
            raw = line.encode("latin-1")
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("cp1252", "replace"))
                self.not_utf8.add(n)
        return "".join(lines)


def _open(path: str, stack: contextlib.ExitStack) -> io.BufferedReader:
    """A peekable binary stream of the file's content, gunzipped when it is gzip; closed by ``stack``."""
    if path == "-":
        stream = sys.stdin.buffer
    else:
        stream = stack.enter_context(open(path, "rb", buffering=_SNIFF_BYTES))  # noqa: SIM115
    if stream.peek(2)[:2] == b"\x1f\x8b":
        gz = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
        return stack.enter_context(io.BufferedReader(_Gunzipped(gz), buffer_size=_SNIFF_BYTES))
    return stream  # type: ignore[return-value]


class _Gunzipped(io.RawIOBase):
    """A gzip stream as raw reads of what one decompression step gives. GzipFile's own
    ``readinto`` fills the whole buffer and, when the file is truncated, loses the data it had
    decompressed for it; ``read1`` hands it over and fails on the next read."""

    def __init__(self, gz: gzip.GzipFile) -> None:
        self.gz = gz

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.gz.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)
