"""SHACL validation of the store against ``ontology/shapes.ttl`` (pySHACL on rdflib).

Records are validated in batches: each batch is the records' own graphs plus the
shared-entity statements those records make (kept in the index), so memory stays
bounded whatever the store's size and every violation names the record it is in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.resources import shipped

if TYPE_CHECKING:
    import rdflib

    from kg.store import KnowledgeGraph

__all__ = ["Violation", "shapes", "validate", "validate_graph"]

_BATCH = 100
_SH = "http://www.w3.org/ns/shacl#"


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result: where (record, focus node, path) and what."""

    record: str
    focus: str
    path: str
    message: str
    value: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"PMID {self.record}: {self.focus} {self.path}: {self.message}{value}"


@functools.cache
def shapes() -> rdflib.Graph:
    """The shipped SHACL shapes as an rdflib graph."""
    import rdflib

    return rdflib.Graph().parse(data=(shipped("ontology") / "shapes.ttl").read_text(encoding="utf-8"), format="turtle")


def validate(kg: KnowledgeGraph, pmids: Iterable[str] | None = None, *, batch: int = _BATCH,
             progress: Callable[[int, int], None] | None = None) -> Iterator[Violation]:
    """Violations in the records ``pmids`` (default: every record), batch by batch;
    ``progress(checked, total)`` is called after each batch."""
    import rdflib

    todo = [int(p) for p in pmids] if pmids is not None else [
        p for (p,) in kg.index.db.execute("SELECT pmid FROM records ORDER BY pmid")]
    for start in range(0, len(todo), batch):
        stored = kg.index.records(todo[start : start + batch])
        lines: list[str] = []
        owners: dict[str, set[str]] = {}  # shared node -> records that describe it
        for pmid, rec in stored.items():
            graph = ox.NamedNode(kg.iris.graph(str(pmid)))
            triples = (ox.Triple(q.subject, q.predicate, q.object)
                       for q in kg.store.quads_for_pattern(None, None, None, graph))
            lines.append(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode())
            for statement in rec.statements().values():
                lines.append(statement + " .\n")
                owners.setdefault(statement[1 : statement.index(">")], set()).add(str(pmid))
        data = rdflib.Graph().parse(data="".join(lines), format="nt")
        yield from sorted(validate_graph(data, lambda node: _records_of(node, kg.base_iri, owners)))
        if progress is not None:
            progress(min(start + batch, len(todo)), len(todo))


def _records_of(node: str, base: str, owners: dict[str, set[str]]) -> str:
    m = re.match(re.escape(base) + r"(?:br|graph)/pmid/(\d+)", node)
    if m:
        return m.group(1)
    return ",".join(sorted(owners.get(node, ()), key=int)) or "?"


def validate_graph(data: rdflib.Graph, record_of=lambda node: "?") -> list[Violation]:
    """The SHACL violations of an rdflib graph; ``record_of`` names the record of a focus node."""
    import pyshacl
    import rdflib

    # In place: without inference or rules pySHACL never changes the data graph, and cloning
    # it costs a tenth of the validation time.
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes(), advanced=True, allow_warnings=True,
                                            inplace=True)
    if conforms:
        return []
    sh = rdflib.Namespace(_SH)
    found = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(results.value(result, sh.focusNode))
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = str(results.value(result, sh.resultSeverity) or "").rsplit("#", 1)[-1]
        found.append(Violation(
            record=record_of(focus),
            focus=focus,
            path=str(path) if path is not None else "",
            message=str(results.value(result, sh.resultMessage) or "does not conform"),
            value=str(value) if value is not None else "",
            severity=severity,
        ))
    return found
