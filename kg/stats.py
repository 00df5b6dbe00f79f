"""What a store holds: records, quads, articles, people, organisations, journals, years,
and counts per class and per property."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    as {compact IRI: count}, most frequent first."""
    out: dict[str, Any] = {"records": kg.index.record_count(), "quads": len(kg.store)}
    for name, sparql in _COUNTS.items():
        out[name] = kg.select(sparql)[0]["n"]
    years = kg.select(_YEARS)[0]
    out["first_year"], out["last_year"] = years.get("first"), years.get("last")
    shares = kg.select(_AFFILIATION_SHARES)[0]
    total = shares["all"] or 1
    out["affiliations"] = shares["all"]
    out["affiliations_with_country"] = round(shares["country"] / total, 3)
    out["affiliations_with_institution"] = round(shares["institution"] / total, 3)
    out["classes"] = {compact(r["class"], kg.prefixes): r["n"] for r in kg.select(_CLASSES)}
    out["properties"] = {compact(r["property"], kg.prefixes): r["n"] for r in kg.select(_PROPERTIES)}
    return out
