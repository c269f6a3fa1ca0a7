"""Parse free-text Indonesian addresses into street, RT/RW, postal code and area tokens.

Pure functions, no data files: the gazetteer matches the area tokens against the
Kemendagri names. Both sides go through ``name_key`` so abbreviations such as
"Kp." or "Kep." compare equal to "Kampung" and "Kepulauan" wherever they occur.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

PROVINCE, REGENCY, DISTRICT, VILLAGE = 1, 2, 3, 4
LEVEL_NAMES = {PROVINCE: "province", REGENCY: "regency", DISTRICT: "district", VILLAGE: "village"}

# Kinds of regency and of village. Kemendagri codes tell them apart: digit 7 of a
# village code is 1 for a kelurahan and 2 for a desa ("Kel. Urimessing" and "Desa
# Urimessing" are two villages of the same district in Ambon).
KOTA, KABUPATEN = "kota", "kabupaten"
KELURAHAN, DESA = "kelurahan", "desa"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_WORD_RUN = re.compile(r"[^\W_]+")
_APOSTROPHE = re.compile(r"['’‘`ʼ]")

# Word abbreviations that also occur inside official names ("Kp. Bantan",
# "Kabupaten Kep. Siau Tagulandang Biaro"); expanded on both sides of the match.
WORD_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "kp": ("kampung",),
    "kmp": ("kampung",),
    "kep": ("kepulauan",),
    "kepl": ("kepulauan",),
    "tg": ("tanjung",),
    "tj": ("tanjung",),
    "tjg": ("tanjung",),
    "gn": ("gunung",),
    "gng": ("gunung",),
    "mns": ("meunasah",),
    "sel": ("selatan",),
    "slt": ("selatan",),
    "utr": ("utara",),
    "ut": ("utara",),
    "tim": ("timur",),
    "tmr": ("timur",),
    "bar": ("barat",),
    "brt": ("barat",),
    "tgh": ("tengah",),
    "teng": ("tengah",),
    "pst": ("pusat",),
    "pus": ("pusat",),
    "sumatra": ("sumatera",),
    "jkt": ("jakarta",),
    "jak": ("jakarta",),
    # Colloquial names of the five Jakarta cities.
    "jakpus": ("jakarta", "pusat"),
    "jaksel": ("jakarta", "selatan"),
    "jakbar": ("jakarta", "barat"),
    "jaktim": ("jakarta", "timur"),
    "jakut": ("jakarta", "utara"),
}

_EXPANDABLE = frozenset(WORD_EXPANSIONS)

# Words that open a segment and say which level it names, and the kind where they
# say it: "Kota Bekasi" (3275) and "Kab. Bekasi" (3216) differ.
HINT_WORDS: dict[str, tuple[int, str | None]] = {
    "kel": (VILLAGE, KELURAHAN),
    "kelurahan": (VILLAGE, KELURAHAN),
    "desa": (VILLAGE, DESA),
    "ds": (VILLAGE, DESA),
    "kec": (DISTRICT, None),
    "kecamatan": (DISTRICT, None),
    "distrik": (DISTRICT, None),
    "kab": (REGENCY, KABUPATEN),
    "kabupaten": (REGENCY, KABUPATEN),
    "kota": (REGENCY, KOTA),
    "kotamadya": (REGENCY, KOTA),
    "kodya": (REGENCY, KOTA),
    "prov": (PROVINCE, None),
    "provinsi": (PROVINCE, None),
    "prop": (PROVINCE, None),
    "propinsi": (PROVINCE, None),
}
# "Kota Adm. Jakarta Pusat", "Kab. Administrasi Kepulauan Seribu".
_ADMIN_WORDS = frozenset({"adm", "administrasi", "administratif"})
# Hint words that also begin real names ("Desa Baru", "Kota Batu" villages), so
# the unstripped form is looked up as well.
_NAME_LIKE_HINTS = frozenset({"desa", "kota"})
# Hint words unambiguous enough to split a comma-less segment in front of them.
_SPLIT_HINTS = frozenset(HINT_WORDS) - _NAME_LIKE_HINTS - {"ds", "prop"}

STREET_WORDS = frozenset(
    {
        "jl",
        "jln",
        "jalan",
        "gg",
        "gang",
        "lr",
        "lrg",
        "lorong",
        "komp",
        "komplek",
        "kompleks",
        "perum",
        "perumahan",
        "ruko",
        "apartemen",
        "apartment",
        "hotel",
        "wisma",
        "villa",
    }
)
_NUMBER_WORDS = frozenset({"no", "nomor", "nmr"})
# "Kode Pos" before the postal code and the country name are not areas. Only whole
# phrases are dropped: "Tangkisan Pos" and "Jambur Indonesia" are villages.
_NOISE_WORDS = frozenset({"indonesia", "kode", "kodepos", "pos", "kd", "kdpos"})
_POSTAL_LABELS = (["kode", "pos"], ["kd", "pos"], ["kodepos"], ["kdpos"])

_RT_RW_PAIR = re.compile(r"\brt\s*[./]?\s*rw\W{0,3}(\d{1,3})\s*[/.-]\s*(\d{1,3})(?!\d)", re.I)
_RT = re.compile(r"\brt\W{0,3}(\d{1,3})(?!\d)", re.I)
_RW = re.compile(r"\brw\W{0,3}(\d{1,3})(?!\d)", re.I)
_POSTAL = re.compile(r"(?<!\d)([1-9]\d{4})(?!\d)")
_SEGMENT_SEPARATORS = re.compile(r"[,;\n|]+")


class AreaToken(NamedTuple):
    """One area named in an address, e.g. "Kec. Kuta"."""

    text: str  # as written, trimmed
    name: str  # normalised, hint words removed: "kuta"
    level_hint: int | None  # VILLAGE..PROVINCE when a hint word said so
    kind: str | None  # KOTA / KABUPATEN, KELURAHAN / DESA when a hint word said so
    full: str | None = None  # normalised with a name-like hint word kept: "kota batu"
    loose: bool = False  # free text that may hold several areas without commas


class ParsedAddress(NamedTuple):
    """An address split into its parts."""

    street: str | None
    rt: str | None  # zero-padded to three digits, as on Indonesian ID cards
    rw: str | None
    postal_code: str | None
    areas: tuple[AreaToken, ...]


def _normalise(text: str) -> str:
    """Uncached body of ``normalise`` (the loader calls it once per name)."""
    text = text.lower()
    if not text.isascii():
        # Folds accents; a curly apostrophe (U+2019, "Regapu'u") has no ASCII form and vanishes.
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    if "'" in text or "`" in text:
        text = text.replace("'", "").replace("`", "")
    return _NON_ALNUM.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lowercase, fold punctuation and accents to spaces, and collapse whitespace."""
    return _normalise(text)


def expand_words(words: list[str]) -> list[str]:
    """Expand abbreviations word by word ("kp" -> "kampung")."""
    out: list[str] = []
    for word in words:
        out.extend(WORD_EXPANSIONS.get(word, (word,)))
    return out


def _name_key(text: str) -> str:
    """Uncached body of ``name_key``."""
    words = _normalise(text).split()
    if _EXPANDABLE.isdisjoint(words):
        return "".join(words)
    return "".join(expand_words(words))


@lru_cache(maxsize=131072)
def name_key(text: str) -> str:
    """Return the matching key of a name: normalised, expanded, without spaces.

    Dropping spaces makes "Tanjung Pinang", "Tanjungpinang" and "Bau-Bau" / "Baubau"
    compare equal; such pairs are spelling variants, not different places.
    """
    return _name_key(text)


def pad3(number: str) -> str:
    """Zero-pad an RT/RW number to three digits."""
    return number.lstrip("0").rjust(3, "0")


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """Find the first match and replace it with a segment break."""
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, f"{text[: match.start()]},{text[match.end() :]}"


def _split_on_hints(words: list[str]) -> list[list[str]]:
    """Split "kel legian kec kuta" into ["kel legian", "kec kuta"]."""
    parts: list[list[str]] = [[]]
    for i, word in enumerate(words):
        # A hint word right after another hint word ("kel desa") belongs to the same part.
        if i > 0 and word in _SPLIT_HINTS and words[i - 1] not in HINT_WORDS and parts[-1]:
            parts.append([])
        parts[-1].append(word)
    return parts


def _area_token(text: str, words: list[str], *, loose: bool = False) -> AreaToken | None:
    """Turn the words of one segment into an area token, reading leading hint words."""
    level: int | None = None
    kind: str | None = None
    i = 0
    while i < len(words) and words[i] in HINT_WORDS:
        word_level, word_kind = HINT_WORDS[words[i]]
        if level is None:
            level, kind = word_level, word_kind
        elif word_level != level:
            break  # "Kec. Kota Kudus": "Kota" starts the district's name
        elif word_kind != kind:
            kind = None  # "Kab/Kota Bekasi": the writer did not say which
        i += 1
    if level == REGENCY:
        while i < len(words) and words[i] in _ADMIN_WORDS:
            i += 1
    rest = words[i:]
    if not rest:
        # A bare "Kota" or "Desa" is itself a name word, not a hint.
        if not words or words[0] not in _NAME_LIKE_HINTS:
            return None
        rest, level, kind = words, None, None
    # Keep the unstripped form from the first name-like hint word on: "Kel. Desa Baru"
    # may be the village "Desa Baru".
    full = next((" ".join(words[j:]) for j in range(i) if words[j] in _NAME_LIKE_HINTS), None)
    return AreaToken(text, " ".join(rest), level, kind, full, loose)


def _street_split(words: list[str]) -> int:
    """Return how many leading words form the street part (house number included)."""
    for i, word in enumerate(words):
        if word in _NUMBER_WORDS and i + 1 < len(words) and words[i + 1][:1].isdigit():
            return i + 2
    for i, word in enumerate(words):
        if i and word[:1].isdigit():
            return i + 1
    return len(words)


def _drop_postal_label(words: list[str]) -> list[str]:
    """Drop a trailing "kode pos" left behind when the postal code was taken out."""
    for label in _POSTAL_LABELS:
        if words[-len(label) :] == label:
            return words[: -len(label)]
    return words


def _has_house_number(words: list[str]) -> bool:
    """Tell whether the words contain "no 10" style house numbering."""
    return any(
        w in _NUMBER_WORDS and i + 1 < len(words) and words[i + 1][:1].isdigit()
        for i, w in enumerate(words)
    )


def _raw_prefix(segment: str, words: list[str], count: int) -> str:
    """Return the segment as written up to its ``count``-th normalised word."""
    if count >= len(words):
        return segment
    runs = list(_WORD_RUN.finditer(_APOSTROPHE.sub("", segment)))
    if len(runs) != len(words):
        return " ".join(words[:count])  # accents folded differently: keep the normalised form
    return segment[: runs[count - 1].end()]


def parse_address(text: str) -> ParsedAddress:
    """Split a free-text address into street, RT/RW, postal code and area tokens."""
    rt = rw = None
    match, text = _take(_RT_RW_PAIR, text)
    if match:
        rt, rw = pad3(match.group(1)), pad3(match.group(2))
    else:
        match, text = _take(_RT, text)
        rt = pad3(match.group(1)) if match else None
        match, text = _take(_RW, text)
        rw = pad3(match.group(1)) if match else None

    postal_code = None
    postal_matches = list(_POSTAL.finditer(text))
    if postal_matches:
        # The postal code closes an Indonesian address; earlier numbers are house numbers.
        last = postal_matches[-1]
        postal_code = last.group(1)
        text = f"{text[: last.start()]},{text[last.end() :]}"

    street: str | None = None
    areas: list[AreaToken] = []
    for raw in _SEGMENT_SEPARATORS.split(text):
        segment = raw.strip(" .-/")
        words = _drop_postal_label(normalise(segment).split())
        if not words or _NOISE_WORDS.issuperset(words):
            continue
        if street is None and (words[0] in STREET_WORDS or _has_house_number(words)):
            cut = _street_split(words)
            street = _raw_prefix(segment, words, cut)
            if cut < len(words):
                # "Jl. Legian 10 Legian Kuta": the areas follow the house number.
                token = _area_token(" ".join(words[cut:]), words[cut:], loose=True)
                if token:
                    areas.append(token)
            continue
        parts = _split_on_hints(words)
        for part in parts:
            # Parts cut out of one comma-less segment may still hold several areas.
            text_part = segment if len(parts) == 1 else " ".join(part)
            token = _area_token(text_part, part, loose=len(parts) > 1)
            if token:
                areas.append(token)
    if len(areas) == 1 and not areas[0].loose:
        # A single segment may be a whole address written without commas.
        areas[0] = areas[0]._replace(loose=True)
    return ParsedAddress(street, rt, rw, postal_code, tuple(areas))


def _number_field(value: str | None) -> str | None:
    """Read an RT or RW field ("3", "003", "RT 03") as a three-digit string."""
    found = re.search(r"\d{1,3}", value) if value else None
    return pad3(found.group()) if found else None


# Structured address fields and the level each names, deepest first.
PART_LEVELS = {"village": VILLAGE, "district": DISTRICT, "regency": REGENCY, "province": PROVINCE}


def parse_parts(parts: Mapping[str, object]) -> ParsedAddress:
    """Build a parsed address from structured fields (street, rt, rw, village, ..., postal_code)."""

    def field(name: str) -> str | None:
        value = parts.get(name)
        text = str(value).strip() if value is not None else ""
        return text or None

    areas: list[AreaToken] = []
    for name, level in PART_LEVELS.items():
        text = field(name)
        if text is None:
            continue
        words = normalise(text).split()
        token = _area_token(text, words)
        if token is None:
            continue
        if token.level_hint is None:
            token = token._replace(level_hint=level)
        elif token.level_hint != level:
            # The field decides the level: "Kota Kudus" in the district field is a name.
            token = AreaToken(text, " ".join(words), level, None)
        areas.append(token)
    postal = field("postal_code")
    return ParsedAddress(
        street=field("street"),
        rt=_number_field(field("rt")),
        rw=_number_field(field("rw")),
        postal_code=postal if postal and _POSTAL.fullmatch(postal) else None,
        areas=tuple(areas),
    )
