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

import contextlib
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from typing import Literal

from kg.records import Deletion, ParseError, Record, SourcePosition
from kg.sources.medline import parse_medline
from kg.sources.medline_tags import ALL_TAGS
from kg.sources.pubmed_xml import parse_pubmed_xml

__all__ = ["FORMATS", "Format", "expand_paths", "read_file", "read_records", "sniff"]

Format = Literal["auto", "medline", "pubmed-xml"]
FORMATS: tuple[str, ...] = ("auto", "medline", "pubmed-xml")
Item = Record | Deletion | ParseError

#: File name endings taken from a directory (named files are always read).
DATA_SUFFIXES = (".txt", ".nbib", ".medline", ".xml", ".gz")
_SNIFF_BYTES = 64 * 1024
_XML_ROOTS = re.compile(rb"<(?:PubmedArticleSet|PubmedBookArticleSet|MedlineCitationSet|PubmedArticle"
                        rb"|PubmedBookArticle|MedlineCitation|DeleteCitation)[\s>]")
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-")


def sniff(head: bytes) -> str | None:
    """"medline", "pubmed-xml", "unsupported", or None for an empty input, from its first bytes."""
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
    One path alone is one path, not a sequence of one-letter names."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for p in paths:
        p = os.fspath(p)
        if p != "-" and os.path.isdir(p):
            yield from _data_files(p)
        else:
            yield p


def _data_files(folder: str) -> list[str]:
    """The data files under ``folder``, sorted. Hidden files and folders are left out;
    linked folders are followed, each real folder once (a link loop ends)."""
    found: list[str] = []
    seen: set[str] = set()
    for root, folders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        folders[:] = [f for f in folders if not f.startswith(".")]
        paths = (os.path.join(root, f) for f in files if not f.startswith(".") and f.lower().endswith(DATA_SUFFIXES))
        found += filter(os.path.isfile, paths)
    return sorted(found)


def read_records(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
                 format: Format = "auto") -> Iterator[Item]:
    """Records, deletions and errors from files, directories and "-" (standard input), in order.

    >>> recs = list(read_records(["tests/data/seed"]))
    >>> [(r.pmid, len(r.authors)) for r in recs]
    [('24649313', 7)]
    """
    for path in expand_paths(paths):
        yield from read_file(path, format)


def read_file(path: str, format: Format = "auto") -> Iterator[Item]:
    """Records, deletions and errors from one file ("-" is standard input); never raises for bad input."""
    name = "<stdin>" if path == "-" else path
    with contextlib.ExitStack() as stack:
        try:
            stream = _open(path, stack)
        except OSError as exc:
            yield ParseError(f"cannot read: {exc.strerror or exc}", SourcePosition(name))
            return
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
                text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline=None)
                yield from parse_medline(text, name)
            else:
                yield from parse_pubmed_xml(stream, name)
        except (OSError, EOFError, zlib.error) as exc:
            # A truncated or corrupt gzip stream: what was read before stands.
            yield ParseError(f"file is truncated or corrupt, reading stopped: {exc}", SourcePosition(name))


def _open(path: str, stack: contextlib.ExitStack) -> io.BufferedReader:
    """A peekable binary stream of the file's content, gunzipped when it is gzip; closed by ``stack``."""
    if path == "-":
        stream = sys.stdin.buffer
    else:
        stream = stack.enter_context(open(path, "rb", buffering=_SNIFF_BYTES))  # noqa: SIM115
    if stream.peek(2)[:2] == b"\x1f\x8b":
        gz = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
        return stack.enter_context(io.BufferedReader(gz, buffer_size=_SNIFF_BYTES))  # type: ignore[arg-type]
    return stream  # type: ignore[return-value]
