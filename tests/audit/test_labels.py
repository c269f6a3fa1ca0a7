"""The audit log reads as words, with the stored key beside them (issue 12, point 4)."""

from __future__ import annotations

import ast
from pathlib import Path

from apoa.alerts.services import _TRANSITIONS
from apoa.audit.labels import ACTION_LABELS, OBJECT_LABELS, OUTCOME_LABELS


def _recorded() -> tuple[set[str], set[str], set[str]]:
    """Every action, outcome and object type a `record_event` call in apoa spells out."""
    actions: set[str] = set()
    outcomes: set[str] = set()
    objects: set[str] = set()
    for path in Path("apoa").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "record_event" or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.JoinedStr):  # f"alert.{action}"
                actions |= {f"alert.{action}" for action in _TRANSITIONS}
            actions |= _strings(first)
            for keyword in node.keywords:
                if keyword.arg == "outcome":
                    outcomes |= _strings(keyword.value)
                elif keyword.arg == "object_type":
                    objects |= _strings(keyword.value)
    return actions, outcomes, objects


def _strings(node: ast.AST) -> set[str]:
    found = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
    return {v for v in found if isinstance(v, str) and not isinstance(node, ast.JoinedStr)}


def test_every_recorded_action_outcome_and_object_has_a_label():
    actions, outcomes, objects = _recorded()
    assert "login.success" in actions  # the scan finds the calls
    assert actions - set(ACTION_LABELS) == set()
    assert (outcomes | {"success"}) - set(OUTCOME_LABELS) == set()
    assert objects - set(OBJECT_LABELS) == set()


def test_audit_log_shows_translated_actions_outcomes_and_roles(app, client, login_as):
    app.test_client().post("/login", data={"username": "nobody", "password": "wrong password x"})
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Gagal masuk" in html  # login.failure
    assert "Berhasil masuk" in html  # login.success
    assert ">Gagal</td>" in html  # outcome "failure"
    assert ">Berhasil</td>" in html  # outcome "success"
    assert "<small>(Admin)</small>" in html
    assert ">failure<" not in html
    assert ">success<" not in html
    # The stored key stays, small, beside the label; the filter offers labels.
    assert "<code>login.failure</code>" in html
    assert '<option value="login.failure">Gagal masuk</option>' in html


def test_unknown_keys_show_as_themselves(app, db, client, login_as, create_user):
    from apoa.audit.services import record_event

    record_event("test.new_action", actor=create_user("officer"), outcome="odd")
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "test.new_action" in html
    assert ">odd</td>" in html


def test_user_page_names_its_recent_changes(client, login_as, create_user):
    login_as("admin")
    user = create_user("reporter")
    assert client.post(f"/admin/users/{user.id}/terminate-sessions").status_code == 302
    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert '<span title="account.terminate_sessions">Sesi diakhiri</span>' in html
