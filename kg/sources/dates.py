"""Reading the date notations of PubMed records (DP, MedlineDate, PHST, YYYYMMDD).

>>> parse_pub_date("2014 Jan")
PubDate(year=2014, month=1, day=None, season=None, raw='2014 Jan', end_year=None, end_month=None, end_day=None)
>>> d = parse_pub_date("1979 Nov-1980 May")
>>> (d.iso, d.end_year, d.end_month)
('1979-11', 1980, 5)
>>> parse_pub_date("2015 Autumn").season
'Autumn'
>>> parse_history("2013/06/02 00:00")
datetime.datetime(2013, 6, 2, 0, 0)
"""

from __future__ import annotations

import datetime as dt
import re

from kg.records import MONTHS, PubDate

__all__ = ["MONTHS", "SEASONS", "month_number", "parse_compact_date", "parse_history", "parse_pub_date"]

_MONTH_NUMBER = {m.lower(): i for i, m in enumerate(MONTHS, 1)}
SEASONS = ("Spring", "Summer", "Autumn", "Fall", "Winter")
_SEASON = {s.lower(): s for s in SEASONS}

# One end of a date: "2014", "2014 Jan", "2014 Jan 9", "Jan 9", "Jan", "9", "Autumn".
_PART = re.compile(
    r"^(?:(?P<year>\d{4})\b)?\s*(?:(?P<season>(?i:spring|summer|autumn|fall|winter))\b|(?P<month>[A-Za-z]{3})[a-z]*\.?\b)?"
    r"\s*(?P<day>\d{1,2})?\b"
)


def month_number(text: str) -> int | None:
    """1-12 for a month name, abbreviation or number; None for anything else."""
    t = text.strip()
    if t.isdigit():
        n = int(t)
        return n if 1 <= n <= 12 else None
    return _MONTH_NUMBER.get(t[:3].lower())


def _valid_day(year: int, month: int | None, day: int | None) -> int | None:
    if month is None or day is None:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return day


def parse_pub_date(raw: str) -> PubDate:
    """A :class:`PubDate` from a DP value or an XML MedlineDate.

    The start of a range or season is the date; the end of a range is kept in
    ``end_*``. Text with no recognisable year gives a PubDate with only ``raw``.
    """
    text = " ".join(raw.split())
    start_text, sep, end_text = _split_range(text)
    start = _PART.match(start_text)
    if not start or not start.group("year"):
        # "Spring 2015": the year is not first; keep the year and the season, nothing finer.
        year = re.search(r"\b\d{4}\b", text)
        season = re.search(r"(?i)\b(spring|summer|autumn|fall|winter)\b", text)
        return PubDate(
            year=int(year.group()) if year else None,
            season=_SEASON[season.group(1).lower()] if season and year else None,
            raw=text,
        )
    year = int(start.group("year"))
    month = month_number(start.group("month")) if start.group("month") else None
    season = None
    if start.group("season"):
        season = _SEASON.get(start.group("season").lower())
    day = _valid_day(year, month, int(start.group("day"))) if start.group("day") else None
    end_year = end_month = end_day = None
    if sep:
        end = _PART.match(end_text)
        if end and any(end.groups()):
            end_year = int(end.group("year")) if end.group("year") else year
            end_month = month_number(end.group("month")) if end.group("month") else None
            if not end.group("year") and month and end_month and end_month < month:
                end_year += 1  # "1965 Dec-Jan" runs into the next year
            if end.group("day"):
                # "2000 Dec 15-31": a bare number after a day is the end day of the same month.
                if end_month is None and not end.group("year"):
                    end_month = month
                end_day = _valid_day(end_year, end_month, int(end.group("day")))
    return PubDate(year, month, day, season, text, end_year, end_month, end_day)


def _split_range(text: str) -> tuple[str, str, str]:
    """Split "1979 Nov-1980 May" / "2019 Jan/Mar" / "2018 Jul - Sep" at the range separator."""
    m = re.search(r"\s*[-/]\s*", text)
    if not m:
        return text, "", ""
    return text[: m.start()], m.group(), text[m.end() :]


_HISTORY = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?")


def parse_history(text: str) -> dt.datetime | None:
    """A datetime from "2013/06/02 00:00" or "2013/06/02"; None when malformed."""
    m = _HISTORY.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi = m.groups()
    try:
        return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0))
    except ValueError:
        return None


def parse_compact_date(text: str) -> dt.date | None:
    """A date from "20211021" (DA, DCOM, LR, DEP); None when malformed."""
    t = text.strip()
    if len(t) != 8 or not t.isdigit():
        return None
    try:
        return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
    except ValueError:
        return None
