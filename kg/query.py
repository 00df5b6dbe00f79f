"""Named queries (``queries/*.rq``), query parameters, and result formatting.

A named query file starts with a comment header::

    # Articles of an author, newest first.
    # param: person iri  the person (kg:ra/...)
    SELECT ...

The first line is its description; each ``# param: NAME TYPE TEXT`` line declares
a variable the user can bind with ``--param NAME=VALUE`` (TYPE is iri, string,
integer or year).

>>> q = named_queries()["top-authors"]
>>> q.description.startswith("Most prolific authors")
True
"""

from __future__ import annotations

import datetime
import difflib
import functools
import io
import itertools
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.mapping.vocab import XSD
from kg.resources import shipped
from kg.textfiles import read_utf8
from kg.wording import counted

__all__ = [
    "NamedQuery",
    "QueryParameter",
    "bind_params",
    "bind_rows",
    "bind_values",
    "RESULT_FORMATS",
    "compact",
    "expand_iri",
    "has_dataset",
    "keywords_only",
    "load_query",
    "named_queries",
    "parse_param",
    "parser_message",
    "write_results",
]

#: --format values by result kind.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld")
_SOLUTION_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "table": ox.RdfFormat.TURTLE,  # a graph's readable form
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sparql: str
    params: tuple[QueryParameter, ...] = field(default=())


_PARAM = re.compile(r"^#\s*param:\s*\??(\w+)\s+(iri|string|integer|year)\s*(.*)$", re.I)


def _parse_header(name: str, text: str) -> NamedQuery:
    description_lines, params = [], []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _PARAM.match(line)
        if m:
            params.append(QueryParameter(m.group(1), m.group(2).lower(), m.group(3).strip()))
        elif not params:
            description_lines.append(line.lstrip("#").strip())
    return NamedQuery(name, " ".join(d for d in description_lines if d), text, tuple(params))


@functools.cache
def named_queries() -> dict[str, NamedQuery]:
    """The named queries shipped in ``queries/``, by name (the file name without .rq)."""
    root = shipped("queries")
    found = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            found[name] = _parse_header(name, entry.read_text(encoding="utf-8"))
    return found


_NAME = re.compile(r"[\w.-]+")  # a named query's name, or a mistyped one


def load_query(spec: str) -> NamedQuery:
    """A query from a named query, a .rq file, "-" (the text on standard input), or SPARQL text.

    A single word is a name: one that is not a named query is refused with the
    closest names, rather than handed to the SPARQL parser as a query.

    >>> load_query("top-author")
    Traceback (most recent call last):
    ...
    ValueError: no named query 'top-author' (did you mean top-authors, coauthors, articles-of-author?); ...
    """
    queries = named_queries()
    if spec in queries:
        return queries[spec]
    if spec == "-":
        return _parse_header("stdin", read_utf8("-"))
    path = Path(spec)
    if spec.endswith((".rq", ".sparql")) or ("\n" not in spec and _is_file(path)):
        return _parse_header(path.stem, read_utf8(path))
    if _NAME.fullmatch(spec):  # no SPARQL query is a single word
        close = difflib.get_close_matches(spec, queries, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"no named query {spec!r}{hint}; kg query --list lists them")
    return NamedQuery("query", "", spec)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # query text too long to be a file name ("File name too long")
        return False


def parse_param(text: str, prefixes: dict[str, str], declared: dict[str, QueryParameter]) -> tuple[str, Any]:
    """"name=value" as (name, RDF term), by the declared type or the value's shape.

    >>> p = {"kg": "https://example.org/kg/"}
    >>> parse_param("person=kg:ra/name/fn/luo-yang", p, {})
    ('person', <NamedNode value=https://example.org/kg/ra/name/fn/luo-yang>)
    >>> parse_param("pmid=24649313", p, {})
    ('pmid', <Literal value=24649313 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>)
    """
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not name:
        raise ValueError(f"--param {text!r}: expected NAME=VALUE")
    value = value.strip()  # as the query page trims what is typed
    if not value:
        raise ValueError(f"--param {name}: no value given")
    kind = declared[name].type if name in declared else None
    if kind in (None, "iri"):
        expanded = expand_iri(value, prefixes)
        if expanded is not None:
            return name, ox.NamedNode(expanded)
        if kind == "iri":
            raise ValueError(f"--param {name}: {value!r} is not an IRI (use <...>, http(s)://... or prefix:name)")
    if kind == "integer":
        if not value.strip().lstrip("-").isdigit():
            raise ValueError(f"--param {name}: {value!r} is not an integer")
        return name, ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise ValueError(f"--param {name}: {value!r} is not a year")
        return name, ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "gYear"))
    return name, ox.Literal(value)


def bind_params(sparql: str, params: Mapping[str, Any], prefixes: dict[str, str]) -> str:
    """``sparql`` with ``params`` bound (see :func:`bind_rows`), for :meth:`kg.store.KnowledgeGraph.query`.

    A str is read as the query's ``# param:`` header declares it, as ``kg query --param``
    reads it (an IRI, possibly prefixed, for ``iri``); other strings are literals.
    RDF terms stay as they are; int, float, bool, date and datetime become typed literals.

    >>> prefixes = {"kg": "https://example.org/kg/"}
    >>> named = "# param: person iri\\nSELECT ?a WHERE { ?a dcterms:creator ?person }"
    >>> bind_params(named, {"person": "kg:ra/1"}, prefixes).splitlines()[-1]
    'SELECT ?a WHERE { VALUES (?person) { (<https://example.org/kg/ra/1>) } ?a dcterms:creator ?person }'
    >>> bind_params("SELECT ?a { ?a prism:volume ?v }", {"?v": "2"}, prefixes)
    'SELECT ?a { VALUES (?v) { ("2") } ?a prism:volume ?v }'
    """
    declared = {p.name: p for p in _parse_header("query", sparql).params}
    bindings = {}
    for key, value in params.items():
        name = key.lstrip("?$")
        if isinstance(value, str) and name in declared:
            bindings[name] = parse_param(f"{name}={value}", prefixes, declared)[1]
        else:
            bindings[name] = _term(name, value)
    return bind_values(sparql, bindings)


_TYPED = ((bool, "boolean"), (int, "integer"), (float, "double"), (datetime.datetime, "dateTime"),
          (datetime.date, "date"))


def _term(name: str, value: Any) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A Python value as an RDF term: a term as it is, a str as a plain literal, a number, bool,
    date or datetime as a typed literal; TypeError for anything else (which has no one reading)."""
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, str):
        return ox.Literal(value)
    for kind, datatype in _TYPED:  # bool before int, datetime before date: subclasses first
        if isinstance(value, kind):
            text = str(value).lower() if kind is bool else repr(value) if kind in (int, float) else value.isoformat()
            return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))
    raise TypeError(f"cannot bind ?{name} to a {type(value).__name__}: give a str, int, float, bool, date, "
                    "datetime or a pyoxigraph term (one value per variable)")


# The parser lists every character it expected as Unicode ranges: what comes after is noise.
_EXPECTED_CHARACTERS = re.compile(r"\s*\[?'\\u\{.*$", re.S)


def parser_message(message: str) -> str:
    """Oxigraph's syntax error message without the Unicode ranges it lists as expected characters.

    >>> print(parser_message("error at 1:29: expected one of Prefix not found, ['%'], ['\\\\u{00B7}' | ...]"))
    error at 1:29: expected one of Prefix not found, ['%'], ...
    """
    return _EXPECTED_CHARACTERS.sub(" ...", message)


_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
# A query without the (optional) WHERE keyword: its pattern is its first group, unless it is a
# CONSTRUCT, whose first group is its template.
_FIRST_GROUP = re.compile(r"\{")
_CONSTRUCT = re.compile(r"\bCONSTRUCT\b", re.I)
# What may hide a word that is no keyword: strings, IRIs, comments (tried in this order at
# each position, so that a "#" inside an IRI or a string is not taken for a comment).
_NOT_KEYWORDS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*'
)
_FROM = re.compile(r"(?<![\w?$:])FROM\s", re.I)


def has_dataset(sparql: str) -> bool:
    """Whether the query names its own dataset (``FROM``, ``FROM NAMED``), which then
    replaces the union of all graphs.

    >>> has_dataset("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset('SELECT ?from WHERE { ?s <http://x/#from> ?from . FILTER(?from != "FROM x") } # FROM')
    False
    """
    return bool(_FROM.search(keywords_only(sparql)))


def keywords_only(sparql: str) -> str:
    """``sparql`` with its strings, IRIs and comments blanked out, for looking for keywords (at
    the positions they have in ``sparql``).

    >>> keywords_only('SELECT * { ?s <http://x/#SERVICE> "FROM" } # FROM').split()
    ['SELECT', '*', '{', '?s', '}']
    """
    return _NOT_KEYWORDS.sub(lambda m: " " * len(m.group()), sparql)  # positions kept


def bind_values(sparql: str, bindings: dict[str, Any]) -> str:
    """``sparql`` with its variables bound to one value each (see :func:`bind_rows`).

    >>> bind_values("SELECT ?t WHERE { ?a dcterms:title ?t }", {"a": ox.NamedNode("http://x/1")})
    'SELECT ?t WHERE { VALUES (?a) { (<http://x/1>) } ?a dcterms:title ?t }'
    """
    return bind_rows(sparql, list(bindings), [list(bindings.values())]) if bindings else sparql


def bind_rows(sparql: str, names: list[str], rows: list[list[Any]]) -> str:
    """``sparql`` with a VALUES block of ``rows`` for the variables ``names``, put at the start
    of its (first) WHERE clause: unlike a trailing VALUES, it binds before any grouping.

    A variable that occurs only inside a subquery is not bound by it: SPARQL evaluates
    subqueries first."""
    keywords = keywords_only(sparql)
    m = _WHERE.search(keywords) or (None if _CONSTRUCT.search(keywords) else _FIRST_GROUP.search(keywords))
    if not m:
        raise ValueError("cannot bind parameters: the query has no WHERE { ... } clause")
    variables = set(re.findall(r"[?$](\w+)", keywords))
    unknown = [name for name in names if name not in variables]
    if unknown:  # a misspelt name would otherwise bind nothing and return every row
        raise ValueError(f"cannot bind ?{unknown[0]}: the query has no such variable "
                         f"(it has {', '.join('?' + v for v in sorted(variables)) or 'none'})")
    head = " ".join(f"?{name}" for name in names)
    body = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return f"{sparql[: m.end()]} VALUES ({head}) {{ {body} }}{sparql[m.end():]}"


def expand_iri(value: str, prefixes: dict[str, str]) -> str | None:
    """The IRI that ``<IRI>``, an http(s) IRI or a prefixed name (``kg:graph/entities``) is, else None."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        return v[1:-1]
    if re.match(r"^https?://\S+$", v):
        return v
    prefix, sep, local = v.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return None


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` shortened with the longest matching prefix, for display."""
    best, name = "", ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    return f"{name}:{iri[len(best):]}" if best else f"<{iri}>"


# ---------------------------------------------------------------- writing results


def _cell(term: Any, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, prefixes)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def write_results(result: Any, out: IO[bytes], fmt: str, prefixes: dict[str, str], *, width: int | None = None) -> int:
    """Write a query result to ``out`` in ``fmt``; returns the number of rows (or triples).

    "table" is a readable text table for SELECT (its column widths set by its first
    1,000 rows), "true"/"false" for ASK and Turtle for CONSTRUCT/DESCRIBE; "json"
    and "xml" are JSON-LD and RDF/XML for a graph. Every result is streamed. A format
    that cannot hold the result raises ValueError before anything is written.
    """
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("json", "xml", "csv", "tsv"):
            result.serialize(out, _SOLUTION_FORMATS[fmt])
            out.write(b"\n")  # Oxigraph ends no boolean result with a newline
        elif fmt == "table":
            out.write(b"true\n" if bool(result) else b"false\n")
        else:
            raise ValueError(f"an ASK result is true or false: use table, csv, tsv, json or xml, not {fmt}")
        return 1
    if isinstance(result, ox.QueryTriples):
        if fmt not in _GRAPH_FORMATS:
            raise ValueError(f"a CONSTRUCT or DESCRIBE result is a graph: use turtle, ntriples, jsonld or xml, "
                             f"not {fmt}")
        rdf_format = _GRAPH_FORMATS[fmt]
        written = [0]

        def counting() -> Iterator[ox.Triple]:  # streamed: a graph result can be the whole store
            for written[0], triple in enumerate(result, 1):
                yield triple

        use_prefixes = prefixes if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        ox.serialize(counting(), out, rdf_format, prefixes=use_prefixes)
        if rdf_format in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
            out.write(b"\n")  # Oxigraph ends these without one, unlike Turtle and N-Triples
        return written[0]
    if fmt in _SOLUTION_FORMATS:
        counter = _Counter(out)
        result.serialize(counter, _SOLUTION_FORMATS[fmt])
        if fmt in ("json", "xml"):
            out.write(b"\n")  # as Oxigraph ends CSV and TSV rows, and a shell prompt wants
        return max(counter.lines - 1, 0) if fmt in ("csv", "tsv") else -1
    if fmt != "table":
        raise ValueError(f"a SELECT result is a table: use table, csv, tsv, json or xml, not {fmt}")
    return _table(result, out, prefixes, width)


class _Counter(io.RawIOBase):
    """A pass-through binary writer that counts lines."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.lines = out, 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.lines += bytes(data).count(b"\n")
        return self.out.write(data)


#: The rows that set a table's column widths; the rows after them are streamed (and cut to fit).
_TABLE_SAMPLE = 1000


def _table(solutions: Any, out: IO[bytes], prefixes: dict[str, str], width: int | None) -> int:
    names = [v.value for v in solutions.variables]
    rows = ([_cell(t, prefixes) for t in row] for row in solutions)
    first = list(itertools.islice(rows, _TABLE_SAMPLE))
    total = width or shutil.get_terminal_size((160, 24)).columns
    widths = [max([len(n)] + [len(r[i]) for r in first]) for i, n in enumerate(names)]
    # Share the terminal width: long columns are cut, short ones keep their size.
    budget = max(total - 3 * len(names), 20)
    while sum(widths) > budget and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(cells: list[str]) -> bytes:
        return (" | ".join(_fit(c, w) for c, w in zip(cells, widths)).rstrip() + "\n").encode()

    out.write(line(names) + ("-+-".join("-" * w for w in widths) + "\n").encode())
    count = 0
    for count, r in enumerate(itertools.chain(first, rows), 1):
        out.write(line(r))
    out.write(f"({counted(count, 'row')})\n".encode())
    return count


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
