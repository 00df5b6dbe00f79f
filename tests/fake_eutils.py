"""A fake NCBI E-utilities server for the tests: a real HTTP server on 127.0.0.1, an ephemeral port.

It answers ESearch (JSON, with the history server) and EFetch (PubMed XML) in NCBI's
formats over a corpus of articles: real ``<PubmedArticle>`` elements from tests/data,
or copies of them with new PMIDs and dates (:func:`copies`). Like NCBI it

- refuses ``retstart`` past 9,998 (the cap is configurable), on ESearch (HTTP 200, an
  in-band ERROR that is not even valid JSON) and on EFetch of a history set (HTTP 400),
  and silently clips a page that crosses it;
- answers 429 with NCBI's JSON when a client sends more than 3 requests in a second
  (10 with a valid API key), and 400 "API key invalid" for an unknown key;
- reports unknown words in ``errorlist.phrasesnotfound`` and an empty term as an ERROR.

It records every request (arrival time, endpoint, parameters, status) and plays the
faults queued in ``faults``: "429", "500", "502", "drop" (close the connection without
answering), "truncate" (a 200 whose XML is cut in half) and "hang" (wait for ``release``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

VALID_KEY = "good-key"
_DATE_CLAUSE = re.compile(r"^\((.*)\) AND (\d{4}/\d{2}/\d{2})(?::(\d{4}/\d{2}/\d{2}))?\[(dp|edat|mdat)\]$", re.S)
_PMID_LIST = re.compile(r"^\d+\[pmid\](?: OR \d+\[pmid\])*$")
_FIELD_OF = {"dp": "pdat", "edat": "edat", "mdat": "mdat"}
_RETSTART_ERROR = (
    b'{"header":{"type":"esearch","version":"0.3"},"esearchresult":{"ERROR":"Search Backend failed: Exception:\\n'
    b"\\'retstart\\' cannot be larger than 9998. For PubMed, ESearch can only retrieve the first 9,999 records "
    b"matching the query. To obtain more than 9,999 PubMed records, consider using EDirect that contains additional "
    b'logic to batch PubMed search results automatically so that an arbitrary number can be retrieved."}}'
)
_XML_HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
             b'2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')


@dataclass
class Article:
    """One record the server holds, with the three dates ESearch can filter on."""

    pmid: str
    xml: bytes
    pdat: dt.date
    edat: dt.date
    mdat: dt.date


def read_articles(path: Path) -> list[Article]:
    """The ``<PubmedArticle>`` elements of a PubMed XML file, dated by their PubDate
    (Entrez and modification dates set to it too)."""
    found = []
    for _, elem in etree.iterparse(str(path), tag="PubmedArticle"):
        pmid = elem.findtext("MedlineCitation/PMID")
        pub = elem.find("MedlineCitation/Article/Journal/JournalIssue/PubDate")
        year = pub.findtext("Year") if pub is not None else None
        year = year or re.match(r"\d{4}", (pub.findtext("MedlineDate") if pub is not None else None) or "1900").group()
        day = dt.date(int(year), 1, 1)
        found.append(Article(pmid, etree.tostring(elem), day, day, day))
        elem.clear()
    return found


def copies(templates: list[Article], n: int, *, first_pmid: int, days: Iterable[dt.date]) -> list[Article]:
    """``n`` copies of real articles (taken in turn) with PMIDs from ``first_pmid`` and the
    publication dates ``days`` (in turn), written into the XML too."""
    days = list(days)
    made = []
    for i in range(n):
        t = templates[i % len(templates)]
        pmid, day = str(first_pmid + i), days[i % len(days)]
        xml = re.sub(rb"<PMID Version=\"(\d+)\">\d+</PMID>", rb'<PMID Version="\1">' + pmid.encode() + b"</PMID>",
                     t.xml, count=1)
        xml = re.sub(rb'<ArticleId IdType="pubmed">\d+</ArticleId>', b'<ArticleId IdType="pubmed">'
                     + pmid.encode() + b"</ArticleId>", xml, count=1)
        pubdate = f"<PubDate><Year>{day.year}</Year><Month>{day.month:02d}</Month><Day>{day.day:02d}</Day></PubDate>"
        xml = re.sub(rb"<PubDate>.*?</PubDate>", pubdate.encode(), xml, count=1, flags=re.S)
        made.append(Article(pmid, xml, day, day, day))
    return made


@dataclass
class Request:
    at: float
    endpoint: str
    params: dict[str, str]
    status: int = 200


@dataclass
class FakeEUtils:
    """The server's state; start it with :meth:`start` (or use it as a context manager)."""

    articles: list[Article]
    #: query term -> PMIDs it finds (default: every article for the term "all")
    queries: dict[str, list[str]] = field(default_factory=dict)
    cap: int = 9_999
    #: requests allowed in a second without and with a valid API key; None: no limit
    limits: tuple[int, int] | None = (3, 10)
    requests: list[Request] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)
    #: only requests to this endpoint play faults (None: any)
    faults_on: str | None = None
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.by_pmid = {a.pmid: a for a in self.articles}
        self.queries = self.queries or {"all": [a.pmid for a in self.articles]}
        self.history: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    # ------------------------------------------------------------ running
    def start(self) -> FakeEUtils:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/entrez/eutils/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeEUtils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ what the tests look at
    def calls(self, endpoint: str, status: int | None = 200) -> list[Request]:
        return [r for r in self.requests if r.endpoint == endpoint and (status is None or r.status == status)]

    def fetched_pmids(self) -> list[str]:
        """The PMIDs of every successful EFetch answer, in order (repeats mean re-downloads)."""
        return [p for r in self.calls("efetch.fcgi") for p in r.params.get("_served", "").split(",") if p]

    def most_in_one_second(self) -> int:
        """The most requests that arrived within any one second."""
        times = sorted(r.at for r in self.requests)
        return max((sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times)), default=0)

    def modify(self, pmid: str, title: str, when: dt.date) -> None:
        """Change an article's title and modification date, as a revision at NCBI would."""
        a = self.by_pmid[pmid]
        xml = re.sub(rb"<ArticleTitle>.*?</ArticleTitle>", f"<ArticleTitle>{title}</ArticleTitle>".encode(), a.xml,
                     count=1, flags=re.S)
        self.by_pmid[pmid] = replace(a, xml=xml, mdat=when)

    def add(self, article: Article, query: str) -> None:
        self.by_pmid[article.pmid] = article
        self.queries[query].insert(0, article.pmid)

    # ------------------------------------------------------------ answering
    def answer(self, endpoint: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        key = params.get("api_key")
        if key is not None and key != VALID_KEY:
            return 400, "application/json", json.dumps(
                {"error": "API key invalid", "api-key": key, "type": "invalid", "status": "unknown"}).encode()
        if self.limits is not None:
            limit = self.limits[1] if key == VALID_KEY else self.limits[0]
            now = time.monotonic()
            recent = sum(1 for r in self.requests if now - r.at < 1.0)
            if recent > limit:
                return 429, "application/json", json.dumps({"error": "API rate limit exceeded", "api-key": key or "",
                                                            "count": str(recent), "limit": str(limit)}).encode()
        if endpoint == "esearch.fcgi":
            return self.esearch(params)
        if endpoint == "efetch.fcgi":
            return self.efetch(params)
        return 404, "text/plain", b"no such E-utility"

    def search(self, term: str, params: dict[str, str]) -> tuple[list[str], list[str]]:
        """The PMIDs ``term`` finds, newest first, and the words of it PubMed does not know."""
        filters = []
        while m := _DATE_CLAUSE.match(term):
            term, first, last, tag = m.group(1), m.group(2), m.group(3) or m.group(2), m.group(4)
            filters.append((_FIELD_OF[tag], _day(first), _day(last)))
        if params.get("datetype") and params.get("mindate") and params.get("maxdate"):
            filters.append((params["datetype"], _day(params["mindate"]), _day(params["maxdate"])))
        unknown: list[str] = []
        if _PMID_LIST.match(term):
            asked = re.findall(r"\d+", term)
            found = [p for p in asked if p in self.by_pmid]
            unknown = [f"{p}[pmid]" for p in asked if p not in self.by_pmid]
        elif term in self.queries:
            found = list(self.queries[term])
        else:
            return [], [term]
        hits = [self.by_pmid[p] for p in found]
        hits = [a for a in hits if all(lo <= getattr(a, kind) <= hi for kind, lo, hi in filters)]
        hits.sort(key=lambda a: (a.pdat, int(a.pmid)), reverse=True)
        return [a.pmid for a in hits], unknown

    def esearch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        term = params.get("term", "")
        if not term.strip():
            return 200, "application/json", json.dumps({"header": {"type": "esearch", "version": "0.3"},
                                                        "esearchresult": {"ERROR": "Empty term and query_key - "
                                                                                  "nothing todo"}}).encode()
        retstart, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        if retstart > self.cap - 1:
            return 200, "application/json", _RETSTART_ERROR
        found, unknown = self.search(term, params)
        result: dict = {"count": "0", "retmax": "0", "retstart": str(retstart), "idlist": [],
                        "translationset": [], "querytranslation": term}
        if unknown:
            result["errorlist"] = {"phrasesnotfound": unknown, "fieldsnotfound": []}
        if not found:
            result["warninglist"] = {"phrasesignored": [], "quotedphrasesnotfound": [], "outputmessages": [
                "No items found."]}
        else:
            page = found[retstart : min(retstart + retmax, self.cap)]
            result.update(count=str(len(found)), retmax=str(len(page)), idlist=page)
            if params.get("usehistory") == "y":
                with self.lock:
                    webenv = f"MCID_{len(self.history):08d}"
                    self.history[webenv] = found
                result.update(webenv=webenv, querykey="1")
        return 200, "application/json", json.dumps({"header": {"type": "esearch", "version": "0.3"},
                                                    "esearchresult": result}).encode()

    def efetch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        if "WebEnv" in params:
            found = self.history.get(params["WebEnv"])
            if found is None or params.get("query_key") != "1":
                return 200, "text/xml", b"<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>"
            retstart, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
            if retstart > self.cap - 1:
                return 400, "application/json", json.dumps({"error": "'retstart' cannot be larger than 9998. For "
                                                            "PubMed, ESearch can only retrieve the first 9,999 "
                                                            "records matching the query."}).encode()
            pmids = found[retstart : min(retstart + retmax, self.cap)]
        else:
            pmids = [p for p in params.get("id", "").split(",") if p in self.by_pmid]
        params["_served"] = ",".join(pmids)
        body = b"\n".join(self.by_pmid[p].xml for p in pmids)
        return 200, "text/xml", _XML_HEAD + body + b"\n</PubmedArticleSet>\n"


def _day(text: str) -> dt.date:
    y, m, d = (int(x) for x in text.split("/"))
    return dt.date(y, m, d)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response, sent at once: no 40 ms Nagle/delayed-ACK stall per request.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server_state: FakeEUtils

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length).decode())

    def _handle(self, query: str) -> None:
        fake = self.server_state
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        endpoint = urlsplit(self.path).path.rsplit("/", 1)[-1]
        request = Request(time.monotonic(), endpoint, params)
        with fake.lock:
            fake.requests.append(request)
            fault = fake.faults.popleft() if fake.faults and fake.faults_on in (None, endpoint) else None
        if fault == "drop":
            request.status = 0
            self.close_connection = True
            return
        if fault == "hang":
            fake.release.wait(60)
            request.status = 0
            self.close_connection = True
            return
        if fault in ("429", "500", "502"):
            status, kind, body = int(fault), "text/html", f"<html><body>{fault}</body></html>".encode()
            if fault == "429":
                kind, body = "application/json", b'{"error":"API rate limit exceeded","count":"4","limit":"3"}'
        else:
            status, kind, body = fake.answer(endpoint, params)
            if fault == "truncate":
                body = body[: len(body) // 2]
                params.pop("_served", None)
        request.status = status
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
