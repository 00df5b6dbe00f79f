"""Text helpers shared by the parsers: whitespace, affiliations, abstract sections, article ids.

>>> split_affiliations("Dept A, Univ B, Beijing, China ; Lab C, Beijing, China.")
['Dept A, Univ B, Beijing, China', 'Lab C, Beijing, China.']
>>> [(s.label, s.text) for s in split_abstract("BACKGROUND: Why. METHODS: How.")]
[('BACKGROUND', 'Why.'), ('METHODS', 'How.')]
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.identifiers import normalize_doi, normalize_pmcid
from kg.records import AbstractSection, Record

__all__ = ["collapse", "pick_article_ids", "split_abstract", "split_affiliations"]


def collapse(text: str) -> str:
    """``text`` with runs of whitespace made one space, and stripped."""
    return " ".join(text.split())


_AFF_SEP = re.compile(r"\s*;\s+")
# A fragment after "; " that continues the previous affiliation rather than starting one.
_NOT_AN_AFFILIATION = re.compile(r"^(?:[a-z]|(?i:electronic address|e-?mail\b)|\S+@\S+$)")


# The text before a "; " that does not end an affiliation: an entity NLM left escaped
# ("Metabolic &amp; Structural Biology"), or a bracket still open ("(Deutsches Zentrum; DZHK)").
_OPEN = re.compile(r"&#?\w+$|\([^)]*$|\[[^\]]*$")


def split_affiliations(text: str) -> list[str]:
    """The affiliations in one AD line / Affiliation element.

    Older records put several institutions in one affiliation, separated by "; ";
    a fragment that cannot stand alone (an e-mail address, a lower-case
    continuation, a few characters) stays with the affiliation before it, and
    a "; " inside brackets or ending an escaped entity separates nothing.

    >>> split_affiliations("Center for Research (Deutsches Zentrum; DZHK), Berlin; Metabolic &amp; Structural "
    ...                    "Biology, Lucknow.")
    ['Center for Research (Deutsches Zentrum; DZHK), Berlin', 'Metabolic &amp; Structural Biology, Lucknow.']
    """
    text = collapse(text)
    if ";" not in text:
        return [text] if text else []
    out: list[str] = []
    for part in _AFF_SEP.split(text):
        if out and (len(part) < 12 or _NOT_AN_AFFILIATION.match(part) or _OPEN.search(out[-1])):
            out[-1] = f"{out[-1]}; {part}"
        elif part:
            out.append(part)
    return out


# An upper-case label ("BACKGROUND", "MAIN OUTCOME MEASURES") followed by ": " at
# the start of the text or of a sentence.
_LABEL = re.compile(r"(?:^|(?<=[.?!)\]] ))([A-Z][A-Z0-9]*(?:[ ,&/-]+[A-Z0-9]+){0,5}): ")


def split_abstract(text: str) -> list[AbstractSection]:
    """Sections of a MEDLINE AB value; an abstract that does not open with a label is one section.

    Joining the sections as "LABEL: text" gives ``text`` back (whitespace collapsed).
    """
    text = collapse(text)
    if not text:
        return []
    first = _LABEL.match(text)
    if first is None or len(first.group(1)) <= 2:
        return [AbstractSection(text=text)]
    matches = [m for m in _LABEL.finditer(text) if len(m.group(1)) > 2]
    return [
        AbstractSection(text=text[m.end() : nxt.start() if nxt else len(text)].strip(), label=m.group(1))
        for m, nxt in zip(matches, [*matches[1:], None])
    ]


def _first(kind: str, ids: list[tuple[str, str]], normalize: Callable[[str], str | None]) -> str | None:
    """The first value of ``kind`` among (kind, value) ``ids`` that ``normalize`` accepts, normalised."""
    return next((n for k, v in ids if k == kind and (n := normalize(v))), None)


def pick_article_ids(rec: Record) -> None:
    """Set the record's DOI, PII and PMC id: the first well-formed one of each kind among its
    article ids (ArticleIdList; AID and PMC lines), the DOI else from its ELocationIDs (LID).

    Malformed values stay in ``article_ids`` and ``elocation_ids``, where the mapping keeps them as text.
    """
    rec.doi = _first("doi", rec.article_ids, normalize_doi) or _first("doi", rec.elocation_ids, normalize_doi)
    rec.pii = _first("pii", rec.article_ids, str)
    rec.pmcid = _first("pmc", rec.article_ids, normalize_pmcid)
