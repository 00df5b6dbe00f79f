"""Person identity: which person nodes are the same person (``kg resolve``).

Persons are keyed by ORCID, else by name (MAPPING.md, "IRIs"), so the author of a
paper without an ORCID is a name-keyed person even when another paper gives the
same person's ORCID. :func:`resolve` links a name-keyed person to an ORCID-keyed
one (``owl:sameAs``) only when

* the names agree: the same family name and the same full given name, or the
  same family name and the same two or more initials (never family name and
  first initial alone), and no other ORCID-keyed person has that name with
  evidence of their own; and
* they share a co-author or an institution; and
* they never appear on the same paper (two authors of one paper are two people).

A merge file (TSV ``label<TAB>replace by``, like VOSviewer's thesaurus) adds
manual corrections: each side is a person IRI (``kg:ra/...`` or full) or a name
as printed ("Luo, Yang" or "Yang Luo").

The links go to the named graph ``kg:graph/derived/identity`` (replaced
whole each time), each with ``kgv:sameAsReason``; :func:`identities` reads them
back for the network commands.

>>> initials("John A.")
'ja'
>>> name_key("Smith", "J")  # family name and one initial: never a key
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.mapping.iris import has_full_given_name, slug
from kg.mapping.vocab import KGV, OWL
from kg.network.extract import Corpus, extract
from kg.query import compact
from kg.textfiles import NotUTF8Error, read_utf8
from kg.wording import counted

if TYPE_CHECKING:
    from kg.store import KnowledgeGraph

__all__ = ["Identities", "Merge", "MergeFileError", "identities", "identity_graph", "initials", "name_key",
           "read_merge_file", "resolve", "write_identities"]

_FAMILY_GIVEN = "SELECT ?p ?family ?given WHERE { ?p foaf:familyName ?family OPTIONAL { ?p foaf:givenName ?given } }"
_SAME_AS = "SELECT ?a ?b ?why WHERE { GRAPH ?g { ?a owl:sameAs ?b OPTIONAL { ?a kgv:sameAsReason ?why } } }"

#: kgv:sameAsReason values, before the ": detail".
BY_COAUTHOR = "same name, shared co-author"
BY_INSTITUTION = "same name, shared institution"
BY_FILE = "merge file"


class MergeFileError(ValueError):
    """A merge file line that names no person, or a target that names several."""


@dataclass(frozen=True, slots=True)
class Merge:
    """``source`` is the same person as ``target``, for ``reason`` (with ``detail``)."""

    source: str
    target: str
    reason: str
    detail: str = ""

    @property
    def why(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


@dataclass
class Identities:
    """Merged person -> the person it is, and how many were merged for each reason."""

    same: dict[str, str]
    reasons: Counter

    def summary(self) -> str:
        """One line for the network commands' reports."""
        if not self.same:
            return "identities: no persons merged (kg resolve links name-keyed persons to ORCID-keyed ones)"
        why = ", ".join(f"{n:,} {reason}" for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1]))
        return f"identities: {counted(len(self.same), 'person')} merged into others ({why})"


def identity_graph(kg: KnowledgeGraph) -> str:
    return kg.base_iri + "graph/derived/identity"


def initials(given: str) -> str:
    """The initials of a given name, lower case: "John A." -> "ja", "Jean-Paul" -> "jp"."""
    return "".join(word[0] for word in slug(given).split("-") if word)


def name_key(family: str, given: str | None) -> tuple[str, str] | None:
    """What two names must share to agree: (family, full given name) or, without a full given
    name, (family, initials) with two initials or more; None when that is all there is."""
    if not family or not given:
        return None
    if has_full_given_name(given):
        return slug(family), slug(given)
    letters = re.sub(r"[^a-z]", "", slug(given))
    return (slug(family), "~" + letters) if len(letters) >= 2 else None


def _initials_key(family: str, given: str) -> tuple[str, str] | None:
    letters = initials(given)
    return (slug(family), "~" + letters) if len(letters) >= 2 else None


def resolve(kg: KnowledgeGraph, merge_file: str | Path | None = None,
            corpus: Corpus | None = None) -> tuple[list[Merge], dict[str, int]]:
    """The merges kg resolve makes, and counts of the candidates it did not merge
    (``ambiguous``: several ORCID-keyed persons fit; ``no evidence``: names agree but
    nothing is shared; ``same paper``: both are authors of one paper)."""
    corpus = corpus or extract(kg)
    names = {p: (family, given) for p, family, given in
             ((r["p"], r["family"], r.get("given")) for r in kg.select(_FAMILY_GIVEN))}
    orcid_prefix = kg.base_iri + "ra/orcid/"
    name_prefix = kg.base_iri + "ra/name/"

    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p, (family, given) in names.items():
        if p.startswith(orcid_prefix) and given:
            keys = {name_key(family, given), _initials_key(family, given)}
            for key in keys - {None}:
                by_key[key].append(p)

    papers: dict[str, set[str]] = defaultdict(set)
    for article in corpus.articles.values():
        for p in article.authors:
            papers[p].add(article.pmid)
    person_institutions: dict[str, set[str]] = defaultdict(set)
    for article in corpus.articles.values():
        for p, o in article.affiliations:
            org = corpus.organisations.get(o)
            if org and org.institution:
                person_institutions[p].add(org.institution)

    def coauthors(p: str) -> set[str]:
        return {q for pmid in papers[p] for q in corpus.articles[pmid].authors} - {p}

    merges: list[Merge] = []
    skipped: Counter = Counter()
    for p, (family, given) in sorted(names.items()):
        if not p.startswith(name_prefix) or p not in papers:
            continue
        key = name_key(family, given)
        candidates = [o for o in by_key.get(key, []) if o in papers] if key else []
        if not candidates:
            continue
        evidence: list[Merge] = []
        for o in candidates:
            if papers[p] & papers[o]:
                skipped["same paper"] += 1
                continue
            shared = sorted(coauthors(p) & coauthors(o))
            if shared:
                label = corpus.persons[shared[0]].label if shared[0] in corpus.persons else shared[0]
                evidence.append(Merge(p, o, BY_COAUTHOR, label))
                continue
            common = sorted(person_institutions[p] & person_institutions[o])
            if common:
                evidence.append(Merge(p, o, BY_INSTITUTION, corpus.institutions.get(common[0], common[0])))
        if len(evidence) == 1:
            merges.append(evidence[0])
        elif evidence:
            skipped["ambiguous"] += 1
        else:
            skipped["no evidence"] += 1
    if merge_file is not None:
        manual = _resolve_merge_file(kg, merge_file, names, corpus)
        overridden = {m.source for m in manual}
        merges = [m for m in merges if m.source not in overridden] + manual
        _refuse_cycles(merges, merge_file, kg.prefixes)
    return merges, dict(skipped)


def read_merge_file(path: str | Path) -> list[tuple[int, str, str]]:
    """(line number, label, replace by) for each line of a ``label<TAB>replace by`` file;
    the header line and lines starting with # are skipped."""
    rows: list[tuple[int, str, str]] = []
    try:
        text = read_utf8(path)
    except NotUTF8Error as exc:
        raise MergeFileError(str(exc)) from None
    for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter="\t"), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["label", "replace by"]:
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise MergeFileError(f"{path}:{number}: expected two tab-separated columns: label, replace by")
        rows.append((number, row[0].strip(), row[1].strip()))
    return rows


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _resolve_merge_file(kg: KnowledgeGraph, path: str | Path, names: dict[str, tuple[str, str | None]],
                        corpus: Corpus) -> list[Merge]:
    by_label: dict[str, set[str]] = defaultdict(set)
    for p, (family, given) in names.items():
        if given:
            by_label[_norm(f"{family}, {given}")].add(p)
    for p, person in corpus.persons.items():
        by_label[_norm(person.label)].add(p)

    def find(text: str) -> set[str]:
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if text.startswith("kg:"):
            text = kg.base_iri + text[3:]
        if text.startswith(("http://", "https://")):
            return {text} if text in names or text in corpus.persons else set()
        return by_label.get(_norm(text), set())

    merges: dict[str, Merge] = {}  # source -> its merge: a person is merged into one other at most
    for number, label, target in read_merge_file(path):
        sources, targets = find(label), find(target)
        if not sources:
            raise MergeFileError(f"{path}:{number}: no person is {label!r}")
        if len(targets) != 1:
            found = "no person" if not targets else counted(len(targets), "person")
            raise MergeFileError(f"{path}:{number}: {found} named {target!r}; give one person's IRI")
        (to,) = targets
        for source in sorted(sources - {to}):
            earlier = merges.setdefault(source, Merge(source, to, BY_FILE, f"line {number}"))
            if earlier.target != to:  # the same merge twice is harmless; two targets are a contradiction
                raise MergeFileError(f"{path}:{number}: {compact(source, kg.prefixes)} is merged into "
                                     f"{compact(earlier.target, kg.prefixes)} on {earlier.detail}: "
                                     "a person can be merged into one other only")
    return list(merges.values())


def _refuse_cycles(merges: list[Merge], path: str | Path, prefixes: dict[str, str]) -> None:
    """Raise :class:`MergeFileError` when merges lead back to where they started (A -> B -> A):
    no person of such a cycle would be the one the others are."""
    into = {m.source: m for m in merges}
    order = {m.source: i for i, m in enumerate(merges)}  # merge-file lines in file order
    checked: set[str] = set()
    for start in sorted(into):
        chain: list[str] = []
        person = start
        while person in into and person not in checked and person not in chain:
            chain.append(person)
            person = into[person].target
        if person in chain:
            cycle = chain[chain.index(person):]
            first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            cycle = cycle[first:] + cycle[:first]
            lines = [into[p].detail.removeprefix("line ") for p in cycle if into[p].reason == BY_FILE]
            named = (f"lines {', '.join(lines[:-1])} and {lines[-1]}" if len(lines) > 1 else f"line {lines[0]}")
            named += "".join(f" and kg resolve's own merge ({into[p].why})" for p in cycle if into[p].reason != BY_FILE)
            shown = " -> ".join(compact(p, prefixes) for p in [*cycle, cycle[0]])
            raise MergeFileError(f"{path}: {named} merge persons in a cycle ({shown}): drop a line, so that "
                                 "one person is the one the others are merged into")
        checked.update(chain)


def write_identities(kg: KnowledgeGraph, merges: Iterable[Merge]) -> int:
    """Replace ``kg:graph/derived/identity`` with these merges; returns the triples written."""
    graph = ox.NamedNode(identity_graph(kg))
    same_as, reason = ox.NamedNode(OWL + "sameAs"), ox.NamedNode(KGV + "sameAsReason")
    quads = []
    for m in merges:
        source = ox.NamedNode(m.source)
        quads.append(ox.Quad(source, same_as, ox.NamedNode(m.target), graph))
        quads.append(ox.Quad(source, reason, ox.Literal(m.why), graph))
    kg.store.clear_graph(graph)
    kg.store.extend(quads)
    kg.store.flush()
    return len(quads)


def identities(kg: KnowledgeGraph) -> Identities:
    """The merges stored by kg resolve: each merged person -> the person it finally is."""
    graph = identity_graph(kg)
    direct: dict[str, str] = {}
    why: dict[str, str] = {}
    for row in kg.select(_SAME_AS.replace("?g", f"<{graph}>")):
        direct[row["a"]] = row["b"]
        why[row["a"]] = row.get("why", BY_FILE).split(":", 1)[0]
    same: dict[str, str] = {}
    for source, first in direct.items():
        target, seen = first, {source}
        while target in direct and target not in seen:  # chains from merge files
            seen.add(target)
            target = direct[target]
        if target not in seen:  # a cycle (stored before kg resolve refused them) merges no one
            same[source] = target
    return Identities(same, Counter(why[source] for source in same))
