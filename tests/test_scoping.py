"""Row-level scoping in one place (docs/security.md R10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.scoping import get_visible_or_404, in_jurisdiction, visible


def _names(db, actor):
    return set(db.session.scalars(visible(User, actor).with_only_columns(User.username)))


def test_reporter_sees_only_itself(db, create_user):
    me = create_user("reporter", username="saya")
    create_user("reporter", username="orang.lain")
    assert _names(db, me) == {"saya"}


def test_officer_sees_colleagues_and_area_reporters_in_jurisdiction(db, create_user):
    officer = create_user("officer", username="petugas.kuta", office_code="kanim-ngurah-rai")
    create_user("officer", username="rekan.kuta", office_code="kanim-ngurah-rai")
    create_user("officer", username="petugas.denpasar", office_code="kanim-denpasar")
    create_user(
        "reporter", username="rt.legian", reporter_kind="rt_rw", area_code="5103011004"
    )  # Kuta: Ngurah Rai
    create_user(
        "reporter", username="lurah.mengwi", reporter_kind="lurah", area_code="5103022001"
    )  # Mengwi: Denpasar
    create_user(
        "reporter", username="rt.gambir", reporter_kind="rt_rw", area_code="3171011001"
    )  # Jakarta Pusat
    assert _names(db, officer) == {"petugas.kuta", "rekan.kuta", "rt.legian"}


def test_admin_sees_everyone(db, create_user):
    admin = create_user("admin")
    create_user("reporter")
    create_user("officer")
    assert len(_names(db, admin)) == 3


def test_out_of_scope_is_404(app, db, create_user):
    from werkzeug.exceptions import NotFound

    me = create_user("reporter")
    other = create_user("reporter")
    assert get_visible_or_404(User, me.id, me) is me
    with pytest.raises(NotFound):
        get_visible_or_404(User, other.id, me)


def test_jurisdiction_by_regency_and_by_district(db, app):
    from apoa.regions.models import Office

    ngurah_rai = db.session.scalar(sa.select(Office.id).where(Office.code == "kanim-ngurah-rai"))
    jakpus = db.session.scalar(sa.select(Office.id).where(Office.code == "kanim-jakarta-pusat"))

    def inside(code, office_id):
        return db.session.scalar(sa.select(in_jurisdiction(sa.literal(code), office_id)))

    assert inside("5103011004", ngurah_rai)  # Legian, Kuta (district-level jurisdiction)
    assert not inside("5103022001", ngurah_rai)  # Mengwi: another office
    assert inside("3171011001", jakpus)  # Gambir (regency-level jurisdiction)
    assert not inside("3171011001", None)


def test_views_reach_scoped_models_only_through_scoping():
    """No view module may query User directly with select(User) or db.session.get(User ...)."""
    offenders = []
    for path in Path("apoa").rglob("views.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = getattr(node, "func", None) and getattr(
                node.func, "attr", getattr(node.func, "id", "")
            )
            if (
                isinstance(node, ast.Call)
                and name in ("select", "get", "get_or_404")
                and any(isinstance(a, ast.Name) and a.id == "User" for a in node.args)
            ):
                offenders.append(f"{path}:{node.lineno}")
    assert offenders == []
