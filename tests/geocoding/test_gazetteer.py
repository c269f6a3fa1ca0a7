"""The offline gazetteer geocoder against the real packaged data (offline, deterministic)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from apoa.geocoding.gazetteer import (
    DATA_PATH,
    Gazetteer,
    GazetteerGeocoder,
    common_ancestor,
    get_gazetteer,
    read_wilayah,
)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return get_gazetteer()


@pytest.fixture(scope="module")
def geocoder(gazetteer: Gazetteer) -> GazetteerGeocoder:
    return GazetteerGeocoder(gazetteer)


def geocode(geocoder: GazetteerGeocoder, query: Any, **kwargs: Any) -> dict[str, Any] | None:
    """Return the raw result of one geocode, or None."""
    location = geocoder.geocode(query, **kwargs)
    if location is None:
        return None
    assert isinstance(location, Location)
    return dict(location.raw)


# --- data integrity ---------------------------------------------------------


def test_gazetteer_has_the_kepmendagri_2025_counts(gazetteer: Gazetteer) -> None:
    counts = Counter(row.level for row in gazetteer.rows.values())
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}


def test_every_area_sits_under_an_existing_parent(gazetteer: Gazetteer) -> None:
    code_length = {1: 2, 2: 4, 3: 6, 4: 10}
    for code, row in gazetteer.rows.items():
        assert len(code) == code_length[row.level]
        assert code.isdigit()
        if row.level == 1:
            assert row.parent_code is None
        else:
            assert row.parent_code is not None
            parent = gazetteer.rows[row.parent_code]
            assert parent.level == row.level - 1
            assert code.startswith(parent.code)


def test_coordinates_and_postal_codes_are_present(gazetteer: Gazetteer) -> None:
    villages = [row for row in gazetteer.rows.values() if row.level == 4]
    assert sum(row.lat is not None for row in villages) == 83379
    assert all(row.postal_code and len(row.postal_code) == 5 for row in villages)
    higher = [row for row in gazetteer.rows.values() if row.level < 4]
    assert all(row.lat is not None and row.lon is not None for row in higher)


def test_read_wilayah_yields_typed_rows_sorted_by_code() -> None:
    rows = list(read_wilayah(DATA_PATH))
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    legian = next(r for r in rows if r.code == "5103011004")
    assert legian == ("5103011004", 4, "510301", "Legian", "80361", -8.70378, 115.17282)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("5103011004", "Legian"),
        ("510301", "Kuta"),
        ("5103", "Kabupaten Badung"),
        ("51", "Bali"),
        ("3171011001", "Gambir"),
        ("3471", "Kota Yogyakarta"),
        ("1810022012", "Yogyakarta"),
    ],
)
def test_golden_codes_name_the_expected_areas(gazetteer: Gazetteer, code: str, name: str) -> None:
    row = gazetteer.get(code)
    assert row is not None
    assert row.name == name


# --- the geopy interface ----------------------------------------------------


def test_geocoder_is_a_geopy_geocoder_returning_locations(geocoder: GazetteerGeocoder) -> None:
    assert isinstance(geocoder, Geocoder)
    location = geocoder.geocode("Legian, Kuta, Badung, Bali")
    assert isinstance(location, Location)
    assert (location.latitude, location.longitude) == (-8.70378, 115.17282)
    assert location.address == "Legian, Kuta, Kabupaten Badung, Bali 80361"
    assert location.raw["source"] == "offline"
    assert {
        key: location.raw[key]
        for key in ("province_code", "regency_code", "district_code", "village_code")
    } == {
        "province_code": "51",
        "regency_code": "5103",
        "district_code": "510301",
        "village_code": "5103011004",
    }


def test_geocoder_returns_none_or_empty_list_when_nothing_matches(
    geocoder: GazetteerGeocoder,
) -> None:
    assert geocoder.geocode("Atlantis, Middle Earth") is None
    assert geocoder.geocode("Atlantis, Middle Earth", exactly_one=False) == []
    assert geocoder.geocode("") is None


# --- golden cases (house-style section 4) -----------------------------------


def test_legian_address_resolves_to_the_village(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Jl. Legian No. 10, Legian, Kuta, Badung, Bali")
    assert raw is not None
    assert (raw["code"], raw["precision"], raw["needs_review"]) == ("5103011004", "village", False)


def test_gambir_jakarta_pusat_resolves_to_the_village(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Gambir, Jakarta Pusat")
    assert raw is not None
    assert (raw["code"], raw["precision"]) == ("3171011001", "village")
    # "Gambir" names the village and the district alike: a likely reading, checked by a human.
    assert raw["needs_review"] is True


def test_kota_yogyakarta_is_the_city_not_the_lampung_village(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Kota Yogyakarta")
    assert raw is not None
    assert (raw["code"], raw["level"], raw["precision"]) == ("3471", 2, "regency")
    assert raw["needs_review"] is True


@pytest.mark.parametrize("query", ["Yogyakarta", "KOTA YOGYAKARTA", "Kota Jogja"])
def test_yogyakarta_variants_never_pick_the_lampung_village(
    geocoder: GazetteerGeocoder, query: str
) -> None:
    raw = geocode(geocoder, query)
    assert raw is not None
    assert raw["code"] == "3471"


def test_lampung_village_yogyakarta_is_found_with_its_parents(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Desa Yogyakarta, Lampung")
    assert raw is not None
    assert raw["code"] == "1810022012"


def test_lone_ambiguous_village_name_is_not_guessed(geocoder: GazetteerGeocoder) -> None:
    # 98 villages are called Sidomulyo, in many provinces.
    assert geocoder.geocode("Sidomulyo") is None


# --- name collisions --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Sidomulyo, Riau", "1402092002"),
        ("Sidomulyo, Jawa Barat", "3218092006"),
        ("Desa Sidomulyo, Kec. Pangandaran, Kab. Pangandaran", "3218092006"),
        ("Sidomulyo, Kabupaten Indragiri Hulu", "1402092002"),
    ],
)
def test_same_village_name_is_resolved_by_parents(
    geocoder: GazetteerGeocoder, query: str, code: str
) -> None:
    raw = geocode(geocoder, query)
    assert raw is not None
    assert (raw["code"], raw["precision"]) == (code, "village")


def test_same_village_name_is_resolved_by_postal_code(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Sidomulyo 29353")
    assert raw is not None
    assert raw["code"] == "1402092002"
    raw = geocode(geocoder, "Sidomulyo", postal_code="46396")
    assert raw is not None
    assert raw["code"] == "3218092006"


def test_kelurahan_and_desa_of_the_same_name_are_told_apart(geocoder: GazetteerGeocoder) -> None:
    # Nusaniwe district in Ambon has a kelurahan and a desa both called Urimessing.
    kel = geocode(geocoder, "Kel. Urimessing, Kec. Nusaniwe, Kota Ambon")
    desa = geocode(geocoder, "Desa Urimessing, Kec. Nusaniwe, Kota Ambon")
    assert kel is not None
    assert kel["code"] == "8171011011"
    assert desa is not None
    assert desa["code"] == "8171012005"


def test_kota_and_kabupaten_of_the_same_name_are_told_apart(geocoder: GazetteerGeocoder) -> None:
    assert (geocode(geocoder, "Kota Bekasi") or {}).get("code") == "3275"
    assert (geocode(geocoder, "Kab. Bekasi") or {}).get("code") == "3216"
    assert (geocode(geocoder, "Bekasi") or {}).get("code") == "32"  # either: Jawa Barat


# --- precision fallbacks ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "precision"),
    [
        ("Legian, Kuta, Badung, Bali", "5103011004", "village"),
        ("Bali 80361", "510301", "district"),  # five Kuta villages share 80361
        ("Sukamaju, Kabupaten Deli Serdang", "1207", "regency"),  # two of them there
        ("Sidomulyo, Lampung", "18", "province"),  # thirteen of them there
    ],
)
def test_ambiguity_falls_back_to_the_deepest_common_ancestor(
    geocoder: GazetteerGeocoder, query: str, code: str, precision: str
) -> None:
    raw = geocode(geocoder, query)
    assert raw is not None
    assert (raw["code"], raw["precision"]) == (code, precision)
    assert raw["needs_review"] is (precision != "village")


def test_ambiguous_result_lists_the_tied_candidates(geocoder: GazetteerGeocoder) -> None:
    results = geocoder.geocode("Sukamaju, Kabupaten Deli Serdang", exactly_one=False)
    assert isinstance(results, list)
    codes = [location.raw["code"] for location in results]
    assert codes[0] == "1207"
    assert len(codes) == 3
    assert all(c.startswith("1207") and len(c) == 10 for c in codes[1:])


def test_village_without_coordinates_takes_its_district_point(
    geocoder: GazetteerGeocoder, gazetteer: Gazetteer
) -> None:
    raw = geocode(geocoder, "Sidomulyo, Rimbo Ulu, Tebo, Jambi")
    assert raw is not None
    assert raw["code"] == "1509072012"
    assert gazetteer.rows["1509072012"].lat is None
    assert (raw["precision"], raw["needs_review"]) == ("district", True)


def test_common_ancestor_of_codes() -> None:
    assert common_ancestor(["5103011004", "5103011002"]) == "510301"
    assert common_ancestor(["5103011004", "5171"]) == "51"
    assert common_ancestor(["5103011004", "3471"]) is None


# --- formats ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Jl. Merdeka No. 5 RT 03/RW 05, Kel. Legian, Kec. Kuta, Kab. Badung, Prov. Bali 80361",
        "JLN. MERDEKA NO. 5 RT.003 RW.005, KELURAHAN LEGIAN, KECAMATAN KUTA, KABUPATEN BADUNG",
        "jl merdeka no 5 rt 3 rw 5 kel legian kec kuta kab badung bali",
        "Jl. Sunset Road 88 Legian Kuta",
        "Legian, Kuta 80361",
        "Legian Kuta Badung Bali, Indonesia",
    ],
)
def test_formats_and_abbreviations_reach_the_village(
    geocoder: GazetteerGeocoder, query: str
) -> None:
    raw = geocode(geocoder, query)
    assert raw is not None
    assert raw["code"] == "5103011004"


def test_rt_rw_and_street_are_returned_in_raw(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Jl. Merdeka No. 5 RT 03/RW 05, Kel. Gambir, Kec. Gambir, Jakpus 10110")
    assert raw is not None
    assert (raw["code"], raw["street"], raw["rt"], raw["rw"]) == (
        "3171011001",
        "Jl. Merdeka No. 5",
        "003",
        "005",
    )
    assert raw["query_postal_code"] == "10110"
    assert raw["needs_review"] is False  # village and district were named separately


def test_structured_query(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(
        geocoder,
        {"village": "Legian", "district": "Kuta", "regency": "KAB. BADUNG", "province": "Bali"},
    )
    assert raw is not None
    assert raw["code"] == "5103011004"


# --- region pickers ---------------------------------------------------------


def test_region_code_restricts_the_search_to_its_subtree(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Sidomulyo", region_codes="1402")
    assert raw is not None
    assert raw["code"] == "1402092002"
    raw = geocode(geocoder, "Sidomulyo", region_codes=["14", "14.02"])
    assert raw is not None
    assert raw["code"] == "1402092002"


def test_region_code_wins_over_names_outside_it(geocoder: GazetteerGeocoder) -> None:
    raw = geocode(geocoder, "Legian, Kuta", region_codes="31")
    assert raw is not None
    assert (raw["code"], raw["precision"], raw["needs_review"]) == ("31", "province", True)


# --- reverse ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["5103011004", "3171011001", "1810022012", "9301052004"])
def test_reverse_finds_the_village_at_its_own_centroid(
    geocoder: GazetteerGeocoder, gazetteer: Gazetteer, code: str
) -> None:
    row = gazetteer.rows[code]
    location = geocoder.reverse((row.lat, row.lon))
    assert isinstance(location, Location)
    assert (location.raw["code"], location.raw["precision"]) == (code, "village")
    assert location.raw["distance_km"] == 0


def test_reverse_accepts_strings_and_gives_up_far_from_indonesia(
    geocoder: GazetteerGeocoder,
) -> None:
    location = geocoder.reverse("-8.7036, 115.1729")
    assert isinstance(location, Location)
    assert location.raw["code"] == "5103011004"
    assert geocoder.reverse((51.5, -0.12)) is None
