"""A stand-in Nominatim server: real HTTP on 127.0.0.1, canned answers, every request recorded.

The geocoder under test talks to it through geopy's own HTTP client, so requests,
headers, timeouts and status codes are real; only the answers are made up. Queries
are matched on their lowercased text:

- a known query gets its result, in the shape of Nominatim's ``format=json`` search;
- a query containing "error" gets HTTP 500;
- a query containing "forbidden" gets HTTP 403, as a blocked User-Agent would;
- a query containing "slow" gets no answer for ``slow_seconds`` (past any test timeout);
- anything else gets ``[]``, Nominatim's "nothing found".
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 5.0


def place(
    lat: float,
    lon: float,
    display_name: str,
    *,
    category: str,
    kind: str,
    addresstype: str,
    place_rank: int,
    address: Mapping[str, str],
) -> dict[str, Any]:
    """Build one search result as Nominatim's ``format=json`` returns it."""
    return {
        "place_id": zlib.crc32(display_name.encode()),
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "way" if category == "building" else "relation",
        "osm_id": zlib.crc32(display_name[::-1].encode()),
        "lat": f"{lat:.7f}",  # Nominatim sends coordinates as strings
        "lon": f"{lon:.7f}",
        "class": category,
        "type": kind,
        "place_rank": place_rank,
        "importance": 0.3,
        "addresstype": addresstype,
        "name": display_name.split(",")[0],
        "display_name": display_name,
        "address": {**address, "country": "Indonesia", "country_code": "id"},
        "boundingbox": [
            f"{lat - 0.01:.7f}",
            f"{lat + 0.01:.7f}",
            f"{lon - 0.01:.7f}",
            f"{lon + 0.01:.7f}",
        ],
    }


BALI = {"state": "Bali", "ISO3166-2-lvl4": "ID-BA"}
PLACES: dict[str, dict[str, Any]] = {
    "jalan legian 123, kuta, bali": place(
        -8.7049123,
        115.1707456,
        "123, Jalan Legian, Kuta, Badung, Bali, 80361, Indonesia",
        category="building",
        kind="yes",
        addresstype="building",
        place_rank=30,
        address={"house_number": "123", "road": "Jalan Legian", "village": "Kuta", **BALI},
    ),
    "seminyak, bali": place(
        -8.6913,
        115.1683,
        "Seminyak, Kuta, Badung, Bali, Indonesia",
        category="boundary",
        kind="administrative",
        addresstype="village",
        place_rank=16,
        address={"village": "Seminyak", "city_district": "Kuta", "county": "Badung", **BALI},
    ),
    "kuta utara, bali": place(
        -8.6274,
        115.1678,
        "Kuta Utara, Badung, Bali, Indonesia",
        category="boundary",
        kind="administrative",
        addresstype="city_district",
        place_rank=14,
        address={"city_district": "Kuta Utara", "county": "Badung", **BALI},
    ),
    "denpasar": place(
        -8.6524973,
        115.2191175,
        "Denpasar, Bali, Indonesia",
        category="boundary",
        kind="administrative",
        addresstype="city",
        place_rank=12,
        address={"city": "Denpasar", **BALI},
    ),
    "bali": place(
        -8.4095,
        115.1889,
        "Bali, Indonesia",
        category="boundary",
        kind="administrative",
        addresstype="state",
        place_rank=8,
        address=BALI,
    ),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stub received it."""

    time: float  # time.monotonic() on arrival
    path: str
    params: dict[str, str]
    user_agent: str | None


class _Server(ThreadingHTTPServer):
    # Join handler threads on close, so no thread outlives the test that started it.
    daemon_threads = False
    stub: NominatimStub


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.stub.answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class NominatimStub:
    """Serve canned Nominatim search answers on 127.0.0.1 while used as a context manager."""

    def __init__(
        self,
        places: Mapping[str, dict[str, Any]] | None = None,
        *,
        slow_seconds: float = SLOW_SECONDS,
    ) -> None:
        self.places = dict(PLACES if places is None else places)
        self.slow_seconds = slow_seconds
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------

    def __enter__(self) -> NominatimStub:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.stub = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="nominatim-stub"
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()  # wakes "slow" handlers so closing does not wait for them
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # also joins the handler threads
        if self._thread is not None:
            self._thread.join()

    @property
    def domain(self) -> str:
        """Return "127.0.0.1:<port>", the NOMINATIM_DOMAIN to point a geocoder at."""
        if self._server is None:
            raise RuntimeError("the stub is not running; use it in a with block")
        return f"127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    # --- answering -------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Record a request and send the canned answer for its query."""
        url = urlsplit(handler.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    time.monotonic(), url.path, params, handler.headers.get("User-Agent")
                )
            )
        if url.path.rstrip("/") != "/search":
            self._send(handler, 404, {"error": "unknown endpoint"})
            return
        query = params.get("q", "").strip().lower()
        if "error" in query:
            self._send(handler, 500, {"error": "internal server error"})
            return
        if "forbidden" in query:
            self._send(handler, 403, {"error": "access blocked"})
            return
        if "slow" in query:
            # Past the client's timeout; the client has hung up by the time this ends.
            self._stopping.wait(self.slow_seconds)
            return
        found = self.places.get(query)
        limit = int(params.get("limit", "10"))
        self._send(handler, 200, [found][:limit] if found else [])

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        """Write a JSON response."""
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
