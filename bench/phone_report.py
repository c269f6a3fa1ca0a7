"""A family's check-in on a slow phone, in Chromium (issue 12, point 5).

The app is served from a thread on 127.0.0.1 (werkzeug, CSRF on, a temporary SQLite
database migrated and loaded with the regions and offices as the other benches do),
with one lodging operator whose hotel in Legian is verified. The system Chromium
(`/usr/bin/chromium`, headless, never a downloaded browser) opens a 360x740 touch
phone in Indonesian, and every request it makes is slowed by Chromium's network
emulation (CDP `Network.emulateNetworkConditions`: 400 ms latency, 400 kbit/s down
and up) on the page and on the service worker (attached through the browser's CDP
session: the page's emulation does not reach the worker's own fetches).

1. The report, three times: a signed-in reporter (service worker installed, as on a
   phone that has used the app before) taps "Laporkan kedatangan tamu" on the home
   page, types the expected departure date and the room, and for each of the three
   guests of a family opens "Isi dari MRZ paspor", pastes the MRZ, taps "Isi dari
   MRZ", types the place of birth and picks the permit and the purpose; then taps
   "Kirim laporan" and waits for the receipt. The input model is spent for real
   (`keyboard.type(delay=250)`, `wait_for_timeout`): 250 ms a typed character, 2 s a
   pick from a list, 2 s a paste, 0.7 s a tap. Goal: <= 40 s.
2. Page weight: the check-in form in a new context (empty cache, service workers
   blocked), the bytes transferred (CDP `loadingFinished.encodedDataLength`, headers
   included). Goal <= 60 KB. Then what each further guest costs: goal <= 5 KB and no
   request.
3. Accessibility: axe-core (node_modules/axe-core) on every reporter page, serious and
   critical violations listed. Goal 0.

    .venv/bin/python bench/phone_report.py [--runs 3] [--json out.json] [--no-docs]

It writes the section "Phone report in a browser (issue 12)" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import json
import os
import platform
import re
import shutil
import signal
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from apoa import clock, create_app, signals  # noqa: E402
from apoa.accounts.models import User  # noqa: E402
from apoa.accounts.passwords import hash_password  # noqa: E402
from apoa.config import TestConfig  # noqa: E402
from apoa.devdata.passports import td3  # noqa: E402
from apoa.extensions import db  # noqa: E402
from apoa.geocoding.services import get_geocoder  # noqa: E402
from apoa.lodgings.services import decide_lodging, register_lodging  # noqa: E402
from apoa.regions.models import Office  # noqa: E402
from apoa.regions.timezones import WITA  # noqa: E402
from apoa.reports.models import Receipt  # noqa: E402
from bench.common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    load_reference_data,
    machine,
    serve,
)

# Loopback only: any other host name fails to resolve.
PHONE_CHROMIUM_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Phone report in a browser (issue 12)"

PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Makassar",
}
# Chromium's emulation: latency from the request to the response's headers, throughput
# in bytes per second (400 kbit/s = 50,000 B/s).
NETWORK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
TYPE_S, PICK_S, PASTE_S, TAP_S = 0.25, 2.0, 2.0, 0.7
GOAL_REPORT_S = 40.0
GOAL_PAGE_BYTES = 60 * 1024
GOAL_GUEST_BYTES = 5 * 1024
LEGIAN = "5103011004"  # Legian, Kuta, Badung, Bali: Kanim Ngurah Rai, WITA
USERNAME, PASSWORD = "wayan.hotel", "bench-kuda-lumping-menari-di-pasar"
BIRTH_PLACE = "Utrecht"
ROOM = "12"
SURNAMES = ["JANSEN", "DE VRIES", "BAKKER", "VISSER", "SMIT", "MEIJER"]
FAMILY = [
    ("PIETER", date(1979, 3, 14), "M"),
    ("SANNE", date(1981, 9, 2), "F"),
    ("LOTTE", date(2016, 1, 20), "F"),
]
SERIOUS = ("serious", "critical")


class BenchConfig(TestConfig):
    """The test settings with CSRF on, as in production (one token per form, checked)."""

    TESTING = False
    WTF_CSRF_ENABLED = True


# ---------------------------------------------------------------- passports


def family(run: int) -> list[str]:
    """A Dutch family of three, with passport numbers of their own for each run."""
    expiry = date.today() + timedelta(days=1500)
    surname = SURNAMES[run % len(SURNAMES)]
    return [
        td3(surname, given, f"NX{run:03d}{n:04d}", "NLD", born, sex, expiry)
        for n, (given, born, sex) in enumerate(FAMILY, start=1)
    ]


# ---------------------------------------------------------------- the app


def seed(app: Any) -> None:
    """Migrate, load regions and offices, one operator with a verified hotel in Legian."""
    with app.app_context():
        load_reference_data()
        now = clock.now()
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == "kanim-ngurah-rai"))

        def user(username: str, full_name: str, **fields: Any) -> User:
            account = User(
                username=username,
                full_name=full_name,
                password_hash=hash_password(PASSWORD),
                **fields,
            )
            db.session.add(account)
            db.session.flush()
            signals.account_changed.send(account, now=now)  # as the admin services do
            return account

        officer = user("made.petugas", "Made Petugas", role="officer", office_id=office_id)
        operator = user(USERNAME, "Wayan Resepsionis", role="reporter", reporter_kind="lodging")
        lodging = register_lodging(
            operator,
            {
                "name": "Wisma Ayu",
                "kind": "guesthouse",
                "street": "Jl. Legian No. 88",
                "region_code": LEGIAN,
            },
            gps=None,
            now=now,
            geocoder=get_geocoder(),
        )
        decide_lodging(officer, lodging, verified=True, reason=None, now=now)
        db.session.commit()
        db.session.remove()


def guests_on_receipt(app: Any, number: str) -> int:
    with app.app_context():
        receipt = db.session.scalar(sa.select(Receipt).where(Receipt.number == number))
        count = receipt.guest_count if receipt is not None else 0
        db.session.remove()
        return int(count or 0)


# ---------------------------------------------------------------- the network, measured


@dataclass
class Request:
    source: str  # "page" or "worker"
    url: str
    method: str = "GET"
    status: int | None = None
    from_worker: bool = False  # answered by the service worker (no network for the page)
    from_cache: bool = False
    encoded: int = 0  # bytes transferred, headers included
    upload: int = 0  # the request's body
    encoding: str = ""  # Content-Encoding of the answer
    done: bool = False
    failed: str | None = None


@dataclass
class Meter:
    """Every request seen by a CDP session (a page's or the worker's), in order."""

    requests: list[Request] = field(default_factory=list)
    by_id: dict[tuple[str, str], Request] = field(default_factory=dict)

    def event(self, source: str, method: str, params: dict[str, Any]) -> None:
        key = (source, params.get("requestId", ""))
        if method == "Network.requestWillBeSent":
            if key in self.by_id and params.get("redirectResponse"):
                self.by_id[key].status = params["redirectResponse"].get("status")
                self.by_id[key].done = True
            sent = params["request"]
            request = Request(source, sent["url"], sent["method"], upload=body_size(sent))
            self.by_id[key] = request
            self.requests.append(request)
        elif (request := self.by_id.get(key)) is None:
            return
        elif method == "Network.responseReceived":
            response = params["response"]
            request.status = response.get("status")
            request.from_worker = bool(response.get("fromServiceWorker"))
            headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            request.encoding = headers.get("content-encoding", "")
            request.from_cache = bool(
                response.get("fromDiskCache") or response.get("fromPrefetchCache")
            )
        elif method == "Network.requestServedFromCache":
            request.from_cache = True
        elif method == "Network.loadingFinished":
            request.encoded = int(params.get("encodedDataLength") or 0)
            request.done = True
        elif method == "Network.loadingFailed":
            request.failed = params.get("errorText") or "failed"
            request.done = True

    def mark(self) -> int:
        return len(self.requests)

    def since(self, mark: int) -> list[Request]:
        return self.requests[mark:]

    def outside(self) -> list[str]:
        return [
            r.url
            for r in self.requests
            if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(r.url).hostname != "127.0.0.1"
        ]


def body_size(request: dict[str, Any]) -> int:
    entries = request.get("postDataEntries")
    if entries:
        return sum(len(base64.b64decode(e.get("bytes", ""))) for e in entries)
    return len(str(request.get("postData") or "").encode())


def network_requests(requests: list[Request]) -> list[Request]:
    """The requests that went to the server (not answered by the worker or the cache)."""
    return [
        r
        for r in requests
        if urlsplit(r.url).scheme == "http" and not r.from_worker and not r.from_cache
    ]


def slow_page(context: Any, page: Any, meter: Meter, network: bool = True) -> Any:
    """A CDP session on the page that records its requests and, if asked, slows them."""
    cdp = context.new_cdp_session(page)
    for name in (
        "requestWillBeSent",
        "responseReceived",
        "requestServedFromCache",
        "loadingFinished",
        "loadingFailed",
    ):
        method = f"Network.{name}"
        cdp.on(method, lambda params, method=method: meter.event("page", method, params))
    cdp.send("Network.enable")
    if network:
        cdp.send("Network.emulateNetworkConditions", NETWORK)
    return cdp


class WorkerNetwork:
    """The same emulation on the service worker, through the browser's CDP session.

    Playwright gives no CDP session for a worker, so the worker is attached in the
    non-flat mode and spoken to with Target.sendMessageToTarget.
    """

    def __init__(self, browser: Any, meter: Meter) -> None:
        self.cdp = browser.new_browser_cdp_session()
        self.meter = meter
        self.sessions: dict[str, str] = {}  # target id -> session id
        self.answers: dict[int, dict[str, Any]] = {}
        self.detached: list[str] = []
        self.next_id = 1_000_000
        self.cdp.on("Target.receivedMessageFromTarget", self._message)
        self.cdp.on("Target.detachedFromTarget", self._detached)

    def _message(self, params: dict[str, Any]) -> None:
        message = json.loads(params["message"])
        if "id" in message:
            self.answers[message["id"]] = message
        elif str(message.get("method", "")).startswith("Network."):
            self.meter.event("worker", message["method"], message.get("params", {}))

    def _detached(self, params: dict[str, Any]) -> None:
        target = params.get("targetId", "")
        if target in self.sessions:
            self.detached.append(target)
            del self.sessions[target]

    def _send(self, session: str, method: str, params: dict[str, Any], page: Any) -> None:
        self.next_id += 1
        number = self.next_id
        message = json.dumps({"id": number, "method": method, "params": params})
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})
        deadline = time.monotonic() + 10
        while number not in self.answers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service worker did not answer {method}")
            page.wait_for_timeout(20)  # lets Playwright deliver the events
        if "error" in self.answers[number]:
            raise RuntimeError(f"{method} on the service worker: {self.answers[number]['error']}")

    def attach(self, base: str, page: Any) -> int:
        """Slow every running worker of the app not slowed yet; return how many are."""
        targets = self.cdp.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] != "service_worker" or not target["url"].startswith(base):
                continue
            if target["targetId"] in self.sessions:
                continue
            session = self.cdp.send(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
            )["sessionId"]
            self.sessions[target["targetId"]] = session
            self._send(session, "Network.enable", {}, page)
            self._send(session, "Network.emulateNetworkConditions", NETWORK, page)
        return len(self.sessions)

    def detach(self) -> None:
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                self.cdp.send("Target.detachFromTarget", {"sessionId": session})
        self.sessions.clear()
        with contextlib.suppress(Exception):
            self.cdp.detach()


# ---------------------------------------------------------------- the phone


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=home-title]")


def install_worker(page: Any, base: str) -> None:
    """Open the form until the service worker controls the page and keeps the form."""
    page.goto(f"{base}/reports/check-in")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
        ".then(c => c.keys())))).then(lists => lists.flat().map(r => r.url))"
        ".then(urls => urls.some(u => u.endsWith('/reports/check-in'))"
        " && urls.some(u => u.includes('/static/js/report-form.js')))"
    )


def filled(page: Any, selector: str) -> None:
    """Wait until a field has a value (a function, not a string: the CSP forbids eval)."""
    page.wait_for_function(
        "s => { const e = document.querySelector(s); return !!e && e.value !== ''; }",
        arg=selector,
        polling=50,
    )


@dataclass
class Step:
    label: str
    input_s: float  # what the input model spends
    wall_s: float = 0.0

    @property
    def waiting_s(self) -> float:
        return max(0.0, self.wall_s - self.input_s)


class Scenario:
    """One report by hand, each step's input time spent for real, each step timed."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.steps: list[Step] = []
        self.notes: list[str] = []

    def step(self, label: str, input_s: float, action: Callable[[], None]) -> None:
        started = time.perf_counter()
        action()
        self.steps.append(Step(label, input_s, time.perf_counter() - started))

    def think(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)

    def tap(
        self, label: str, selector: str, then: Callable[[], None] | None = None, **options: Any
    ) -> None:
        def action() -> None:
            self.think(TAP_S)
            self.page.tap(selector, **options)
            if then:
                then()

        self.step(label, TAP_S, action)

    def type(self, label: str, text: str) -> None:
        self.step(
            label, TYPE_S * len(text), lambda: self.page.keyboard.type(text, delay=TYPE_S * 1000)
        )

    def pick(self, label: str, selector: str, value: str) -> None:
        def action() -> None:
            self.think(PICK_S)
            self.page.select_option(selector, value)

        self.step(label, PICK_S, action)

    def paste(self, label: str, selector: str, text: str) -> None:
        def action() -> None:
            self.think(PASTE_S)
            self.page.fill(selector, text)

        self.step(label, PASTE_S, action)

    @property
    def wall_s(self) -> float:
        return sum(s.wall_s for s in self.steps)

    @property
    def input_s(self) -> float:
        return sum(s.input_s for s in self.steps)


def date_order(context: Any) -> str:
    """The order the browser's date field takes digits in: "%d%m%Y" or "%m%d%Y".

    Headless Chromium lays the field out in its own UI language (en-US: mm/dd/yyyy),
    whatever the page's locale; an Indonesian phone shows dd/mm/yyyy. Same 8 digits.
    """
    page = context.new_page()
    try:
        page.set_content("<input type=date id=d>")
        page.focus("#d")
        page.keyboard.type("14122026")
        return "%d%m%Y" if page.input_value("#d") == "2026-12-14" else "%m%d%Y"
    finally:
        page.close()


def report_a_family(page: Any, run: int, departure: date, order: str) -> tuple[Scenario, str]:
    """From the home page's tile to the receipt; return the timings and the receipt number."""
    s = Scenario(page)
    tile = "a.tile:has-text('Laporkan kedatangan tamu')"

    def on_form() -> None:
        page.wait_for_url("**/reports/check-in", wait_until="load")
        page.wait_for_selector(
            "form[data-report-form] button[name=add_guest][type=button]", state="attached"
        )

    s.tap("tap the tile, the form loads", tile, on_form)
    # A date field types as dd mm yyyy (id-ID); the tap lands on the day.
    s.tap("tap the departure date", "#expected_check_out", position={"x": 14, "y": 20})
    s.type("type the departure date", departure.strftime(order))
    typed = page.input_value("#expected_check_out")
    if typed != departure.isoformat():
        raise RuntimeError(f"the departure date reads {typed!r}, not {departure.isoformat()}")
    s.tap("tap the room", "#room")
    s.type("type the room", ROOM)

    for i, mrz in enumerate(family(run)):
        n = i + 1
        if i:
            s.tap(
                f"guest {n}: tap + Tambah tamu",
                "button[name=add_guest]",
                lambda i=i: page.wait_for_selector(f"#guest-{i}", state="attached"),
            )
        s.tap(
            f"guest {n}: open Isi dari MRZ paspor",
            f"#guest-{i} summary",
            lambda i=i: page.wait_for_selector(f"#guests-{i}-mrz", state="visible"),
        )
        s.paste(f"guest {n}: paste the MRZ", f"#guests-{i}-mrz", mrz)
        s.tap(
            f"guest {n}: tap Isi dari MRZ, wait for the fields",
            f"#guest-{i} button[name=fill_mrz]",
            lambda i=i: filled(page, f"#guests-{i}-surname"),
        )
        focused = page.evaluate("document.activeElement && document.activeElement.id")
        if focused != f"guests-{i}-birth_place":
            s.notes.append(f"guest {n}: focus on {focused!r} after the MRZ, tapped the birth place")
            s.tap(f"guest {n}: tap the place of birth", f"#guests-{i}-birth_place")
        s.type(f"guest {n}: type the place of birth", BIRTH_PLACE)
        s.pick(f"guest {n}: pick the permit", f"#guests-{i}-permit_type", "voa")
        s.pick(f"guest {n}: pick the purpose", f"#guests-{i}-purpose", "tourism")

    s.tap(
        "tap Kirim laporan, the receipt loads",
        "button[name=submit]",
        lambda: page.wait_for_selector("[data-testid=receipt-number]", state="visible"),
    )
    number = page.inner_text("[data-testid=receipt-number]").strip()
    return s, number


# ---------------------------------------------------------------- page weight


def page_weight(browser: Any, base: str, cookies: list[dict[str, Any]]) -> dict[str, Any]:
    """The check-in form on an empty cache, no worker; then what adding guests costs."""
    context = browser.new_context(**PHONE, service_workers="block")
    context.set_default_timeout(60_000)
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        meter = Meter()
        slow_page(context, page, meter)
        started = time.perf_counter()
        response = page.goto(f"{base}/reports/check-in", wait_until="load")
        load_s = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        html = response.body() if response else b""
        first = [r for r in meter.since(0) if urlsplit(r.url).scheme == "http"]
        resources = [
            {
                "url": urlsplit(r.url).path,
                "status": r.status,
                "encoding": r.encoding or "none",
                "bytes": r.encoded,
                "failed": r.failed,
            }
            for r in first
        ]
        total = sum(r.encoded for r in first)
        largest = page.evaluate(
            """() => {
              const size = e => new TextEncoder().encode(e.outerHTML).length;
              const form = document.querySelector('form[data-report-form]');
              const guest = document.querySelector('#guest-0');
              const parts = [...guest.querySelectorAll('select, details, .field')]
                .filter(e => e.tagName === 'SELECT' || e.tagName === 'DETAILS')
                .map(e => ({what: e.tagName.toLowerCase() + '#' + (e.id || e.className),
                            bytes: size(e), options: e.options ? e.options.length : null}));
              const lodging = document.querySelector('#lodging_id');
              return {html: new TextEncoder().encode(document.documentElement.outerHTML).length,
                      form: size(form), guest: size(guest),
                      head_and_chrome: size(document.querySelector('header.topbar')),
                      outbox_strings: (document.getElementById('outbox-strings')
                                       || {textContent: ''}).textContent.length,
                      guest_parts: parts.sort((a, b) => b.bytes - a.bytes)};
            }"""
        )
        guests = []
        for i in (1, 2):
            mark = meter.mark()
            before = page.evaluate("document.documentElement.outerHTML.length")
            page.tap("button[name=add_guest]")
            page.wait_for_selector(f"#guest-{i}", state="attached")
            page.wait_for_timeout(1500)  # anything the tap would have started
            after = page.evaluate("document.documentElement.outerHTML.length")
            added = [r for r in meter.since(mark) if urlsplit(r.url).scheme == "http"]
            guests.append(
                {
                    "guest": i + 1,
                    "requests": len(added),
                    "bytes": sum(r.encoded for r in added),
                    "urls": [urlsplit(r.url).path for r in added],
                    "dom_chars_added": after - before,
                }
            )
        # The same form once more from the same cache (still no worker): what a phone
        # without the service worker pays at every visit.
        mark = meter.mark()
        started = time.perf_counter()
        page.goto(f"{base}/reports/check-in", wait_until="load")
        again_s = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        again = [r for r in meter.since(mark) if urlsplit(r.url).scheme == "http"]
        return {
            "load_s": round(load_s, 2),
            "requests": len(first),
            "bytes": total,
            "resources": resources,
            "html_decoded_bytes": len(html),
            "html_gzip_bytes": len(gzip.compress(html, 6)) if html else 0,
            "breakdown": largest,
            "guests": guests,
            "repeat_visit": {
                "load_s": round(again_s, 2),
                "requests": len(again),
                "bytes": sum(r.encoded for r in again),
                "statuses": sorted({str(r.status) for r in again}),
            },
            "outside": meter.outside(),
        }
    finally:
        context.close()


def worker_install(app: Any, loaded: set[str]) -> dict[str, Any]:
    """What the service worker fetches when it installs: /sw.js, its scripts and its
    precache, as the app serves them to Chromium (compressed bodies, no headers)."""
    client = app.test_client()
    encoding = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    worker = client.get("/sw.js", headers=encoding)
    text = client.get("/sw.js").get_data(as_text=True)  # the same, uncompressed
    precached = set(re.findall(r'"url": ?"(/static/[^"]+)"', text))
    urls = sorted(set(re.findall(r"/static/[A-Za-z0-9_./-]+", text)))
    files = [{"url": "/sw.js", "bytes": len(worker.data), "unused": False}]
    for url in urls:
        response = client.get(url, headers=encoding)
        unused = url in precached and url not in loaded  # kept, but not for this form
        files.append({"url": url, "bytes": len(response.data), "unused": unused})
    return {"files": files, "bytes": sum(f["bytes"] for f in files)}


# ---------------------------------------------------------------- accessibility


def csp_blocks_injection(browser: Any, base: str, cookies: list[dict[str, Any]]) -> bool:
    context = browser.new_context(**PHONE, service_workers="block")
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(f"{base}/offline")
        with contextlib.suppress(Exception):
            page.add_script_tag(path=str(AXE))
        return not page.evaluate("typeof window.axe !== 'undefined'")
    finally:
        context.close()


def axe(page: Any, label: str) -> dict[str, Any]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
          const brief = list => list.map(v => ({
            id: v.id, impact: v.impact, help: v.help, tags: v.tags,
            nodes: v.nodes.map(n => ({
              target: n.target.map(t => [].concat(t).join(' ')).join(' | '),
              html: n.html.slice(0, 200),
              summary: (n.failureSummary || '').split('\\n').slice(0, 3).join(' ')}))
          }));
          return {violations: brief(r.violations), incomplete: brief(r.incomplete)};
        }"""
    )
    url = urlsplit(page.url)
    return {
        "page": label,
        "path": url.path + (f"?{url.query}" if url.query else ""),
        "violations": result["violations"],
        "incomplete": result["incomplete"],
    }


def fill_quickly(page: Any, run: int, departure: date) -> None:
    page.fill("#expected_check_out", departure.isoformat())
    page.fill("#room", ROOM)
    for i, mrz in enumerate(family(run)):
        if i:
            page.click("button[name=add_guest]")
        page.click(f"#guest-{i} summary")
        page.fill(f"#guests-{i}-mrz", mrz)
        page.click(f"#guest-{i} button[name=fill_mrz]")
        filled(page, f"#guests-{i}-surname")
        page.fill(f"#guests-{i}-birth_place", BIRTH_PLACE)
        page.select_option(f"#guests-{i}-permit_type", "voa")
        page.select_option(f"#guests-{i}-purpose", "tourism")


def accessibility(
    browser: Any, base: str, departure: date, bypass_csp: bool
) -> list[dict[str, Any]]:
    """axe-core on every page a reporter sees, on the phone, without the slow network."""
    context = browser.new_context(**PHONE, bypass_csp=bypass_csp)
    context.set_default_timeout(60_000)
    meter = Meter()
    results = []
    try:
        page = context.new_page()
        slow_page(context, page, meter, network=False)
        page.set_content('<html lang="id"><body><main><img src="data:,"></main></body></html>')
        found = {v["id"] for v in axe(page, "self-check")["violations"]}
        if "image-alt" not in found:
            raise RuntimeError(f"axe-core did not find a missing alt text: {found}")
        sign_in(page, base)
        results.append(axe(page, "home, signed in"))
        page.goto(f"{base}/reports/check-in")
        page.wait_for_selector("button[name=add_guest][type=button]", state="attached")
        results.append(axe(page, "check-in, empty"))
        page.click("button[name=submit]")
        page.wait_for_selector("form .error-summary", state="visible")
        results.append(axe(page, "check-in, sent empty: the error summary"))
        page.goto(f"{base}/reports/check-in")
        page.wait_for_selector("button[name=add_guest][type=button]", state="attached")
        fill_quickly(page, 90, departure)
        results.append(axe(page, "check-in, 3 guests filled from the MRZ"))
        page.click("button[name=submit]")
        page.wait_for_selector("[data-testid=receipt-number]", state="visible")
        results.append(axe(page, "receipt"))
        for path, label in (
            ("/reports/", "my guests (after the report)"),
            ("/reports/nil", "nil report"),
            ("/offline", "offline page"),
            ("/lodgings/", "my lodgings"),
            ("/", "home, with the outbox panel"),
        ):
            page.goto(f"{base}{path}", wait_until="load")
            page.wait_for_load_state("networkidle")
            results.append(axe(page, label))
        install_worker(page, base)
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("form[data-report-form]", state="attached")
        results.append(axe(page, "check-in, offline (from the service worker)"))
        context.set_offline(False)
    finally:
        context.close()
    if meter.outside():
        raise RuntimeError(f"requests left loopback: {meter.outside()}")
    return results


# ---------------------------------------------------------------- the whole bench


def measure(runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        raise SystemExit(f"{AXE} is missing: npm install (axe-core is a dev dependency)")
    folder = Path(tempfile.mkdtemp(prefix="apoa_bench_phone_"))
    report: dict[str, Any] = {"machine": machine()}
    try:
        config = BenchConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite3'}"
        app = create_app(config)
        started = time.perf_counter()
        seed(app)
        report["seed_s"] = round(time.perf_counter() - started, 1)
        departure = datetime.now(WITA).date() + timedelta(days=6)
        with serve(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=PHONE_CHROMIUM_ARGS
            )
            report["chromium"] = browser.version
            try:
                report["report"] = report_runs(browser, app, base, runs, departure)
                cookies = report["report"].pop("cookies")
                report["weight"] = page_weight(browser, base, cookies)
                loaded = {r["url"] for r in report["weight"]["resources"]}
                report["weight"]["worker_install"] = worker_install(app, loaded)
                report["csp_blocks_axe"] = csp_blocks_injection(browser, base, cookies)
                report["axe"] = accessibility(
                    browser, base, departure, bypass_csp=report["csp_blocks_axe"]
                )
            finally:
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def report_runs(browser: Any, app: Any, base: str, runs: int, departure: date) -> dict[str, Any]:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(60_000)
    meter = Meter()
    workers = WorkerNetwork(browser, meter)
    try:
        order = date_order(context)
        page = context.new_page()
        sign_in(page, base)  # at full speed: the phone has used the app before
        install_worker(page, base)
        slow_page(context, page, meter)
        results = []
        for run in range(1, runs + 1):
            if not workers.attach(base, page):
                raise RuntimeError("no service worker to slow down")
            page.goto(f"{base}/", wait_until="load")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            mark = meter.mark()
            scenario, number = report_a_family(page, run, departure, order)
            during = meter.since(mark)
            sent = network_requests(during)
            mrz = [r for r in during if r.url.endswith("/reports/mrz")]
            guests = guests_on_receipt(app, number)
            if not number.startswith("STTPOA-") or guests != 3:
                raise RuntimeError(f"run {run}: receipt {number!r} with {guests} guests")
            results.append(
                {
                    "run": run,
                    "receipt": number,
                    "wall_s": round(scenario.wall_s, 2),
                    "input_s": round(scenario.input_s, 2),
                    "waiting_s": round(scenario.wall_s - scenario.input_s, 2),
                    "steps": [
                        {
                            "label": st.label,
                            "input_s": round(st.input_s, 2),
                            "wall_s": round(st.wall_s, 3),
                            "waiting_s": round(st.waiting_s, 3),
                        }
                        for st in scenario.steps
                    ],
                    "requests": len(sent),
                    "bytes": sum(r.encoded for r in sent),
                    "uploaded": sum(r.upload for r in sent),
                    "from_worker": sum(1 for r in during if r.from_worker),
                    "requests_list": [
                        f"{r.source} {r.method} {urlsplit(r.url).path} {r.status} {r.encoded} B"
                        for r in sent
                    ],
                    "mrz_requests": len(mrz),
                    "notes": scenario.notes,
                    "worker_detached": list(workers.detached),
                }
            )
            print(
                f"run {run}: {scenario.wall_s:.1f} s (input {scenario.input_s:.1f} s), "
                f"receipt {number}",
                flush=True,
            )
        walls = [r["wall_s"] for r in results]
        outside = meter.outside()
        if outside:
            raise RuntimeError(f"requests left loopback: {outside}")
        return {
            "runs": results,
            "median_wall_s": round(statistics.median(walls), 2),
            "date_order": order,
            "cookies": context.cookies(),
        }
    finally:
        workers.detach()
        context.close()


# ---------------------------------------------------------------- results


def yes(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def median_steps(runs: list[dict[str, Any]]) -> list[tuple[str, float, float, float]]:
    rows = []
    for i, step in enumerate(runs[0]["steps"]):
        walls = [r["steps"][i]["wall_s"] for r in runs if len(r["steps"]) > i]
        waits = [r["steps"][i]["waiting_s"] for r in runs if len(r["steps"]) > i]
        rows.append(
            (step["label"], step["input_s"], statistics.median(walls), statistics.median(waits))
        )
    return rows


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    runs = report["report"]["runs"]
    median = report["report"]["median_wall_s"]
    weight = report["weight"]
    serious = [
        (page["page"], v)
        for page in report["axe"]
        for v in page["violations"]
        if v["impact"] in SERIOUS
    ]
    per_guest_ok = all(
        g["requests"] == 0 and g["bytes"] <= GOAL_GUEST_BYTES for g in weight["guests"]
    )
    lines = [
        SECTION,
        "",
        "`.venv/bin/python bench/phone_report.py` (3 runs; `--json out.json` keeps the raw",
        "figures): the app served from a thread on 127.0.0.1 (werkzeug, CSRF on, a temporary",
        "SQLite database with the regions and offices), one lodging operator with a verified",
        "guesthouse in Legian; scripts, styles and JSON compressed by Flask-Compress as in",
        "production, the HTML not. The system Chromium headless, 360×740 touch phone, `id-ID`.",
        "Every request is slowed by Chromium's network emulation (CDP",
        "`Network.emulateNetworkConditions`: 400 ms latency, 400 kbit/s = 50,000 B/s down and",
        "up), on the page and on the service worker (attached through the browser's CDP",
        "session: the page's emulation does not reach the worker's own fetches, which",
        "answer the page navigations). Nothing leaves loopback (no host name resolves).",
        "",
        f"Machine: {len(os.sched_getaffinity(0))} vCPU (`nproc`; {platform.machine()}, "
        f"{m['cpu']}), {m['memory']},",
        f"{m['os']}, Python {m['python']}, Chromium {report['chromium']}, axe-core "
        f"{axe_version()}; {m['date']}, load average "
        f"{', '.join(f'{x:.1f}' for x in m['load_average'])} at the start (shared machine).",
        "",
        "**The report** (goal ≤ 40 s): a signed-in reporter whose phone has the service",
        "worker installed (it keeps the form's scripts and styles) taps the home page's",
        '"Laporkan kedatangan tamu", types the expected departure date (8 digits; headless',
        "Chromium lays its date field out as mm/dd/yyyy whatever the page's locale) and the",
        "room (2), then for each of a family of three (Dutch passports, valid TD3 MRZ):",
        'guests 2 and 3 "+ Tambah tamu", opens "Isi dari MRZ paspor", pastes the MRZ,',
        'taps "Isi dari MRZ" and waits for the fields the server reads, types the place',
        "of birth (7 characters; the page has put the focus there), picks the permit and",
        'the purpose; then "Kirim laporan" and the receipt. The input model is spent',
        "for real inside the measured time: 250 ms a typed character, 2 s a pick from a",
        "list, 2 s a paste, 0.7 s a tap; from the tap on the tile to the receipt on screen.",
        "",
        "| Run | Wall time | Input model | Waiting for the app | Requests to the server "
        "| Bytes down | Bytes up (bodies) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['run']} | {r['wall_s']:.1f} s | {r['input_s']:.1f} s | "
            f"{r['waiting_s']:.1f} s | {r['requests']} | {r['bytes']:,} | {r['uploaded']:,} |"
        )
    lines += [
        f"| **median** | **{median:.2f} s** | | | | | |",
        "",
        "The requests of each run: "
        + ", ".join(
            f"`{re.sub(r'/receipts/[^ ]+', '/receipts/…', x)}`" for x in runs[0]["requests_list"]
        )
        + f" (run 1; the worker answered {runs[0]['from_worker']} more from its cache).",
        "",
        f"Goal ≤ {GOAL_REPORT_S:.0f} s: {yes(median <= GOAL_REPORT_S)} by the median "
        f"({sum(r['wall_s'] > GOAL_REPORT_S for r in runs)} of {len(runs)} runs over); the "
        f"input model alone takes {runs[0]['input_s']:.1f} s, which leaves the app "
        f"{GOAL_REPORT_S - runs[0]['input_s']:.1f} s. Where the waiting is",
        "(median of the runs, seconds):",
        "",
        "| Step | Input model | Wall | Waiting |",
        "|---|---|---|---|",
    ]
    for label, input_s, wall, wait in median_steps(runs):
        if wait >= 0.15 or "load" in label or "wait" in label:
            lines.append(f"| {label} | {input_s:.2f} | {wall:.2f} | {wait:.2f} |")
    lines += [
        "",
        "(Steps with under 0.15 s of waiting are left out: typing, picking and adding a",
        "guest in the page cost their input time only.)",
        "",
        "**Page weight** (goal ≤ 60 KB): `/reports/check-in` signed in, a new context",
        "(empty cache, service workers blocked), same emulation; bytes transferred as",
        "Chromium counts them (`encodedDataLength`, headers included):",
        "",
        "| Resource | Status | Content-Encoding | Bytes |",
        "|---|---|---|---|",
    ]
    for res in weight["resources"]:
        lines.append(f"| `{res['url']}` | {res['status']} | {res['encoding']} | {res['bytes']:,} |")
    bd = weight["breakdown"]
    install = weight["worker_install"]
    unused_files = [f for f in install["files"] if f["unused"]]
    unused = sum(f["bytes"] for f in unused_files)
    biggest_unused = sorted(unused_files, key=lambda f: -f["bytes"])[:4]
    lines += [
        f"| **total, {weight['requests']} requests** | | | **{weight['bytes']:,} "
        f"({kb(weight['bytes'])})** |",
        "",
        f"Goal ≤ 60 KB: {yes(weight['bytes'] <= GOAL_PAGE_BYTES)} (KB = 1,024 bytes: "
        f"{GOAL_PAGE_BYTES - weight['bytes']:,} bytes to spare; against 60,000 bytes, "
        f"{60_000 - weight['bytes']:,}); `load` after "
        f"{weight['load_s']:.1f} s. The HTML is {weight['html_decoded_bytes']:,} bytes, sent",
        f"uncompressed on purpose (BREACH; gzip would make it {weight['html_gzip_bytes']:,});",
        f"one guest's fieldset is {bd['guest']:,} bytes of it, its largest parts "
        + ", ".join(
            f"`{p['what']}` {p['bytes']:,}" + (f" ({p['options']} options)" if p["options"] else "")
            for p in bd["guest_parts"][:4]
        )
        + ".",
        "A second visit from the same cache without the worker: "
        f"{weight['repeat_visit']['requests']} requests, {weight['repeat_visit']['bytes']:,} "
        f"bytes ({', '.join(weight['repeat_visit']['statuses'])}), `load` after "
        f"{weight['repeat_visit']['load_s']:.1f} s.",
        f"On a phone's first signed-in visit the service worker installs in the background "
        f"and fetches {install['bytes']:,} bytes more (compressed bodies, without headers; "
        f"{len(install['files'])} files: `/sw.js`, workbox, the precache), "
        f"{unused:,} of them precached files the lodging operator's form does not load ("
        + ", ".join(f"`{f['url'].rsplit('/', 1)[-1]}` {f['bytes']:,}" for f in biggest_unused)
        + "). Not in the goal: the form does not wait for it.",
        "",
        'Each further guest ("+ Tambah tamu" in the page, goal ≤ 5 KB and no request):',
        "",
        "| Guest | Requests | Bytes transferred | Page grew by (characters) |",
        "|---|---|---|---|",
    ]
    for g in weight["guests"]:
        lines.append(
            f"| {g['guest']} | {g['requests']} | {g['bytes']:,} | {g['dom_chars_added']:,} |"
        )
    lines += [
        "",
        f'Goal: {yes(per_guest_ok)}. (Each guest\'s "Isi dari MRZ" is one round trip of its',
        f"own by design: {runs[0]['mrz_requests']} in each run above.)",
        "",
        "**Accessibility** (goal 0 serious or critical): axe-core "
        f"{axe_version()} (`axe.run()`, default rules) on each page, injected with "
        + (
            "`add_script_tag` in a context with `bypass_csp` (the app's CSP, rightly, "
            "refuses the injected inline script)."
            if report["csp_blocks_axe"]
            else "`add_script_tag`."
        )
        + " The check-in page offline: the copy the service worker",
        "keeps, reloaded with the context offline.",
        "",
        "| Page | Serious / critical | Moderate / minor | axe could not decide |",
        "|---|---|---|---|",
    ]
    for page in report["axe"]:
        bad = [v for v in page["violations"] if v["impact"] in SERIOUS]
        other = [v for v in page["violations"] if v["impact"] not in SERIOUS]
        cell = ", ".join(f"`{v['id']}` ({v['impact']}, {len(v['nodes'])})" for v in bad) or "0"
        rest = ", ".join(f"`{v['id']}` ({len(v['nodes'])})" for v in other) or "0"
        unsure = ", ".join(f"`{v['id']}` ({len(v['nodes'])})" for v in page["incomplete"]) or "0"
        path = (
            page["path"]
            if not page["path"].startswith("/reports/receipts/")
            else ("/reports/receipts/…")
        )
        lines.append(f"| {page['page']} (`{path}`) | {cell} | {rest} | {unsure} |")
    lines += ["", f"Goal 0: {yes(not serious)}."]
    lesser = [
        (page["page"], v)
        for page in report["axe"]
        for v in page["violations"]
        if v["impact"] not in SERIOUS
    ]
    if lesser:
        lines += ["", "Below serious (not counted in the goal):", ""]
        for page_label, v in lesser:
            targets = ", ".join(f"`{n['target']}`" for n in v["nodes"])
            lines.append(f"- `{v['id']}` ({v['impact']}: {v['help']}) on {targets}: {page_label}")
    if serious:
        lines += ["", "Serious and critical, with their elements:", ""]
        seen: dict[tuple[str, str], list[str]] = {}
        for page_label, v in serious:
            for node in v["nodes"]:
                seen.setdefault((v["id"], node["target"]), []).append(page_label)
        for (rule, target), pages in seen.items():
            lines.append(f"- `{rule}` on `{target}`: {'; '.join(dict.fromkeys(pages))}")
    return wrap(lines)


def wrap(lines: list[str], width: int = 88) -> str:
    """Join and refill the prose into lines of `width`; tables and list items as they are."""
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(
                textwrap.fill(
                    " ".join(paragraph), width, break_long_words=False, break_on_hyphens=False
                )
            )
            paragraph.clear()

    for line in lines:
        if not line or line.startswith(("|", "#")):
            flush()
            out.append(line)
        elif line.startswith("- "):
            flush()
            out.append(
                textwrap.fill(
                    line,
                    width,
                    subsequent_indent="  ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        else:
            paragraph.append(line)
    flush()
    return "\n".join(out).rstrip("\n") + "\n"


def axe_version() -> str:
    with contextlib.suppress(OSError, ValueError, KeyError):
        return str(json.loads((AXE.parent / "package.json").read_text())["version"])
    return "?"


def text_table(report: dict[str, Any]) -> str:
    runs = report["report"]["runs"]
    weight = report["weight"]
    out = ["", f"Chromium {report['chromium']}, {os.cpu_count()} CPUs, {platform.machine()}", ""]
    out.append(
        f"{'run':>4} {'wall s':>8} {'input s':>8} {'wait s':>8} {'requests':>9} {'bytes':>8}"
    )
    for r in runs:
        out.append(
            f"{r['run']:>4} {r['wall_s']:>8.1f} {r['input_s']:>8.1f} {r['waiting_s']:>8.1f} "
            f"{r['requests']:>9} {r['bytes']:>8}"
        )
    median = report["report"]["median_wall_s"]
    out.append(
        f"median {median:.2f} s  (goal <= {GOAL_REPORT_S:.0f} s: "
        f"{'met' if median <= GOAL_REPORT_S else 'MISSED'})"
    )
    out.append("")
    out.append("slowest waits (run 1):")
    for st in sorted(runs[0]["steps"], key=lambda s: -s["waiting_s"])[:8]:
        out.append(f"  {st['waiting_s']:6.2f} s  {st['label']}")
    for note in runs[0]["notes"]:
        out.append(f"  note: {note}")
    out.append("")
    out.append(
        f"page weight /reports/check-in: {weight['requests']} requests, {weight['bytes']} B "
        f"({kb(weight['bytes'])}; goal <= 60 KB: "
        f"{'met' if weight['bytes'] <= GOAL_PAGE_BYTES else 'MISSED'})"
    )
    for res in weight["resources"]:
        out.append(f"  {res['bytes']:>8}  {res['status']}  {res['encoding']:<5} {res['url']}")
    out.append(
        f"  HTML decoded {weight['html_decoded_bytes']} B, gzip would be "
        f"{weight['html_gzip_bytes']} B; one guest fieldset {weight['breakdown']['guest']} B"
    )
    install = weight["worker_install"]
    out.append(
        f"  service worker install: {install['bytes']} B in {len(install['files'])} files, "
        f"{sum(f['bytes'] for f in install['files'] if f['unused'])} B precached but unused here"
    )
    for g in weight["guests"]:
        ok = g["requests"] == 0 and g["bytes"] <= GOAL_GUEST_BYTES
        out.append(
            f"  + guest {g['guest']}: {g['requests']} requests, {g['bytes']} B "
            f"({'met' if ok else 'MISSED'}) {g['urls']}"
        )
    out.append("")
    out.append("axe serious/critical:")
    total = 0
    for page in report["axe"]:
        for v in page["violations"]:
            if v["impact"] in SERIOUS:
                total += 1
                out.append(
                    f"  [{page['page']} {page['path']}] {v['id']} ({v['impact']}): {v['help']}"
                )
                for node in v["nodes"][:10]:
                    out.append(f"      {node['target']}  {node['html'][:120]}")
    out.append(
        f"  {total} serious/critical violation(s) (goal 0: {'met' if not total else 'MISSED'})"
    )
    return "\n".join(out)


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        rest = text[end + 1 :] if end != -1 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    DOCS.write_text(text.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="write the raw figures here")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--timeout", type=int, default=900, help="give up after this many s")
    args = parser.parse_args()

    def give_up(*_: Any) -> None:
        raise TimeoutError(f"phone_report.py ran past --timeout {args.timeout} s")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(args.timeout)
    # A last resort if the browser hangs where the alarm cannot interrupt it.
    watchdog = threading.Timer(args.timeout + 60, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    try:
        report = measure(args.runs)
    finally:
        signal.alarm(0)
        watchdog.cancel()
    print(text_table(report))
    section = markdown(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    if not args.no_docs:
        write_docs(section)
        print(f"\nwrote the section {SECTION!r} of {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
