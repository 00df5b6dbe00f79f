"""Named queries: each one's answer on the test data, checked against a count made straight
from the records (not through the store), and each under 2 s on the bulk file."""

from __future__ import annotations

import time
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from kg.mapping import affiliations
from kg.mapping.iris import Iris
from kg.mapping.vocab import MESH
from kg.query import named_queries
from kg.records import Record
from kg.store import KnowledgeGraph

IRIS = Iris("https://example.org/kg/")


def run(kg: KnowledgeGraph, name: str, **params: str) -> list[dict]:
    """A named query's rows, its parameters given as ``kg query --param`` takes them."""
    return kg.select(named_queries()[name].sparql, params=params)


def assert_top(rows: list[dict], key: str, count: str, expected: Counter) -> None:
    """``rows`` are the top of ``expected`` by count: exact above the cut-off count, and
    any of the tied ones at it."""
    assert rows
    got = [(r[key], r[count]) for r in rows]
    assert [c for _, c in got] == sorted((c for _, c in got), reverse=True)
    cut = got[-1][1]
    assert {k: c for k, c in got if c > cut} == {k: c for k, c in expected.items() if c > cut}
    assert all(expected[k] == c for k, c in got)
    assert len(rows) == min(20, sum(1 for c in expected.values() if c >= cut))


def test_named_queries_are_listed_with_descriptions() -> None:
    queries = named_queries()
    assert len(queries) >= 10
    assert all(q.description for q in queries.values())
    assert [p.name for p in queries["articles-of-author"].params] == ["person"]


def test_publications_per_year(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected = Counter(str(r.year) for r in records.values() if r.year)
    assert {r["year"]: r["articles"] for r in run(kg, "publications-per-year")} == expected


def test_top_journals(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected = Counter(IRIS.journal(r.journal.nlm_id, None, None) for r in records.values()
                       if r.journal and r.journal.nlm_id and not r.book)
    assert_top(run(kg, "top-journals"), "journal", "articles", expected)


def test_top_authors(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected: Counter = Counter()
    for r in records.values():
        if r.year:
            expected.update({IRIS.person(a) for a in r.authors if not a.collective and IRIS.person(a)})
    assert_top(run(kg, "top-authors"), "person", "papers", expected)


def test_top_mesh_major_topics(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected: Counter = Counter()
    for r in records.values():  # text records have no MeSH UIs: their terms are keyed by label
        expected.update({MESH + m.ui if m.ui else IRIS.mesh_label(m.descriptor) for m in r.mesh_headings if m.is_major})
    assert_top(run(kg, "top-mesh-major"), "descriptor", "articles", expected)


def test_articles_with_a_mesh_heading(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected = {p for p, r in records.items() if any(m.descriptor == "Humans" for m in r.mesh_headings)}
    rows = run(kg, "articles-with-mesh", heading="Humans")
    assert {r["pmid"] for r in rows} == expected and len(expected) > 1000


def test_articles_coauthors_and_affiliations_of_an_author(kg: KnowledgeGraph) -> None:
    assert [r["pmid"] for r in run(kg, "articles-of-author", person="kg:ra/name/fn/luo-yang")] == ["24649313"]
    coauthors = run(kg, "coauthors", person="kg:ra/name/fn/luo-yang")
    assert sorted(r["name"] for r in coauthors) == [
        "Lin Wang", "Puyuan Xing", "Xiaohong Han", "Xiaohui He", "Yuankai Shi", "Yun Feng"]
    assert {r["papers"] for r in coauthors} == {1}
    affs = run(kg, "author-affiliations", person="kg:ra/name/fn/luo-yang")
    assert sorted((r["country"], r.get("institution", "")) for r in affs) == [
        ("CN", ""), ("CN", "Chinese Academy of Medical Sciences and Peking Union Medical College")]


def test_one_article_with_its_authors_in_order(kg: KnowledgeGraph) -> None:
    rows = run(kg, "article", pmid="24649313")
    assert [r["name"] for r in rows[::2]] == [
        "Luo, Yang", "Shi, Yuankai", "Xing, Puyuan", "Wang, Lin", "Feng, Yun", "Han, Xiaohong", "He, Xiaohui"]


def test_retractions_and_errata(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    # The link is stated by the article ("... in"), by the notice ("... of", "... for"), or by both.
    by_article = {"RetractionIn": "retracted", "PartialRetractionIn": "retracted", "ErratumIn": "corrected"}
    by_notice = {"RetractionOf": "retracted", "PartialRetractionOf": "retracted", "ErratumFor": "corrected"}
    expected = set()
    for p, r in records.items():
        for c in r.comments_corrections:
            if c.pmid and c.pmid != p and c.kind in by_article:
                expected.add((p, by_article[c.kind], c.pmid))
            elif c.pmid and c.pmid != p and c.kind in by_notice:
                expected.add((c.pmid, by_notice[c.kind], p))
    rows = run(kg, "retractions-and-errata")
    got = [(r["pmid"], r["kind"], r["noticePmid"]) for r in rows]
    assert set(got) == expected and len(got) == len(expected) == 14
    assert {("8393056", "retracted", "9634358"), ("38446048", "corrected", "38962805"),
            ("33279609", "corrected", "38833988")} <= expected  # stated only by the notice
    assert all(r["article"] == IRIS.article(r["pmid"]) and r["notice"] == IRIS.article(r["noticePmid"]) for r in rows)


def _citers(records: dict[str, Record], target: str) -> set[str]:
    forward = {"CommentOn", "ErratumFor", "RetractionOf", "PartialRetractionOf", "UpdateOf", "OriginalReportIn"}
    backward = {"CommentIn", "ErratumIn", "RetractionIn", "PartialRetractionIn", "UpdateIn", "SummaryForPatientsIn"}
    found = {p for p, r in records.items() if p != target and (
        any(ref.pmid == target for ref in r.references)
        or any(c.pmid == target and c.kind in forward for c in r.comments_corrections))}
    if target in records:
        found |= {c.pmid for c in records[target].comments_corrections if c.kind in backward and c.pmid}
    return found


def _cited(records: dict[str, Record]) -> Counter:
    """How often each PMID is cited; "0", which some reference lists give, is no PMID."""
    return Counter(ref.pmid for r in records.values() for ref in r.references if ref.pmid and int(ref.pmid))


def test_articles_citing_a_pmid(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    target, _ = _cited(records).most_common(1)[0]
    rows = run(kg, "citing-articles", pmid=target)
    assert {r["article"].rsplit("/", 1)[1] for r in rows} == _citers(records, target)


def test_articles_citing_a_doi(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    target = next(p for p, _ in _cited(records).most_common() if p in records and records[p].doi)
    rows = run(kg, "citing-doi", doi=records[target].doi.lower())
    assert {r["article"].rsplit("/", 1)[1] for r in rows} == _citers(records, target) != set()


def _pairs(records: dict[str, Record], key) -> Counter:
    pairs: Counter = Counter()
    for r in records.values():
        keys = {k for a in r.authors for aff in a.affiliations if (k := key(aff.name))}
        pairs.update(combinations(sorted(keys), 2))
    return pairs


def test_country_collaborations(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    expected = _pairs(records, affiliations.country)
    rows = [dict(r, pair=(r["a"], r["b"])) for r in run(kg, "country-collaborations")]
    assert_top(rows, "pair", "papers", expected)


def test_institution_collaborations(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    def institution(text: str) -> str | None:
        name = affiliations.institution(text) if affiliations.clean(text) else None
        return IRIS.institution(name) if name else None

    papers: Counter = Counter()
    for r in records.values():
        papers.update({k for a in r.authors for aff in a.affiliations if (k := institution(aff.name))})
    # The query keeps the 100 institutions with the most papers; which of those tied at the 100th
    # count it keeps is not set, so a pair may hold any of them, and only pairs of institutions
    # above the tie are sure to be there.
    tie = papers.most_common(100)[-1][1]
    pairs = _pairs(records, institution)
    possible = Counter({p: n for p, n in pairs.items() if min(papers[i] for i in p) >= tie})
    certain = {p: n for p, n in pairs.items() if min(papers[i] for i in p) > tie}
    got = [((r["a"], r["b"]), r["papers"]) for r in run(kg, "organisation-collaborations")]
    assert 0 < len(got) <= 20
    assert [c for _, c in got] == sorted((c for _, c in got), reverse=True)
    assert all(possible[k] == c for k, c in got)
    cut = got[-1][1]
    assert {k: c for k, c in certain.items() if c > cut}.items() <= dict(got).items()


_PARAMS = {
    "articles-of-author": {"person": "kg:ra/name/fn/wang-jing"},
    "coauthors": {"person": "kg:ra/name/fn/wang-jing"},
    "author-affiliations": {"person": "kg:ra/name/fn/wang-jing"},
    "articles-with-mesh": {"heading": "Humans"},
    "citing-articles": {"pmid": "31600311"},
    "citing-doi": {"doi": "10.1038/s41586-020-2012-7"},
    "article": {"pmid": "34092911"},
}


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_answers_in_under_two_seconds_on_the_bulk_file(name: str, bulk_store: Path) -> None:
    with KnowledgeGraph.open(bulk_store) as kg:
        run(kg, name, **_PARAMS.get(name, {}))  # warm the store's caches
        started = time.perf_counter()
        rows = run(kg, name, **_PARAMS.get(name, {}))
        elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{name} took {elapsed:.2f} s"
    assert rows or name in ("citing-doi", "citing-articles")
