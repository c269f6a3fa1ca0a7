"""Code lists: ICAO 9303 nationalities, permits, purposes, sex."""

from __future__ import annotations

import pycountry
import pytest

from apoa.reports import codes

# ICAO Doc 9303 Part 3, section 5.
ICAO_EXTRAS = [
    "D", "GBD", "GBN", "GBO", "GBP", "GBS", "UNO", "UNA", "UNK", "XBA", "XIM", "XCC", "XCE",
    "XCO", "XEC", "XES", "XMP", "XOM", "XPO", "XDC", "XXA", "XXB", "XXC", "XXX", "EUE", "RKS",
]  # fmt: skip


def test_nationalities_hold_every_iso_code_and_the_icao_extras():
    iso = {country.alpha_3 for country in pycountry.countries}
    assert iso <= set(codes.NATIONALITIES)
    assert set(ICAO_EXTRAS) <= set(codes.NATIONALITIES)
    assert len(codes.NATIONALITIES) == len(iso) + len(ICAO_EXTRAS)
    assert all(name.strip() for name in codes.NATIONALITIES.values())


def test_nationality_names_prefer_common_names():
    assert codes.NATIONALITIES["BOL"] == "Bolivia"
    assert codes.NATIONALITIES["TWN"] == "Taiwan"
    assert codes.NATIONALITIES["XXA"] == "Stateless person"
    assert codes.NATIONALITIES["D"] == "Germany"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("D<<", "D"), ("d", "D"), (" gbr ", "GBR"), ("XXA", "XXA"), ("UTO", "UTO"), ("", "")],
)
def test_normalise_nationality(raw, normalised):
    assert codes.normalise_nationality(raw) == normalised


@pytest.mark.parametrize(
    ("code", "known"),
    [("AUS", True), ("D<<", True), ("deu", True), ("RKS", True), ("UTO", False), ("", False)],
)
def test_is_nationality(code, known):
    assert codes.is_nationality(code) is known


def test_indonesians_are_not_foreign():
    assert codes.is_foreign("IDN") is False
    assert codes.is_foreign(" idn ") is False
    assert codes.is_foreign("AUS") is True
    assert codes.is_nationality("IDN")  # still a valid code, e.g. for an issuing country


def test_germany_has_one_canonical_code():
    assert codes.canonical_nationality("DEU") == "D"
    assert codes.canonical_nationality("D<<") == "D"
    assert codes.same_nationality("DEU", "D<<")
    assert not codes.same_nationality("AUT", "D")


def test_nationality_choices_are_sorted_by_name_without_indonesia():
    choices = codes.nationality_choices()
    names = [name for _, name in choices]
    assert "IDN" not in dict(choices)
    assert "DEU" not in dict(choices)  # German passports say "D"
    assert dict(choices)["D"] == "Germany"
    assert names.index("Åland Islands") < names.index("Albania")
    assert names[0] == "Afghanistan"
    assert names[-1] == "Zimbabwe"
    assert len(choices) == len(codes.NATIONALITIES) - 2


def test_nationality_choices_in_indonesian():
    choices = dict(codes.nationality_choices("id"))
    assert choices["NLD"] == "Belanda"
    assert choices["XXA"] == "Orang tanpa kewarganegaraan"


@pytest.mark.parametrize(
    ("code", "locale", "name"),
    [
        ("DEU", "id", "Jerman"),
        ("D<<", "id", "Jerman"),
        ("USA", "id", "Amerika Serikat"),
        ("KOR", "id_ID", "Korea Selatan"),
        ("KOR", "en", "South Korea"),
        ("TWN", "id", "Taiwan"),
        ("RKS", "id", "Kosovo"),
        ("XXB", "en", "Refugee (1951 Convention)"),
        ("FRA", "xx", "France"),  # no catalogue: English
        ("FRA", "../../etc", "France"),  # never reaches gettext's file lookup
        ("UTO", "id", "UTO"),  # unknown codes display as themselves
    ],
)
def test_country_name(code, locale, name):
    assert codes.country_name(code, locale) == name


def test_permit_types_and_which_need_a_number():
    assert list(codes.PERMIT_TYPES) == [
        "visa_free",
        "voa",
        "visit_visa",
        "itk",
        "itas",
        "itap",
        "diplomatic",
        "other",
    ]
    needs_number = {code for code in codes.PERMIT_TYPES if codes.permit_requires_number(code)}
    assert needs_number == {"visit_visa", "itk", "itas", "itap", "diplomatic"}
    assert codes.permit_requires_number("unknown") is False


def test_purposes_and_sexes():
    assert set(codes.PURPOSES) == {
        "tourism",
        "business",
        "work",
        "study",
        "family",
        "research",
        "medical",
        "transit",
        "official",
        "other",
    }
    assert codes.SEXES == {"M": "Male", "F": "Female", "X": "Unspecified"}
