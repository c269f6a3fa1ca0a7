"""The one geocoder the app calls: the offline gazetteer, or a network geocoder in front of it.

``build_geocoder(app.config)`` reads the ``GEOCODER*`` keys (house-style.md, section 6)
and returns an ``AddressGeocoder``. Its answers are ``GeoResult`` values, so callers
never see geopy types. A network geocoder (Nominatim or any geopy geocoder) always has
the gazetteer behind it: when the network finds nothing usable, fails or times out,
the answer comes from the gazetteer and ``raw`` says why (performance.md, section 4).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import geopy.geocoders
from geopy.exc import GeocoderNotFound, GeocoderTimedOut, GeopyError
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from apoa.geocoding.address import normalise
from apoa.geocoding.gazetteer import SOURCE as OFFLINE
from apoa.geocoding.gazetteer import Gazetteer, GazetteerGeocoder, clean_code
from apoa.geocoding.nominatim import (
    DEFAULT_ERROR_WAIT_SECONDS,
    NOMINATIM_QUERY,
    PUBLIC_MIN_DELAY_SECONDS,
    NetworkProvider,
    NominatimProvider,
    single_attempt_adapter,
)

logger = logging.getLogger(__name__)

PRECISIONS = ("gps", "street", "village", "district", "regency", "province")
# Precise enough to keep without a person checking the pin.
_TRUSTED_PRECISIONS = frozenset({"gps", "street", "village"})

# Fallback reasons that say nothing about the address: asking again later may succeed.
NETWORK_FAILURES = frozenset({"timeout", "error"})

DEFAULT_TIMEOUT = 5.0
DEFAULT_CACHE_SIZE = 4096
GEOPY_PREFIX = "geopy:"
ALLOWED_GEOCODERS = ("offline", "nominatim", "geopy:<ClassName>")

# Mainland and islands with a margin: south, west, north, east. A network answer
# outside it is a namesake abroad ("Bali" in Cameroon), not the address given.
INDONESIA_BOUNDS = (-11.5, 94.5, 6.5, 141.5)

# OSM place words (Nominatim addresstype/type, Photon osm_value/type) to our precision.
# Indonesian usage: a desa/kelurahan is a village or suburb, a kecamatan a municipality
# or city_district, a kabupaten/kota a county or city, a provinsi a state. A town is
# usually a kecamatan seat, so it counts as a district. None: too coarse to use.
_WORD_PRECISION: dict[str, str | None] = {
    **dict.fromkeys(("house", "house_number", "building", "road", "street"), "street"),
    **dict.fromkeys(
        (
            "village",
            "suburb",
            "neighbourhood",
            "hamlet",
            "quarter",
            "isolated_dwelling",
            "locality",
            "city_block",
            "allotments",
            "farm",
            "croft",
        ),
        "village",
    ),
    **dict.fromkeys(
        ("city_district", "municipality", "district", "subdistrict", "borough", "town"),
        "district",
    ),
    **dict.fromkeys(("city", "county", "state_district", "regency"), "regency"),
    **dict.fromkeys(("state", "province", "region"), "province"),
    **dict.fromkeys(("country", "continent"), None),
}
# OSM classes whose every object is a street or something on one.
_STREET_CLASSES = frozenset({"highway", "building"})
# Nominatim place_rank bands (nominatim.org, "Place Ranking"), finest first: 26-27
# streets, 28-30 houses and POIs, 18-25 villages to isolated dwellings, 13-17 towns
# and municipalities, 10-12 counties, 5-9 states. Anything below is a country.
_RANK_BANDS = ((26, "street"), (18, "village"), (13, "district"), (10, "regency"), (5, "province"))


@dataclass(frozen=True)
class GeoResult:
    """One geocoding answer: a point, how precise it is and where it came from."""

    lat: float | None
    lon: float | None
    precision: str | None  # one of PRECISIONS; None when nothing was found
    source: str  # "offline", "nominatim", or the geopy geocoder's name ("photon")
    needs_review: bool
    region_code: str | None  # Kemendagri code; None for network answers
    address: str | None
    raw: dict[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def not_found(cls, source: str, raw: Mapping[str, Any] | None = None) -> GeoResult:
        """Build the answer for an address no geocoder could place."""
        return cls(None, None, None, source, True, None, None, dict(raw or {}))

    @property
    def found(self) -> bool:
        """Tell whether the address was placed at all."""
        return self.precision is not None

    @property
    def fallback_reason(self) -> str | None:
        """Return why the network answer was not used, or None if it was (or none was asked)."""
        reason = self.raw.get("fallback_reason")
        return reason if isinstance(reason, str) else None

    @property
    def network_failed(self) -> bool:
        """Tell whether this is a stand-in for a network answer that failed: not worth caching."""
        return self.fallback_reason in NETWORK_FAILURES


def network_precision(raw: Mapping[str, Any]) -> str | None:
    """Derive our precision from a Nominatim-style or Photon result, or None if unknown."""
    words: list[Any] = [raw.get("addresstype")]
    category = raw.get("class") or raw.get("category")  # "category" in format=jsonv2
    if category in _STREET_CLASSES:
        return "street"
    words.append(raw.get("type"))
    properties = raw.get("properties")  # Photon answers are GeoJSON features
    if isinstance(properties, Mapping):
        if properties.get("osm_key") in ("place", "boundary"):
            words.append(properties.get("osm_value"))
        words.append(properties.get("type"))
    for word in words:
        if isinstance(word, str) and word.lower() in _WORD_PRECISION:
            return _WORD_PRECISION[word.lower()]
    try:
        rank = int(raw.get("place_rank", ""))
    except (TypeError, ValueError):
        return None
    return next((precision for low, precision in _RANK_BANDS if rank >= low), None)


def from_location(location: Location, source: str) -> GeoResult:
    """Convert a geopy Location (the gazetteer's or a network geocoder's) to a GeoResult."""
    raw = dict(location.raw or {})
    if source == OFFLINE:
        return GeoResult(
            lat=location.latitude,
            lon=location.longitude,
            precision=raw.get("precision"),
            source=source,
            needs_review=bool(raw.get("needs_review", True)),
            region_code=raw.get("code"),
            address=location.address,
            raw=raw,
        )
    precision = network_precision(raw)
    return GeoResult(
        lat=location.latitude,
        lon=location.longitude,
        precision=precision,
        source=source,
        needs_review=precision not in _TRUSTED_PRECISIONS,
        # OSM knows no Kemendagri codes: the caller's region or the gazetteer supplies one.
        region_code=None,
        address=location.address,
        raw=raw,
    )


def _in_indonesia(lat: float | None, lon: float | None) -> bool:
    """Tell whether a point lies in the box around Indonesia."""
    if lat is None or lon is None:
        return False
    south, west, north, east = INDONESIA_BOUNDS
    return south <= lat <= north and west <= lon <= east


class _Fallback(NamedTuple):
    """Why a network answer was not used."""

    reason: str  # not_found, timeout, error, outside_indonesia, unknown_precision, empty_query
    detail: str | None = None


# What a remote server can cause: geopy's own errors, socket errors, a malformed answer.
_NETWORK_ERRORS = (GeopyError, OSError, ValueError, KeyError, TypeError)


class AddressGeocoder:
    """Geocode addresses with the configured provider, falling back to the offline gazetteer."""

    def __init__(
        self,
        network: NetworkProvider | None = None,
        *,
        offline: GazetteerGeocoder | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        """Use ``network`` first when given; the gazetteer loads once per process, on first use."""
        # GazetteerGeocoder() without a gazetteer calls get_gazetteer(), cached per process.
        self.offline = offline or GazetteerGeocoder()
        self.network = network
        # The OSMF policy requires caching; the same address is never asked twice.
        self._cache: OrderedDict[str, Location | None] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def is_network(self) -> bool:
        """Tell whether geocoding may send the address over the network."""
        return self.network is not None

    @property
    def source(self) -> str:
        """Return the name of the first provider asked ("offline", "nominatim", ...)."""
        return self.network.source if self.network is not None else OFFLINE

    def geocode(
        self,
        query: str,
        *,
        region_code: str | None = None,
        postal_code: str | None = None,
    ) -> GeoResult:
        """Place an address; ``region_code`` from the region pickers is authoritative."""
        region = clean_code(region_code) if region_code and region_code.strip() else None
        postal = postal_code.strip() if postal_code and postal_code.strip() else None
        if self.network is None:
            return self._offline(query, region, postal, None)
        answer = self._from_network(self.network, query, region)
        if isinstance(answer, GeoResult):
            return answer
        return self._offline(query, region, postal, answer)

    def close(self) -> None:
        """Release the network geocoder's connections."""
        if self.network is not None:
            self.network.close()

    def _from_network(
        self, network: NetworkProvider, query: str, region: str | None
    ) -> GeoResult | _Fallback:
        """Ask the network geocoder; say why not when its answer cannot be used."""
        key = normalise(query)
        if not key:
            return _Fallback("empty_query")
        try:
            location = self._lookup(network, key, query)
        except _NETWORK_ERRORS as error:
            reason = "timeout" if isinstance(error, GeocoderTimedOut | TimeoutError) else "error"
            detail = f"{type(error).__name__}: {error}"
            logger.warning("%s geocoder %s, using the gazetteer: %s", self.source, reason, detail)
            return _Fallback(reason, detail)
        if location is None:
            return _Fallback("not_found")
        result = from_location(location, network.source)
        if not _in_indonesia(result.lat, result.lon):
            return _Fallback("outside_indonesia", result.address)
        if result.precision is None:
            return _Fallback("unknown_precision", result.address)
        return replace(result, region_code=region)

    def _lookup(self, network: NetworkProvider, key: str, query: str) -> Location | None:
        """Return the network answer for a normalised address, from the cache if asked before."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        # Outside the lock: the RateLimiter serialises requests itself, and a slow
        # request must not block cache hits in other threads.
        location = network.geocode(query)
        if self._cache_size > 0:
            with self._lock:
                self._cache[key] = location
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return location

    def _offline(
        self, query: str, region: str | None, postal: str | None, fallback: _Fallback | None
    ) -> GeoResult:
        """Ask the gazetteer, noting the fallback reason in ``raw`` if there was one."""
        notes: dict[str, Any] = {}
        if fallback is not None:
            notes = {
                "fallback_from": self.source,
                "fallback_reason": fallback.reason,
                "fallback_detail": fallback.detail,
            }
        location = self.offline.geocode(query, region_codes=region, postal_code=postal)
        if not isinstance(location, Location):
            return GeoResult.not_found(OFFLINE, notes)
        result = from_location(location, OFFLINE)
        return replace(result, raw={**result.raw, **notes}) if notes else result


# ------------------------------------------------------------------ configuration


def _number(config: Mapping[str, Any], key: str, default: float) -> float:
    """Read a non-negative number that may arrive as a string from the environment."""
    value = config.get(key)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{key} must not be negative, not {value!r}")
    return number


def _options(value: Any) -> dict[str, Any]:
    """Read GEOCODER_OPTIONS: a mapping, or a JSON object from the environment."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"GEOCODER_OPTIONS is not valid JSON: {error}") from None
    if not isinstance(value, Mapping):
        raise ValueError("GEOCODER_OPTIONS must be a JSON object of keyword arguments")
    return dict(value)


def _geopy_class(name: str) -> type[Geocoder]:
    """Find a geopy geocoder by class name ("Photon") or service name ("photon")."""
    found = getattr(geopy.geocoders, name, None)
    if isinstance(found, type) and issubclass(found, Geocoder):
        return found
    try:
        service: type[Geocoder] = geopy.geocoders.get_geocoder_for_service(name.lower())
    except GeocoderNotFound:
        raise ValueError(
            f"GEOCODER='geopy:{name}': geopy has no geocoder called {name!r}"
        ) from None
    return service


def build_geocoder(
    config: Mapping[str, Any], *, gazetteer: Gazetteer | None = None
) -> AddressGeocoder:
    """Build the configured geocoder (``GEOCODER``: offline, nominatim or geopy:<ClassName>)."""
    offline = GazetteerGeocoder(gazetteer)
    choice = str(config.get("GEOCODER") or "offline").strip()
    if choice.lower() == "offline":
        return AddressGeocoder(offline=offline)

    timeout = _number(config, "GEOCODER_TIMEOUT", DEFAULT_TIMEOUT)
    min_delay = _number(config, "GEOCODER_MIN_DELAY_SECONDS", PUBLIC_MIN_DELAY_SECONDS)
    error_wait = _number(config, "GEOCODER_ERROR_WAIT_SECONDS", DEFAULT_ERROR_WAIT_SECONDS)
    user_agent = str(config.get("GEOCODER_USER_AGENT") or "").strip()
    if timeout == 0:
        raise ValueError("GEOCODER_TIMEOUT must be more than 0 seconds")

    network: NetworkProvider
    if choice.lower() == "nominatim":
        if not user_agent:
            raise ValueError(
                "GEOCODER_USER_AGENT is required when GEOCODER='nominatim': the Nominatim "
                "usage policy requires an identifying User-Agent, e.g. "
                "'apoa/1.0 (kanim-it@example.go.id)'"
            )
        network = NominatimProvider(
            user_agent=user_agent,
            domain=config.get("NOMINATIM_DOMAIN") or None,
            scheme=str(config.get("NOMINATIM_SCHEME") or "https"),
            timeout=timeout,
            min_delay_seconds=min_delay,
            error_wait_seconds=error_wait,
        )
    elif choice.lower().startswith(GEOPY_PREFIX):
        cls = _geopy_class(choice[len(GEOPY_PREFIX) :].strip())
        kwargs: dict[str, Any] = {"timeout": timeout, "adapter_factory": single_attempt_adapter}
        if user_agent:
            kwargs["user_agent"] = user_agent
        kwargs.update(_options(config.get("GEOCODER_OPTIONS")))
        try:
            geocoder = cls(**kwargs)
        except TypeError as error:
            raise ValueError(
                f"GEOCODER_OPTIONS do not fit geopy's {cls.__name__}: {error}"
            ) from None
        network = NetworkProvider(
            geocoder,
            source=cls.__name__.lower(),
            min_delay_seconds=min_delay,
            error_wait_seconds=error_wait,
            # Nominatim-based services (PickPoint, ...) take the same Indonesia-only query.
            geocode_kwargs=NOMINATIM_QUERY if isinstance(geocoder, Nominatim) else None,
        )
    else:
        allowed = ", ".join(repr(name) for name in ALLOWED_GEOCODERS)
        raise ValueError(f"GEOCODER={choice!r} is not supported; use one of {allowed}")
    return AddressGeocoder(network, offline=offline)
