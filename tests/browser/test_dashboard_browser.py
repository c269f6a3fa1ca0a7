"""The dashboard on a laptop: Chart.js (served locally) draws four charts under the strict CSP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from apoa.clock import wall_clock
from tests.factories import guest_data

LAPTOP = {"width": 1366, "height": 768}
CHARTS = ("chart-trend", "chart-nationality", "chart-permit", "chart-district")
# Counts securitypolicyviolation events from the first byte (init scripts run before the page's).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def stays(db, create_user, create_place, create_stay):
    """Five guests in Legian: three reported three months ago, two today; committed."""
    reporter = create_user("reporter")
    now = wall_clock()
    legian = create_place("5103011004")
    long_ago = now - timedelta(days=90)
    guests = [
        guest_data(1, nationality="AUS", issuing_country="AUS"),
        guest_data(2),
        guest_data(3, nationality="USA", issuing_country="USA", permit_type="visa_free"),
    ]
    create_stay(
        reporter,
        legian,
        guests,
        arrived=long_ago,
        leaves=timedelta(days=60),
        now=now - timedelta(days=89),
    )
    guests = [
        guest_data(4, nationality="JPN", issuing_country="JPN"),
        guest_data(5, nationality="AUS", issuing_country="AUS"),
    ]
    create_stay(reporter, legian, guests, arrived=now, leaves=timedelta(days=60), now=now)
    db.session.commit()


def test_officer_dashboard_draws_its_charts_without_csp_violations(
    db, stays, live_server, sign_in, browser, create_user
):
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
    sign_in(page, officer.username)
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


def test_dashboard_is_readable_on_a_phone(db, stays, live_server, sign_in, phone, create_user):
    admin = create_user("admin")
    page = phone()
    sign_in(page, admin.username)
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
