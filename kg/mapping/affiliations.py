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
>>> clean("Dept Z, Mymensingh, Bangladesh. rukhsana7498@ yahoo.com")
'Dept Z, Mymensingh, Bangladesh'
>>> country("Rush University, Chicago, IL.")
'US'
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata

import pycountry

__all__ = ["clean", "country", "institution"]

# An address; some records have a space after the "@" ("rukhsana7498@ yahoo.com"). The part
# after it needs a dot, so "Skypart@ One City" and "Institute @ NTU" are not addresses.
_EMAIL = re.compile(r"[\w.+-]+@ ?[\w-]+(?:\.[\w-]+)+")
_EMAIL_LABEL = re.compile(r"(?:\s*[,;.:]?\s*(?:electronic address|e-?mail(?: address)?)\s*:?\s*\.?)+$", re.I)
# Elsevier's "Electronic address:" also gives web pages ("https://twitter.com/GenomeStability").
_WEB_ADDRESS = re.compile(r"\s*[,;.]?\s*electronic address\s*:\s*https?://\S+", re.I)
_SPACE_BEFORE = re.compile(r"\s+([,;.])")


@functools.lru_cache(maxsize=1 << 16)
def clean(text: str) -> str:
    """The affiliation as a name: e-mail addresses and "Electronic address: ..." removed, and
    the spaces some put before a comma ("Odense , Denmark").

    >>> clean("Sapporo , Hokkaido, Japan. Electronic address: a.b@c.jp.")
    'Sapporo, Hokkaido, Japan'
    """
    if "@" in text or "mail" in text or "lectronic" in text:
        text = _WEB_ADDRESS.sub("", _EMAIL.sub(" ", text))
        text = re.sub(r"[(\[]\s*[)\]]", " ", text)  # brackets that only held an address
        text = _EMAIL_LABEL.sub("", " ".join(text.split()))
    text = " ".join(text.split())
    if " ," in text or " ;" in text or " ." in text:
        text = _SPACE_BEFORE.sub(r"\1", text)
    return text.strip(" ,;.:")


# ---------------------------------------------------------------- countries


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Lower-case ASCII letters and single spaces only: the form names are compared in."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z ]+", " ", text.lower().replace("'", "")).split())


# Names that are not ISO short names: abbreviations, older and local-language forms,
# and the constituent countries of the United Kingdom.
_ALIASES = {
    "US": "usa|us|u s a|u s|united states|united states of america|america|etats unis|estados unidos",
    "GB": "uk|u k|united kingdom|great britain|england|scotland|wales|northern ireland|royaume uni|britain|"
    "grossbritannien",
    "CN": "china|p r china|pr china|p r c|prc|peoples republic of china|the peoples republic of china|chine|"
    "republic of china mainland",
    "TW": "taiwan|taiwan roc|taiwan r o c|roc|r o c|republic of china|chinese taipei",
    "HK": "hong kong|hong kong sar|hong kong sar china|hksar|hong kong special administrative region",
    "MO": "macau|macao|macau sar|macao sar|macau special administrative region|macao special administrative region",
    "KR": "korea|south korea|republic of korea|korea republic of|korea south|rep of korea|the republic of korea|"
    "korea rep",
    # "Korea (DPRK)" is read whole, before its bracket is taken for a footnote.
    "KP": "north korea|dprk|d p r k|dpr korea|d p r korea|korea dpr|korea dprk|korea north",
    # Plain "Virgin Islands" is either territory: no country (see _names).
    "VI": "us virgin islands|u s virgin islands|usvi|united states virgin islands",
    "VG": "british virgin islands|bvi",
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

# Languages whose country names (pycountry's ISO 3166 translations) affiliations use:
# "Tunis, Tunisie", "Madrid, España", "Universitetet i Bergen, Norge".
_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb_NO", "pl", "cs")
# Subdivisions (pycountry's ISO 3166-2) named without their country: "Boston, Massachusetts",
# "Hangzhou, Zhejiang". All of them for these countries...
_SUBDIVISION_COUNTRIES = ("US", "CA", "AU")
# ... and, for these, the names of five letters or more (Chinese "Sheng"/"Shi" suffixes dropped).
_DISTINCT_SUBDIVISION_COUNTRIES = ("CN", "JP", "IN")
# Subdivision names that also name a country, a city or another country's region.
_AMBIGUOUS_SUBDIVISIONS = frozenset({"georgia", "victoria", "punjab", "taiwan", "hong kong sar", "macao sar"})
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
    "GB": "london|manchester|edinburgh|glasgow|oxford|cambridge uk",
    "NL": "amsterdam|rotterdam|utrecht|leiden|groningen|nijmegen|maastricht",
    "DK": "copenhagen|aarhus|aalborg|odense",
    "SE": "stockholm|uppsala|gothenburg|lund",
    "NO": "oslo|bergen|trondheim",
    "FI": "helsinki|turku|tampere",
    "BE": "brussels|leuven|ghent|antwerp",
    "CH": "zurich|geneva|basel|lausanne",
    "AT": "vienna|innsbruck|graz",
    "DE": "munich|hamburg|heidelberg|frankfurt am main",
    "ES": "madrid|barcelona",
    "PT": "lisbon|porto",
    "PL": "warsaw|krakow",
    "CZ": "prague",
    "HU": "budapest",
    "KP": "pyongyang",
    "HK": "kowloon|pokfulam|shatin|sha tin|new territories|hung hom",
    "MO": "taipa",
    # A region that would otherwise read as England; a city that would otherwise read as Jersey.
    "US": "new england|jersey city",
}
# Names that are words or parts of other names when found inside a segment (see _inner_country).
_NOT_INSIDE = frozenset({"america", "us", "u s", "roc", "r o c", "prc", "drc", "ksa", "uae", "chad", "jordan",
                         "turkey", "guinea", "niger", "georgia", "oxford", "cambridge uk", "porto", "bergen",
                         "jersey"})
# China's special administrative regions and Taiwan, which some affiliations follow with "China":
# "Kowloon, Hong Kong, China", "Macao SAR, China", "Taipei, Taiwan, China".
_BEFORE_CHINA = frozenset({"HK", "MO", "TW"})
# "P. R. China" kept in one segment, so that the place before it stays next to it.
_PR_CHINA = re.compile(r"\bP\.\s*R\.\s*(?=China\b)")
# Cities of Australian states whose codes are also North American ones: "Perth, WA" is Western
# Australia, not Washington; "Darwin, NT" the Northern Territory, not the Northwest Territories.
_AU_CITIES = {
    "WA": frozenset({"perth", "fremantle", "crawley", "nedlands", "murdoch", "joondalup", "bentley", "subiaco"}),
    "NT": frozenset({"darwin", "casuarina", "alice springs"}),
}
_ELECTRONIC = re.compile(r"(?i)electronic address\s*:?")
_SEGMENTS = re.compile(r"[,;]|\s-\s|\.\s")
# What trails a country in a segment: "(JGD)", "(Drs Fogliatto and Anzanello)", "Iran and."
_TRAILER = re.compile(r"(?:\s*\([^()]*\)|\s+and)+\W*$", re.I)
_STATE_CODE = re.compile(r"^([A-Z]{2,3})(?:\s+\d{4,5}(?:-\d{4})?)?$")
# A state code and ZIP code after the city: "Clemson SC 29634-0377".
_CITY_STATE_ZIP = re.compile(r"\s([A-Z]{2})\s+\d{5}(?:-\d{4})?$")
_AU_POSTCODE = re.compile(r"(?:NSW|VIC|QLD|TAS|ACT|SA|WA|NT)\s*\d{4}")
_UK_POSTCODE = re.compile(r"(?:^|\s)[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}$")
_CA_POSTCODE = re.compile(r"(?:^|\s)[A-Z]\d[A-Z]\s?\d[A-Z]\d$")
_TLDS = {"edu": "US", "gov": "US", "mil": "US", "uk": "GB"}


@functools.cache
def _subdivision_codes(country_code: str) -> frozenset[str]:
    """The codes of a country's subdivisions without the country: "MA", "ON", "NSW"."""
    return frozenset(s.code.split("-", 1)[1] for s in pycountry.subdivisions.get(country_code=country_code))


@functools.cache
def _alpha_3() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code -> alpha-2."""
    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


# The style of JAMA and others ("Boston, Mass"): only as the whole last segment, where no word
# of prose ("Mass Spectrometry", "Man") can be.
_STYLE_ABBREVIATIONS = {
    **dict.fromkeys("Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo Mont "
                    "Neb Nebr Nev Okla Ore Oreg Pa Tenn Tex Vt Va Wash Wis Wisc Wyo".split(), "US"),
    **dict.fromkeys("Ont Que Alta Sask Man Nfld".split(), "CA"),
}
# Georgia is a country and a US state: a ZIP code or the city before it tells (Georgia's own
# postcodes have four digits).
_GEORGIA_ZIP = re.compile(r"Georgia,? \d{5}(?:-\d{4})?", re.I)
_GEORGIA = {"atlanta": "US", "athens": "US", "augusta": "US", "savannah": "US", "macon": "US", "columbus": "US",
            "lawrenceville": "US", "marietta": "US", "decatur": "US", "tbilisi": "GE", "batumi": "GE", "kutaisi": "GE"}


def _last_segment_country(segment: str, previous: str) -> str | None:
    """The country of a text's last segment that names none by itself: an alpha-3 code in
    capitals ("Karachi, PAK."), a state abbreviated in AP style ("Boston, Mass"), or
    Georgia after one of its cities or with a ZIP code ("Athens, Georgia 30602")."""
    raw = segment.strip(" .;:")
    found = _alpha_3().get(raw) or _STYLE_ABBREVIATIONS.get(raw)
    if found is None and _fold(raw) == "georgia":
        if _GEORGIA_ZIP.fullmatch(raw):
            return "US"
        words = _fold(previous).split()
        found = _GEORGIA.get(words[0]) if words else None
    return found


def _translated_names() -> dict[str, str]:
    """Folded country names in :data:`_LANGUAGES` -> alpha-2, leaving out the ambiguous ones
    ("Korea" is both Koreas in German; "Congo" both Congos in Spanish)."""
    found: dict[str, set[str]] = {}
    for language in _LANGUAGES:
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language]).gettext
        for c in pycountry.countries:
            for attr in ("name", "common_name"):
                value = getattr(c, attr, None)
                if value:
                    local = translate(value)
                    for key in (_fold(local), _fold(local.split(",")[0])):
                        if len(key) >= 4:
                            found.setdefault(key, set()).add(c.alpha_2)
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1}


def _subdivision_names() -> dict[str, str]:
    """Folded subdivision names -> the alpha-2 of their country (see :data:`_SUBDIVISION_COUNTRIES`)."""
    names: dict[str, str] = {}
    for code in _SUBDIVISION_COUNTRIES + _DISTINCT_SUBDIVISION_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=code):
            name = _fold(re.sub(r"\s+(?:Sheng|Shi|Zizhiqu)$", "", sub.name))
            if code in _DISTINCT_SUBDIVISION_COUNTRIES and (len(name) < 5 or " " in name and "pradesh" not in name):
                continue
            if name not in _AMBIGUOUS_SUBDIVISIONS:
                names.setdefault(name, code)
    return names


@functools.cache
def _names() -> dict[str, str]:
    """Folded name -> alpha-2: pycountry's country names, the aliases above, the names in
    other languages, then cities and subdivisions (a country name always wins)."""
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
    for name, code in _translated_names().items():
        names.setdefault(name, code)
    for code, cities in _CITIES.items():
        for city in cities.split("|"):
            names.setdefault(city, code)
    for name, code in _subdivision_names().items():
        names.setdefault(name, code)
    names.pop("georgia", None)  # a country and a US state
    names.pop("virgin islands", None)  # the British and the US Virgin Islands
    return names


def _segment_country(segment: str, previous: str = "") -> str | None:
    """The country a comma-separated segment names, trying its trailing words too;
    ``previous`` is the segment before it, the city of a bare state code."""
    whole = _names().get(_fold(segment))
    if whole:
        return whole
    raw = _TRAILER.sub("", segment).strip(" .;:()")
    if _AU_POSTCODE.fullmatch(raw):  # before the state codes: "WA 6009" is not a US ZIP code
        return "AU"
    m = _STATE_CODE.match(raw) or _CITY_STATE_ZIP.search(raw)
    if m:
        if _fold(previous) in _AU_CITIES.get(m.group(1), ()):
            return "AU"
        for code in ("US", "CA", "AU"):
            if m.group(1) in _subdivision_codes(code):
                return code
    if _UK_POSTCODE.search(raw):
        return "GB"
    if _CA_POSTCODE.search(raw):
        return "CA"
    return _trailing_country(_fold(raw).split())


def _trailing_country(words: list[str]) -> str | None:
    """The country named by the longest trailing sequence of folded words: "Republic of Korea"
    before "Korea"; "Beijing 100021 P.R. China" is folded to "beijing p r china"."""
    names = _names()
    for start in range(len(words)):
        found = names.get(" ".join(words[start:]))
        if found == "CN" and start:
            # "Shatin, Hong Kong China": the region before "China" is the place.
            region = _trailing_country(words[:start])
            return region if region in _BEFORE_CHINA else found
        if found:
            return found
    return None


def _region_before_china(segments: list[str]) -> str | None:
    """HK, MO or TW when the last of the segments before "China" names it: "Hong Kong, SAR, China"."""
    for segment in reversed(segments):
        if _fold(segment) != "sar":
            found = _segment_country(segment)
            return found if found in _BEFORE_CHINA else None
    return None


def _inner_country(text: str) -> str | None:
    """The last place named inside the text, for affiliations that end without one:
    "University of Colorado Anschutz Medical Campus, Aurora", "Amsterdam UMC"."""
    words = _fold(text).split()
    names = _names()
    for end in range(len(words), 0, -1):
        for start in range(max(0, end - 4), end):
            key = " ".join(words[start:end])
            if key in names and key not in _NOT_INSIDE and len(key) > 3:
                return names[key]
    return None


@functools.lru_cache(maxsize=1 << 16)
def country(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country an affiliation names, or None.

    Reads the segments from the end (where the country usually is): country names
    in English and other languages, US states, Canadian provinces and Australian
    states (names, codes, postcodes), UK postcodes and a few unambiguous cities, and an
    ISO alpha-3 code in capitals ending the text;
    then the last such place named inside a segment ("University of Michigan Law
    School"); then the domain of an e-mail address. Hong Kong, Macao and Taiwan
    stay themselves when "China" follows them; "Perth, WA" is in Australia.

    >>> [country(a) for a in ("Tunis, Tunisie.", "Clemson SC 29634-0377.", "London SW1W 9SZ.",
    ...                       "Rochester, NY (JGD)", "Hangzhou, Zhejiang.", "Sari , Iran and.",
    ...                       "Dept. of X, Univ. Y. jane@uni-heidelberg.de", "University of Michigan Law School.")]
    ['TN', 'US', 'GB', 'US', 'CN', 'IR', 'DE', 'US']
    >>> [country(a) for a in ("Kowloon, Hong Kong SAR, P. R. China.", "Curtin University, Perth, WA.",
    ...                       "Pyongyang, Korea (DPRK)", "Jersey City, NJ", "Virgin Islands", "Lahore, PAK.")]
    ['HK', 'AU', 'KP', 'US', None, 'PK']
    """
    emails = _EMAIL.findall(text) if "@" in text else []
    body = _ELECTRONIC.sub(" ", _EMAIL.sub(" ", text)) if emails else text
    body = _PR_CHINA.sub("PR ", body)
    # Only the segments with words: "Hong Kong, 999077, China" reads as "Hong Kong, China".
    segments = [s for s in _SEGMENTS.split(body) if _fold(s)]
    for i in range(len(segments) - 1, -1, -1):
        previous = segments[i - 1] if i else ""
        # A name split at a dot or comma: "U.S. Virgin Islands", "Virgin Islands, British".
        found = _names().get(_fold(previous + " " + segments[i])) if previous else None
        found = found or _segment_country(segments[i], previous)
        if not found and i == len(segments) - 1:
            found = _last_segment_country(segments[i], previous)
        if found == "CN":
            return _region_before_china(segments[:i]) or found
        if found:
            return found
    found = _inner_country(body)
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
# A company's legal form printed as its own segment: "Genentech, Inc.", "Roche Hellas, S.A.".
_LEGAL_FORM = re.compile(r"^(?:inc|llc|ltd|plc|lp|gmbh|ag|s\.?\s?a|s\.?\s?l|s\.?\s?l\.?\s?u|b\.?v|co|corp)\.?$", re.I)
# Units inside an institution: never the institution itself. Street addresses neither.
_UNIT = re.compile(
    r"^(?:the\s+)?(?:dep(?:artment|t)s?\b|dept\.|deparment|division|section|unit\b|service\b|laborator(?:y|ies)|"
    r"lab\b|program(?:me)?\b|group\b|team\b|core\b|clinic of|chair\b|graduate program|ward\b|"
    r"key laboratory|state key|(?:\w+\s+)?key lab|\d)",
    re.I,
)
_UNIT_END = re.compile(r"\b(?:department|division|unit|section|program(?:me)?|group|team|office)$", re.I)
# A footnote marker before the first segment: "1 Department of ...", "2] College of ...", "b Department ...".
_MARKER = re.compile(r"^(?:\[?\d{1,2}\]|\d{1,2}|[a-h])\s+(?=[A-Z])")
# Institution kinds, strongest first: a university ("Univ. Lille" too) beats the hospital it runs, which
# beats an institute (Italian and Spanish research councils, CNR and CSIC, too) or a company, which
# beats a school or a pharma business unit named alone.
_KINDS = (
    re.compile(r"universit|universidad|universidade|universite|\buniv\b|college|academy|academia|polytechni(?:c|que)|"
               r"\bpolitecnico\b|ecole|hochschule|vidyalaya|\binstitut(?:e)? of technology|\bumc\b|\bumc(?=[A-Z])",
               re.I),
    re.compile(r"hospital|klinik|clinic|medical cent(?:er|re)|health (?:system|science|care)|infirmary|"
               r"ospedal|policlinic|hopital|hôpital|sjukehus|sykehus|charit[eé]|healthcare|medical school|"
               r"school of medicine|\bnhs\b|\bchu\b", re.I),
    re.compile(r"institut|istituto|cent(?:er|re)|foundation|fundaci[oó]n|fondazione|council|"
               r"consiglio nazionale|\bcnr\b|\bcsic\b|\bmuse(?:um|o)\b|agency|authority|administration|"
               r"ministry|organi[sz]ation|society|sociedad|association|asociaci[oó]n|federation|federaci[oó]n|"
               r"confederation|national laborator|corporation|company|\binc\b|\bltd\b|\bllc\b|\bgmbh\b|"
               r"\bs\.?\s?a\b|\bs\.?\s?l\.?(?:\s?u)?\b|laboratories|cnrs|inserm|\bnih\b|\bcdc\b", re.I),
    re.compile(r"\bschool\b|\bpharma\b", re.I),
)
# Universities known by a name without a kind word, printed as a part of their own ("Department
# of Brain and Cognitive Sciences, MIT, Cambridge"), and the one name each goes by.
_KNOWN_AS = {
    "MIT": "Massachusetts Institute of Technology",
    "Caltech": "California Institute of Technology",
    "UCL": "University College London",
    "UCLA": "University of California, Los Angeles",
    "UC Berkeley": "University of California, Berkeley",
    "UC Davis": "University of California, Davis",
    "UCSD": "University of California, San Diego",
    "UCSF": "University of California, San Francisco",
    "ETH": "ETH Zurich",
    "ETH Zurich": "ETH Zurich",
    "ETH Zürich": "ETH Zurich",
    "EPFL": "École Polytechnique Fédérale de Lausanne",
    "EPF Lausanne": "École Polytechnique Fédérale de Lausanne",
    "Karolinska Institutet": "Karolinska Institutet",
    "Karolinska Institute": "Karolinska Institutet",
    "KTH": "KTH Royal Institute of Technology",
}
# Until 2018 the Université catholique de Louvain called itself UCL too.
_LOUVAIN = re.compile(r"belgi|louvain|brussel|bruxelles", re.I)
# "College of Pharmacy, The Ohio State University": a college, school or faculty "of" a
# subject ("Ecole des Sciences Criminelles" too) is a unit of the university next to it, and
# ranks just below its kind.
_SUBJECT_UNIT = re.compile(r"^(?:the\s+)?(?:(?:college|school|faculty|institute|centre|center)s? of|istituto di|"
                           r"instituto de|[eé]cole (?:de|des|du|doctorale)|[eé]cole d')\b", re.I)
# The rest of a list split at its commas: "Paris Sciences et Lettres, and Sorbonne Universite".
_CONJUNCTION = re.compile(r"^(?:and|&)\s+", re.I)

# Multi-campus university systems: system -> campus name -> the campus names and cities that
# follow the system name ("University of California, San Diego", "University of California at
# San Diego", "University of California-San Diego"). A flagship called by the system's own name
# gets that name: "University of Michigan, Ann Arbor" is the University of Michigan. The City
# University of New York is left out: its colleges have names of their own ("Hunter College").
_CAMPUSES: dict[str, dict[str, str]] = {
    "University of California": {
        "University of California, Berkeley": "Berkeley",
        "University of California, Davis": "Davis",
        "University of California, Irvine": "Irvine",
        "University of California, Los Angeles": "Los Angeles",
        "University of California, Merced": "Merced",
        "University of California, Riverside": "Riverside",
        "University of California, San Diego": "San Diego",
        "University of California, San Francisco": "San Francisco",
        "University of California, Santa Barbara": "Santa Barbara",
        "University of California, Santa Cruz": "Santa Cruz",
    },
    "University of Texas": {
        "University of Texas at Arlington": "Arlington",
        "University of Texas at Austin": "Austin",
        "University of Texas at Dallas": "Dallas",
        "University of Texas at El Paso": "El Paso",
        "University of Texas at San Antonio": "San Antonio",
        "University of Texas at Tyler": "Tyler",
        "University of Texas Rio Grande Valley": "Rio Grande Valley",
        "University of Texas Permian Basin": "Permian Basin",
    },
    "University of Illinois": {
        "University of Illinois at Urbana-Champaign": "Urbana-Champaign|Urbana Champaign|Urbana|Champaign",
        "University of Illinois at Chicago": "Chicago",
        "University of Illinois at Springfield": "Springfield",
    },
    "University of Colorado": {
        "University of Colorado Boulder": "Boulder",
        "University of Colorado Denver": "Denver",
        "University of Colorado Colorado Springs": "Colorado Springs",
        "University of Colorado Anschutz Medical Campus": "Anschutz Medical Campus|Aurora",
    },
    "University of Massachusetts": {
        "University of Massachusetts Amherst": "Amherst",
        "University of Massachusetts Boston": "Boston",
        "University of Massachusetts Dartmouth": "Dartmouth",
        "University of Massachusetts Lowell": "Lowell",
        "University of Massachusetts Medical School": "Worcester",
    },
    "University of Maryland": {
        "University of Maryland, Baltimore": "Baltimore",
        "University of Maryland, Baltimore County": "Baltimore County",
        "University of Maryland, College Park": "College Park",
        "University of Maryland Eastern Shore": "Eastern Shore",
    },
    "University of Wisconsin": {
        f"University of Wisconsin-{campus}": campus
        for campus in ("Madison", "Milwaukee", "Eau Claire", "Green Bay", "La Crosse", "Oshkosh", "Parkside",
                       "Platteville", "River Falls", "Stevens Point", "Stout", "Superior", "Whitewater")
    },
    "University of North Carolina": {
        "University of North Carolina at Chapel Hill": "Chapel Hill",
        "University of North Carolina at Charlotte": "Charlotte",
        "University of North Carolina at Greensboro": "Greensboro",
        "University of North Carolina at Asheville": "Asheville",
        "University of North Carolina at Pembroke": "Pembroke",
        "University of North Carolina Wilmington": "Wilmington",
    },
    "University of Missouri": {
        "University of Missouri": "Columbia",
        "University of Missouri-Kansas City": "Kansas City",
        "University of Missouri-St. Louis": "St. Louis|St Louis|Saint Louis",
    },
    "University of Nebraska": {
        "University of Nebraska-Lincoln": "Lincoln",
        "University of Nebraska Omaha": "Omaha",
        "University of Nebraska at Kearney": "Kearney",
    },
    "University of Tennessee": {
        "University of Tennessee, Knoxville": "Knoxville",
        "University of Tennessee at Chattanooga": "Chattanooga",
        "University of Tennessee at Martin": "Martin",
        "University of Tennessee Health Science Center": "Memphis",
    },
    "University of Alabama": {
        "University of Alabama": "Tuscaloosa",
        "University of Alabama at Birmingham": "Birmingham",
        "University of Alabama in Huntsville": "Huntsville",
    },
    "University of Hawaii": {
        "University of Hawaii at Manoa": "Manoa|Mānoa|Honolulu",
        "University of Hawaii at Hilo": "Hilo",
    },
    "University of Michigan": {
        "University of Michigan": "Ann Arbor",
        "University of Michigan-Dearborn": "Dearborn",
        "University of Michigan-Flint": "Flint",
    },
    "University of Minnesota": {
        "University of Minnesota": "Twin Cities|Minneapolis|St Paul|St. Paul|Saint Paul",
        "University of Minnesota Duluth": "Duluth",
        "University of Minnesota Rochester": "Rochester",
        "University of Minnesota Morris": "Morris",
        "University of Minnesota Crookston": "Crookston",
    },
    "University of Washington": {
        "University of Washington": "Seattle",
        "University of Washington Bothell": "Bothell",
        "University of Washington Tacoma": "Tacoma",
    },
    "State University of New York": {
        f"State University of New York at {campus}": campus
        for campus in ("Albany", "Binghamton", "Buffalo", "Stony Brook", "New Paltz", "Oswego", "Plattsburgh",
                       "Geneseo", "Oneonta", "Potsdam", "Cortland", "Fredonia", "Brockport", "Purchase",
                       "Old Westbury")
    },
}
# What joins a campus to its system: a comma, "at", "in", a dash, a bracket or a space.
_CAMPUS_JOIN = r"(?:\s*,\s*|\s+at\s+|\s+in\s+|\s*[-\u2013\u2014]\s*|\s*\(\s*|\s+)"


@functools.cache
def _campus_patterns() -> tuple[tuple[re.Pattern[str], re.Pattern[str], dict[str, str]], ...]:
    """Per system in :data:`_CAMPUSES`: its bare name, its name with a campus and the rest of
    the segment, and the folded campus names -> the campus's name."""
    patterns = []
    for system, campuses in _CAMPUSES.items():
        names = {_fold(alias): name for name, aliases in campuses.items() for alias in aliases.split("|")}
        aliases = sorted((a for aliases in campuses.values() for a in aliases.split("|")), key=len, reverse=True)
        head = rf"(?:the\s+)?{re.escape(system)}"
        alternatives = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in aliases)
        # ASCII case-folding only: a dotless "ı" would match "i" and fold to nothing.
        patterns.append((re.compile(head, re.I | re.A),
                         re.compile(rf"{head}{_CAMPUS_JOIN}({alternatives})(?!\w)(.*)", re.I | re.A), names))
    return tuple(patterns)


def _campus(segment: str, following: str) -> str:
    """The institution named by a segment, with the campus of a multi-campus system in one
    spelling (see :data:`_CAMPUSES`); ``following`` is the next segment, where the campus may be.
    What follows the campus stays only when it names a school or centre of it."""
    for bare, with_campus, names in _campus_patterns():
        if not bare.match(segment):
            continue
        m = with_campus.fullmatch(f"{segment}, {following}" if bare.fullmatch(segment) else segment)
        if not m:
            return segment
        name = names[_fold(m.group(1))]
        rest = m.group(2).strip()
        keep = rest[:1].isupper() and not _UNIT.match(rest) and any(kind.search(rest) for kind in _KINDS)
        return f"{name} {rest}" if keep else name
    return segment


def _segments(text: str) -> list[str]:
    """The comma-separated parts of an affiliation, a legal form kept with its company and
    a leading "and" dropped."""
    segments: list[str] = []
    for part in _COMMAS.split(_MARKER.sub("", clean(text))):
        part = _CONJUNCTION.sub("", part.strip(" .")).strip(" .")
        if not part:
            continue
        if segments and _LEGAL_FORM.match(part):
            segments[-1] += ", " + part
        else:
            segments.append(part)
    return segments


# Where an address run into an institution's name without a comma starts ("Nankai University
# Tianjin 300071 China", "University of Cambridge Lensfield Road Cambridge CB2 1EW UK"): a
# postcode, not the number of a research unit ("INSERM U 1048", "UMR CNRS 5558").
_POSTCODE = re.compile(r"(\S+)\s(?:(?:[A-Z]{1,2}-)?\d{3}|[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b)")
_UNIT_NUMBERED = re.compile(r"(?:^|[-/])(?:u|umrs?|unit|inserm|cnrs|upr|ea|erl|fre|ur|usr|excellence|sfb)$", re.I)
# A street after its name ("Lensfield Road"), or a street that starts the address ("Via ...",
# "Am Hubland", "Hans-Meerwein-Straße 4", "Albertstr. 21").
_STREET_AFTER = re.compile(r"^(?:road|street|avenue|drive|lane|boulevard|way|rd\.?|st\.?|ave\.?)$", re.I)
_STREET = re.compile(r"^(?:via|viale|largo|piazza|piazzale|rue|calle|avenida|rua|am|im|box)$|(?:stra(?:ß|ss)e|str\.)$",
                     re.I)
# The word an English name ends with, before the city: "Osaka University Suita Osaka 565-0871";
# a subject after which an "of" ends: "Chinese Academy of Sciences Changchun".
_NAME_END = re.compile(r"^(?:universit(?:y|ies)|hospitals?|institutes?|college|academy|cent(?:er|re)s?|school|"
                       r"clinic|polytechnic|foundation|laborator(?:y|ies))$", re.I)
_SUBJECT_END = frozenset({"technology", "sciences", "medicine"})
# What stands between a city and its postcode: a state or region code, a house number's "No.", a Mexican "C.P.".
_REGION_CODE = re.compile(r"[A-Z]{2,3}|No\.?|C\.P\.")
_NAME_LINKS = frozenset({"of", "for", "at", "in", "and", "&", "the", "de", "di"})


def _without_address(segment: str) -> str:
    """The institution a segment names, without the address some affiliations run into it with
    no comma before the postcode; the segment itself when it holds no postcode.

    >>> [_without_address(s) for s in ("Nankai University Tianjin 300071 China",
    ...     "The University of Queensland Brisbane QLD 4072 Australia",
    ...     "University of Science and Technology of China Hefei 230026 China",
    ...     "University of Cambridge Lensfield Road Cambridge CB2 1EW UK", "INSERM Unit 1018 CESP")]
    ['Nankai University', 'The University of Queensland', 'University of Science and Technology of China', \
'University of Cambridge', 'INSERM Unit 1018 CESP']
    """
    start = next((m.end(1) for m in _POSTCODE.finditer(segment) if not _UNIT_NUMBERED.search(m.group(1))), None)
    if start is None:
        return segment
    words = segment[:start].split()
    names = _names()
    # A state or region before the postcode ("PA", "QLD", "Illinois", "Jilin"), not the end of
    # a name ("of China"); a house number's "No.".
    while len(words) > 2 and words[-2].lower() not in _NAME_LINKS and (
            _REGION_CODE.fullmatch(words[-1]) or _fold(words[-1]) in names):
        words.pop()
    street = next((i - 1 if after else i for i, w in enumerate(words)
                   if i > 1 and ((after := _STREET_AFTER.match(w)) or _STREET.search(w))), None)
    if street is not None:  # the street's name and number go too: "3A Symonds Street"
        end = max(street, 1)
        while end > 1 and any(c.isdigit() for c in words[end - 1]):
            end -= 1
        words = words[:end]
    # Not a word the name already has: "University Park" is a place.
    last = max((i for i, w in enumerate(words) if _NAME_END.match(w) and w not in words[:i]), default=None)
    if last is None:
        return " ".join(words)
    end = last + 1
    if end < len(words) and words[end].lower() in _NAME_LINKS:
        # "... of Science and Technology of China": the name goes on through its linked words,
        # up to a word it repeats ("University of Pittsburgh Pittsburgh") or a city after a
        # country, a state or a subject ("of China Hefei", "of Sciences Changchun").
        while end < len(words):
            word, before = words[end], words[end - 1]
            linked = word.lower() in _NAME_LINKS or before.lower() in _NAME_LINKS
            if not linked and (word in words[:end] or _fold(before) in names or before.lower() in _SUBJECT_END):
                break
            end += 1
    return " ".join(words[:end])


def _without_city(segment: str) -> str:
    """A name that starts with its city without that city repeated after it: "Xuzhou Medical
    University Xuzhou", "Taipei Veterans General Hospital Taipei". Names that end with their
    city stay ("University Medical Center Groningen", "Children's Hospital Colorado")."""
    words = segment.split()
    first = 1 if words[0] == "The" else 0
    if (len(words) > first + 2 and words[-1] == words[first] and not _NAME_END.match(words[-1])
            and (_NAME_END.match(words[-2]) or words[-2].lower() in _SUBJECT_END)):
        return " ".join(words[:-1])
    return segment


@functools.lru_cache(maxsize=1 << 16)
def institution(text: str) -> str | None:
    """The institution an affiliation belongs to: its strongest named organisation.

    Departments, divisions and laboratories are units of an institution, not
    institutions; the segments are compared by kind (university, hospital,
    institute or company) and the first of the strongest kind wins. The campus
    of a university system is part of its name, in one spelling (see
    :data:`_CAMPUSES`), and so is a university known by a short name (see
    :data:`_KNOWN_AS`).

    >>> institution("Late Stage Immunology Product Development, Genentech, Inc., South San Francisco, USA.")
    'Genentech, Inc'
    >>> institution("Department of Radiology, University of Michigan School of Medicine, "
    ...             "1500 E Medical Center Dr SPC 5030, Ann Arbor, MI 48109")
    'University of Michigan School of Medicine'
    >>> institution("College of Pharmacy, The Ohio State University, Columbus, Ohio, USA")
    'The Ohio State University'
    >>> institution("Beijing Key Laboratory of Clinical Study on Anticancer Molecular Target Drugs, Beijing 100021")
    >>> [institution(a) for a in ("Division of Cardiology, University of California, San Francisco, CA",
    ...                           "Department of Ophthalmology, University of California San Francisco",
    ...                           "Department of Agronomy, University of Wisconsin, Madison, Wisconsin 53706.")]
    ['University of California, San Francisco', 'University of California, San Francisco',
     'University of Wisconsin-Madison']
    >>> institution("Center for Brains, Minds and Machines, MIT, Cambridge, MA, 02139, USA.")
    'Massachusetts Institute of Technology'
    """
    segments = _segments(text)
    best: tuple[float, int] | None = None
    for position, segment in enumerate(segments):
        if segment in _KNOWN_AS and not (segment == "UCL" and _LOUVAIN.search(text)):
            score: float | None = 0  # a university
        elif _UNIT.match(segment) or _UNIT_END.search(segment) or len(segment) < 4:
            continue
        else:
            rank = next((rank for rank, kind in enumerate(_KINDS) if kind.search(segment)), None)
            score = rank + 0.5 if rank is not None and _SUBJECT_UNIT.match(segment) else rank
        if score is not None and (best is None or score < best[0]):
            best = (score, position)
    if best is None:
        return None
    if segments[best[1]] in _KNOWN_AS:
        return _KNOWN_AS[segments[best[1]]]
    following = segments[best[1] + 1] if best[1] + 1 < len(segments) else ""
    name = _campus(segments[best[1]], following)
    trimmed = _without_address(name)
    if trimmed == name:
        return _without_city(name)
    # An address trimmed off must leave an institution: "Task Force 2021" is no postcode.
    return trimmed if any(kind.search(trimmed) for kind in _KINDS) else name
