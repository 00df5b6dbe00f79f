"""MEDLINE tagged text ("Save as PubMed format", .txt/.nbib/.medline) into records.

Two layouts are read: the usual one (4-column tags, 6-space continuation lines,
records separated by blank lines) and the flattened one, a whole record on one
line with its whitespace collapsed. Both give the same :class:`~kg.records.Record`.

>>> import io
>>> text = "PMID- 1\\nTI  - A title\\n      continued.\\nFAU - Luo, Yang\\nAU  - Luo Y\\n"
>>> [r.title for r in parse_medline(io.StringIO(text), "example.txt")]
['A title continued.']
>>> flat = "PMID- 1 TI - A title continued. FAU - Luo, Yang AU - Luo Y"
>>> [r.authors[0].label for r in parse_medline(io.StringIO(flat), "flat.txt")]
['Luo, Yang']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator

from kg.identifiers import normalize_doi, normalize_issn, normalize_orcid
from kg.records import (
    Author,
    Book,
    Chemical,
    CommentCorrection,
    HistoryDate,
    Journal,
    Keyword,
    MeshHeading,
    MeshQualifier,
    OtherAbstract,
    ParseError,
    PublicationType,
    Record,
    SourcePosition,
)
from kg.sources.dates import parse_compact_date, parse_history, parse_pub_date
from kg.sources.medline_tags import (
    ALL_TAGS,
    COMMENT_KINDS,
    FOLLOWS,
    REPEATABLE,
    VALUE_SHAPES,
    group_of,
)
from kg.sources.text import (
    affiliations_of,
    collapse,
    grant,
    pick_article_ids,
    split_abstract,
    tidy_affiliations,
    unescape,
)

__all__ = ["medline_fields", "parse_medline", "split_flattened"]

# "PMID- 123", "LR  - 2021", and the sloppy "PMID-123" / "TI  -text" that exports contain.
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: |$)?(.*)$")
# A PMID line followed by more text on the same line: the flattened layout.
_FLAT_START = re.compile(r"^PMID- ?\d+\s+\S")


def parse_medline(stream: Iterable[str], name: str) -> Iterator[Record | ParseError]:
    """Records from MEDLINE text lines; unreadable records become :class:`ParseError`.

    ``stream`` yields lines (a text file opened with universal newlines); ``name``
    names the input in positions and messages.
    """
    last: Record | ParseError | None = None  # held back for the notes on lines after it
    try:
        for fields, notes in medline_fields(stream):
            if fields:
                if last is not None:
                    yield last
                last = _build(fields, notes, name)
            elif last is None:  # only lines that are not MEDLINE: say so
                yield ParseError(f"no MEDLINE record in the input: {len(notes):,} lines are not MEDLINE fields "
                                 f"({notes[0]})", SourcePosition(name, line=1))
            elif isinstance(last, Record):  # lines after the last record: its warnings say what was ignored
                last.warnings.extend(notes)
    except Exception:  # reading failed (a truncated .gz): the whole record before still counts
        if last is not None:
            yield last
        raise
    if last is not None:
        yield last


def medline_fields(stream: Iterable[str]) -> Iterator[tuple[list[list], list[str]]]:
    """Each record's fields as ``[tag, value, line]`` lists, continuation lines joined, with
    notes on the lines that were skipped: the tag splitting half of :func:`parse_medline`.
    Lines skipped after the last record come last, with no fields.

    >>> import io
    >>> next(medline_fields(io.StringIO("PMID- 1\\nTI  - A title\\n      continued.\\n")))
    ([['PMID', '1', 1], ['TI', 'A title continued.', 2]], [])
    """
    fields: list[list] = []  # [tag, value, line]
    notes: list[str] = []
    not_utf8 = getattr(stream, "not_utf8", ())  # lines a TextLines read as Windows-1252
    raw = "\n"
    for lineno, raw in enumerate(stream, 1):
        line = raw.rstrip()
        if not line:
            if fields:
                yield fields, notes
                fields, notes = [], []
            continue
        recoded = [f"line {lineno}: not UTF-8; read as Windows-1252"] if not_utf8 and lineno in not_utf8 else ()
        if line[0] in " \t":
            margin = len(line) - len(line.lstrip(" "))
            if margin < 6 and (m := _TAG_LINE.match(line[margin:])) and m.group(1) in ALL_TAGS:
                line = line[margin:]  # a field line pasted with a margin: continuation lines have six spaces
            else:
                notes.extend(recoded)
                if fields:
                    fields[-1][1] = f"{fields[-1][1]} {line.strip()}" if fields[-1][1] else line.strip()
                else:
                    notes.append(f"line {lineno}: continuation line outside a field, ignored")
                continue
        if line[4:6] == "- " and line[:4] != "PMID":
            # The usual layout ("AU  - Luo Y"): no regex needed, and this is most lines.
            tag, value = line[:4].rstrip(), line[6:].strip()
        elif _FLAT_START.match(line) and len(pairs := split_flattened(line)) > 1:
            if fields:
                yield fields, notes
                fields, notes = [], []
            notes.extend(recoded)  # and the notes on lines before this one
            for record_fields in _records_of(pairs):
                yield [[t, v, lineno] for t, v in record_fields], notes
                notes = list(recoded)
            notes = []
            continue
        else:
            m = _TAG_LINE.match(line)
            if not m:
                notes.append(f"line {lineno}: not a MEDLINE field line, ignored: {line[:60]!r}")
                continue
            tag, value = m.group(1), m.group(2).strip()
        if tag == "PMID" and fields:
            # Records not separated by a blank line.
            yield fields, notes
            fields, notes = [], []
        notes.extend(recoded)
        fields.append([tag, value, lineno])
    if raw[-1:] not in ("\n", "\r") and fields:
        notes.append(f"line {lineno}: the input ends in the middle of this line: the record may be cut off")
    if fields or notes:
        yield fields, notes


def _records_of(pairs: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """Cut a flattened line's (tag, value) pairs at each PMID."""
    current: list[tuple[str, str]] = []
    for tag, value in pairs:
        if tag == "PMID" and current:
            yield current
            current = []
        current.append((tag, value))
    if current:
        yield current


# ---------------------------------------------------------------- flattened layout

_TAGS_4 = sorted(t for t in ALL_TAGS if len(t) == 4)
_TAGS_SHORT = sorted((t for t in ALL_TAGS if len(t) < 4), key=len, reverse=True)
# After whitespace collapsing, 4-letter tags keep "TAG-", shorter ones become "TAG -".
# ("PMID-123", without the space, as in the usual layout's sloppy exports.)
_CANDIDATE = re.compile(rf"(?<!\S)(?:({'|'.join(_TAGS_4)})-(?= |$)|({'|'.join(_TAGS_SHORT)}) -(?= |$)|(PMID)-(?=\d))")
_WINDOW = 24  # candidates considered as the next real tag
_SKIP = 1.0  # reading a tag-like token as prose
# Prose that mentions "CI -" or "AD -" is written in these fields: a tag-like token is read as
# part of them more readily than as part of, say, a copyright line.
_PROSE = frozenset({"TI", "AB", "OAB", "TT", "BTI", "VTI", "CTI", "COIS", "GN"})
_SKIP_IN_OTHERS = 1.5
_ODD_VALUE = 6.0  # a value that does not look like its tag's values
_OUT_OF_ORDER = 10.0  # a tag before one that NLM writes earlier
# A tag after one it never follows (AD after anything but a name): however many tag-like
# tokens a long abstract holds, they are not worth it.
_NOT_AFTER = 100.0
_REPEATED = 5.0  # a second occurrence of a once-only tag
# A title or an abstract that does not end as a sentence does ("Guidelines of the CN - Chinese
# Neurosurgical Society."): more than one token read as prose, less than two.
_UNFINISHED = 1.5
_SENTENCES = frozenset({"TI", "AB"})
_SENTENCE_ENDS = frozenset(".?!)]\"'")


def _skip_cost(tag: str, tokens: int) -> float:
    return tokens * (_SKIP if tag in _PROSE else _SKIP_IN_OTHERS)


def _transition(a: str, b: str) -> float:
    if b == "PMID":
        return 0.0 if a == "SO" else 2.0
    if b in FOLLOWS and a not in FOLLOWS[b]:
        return _NOT_AFTER
    if a == b and a not in REPEATABLE:
        return _REPEATED
    ga, gb = group_of(a), group_of(b)
    return 0.0 if any(y >= x for x in ga for y in gb) else _OUT_OF_ORDER


def _value_cost(tag: str, value: str) -> float:
    shape = VALUE_SHAPES.get(tag)
    if shape is not None and value and not shape.fullmatch(value):
        return _ODD_VALUE
    if tag in _SENTENCES and value[-1:] not in _SENTENCE_ENDS:
        return _UNFINISHED
    return 0.0


def split_flattened(line: str) -> list[tuple[str, str]]:
    """The (tag, value) pairs of a flattened record line.

    Only known MEDLINE tags split the line, and a tag-like token is read as a tag
    only where the whole segmentation is most plausible: NLM's tag order, tags
    that only follow certain others (AD follows a name), and value shapes. So
    "patients with AD - a cohort" inside an abstract stays in the abstract.

    >>> split_flattened("PMID- 1 AB - In AD - a cohort. FAU - Luo, Yang AU - Luo Y AD - Dept X.")
    [('PMID', '1'), ('AB', 'In AD - a cohort.'), ('FAU', 'Luo, Yang'), ('AU', 'Luo Y'), ('AD', 'Dept X.')]
    """
    cands = [(m.start(), m.end(), m.group(1) or m.group(2) or m.group(3)) for m in _CANDIDATE.finditer(line)]
    if not cands:
        return []
    n = len(cands)
    best = [math.inf] * n
    back = [-1] * n
    best[0] = 0.0
    for i in range(n):
        if best[i] == math.inf:
            continue
        tag_i, end_i = cands[i][2], cands[i][1]
        for j in range(i + 1, min(n, i + 1 + _WINDOW)):
            value = line[end_i : cands[j][0]].strip()
            cost = best[i] + _skip_cost(tag_i, j - i - 1) + _value_cost(tag_i, value) + _transition(tag_i, cands[j][2])
            if cost < best[j]:
                best[j], back[j] = cost, i
    last, last_cost = -1, math.inf
    for k in range(max(0, n - _WINDOW), n):
        if best[k] < math.inf:
            cost = best[k] + _skip_cost(cands[k][2], n - 1 - k) + _value_cost(cands[k][2], line[cands[k][1] :].strip())
            if cost < last_cost:
                last, last_cost = k, cost
    chosen: list[int] = []
    while last >= 0:
        chosen.append(last)
        last = back[last]
    chosen.reverse()
    ends = [cands[j][0] for j in chosen[1:]] + [len(line)]
    return [(cands[i][2], line[cands[i][1] : end].strip()) for i, end in zip(chosen, ends)]


# ---------------------------------------------------------------- building a record

# NLM writes generational suffixes as these words; Roman letters after a name are initials
# ("Balkan II", "Diaby V"), never suffixes.
_SUFFIXES = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "5th"})
_ET_AL = re.compile(r"et al\.?", re.I)
_ID_TYPE = re.compile(r"^(.*?)\s*\[([A-Za-z-]+)\]$")
_PMID_REF = re.compile(r"\s*PMID:\s*(\d+)\s*$")
_ISSN_TYPE = re.compile(r"^(\S+)\s*\(([A-Za-z]+)\)$")
_CHEMICAL = re.compile(r"^(.*?)\s*\((.*)\)$")
# A value that needs more than taking as it is: runs of whitespace, references, markup.
_NOT_PLAIN = re.compile(r"  |[\t&<]")
# A CAS number, a UNII, an EC number.
_REGISTRY_NUMBER = re.compile(r"\d{2,7}-\d{2}-\d|[0-9A-Z]{10}|EC [\d.n-]+")
# NLM's grant acronyms: "CA", "WT_", "ImNIH" (intramural programmes).
_GRANT_ACRONYM = re.compile(r"(?:Im)?[A-Z][A-Z0-9_]{1,5}")


class _Builder:
    """Turns the fields of one record into a Record, keeping track of name blocks."""

    def __init__(self, pmid: str, source: SourcePosition) -> None:
        self.rec = Record(pmid=pmid, source=source)
        self.journal = Journal()
        self.book = Book()
        # The person the next AD/AUID belongs to, and the list it is in.
        self.person: Author | None = None
        self.person_list: list[Author] | None = None
        self.forms: set[str] = set()  # the name forms (full, abbr) the person already has
        self.keyword_owner: str | None = None
        self.fallback_history: list[HistoryDate] = []

    # -- names
    def name(self, people: list[Author], value: str, *, full: bool) -> None:
        """Add FAU/AU (IR/FIR, PS/FPS, ED/FED): a full and an abbreviated form per person,
        in either order; a form already filled, or a name that does not match, starts a new person."""
        form = "full" if full else "abbr"
        person = self.person if self.person_list is people else None
        if person is not None and form not in self.forms and _compatible(value, person.family, full=full):
            (_fill_full if full else _fill_abbr)(person, value)
            self.forms.add(form)
            return
        person = Author()
        (_fill_full if full else _fill_abbr)(person, value)
        people.append(person)
        self.person, self.person_list, self.forms = person, people, {form}

    def collective(self, value: str) -> None:
        person = Author(collective=value)
        self.rec.authors.append(person)
        # A collective name has no second form: the next name starts a new author.
        self.person, self.person_list, self.forms = person, self.rec.authors, {"full", "abbr"}

    def affiliation(self, value: str, line: int) -> None:
        if self.person is None:
            self.rec.warnings.append(f"line {line}: affiliation without an author before it: {value[:60]!r}")
            return
        self.person.affiliations.extend(affiliations_of(*_trailing_identifiers(value)))

    def identifier(self, value: str, line: int) -> None:
        if self.person is None:
            self.rec.warnings.append(f"line {line}: author identifier without an author: {value!r}")
            return
        source, _, ident = value.partition(":")
        if source.strip().upper() != "ORCID":
            return
        orcid = normalize_orcid(ident)
        if orcid:
            self.person.orcid = orcid
        else:
            self.person.orcid_raw = ident.strip()  # the mapping keeps it as given, and says so


def _compatible(name: str, family: str | None, *, full: bool) -> bool:
    """Whether a full name ("Luo, Yang") or an abbreviated one ("Luo Y") fits a family name."""
    if family is None:
        return True
    if full:
        return name.split(",", 1)[0].strip() == family
    return name == family or name.startswith(family + " ")


def _split_suffix(text: str) -> tuple[str, str | None]:
    head, _, last = text.rpartition(" ")
    return (head, last) if head and last in _SUFFIXES else (text, None)


def _fill_full(person: Author, value: str) -> None:
    """FAU "Luo, Yang" / "Campion, Thomas R Jr" / "Selvamani"."""
    family, sep, given = value.partition(",")
    person.family = family.strip() or None
    given = given.strip().strip(",").strip()
    if given:
        given, suffix = _split_suffix(given)
        person.given = given.rstrip(",").strip() or None
        person.suffix = person.suffix or suffix
    elif not sep:
        person.family = value.strip() or None


def _fill_abbr(person: Author, value: str) -> None:
    """AU "Luo Y" / "Campion TR Jr" / "Selvamani"."""
    value, suffix = _split_suffix(value.strip())
    person.suffix = person.suffix or suffix
    if person.family and (value == person.family or value.startswith(person.family + " ")):
        person.initials = value[len(person.family) :].strip() or None
        return
    head, _, last = value.rpartition(" ")
    if head and last.isupper() and last.isalpha() and len(last) <= 4:
        person.family, person.initials = person.family or head, last
    else:
        person.family = person.family or value


def _build(fields: list[list], notes: list[str], name: str) -> Record | ParseError:
    first_line = fields[0][2]
    pmid_values = [v for t, v, _ in fields if t == "PMID"]
    source = SourcePosition(name, line=first_line)
    pmid = pmid_values[0].split(maxsplit=1) if pmid_values else []
    if not pmid or not pmid[0].isdigit():
        got = f"PMID {pmid_values[0]!r} is not a number" if pmid_values else "no PMID field"
        return ParseError(f"record skipped: {got}", source)
    if len(pmid) > 1:  # a stray continuation line after the PMID: keep the number
        notes = [*notes, f"line {first_line}: text after the PMID ignored: {pmid[1][:60]!r}"]
    b = _Builder(pmid[0], source)
    b.rec.warnings.extend(notes)
    try:
        for tag, value, line in fields:
            handler = _HANDLERS.get(tag)
            if handler is not None:
                # Collapse whitespace (also non-breaking spaces, "&nbsp;" among the references NLM
                # leaves in) and read escaped text, skipping the common plain case.
                plain = value.isascii() and not _NOT_PLAIN.search(value)
                handler(b, value if plain else collapse(unescape(value)), line)
            elif tag not in ALL_TAGS:
                b.rec.warnings.append(f"line {line}: unknown tag {tag!r} ignored")
    except Exception as exc:  # a defect must not cost the other records: report this one
        return ParseError(f"record skipped: {type(exc).__name__}: {exc}", source, b.rec.pmid)
    return _finish(b)


def _finish(b: _Builder) -> Record:
    rec = b.rec
    if b.book.title or b.book.collection_title or b.book.publisher or b.book.isbns or b.book.editors:
        rec.book = b.book
    journal = [f for f in b.journal.__slots__ if getattr(b.journal, f)]
    if journal and (rec.book is None or journal != ["country"]):  # a book's PL is where its publisher is
        rec.journal = b.journal
    seen = {h.status for h in rec.history}
    rec.history.extend(h for h in b.fallback_history if h.status not in seen)
    pick_article_ids(rec)
    tidy_affiliations(rec)
    return rec


# MEDLINE text writes an affiliation's organisation ids after it ("..., Sheffield, UK. ISNI: 0000
# 0004 1936 9262. GRID: grid.11835.3e") where PubMed XML has AffiliationInfo/Identifier elements.
_ID_LABEL = re.compile(r" (ISNI|GRID|ROR|RINGGOLD): ")
_ID_FORM = {
    "ISNI": re.compile(r"\d{4} ?\d{4} ?\d{4} ?\d{3}[\dX]"),
    "GRID": re.compile(r"grid\.\d+\.[0-9a-f]+"),
    "ROR": re.compile(r"(?:https?://ror\.org/)?0[a-z0-9]{8}"),
    "RINGGOLD": re.compile(r"\d+"),
}


def _trailing_identifiers(value: str) -> tuple[str, list[tuple[str, str]]]:
    """An AD line's text and the organisation ids written after it; the line as it is when
    what follows a label is not an id of that kind."""
    pieces = _ID_LABEL.split(value) if ": " in value else [value]
    ids = [(label, v.removesuffix(".")) for label, v in zip(pieces[1::2], pieces[2::2])]
    if not ids or not all(_ID_FORM[label].fullmatch(v) for label, v in ids):
        return value, []
    return pieces[0], ids


# ---------------------------------------------------------------- per-tag handlers


def _set(attr: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if value:
            setattr(b.rec, attr, value)

    return handler


def _set_journal(attr: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if value:
            setattr(b.journal, attr, value)

    return handler


def _append(attr: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if value:
            getattr(b.rec, attr).append(value)

    return handler


def _date(attr: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if not value:
            return
        parsed = parse_compact_date(value)
        if parsed is None:
            b.rec.warnings.append(f"line {line}: malformed date {value!r}")
        setattr(b.rec, attr, parsed)

    return handler


def _history(status: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        when = parse_history(value)
        if when is not None:
            b.fallback_history.append(HistoryDate(status, when))
        elif value:
            b.rec.warnings.append(f"line {line}: malformed date {value!r}")

    return handler


def _names(list_name: str, *, full: bool, book: bool = False):
    def handler(b: _Builder, value: str, line: int) -> None:
        # "AU  - et al." in older records says the list was cut short (the XML's
        # CompleteYN="N"); it names no one.
        if value and not _ET_AL.fullmatch(value):
            people = b.book.editors if book else getattr(b.rec, list_name)
            b.name(people, value, full=full)

    return handler


def _comment(kind: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if not value:
            return
        m = _PMID_REF.search(value)
        ref = value[: m.start()] if m else value
        b.rec.comments_corrections.append(
            CommentCorrection(kind=kind, pmid=m.group(1) if m else None, ref_source=ref.strip() or None)
        )

    return handler


def _issn(b: _Builder, value: str, line: int) -> None:
    m = _ISSN_TYPE.match(value)
    number, kind = (m.group(1), m.group(2).lower()) if m else (value, "print")
    issn = normalize_issn(number)
    if issn is None:
        if value:
            b.rec.warnings.append(f"line {line}: malformed ISSN {value!r}")
        return
    attr = {"print": "issn_print", "electronic": "issn_electronic", "linking": "issn_linking"}.get(kind)
    if attr and getattr(b.journal, attr) is None:
        setattr(b.journal, attr, issn)


def _pub_date(b: _Builder, value: str, line: int) -> None:
    # A date without a year is reported by the mapping, which keeps it as text (for XML too).
    if value:
        b.rec.pub_date = parse_pub_date(value)


def _abstract(b: _Builder, value: str, line: int) -> None:
    if value:
        if b.rec.abstract:
            b.rec.warnings.append(f"line {line}: second abstract appended to the first")
        b.rec.abstract.extend(split_abstract(value))


def _title(b: _Builder, value: str, line: int) -> None:
    if value:
        if b.rec.title:
            b.rec.warnings.append(f"line {line}: second title appended to the first")
            value = f"{b.rec.title} {value}"
        b.rec.title = value


def _person_affiliation(b: _Builder, value: str, line: int) -> None:
    if value:
        b.affiliation(value, line)


def _auid(b: _Builder, value: str, line: int) -> None:
    if value:
        b.identifier(value, line)


def _collective(b: _Builder, value: str, line: int) -> None:
    if value:
        b.collective(value)


def _language(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.languages.append(value.lower())


def _grant(b: _Builder, value: str, line: int) -> None:
    """GR "R01 GM000001/GM/NIGMS NIH HHS/United States": id (may hold "/"), acronym, agency, country."""
    if not value:
        return
    parts = [p.strip() for p in value.split("/")]
    country = parts.pop() if len(parts) > 1 else None
    agency = parts.pop() if parts else None
    acronym = None
    if parts and _GRANT_ACRONYM.fullmatch(parts[-1]) and (len(parts) > 1 or "NIH" in (agency or "")):
        acronym = parts.pop()
    grant_id = "/".join(parts).strip("/ ") or None
    b.rec.grants.append(grant(grant_id, acronym, agency or None, country or None))


def _publication_type(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.publication_types.append(PublicationType(value))


def _electronic_date(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.electronic_date = parse_compact_date(value)
        if b.rec.electronic_date is None:
            b.rec.warnings.append(f"line {line}: malformed date {value!r}")


def _chemical(b: _Builder, value: str, line: int) -> None:
    """RN "9ZOQ3TZI87 (Sorafenib)", "0 (Antineoplastic Agents)", "EC 2.7.11.1 (Protein Kinases)";
    a name alone ("IFL protocol") is a supplementary concept, as the XML's SupplMeshName says."""
    if not value:
        return
    m = _CHEMICAL.match(value)
    if m:
        b.rec.chemicals.append(Chemical(name=m.group(2), registry_number=m.group(1) or None))
    elif _REGISTRY_NUMBER.fullmatch(value):
        b.rec.chemicals.append(Chemical(name=value, registry_number=value))
    else:
        b.rec.supplementary_concepts.append(Chemical(name=value))


def _suppl_concept(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.supplementary_concepts.append(Chemical(name=value))


def _mesh(b: _Builder, value: str, line: int) -> None:
    """MH "*Asthma/drug therapy/*prevention & control": stars mark major topics."""
    if not value:
        return
    descriptor, *qualifiers = value.split("/")
    heading = MeshHeading(descriptor=descriptor.lstrip("*").strip(), major=descriptor.startswith("*"))
    for q in qualifiers:
        heading.qualifiers.append(MeshQualifier(name=q.lstrip("*").strip(), major=q.startswith("*")))
    b.rec.mesh_headings.append(heading)


def _keyword_owner(b: _Builder, value: str, line: int) -> None:
    b.keyword_owner = value or None


def _keyword(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.keywords.append(Keyword(value.lstrip("*").strip(), b.keyword_owner, value.startswith("*")))


def _other_abstract(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.other_abstracts.append(OtherAbstract(text=value))


def _other_abstract_language(b: _Builder, value: str, line: int) -> None:
    if value and b.rec.other_abstracts:
        b.rec.other_abstracts[-1].language = value.lower()


def _reference_count(b: _Builder, value: str, line: int) -> None:
    if value.isdigit():
        b.rec.reference_count = int(value)
    elif value:
        b.rec.warnings.append(f"line {line}: reference count is not a number: {value!r}")


def _pmc(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.article_ids.append(("pmc", value))


def _mid(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.article_ids.append(("mid", value))


def _other_id(b: _Builder, value: str, line: int) -> None:
    """OID "NLM: PMC6050798" or "NLM: NIHMS974473 [Available on 05/01/19]"."""
    if value:
        source, sep, ident = value.partition(":")
        if sep:
            b.rec.other_ids.append((source.strip(), ident.strip()))
        else:
            b.rec.other_ids.append(("", value))


def _typed_id(value: str, default: str) -> tuple[str, str]:
    """"10.1/x [doi]" -> ("doi", "10.1/x"); an untyped value gets ``default``."""
    m = _ID_TYPE.match(value)
    return (m.group(2).lower(), m.group(1).strip()) if m else (default, value)


def _article_id(b: _Builder, value: str, line: int) -> None:
    if value:
        kind, ident = _typed_id(value, "")
        if not kind:
            b.rec.warnings.append(f"line {line}: article id without a [type]: {value!r}")
            doi = normalize_doi(value)
            if doi:
                kind, ident = "doi", doi
            else:
                return
        b.rec.article_ids.append((kind, ident))


def _location_id(b: _Builder, value: str, line: int) -> None:
    if value:
        b.rec.elocation_ids.append(_typed_id(value, "pii"))


def _phst(b: _Builder, value: str, line: int) -> None:
    """PHST "2013/06/02 00:00 [received]"."""
    m = _ID_TYPE.match(value)
    if not m:
        if value:
            b.rec.warnings.append(f"line {line}: history date without a [status]: {value!r}")
        return
    text, status = m.group(1), m.group(2).lower()
    when = parse_history(text)
    b.rec.history.append(HistoryDate(status, when, None if when else text))
    if when is None and not re.fullmatch(r"\d{4}(?:/\d{1,2})?", text):
        # A year or a month alone is how PubMed writes some events (ecollection); anything else is broken.
        b.rec.warnings.append(f"line {line}: malformed history date {value!r}")


def _databank(b: _Builder, value: str, line: int) -> None:
    """SI "ClinicalTrials.gov/NCT01234567"."""
    if value:
        bank, _, accession = value.partition("/")
        b.rec.databanks.append((bank.strip(), accession.strip()))


def _book(attr: str):
    def handler(b: _Builder, value: str, line: int) -> None:
        if value:
            setattr(b.book, attr, value)

    return handler


def _isbn(b: _Builder, value: str, line: int) -> None:
    if value:
        b.book.isbns.append(re.sub(r"^ISBN\s*", "", value, flags=re.I))


def _journal_country(b: _Builder, value: str, line: int) -> None:
    # PL is the journal's country; for a book it is where the publisher is.
    if value:
        b.journal.country = value
        b.book.publisher_location = value


def _ignore(b: _Builder, value: str, line: int) -> None:
    pass


_HANDLERS = {
    "PMID": _ignore,
    "OWN": _set("owner"),
    "STAT": _set("medline_status"),
    "DA": _date("date_created"),
    "DCOM": _date("date_completed"),
    "LR": _date("date_revised"),
    "IS": _issn,
    "VI": _set("volume"),
    "IP": _set("issue"),
    "DP": _pub_date,
    "TI": _title,
    "TT": _set("vernacular_title"),
    "PG": _set("pages"),
    "LID": _location_id,
    "AB": _abstract,
    "CI": _set("copyright"),
    "FAU": _names("authors", full=True),
    "AU": _names("authors", full=False),
    "AUID": _auid,
    "AD": _person_affiliation,
    "CN": _collective,
    "IR": _names("investigators", full=False),
    "FIR": _names("investigators", full=True),
    "IRAD": _person_affiliation,
    "PS": _names("personal_name_subjects", full=False),
    "FPS": _names("personal_name_subjects", full=True),
    "ED": _names("", full=False, book=True),
    "FED": _names("", full=True, book=True),
    "LA": _language,
    "GR": _grant,
    "PT": _publication_type,
    "DEP": _electronic_date,
    "PL": _journal_country,
    "TA": _set_journal("medline_ta"),
    "JT": _set_journal("title"),
    "JID": _set_journal("nlm_id"),
    "RN": _chemical,
    "NM": _suppl_concept,
    "SB": _append("subsets"),
    "MH": _mesh,
    "OTO": _keyword_owner,
    "OT": _keyword,
    "OAB": _other_abstract,
    "OABL": _other_abstract_language,
    "COIS": _set("coi_statement"),
    "GN": _append("general_notes"),
    "GS": _append("gene_symbols"),
    "SFM": _append("space_flight_missions"),
    "RF": _reference_count,
    "PMC": _pmc,
    "MID": _mid,
    "OID": _other_id,
    "EDAT": _history("pubmed"),
    "MHDA": _history("medline"),
    "CRDT": _history("entrez"),
    "PMCR": _history("pmc-release"),
    "PHST": _phst,
    "AID": _article_id,
    "PST": _set("publication_status"),
    "SO": _set("citation"),
    "PUBM": _set("pub_model"),
    "SI": _databank,
    "BTI": _book("title"),
    "CTI": _book("collection_title"),
    "PB": _book("publisher"),
    "EN": _book("edition"),
    "VTI": _book("volume"),
    "ISBN": _isbn,
    **{tag: _comment(kind) for tag, kind in COMMENT_KINDS.items()},
}
