"""Searches, and their splitting into slices that ESearch can page through.

PubMed's ESearch hands out at most the first 9,999 ids of a result (``retstart``
may not pass 9,998, on the history server too). A larger result is therefore cut
into date ranges, halved again and again until each slice has at most 9,999 hits;
slices come newest first. A single day still over the cap (a huge query, or a mass
revision day for ``kg update``) is cut by a second date: the day is fixed in the
query and the slicing goes on by Entrez date (by publication date for modification
dates), so a 50,000-hit query yields all 50,000.

>>> r = DateRange.parse("2020", "2021/06")
>>> str(r), [str(h) for h in r.halves()]
('2020/01/01:2021/06/30', ['2020/10/01:2021/06/30', '2020/01/01:2020/09/30'])
>>> Search("cancer").narrowed_to_day(dt.date(2020, 3, 1)).term
'(cancer) AND 2020/03/01[dp]'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from kg.fetch.eutils import SearchResult

__all__ = ["ESEARCH_CAP", "DateRange", "Search", "Slice", "parse_date", "slices"]

#: The most ids ESearch returns for one query (``retstart`` at most 9,998).
ESEARCH_CAP = 9_999

#: The search tag of each E-utilities ``datetype``.
_TAGS = {"pdat": "dp", "edat": "edat", "mdat": "mdat"}
#: The date to slice by when one day of ``datetype`` still has too many hits.
_NEXT_DATETYPE = {"pdat": "edat", "mdat": "pdat", "edat": None}
#: PubMed's oldest publication dates are in the 1700s.
_FIRST_DATE = dt.date(1700, 1, 1)
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")


def parse_date(text: str, *, end: bool = False) -> dt.date:
    """``YYYY``, ``YYYY/MM``, ``YYYY/MM/DD`` (or with ``-``) as a date: the first day
    of a year or month, or its last day when ``end`` is true.

    >>> parse_date("2019"), parse_date("2019-02", end=True)
    (datetime.date(2019, 1, 1), datetime.date(2019, 2, 28))
    """
    m = _DATE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a date: use YYYY, YYYY/MM or YYYY/MM/DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return dt.date(year, int(month), last if end else 1)
        return dt.date(year, int(month), int(day))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date: {exc}") from None


def _ncbi(day: dt.date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


@dataclass(frozen=True)
class DateRange:
    """The days ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> DateRange | None:
        """The range from ``since`` to ``until`` (either open), or None when neither is given."""
        if not since and not until:
            return None
        first = parse_date(since) if since else _FIRST_DATE
        last = parse_date(until, end=True) if until else _far_future()
        if last < first:
            raise ValueError(f"the range {since} to {until} is empty")
        return cls(first, last)

    @classmethod
    def everything(cls) -> DateRange:
        return cls(_FIRST_DATE, _far_future())

    def halves(self) -> tuple[DateRange, DateRange] | None:
        """The later half, then the earlier one; None for a single day."""
        if self.first == self.last:
            return None
        middle = self.first + (self.last - self.first) // 2
        return DateRange(middle + dt.timedelta(days=1), self.last), DateRange(self.first, middle)

    def __str__(self) -> str:
        return f"{_ncbi(self.first)}:{_ncbi(self.last)}"


def _far_future() -> dt.date:
    # Issues are dated ahead of publication; a few years ahead covers them.
    return dt.date(dt.date.today().year + 5, 12, 31)


@dataclass(frozen=True)
class Search:
    """A PubMed query, optionally restricted to ``dates`` of kind ``datetype``
    (``pdat`` publication, ``mdat`` modification, ``edat`` Entrez date).

    ``strict``: refuse a query some of whose words PubMed does not know (a lenient
    search is one of PMIDs, some of which may have been deleted from PubMed).
    """

    term: str
    datetype: str = "pdat"
    dates: DateRange | None = None
    strict: bool = True

    def narrowed_to_day(self, day: dt.date) -> Search:
        """This search on one day of its date, to be sliced by the next kind of date."""
        following = _NEXT_DATETYPE[self.datetype]
        assert following is not None
        return Search(f"({self.term}) AND {_ncbi(day)}[{_TAGS[self.datetype]}]", following, None, self.strict)

    def with_publication_dates(self, dates: DateRange | None) -> Search:
        """This search restricted to publication ``dates`` in the query itself (so that
        ``datetype`` stays free for another date)."""
        if dates is None:
            return self
        return replace(self, term=f"({self.term}) AND {dates}[dp]")

    def run(self, client: _Searcher, retmax: int) -> SearchResult:
        if self.dates is None:
            return client.esearch(self.term, retmax=retmax, strict=self.strict)
        return client.esearch(self.term, retmax=retmax, datetype=self.datetype, mindate=_ncbi(self.dates.first),
                              maxdate=_ncbi(self.dates.last), strict=self.strict)

    def __str__(self) -> str:
        return self.term + (f" ({self.datetype} {self.dates})" if self.dates else "")


class _Searcher(Protocol):
    def esearch(self, term: str, *, retmax: int = 0, retstart: int = 0, datetype: str | None = None,
                mindate: str | None = None, maxdate: str | None = None, strict: bool = True) -> SearchResult: ...


@dataclass
class Slice:
    """A search with at most :data:`ESEARCH_CAP` hits: its ids, in the history server's order.

    ``unreachable`` counts hits beyond the cap that no further splitting could reach.
    """

    search: Search
    result: SearchResult
    unreachable: int = 0


def slices(client: _Searcher, search: Search, result: SearchResult, *, cap: int = ESEARCH_CAP) -> Iterator[Slice]:
    """The slices of ``search`` (whose ESearch ``result`` is given), newest first.

    Each is searched only when the one before has been used, so a consumer that
    stops early (``--max``) does not pay for the rest.
    """
    if result.count <= cap:
        yield Slice(search, result)
        return
    dates = search.dates or DateRange.everything()
    halves = dates.halves()
    if halves is None:
        if _NEXT_DATETYPE[search.datetype] is None:
            yield Slice(search, result, unreachable=result.count - len(result.ids))
            return
        halves_of: list[Search] = [search.narrowed_to_day(dates.first)]
    else:
        halves_of = [replace(search, dates=half) for half in halves]
    for part in halves_of:
        found = part.run(client, cap)
        if found.count:
            yield from slices(client, part, found, cap=cap)
