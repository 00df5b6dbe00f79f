"""The HTTP face of the store: SPARQL 1.1 Protocol, a query page, linked data, VoID, a dump.

Built on Starlette; every store operation runs in a worker process (see
:mod:`kg.server.pool`), so a query past its timeout is really stopped and a flood of
clients gets answers or 503, never a stalled server. Read-only unless started with
``writable=True`` and a token; writes need ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import json
import os
import shutil
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.mapping.iris import enc
from kg.mapping.vocab import prefixes
from kg.query import named_queries
from kg.server import tasks
from kg.server.negotiation import choose, not_acceptable
from kg.server.pool import Busy, OutOfMemory, TimedOut, WorkerPool
from kg.server.writes import is_kg_graph
from kg.store import KnowledgeGraph

__all__ = ["ServerConfig", "create_app"]

def _one(values: list[Any], name: str) -> Any:
    """The one value of a protocol parameter that may be given once only."""
    if len(values) > 1:
        raise tasks.TaskError(400, f"give one {name}, not {len(values)}")
    return values[0]


def _given(request: Request, form: dict[str, list[str]], name: str) -> list[str]:
    """The values of a protocol parameter, from the form body and the query string."""
    return form.get(name, []) + request.query_params.getlist(name)


def _iri_path(raw_path: bytes) -> str:
    """The path of the IRI a request names (without the leading "/"): each segment decoded
    and encoded again the way kg mints IRIs, so that a DOI's "%2F" stays inside its segment
    and however a client encodes the link, it names the same IRI.

    >>> _iri_path(b"/id/doi/10.3892%2Fmco.2013.199"), _iri_path(b"/journal/nlm/1/vol/97/iss/1 Suppl")
    ('id/doi/10.3892%2Fmco.2013.199', 'journal/nlm/1/vol/97/iss/1%20Suppl')
    """
    return "/".join(enc(unquote(segment)) for segment in raw_path.decode("latin-1")[1:].split("/"))


_SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".rdf": "application/rdf+xml",
             ".jsonld": "application/ld+json", ".html": "text/html"}
_VARY = {"Vary": "Accept"}  # one URL, several representations: caches must key on Accept
_FAVICON = os.path.join(os.path.dirname(__file__), "static", "favicon.svg")
_FORMAT_ALIASES = ("format", "output", "results")  # what clients call it; SPARQLWrapper sends all three
# The SPARQL 1.1 Protocol's dataset parameters of an update: Oxigraph's Store.update takes no dataset.
_USING_PARAMS = ("using-graph-uri", "using-named-graph-uri")


@dataclass
class ServerConfig:
    """How ``kg serve`` runs (the command-line options)."""

    store: str
    timeout: float = 30.0
    cors: bool = False
    base_url: str | None = None
    writable: bool = False
    token: str | None = None
    allow_service: bool = False
    # More workers than cores: a few long queries then do not hold up the quick ones.
    workers: int = field(default_factory=lambda: (os.cpu_count() or 2) + 2)
    max_waiting: int = 64
    max_result_bytes: int = 64 * 1024 * 1024
    max_request_bytes: int = 1024 * 1024
    # Per worker; normal queries on a 4 M-quad store stay under 300 MB.
    max_memory_bytes: int | None = 1024 * 1024 * 1024


class _State:
    """What the running app shares: the pool, the store's base IRI, cached figures."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.reader: KnowledgeGraph | None = None
        if not config.writable:
            # Held for the server's lifetime: an ingest is refused while the store is served.
            self.reader = KnowledgeGraph.open(config.store)
            base = self.reader.base_iri
        else:
            with KnowledgeGraph.open(config.store) as kg:
                base = kg.base_iri
        self.base_iri = base
        self.prefixes = prefixes(base)
        self.pool = WorkerPool(config.store, size=1 if config.writable else config.workers,
                               writable=config.writable, max_waiting=config.max_waiting,
                               max_memory=config.max_memory_bytes)
        # Cached figures: counting 4 M quads takes 0.4 s, too long for every health check.
        self.quads: int | None = None
        self.counts: dict[str, Any] | None = None
        self.dump_dir = tempfile.mkdtemp(prefix="kg-serve-")
        self.templates = Environment(loader=PackageLoader("kg.server", "templates"),
                                     autoescape=select_autoescape(["html"]))
        self.templates.filters["href"] = self.href
        # Behind a proxy at https://host/data/ (--base-url), every link starts with /data.
        self.root = urlsplit(config.base_url).path.rstrip("/") if config.base_url else ""
        self.templates.globals["root"] = self.root

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` goes: this server for IRIs under the base, else the IRI if it is
        http(s); None for any other scheme (javascript:, data: ...), which a page shows as text."""
        if iri.startswith(self.base_iri):
            return self.root + "/" + quote(iri[len(self.base_iri):], safe="/%")
        return iri if urlsplit(iri).scheme.lower() in ("http", "https") else None

    def public(self, path: str, request: Request) -> str:
        root = self.config.base_url or str(request.base_url)
        return root.rstrip("/") + path

    def changed(self) -> None:
        """Forget the cached figures after a write."""
        self.quads = self.counts = None

    def close(self) -> None:
        self.pool.close()
        shutil.rmtree(self.dump_dir, ignore_errors=True)
        if self.reader is not None:
            self.reader.close()


def create_app(config: ServerConfig) -> Starlette:
    """The ASGI application for ``config`` (opens the store and starts the workers)."""
    state = _State(config)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        state.close()

    async def run(name: str, *args: Any, timeout: float | None = config.timeout) -> Any:
        return await state.pool.call(name, *args, timeout=timeout)

    # ------------------------------------------------------------ SPARQL protocol
    async def sparql(request: Request) -> Response:
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            body = await _body(request, config.max_request_bytes)
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/sparql-query":
                text = body.decode("utf-8", "replace")
            elif ctype == "application/sparql-update":
                return await _update(request, body.decode("utf-8", "replace"), form)
            elif ctype in ("application/x-www-form-urlencoded", ""):
                form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                if "update" in form and "query" in form:
                    return PlainTextResponse("give a query or an update, not both", 400)
                if "update" in form:
                    return await _update(request, _one(form["update"], "update"), form)
                text = _one(form.get("query", [None]), "query")
            else:
                return PlainTextResponse(f"unsupported content type {ctype}", 415)
        else:
            text = _one(request.query_params.getlist("query") or [None], "query")
            if text is None:
                return _service_description(request)
        if not text:
            return PlainTextResponse("missing query", 400)
        _refuse_service(text)
        default_graphs, named = _given(request, form, "default-graph-uri"), _given(request, form, "named-graph-uri")
        formats = [value for name in _FORMAT_ALIASES for value in _given(request, form, name)]
        media = tasks.precheck(text, formats, request.headers.get("accept"), state.prefixes, default_graphs, named)
        media, content = await run("query", text, media, default_graphs, named, config.max_result_bytes)
        download = _given(request, form, "download")
        return Response(content, media_type=media, headers={**_VARY, **_download(download[0] if download else None,
                                                                                  media)})

    def _refuse_service(text: str) -> None:
        if not config.allow_service and tasks.uses_service(text):
            raise tasks.TaskError(400, "SERVICE (federated queries) is disabled: start kg serve with --allow-service")

    async def _update(request: Request, text: str, form: dict[str, list[str]]) -> Response:
        _require_write(request)
        for name in _USING_PARAMS:
            if _given(request, form, name):
                keyword = "USING NAMED" if "named" in name else "USING"
                raise tasks.TaskError(400, f"{name} is not supported: write {keyword} <IRI> in the update")
        _refuse_service(text)
        await run("update", text, config.allow_service)
        state.changed()
        return Response(status_code=204)

    async def update(request: Request) -> Response:
        if request.method != "POST":
            return PlainTextResponse("SPARQL Update is sent with POST", 405, headers={"Allow": "POST"})
        body = await _body(request, config.max_request_bytes)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            return await _update(request, body.decode("utf-8", "replace"), {})
        form = parse_qs(body.decode("utf-8", "replace"))
        if "update" not in form:
            return PlainTextResponse("missing update", 400)
        return await _update(request, _one(form["update"], "update"), form)

    def _require_write(request: Request) -> None:
        """Let a write through only with the server's token: 403 when the server takes no writes,
        401 with a Bearer challenge (RFC 6750) when the token is missing or wrong."""
        if not config.writable or config.token is None:
            raise tasks.TaskError(403, "writes are disabled")
        scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
        # RFC 7235: the scheme in any case.
        if scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip().encode(), config.token.encode()):
            return
        challenge = 'Bearer realm="kg"' + (', error="invalid_token"' if supplied.strip() else "")
        raise tasks.TaskError(401, "a valid bearer token is needed", {"WWW-Authenticate": challenge})

    def _service_description(request: Request) -> Response:
        offered = ["text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json", "text/html"]
        media = choose(request.headers.get("accept"), offered)
        if media == "text/html":
            return query_page(request)
        if media is None:
            return _not_acceptable(request, offered)
        endpoint = state.public("/sparql", request)
        sd = "http://www.w3.org/ns/sparql-service-description#"
        triples = [
            (endpoint, f"{sd}endpoint", ox.NamedNode(endpoint)),
            (endpoint, f"{sd}supportedLanguage", ox.NamedNode(f"{sd}SPARQL11Query")),
            (endpoint, f"{sd}feature", ox.NamedNode(f"{sd}UnionDefaultGraph")),
            (endpoint, f"{sd}feature", ox.NamedNode(f"{sd}BasicFederatedQuery")) if config.allow_service else None,
            (endpoint, f"{sd}supportedLanguage", ox.NamedNode(f"{sd}SPARQL11Update")) if config.writable else None,
            *[(endpoint, f"{sd}resultFormat", ox.NamedNode(f"http://www.w3.org/ns/formats/{name}"))
              for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                           "Turtle", "N-Triples", "RDF_XML", "JSON-LD")],
            (endpoint, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(f"{sd}Service")),
        ]
        response = _graph_response([t for t in triples if t], media, {"sd": sd})
        response.headers.update(_VARY)
        return response

    # ------------------------------------------------------------ graph store protocol
    async def graph_store(request: Request) -> Response:
        graph = request.query_params.get("graph")
        if not graph:
            return PlainTextResponse("give ?graph=IRI (the default graph is the union and cannot be written)", 400)
        if request.method in ("GET", "HEAD"):  # HEAD is a GET whose body is not sent: no token either
            media, content = await run("graph_get", graph, request.headers.get("accept"), config.max_result_bytes)
            return Response(content, media_type=media)
        _require_write(request)
        if is_kg_graph(graph, state.base_iri):
            return PlainTextResponse("record and entity graphs are kept by kg ingest; write another graph", 409)
        if request.method == "DELETE":
            await run("graph_delete", graph)
            return Response(status_code=204)
        body = await _body(request, config.max_request_bytes)
        ctype = request.headers.get("content-type", "text/turtle").split(";")[0].strip().lower()
        size = await run("graph_write", graph, body, ctype, request.method == "PUT")
        state.changed()
        return JSONResponse({"graph": graph, "triples": size}, status_code=200)

    # ------------------------------------------------------------ pages, linked data, VoID, dump
    def query_page(request: Request) -> HTMLResponse:
        queries = [{"name": q.name, "description": q.description, "sparql": q.sparql,
                    "params": [{"name": p.name, "type": p.type, "description": p.description} for p in q.params]}
                   for q in named_queries().values()]
        html = state.templates.get_template("query.html").render(
            queries=queries, queries_json=json.dumps(queries), base=state.base_iri,
            prefixes=json.dumps(state.prefixes))
        return HTMLResponse(html)

    async def home(request: Request) -> Response:
        return query_page(request)

    async def api_queries(request: Request) -> Response:
        return JSONResponse([{"name": q.name, "description": q.description, "params": [p.name for p in q.params]}
                             for q in named_queries().values()])

    async def favicon(request: Request) -> Response:
        # Asked for by browsers showing a page that names no icon (a raw result, say): not a 404.
        return FileResponse(_FAVICON, media_type="image/svg+xml")

    async def health(request: Request) -> Response:
        if state.quads is None:
            state.quads = await run("quads")  # in a worker: the event loop never waits on the store
        return JSONResponse({"status": "ok", "quads": state.quads})

    async def void(request: Request) -> Response:
        offered = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
        media = choose(request.headers.get("accept"), offered)
        if media is None:
            return _not_acceptable(request, offered)
        if state.counts is None:
            state.counts = await run("counts", timeout=max(config.timeout, 120))
        return _graph_response(_void_triples(state, request), media,
                               {"void": "http://rdfs.org/ns/void#", "dcterms": "http://purl.org/dc/terms/"})

    async def dump(request: Request) -> Response:
        path = os.path.join(state.dump_dir, "dump.nq.gz")
        if not os.path.exists(path) or config.writable:
            await run("dump", path, timeout=None)
        return FileResponse(path, media_type="application/gzip", filename="dump.nq.gz")  # gzip N-Quads, as named

    async def linked_data(request: Request) -> Response:
        path = _iri_path(request.scope.get("raw_path") or request.url.path.encode())
        accept = request.headers.get("accept")
        for suffix, media in _SUFFIXES.items():
            if path.endswith(suffix):
                path, accept = path[: -len(suffix)], media
                break
        iri = state.base_iri + path
        offered = ["text/html", *tasks.GRAPH_TYPES]
        if not accept or "text/html" in accept:
            media = choose(accept, offered)
        else:
            media = choose(accept, list(tasks.GRAPH_TYPES)) or choose(accept, offered)
        if media is None:
            return _not_acceptable(request, offered)
        if media == "text/html":
            page = await run("resource", iri)
            if page is None:
                return HTMLResponse(state.templates.get_template("missing.html").render(iri=iri), 404, _VARY)
            return HTMLResponse(state.templates.get_template("resource.html").render(page=page, base=state.base_iri),
                                headers=_VARY)
        described = await run("describe", iri, media, config.max_result_bytes)
        if described is None:
            return PlainTextResponse(f"no resource {iri}", 404)
        return Response(described[1], media_type=described[0], headers=_VARY)

    routes = [
        Route("/", home),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/update", update, methods=["GET", "POST"]),  # GET: 405, not a linked-data 404
        Route("/rdf-graphs", graph_store, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/api/queries", api_queries),
        Route("/health", health),
        Route("/favicon.ico", favicon),
        Route("/.well-known/void", void),
        Route("/dump.nq.gz", dump),
        Mount("/static", StaticFiles(packages=[("kg.server", "static")]), name="static"),
        Route("/{path:path}", linked_data),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                             allow_headers=["*"])] if config.cors else []
    exception_handlers = {
        tasks.TaskError: lambda request, exc: PlainTextResponse(exc.message, exc.status, headers=exc.headers),
        Busy: lambda request, exc: PlainTextResponse("the server is busy: try again shortly", 503,
                                                     headers={"Retry-After": "2"}),
        TimedOut: lambda request, exc: PlainTextResponse(
            f"the query was stopped after the {config.timeout:g} s timeout", 503, headers={"Retry-After": "5"}),
        OutOfMemory: lambda request, exc: PlainTextResponse(
            f"the query was stopped: it needed more than the {(config.max_memory_bytes or 0) >> 20} MB of memory a "
            "query may use (kg serve --max-memory)", 413),
        _TooLarge: lambda request, exc: PlainTextResponse("request body too large", 413),
    }
    return Starlette(routes=routes, middleware=middleware, exception_handlers=exception_handlers, lifespan=lifespan)


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes without reading them all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _not_acceptable(request: Request, offered: list[str]) -> Response:
    return PlainTextResponse(not_acceptable(request.headers.get("accept"), offered), 406, headers=_VARY)


_EXTENSIONS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml", "text/csv": "csv",
               "text/tab-separated-values": "tsv", "text/turtle": "ttl", "application/n-triples": "nt",
               "application/rdf+xml": "rdf", "application/ld+json": "jsonld"}


def _download(name: str | None, media: str) -> dict[str, str]:
    """The Content-Disposition header of ``?download=NAME``: letters, digits, "-", "_" and inner dots
    of the name, as ASCII for every client and, when that lost some, in UTF-8 too (RFC 6266,
    RFC 5987). The extension is the result's own; one the name already carries is not repeated.

    >>> print(_download("résumé 名", "text/csv")["Content-Disposition"])
    attachment; filename="rsum.csv"; filename*=UTF-8''r%C3%A9sum%C3%A9%E5%90%8D.csv
    >>> print(_download("名", "text/turtle")["Content-Disposition"])
    attachment; filename="results.ttl"; filename*=UTF-8''%E5%90%8D.ttl
    >>> print(_download("results.CSV", "text/csv")["Content-Disposition"])
    attachment; filename="results.csv"
    >>> print(_download("../top.v2", "application/sparql-results+json")["Content-Disposition"])
    attachment; filename="top.v2.json"
    """
    if not name:
        return {}
    ext = _EXTENSIONS.get(media, "txt")
    stem, dot, given = name.rpartition(".")
    if dot and given.lower() in _EXTENSIONS.values():
        name = stem
    kept = "".join(c for c in name if c.isalnum() or c in "-_.").strip(".") or "results"
    ascii_name = "".join(c for c in kept if c.isascii()) or "results"
    header = f'attachment; filename="{ascii_name}.{ext}"'
    if kept != ascii_name:
        header += f"; filename*=UTF-8''{quote(kept)}.{ext}"
    return {"Content-Disposition": header}


def _graph_response(triples: list[tuple[str, str, Any]], media: str, names: dict[str, str]) -> Response:
    fmt = tasks.GRAPH_TYPES[media]
    data = ox.serialize(
        [ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o) for s, p, o in triples], format=fmt,
        prefixes=names if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
    return Response(data, media_type=media)


def _void_triples(state: _State, request: Request) -> list[tuple[str, str, Any]]:
    counts = state.counts or {}
    void = "http://rdfs.org/ns/void#"
    dataset = state.public("/.well-known/void#dataset", request)
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

    def number(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=integer)

    triples: list[tuple[str, str, Any]] = [
        (dataset, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(void + "Dataset")),
        (dataset, "http://purl.org/dc/terms/title", ox.Literal("PubMed knowledge graph (kg)")),
        (dataset, void + "sparqlEndpoint", ox.NamedNode(state.public("/sparql", request))),
        (dataset, void + "dataDump", ox.NamedNode(state.public("/dump.nq.gz", request))),
        (dataset, void + "uriSpace", ox.Literal(state.base_iri)),
        (dataset, void + "triples", number(counts.get("quads", 0))),
        (dataset, void + "entities", number(counts.get("entities", 0))),
        (dataset, void + "classes", number(len(counts.get("classes", {})))),
        (dataset, void + "properties", number(len(counts.get("properties", {})))),
    ]
    vocabularies = set()
    for i, (cls, n) in enumerate(counts.get("classes", {}).items()):
        part = f"{dataset}-class-{i}"
        triples += [(dataset, void + "classPartition", ox.NamedNode(part)),
                    (part, void + "class", ox.NamedNode(cls)), (part, void + "entities", number(n))]
    for i, (iri, n) in enumerate(counts.get("properties", {}).items()):
        part = f"{dataset}-property-{i}"
        triples += [(dataset, void + "propertyPartition", ox.NamedNode(part)),
                    (part, void + "property", ox.NamedNode(iri)), (part, void + "triples", number(n))]
        vocabularies.add(iri[: max(iri.rfind("#"), iri.rfind("/")) + 1])
    triples += [(dataset, void + "vocabulary", ox.NamedNode(v)) for v in sorted(vocabularies) if v]
    return triples
