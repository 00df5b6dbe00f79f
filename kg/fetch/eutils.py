"""NCBI E-utilities over HTTP: ESearch and EFetch for PubMed, within NCBI's usage rules.

NCBI asks each client for at most 3 requests a second (10 with an API key), to
name itself with ``tool`` and ``email``, and to come back later when it answers
429 or a 5xx. :class:`EUtils` does all of that: every request waits for the
:class:`RateLimiter`, is retried with exponential backoff on 429, 5xx, dropped
connections and timeouts, and ends in a :class:`EUtilsError` whose message a user
can act on (a bad query, a rejected API key, no network) when retrying cannot help.

Requests are POSTs: PubMed queries and id lists are often longer than a URL may be,
and the API key then never appears in a URL (nor in any message).

>>> client = EUtils("http://127.0.0.1:9/", api_key="k", email="me@example.org")
>>> client.limiter.rate, client.base_url
(10.0, 'http://127.0.0.1:9/')
>>> client.close()
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from kg.mapping.iris import check_http_url

__all__ = [
    "DEFAULT_EUTILS_URL",
    "ApiKeyError",
    "Cancelled",
    "EUtils",
    "EUtilsError",
    "NetworkError",
    "QueryError",
    "RateLimiter",
    "SearchResult",
]

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: The ``tool`` parameter NCBI asks every client to send.
TOOL = "kg"
#: NCBI's limits, in requests per second.
RATE = 3.0
RATE_WITH_KEY = 10.0
#: How much longer than 1/rate two requests are kept apart: NCBI counts arrivals, and the
#: network can bring two requests closer together than they were sent.
_MARGIN = 0.05
_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_RETRY_AFTER = 60.0


class EUtilsError(Exception):
    """A failure of the E-utilities that the user can act on; the message says what happened."""


class QueryError(EUtilsError):
    """PubMed could not run the search as written (a syntax error, an unknown term or field)."""


class ApiKeyError(EUtilsError):
    """NCBI rejected the API key."""


class NetworkError(EUtilsError):
    """The E-utilities server could not be reached, or kept dropping the connection."""


class Cancelled(EUtilsError):
    """:meth:`EUtils.cancel` was called: no more requests are sent."""


class RateLimiter:
    """Spaces calls ``(1 + margin)/rate`` seconds apart, so that no second sees more than ``rate``.

    The clock and the sleep are injectable (tests of the spacing need not wait):

    >>> now = [0.0]
    >>> limiter = RateLimiter(2, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s), margin=0)
    >>> stamps = []
    >>> for _ in range(3):
    ...     limiter.wait()
    ...     stamps.append(now[0])
    >>> stamps
    [0.0, 0.5, 1.0]
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, margin: float = _MARGIN) -> None:
        self.rate = float(rate)
        self.interval = (1.0 + margin) / rate
        self.clock = clock
        self.sleep = sleep
        self._next = -math.inf
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next request may be sent."""
        with self._lock:
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


@dataclass
class SearchResult:
    """What ESearch answered: the hit count, the first ids and where the history server keeps them all."""

    count: int
    ids: list[str]
    webenv: str = ""
    query_key: str = ""
    warnings: list[str] = field(default_factory=list)


class EUtils:
    """A client of NCBI's E-utilities (or of a mirror, proxy or test server at ``base_url``).

    ``rate`` defaults to NCBI's limit: 3 requests/s, 10 with an API key. A request is
    tried up to ``1 + retries`` times, waiting ``backoff * 2**n`` seconds (or what a
    429's Retry-After asks) between tries. Use it as a context manager, or ``close()`` it.
    """

    def __init__(self, base_url: str = DEFAULT_EUTILS_URL, *, api_key: str | None = None, email: str | None = None,
                 tool: str = TOOL, rate: float | None = None, retries: int = 5, backoff: float = 1.0,
                 timeout: float = 120.0) -> None:
        self.base_url = check_http_url(base_url).rstrip("/") + "/"
        self.host = urlsplit(base_url).netloc
        self.api_key = api_key or None
        self.limiter = RateLimiter(rate or (RATE_WITH_KEY if self.api_key else RATE))
        self.retries = retries
        self.backoff = backoff
        self.common = {"tool": tool, **({"email": email} if email else {}),
                       **({"api_key": self.api_key} if self.api_key else {})}
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=15.0),
                                 headers={"User-Agent": f"{tool} (PubMed knowledge graph builder)"})
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Send no more requests (from any thread): the next one, or a backoff, raises :class:`Cancelled`."""
        self._cancelled.set()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EUtils:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ the two E-utilities kg uses
    def esearch(self, term: str, *, retmax: int = 0, retstart: int = 0, datetype: str | None = None,
                mindate: str | None = None, maxdate: str | None = None, strict: bool = True) -> SearchResult:
        """Search PubMed, keeping the result on the history server (``usehistory=y``).

        ``mindate``/``maxdate`` (YYYY/MM/DD) restrict ``datetype`` (``pdat``
        publication, ``mdat`` modification, ``edat`` Entrez date). Raises
        :class:`QueryError` when PubMed cannot run ``term`` as written, and, when
        ``strict``, when it would silently search without some of its words.
        """
        params: dict[str, str | int] = {"db": "pubmed", "term": term, "usehistory": "y", "retmode": "json",
                                        "retmax": retmax, "retstart": retstart}
        if datetype and mindate and maxdate:
            params.update(datetype=datetype, mindate=mindate, maxdate=maxdate)
        return _search_result(self._post("esearch.fcgi", params).content, term, strict)

    def efetch(self, *, ids: list[str] | None = None, history: tuple[str, str, int, int] | None = None) -> bytes:
        """PubMed XML of ``ids``, or of ``history`` = (WebEnv, query_key, retstart, retmax).

        A response cut short (the closing tag missing) is retried like a dropped connection.
        """
        params: dict[str, str | int] = {"db": "pubmed", "retmode": "xml"}
        if history is not None:
            webenv, query_key, retstart, retmax = history
            params.update(WebEnv=webenv, query_key=query_key, retstart=retstart, retmax=retmax)
        else:
            params["id"] = ",".join(ids or [])
        body = self._post("efetch.fcgi", params, complete=_is_complete_xml).content
        error = _efetch_error(body)
        if error:
            raise EUtilsError(f"EFetch failed: {error}")
        return body

    # ------------------------------------------------------------ one request, politely
    def _post(self, endpoint: str, params: dict[str, str | int],
              complete: Callable[[bytes], bool] | None = None) -> httpx.Response:
        url = self.base_url + endpoint
        failure = ""
        retry_after: str | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._cancelled.wait(self._delay(attempt, retry_after))
            if self._cancelled.is_set():
                raise Cancelled("cancelled")
            retry_after = None
            self.limiter.wait()
            try:
                response = self.http.post(url, data={**params, **self.common})
            except httpx.ConnectError as exc:
                # Refused, or the name does not resolve: one more try, then say so.
                failure = f"connect: {_reason(exc)}"
                if attempt >= min(1, self.retries):
                    raise NetworkError(f"cannot reach {self.host}: {_reason(exc)}; check the network connection "
                                       "(or --eutils-url / KG_EUTILS_URL)") from None
                continue
            except httpx.TimeoutException:
                failure = "timeout"
                continue
            except httpx.TransportError as exc:  # the connection dropped mid-request
                failure = f"dropped: {_reason(exc)}"
                continue
            if response.status_code in _RETRY_STATUS:
                failure = f"status {response.status_code}"
                if response.status_code == 429:
                    retry_after = response.headers.get("Retry-After")
                continue
            if response.status_code >= 400:
                raise _refusal(response, self.host)
            if complete is not None and not complete(response.content):
                failure = "dropped: the response was cut short"
                continue
            return response
        raise _gave_up(failure, self.retries + 1, self.host)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before try ``attempt`` (1-based): what a 429's Retry-After asks, if anything."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), _MAX_RETRY_AFTER)
            except ValueError:
                pass  # an HTTP date: NCBI does not send those; back off as usual
        return self.backoff * 2 ** (attempt - 1)


# ---------------------------------------------------------------- reading the answers


_ERROR_IN_BROKEN_JSON = re.compile(rb'"ERROR"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _search_result(body: bytes, term: str, strict: bool) -> SearchResult:
    try:
        data = json.loads(body)
    except ValueError:
        # NCBI's in-band errors are sometimes not valid JSON (\' escapes); the message is still there.
        m = _ERROR_IN_BROKEN_JSON.search(body)
        if m:
            raise QueryError(f"PubMed could not run the search: {_unescape(m.group(1))}") from None
        raise EUtilsError(f"ESearch answered with something that is not JSON: {body[:200]!r}") from None
    result = data.get("esearchresult") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise EUtilsError(f"ESearch answered without a result: {body[:200]!r}")
    if result.get("ERROR"):
        raise QueryError(f"PubMed could not run the search {_short(term)!r}: {result['ERROR']}")
    errors = result.get("errorlist") or {}
    unknown = [f"phrase not found: {p}" for p in errors.get("phrasesnotfound") or []]
    unknown += [f"field not found: {f}" for f in errors.get("fieldsnotfound") or []]
    if unknown and strict:
        raise QueryError(f"PubMed does not understand part of the query {_short(term)!r} ({'; '.join(unknown)}); "
                         "it would search without it: correct the query")
    warnings = result.get("warninglist") or {}
    notes = [f"quoted phrase not found: {p}" for p in warnings.get("quotedphrasesnotfound") or []]
    notes += [f"phrase ignored: {p}" for p in warnings.get("phrasesignored") or []]
    notes += [m for m in warnings.get("outputmessages") or [] if m != "No items found."]
    try:
        return SearchResult(int(result["count"]), [str(i) for i in result.get("idlist") or []],
                            str(result.get("webenv") or ""), str(result.get("querykey") or ""), notes)
    except (KeyError, ValueError):
        raise EUtilsError(f"ESearch answered without a hit count: {body[:200]!r}") from None


def _short(term: str, limit: int = 200) -> str:
    return term if len(term) <= limit else term[: limit - 3] + "..."


def _unescape(raw: bytes) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), raw.decode(errors="replace"))


_XML_END = re.compile(rb"</(PubmedArticleSet|eFetchResult)>\s*$")
_EFETCH_ERROR = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)


def _is_complete_xml(body: bytes) -> bool:
    """Whether an EFetch answer ends as a whole document does (else it was cut short)."""
    return bool(_XML_END.search(body[-200:]))


def _efetch_error(body: bytes) -> str | None:
    """The message of an EFetch ``<ERROR>`` answer, or None."""
    m = _EFETCH_ERROR.search(body[:2000])
    return m.group(1).decode(errors="replace").strip() if m else None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "the host name does not resolve (no network, or no DNS)"
    if "Connection refused" in text:
        return "connection refused"
    return text


def _refusal(response: httpx.Response, host: str) -> EUtilsError:
    """The error for a 4xx answer; NCBI explains itself in a small JSON object."""
    message = ""
    try:
        data = response.json()
        if isinstance(data, dict):
            message = str(data.get("error") or data.get("ERROR") or "")
    except ValueError:
        message = response.text[:200].strip()
    if "api key" in message.lower() or "api_key" in message.lower():
        return ApiKeyError(f"NCBI rejected the API key ({message}): check --api-key or NCBI_API_KEY "
                           "(keys are made at https://account.ncbi.nlm.nih.gov/settings/)")
    return EUtilsError(f"{host} refused the request ({response.status_code} {response.reason_phrase})"
                       + (f": {message}" if message else ""))


def _gave_up(failure: str, tries: int, host: str) -> EUtilsError:
    if failure == "status 429":
        return EUtilsError(f"{host} kept answering 429 Too Many Requests ({tries} tries): another program may be "
                           "using the same API key or address; wait a minute and run the command again (it resumes)")
    if failure.startswith("status"):
        return EUtilsError(f"{host} kept failing ({failure}, {tries} tries); try again later: "
                           "the command resumes where it stopped")
    if failure == "timeout":
        return NetworkError(f"{host} did not answer in time ({tries} tries); try again later")
    return NetworkError(f"the connection to {host} kept dropping ({failure.removeprefix('dropped: ')}, "
                        f"{tries} tries); check the network and run the command again (it resumes)")
