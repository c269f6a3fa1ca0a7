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
