"""Build the graph straight from PubMed: search with NCBI's E-utilities, download, ingest.

``kg fetch QUERY`` runs ESearch on the history server, splits results over ESearch's
9,999-id cap by publication date, downloads the records with EFetch in batches (kept
in a cache, so that an interrupted fetch resumes and a repeated one downloads
nothing) and ingests them as they arrive; ``kg update`` fetches again what PubMed
modified since. The modules: :mod:`~kg.fetch.eutils` (the HTTP client: rate limit,
retries, errors), :mod:`~kg.fetch.search` (date slicing), :mod:`~kg.fetch.cache`,
:mod:`~kg.fetch.saved` (the searches a store remembers), :mod:`~kg.fetch.run` (a
fetch or update) and :mod:`~kg.fetch.commands` (the click commands).

Python::

    from kg.fetch import EUtils, fetch
    from kg.store import KnowledgeGraph

    with KnowledgeGraph.open("kg-store", writable=True) as kg, EUtils(email="me@example.org") as client:
        report = fetch(kg, client, query="pancreatic cancer[mh] AND 2020[dp]")
    print(report.hits, report.records, report.ingest.added, report.error)
"""

from kg.fetch.eutils import DEFAULT_EUTILS_URL, ApiKeyError, EUtils, EUtilsError, NetworkError, QueryError
from kg.fetch.run import FetchReport, fetch, update

__all__ = [
    "DEFAULT_EUTILS_URL",
    "ApiKeyError",
    "EUtils",
    "EUtilsError",
    "FetchReport",
    "NetworkError",
    "QueryError",
    "fetch",
    "update",
]
