"""Text helpers shared by the parsers: whitespace, affiliations, abstract sections, article ids.

>>> split_affiliations("Dept A, Univ B, Beijing, China ; Lab C, Beijing, China.")
['Dept A, Univ B, Beijing, China', 'Lab C, Beijing, China.']
>>> [(s.label, s.text) for s in split_abstract("BACKGROUND: Why. METHODS: How.")]
[('BACKGROUND', 'Why.'), ('METHODS', 'How.')]
>>> unescape("Zvý&#353;ení, Health &amp; Human Services, AT&T, R&D;")
'Zvýšení, Health & Human Services, AT&T, R&D;'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from html.entities import html5

from kg.identifiers import normalize_doi, normalize_orcid, normalize_pmcid
from kg.records import AbstractSection, Affiliation, Grant, Record

__all__ = ["affiliations_of", "collapse", "grant", "pick_article_ids", "split_abstract", "split_affiliations",
           "tidy_affiliations", "unescape"]


def collapse(text: str) -> str:
    """``text`` with runs of whitespace made one space, and stripped."""
    return " ".join(text.split())


# A complete character reference: a named one that HTML knows, or a number.
_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def unescape(text: str) -> str:
    """``text`` with the character references and the inline markup left in it as text read.

    NLM escapes some characters twice or three times ("Metabolic &amp;amp; Structural",
    "Zvý&amp;#353;ení", "Investigaci&amp;amp;#x00F3;n" in PubMed XML, "&amp;" in MEDLINE
    text), so that "&amp;" and "&#353;" are still in the text once it is read. Only a whole
    reference, ending in ";", is read: "AT&T" is left alone. Markup escaped with the text
    ("Wnt/&lt;i&gt;β&lt;/i&gt;-catenin", Word's "&lt;o:p&gt;&lt;/o:p&gt;&lt;/p&gt;") is
    taken out, as the parsers flatten the markup that was not escaped.

    >>> unescape("Wnt/<i>β</i>-catenin (197<score ≤283), Investigaci&amp;amp;#x00F3;n")
    'Wnt/β-catenin (197<score ≤283), Investigación'
    """
    if "&" in text:
        for _ in range(3):
            read = _REFERENCE.sub(_character, text)
            if read == text:
                break
            text = read
    if "<" in text:
        text = _MARKUP.sub(_markup_gap, text)
    return text


# HTML's and JATS's inline and paragraph tags, not a comparison ("197<score ≤283") or a URL
# in angle brackets.
_MARKUP = re.compile(
    r"</?(i|b|u|em|strong|italic|bold|sup|sub|sc|scp|underline|span|font|p|br|div|o:p)(?:\s[^<>]*)?/?>")


def _markup_gap(tag: re.Match[str]) -> str:
    """What a tag leaves in the text: a space where it ended a paragraph or line, else nothing."""
    return " " if tag.group(1) in ("p", "br", "div") else ""


def _character(reference: re.Match[str]) -> str:
    ref = reference.group()
    # html.unescape alone would read "&notit;" as "¬it;" (HTML's references without ";").
    return html.unescape(ref) if ref[1] == "#" else html5.get(ref[1:], ref)


_AFF_SEP = re.compile(r"\s*;\s+")
# A fragment after "; " that continues the previous affiliation rather than starting one.
_NOT_AN_AFFILIATION = re.compile(r"^(?:[a-z]|(?i:electronic address|e-?mail\b)|\S+@\S+$)")


# The text before a "; " that does not end an affiliation: a bracket still open
# ("(Deutsches Zentrum; DZHK)").
_OPEN = re.compile(r"\([^)]*$|\[[^\]]*$")


def split_affiliations(text: str) -> list[str]:
    """The affiliations in one AD line / Affiliation element.

    Older records put several institutions in one affiliation, separated by "; ";
    a fragment that cannot stand alone (an e-mail address, a lower-case
    continuation, a few characters) stays with the affiliation before it, and
    a "; " inside brackets separates nothing.

    >>> split_affiliations("Center for Research (Deutsches Zentrum; DZHK), Berlin; Metabolic Biology, Lucknow.")
    ['Center for Research (Deutsches Zentrum; DZHK), Berlin', 'Metabolic Biology, Lucknow.']
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


def affiliations_of(text: str, identifiers: Sequence[tuple[str, str]] = ()) -> list[Affiliation]:
    """The :class:`Affiliation` objects of one affiliation text and the organisation ids given with it.

    An identifier names one organisation: when the text holds several, which one it names is
    not known, and giving it to each would merge them into one node, so none gets it.
    """
    parts = split_affiliations(text)
    return [Affiliation(part, list(identifiers) if len(parts) == 1 else []) for part in parts]


# A footnote number before an affiliation: glued to it ("1Center for Integrative Imaging, ...",
# "2CAS Center for ...", but not an ordinal: "1st Department", "2Nd Department"), or followed by a
# space or ". " ("1 Department of Critical Care Medicine, ...", "1. Key Laboratory of ...").
_FOOTNOTE = re.compile(r"^(\d{1,2})(?:\.?\s+(?=\S)|(?=[A-Z])(?!(?:St|Nd|Rd|Th)\b))")
# The Ringgold number of an institution, glued by some publishers (SAGE) to its name at the start
# of the text or of a part: "70401University of Calgary, ...", "School of Nursing, 12330The
# University of Texas at Austin, ...". Not a name such as "1199SEIU", nor "Leipzig 01403Germany".
# It runs on every affiliation: written digit first, the start checked behind that digit, the
# search skips from digit to digit (2.7x faster than the start checked first).
_RINGGOLD = re.compile(r"\d(?:(?<=^\d)|(?<=[,;] \d))\d{2,5}(?=[A-Z][a-z])")
# An author's ORCID written at the end of an affiliation: "..., Lima, Perú. ORCID: 0000-0002-9100-8547."
_ORCID_AT_END = re.compile(r"\bORCID\s*:?\s*(\S+?)\.?$", re.I)


def tidy_affiliations(rec: Record) -> None:
    """Take what does not name an organisation out of a record's affiliations.

    - An author's ORCID written at the end of an affiliation ("..., Lima, Perú. ORCID:
      0000-0002-9100-8547.") becomes the author's ORCID, unless the author has another one
      (then the text stays as it is, for a reader to judge); an affiliation that was only the
      ORCID is no affiliation.
    - The Ringgold numbers some publishers glue to institutions' names ("70401University of
      Calgary, ...", "School of Nursing, 12330The University of Texas at Austin, ...") go.
    - The footnote numbers some publishers put before a paper's affiliations ("1Center for ...",
      "2CAS Center for ...", "1 Department of ...", "1. Key Laboratory of ...") go, when the paper
      numbers two or more of them so, and no number exceeds its count of distinct affiliations:
      "3M Health Care" or "1 Field Ambulance" alone keeps its name, and so does a street
      address ("84 Heukseok-ro, ...") whose number is larger than that count.

    >>> from kg.records import Author
    >>> rec = Record(pmid="1", authors=[
    ...     Author(affiliations=[Affiliation("1Center for X, Hefei, China. ORCID: 0000-0002-1825-0097.")]),
    ...     Author(affiliations=[Affiliation("2CAS Center for Y, Beijing, China.")])])
    >>> tidy_affiliations(rec)
    >>> [(a.orcid, [f.name for f in a.affiliations]) for a in rec.authors]
    [('0000-0002-1825-0097', ['Center for X, Hefei, China.']), (None, ['CAS Center for Y, Beijing, China.'])]
    """
    people = (*rec.authors, *rec.investigators, *(rec.book.editors if rec.book else ()))
    for person in people:
        kept = []
        for affiliation in person.affiliations:
            found = _ORCID_AT_END.search(affiliation.name) if "RCID" in affiliation.name.upper() else None
            orcid = normalize_orcid(found.group(1)) if found else None
            if orcid and person.orcid in (None, orcid):
                person.orcid = orcid
                affiliation.name = affiliation.name[: found.start()].rstrip(" ,;")
            affiliation.name = _RINGGOLD.sub("", affiliation.name)
            if affiliation.name:
                kept.append(affiliation)
        person.affiliations = kept
    numbered = [(f, m) for p in people for f in p.affiliations if (m := _FOOTNOTE.match(f.name))]
    numbers = {int(m[1]) for _, m in numbered}
    if len(numbers) >= 2 and max(numbers) <= len({f.name for p in people for f in p.affiliations}):
        for affiliation, number in numbered:
            affiliation.name = affiliation.name[number.end() :]


def grant(grant_id: str | None, acronym: str | None, agency: str | None, country: str | None) -> Grant:
    """A :class:`Grant`, with its number and its agency put back in place when the record gives
    them swapped (GrantID "National Natural Science Foundation of China", Agency "81800112").

    >>> grant("National Natural Science Foundation of China", None, "81800112", None).agency
    'National Natural Science Foundation of China'
    """
    if (grant_id and agency and " " in grant_id and " " not in agency and _HAS_DIGIT.search(agency)
            and not _HAS_DIGIT.search(grant_id)):
        grant_id, agency = agency, grant_id
    return Grant(grant_id, acronym, agency, country)


_HAS_DIGIT = re.compile(r"\d")


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
