"""The articles a user's SELECT query names (``--query FILE.rq`` of ``kg network`` and ``kg export --profile``).

The query's first variable gives them, as article IRIs (``kg:br/pmid/24649313``) or as
PMIDs (literals such as ``"24649313"``); any other value, or a query that is not a
SELECT, is a :class:`SelectionError`.

>>> import tempfile
>>> from kg.resources import shipped
>>> from kg.store import KnowledgeGraph
>>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
...     _ = kg.ingest([str(shipped("examples") / "seed-24649313.txt")])
...     given = selected_pmids(kg, 'SELECT ?id WHERE { VALUES ?id { "2" "24649313" "2" } }')
...     selection = selected_articles(kg, 'SELECT ?id WHERE { VALUES ?id { "2" "24649313" } }')
...     selected_pmids(kg, 'ASK { ?a fabio:hasPubMedId ?id }')
Traceback (most recent call last):
  ...
kg.selection.SelectionError: the query must be a SELECT whose first variable gives articles
>>> given, selection
(['2', '24649313'], Selection(pmids={'24649313'}, missing={'2'}))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.mapping.vocab import FABIO, XSD
from kg.query import compact

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["Selection", "SelectionError", "selected_articles", "selected_pmids"]


class SelectionError(ValueError):
    """A ``--query`` that does not give articles: not a SELECT, or a first variable with other values."""


@dataclass
class Selection:
    """The articles a ``--query`` gives: the PMIDs of those in the store, and of those it does not hold."""

    pmids: set[str]
    missing: set[str]


#: What a SELECT's variable may give.
Term = ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple
#: Literal datatypes a PMID may come as: a string (fabio:hasPubMedId) or an integer.
_PMID_DATATYPES = (XSD + "string", XSD + "integer")


def _pmid(term: Term, article_prefix: str) -> str | None:
    """The PMID of an article IRI or a PMID literal; None for any other term."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(article_prefix):
        pmid = term.value[len(article_prefix):]
    elif isinstance(term, ox.Literal) and term.datatype.value in _PMID_DATATYPES:
        pmid = term.value
    else:
        return None
    return pmid if pmid.isascii() and pmid.isdigit() else None


def _describe(term: Term, prefixes: dict[str, str]) -> str:
    """A term as the error message names it."""
    if isinstance(term, ox.NamedNode):
        return f"{compact(term.value, prefixes)}, which is not an article"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"the literal {term.value!r}@{term.language}"
        datatype = term.datatype.value
        shown = "" if datatype == XSD + "string" else f" ({compact(datatype, prefixes)})"
        return f"the literal {term.value!r}{shown}"
    return "a blank node" if isinstance(term, ox.BlankNode) else f"the triple {term}"


def selected_pmids(kg: KnowledgeGraph, sparql: str) -> list[str]:
    """The PMIDs a SELECT's first variable gives, each once, in the order of its rows; rows where it
    is unbound are skipped. Whether the store holds them is not checked (see :func:`selected_articles`).
    Raises :class:`SelectionError` for a query that is not a SELECT and at the first value that is
    neither an article IRI nor a PMID, and SyntaxError for a query that does not parse."""
    solutions = kg.query(sparql)
    # ASK and CONSTRUCT/DESCRIBE results have no variables.
    variables = getattr(solutions, "variables", None)
    if not variables:
        raise SelectionError("the query must be a SELECT whose first variable gives articles")
    prefix = kg.iris.article("")
    given: dict[str, None] = {}  # a dict keeps the query's order
    for solution in solutions:
        term = solution[0]
        if term is None:
            continue
        pmid = _pmid(term, prefix)
        if pmid is None:
            example = compact(kg.iris.article("24649313"), kg.prefixes)
            raise SelectionError(f"the first variable (?{variables[0].value}) must give articles (IRIs such as "
                                 f"{example}, or PMIDs such as '24649313'), got {_describe(term, kg.prefixes)}")
        given[pmid] = None
    return list(given)


def selected_articles(kg: KnowledgeGraph, sparql: str) -> Selection:
    """The articles a SELECT's first variable gives (see :func:`selected_pmids`), split into those
    the store holds and those it does not."""
    given = set(selected_pmids(kg, sparql))
    prefix = kg.iris.article("")
    # The same test as kg.network.extract's: an article of the store is an IRI with a fabio:hasPubMedId.
    has_pmid = ox.NamedNode(FABIO + "hasPubMedId")
    held = {p for p in given if next(kg.store.quads_for_pattern(ox.NamedNode(prefix + p), has_pmid, None), None)}
    return Selection(held, given - held)
