"""A fetch or an update: search PubMed, download the batches the cache lacks, ingest as they arrive.

The records are produced by a generator that the ingest reads in a thread: while one
batch is being written to the store the next is being downloaded. Every batch is kept
in the cache (:mod:`kg.fetch.cache`) before its records are ingested, so a run that is
interrupted, killed or cut off by the network resumes where it stopped, and a
repeated run downloads nothing. An error of the E-utilities ends the downloads; what
arrived before it is in the store, and the report says what went wrong.

>>> import tempfile
>>> from kg.fetch.eutils import EUtils
>>> from kg.store import KnowledgeGraph
>>> store, nowhere = tempfile.mkdtemp(), "http://127.0.0.1:9/"
>>> with KnowledgeGraph.open(store, writable=True) as kg, EUtils(nowhere, backoff=0) as client:
...     report = fetch(kg, client, query="asthma")
>>> report.error
NetworkError('cannot reach 127.0.0.1:9: connection refused; check the network connection (or --eutils-url / ...)')
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.fetch.cache import BatchCache
from kg.fetch.eutils import EUtils, EUtilsError
from kg.fetch.saved import SavedSearch, remember, saved_searches
from kg.fetch.search import ESEARCH_CAP, DateRange, Search, Slice, slices
from kg.ingest import IngestReport
from kg.records import Deletion, ParseError, Record
from kg.sources import parse_pubmed_xml

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["DEFAULT_BATCH", "FetchReport", "cache_directory", "fetch", "parse_pmids", "update"]

#: Records per EFetch request: a few MB of XML, a few seconds of NCBI's time.
DEFAULT_BATCH = 500
#: PMIDs per ESearch when ``kg update`` checks a list of PMIDs for changes.
_PMIDS_PER_SEARCH = 200

Item = Record | Deletion | ParseError


@dataclass
class FetchReport:
    """What a fetch or update did. ``error`` is set when it stopped early: what arrived
    before is in the store, and running it again resumes."""

    searches: list[str] = field(default_factory=list)
    hits: int = 0
    #: the hits this run set out to fetch (fewer with --max)
    wanted: int = 0
    #: the date slices that searches over ESearch's cap were split into
    slices: int = 0
    #: batches of records (downloaded, read from the cache, or both); not one whose download failed
    batches: int = 0
    #: EFetch requests
    downloaded: int = 0
    #: records fetched, and how many of them came from the cache
    records: int = 0
    from_cache: int = 0
    #: hits beyond ESearch's cap that no splitting could reach
    unreachable: int = 0
    #: ids ESearch gave that EFetch did not return (deleted, or not yet available)
    absent: int = 0
    warnings: list[str] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)
    error: EUtilsError | None = None


def cache_directory(kg: KnowledgeGraph, save_xml: str | os.PathLike[str] | None = None) -> Path:
    """``save_xml`` if given, else the store's ``fetch-cache/``."""
    return Path(save_xml) if save_xml else kg.path / "fetch-cache"


def parse_pmids(text: str) -> list[str]:
    """PMIDs from text: separated by commas, spaces or new lines; duplicates dropped.

    >>> parse_pmids("24649313, 1000475\\n24649313")
    ['24649313', '1000475']
    """
    tokens = [t for t in text.replace(",", " ").split() if t]
    bad = [t for t in tokens if not t.isdigit()]
    if bad:
        raise ValueError(f"not PMIDs: {', '.join(bad[:5])}" + (" ..." if len(bad) > 5 else ""))
    return list(dict.fromkeys(tokens))


def fetch(kg: KnowledgeGraph, client: EUtils, *, query: str | None = None, pmids: list[str] | None = None,
          since: str | None = None, until: str | None = None, limit: int | None = None,
          save_xml: str | os.PathLike[str] | None = None, refresh: bool = False, batch_size: int = DEFAULT_BATCH,
          cap: int = ESEARCH_CAP, progress: Callable[[FetchReport], None] | None = None) -> FetchReport:
    """Fetch the records of ``query`` (published ``since``..``until``; the first ``limit``)
    or of ``pmids`` into ``kg``, and remember the search for :func:`update`.

    Batches already in the cache (``save_xml``, default the store's ``fetch-cache/``) are
    not downloaded again unless ``refresh``. ``since``/``until`` are YYYY[/MM[/DD]] dates.
    """
    if (query is None) == (pmids is None):
        raise ValueError("give a query or PMIDs")
    if pmids is not None and (since or until):
        raise ValueError("--since and --until restrict a search, not a list of PMIDs")
    saved = SavedSearch(query=query, pmids=pmids, since=since, until=until, limit=limit)
    what: Search | list[str] = pmids or []
    if query is not None:
        what = Search(query, "pdat", DateRange.parse(since, until))
    report = FetchReport(searches=[saved.describe()])
    started = _today()
    oldest = _run(kg, client, [_Job(what, limit)], cache_directory(kg, save_xml), report, refresh=refresh,
                  batch_size=batch_size, cap=cap, progress=progress)
    if report.error is None:
        saved.last_run = min(oldest or started, started).isoformat()
        remember(kg.index, saved)
    return report


def update(kg: KnowledgeGraph, client: EUtils, *, save_xml: str | os.PathLike[str] | None = None,
           batch_size: int = DEFAULT_BATCH, cap: int = ESEARCH_CAP,
           progress: Callable[[FetchReport], None] | None = None) -> FetchReport:
    """Fetch again the records of the store's searches that PubMed modified since their
    last run (by modification date, with a day of overlap for time zones), new ones included.

    Raises ValueError for a store not built by :func:`fetch`.
    """
    saved = saved_searches(kg.index)
    if not saved:
        raise ValueError(f"store {kg.path} was not built by kg fetch: there is no search to update "
                         "(run kg fetch QUERY first)")
    started = _today()
    report = FetchReport()
    jobs: list[_Job] = []
    for entry in saved:
        changed = DateRange(dt.date.fromisoformat(entry.last_run) - dt.timedelta(days=1), DateRange.everything().last)
        report.searches.append(f"{entry.describe()} modified since {changed.first.isoformat()}")
        if entry.query is not None:
            base = Search(entry.query).with_publication_dates(DateRange.parse(entry.since, entry.until))
            jobs.append(_Job(Search(base.term, "mdat", changed), entry.limit))
        else:
            ids = entry.pmids or []
            # PubMed reports PMIDs it no longer has as phrases not found: not an error here.
            jobs += [_Job(Search(" OR ".join(f"{p}[pmid]" for p in ids[i : i + _PMIDS_PER_SEARCH]), "mdat", changed,
                                 strict=False))
                     for i in range(0, len(ids), _PMIDS_PER_SEARCH)]
    _run(kg, client, jobs, cache_directory(kg, save_xml), report, refresh=True, batch_size=batch_size, cap=cap,
         progress=progress)
    if report.error is None:
        for entry in saved:
            entry.last_run = started.isoformat()
            remember(kg.index, entry)
    return report


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class _Job:
    """A search, or a list of PMIDs, and at most how many of its records to fetch."""

    what: Search | list[str]
    limit: int | None = None


def _run(kg: KnowledgeGraph, client: EUtils, jobs: list[_Job], directory: Path, report: FetchReport,
         *, refresh: bool, batch_size: int, cap: int,
         progress: Callable[[FetchReport], None] | None) -> dt.date | None:
    """Fetch ``jobs`` into ``kg``, filling ``report``; returns the day of the oldest cached batch used."""
    cache = BatchCache(directory)
    fetcher = _Fetcher(client, cache, report, batch_size=batch_size, refresh=refresh, cap=cap, progress=progress)

    def ingest_progress(current: IngestReport) -> None:
        report.ingest = current
        if progress is not None:
            progress(report)

    try:
        report.ingest = kg.ingest(fetcher.records(jobs), progress=ingest_progress)
    finally:
        cache.close()
    report.ingest.files = report.batches
    return fetcher.oldest


class _Fetcher:
    """Turns searches and PMID lists into records, batch by batch, from the cache or from NCBI."""

    def __init__(self, client: EUtils, cache: BatchCache, report: FetchReport, *, batch_size: int, refresh: bool,
                 cap: int, progress: Callable[[FetchReport], None] | None) -> None:
        self.client = client
        self.cache = cache
        self.report = report
        self.batch_size = batch_size
        self.refresh = refresh
        self.cap = cap
        self.progress = progress
        self.remaining: int | None = None  # of the current job's limit
        self.seen: set[str] = set()  # PMIDs delivered: overlapping slices deliver each once
        self.oldest: dt.date | None = None

    def records(self, jobs: list[_Job]) -> Iterator[Item]:
        """The records of every job; stops quietly at an E-utilities error, kept in the report."""
        try:
            for job in jobs:
                self.remaining = job.limit
                if isinstance(job.what, Search):
                    yield from self._search(job.what)
                else:
                    yield from self._pmids(job.what)
        except EUtilsError as exc:
            self.report.error = exc

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self.report)

    def _search(self, search: Search) -> Iterator[Item]:
        if self.remaining is not None and self.remaining <= self.cap:
            # The first `remaining` ids are all needed: no slicing, whatever the count.
            first = search.run(self.client, self.remaining)
            parts: Iterator[Slice] = iter([Slice(search, first)])
        else:
            first = search.run(self.client, self.cap)
            parts = slices(self.client, search, first, cap=self.cap)
        self.report.hits += first.count
        self.report.wanted += first.count if self.remaining is None else min(first.count, self.remaining)
        self.report.warnings += [w for w in first.warnings if w not in self.report.warnings]
        self._tell()
        for part in parts:
            if part.search is not search:  # a slice of a split search
                self.report.slices += 1
            self.report.unreachable += part.unreachable
            ids, result = part.result.ids, part.result
            for start in range(0, len(ids), self.batch_size):
                chunk = ids[start : start + self.batch_size]
                if self.remaining is not None:
                    if self.remaining <= 0:
                        return
                    chunk = chunk[: self.remaining]
                    self.remaining -= len(chunk)
                history = (result.webenv, result.query_key, start, len(chunk)) if result.webenv else None
                yield from self._batch(chunk, history)

    def _pmids(self, pmids: list[str]) -> Iterator[Item]:
        self.report.hits += len(pmids)
        self.report.wanted += len(pmids)
        self._tell()
        for start in range(0, len(pmids), self.batch_size):
            yield from self._batch(pmids[start : start + self.batch_size], None)

    def _batch(self, chunk: list[str], history: tuple[str, str, int, int] | None) -> Iterator[Item]:
        fresh = [p for p in chunk if p not in self.seen]
        if not fresh:
            return
        self.seen.update(fresh)
        need = fresh if self.refresh else self.cache.missing(fresh)
        needed = set(need)
        held = [p for p in fresh if p not in needed]
        wanted = set(fresh)
        # A batch counts once some of its XML is in hand: one whose EFetch failed delivered nothing.
        if held:
            self.report.batches += 1
            day = self.cache.fetched_on(held)
            if day is not None and (self.oldest is None or day < self.oldest):
                self.oldest = day
            cached = yield from self._deliver(self.cache.read(held), wanted)
            self.report.from_cache += len(cached)
            wanted -= cached
        if need:
            # The history server serves the slice's positions; ids left over after
            # the cache served some go by their ids.
            whole = history is not None and len(need) == len(chunk)
            xml = self.client.efetch(history=history) if whole else self.client.efetch(ids=need)
            path = self.cache.save(need, xml)
            self.report.downloaded += 1
            if not held:
                self.report.batches += 1
            wanted -= yield from self._deliver(parse_pubmed_xml(io.BytesIO(xml), str(path)), wanted)
        self.report.absent += len(wanted)
        self._tell()

    def _deliver(self, items: Iterator[Item], wanted: set[str]) -> Generator[Item, None, set[str]]:
        """Yield ``items``, counting the ``wanted`` records among them; return their PMIDs."""
        got: set[str] = set()
        for item in items:
            if isinstance(item, Record) and item.pmid in wanted and item.pmid not in got:
                got.add(item.pmid)
                self.report.records += 1
            yield item
        return got
