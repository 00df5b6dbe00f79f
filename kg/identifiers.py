"""Normalising and checking identifiers: ORCID, DOI, ISSN, PMCID.

>>> normalize_orcid("https://orcid.org/0000-0002-1825-0097")
'0000-0002-1825-0097'
>>> normalize_orcid("0000000218250097")
'0000-0002-1825-0097'
>>> normalize_orcid("0000-0002-1825-0098") is None   # bad checksum
True
>>> normalize_doi("doi: 10.3892/MCO.2013.199")
'10.3892/MCO.2013.199'
>>> normalize_issn("2049-945x")
'2049-945X'
"""

from __future__ import annotations

import re

__all__ = ["normalize_doi", "normalize_issn", "normalize_orcid", "normalize_pmcid"]

_ORCID_PREFIX = re.compile(r"^(?:orcid\s*:?\s*)?(?:https?://)?(?:www\.)?(?:orcid\.org/)?", re.I)
_ORCID_BODY = re.compile(r"^\d{15}[\dX]$")


def normalize_orcid(text: str) -> str | None:
    """The hyphenated 16-character ORCID in ``text``, or None if it is not a valid one.

    Accepts bare ids with or without hyphens and http(s) URLs; checks the ISO 7064
    MOD 11-2 check digit.
    """
    body = _ORCID_PREFIX.sub("", text.strip()).replace("-", "").replace(" ", "").upper()
    if not _ORCID_BODY.match(body):
        return None
    total = 0
    for ch in body[:15]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    if body[15] != ("X" if check == 10 else str(check)):
        return None
    return "-".join(body[i : i + 4] for i in range(0, 16, 4))


_DOI_PREFIX = re.compile(r"^(?:doi\s*:\s*|https?://(?:dx\.)?doi\.org/)", re.I)


def normalize_doi(text: str) -> str | None:
    """The DOI in ``text`` without "doi:" or resolver prefixes (case kept), or None."""
    doi = _DOI_PREFIX.sub("", text.strip()).strip().rstrip(".")
    return doi if doi.startswith("10.") and "/" in doi else None


_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dXx])$")


def normalize_issn(text: str) -> str | None:
    """An ISSN as "NNNN-NNNC" with an upper-case X, or None if it is not shaped like one."""
    m = _ISSN.match(text.strip())
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


def normalize_pmcid(text: str) -> str | None:
    """A PMC id as "PMC1234567" (adding the prefix to bare numbers, dropping a version:
    "PMC6134338.4" is PMC6134338), or None."""
    t = text.strip().upper()
    if t.startswith("PMC"):
        t = t[3:]
    number, dot, version = t.partition(".")
    return f"PMC{number}" if number.isdigit() and (not dot or version.isdigit()) else None
