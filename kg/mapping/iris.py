"""Deterministic IRIs for every entity (MAPPING.md, "IRIs"): no counters, no blank nodes.

>>> iris = Iris("https://example.org/kg/")
>>> iris.article("24649313")
'https://example.org/kg/br/pmid/24649313'
>>> iris.identifier("doi", "10.3892/MCO.2013.199")
'https://example.org/kg/id/doi/10.3892%2Fmco.2013.199'
>>> slug("Müller-Lüdenscheidt, José")
'muller-ludenscheidt-jose'
>>> h16("Dept  X,\\nUniv Y") == h16("dept x, univ y")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from anyascii import anyascii

from kg.records import Author

__all__ = ["Iris", "check_base_iri", "enc", "h16", "norm", "slug"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def enc(value: str) -> str:
    """Percent-encode everything but unreserved characters."""
    return quote(value, safe="")


def norm(text: str) -> str:
    """NFKC, whitespace collapsed, case-folded: the text a hash key is made from."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def h16(text: str) -> str:
    """The first 16 hex digits of SHA-1 of the normalised text."""
    return hashlib.sha1(norm(text).encode()).hexdigest()[:16]


def slug(text: str) -> str:
    """ASCII-folded, lower-case, non-alphanumerics as "-" (empty for text with no letters)."""
    return _NON_ALNUM.sub("-", anyascii(text).lower()).strip("-")


def _initials(author: Author) -> str:
    if author.initials:
        return slug(author.initials).replace("-", "")
    return "".join(w[0] for w in slug(author.given or "").split("-") if w)


def has_full_given_name(given: str | None) -> bool:
    """True for "Yang", "Thomas R"; False for initials-only forenames such as "J", "J A" or "JA"."""
    if not given:
        return False
    return any(len(w) > 1 and not w.isupper() for w in re.split(r"[\s.]+", given))


def check_http_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host (a server's public URL, a mirror's), else ValueError.

    >>> check_http_url("eutils.example.org")
    Traceback (most recent call last):
    ...
    ValueError: 'eutils.example.org' is not an http(s) URL
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def check_base_iri(base: str) -> str:
    """``base`` if every IRI minted by appending to it is valid, else ValueError saying why.

    >>> check_base_iri("https://example.org/kg/")
    'https://example.org/kg/'
    >>> check_base_iri("https://example.org/kg")
    Traceback (most recent call last):
    ...
    ValueError: base IRI 'https://example.org/kg' must end with '/' (IRIs are made by appending to it): use https://example.org/kg/
    >>> check_base_iri("example.org")
    Traceback (most recent call last):
    ...
    ValueError: base IRI 'example.org' is not an absolute IRI (No scheme found in an absolute IRI): use one such as https://example.org/kg/
    """
    try:
        ox.NamedNode(base)
    except ValueError as exc:
        raise ValueError(f"base IRI {base!r} is not an absolute IRI ({exc}): use one such as "
                         "https://example.org/kg/") from None
    if not base.endswith(("/", "#", ":")):
        raise ValueError(f"base IRI {base!r} must end with '/' (IRIs are made by appending to it): use {base}/")
    return base


class Iris:
    """IRI minting for one base IRI (the store's ``kg:`` namespace)."""

    def __init__(self, base: str) -> None:
        self.base = base

    # -- records
    def graph(self, pmid: str) -> str:
        return f"{self.base}graph/pmid/{pmid}"

    def article(self, pmid: str) -> str:
        return f"{self.base}br/pmid/{pmid}"

    def manifestation(self, pmid: str) -> str:
        return f"{self.base}br/pmid/{pmid}/re/1"

    def role(self, pmid: str, kind: str, n: int) -> str:
        """Authorship ("ar"), investigator ("ir") or editor ("ed") node n (1-based) of a record."""
        return f"{self.base}br/pmid/{pmid}/{kind}/{n}"

    @property
    def entities_graph(self) -> str:
        return f"{self.base}graph/entities"

    # -- shared entities
    def identifier(self, scheme: str, value: str) -> str:
        if scheme == "doi":
            value = value.lower()
        return f"{self.base}id/{scheme}/{enc(value)}"

    def person(self, author: Author) -> str | None:
        """ORCID first, then the full name, then family name and all initials."""
        if author.collective:
            return f"{self.base}ra/collective/{h16(author.collective)}"
        if author.orcid:
            return f"{self.base}ra/orcid/{author.orcid}"
        family = slug(author.family or "")
        if not family:
            return None
        if has_full_given_name(author.given):
            return f"{self.base}ra/name/fn/{family}-{slug(author.given or '')}"
        initials = _initials(author)
        return f"{self.base}ra/name/ai/{family}-{initials}" if initials else f"{self.base}ra/name/ai/{family}"

    def organization(self, cleaned_name: str) -> str:
        return f"{self.base}org/aff/{h16(cleaned_name)}"

    def organization_by_id(self, scheme: str, value: str) -> str:
        return f"{self.base}org/{scheme}/{enc(value)}"

    def institution(self, name: str) -> str:
        return f"{self.base}org/inst/{slug(name) or h16(name)}"

    def funder(self, agency: str) -> str:
        return f"{self.base}org/funder/{slug(agency) or h16(agency)}"

    def grant(self, agency: str | None, grant_id: str | None) -> str:
        return f"{self.base}grant/{h16((agency or '') + '|' + (grant_id or ''))}"

    def journal(self, nlm_id: str | None, issn: str | None, title: str | None) -> str | None:
        if nlm_id:
            return f"{self.base}journal/nlm/{enc(nlm_id)}"
        if issn:
            return f"{self.base}journal/issn/{issn}"
        if title and slug(title):
            return f"{self.base}journal/ta/{slug(title)}"
        return None

    def volume(self, journal: str, volume: str) -> str:
        return f"{journal}/vol/{enc(volume)}"

    def issue(self, journal: str, volume: str | None, issue: str, year: int | None) -> str:
        if volume:
            return f"{self.volume(journal, volume)}/iss/{enc(issue)}"
        # Without the year, issue "1" of every year would be one node.
        return f"{journal}/year/{year or 'unknown'}/iss/{enc(issue)}"

    def book(self, isbn: str | None, title: str) -> str:
        return f"{self.base}book/isbn/{enc(isbn)}" if isbn else f"{self.base}book/{h16(title)}"

    def series(self, title: str) -> str:
        return f"{self.base}book/series/{h16(title)}"

    def publisher(self, name: str) -> str:
        return f"{self.base}org/publisher/{slug(name) or h16(name)}"

    def place(self, name: str) -> str:
        return f"{self.base}place/{slug(name) or h16(name)}"

    def pubtype(self, name: str) -> str:
        return f"{self.base}pubtype/{slug(name)}"

    def mesh_label(self, heading: str) -> str:
        """A MeSH heading known only by name (MEDLINE text has no UIs)."""
        return f"{self.base}mesh/label/{slug(heading)}"

    def mesh_qualifier_label(self, name: str) -> str:
        return f"{self.base}mesh/label/qualifier/{slug(name)}"
