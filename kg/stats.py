"""What a store holds: records, quads, articles, people, organisations, journals, years,
and counts per class and per property."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.ontologies import ontology_graph
from kg.query import compact

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["stats"]

_COUNTS = {
    "articles": "SELECT (COUNT(?a) AS ?n) WHERE { ?a fabio:hasPubMedId ?id }",
    "authorships": "SELECT (COUNT(?r) AS ?n) WHERE { ?r pro:withRole pro:author }",
    "persons": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a foaf:Person }",
    "organisations": "SELECT (COUNT(?o) AS ?n) WHERE { ?o a org:Organization }",
    "institutions": "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?o org:subOrganizationOf ?i }",
    "journals": "SELECT (COUNT(?j) AS ?n) WHERE { ?j a fabio:Journal }",
}
_YEARS = "SELECT (MIN(?y) AS ?first) (MAX(?y) AS ?last) WHERE { ?a fabio:hasPublicationYear ?y }"
_CLASSES = "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
_PROPERTIES = ("SELECT ?property (COUNT(*) AS ?n) WHERE { ?s ?property ?o } "
               "GROUP BY ?property ORDER BY DESC(?n) ?property")
_AFFILIATION_SHARES = """
SELECT (COUNT(?o) AS ?all) (COUNT(?c) AS ?country) (COUNT(?i) AS ?institution) WHERE {
  ?o a org:Organization .
  FILTER EXISTS { ?r pro:relatesToOrganization ?o }
  OPTIONAL { ?o schema:addressCountry ?c }
  OPTIONAL { ?o org:subOrganizationOf ?i }
}"""


def stats(kg: KnowledgeGraph) -> dict[str, Any]:
    """A dict of the store's figures (see the module docstring); classes and properties
    as {compact IRI: count}, most frequent first. The shipped ontologies (``kg ontology load``)
    are not data: their terms (FRAPO's roles are foaf:Person, say) are not counted."""
    out: dict[str, Any] = {"records": kg.index.record_count(), "quads": len(kg.store)}
    for name, sparql in _COUNTS.items():
        out[name] = kg.select(sparql)[0]["n"]
    years = kg.select(_YEARS)[0]
    out["first_year"], out["last_year"] = (int(years[k]) if k in years else None for k in ("first", "last"))
    shares = kg.select(_AFFILIATION_SHARES)[0]
    total = shares["all"] or 1
    out["affiliations"] = shares["all"]
    out["affiliations_with_country"] = round(shares["country"] / total, 3)
    out["affiliations_with_institution"] = round(shares["institution"] / total, 3)
    out["classes"] = _tally(kg, _CLASSES, "class")
    out["properties"] = _tally(kg, _PROPERTIES, "property")
    ontology = ox.NamedNode(ontology_graph(kg))
    if kg.store.contains_named_graph(ontology):
        # Every triple is stored in one graph, so the union's counts less the ontology's are the data's.
        within = f"FROM <{ontology.value}> WHERE"
        out["quads"] -= sum(1 for _ in kg.store.quads_for_pattern(None, None, None, ontology))
        for name in ("persons", "organisations", "journals"):
            out[name] -= kg.select(_COUNTS[name].replace("WHERE", within))[0]["n"]
        for key, sparql, name in (("classes", _CLASSES, "class"), ("properties", _PROPERTIES, "property")):
            for term, n in _tally(kg, sparql.replace("WHERE", within), name).items():
                out[key][term] -= n
            out[key] = dict(sorted(((t, n) for t, n in out[key].items() if n), key=lambda tn: (-tn[1], tn[0])))
    return out


def _tally(kg: KnowledgeGraph, sparql: str, name: str) -> dict[str, int]:
    return {compact(r[name], kg.prefixes): r["n"] for r in kg.select(sparql)}
