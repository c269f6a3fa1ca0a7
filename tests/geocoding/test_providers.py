"""The app-facing geocoder: offline gazetteer, Nominatim against a local stub, fallback, limits."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from geopy.geocoders import Nominatim, Photon
from geopy.location import Location
from geopy.point import Point
from nominatim_stub import NominatimStub, place

from apoa.geocoding.gazetteer import Gazetteer, get_gazetteer
from apoa.geocoding.nominatim import PUBLIC_DOMAIN, NetworkProvider, NominatimProvider
from apoa.geocoding.providers import (
    AddressGeocoder,
    GeoResult,
    build_geocoder,
    from_location,
    network_precision,
)

USER_AGENT = "apoa-tests/1.0 (geocoding test suite)"
LEGIAN = "5103011004"  # Legian, Kuta, Kabupaten Badung, Bali
STREET_QUERY = "Jalan Legian 123, Kuta, Bali"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return get_gazetteer()


@pytest.fixture
def stub() -> Iterator[NominatimStub]:
    with NominatimStub() as running:
        yield running


@pytest.fixture
def make_geocoder(
    stub: NominatimStub, gazetteer: Gazetteer
) -> Iterator[Callable[..., AddressGeocoder]]:
    """Build Nominatim geocoders pointed at the stub; closed before the stub stops."""
    built: list[AddressGeocoder] = []

    def make(**overrides: Any) -> AddressGeocoder:
        config = {
            "GEOCODER": "nominatim",
            "NOMINATIM_DOMAIN": stub.domain,
            "NOMINATIM_SCHEME": "http",
            "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_TIMEOUT": 0.5,
            "GEOCODER_MIN_DELAY_SECONDS": 0,
            "GEOCODER_ERROR_WAIT_SECONDS": 0.05,
            **overrides,
        }
        geocoder = build_geocoder(config, gazetteer=gazetteer)
        built.append(geocoder)
        return geocoder

    yield make
    for geocoder in built:
        geocoder.close()


# --- offline (the default) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "precision"),
    [
        ("Jl. Legian No. 10, Legian, Kuta, Badung, Bali", LEGIAN, "village"),
        ("Kota Yogyakarta", "3471", "regency"),  # not the village Yogyakarta in Lampung
        ("Gambir, Jakarta Pusat", "3171011001", "village"),
    ],
)
def test_offline_geocoder_places_golden_addresses(query: str, code: str, precision: str) -> None:
    result = AddressGeocoder().geocode(query)
    assert result.region_code == code
    assert result.precision == precision
    assert result.source == "offline"
    assert result.found
    assert result.lat is not None
    assert result.lon is not None
    assert result.raw["code"] == code


def test_offline_geocoder_uses_the_process_wide_gazetteer(gazetteer: Gazetteer) -> None:
    geocoder = build_geocoder({"GEOCODER": "offline"})
    assert not geocoder.is_network
    assert geocoder.source == "offline"
    assert geocoder.offline.gazetteer is gazetteer


def test_offline_geocoder_passes_region_and_postal_code_to_the_gazetteer() -> None:
    geocoder = AddressGeocoder()
    # 113 villages are called Sidomulyo: alone, the name places nothing.
    assert not geocoder.geocode("Sidomulyo").found
    for hint in ({"region_code": "12.05.05"}, {"postal_code": "20761"}):
        result = geocoder.geocode("Sidomulyo", **hint)
        assert result.region_code == "1205052005"
        assert result.precision == "village"


def test_offline_geocoder_reports_nothing_found_without_a_point() -> None:
    result = AddressGeocoder().geocode("Planet Mars")
    assert result == GeoResult.not_found("offline")
    assert (result.lat, result.lon, result.precision, result.region_code) == (None,) * 4
    assert result.needs_review


# --- precision of network answers ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"class": "place", "type": "house", "addresstype": "place", "place_rank": 30}, "street"),
        ({"class": "building", "type": "yes", "addresstype": "building"}, "street"),
        ({"class": "highway", "type": "residential", "addresstype": "road"}, "street"),
        (
            {"class": "tourism", "type": "hotel", "addresstype": "tourism", "place_rank": 30},
            "street",
        ),
        ({"class": "place", "type": "village", "addresstype": "village"}, "village"),
        ({"class": "place", "type": "suburb", "addresstype": "suburb"}, "village"),
        ({"class": "place", "type": "hamlet", "addresstype": "hamlet"}, "village"),
        ({"class": "place", "type": "neighbourhood", "place_rank": 22}, "village"),
        (
            {"class": "boundary", "type": "administrative", "addresstype": "city_district"},
            "district",
        ),
        (
            {"class": "boundary", "type": "administrative", "addresstype": "municipality"},
            "district",
        ),
        ({"class": "place", "type": "city", "addresstype": "city"}, "regency"),
        ({"class": "boundary", "type": "administrative", "addresstype": "county"}, "regency"),
        ({"class": "boundary", "type": "administrative", "addresstype": "state"}, "province"),
        ({"category": "boundary", "type": "administrative", "place_rank": 8}, "province"),
        ({"class": "boundary", "type": "administrative", "addresstype": "country"}, None),
        ({"class": "natural", "type": "peak", "place_rank": 4}, None),
        ({"properties": {"osm_key": "place", "osm_value": "village", "type": "city"}}, "village"),
        (
            {"properties": {"osm_key": "highway", "osm_value": "primary", "type": "street"}},
            "street",
        ),
        (
            {"properties": {"osm_key": "boundary", "osm_value": "administrative", "type": "state"}},
            "province",
        ),
        ({"formatted": "no hint of a level"}, None),
    ],
)
def test_network_precision_follows_the_osm_place_level(
    raw: dict[str, Any], precision: str | None
) -> None:
    assert network_precision(raw) == precision


def test_from_location_leaves_the_region_code_to_the_gazetteer() -> None:
    raw = {"class": "place", "type": "village", "addresstype": "village", "place_rank": 19}
    result = from_location(Location("Seminyak, Bali", Point(-8.69, 115.17), raw), "nominatim")
    assert (result.precision, result.source, result.region_code) == ("village", "nominatim", None)
    assert not result.needs_review
    coarse = {"class": "place", "type": "city", "addresstype": "city"}
    assert from_location(
        Location("Denpasar", Point(-8.65, 115.22), coarse), "nominatim"
    ).needs_review


# --- Nominatim against the stub ----------------------------------------------------------


def test_nominatim_returns_the_servers_point_and_sends_the_policy_headers(
    make_geocoder: Callable[..., AddressGeocoder], stub: NominatimStub
) -> None:
    geocoder = make_geocoder()
    assert geocoder.is_network
    assert geocoder.source == "nominatim"

    result = geocoder.geocode(STREET_QUERY)

    assert (result.lat, result.lon) == (-8.7049123, 115.1707456)
    assert result.precision == "street"
    assert result.source == "nominatim"
    assert result.region_code is None
    assert not result.needs_review
    assert result.fallback_reason is None
    assert not result.network_failed
    assert result.address == "123, Jalan Legian, Kuta, Badung, Bali, 80361, Indonesia"
    assert result.raw["address"]["road"] == "Jalan Legian"
    [request] = stub.requests
    assert request.path == "/search"
    assert request.user_agent == USER_AGENT
    assert request.params["q"] == STREET_QUERY
    assert request.params["countrycodes"] == "id"
    assert request.params["addressdetails"] == "1"
    assert request.params["limit"] == "1"


def test_nominatim_keeps_the_region_code_the_caller_chose(
    make_geocoder: Callable[..., AddressGeocoder],
) -> None:
    result = make_geocoder().geocode("Seminyak, Bali", region_code="51.03.02.1001")
    assert result.source == "nominatim"
    assert result.precision == "village"
    assert result.region_code == "5103021001"


def test_nominatim_provider_answers_with_a_geopy_location(stub: NominatimStub) -> None:
    provider = NominatimProvider(
        user_agent=USER_AGENT, domain=stub.domain, scheme="http", min_delay_seconds=0
    )
    try:
        location = provider.geocode("Denpasar")
        assert isinstance(location, Location)
        assert location.raw["addresstype"] == "city"
        assert provider.geocode("Nowhere at all") is None
    finally:
        provider.close()
    assert provider.source == "nominatim"
    assert provider.domain == stub.domain
    assert not provider.is_public


def test_nominatim_answers_are_cached_by_normalised_address(
    make_geocoder: Callable[..., AddressGeocoder], stub: NominatimStub
) -> None:
    geocoder = make_geocoder()
    first = geocoder.geocode("Denpasar")
    again = geocoder.geocode("  DENPASAR. ")
    assert first.lat == again.lat
    assert first.precision == again.precision == "regency"
    geocoder.geocode("Unknown place")
    geocoder.geocode("unknown, place")  # a cached "nothing found" is not asked again either
    assert [r.params["q"] for r in stub.requests] == ["Denpasar", "Unknown place"]


# --- fallback to the gazetteer --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "reason", "attempts"),
    [
        ("Legian, Kuta, Badung, Bali", "not_found", 1),
        ("error, Legian, Kuta, Badung, Bali", "error", 3),  # HTTP 500: retried twice
        ("slow, Legian, Kuta, Badung, Bali", "timeout", 3),  # past GEOCODER_TIMEOUT=0.5
    ],
)
def test_nominatim_falls_back_to_the_gazetteer(
    make_geocoder: Callable[..., AddressGeocoder],
    stub: NominatimStub,
    query: str,
    reason: str,
    attempts: int,
) -> None:
    result = make_geocoder().geocode(query)

    assert result.source == "offline"
    assert result.region_code == LEGIAN
    assert result.precision == "village"
    assert result.raw["fallback_from"] == "nominatim"
    assert result.fallback_reason == reason
    assert result.network_failed == (reason != "not_found")  # an outage is not an answer
    assert len(stub.requests) == attempts
    # Stored as JSON and read back (the geocode cache does this).
    assert GeoResult(**json.loads(json.dumps(dataclasses.asdict(result)))) == result


def test_nominatim_does_not_retry_a_refusal(
    make_geocoder: Callable[..., AddressGeocoder], stub: NominatimStub
) -> None:
    result = make_geocoder().geocode("forbidden, Legian, Kuta, Badung, Bali")
    assert result.raw["fallback_reason"] == "error"
    assert "GeocoderInsufficientPrivileges" in result.raw["fallback_detail"]
    assert result.region_code == LEGIAN
    assert len(stub.requests) == 1  # a 403 will not change on a retry


def test_nominatim_answer_abroad_or_too_coarse_falls_back(
    make_geocoder: Callable[..., AddressGeocoder], stub: NominatimStub
) -> None:
    stub.places["legian, kuta, badung, bali, cameroon"] = place(
        5.95,
        10.15,
        "Bali, Mezam, North-West, Cameroon",
        category="place",
        kind="town",
        addresstype="town",
        place_rank=18,
        address={"town": "Bali"},
    )
    stub.places["legian, kuta, badung, indonesia"] = place(
        -2.5,
        118.0,
        "Indonesia",
        category="boundary",
        kind="administrative",
        addresstype="country",
        place_rank=4,
        address={},
    )
    geocoder = make_geocoder()
    abroad = geocoder.geocode("Legian, Kuta, Badung, Bali, Cameroon")
    country = geocoder.geocode("Legian, Kuta, Badung, Indonesia")
    assert abroad.raw["fallback_reason"] == "outside_indonesia"
    assert country.raw["fallback_reason"] == "unknown_precision"
    assert abroad.region_code == country.region_code == LEGIAN


def test_fallback_that_finds_nothing_still_says_why(
    make_geocoder: Callable[..., AddressGeocoder],
) -> None:
    result = make_geocoder().geocode("Planet Mars")
    assert not result.found
    assert result.source == "offline"
    assert result.raw["fallback_reason"] == "not_found"


# --- rate limits ----------------------------------------------------------------


def test_self_hosted_nominatim_keeps_the_configured_delay(
    make_geocoder: Callable[..., AddressGeocoder], stub: NominatimStub
) -> None:
    geocoder = make_geocoder(GEOCODER_MIN_DELAY_SECONDS=0.3)
    expected = {
        "Seminyak, Bali": "village",
        "Kuta Utara, Bali": "district",
        "Denpasar": "regency",
        "Bali": "province",
    }
    precisions = {query: geocoder.geocode(query).precision for query in expected}

    assert precisions == expected
    times = [request.time for request in stub.requests]
    assert len(times) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.3 - 0.02, gaps  # small tolerance for clock and thread scheduling


def test_public_nominatim_never_gets_more_than_one_request_a_second() -> None:
    # Built, never called: geopy's client does no I/O until a query is sent.
    fast = NominatimProvider(user_agent=USER_AGENT, min_delay_seconds=0)
    configured = build_geocoder(
        {
            "GEOCODER": "nominatim",
            "NOMINATIM_DOMAIN": PUBLIC_DOMAIN,
            "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_MIN_DELAY_SECONDS": "0.2",
        }
    )
    generic = build_geocoder(
        {
            "GEOCODER": "geopy:Nominatim",
            "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_MIN_DELAY_SECONDS": 0,
        }
    )
    slower = NominatimProvider(user_agent=USER_AGENT, min_delay_seconds=2.5)
    try:
        assert fast.is_public
        assert fast.domain == PUBLIC_DOMAIN
        assert fast.min_delay_seconds == 1.0
        assert fast.rate_limiter.max_retries == 2
        assert fast.rate_limiter.swallow_exceptions is False
        assert isinstance(configured.network, NetworkProvider)
        assert configured.network.min_delay_seconds == 1.0
        assert isinstance(generic.network, NetworkProvider)
        assert generic.network.min_delay_seconds == 1.0
        assert slower.min_delay_seconds == 2.5
    finally:
        for closable in (fast, configured, generic, slower):
            closable.close()


def test_self_hosted_nominatim_may_have_no_delay(stub: NominatimStub) -> None:
    provider = NominatimProvider(
        user_agent=USER_AGENT, domain=stub.domain, scheme="http", min_delay_seconds=0
    )
    provider.close()
    assert provider.min_delay_seconds == 0


# --- configuration -------------------------------------------------------------------


def test_build_geocoder_defaults_to_offline() -> None:
    for config in ({}, {"GEOCODER": "offline"}, {"GEOCODER": " Offline "}, {"GEOCODER": ""}):
        assert not build_geocoder(config).is_network


def test_build_geocoder_requires_a_user_agent_for_nominatim() -> None:
    for user_agent in (None, "", "   "):
        with pytest.raises(ValueError, match="GEOCODER_USER_AGENT"):
            build_geocoder({"GEOCODER": "nominatim", "GEOCODER_USER_AGENT": user_agent})


@pytest.mark.parametrize("name", ["google", "nominatim-public", "geopy", "photon"])
def test_build_geocoder_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ValueError, match=r"'offline', 'nominatim', 'geopy:<ClassName>'"):
        build_geocoder({"GEOCODER": name})


def test_build_geocoder_wraps_any_geopy_geocoder() -> None:
    geocoder = build_geocoder(
        {
            "GEOCODER": "geopy:Photon",
            "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_TIMEOUT": "7",
            "GEOCODER_OPTIONS": '{"domain": "photon.example.go.id", "scheme": "http"}',
        }
    )
    try:
        assert geocoder.is_network
        assert geocoder.source == "photon"
        assert isinstance(geocoder.network, NetworkProvider)
        photon = geocoder.network.geocoder
        assert isinstance(photon, Photon)
        assert photon.domain == "photon.example.go.id"
        assert photon.scheme == "http"
        assert photon.timeout == 7.0
        assert photon.headers["User-Agent"] == USER_AGENT
        assert geocoder.network.min_delay_seconds == 1.0
    finally:
        geocoder.close()


def test_build_geocoder_finds_geopy_geocoders_by_service_name() -> None:
    geocoder = build_geocoder(
        {"GEOCODER": "geopy:nominatim", "GEOCODER_USER_AGENT": USER_AGENT, "GEOCODER_OPTIONS": {}}
    )
    geocoder.close()
    assert isinstance(geocoder.network, NetworkProvider)
    assert isinstance(geocoder.network.geocoder, Nominatim)
    assert geocoder.source == "nominatim"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"GEOCODER": "geopy:NoSuchGeocoder"}, "no geocoder called"),
        ({"GEOCODER": "geopy:Photon", "GEOCODER_OPTIONS": "{not json"}, "not valid JSON"),
        ({"GEOCODER": "geopy:Photon", "GEOCODER_OPTIONS": "[1, 2]"}, "JSON object"),
        ({"GEOCODER": "geopy:Photon", "GEOCODER_OPTIONS": {"colour": "red"}}, "do not fit"),
        ({"GEOCODER": "nominatim", "GEOCODER_TIMEOUT": "soon"}, "GEOCODER_TIMEOUT"),
        ({"GEOCODER": "nominatim", "GEOCODER_TIMEOUT": 0}, "GEOCODER_TIMEOUT"),
        ({"GEOCODER": "nominatim", "GEOCODER_MIN_DELAY_SECONDS": -1}, "must not be negative"),
        ({"GEOCODER": "nominatim", "NOMINATIM_DOMAIN": "https://osm.example"}, "NOMINATIM_SCHEME"),
        ({"GEOCODER": "nominatim", "NOMINATIM_SCHEME": "ftp"}, "scheme"),
    ],
)
def test_build_geocoder_explains_bad_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_geocoder({"GEOCODER_USER_AGENT": USER_AGENT, **overrides})
