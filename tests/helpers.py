"""Paths of the test data and helpers shared by the tests."""

from __future__ import annotations

import functools
import gzip
import io
import shutil
from pathlib import Path
from typing import Any

from kg.records import Author, Record
from kg.sources.pubmed_xml import parse_pubmed_xml

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed" / "000_45c4907e053debe3.txt"
BULK = DATA / "bulk" / "pubmed21n1298.xml.gz"
#: Every file that must ingest with no error (seed, medline, xml).
GOOD_DIRS = [DATA / "seed", DATA / "medline", DATA / "xml"]


@functools.cache
def bulk_xml() -> bytes:
    """The bulk file's XML, decompressed once for the whole session (233 MB; a second each time)."""
    with gzip.open(BULK) as f:
        return f.read()


def bulk_record(pmid: str) -> Record:
    """One record of the bulk file, cut out of it (reading the whole file as records takes seconds)."""
    data = bulk_xml()
    at = data.index(f"<PMID Version=\"1\">{pmid}</PMID>".encode())
    start, end = data.rindex(b"<PubmedArticle>", 0, at), data.index(b"</PubmedArticle>", at)
    xml = b"<PubmedArticleSet>" + data[start:end] + b"</PubmedArticle></PubmedArticleSet>"
    [record] = parse_pubmed_xml(io.BytesIO(xml), str(BULK))
    return record


def copy_store(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("lock"))
    return dst


def _person(a: Author) -> tuple:
    return (a.family, a.given, a.initials, a.suffix, a.collective, a.orcid, [f.name for f in a.affiliations])


def shared_fields(r: Record) -> dict[str, Any]:
    """The fields that both MEDLINE text and PubMed XML carry, in comparable form."""
    j = r.journal
    return {
        "pmid": r.pmid,
        "title": r.title,
        "vernacular_title": r.vernacular_title,
        "abstract": r.abstract_text,
        "copyright": r.copyright,
        "languages": r.languages,
        "authors": [_person(a) for a in r.authors],
        "investigators": [_person(a) for a in r.investigators],
        "journal": j and (j.title, j.medline_ta, j.issn_print, j.issn_electronic, j.issn_linking, j.nlm_id, j.country),
        "volume": r.volume,
        "issue": r.issue,
        "pages": r.pages,
        "elocation_ids": sorted(r.elocation_ids),
        "pub_date": r.pub_date,
        "electronic_date": r.electronic_date,
        "history": sorted((h.status, h.when, h.raw) for h in r.history),
        "dates": (r.date_created, r.date_completed, r.date_revised),
        "ids": (r.doi, r.pii, r.pmcid, sorted(r.article_ids), sorted(r.other_ids)),
        "mesh": [(m.descriptor, m.major, [(q.name, q.major) for q in m.qualifiers]) for m in r.mesh_headings],
        "publication_types": [p.name for p in r.publication_types],
        "keywords": [(k.text, k.owner) for k in r.keywords],
        "chemicals": [(c.name, c.registry_number) for c in r.chemicals],
        "grants": r.grants,
        "comments": [(c.kind, c.pmid) for c in r.comments_corrections],
        "coi": r.coi_statement,
        "notes": r.general_notes,
        "reference_count": r.reference_count,
        "status": (r.medline_status, r.owner, r.publication_status),
        "subsets": r.subsets,
        "databanks": r.databanks,
    }


def differences(a: Record, b: Record) -> dict[str, tuple[Any, Any]]:
    fa, fb = shared_fields(a), shared_fields(b)
    return {k: (fa[k], fb[k]) for k in fa if fa[k] != fb[k]}
