"""Address parsing: pure functions, no gazetteer needed."""

from __future__ import annotations

import pytest

from apoa.geocoding.address import (
    DISTRICT,
    KABUPATEN,
    KELURAHAN,
    KOTA,
    PROVINCE,
    REGENCY,
    VILLAGE,
    name_key,
    normalise,
    parse_address,
    parse_parts,
)


def test_normalise_lowercases_folds_punctuation_and_collapses_spaces() -> None:
    assert normalise("  Jl.  Legian,No.10 ") == "jl legian no 10"
    assert normalise("Kupa-kupa Selatan (Halehe)") == "kupa kupa selatan halehe"


def test_normalise_drops_apostrophes_and_accents() -> None:
    assert normalise("Regapu\u2019u") == "regapuu"
    assert normalise("Hilialo'oa") == "hilialooa"
    assert normalise("Désa") == "desa"


def test_name_key_ignores_spacing_and_expands_abbreviations() -> None:
    assert name_key("Tanjung Pinang") == name_key("Tanjungpinang") == name_key("Tg. Pinang")
    assert name_key("Bau-Bau") == name_key("Baubau")
    assert name_key("Kp. Bantan") == name_key("Kampung Bantan")
    assert name_key("Kep. Siau Tagulandang Biaro") == name_key("Kepulauan Siau Tagulandang Biaro")
    assert name_key("Jakpus") == name_key("Jakarta Pusat") == name_key("Jak. Pst")


@pytest.mark.parametrize(
    "text",
    [
        "Jl. Merdeka No. 5 RT 03/RW 05, Gambir",
        "Jl. Merdeka No. 5 RT.003 RW.005, Gambir",
        "Jl. Merdeka No. 5 Rt 3 Rw 5, Gambir",
        "Jl. Merdeka No. 5 RT003/RW005, Gambir",
        "Jl. Merdeka No. 5, RT/RW 003/005, Gambir",
        "Jl. Merdeka No. 5 rt. 3 / rw. 05, Gambir",
    ],
)
def test_parse_address_reads_rt_rw_variants(text: str) -> None:
    parsed = parse_address(text)
    assert (parsed.rt, parsed.rw) == ("003", "005")
    assert parsed.street == "Jl. Merdeka No. 5"
    assert [a.name for a in parsed.areas] == ["gambir"]


def test_parse_address_takes_the_last_five_digit_number_as_postal_code() -> None:
    parsed = parse_address("Jl. Legian No. 12345, Legian, Kuta, Badung, Bali 80361")
    assert parsed.postal_code == "80361"
    assert [a.name for a in parsed.areas] == ["legian", "kuta", "badung", "bali"]


def test_parse_address_without_postal_code_or_rt_rw() -> None:
    parsed = parse_address("Legian, Kuta")
    assert (parsed.street, parsed.rt, parsed.rw, parsed.postal_code) == (None, None, None, None)


def test_parse_address_drops_postal_label_and_country() -> None:
    parsed = parse_address("Kuta, Bali, Kode Pos 80361, Indonesia")
    assert parsed.postal_code == "80361"
    assert [a.name for a in parsed.areas] == ["kuta", "bali"]


def test_parse_address_keeps_street_as_written() -> None:
    parsed = parse_address("Jl. Legian No. 10, Legian, Kuta, Badung, Bali")
    assert parsed.street == "Jl. Legian No. 10"
    assert parsed.areas[0].name == "legian"  # the street's "Legian" is not an area


def test_parse_address_reads_level_hints_and_kinds() -> None:
    parsed = parse_address(
        "Kel. Gambir, Kec. Gambir, Kota Adm. Jakarta Pusat, Prov. DKI Jakarta 10110"
    )
    hints = [(a.name, a.level_hint, a.kind) for a in parsed.areas]
    assert hints == [
        ("gambir", VILLAGE, KELURAHAN),
        ("gambir", DISTRICT, None),
        ("jakarta pusat", REGENCY, KOTA),
        ("dki jakarta", PROVINCE, None),
    ]


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Kab. Badung", "badung", KABUPATEN),
        ("KAB. BADUNG", "badung", KABUPATEN),
        ("Kabupaten Badung", "badung", KABUPATEN),
        ("Kota Yogyakarta", "yogyakarta", KOTA),
        ("KOTA YOGYAKARTA", "yogyakarta", KOTA),
        ("Kotamadya Yogyakarta", "yogyakarta", KOTA),
        ("Kab/Kota Bekasi", "bekasi", None),
    ],
)
def test_parse_address_reads_regency_prefixes(text: str, name: str, kind: str | None) -> None:
    (area,) = parse_address(text).areas
    assert (area.name, area.level_hint, area.kind) == (name, REGENCY, kind)


def test_parse_address_keeps_name_like_prefixes_for_lookup() -> None:
    # "Desa Baru" and "Kota Batu" are also official village names.
    (village,) = parse_address("Ds. Desa Baru").areas
    assert (village.name, village.full) == ("baru", "desa baru")
    (city,) = parse_address("Kota Batu").areas
    assert (city.name, city.full) == ("batu", "kota batu")


def test_parse_address_lets_a_district_name_start_with_kota() -> None:
    (district,) = parse_address("Kec. Kota Kudus").areas
    assert (district.name, district.level_hint) == ("kota kudus", DISTRICT)


def test_parse_address_splits_comma_less_text_on_hint_words() -> None:
    parsed = parse_address("Jln Sudirman 12 RT.003 RW.005 Kel Legian Kec Kuta Kab Badung 80361")
    assert parsed.street == "Jln Sudirman 12"
    assert [(a.name, a.level_hint) for a in parsed.areas] == [
        ("legian", VILLAGE),
        ("kuta", DISTRICT),
        ("badung", REGENCY),
    ]
    assert parsed.postal_code == "80361"


def test_parse_address_marks_areas_after_a_house_number_as_loose() -> None:
    parsed = parse_address("Jl. Sunset Road 88 Legian Kuta")
    assert parsed.street == "Jl. Sunset Road 88"
    (area,) = parsed.areas
    assert (area.name, area.loose) == ("legian kuta", True)


def test_parse_parts_uses_the_field_as_level() -> None:
    parsed = parse_parts(
        {
            "street": "Jl. Legian No. 10",
            "rt": "RT 3",
            "rw": 5,
            "village": "Legian",
            "district": "Kota Kudus",
            "regency": "KAB. BADUNG",
            "province": "Bali",
            "postal_code": "80361",
        }
    )
    assert (parsed.street, parsed.rt, parsed.rw, parsed.postal_code) == (
        "Jl. Legian No. 10",
        "003",
        "005",
        "80361",
    )
    assert [(a.name, a.level_hint, a.kind) for a in parsed.areas] == [
        ("legian", VILLAGE, None),
        ("kota kudus", DISTRICT, None),
        ("badung", REGENCY, KABUPATEN),
        ("bali", PROVINCE, None),
    ]


def test_parse_parts_ignores_blank_fields_and_bad_postal_codes() -> None:
    parsed = parse_parts({"village": "  ", "district": None, "postal_code": "8036"})
    assert parsed.areas == ()
    assert parsed.postal_code is None
