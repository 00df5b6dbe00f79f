"""MEDLINE page ranges: "110-4" ends at 114.

A MedlinePgn holds one or more parts separated by "," or ";"; a part is a page or a
range, possibly after a label ("discussion 1935-8", "author reply 328", "SUPPL:4309-22")
or before "passim". The starting page is the first page of the first part, the ending
page the last page of the last part that goes on from it (mapping-notes §5.5).

>>> page_range("110-4")
('110', '114')
>>> page_range("1021-9, 1035")
('1021', '1035')
>>> page_range("S12-8")
('S12', 'S18')
>>> page_range("e0153")
('e0153', None)
>>> page_range("179–191")
('179', '191')
>>> page_range("1933-5; discussion 1935-8")
('1933', '1938')
>>> page_range("1186.e1-5")
('1186.e1', '1186.e5')
>>> page_range("[34457 words; 185 paragraphs]")
(None, None)
"""

from __future__ import annotations

import re

__all__ = ["page_range"]

_PAGE = r"(?:[A-Za-z]*\d[A-Za-z\d.]*(?<!\.)|[ivxlcdmIVXLCDM]+)"
# One part: an optional label (words, then a space or a colon), a page or a range, an optional "passim".
_PART = re.compile(
    rf"^(?:[A-Za-z][A-Za-z ]*?\s*:\s*|[A-Za-z][A-Za-z ]*\s)?({_PAGE})(?:\s*-\s*({_PAGE}))?(?:\s+passim)?$"
)
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)\D*$")
_FIRST_NUMBER = re.compile(r"^([A-Za-z]*)(\d+)")


def _roman(text: str) -> int:
    """The value of a roman numeral: "viii" -> 8."""
    values = [_ROMAN_VALUES[c] for c in text.lower()]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0]))


def _numbering(page: str) -> tuple[bool, str]:
    """Which sequence a page is numbered in: roman front matter, or arabic after a letter prefix ("S", "e")."""
    if _ROMAN.match(page):
        return True, ""
    return False, _FIRST_NUMBER.match(page).group(1).lower()


def _order(page: str) -> tuple[int, ...]:
    """A key that orders pages of one numbering: "1186.e5" comes after "1186.e1" and "1186"."""
    if _ROMAN.match(page):
        return (_roman(page),)
    return tuple(int(n) for n in re.findall(r"\d+", page))


def _expand(start: str, end: str) -> str:
    """The full end page of a range whose end MEDLINE abbreviated.

    A bare number shortens the start's last number ("1021-9" -> "1029", "1186.e1-5" ->
    "1186.e5"); a number with more after it shortens the first ("1595-603.e9" -> "1603.e9").
    """
    if _ROMAN.match(start) or not end[0].isdigit():
        return end
    if end.isdigit():
        m = _LAST_NUMBER.match(start)
        head, digits, rest = m.group(1), m.group(2), ""
    else:
        m, e = _FIRST_NUMBER.match(start), _FIRST_NUMBER.match(end)
        head, digits, rest, end = m.group(1), m.group(2), end[e.end() :], e.group(2)
    return f"{head}{digits[: max(len(digits) - len(end), 0)]}{end}{rest}"


def _pages(part: str) -> list[str] | None:
    """The first and last page of one part, or None when it is not a page, or a range that runs backwards."""
    m = _PART.match(part)
    if not m:
        return None
    start, end = m.group(1), m.group(2)
    if end is None:
        return [start]
    end = _expand(start, end)
    if _numbering(start) == _numbering(end) and _order(end) < _order(start):
        return None
    return [start, end]


def page_range(raw: str) -> tuple[str | None, str | None]:
    """(starting page, ending page) of a MedlinePgn; ending page None for a single page,
    both None for text that is not pages (the raw text is kept as prism:pageRange)."""
    parts = [p.strip() for p in re.split(r"[,;]", raw.replace("–", "-").replace("—", "-")) if p.strip()]
    pages = [_pages(p) for p in parts]
    if not pages or None in pages:
        return None, None
    start, last = pages[0][0], pages[0]
    for part in pages[1:]:
        # A part in another numbering or before the start ("77-95, viii", "8-13, 1") is
        # front matter or a cover, not where the article goes on.
        if _numbering(part[0]) == _numbering(start) and _order(part[0]) >= _order(start):
            last = part
    return start, (None if last == [start] else last[-1])
