"""Demo accounts for `make run`: created once, passwords kept in instance/demo-logins.txt."""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from apoa.accounts.models import User
from apoa.accounts.passwords import hash_password
from apoa.compliance import summaries
from apoa.db import utcnow
from apoa.extensions import db
from apoa.regions.models import Office

# (username, full name, role, reporter kind, office code, area code, rw, rt, description)
DEMO_ACCOUNTS = [
    ("admin", "Admin Demo", "admin", None, None, None, None, None, "admin"),
    (
        "petugas.ngurahrai",
        "Made Petugas",
        "officer",
        None,
        "kanim-ngurah-rai",
        None,
        None,
        None,
        "officer, Kanim Ngurah Rai (Kuta)",
    ),
    (
        "petugas.jakpus",
        "Siti Petugas",
        "officer",
        None,
        "kanim-jakarta-pusat",
        None,
        None,
        None,
        "officer, Kanim Jakarta Pusat",
    ),
    (
        "hotel.legian",
        "Wayan Resepsionis",
        "reporter",
        "lodging",
        None,
        None,
        None,
        None,
        "lodging operator",
    ),
    (
        "rt.legian",
        "Ketut Ketua RT",
        "reporter",
        "rt_rw",
        None,
        "5103011004",
        2,
        3,
        "RT 03 / RW 02, Legian",
    ),
    (
        "lurah.legian",
        "Nyoman Lurah",
        "reporter",
        "lurah",
        None,
        "5103011004",
        None,
        None,
        "lurah of Legian",
    ),
]


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


def _read_logins(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    logins = {}
    for line in path.read_text().splitlines():
        username, password, description = line.split("\t")
        logins[username] = (password, description)
    return logins


def seed_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the missing demo accounts; return (username, password, description) for all."""
    path = _logins_file()
    logins = _read_logins(path)
    offices = {o.code: o.id for o in db.session.scalars(sa.select(Office))}
    for username, full_name, role, kind, office, area, rw, rt, description in DEMO_ACCOUNTS:
        if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            continue
        password = secrets.token_urlsafe(12)
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            reporter_kind=kind,
            office_id=offices.get(office) if office else None,
            area_code=area,
            rw=rw,
            rt=rt,
            password_hash=hash_password(password),
        )
        db.session.add(user)
        db.session.flush()
        summaries.account_changed(user, now=utcnow())  # area reporters get their ledger row
        logins[username] = (password, description)
    db.session.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u}\t{p}\t{d}\n" for u, (p, d) in logins.items()))
    path.chmod(0o600)
    return [(u, p, d) for u, (p, d) in logins.items()]
