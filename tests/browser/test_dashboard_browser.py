"""The dashboard on a laptop: Chart.js (served locally) draws four charts under the strict CSP."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from apoa.db import utcnow
from tests.browser.test_phone_sign_in import _sign_in
from tests.compliance.test_dashboard import LEGIAN, _area_place, _check_in, _guest
from tests.conftest import TEST_PASSWORD

LAPTOP = {"width": 1366, "height": 768}
CHARTS = ("chart-trend", "chart-nationality", "chart-permit", "chart-district")
# Counts securitypolicyviolation events from the first byte (init scripts run before the page's).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _stays(db, create_user):
    reporter = create_user("reporter")
    now = utcnow()
    place = _area_place(LEGIAN)
    _check_in(
        reporter,
        place,
        [_guest("AUS"), _guest("D"), _guest("USA", "visa_free")],
        arrived=now - timedelta(days=90),
        now=now - timedelta(days=89),
    )
    _check_in(reporter, place, [_guest("JPN"), _guest("AUS")], arrived=now, now=now)
    db.session.commit()


def test_officer_dashboard_draws_its_charts_without_csp_violations(
    db, live_server, browser, create_user
):
    _stays(db, create_user)
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    context = browser.new_context(viewport=LAPTOP, locale="id-ID")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message):
        # The browser's own favicon request (we serve none) is not the page's problem.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith(
            "/favicon.ico"
        ):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    _sign_in(page, live_server, officer.username, TEST_PASSWORD)
    page.wait_for_selector("[data-testid=home-title]")
    page.goto(f"{live_server}/dashboard/")
    expect(page.locator("[data-dashboard]")).to_have_attribute("data-charts-drawn", "4")
    expect(page.locator("[data-testid=card-present] .dash-big")).to_have_text("5")

    for chart_id in CHARTS:
        canvas = page.locator(f"#{chart_id}")
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 200, chart_id
        assert box["height"] > 100, chart_id
        # The Chart.js instance behind the canvas, and what it was given to draw.
        drawn = canvas.evaluate(
            "c => { const chart = Chart.getChart(c);"
            " return chart && [chart.config.type, chart.data.datasets[0].data]; }"
        )
        assert drawn is not None, chart_id
    trend = page.locator("#chart-trend").evaluate(
        "c => Chart.getChart(c).data.datasets.map(d => d.data)"
    )
    assert len(trend[0]) == len(trend[1]) == 24
    assert trend[1][-1] == 5  # present at the end of this month = present now
    assert sum(trend[0]) == 5
    nationality = page.locator("#chart-nationality").evaluate(
        "c => { const d = Chart.getChart(c).data; return [d.labels, d.datasets[0].data]; }"
    )
    assert nationality[1] == [2, 1, 1, 1]
    assert nationality[0][0].endswith("(AUS)")
    # Laptop first: the four cards sit in one row.
    tops = {round(b["y"]) for b in page.locator(".dash-card").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect())"
    )}  # fmt: skip
    assert len(tops) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
    scripts = [u for u in requests if u.endswith((".js", ".css"))]
    assert any(u.endswith("/static/vendor/chart.js/chart.umd.min.js") for u in scripts)
    assert all(u.startswith(live_server) for u in scripts)  # nothing from a CDN
    context.close()


def test_dashboard_is_readable_on_a_phone(db, live_server, phone, create_user):
    _stays(db, create_user)
    admin = create_user("admin")
    page = phone()
    _sign_in(page, live_server, admin.username, TEST_PASSWORD)
    page.wait_for_selector("[data-testid=home-title]")
    page.goto(f"{live_server}/dashboard/")
    expect(page.locator("[data-dashboard]")).to_have_attribute("data-charts-drawn", "4")
    # National view for the admin, with its office picker; nothing wider than the phone.
    expect(page.locator("[data-testid=dashboard-office] select")).to_have_value("")
    expect(page.locator("[data-testid=card-present] .dash-big")).to_have_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.select_option(
        "[data-testid=dashboard-office] select", label="Kantor Imigrasi Kelas I TPI Denpasar"
    )
    page.click("[data-testid=dashboard-office] button")
    expect(page.locator("[data-testid=dashboard-scope]")).to_have_text(
        "Kantor Imigrasi Kelas I TPI Denpasar"
    )
    expect(page.locator("[data-testid=card-present] .dash-big")).to_have_text("0")
