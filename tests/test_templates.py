"""What every page carries from the base template."""

from __future__ import annotations


def test_every_page_names_the_icon_the_app_serves(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/img/favicon.svg">' in page
    icon = client.get("/static/img/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
