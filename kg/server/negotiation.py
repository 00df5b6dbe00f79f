"""HTTP content negotiation: which media type to answer an Accept header with.

>>> choose("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", ["text/turtle", "text/html"])
'text/html'
>>> choose("application/sparql-results+json", ["application/sparql-results+xml"]) is None
True
>>> choose("", ["text/turtle", "text/html"])
'text/turtle'
"""

from __future__ import annotations

__all__ = ["choose", "not_acceptable", "parse_accept"]


def parse_accept(header: str) -> list[tuple[str, float]]:
    """(media range, quality) pairs, most preferred first; malformed parts are skipped."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media or media.count("/") != 1:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        # More specific ranges win ties; then the order the client gave.
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranges.append((media, quality, specificity, -position))
    ranges.sort(key=lambda r: (r[1], r[2], r[3]), reverse=True)
    return [(m, q) for m, q, _, _ in ranges]


def _matches(media_range: str, offered: str) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return offered.startswith(media_range[:-1])
    return media_range == offered


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers; the first offered when the header is
    absent or empty; None when nothing offered is acceptable (answer 406)."""
    if not accept or not accept.strip():
        return offered[0]
    for media, quality in parse_accept(accept):
        if quality <= 0:
            continue
        for candidate in offered:
            if _matches(media, candidate):
                # A lower q for this exact type elsewhere in the header rules it out.
                if any(m == candidate and q <= 0 for m, q in parse_accept(accept)):
                    continue
                return candidate
    return None


def not_acceptable(accept: str | None, offered: list[str]) -> str:
    """The message of a 406: what was asked for and what is available.

    >>> not_acceptable("text/csv", ["text/turtle", "text/html"])
    'cannot answer with any of: text/csv; available: text/turtle, text/html'
    """
    return f"cannot answer with any of: {accept}; available: {', '.join(offered)}"
