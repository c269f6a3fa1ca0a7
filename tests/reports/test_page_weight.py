"""The report form stays light for a cheap phone on a slow connection (docs/reports.md, Phones)."""

from __future__ import annotations

import re

import pytest

from tests.factories import TEST_PASSWORD

BUDGET = 150 * 1024


def _page_weight(client, path: str) -> tuple[int, dict[str, int]]:
    """Return the bytes a browser downloads for a page and its scripts and styles (tiles aside)."""
    headers = {"Accept-Encoding": "br, gzip"}
    page = client.get(path, headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sizes = {path: len(page.data)}
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html):
        response = client.get(asset, headers=headers)
        assert response.status_code == 200, asset
        sizes[asset] = len(response.data)
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("kind", ["lodging", "rt_rw"])
def test_check_in_form_weighs_at_most_150_kb(client, create_user, verified_lodging, kind):
    if kind == "lodging":
        user = verified_lodging[0]
    else:
        user = create_user("reporter", reporter_kind="rt_rw", area_code="5103011004", rw=2, rt=3)
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    total, sizes = _page_weight(client, "/reports/check-in")
    assert total <= BUDGET, sizes


def test_scripts_and_styles_are_compressed(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers.get("Content-Encoding") == "br"
    page = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in page.headers  # HTML is never compressed (BREACH)
