"""MEDLINE page ranges: "110-4" ends at 114.

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
"""

from __future__ import annotations

import re

__all__ = ["page_range"]

_PAGE = re.compile(r"^([A-Za-z]*)(\d+)([A-Za-z]*)$")


def _expand(start: str, end: str) -> str:
    """The full end page of a range whose end MEDLINE abbreviated ("1021-9" -> "1029")."""
    s, e = _PAGE.match(start), _PAGE.match(end)
    if not s or not e:
        return end
    prefix, digits = s.group(1), s.group(2)
    end_prefix, end_digits = e.group(1) or prefix, e.group(2)
    if len(end_digits) < len(digits):
        end_digits = digits[: len(digits) - len(end_digits)] + end_digits
    return f"{end_prefix}{end_digits}{e.group(3)}"


def page_range(raw: str) -> tuple[str | None, str | None]:
    """(starting page, ending page) of a MedlinePgn: the first page of the first range and
    the last page of the last one."""
    parts = [p.strip() for p in re.split(r"[,;]", raw.replace("–", "-").replace("—", "-")) if p.strip()]
    if not parts:
        return None, None
    first = [x.strip() for x in parts[0].split("-", 1)]
    last = [x.strip() for x in parts[-1].split("-", 1)]
    start = first[0] or None
    if len(last) == 2 and last[1]:
        end: str | None = _expand(last[0], last[1])
    elif len(parts) > 1:
        end = last[0]
    else:
        end = None
    return start, end
