"""What the networks are built from, read from the store with a few simple SPARQL queries.

Each query is a handful of triple patterns over the record graphs (the graph
stands for the article: ``kg:graph/pmid/{PMID}``); grouping, counting and
filtering happen in Python, where they are cheap. The result is a
:class:`Corpus`: articles with their authors in order, each authorship's
organisations, the MeSH major topics, and the names, countries and
institutions of the persons and organisations involved.

>>> import tempfile
>>> from kg.store import KnowledgeGraph
>>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
...     _ = kg.ingest(["tests/data/seed"])
...     corpus = extract(kg, mesh=True)
>>> article = corpus.articles["24649313"]
>>> article.year, len(article.authors), corpus.persons[article.authors[0]].label
(2014, 7, 'Yang Luo')
>>> sorted({corpus.organisations[o].country for _, o in article.affiliations})
['CN']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.mapping.vocab import FABIO, XSD
from kg.query import compact

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["Article", "Corpus", "Organisation", "Person", "Selection", "SelectionError", "extract",
           "selected_articles"]

# One or two triple patterns each: Oxigraph answers these at a few microseconds a row,
# and the joins are cheaper in Python. Authorship IRIs are kg:br/pmid/{PMID}/ar/{rank}
# (MAPPING.md, "IRIs"), so the role itself gives the article and the rank.
_ARTICLES = "SELECT ?a ?id WHERE { ?a fabio:hasPubMedId ?id }"
_YEARS = "SELECT ?a ?year WHERE { ?a fabio:hasPublicationYear ?year }"
_HOLDERS = "SELECT ?role ?person WHERE { ?role pro:isHeldBy ?person }"
_ROLE_ORGANISATIONS = "SELECT ?role ?org WHERE { ?role pro:relatesToOrganization ?org }"
_NAMES = "SELECT ?s ?name WHERE { ?s foaf:name ?name }"
_COUNTRIES = "SELECT ?o ?country WHERE { ?o schema:addressCountry ?country }"
_INSTITUTIONS = "SELECT ?o ?inst WHERE { ?o org:subOrganizationOf ?inst }"
_MESH = """
SELECT ?g ?term ?descriptor WHERE {
  GRAPH ?g { ?a fabio:hasPrimarySubjectTerm ?term }
  OPTIONAL { ?term meshv:hasDescriptor ?descriptor }
}"""
_MESH_LABELS = "SELECT DISTINCT ?d ?label WHERE { ?a fabio:hasPrimarySubjectTerm ?d . ?d rdfs:label ?label }"
_PAIR_DESCRIPTOR_LABELS = """
SELECT DISTINCT ?d ?label WHERE {
  ?a fabio:hasPrimarySubjectTerm ?t . ?t meshv:hasDescriptor ?d . ?d rdfs:label ?label
}"""


@dataclass(slots=True)
class Article:
    """One article: its PMID, year, authors (person IRIs in rank order) and MeSH major topics."""

    pmid: str
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    #: (person IRI, organisation IRI) for every affiliation of every authorship.
    affiliations: list[tuple[str, str]] = field(default_factory=list)
    #: MeSH major topic descriptors (a major qualifier makes its descriptor major).
    mesh: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Person:
    label: str
    orcid: str | None = None


@dataclass(slots=True)
class Organisation:
    """An affiliation as printed, with the country and institution derived from it."""

    name: str
    country: str | None = None
    institution: str | None = None


@dataclass
class Corpus:
    """The articles of a store (or a selection) and the entities the networks need."""

    articles: dict[str, Article]
    persons: dict[str, Person]
    organisations: dict[str, Organisation]
    institutions: dict[str, str]
    mesh_labels: dict[str, str]


def _rows(kg: KnowledgeGraph, sparql: str) -> Iterator[tuple[str | None, ...]]:
    """A SELECT's rows as tuples of lexical values (None when unbound), without dict overhead."""
    for solution in kg.query(sparql):
        yield tuple(None if term is None else term.value for term in solution)


def _pairs(kg: KnowledgeGraph, sparql: str) -> list[tuple[str, str]]:
    """The rows of a two-variable SELECT whose variables are always bound (the fast path)."""
    return [(s[0].value, s[1].value) for s in kg.query(sparql)]


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


def selected_articles(kg: KnowledgeGraph, sparql: str) -> Selection:
    """The articles a SELECT's first variable gives (``--query FILE.rq``): article IRIs
    (``kg:br/pmid/24649313``) or PMIDs (literals such as ``"24649313"``); rows where it is
    unbound are skipped. Raises :class:`SelectionError` at the first value of another kind."""
    solutions = kg.query(sparql)
    variables = getattr(solutions, "variables", None)
    if not variables:
        raise SelectionError("the query must be a SELECT whose first variable gives articles")
    prefix = kg.iris.article("")
    given: set[str] = set()
    for solution in solutions:
        term = solution[0]
        if term is None:
            continue
        pmid = _pmid(term, prefix)
        if pmid is None:
            example = compact(kg.iris.article("24649313"), kg.prefixes)
            raise SelectionError(f"the first variable (?{variables[0].value}) must give articles (IRIs such as "
                                 f"{example}, or PMIDs such as '24649313'), got {_describe(term, kg.prefixes)}")
        given.add(pmid)
    # The same test as extract's: an article of the store is an IRI with a fabio:hasPubMedId.
    has_pmid = ox.NamedNode(FABIO + "hasPubMedId")
    held = {p for p in given if next(kg.store.quads_for_pattern(ox.NamedNode(prefix + p), has_pmid, None), None)}
    return Selection(held, given - held)


def extract(kg: KnowledgeGraph, *, pmids: Iterable[str] | None = None, from_year: int | None = None,
            to_year: int | None = None, mesh: bool = False) -> Corpus:
    """Read the articles (all, or those in ``pmids``, published between the years given)
    with their authors and affiliations; with ``mesh``, their MeSH major topics too."""
    article_prefix = kg.iris.article("")
    cut = len(article_prefix)
    wanted = set(pmids) if pmids is not None else None
    dated = from_year is not None or to_year is not None
    years = dict(_pairs(kg, _YEARS))
    articles: dict[str, Article] = {}
    for iri, _ in _pairs(kg, _ARTICLES):
        pmid = iri[cut:]
        year = years.get(iri)
        if wanted is not None and pmid not in wanted:
            continue
        y = int(year[:4]) if year and year[:4].isdigit() else None
        if dated and (y is None or (from_year is not None and y < from_year) or (to_year is not None and y > to_year)):
            continue
        articles[pmid] = Article(pmid, y)

    collective = kg.base_iri + "ra/collective/"
    holders: dict[str, str] = {}  # authorship -> person
    ranked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for role, person in _pairs(kg, _HOLDERS):
        pmid, kind, rank = role[cut:].partition("/ar/")
        if kind and pmid in articles and not person.startswith(collective):
            holders[role] = person
            ranked[pmid].append((int(rank), person))
    for pmid, authors in ranked.items():
        # The same person twice in one author list is one author.
        articles[pmid].authors.extend(dict.fromkeys(person for _, person in sorted(authors)))
    for role, org in _pairs(kg, _ROLE_ORGANISATIONS):
        person = holders.get(role)
        if person is not None:
            articles[role[cut:].partition("/")[0]].affiliations.append((person, org))

    names = dict(_pairs(kg, _NAMES))
    orcid_prefix = kg.base_iri + "ra/orcid/"
    persons = {p: Person(names.get(p, p), p[len(orcid_prefix):] if p.startswith(orcid_prefix) else None)
               for p in set(holders.values())}
    used = {o for article in articles.values() for _, o in article.affiliations}
    organisations = {o: Organisation(names.get(o, o)) for o in used}
    for o, country in _pairs(kg, _COUNTRIES):
        if o in organisations:
            organisations[o].country = country
    for o, inst in _pairs(kg, _INSTITUTIONS):
        if o in organisations:
            organisations[o].institution = inst
    institutions = {org.institution: names.get(org.institution, org.institution)
                    for org in organisations.values() if org.institution}
    labels: dict[str, str] = {}
    if mesh:
        graph_cut = len(kg.iris.graph(""))
        for g, term, descriptor in _rows(kg, _MESH):
            article = articles.get(g[graph_cut:])
            if article is not None:
                article.mesh.add(descriptor or term)
        labels = dict(_pairs(kg, _MESH_LABELS))
        labels.update(_pairs(kg, _PAIR_DESCRIPTOR_LABELS))
    return Corpus(articles, persons, organisations, institutions, labels)
