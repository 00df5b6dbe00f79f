"""The MEDLINE tag set, its canonical order, and what a plausible value of each tag looks like.

This is the knowledge the flattened-record splitter in :mod:`kg.sources.medline`
needs to tell a real tag from prose that happens to contain one ("patients with
AD - a cohort"): NLM writes the tags of a record in a fixed order, a few tags
only follow certain others, and many values have a recognisable shape.
"""

from __future__ import annotations

import re

__all__ = ["ALL_TAGS", "COMMENT_KINDS", "FOLLOWS", "ORDER", "REPEATABLE", "VALUE_SHAPES", "group_of"]

#: Comment/correction tags and the XML CommentsCorrections RefType each stands for.
COMMENT_KINDS: dict[str, str] = {
    "CON": "CommentOn",
    "CIN": "CommentIn",
    "EFR": "ErratumFor",
    "EIN": "ErratumIn",
    "ROF": "RetractionOf",
    "RIN": "RetractionIn",
    "PROF": "PartialRetractionOf",
    "PRIN": "PartialRetractionIn",
    "UOF": "UpdateOf",
    "UIN": "UpdateIn",
    "RPF": "RepublishedFrom",
    "RPI": "RepublishedIn",
    "ECF": "ExpressionOfConcernFor",
    "ECI": "ExpressionOfConcernIn",
    "ORI": "OriginalReportIn",
    "SPIN": "SummaryForPatientsIn",
    "CRF": "CorrectedandRepublishedFrom",
    "CRI": "CorrectedandRepublishedIn",
    "RRF": "RetractedandRepublishedFrom",
    "RRI": "RetractedandRepublishedIn",
}

#: NLM's order of tags in a record, as groups: tags of one group may come in any
#: order and repeat (an author block, say); a later group never precedes an earlier one.
ORDER: tuple[tuple[str, ...], ...] = (
    ("PMID",),
    ("OWN",),
    ("STAT",),
    ("DA", "DCOM", "LR", "DRDT", "CTDT"),
    ("IS", "ISBN"),
    ("VI", "IP", "PB", "CTI", "EN", "VTI", "CP", "ED", "FED"),
    ("DP",),
    ("TI", "BTI"),
    ("PG",),
    ("LID",),
    ("AB",),
    ("CI", "OCI"),
    ("FAU", "AU", "AUID", "AD", "CN", "ED", "FED"),
    ("LA",),
    ("SI",),
    ("GR",),
    ("PT",),
    ("TT",),
    ("DEP",),
    ("PL",),
    ("TA",),
    ("JT",),
    ("JID",),
    ("RN", "NM"),
    ("SB",),
    tuple(COMMENT_KINDS),
    ("GS", "SFM"),
    ("MH",),
    ("PS", "FPS"),
    ("RF",),
    ("OAB", "OABL"),
    ("PMC", "MID", "OID"),
    ("OTO", "OT"),
    ("COIS", "GN", "PUBM"),
    ("IR", "FIR", "IRAD", "AUID"),
    ("EDAT", "MHDA", "PMCR", "CRDT"),
    ("PHST",),
    ("AID",),
    ("PST",),
    ("SO",),
)

ALL_TAGS: frozenset[str] = frozenset(t for group in ORDER for t in group)

_GROUPS: dict[str, tuple[int, ...]] = {}
for _i, _group in enumerate(ORDER):
    for _t in _group:
        _GROUPS.setdefault(_t, ())
        _GROUPS[_t] += (_i,)


def group_of(tag: str) -> tuple[int, ...]:
    """The positions of ``tag``'s groups in :data:`ORDER` (a few tags sit in two)."""
    return _GROUPS[tag]


#: Tags that may occur several times in one record (others occur once).
REPEATABLE: frozenset[str] = frozenset(
    {"IS", "ISBN", "FAU", "AU", "AUID", "AD", "CN", "ED", "FED", "LA", "SI", "GR", "PT", "RN", "NM",
     "SB", "GS", "SFM", "MH", "PS", "FPS", "OAB", "OABL", "OID", "OTO", "OT", "GN", "IR", "FIR",
     "IRAD", "PHST", "AID", "LID", "TT"} | set(COMMENT_KINDS)
)

#: Tags that only ever follow one of the given tags (an affiliation follows a name).
FOLLOWS: dict[str, frozenset[str]] = {
    "AD": frozenset({"FAU", "AU", "AUID", "AD", "CN"}),
    "AUID": frozenset({"FAU", "AU", "AD", "CN", "IR", "FIR", "IRAD"}),
    "IRAD": frozenset({"IR", "FIR", "IRAD", "AUID"}),
    "OABL": frozenset({"OAB"}),
    "OT": frozenset({"OTO", "OT"}),
}

_DATE8 = r"\d{8}"
# "2013/06/02 00:00", and the partial dates PubMed writes for some events ("2013 [ecollection]").
_HIST = r"-?\d{4}(?:/\d{1,2}(?:/\d{1,2})?)?(?: \d{1,2}:\d{2})?"

#: What a whole value of a tag looks like; a candidate split whose value does not
#: fit is unlikely to be a real tag.
VALUE_SHAPES: dict[str, re.Pattern[str]] = {
    tag: re.compile(pattern, re.S)
    for tag, pattern in {
        "PMID": r"\d+",
        "OWN": r"[A-Z]+",
        "STAT": r"[A-Za-z-]+",
        "DA": _DATE8,
        "DCOM": _DATE8,
        "LR": _DATE8,
        "DEP": _DATE8,
        "IS": r"\d{4}-?\d{3}[\dXx](?: \([A-Za-z]+\))?",
        "DP": r"\d{4}.{0,40}",
        "LA": r"[A-Za-z]{3}",
        "PMC": r"PMC\d+",
        "JID": r"\w+",
        "PST": r"[a-z-]+",
        "EDAT": _HIST,
        "MHDA": _HIST,
        "CRDT": _HIST,
        "PMCR": _HIST,
        "PHST": _HIST + r" \[[a-z-]+\]",
        "AID": r"\S.* \[[a-z-]+\]",
        "LID": r"\S+(?: \[[a-z-]+\])?",
        "VI": r".{1,40}",
        "IP": r".{1,40}",
        "PG": r".{1,100}",
        "TA": r".{1,100}",
        "RF": r"\d+",
        "AUID": r"[A-Za-z]+: ?\S+",
        "OID": r"[A-Za-z]+: .+",
        "MID": r"[A-Z]+\d+.*",
        # A copyright statement names itself, or is a short text starting with a word ("Sociedad
        # Argentina de Pediatria."); "1.2-1.9)" after "95% CI -" in an abstract is not one.
        "CI": r"(?:(?=.*(?i:copyright|©|\(c\)|publish|rights|licen[cs]|author|crown|creative commons|open access)).*"
              r"|[^\W\d_][^%]{0,299})",
        "CN": r".{1,300}",
        "OTO": r"[A-Z]+",
        "OT": r".{1,200}",
        # "Family Initials", a generational suffix its only digits: never prose ("arbitrary units -
        # in controls."). "et al." marks an author list cut short.
        "AU": r"(?!.* - )[^\d.]{1,100}?(?: (?:Jr|Sr|\d(?:nd|rd|th)))?|et al\.?",
        "FAU": r".{1,150}",
    }.items()
}
