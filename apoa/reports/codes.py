"""Code lists for reports: nationalities (ICAO 9303), stay permits, purposes, sex.

Pure data and small lookups; nothing here touches the app, the database or the clock.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import pycountry
from babel import Locale, UnknownLocaleError

INDONESIA = "IDN"
GERMANY_ISO = "DEU"
GERMANY_ICAO = "D"

# ICAO Doc 9303 Part 3, section 5: codes used in travel documents besides ISO 3166-1 alpha-3.
# Germany writes "D<<" rather than "DEU"; the others name British nationality classes,
# international organisations and persons without (known) nationality.
ICAO_EXTRA_CODES: dict[str, str] = {
    "D": "Germany",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "UNO": "United Nations Organization or one of its officials",
    "UNA": "Specialized agency of the United Nations or one of its officials",
    "UNK": "Resident of Kosovo with a travel document issued by UNMIK",
    "XBA": "African Development Bank",
    "XIM": "African Export-Import Bank",
    "XCC": "Caribbean Community (CARICOM) or one of its emissaries",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa (COMESA)",
    "XEC": "Economic Community of West African States (ECOWAS)",
    "XES": "Organisation of Eastern Caribbean States (OECS)",
    "XMP": "Parliamentary Assembly of the Mediterranean",
    "XOM": "Sovereign Military Order of Malta or one of its emissaries",
    "XPO": "International Criminal Police Organization (INTERPOL)",
    "XDC": "Southern African Development Community (SADC)",
    "XXA": "Stateless person",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other than under the 1951 Convention)",
    "XXX": "Unspecified nationality",
    "EUE": "European Union",
    "RKS": "Kosovo",
}

# Indonesian names for the ICAO extras; pycountry's translations only cover ISO codes.
_EXTRA_NAMES_ID: dict[str, str] = {
    "D": "Jerman",
    "GBD": "Warga Wilayah Seberang Laut Britania",
    "GBN": "Warga Nasional Britania (Seberang Laut)",
    "GBO": "Warga Seberang Laut Britania",
    "GBP": "Orang yang Dilindungi Britania",
    "GBS": "Subjek Britania",
    "UNO": "Perserikatan Bangsa-Bangsa atau pejabatnya",
    "UNA": "Badan khusus PBB atau pejabatnya",
    "UNK": "Penduduk Kosovo dengan dokumen perjalanan UNMIK",
    "XBA": "Bank Pembangunan Afrika",
    "XIM": "Bank Ekspor-Impor Afrika",
    "XCC": "Komunitas Karibia (CARICOM) atau utusannya",
    "XCE": "Dewan Eropa",
    "XCO": "Pasar Bersama Afrika Timur dan Selatan (COMESA)",
    "XEC": "Komunitas Ekonomi Negara-Negara Afrika Barat (ECOWAS)",
    "XES": "Organisasi Negara-Negara Karibia Timur (OECS)",
    "XMP": "Majelis Parlementer Mediterania",
    "XOM": "Ordo Militer Berdaulat Malta atau utusannya",
    "XPO": "Organisasi Polisi Kriminal Internasional (INTERPOL)",
    "XDC": "Komunitas Pembangunan Afrika Selatan (SADC)",
    "XXA": "Orang tanpa kewarganegaraan",
    "XXB": "Pengungsi (Konvensi 1951)",
    "XXC": "Pengungsi (di luar Konvensi 1951)",
    "XXX": "Kewarganegaraan tidak disebutkan",
    "EUE": "Uni Eropa",
    "RKS": "Kosovo",
}


def _iso_names() -> dict[str, str]:
    # common_name where pycountry has one: "Bolivia", not "Bolivia, Plurinational State of".
    return {
        country.alpha_3: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }


NATIONALITIES: dict[str, str] = {**_iso_names(), **ICAO_EXTRA_CODES}

# ISO alpha-3 (what passports carry) to alpha-2 (what CLDR names territories by).
_ALPHA_2: dict[str, str] = {country.alpha_3: country.alpha_2 for country in pycountry.countries}

# Stay permits (izin tinggal, UU 6/2011). Order is the order of the form's list.
PERMIT_TYPES: dict[str, str] = {
    "visa_free": "Visa-free (Bebas Visa Kunjungan)",
    "voa": "Visa on Arrival",
    "visit_visa": "Visit visa (ITK)",
    "itk": "ITK, visit stay permit",
    "itas": "ITAS / KITAS, limited stay permit",
    "itap": "ITAP / KITAP, permanent stay permit",
    "diplomatic": "Diplomatic or service",
    "other": "Other",
}

# A number is demanded only where the guest holds a document that carries one: a visa
# sticker or e-visa, or a permit card. Visa-free entry has only the entry stamp; a VoA
# receipt has a number but guests rarely keep it, so it is optional; "other" is unknown.
_PERMITS_WITH_NUMBER = frozenset({"visit_visa", "itk", "itas", "itap", "diplomatic"})

# Purposes of visit (tujuan kedatangan).
PURPOSES: dict[str, str] = {
    "tourism": "Tourism",
    "business": "Business",
    "work": "Work",
    "study": "Study",
    "family": "Family visit",
    "research": "Research",
    "medical": "Medical treatment",
    "transit": "Transit",
    "official": "Official duty",
    "other": "Other",
}

# ICAO 9303 writes "<" for unspecified sex; apoa stores it as "X".
SEXES: dict[str, str] = {"M": "Male", "F": "Female", "X": "Unspecified"}


def normalise_nationality(code: str) -> str:
    """Return the code upper-cased without surrounding spaces or MRZ filler ("D<<" -> "D")."""
    return code.strip().upper().strip("<").strip()


def canonical_nationality(code: str) -> str:
    """Return one code per country for person keys: ISO "DEU" becomes ICAO "D".

    German passports say "D" in the MRZ while a typed form may say "DEU"; a person
    must have one key (domain.md section 4, R13) or duplicates slip through.
    """
    code = normalise_nationality(code)
    return GERMANY_ICAO if code == GERMANY_ISO else code


def is_nationality(code: str) -> bool:
    """Return whether the code is on the ICAO 9303 list (after normalising)."""
    return normalise_nationality(code) in NATIONALITIES


def is_foreign(code: str) -> bool:
    """Return False for Indonesian citizens (WNI are never reported); does not check the code."""
    return normalise_nationality(code) != INDONESIA


def same_nationality(a: str, b: str) -> bool:
    """Return whether two codes name the same nationality ("D<<" and "DEU" do)."""
    return canonical_nationality(a) == canonical_nationality(b)


def permit_requires_number(code: str) -> bool:
    """Return whether a permit of this type must come with its number."""
    return code in _PERMITS_WITH_NUMBER


@cache
def _translation(language: str) -> gettext.NullTranslations:
    # fallback=True: a language pycountry does not ship gives the English names back.
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


@cache
def _territory_names(language: str) -> dict[str, str]:
    # CLDR's names through Babel: pycountry's Indonesian catalogue leaves about half the
    # countries in English ("Czechia", "Bonaire, Sint Eustatius and Saba"; issue 12, point 4).
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def _language(locale: str) -> str:
    language = locale.replace("-", "_").split("_")[0].lower()
    # Only a plain language code reaches gettext, which builds a file path from it.
    return language if language.isascii() and language.isalpha() else "en"


def country_name(code: str, locale: str = "en") -> str:
    """Return the country or code name in the locale ("id" or "en"), English as fallback.

    An unknown code is returned as given, so a stored code always displays.
    """
    code = normalise_nationality(code)
    english = NATIONALITIES.get(code)
    if english is None:
        return code
    language = _language(locale)
    if language == "en":
        return english
    if code in ICAO_EXTRA_CODES:
        return _EXTRA_NAMES_ID.get(code, english) if language == "id" else english
    cldr = _territory_names(language).get(_ALPHA_2.get(code, ""))
    if cldr:
        return cldr
    # pycountry's catalogue has both `name` and `common_name` as message ids.
    return _translation(language).gettext(english)


def _sort_key(name: str) -> str:
    # "Åland Islands" sorts with the A's, not after Z.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def nationality_choices(locale: str = "en") -> list[tuple[str, str]]:
    """Return (code, name) pairs for a nationality list, by name, without Indonesia.

    "DEU" is left out because German passports use "D" (see canonical_nationality).
    """
    return list(_sorted_nationalities(_language(locale)))


@cache  # ~270 names translated and sorted: once per language, not on every form
def _sorted_nationalities(locale: str) -> tuple[tuple[str, str], ...]:
    pairs = [
        (code, country_name(code, locale))
        for code in NATIONALITIES
        if is_foreign(code) and code != GERMANY_ISO
    ]
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))
