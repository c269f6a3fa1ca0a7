"""Every user-facing string is translated to Indonesian, the default language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUES = Path("apoa/translations")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_every_message_has_an_indonesian_translation():
    template = _read(CATALOGUES / "messages.pot")
    indonesian = _read(CATALOGUES / "id/LC_MESSAGES/messages.po")
    missing = [
        m.id
        for m in template
        if m.id and not (indonesian.get(m.id) and indonesian.get(m.id).string)
    ]
    assert missing == []
    fuzzy = [m.id for m in indonesian if m.id and m.fuzzy]
    assert fuzzy == []


def test_catalogue_template_is_up_to_date(tmp_path):
    """`make messages` has been run: the template holds every string in the code."""
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "fresh.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            # Babel skips folders starting with "_" by default: _macros/ holds strings too.
            "--ignore-dirs",
            ".* __pycache__ node_modules .venv",
            "-o",
            str(out),
            "--no-location",
            "--sort-output",
            ".",
        ]
    )
    fresh = {m.id for m in _read(out) if m.id}
    committed = {m.id for m in _read(CATALOGUES / "messages.pot") if m.id}
    assert fresh - committed == set()


def test_english_on_request(client):
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "id", "next": "/login"})
    assert "Masuk" in client.get("/login").get_data(as_text=True)


def test_country_names_are_indonesian_in_the_indonesian_ui():
    """CLDR's names (through Babel): pycountry alone left "Czechia" and half the list English."""
    from apoa.reports import codes

    indonesian = dict(codes.nationality_choices("id"))
    english = dict(codes.nationality_choices("en"))
    assert indonesian["CZE"] == "Ceko"
    assert indonesian["BES"] == "Belanda Karibia"
    assert indonesian["CHN"] == "Tiongkok"
    assert english["CZE"] == "Czechia"
    assert english["BES"] == "Bonaire, Sint Eustatius and Saba"
    # The ICAO-only codes (Germany's D, British classes, organisations) have their own labels.
    for code in ("D", "GBD", "GBN", "GBO", "GBP", "GBS", "UNO", "UNA", "XXA", "XXB", "XOM"):
        assert indonesian[code] != english[code], code
    assert indonesian["D"] == "Jerman"


def test_numbers_follow_the_language(app):
    """Python's "%.1f" always wrote "24.0"; Indonesian writes "24,0" and groups with dots."""
    from flask import render_template_string, session
    from flask_babel import refresh

    page = (
        "{{ 24.04|decimal(1) }} km · {{ 12345|decimal }} · {{ 0.5|decimal }} · {{ none|decimal }}"
    )
    with app.test_request_context("/"):
        assert render_template_string(page) == "24,0 km · 12.345 · 0,5 · –"
    with app.test_request_context("/"):
        session["lang"] = "en"
        refresh()  # the fixture's app context keeps the locale chosen above
        assert render_template_string(page) == "24.0 km · 12,345 · 0.5 · –"
