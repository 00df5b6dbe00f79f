"""What the networks are built from, read from the store with a few simple SPARQL queries.

Each query is a handful of triple patterns over the record graphs (the graph
stands for the article: ``kg:graph/pmid/{PMID}``); grouping, counting and
filtering happen in Python, where they are cheap. The result is a
:class:`Corpus`: articles with their authors in order, each authorship's
organisations, the MeSH major topics, and the names, countries and
institutions of the persons and organisations involved.

>>> import tempfile
>>> from kg.resources import shipped
>>> from kg.store import KnowledgeGraph
>>> with tempfile.TemporaryDirectory() as tmp, KnowledgeGraph.open(tmp + "/s", writable=True) as kg:
...     _ = kg.ingest([str(shipped("examples") / "seed-24649313.txt")])
...     corpus = extract(kg, pmids=[24649313], mesh=True)
>>> corpus
<Corpus: 1 article, 7 persons, 2 organisations, with MeSH topics>
>>> article = corpus.articles["24649313"]
>>> article.year, len(article.authors), corpus.persons[article.authors[0]].label
(2014, 7, 'Yang Luo')
>>> sorted({corpus.organisations[o].country for _, o in article.affiliations})
['CN']
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.wording import counted

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["Article", "Corpus", "Organisation", "Person", "extract"]

# One or two triple patterns each: Oxigraph answers these at a few microseconds a row,
# and the joins are cheaper in Python. Authorship IRIs are kg:br/pmid/{PMID}/ar/{rank}
# (MAPPING.md, "IRIs"), so the role itself gives the article and the rank.
_ARTICLES = "SELECT ?a ?id WHERE { ?a fabio:hasPubMedId ?id }"
_YEARS = "SELECT ?a ?year WHERE { ?a fabio:hasPublicationYear ?year }"
_HOLDERS = "SELECT ?role ?person WHERE { ?role pro:isHeldBy ?person }"
_INVALID = "SELECT ?role WHERE { ?role kgv:valid false }"  # names PubMed marks as not the article's authors
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
    #: Whether the articles' MeSH major topics were read (``extract(kg, mesh=True)``); a corpus
    #: made by hand has the topics its articles carry.
    mesh: bool = True

    def __repr__(self) -> str:
        # Short: the default repr holds the whole corpus, which floods a notebook.
        return (f"<Corpus: {counted(len(self.articles), 'article')}, {counted(len(self.persons), 'person')}, "
                f"{counted(len(self.organisations), 'organisation')}, "
                f"{'with' if self.mesh else 'without'} MeSH topics>")


def _rows(kg: KnowledgeGraph, sparql: str) -> Iterator[tuple[str | None, ...]]:
    """A SELECT's rows as tuples of lexical values (None when unbound), without dict overhead."""
    for solution in kg.query(sparql):
        yield tuple(None if term is None else term.value for term in solution)


def _pairs(kg: KnowledgeGraph, sparql: str) -> list[tuple[str, str]]:
    """The rows of a two-variable SELECT whose variables are always bound (the fast path)."""
    return [(s[0].value, s[1].value) for s in kg.query(sparql)]


def _wanted(pmids: Iterable[str | int]) -> set[str]:
    """The PMIDs asked for, as strings (ints are PMIDs too); a TypeError for a single string,
    which would otherwise be read as its characters, and for values that are no PMIDs."""
    if isinstance(pmids, (str, bytes)):
        raise TypeError(f"pmids={pmids!r}: give a list of PMIDs, such as pmids=['24649313'], not a single string")
    wanted: set[str] = set()
    for pmid in pmids:
        # bool is an int, but True is no PMID; numbers.Integral takes numpy's and pandas' ints too.
        if isinstance(pmid, bool) or not isinstance(pmid, (str, numbers.Integral)):
            raise TypeError(f"pmids: {pmid!r} is not a PMID: give PMIDs as strings or ints")
        wanted.add(str(pmid).strip())
    return wanted


def extract(kg: KnowledgeGraph, *, pmids: Iterable[str | int] | None = None, from_year: int | None = None,
            to_year: int | None = None, mesh: bool = False) -> Corpus:
    """Read the articles (all, or those in ``pmids``, a list of PMIDs as strings or ints, published
    between the years given) with their authors and affiliations; with ``mesh``, their MeSH major
    topics too (the mesh network needs them)."""
    article_prefix = kg.iris.article("")
    cut = len(article_prefix)
    wanted = _wanted(pmids) if pmids is not None else None
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
    invalid = {s[0].value for s in kg.query(_INVALID)}
    for role, person in _pairs(kg, _HOLDERS):
        pmid, kind, rank = role[cut:].partition("/ar/")
        if kind and pmid in articles and not person.startswith(collective) and role not in invalid:
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
    return Corpus(articles, persons, organisations, institutions, labels, mesh)
