"""Affiliation text: cleaning, the country (ISO 3166-1 alpha-2) and the institution it names.

Everything here is a deterministic function of the text, so the derived facts
stay the same whichever record mentions the affiliation (MAPPING.md,
"Organisation").

>>> aff = ("Department of Medical Oncology, Cancer Institute/Hospital, Chinese Academy of "
...        "Medical Sciences and Peking Union Medical College, Beijing 100021, P.R. China.")
>>> country(aff), institution(aff)
('CN', 'Chinese Academy of Medical Sciences and Peking Union Medical College')
>>> clean("Dept X, Univ Y, Boston, MA, USA. Electronic address: a@b.org.")
'Dept X, Univ Y, Boston, MA, USA'
>>> country("Rush University, Chicago, IL.")
'US'
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pycountry

__all__ = ["clean", "country", "institution"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LABEL = re.compile(r"(?:\s*[,;.:]?\s*(?:electronic address|e-?mail(?: address)?)\s*:?\s*\.?)+$", re.I)


@functools.lru_cache(maxsize=1 << 16)
def clean(text: str) -> str:
    """The affiliation as a name: e-mail addresses and "Electronic address: ..." removed."""
    if "@" not in text and "mail" not in text and "lectronic" not in text:
        return " ".join(text.split()).strip(" ,;.:")
    out = _EMAIL.sub(" ", text)
    out = re.sub(r"[(\[]\s*[)\]]", " ", out)  # brackets that only held an address
    out = " ".join(out.split())
    out = _EMAIL_LABEL.sub("", out)
    out = re.sub(r"\s+([,;.])", r"\1", out)
    return out.strip(" ,;.:")


# ---------------------------------------------------------------- countries


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Lower-case ASCII letters and single spaces only: the form names are compared in."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z ]+", " ", text.lower().replace("'", "")).split())


# Names that are not ISO short names: abbreviations, older and local-language forms,
# and the constituent countries of the United Kingdom.
_ALIASES = {
    "US": "usa|us|u s a|u s|united states|united states of america|america|etats unis|estados unidos",
    "GB": "uk|u k|united kingdom|great britain|england|scotland|wales|northern ireland|royaume uni|britain",
    "CN": "china|p r china|pr china|p r c|prc|peoples republic of china|the peoples republic of china|chine|"
    "republic of china mainland",
    "TW": "taiwan|taiwan roc|taiwan r o c|roc|r o c|republic of china|chinese taipei",
    "HK": "hong kong|hong kong sar|hong kong sar china|hksar",
    "MO": "macau|macao|macau sar",
    "KR": "korea|south korea|republic of korea|korea republic of|korea south|rep of korea|the republic of korea|"
    "korea rep",
    "KP": "north korea|dprk",
    "IR": "iran|islamic republic of iran|iran islamic republic of",
    "RU": "russia|russian federation",
    "VN": "vietnam|viet nam",
    "CZ": "czech republic|czechia",
    "NL": "the netherlands|netherlands|holland|nederland",
    "TR": "turkey|turkiye",
    "BR": "brasil|brazil",
    "DE": "germany|deutschland|allemagne",
    "ES": "spain|espana",
    "MX": "mexico",
    "IT": "italy|italia",
    "CH": "switzerland|suisse|schweiz|svizzera",
    "AT": "austria|osterreich",
    "BE": "belgium|belgique|belgie",
    "SE": "sweden|sverige",
    "NO": "norway|norge",
    "DK": "denmark|danmark",
    "PL": "poland|polska",
    "FR": "france",
    "JP": "japan|japon",
    "AE": "uae|u a e|united arab emirates",
    "SA": "saudi arabia|ksa|kingdom of saudi arabia",
    "SY": "syria",
    "TZ": "tanzania",
    "BO": "bolivia",
    "VE": "venezuela",
    "MD": "moldova",
    "LA": "laos",
    "PS": "palestine|state of palestine",
    "CI": "ivory coast|cote divoire",
    "XK": "kosovo",
    "CD": "democratic republic of the congo|dr congo|drc",
    "CG": "republic of the congo|congo",
    "MK": "macedonia|north macedonia",
    "BN": "brunei",
    "CV": "cape verde",
    "SZ": "swaziland|eswatini",
    "FM": "micronesia",
    "IE": "ireland|republic of ireland",
}

_US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "florida": "FL", "hawaii": "HI", "idaho": "ID",
    "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX",
    "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV",
    "wisconsin": "WI", "wyoming": "WY", "district of columbia": "DC", "washington dc": "DC", "puerto rico": "PR",
}
_CA_PROVINCES = {
    "ontario": "ON", "quebec": "QC", "british columbia": "BC", "alberta": "AB", "manitoba": "MB",
    "saskatchewan": "SK", "nova scotia": "NS", "new brunswick": "NB", "newfoundland": "NL",
    "newfoundland and labrador": "NL", "prince edward island": "PE",
}
_AU_STATES = {"new south wales": "NSW", "queensland": "QLD", "south australia": "SA", "western australia": "WA",
              "tasmania": "TAS", "australian capital territory": "ACT", "northern territory": "NT"}
# Cities that name their country unambiguously, for affiliations that stop at the city.
_CITIES = {
    "CN": "beijing|shanghai|guangzhou|shenzhen|wuhan|chengdu|hangzhou|nanjing|tianjin|chongqing|xian|"
    "changsha|zhengzhou|jinan|shenyang|harbin|qingdao|suzhou|kunming|hefei|fuzhou|xiamen|nanchang|"
    "changchun|dalian|lanzhou|guiyang|nanning|taiyuan|shijiazhuang|urumqi|hohhot|wenzhou",
    "JP": "tokyo|osaka|kyoto|nagoya|sapporo|fukuoka|kobe|yokohama|sendai|hiroshima|chiba",
    "KR": "seoul|busan|daegu|incheon|gwangju|daejeon",
    "IN": "new delhi|mumbai|bangalore|bengaluru|chennai|kolkata|hyderabad|pune|lucknow|chandigarh",
    "TW": "taipei|kaohsiung|taichung|tainan",
    "IR": "tehran|shiraz|mashhad|isfahan|tabriz",
    "TR": "istanbul|ankara|izmir",
    "EG": "cairo",
    "BR": "sao paulo|rio de janeiro",
}
_ELECTRONIC = re.compile(r"(?i)electronic address\s*:?")
_SEGMENTS = re.compile(r"[,;]|\s-\s|\.\s")
_STATE_CODE = re.compile(r"^([A-Z]{2})(?:\s+\d{5}(?:-\d{4})?)?$")
_AU_POSTCODE = re.compile(r"(?:NSW|VIC|QLD|TAS|ACT)\s*\d{4}")
_US_CODES = frozenset(_US_STATES.values())
_CA_CODES = frozenset(_CA_PROVINCES.values())
_AU_CODES = frozenset(_AU_STATES.values())
_TLDS = {"edu": "US", "gov": "US", "mil": "US", "uk": "GB"}


@functools.cache
def _names() -> dict[str, str]:
    """Folded country name -> alpha-2, from pycountry plus the aliases above."""
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(_fold(value), c.alpha_2)
                # "Korea, Republic of" -> also "Korea"
                names.setdefault(_fold(value.split(",")[0]), c.alpha_2)
    for code, alternatives in _ALIASES.items():
        for alias in alternatives.split("|"):
            names[alias] = code
    for code, cities in _CITIES.items():
        for city in cities.split("|"):
            names.setdefault(city, code)
    for state in _US_STATES:
        names.setdefault(state, "US")
    for province in _CA_PROVINCES:
        names.setdefault(province, "CA")
    for state in _AU_STATES:
        names.setdefault(state, "AU")
    names.pop("georgia", None)  # a country and a US state
    return names


def _segment_country(segment: str) -> str | None:
    """The country a comma-separated segment names, trying its trailing words too."""
    raw = segment.strip(" .;:()")
    m = _STATE_CODE.match(raw)
    if m:
        code = m.group(1)
        if code in _US_CODES:
            return "US"
        if code in _CA_CODES:
            return "CA"
    if raw in _AU_CODES or _AU_POSTCODE.fullmatch(raw):
        return "AU"
    words = _fold(raw).split()
    names = _names()
    # Longest trailing word sequence first: "Republic of Korea" before "Korea".
    for start in range(len(words)):
        found = names.get(" ".join(words[start:]))
        if found:
            return found
    # Leading words: "China 100021" is folded to "china" already; "Japan." as well.
    return None


@functools.lru_cache(maxsize=1 << 16)
def country(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country an affiliation names, or None.

    Reads the segments from the end (where the country usually is), then falls
    back to the domain of an e-mail address.
    """
    emails = _EMAIL.findall(text) if "@" in text else []
    body = _ELECTRONIC.sub(" ", _EMAIL.sub(" ", text)) if emails else text
    segments = [s for s in _SEGMENTS.split(body) if s.strip()]
    for segment in reversed(segments):
        found = _segment_country(segment)
        if found:
            return found
    for email in emails:
        tld = email.rsplit(".", 1)[-1].lower()
        if tld in _TLDS:
            return _TLDS[tld]
        try:
            found = pycountry.countries.get(alpha_2=tld.upper())
        except LookupError:
            found = None
        if found is not None:
            return found.alpha_2
    return None


# ---------------------------------------------------------------- institutions

_COMMAS = re.compile(r"[,;]")
# Units inside an institution: never the institution itself.
_UNIT = re.compile(
    r"^(?:the\s+)?(?:dep(?:artment|t)s?\b|dept\.|division|section|unit\b|service\b|laborator(?:y|ies)|lab\b|"
    r"program(?:me)?\b|group\b|team\b|core\b|clinic of|chair\b|graduate program|ward\b|"
    r"key laboratory|state key|(?:\w+\s+)?key lab)",
    re.I,
)
# Institution kinds, strongest first: a university beats the hospital it runs, which beats an institute.
_KINDS = (
    re.compile(r"universit|universidad|universidade|universite|college|academy|academia|polytechnic|"
               r"ecole|hochschule|\binstitut(?:e)? of technology", re.I),
    re.compile(r"hospital|klinik|clinic|medical cent(?:er|re)|health (?:system|science|care)|infirmary|"
               r"ospedale|hopital|charit[eé]|healthcare|medical school|school of medicine", re.I),
    re.compile(r"institut|cent(?:er|re)|foundation|council|agency|ministry|organi[sz]ation|society|"
               r"corporation|company|inc\b|ltd\b|gmbh|laboratories|cnrs|inserm|nih\b", re.I),
)


@functools.lru_cache(maxsize=1 << 16)
def institution(text: str) -> str | None:
    """The institution an affiliation belongs to: its strongest named organisation.

    Departments, divisions and laboratories are units of an institution, not
    institutions; the segments are compared by kind (university, hospital,
    institute) and the first of the strongest kind wins.
    """
    segments = [s.strip(" .") for s in _COMMAS.split(clean(text)) if s.strip(" .")]
    best: tuple[int, int] | None = None
    for position, segment in enumerate(segments):
        if _UNIT.match(segment) or len(segment) < 4:
            continue
        for rank, kind in enumerate(_KINDS):
            if kind.search(segment):
                if best is None or rank < best[0]:
                    best = (rank, position)
                break
    return segments[best[1]] if best else None
