"""Network geocoders: Nominatim, and any other geopy geocoder chosen by configuration.

Every call goes through geopy's ``RateLimiter``. The OSMF usage policy
(operations.osmfoundation.org/policies/nominatim/) allows at most one request per
second for the whole application against the public server, so that server always
gets at least ``PUBLIC_MIN_DELAY_SECONDS`` whatever the configuration says; a
self-hosted server gets the configured delay, which may be 0.

Only transient failures (timeouts, 5xx, connection errors) are retried, at most
``MAX_RETRIES`` times. A 4xx answer (bad query, blocked User-Agent, 429 rate limited)
is raised at once: retrying it would only hammer a server that already said no. The
caller (``providers.AddressGeocoder``) falls back to the offline gazetteer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geopy.adapters import BaseAdapter, RequestsAdapter, URLLibAdapter
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderParseError,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderServiceError,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

PUBLIC_DOMAIN = "nominatim.openstreetmap.org"
PUBLIC_MIN_DELAY_SECONDS = 1.0  # OSMF policy: "an absolute maximum of 1 request per second"
MAX_RETRIES = 2
DEFAULT_ERROR_WAIT_SECONDS = 5.0  # geopy's default pause before retrying a failed call
NOMINATIM_QUERY = {"country_codes": "id", "addressdetails": True}

# Answers that will not change on a retry: the server refused the query or the client.
_PERMANENT_ERRORS = (
    GeocoderQueryError,
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQuotaExceeded,  # includes GeocoderRateLimited (429)
    GeocoderParseError,
)


def single_attempt_adapter(*, proxies: Any, ssl_context: Any) -> BaseAdapter:
    """Build geopy's HTTP adapter with the transport's own retries turned off."""
    # geopy's RequestsAdapter retries in urllib3 (twice, read timeouts included), which
    # the RateLimiter's retries would multiply to 9 requests for one address. Retrying
    # in one place keeps the count and the pauses between attempts under our control.
    if RequestsAdapter.is_available:
        return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)  # never retries


class _PermanentError(Exception):
    """Carry a permanent geocoder error past the RateLimiter, which retries service errors."""

    def __init__(self, error: GeocoderServiceError) -> None:
        super().__init__(str(error))
        self.error = error


def is_public_nominatim(geocoder: Geocoder) -> bool:
    """Tell whether a geopy geocoder talks to the OSMF's public Nominatim server."""
    domain = str(getattr(geocoder, "domain", "")).strip().lower().rstrip("/")
    return isinstance(geocoder, Nominatim) and domain == PUBLIC_DOMAIN


class NetworkProvider:
    """Call one geopy geocoder over the network, rate-limited, retrying transient errors."""

    def __init__(
        self,
        geocoder: Geocoder,
        *,
        source: str,
        min_delay_seconds: float = PUBLIC_MIN_DELAY_SECONDS,
        error_wait_seconds: float = DEFAULT_ERROR_WAIT_SECONDS,
        max_retries: int = MAX_RETRIES,
        geocode_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        """Wrap ``geocoder``; ``source`` names it in results ("nominatim", "photon")."""
        if min_delay_seconds < 0 or error_wait_seconds < 0 or max_retries < 0:
            raise ValueError("delays and retries must not be negative")
        self.geocoder = geocoder
        self.source = source
        self.is_public = is_public_nominatim(geocoder)
        if self.is_public:
            min_delay_seconds = max(PUBLIC_MIN_DELAY_SECONDS, min_delay_seconds)
        self._geocode_kwargs = dict(geocode_kwargs or {})
        self.rate_limiter = RateLimiter(
            self._call,
            min_delay_seconds=min_delay_seconds,
            max_retries=max_retries,
            # RateLimiter requires the pause after an error to be at least the normal delay.
            error_wait_seconds=max(error_wait_seconds, min_delay_seconds),
            # Raise after the last retry so the caller can fall back to the gazetteer.
            swallow_exceptions=False,
        )

    @property
    def min_delay_seconds(self) -> float:
        """Return the enforced minimum time between two requests."""
        return float(self.rate_limiter.min_delay_seconds)

    def geocode(self, query: str) -> Location | None:
        """Return the best match for ``query``, or None; raise geopy errors after retries."""
        try:
            location = self.rate_limiter(query)
        except _PermanentError as carrier:
            raise carrier.error from None
        return location if isinstance(location, Location) else None

    def _call(self, query: str) -> Any:
        """Run one request, marking permanent errors so the RateLimiter does not retry them."""
        try:
            return self.geocoder.geocode(query, exactly_one=True, **self._geocode_kwargs)
        except _PERMANENT_ERRORS as error:
            raise _PermanentError(error) from error

    def close(self) -> None:
        """Close the geocoder's pooled HTTP connections."""
        # geopy's sync geocoders are context managers whose exit closes the adapter.
        self.geocoder.__exit__(None, None, None)


class NominatimProvider(NetworkProvider):
    """Query a Nominatim server for Indonesian addresses within the OSMF usage policy."""

    def __init__(
        self,
        *,
        user_agent: str,
        domain: str | None = None,
        scheme: str = "https",
        timeout: float = 5.0,
        min_delay_seconds: float = PUBLIC_MIN_DELAY_SECONDS,
        error_wait_seconds: float = DEFAULT_ERROR_WAIT_SECONDS,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        """Build geopy's Nominatim client; no domain means the public server."""
        if not user_agent or not user_agent.strip():
            raise ValueError("Nominatim needs an identifying User-Agent (OSMF usage policy)")
        domain = (domain or PUBLIC_DOMAIN).strip().rstrip("/")
        if "://" in domain:
            raise ValueError(
                f"NOMINATIM_DOMAIN {domain!r} must be a host[:port], set the scheme "
                "with NOMINATIM_SCHEME"
            )
        geocoder = Nominatim(
            domain=domain,
            scheme=scheme,
            user_agent=user_agent.strip(),
            timeout=timeout,
            adapter_factory=single_attempt_adapter,
        )
        super().__init__(
            geocoder,
            source="nominatim",
            min_delay_seconds=min_delay_seconds,
            error_wait_seconds=error_wait_seconds,
            max_retries=max_retries,
            geocode_kwargs=NOMINATIM_QUERY,
        )

    @property
    def domain(self) -> str:
        """Return the host (and port) of the Nominatim server."""
        return str(self.geocoder.domain)
