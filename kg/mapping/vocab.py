"""Namespaces and the prefixes users see in queries and exports (MAPPING.md, "Prefixes").

>>> FABIO + "JournalArticle"
'http://purl.org/spar/fabio/JournalArticle'
>>> prefixes("https://example.org/kg/")["kg"]
'https://example.org/kg/'
"""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FABIO = "http://purl.org/spar/fabio/"
FRBR = "http://purl.org/vocab/frbr/core#"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"
PRO = "http://purl.org/spar/pro/"
DATACITE = "http://purl.org/spar/datacite/"
LITERAL = "http://www.essepuntato.it/2010/06/literalreification/"
OCO = "https://w3id.org/oc/ontology/"
CITO = "http://purl.org/spar/cito/"
FRAPO = "http://purl.org/cerif/frapo/"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
VIVO = "http://vivoweb.org/ontology/core#"
MESH = "http://id.nlm.nih.gov/mesh/"
MESHV = "http://id.nlm.nih.gov/mesh/vocab#"
PROV = "http://www.w3.org/ns/prov#"
#: BIBO: only in the "bibo" export profile, never in the stored graph.
BIBO = "http://purl.org/ontology/bibo/"
#: The project's own vocabulary: fixed, never derived from the instance base IRI.
KGV = "https://w3id.org/pubmed-kg/vocab#"

DEFAULT_BASE_IRI = "https://example.org/kg/"

#: ISO 639-2 language IRIs (MAPPING.md: dcterms:language).
LANGUAGE = "http://id.loc.gov/vocabulary/iso639-2/"
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
PMC = "https://www.ncbi.nlm.nih.gov/pmc/articles/"
ORCID = "https://orcid.org/"
DOI = "https://doi.org/"
ROR = "https://ror.org/"
NLM_CATALOG = "https://www.ncbi.nlm.nih.gov/nlmcatalog/"

_FIXED = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "fabio": FABIO,
    "frbr": FRBR,
    "prism": PRISM,
    "pro": PRO,
    "datacite": DATACITE,
    "literal": LITERAL,
    "oco": OCO,
    "cito": CITO,
    "frapo": FRAPO,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "schema": SCHEMA,
    "vivo": VIVO,
    "mesh": MESH,
    "meshv": MESHV,
    "prov": PROV,
    "kgv": KGV,
    "bibo": BIBO,
}


def prefixes(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """Every prefix of the MAPPING contract, with ``kg:`` bound to the store's base IRI."""
    return {**_FIXED, "kg": base_iri}


def sparql_prologue(base_iri: str = DEFAULT_BASE_IRI) -> str:
    """PREFIX declarations for all prefixes, to put in front of a query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base_iri).items())
