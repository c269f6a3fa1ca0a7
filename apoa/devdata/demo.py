"""Demo accounts for `make run`: created once, passwords kept in instance/demo-logins.txt."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from apoa.accounts.models import User
from apoa.accounts.passwords import hash_password
from apoa.compliance import summaries
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.lodgings.services import decide_lodging, register_lodging
from apoa.regions.models import Office
from apoa.reports import places, services

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


def seed_demo_accounts(*, now: datetime) -> list[tuple[str, str, str]]:
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
        summaries.account_changed(user, now=now)  # area reporters get their ledger row
        logins[username] = (password, description)
    db.session.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u}\t{p}\t{d}\n" for u, (p, d) in logins.items()))
    path.chmod(0o600)
    return [(u, p, d) for u, (p, d) in logins.items()]


# (name, street, village) of the demo lodgings of hotel.legian; the second one stays silent.
DEMO_LODGINGS = [
    ("Hotel Melati Legian", "Jl. Legian No. 10", "5103011004"),
    ("Villa Kenanga", "Jl. Padma Utara No. 3", "5103011004"),
]
DEMO_GUESTS = [
    # surname, given names, sex, birth date, nationality, passport, permit, days ago, late
    ("MUELLER", "HANS", "M", "1980-05-17", "D", "C01X00T47", "voa", 2, False),
    ("MUELLER", "ANNA", "F", "1982-03-02", "D", "C01X00T55", "voa", 2, False),
    ("SMITH", "OLIVIA", "F", "1990-11-23", "AUS", "PA1234567", "visa_free", 4, True),
    ("TANAKA", "HIRO", "M", "1975-07-01", "JPN", "TK7654321", "itas", 20, False),
    ("DUBOIS", "CLAIRE", "F", "1988-01-15", "FRA", "18AV12345", "voa", 9, False),
]


def seed_demo_reports(*, now: datetime, geocoder: Any) -> bool:
    """Give the demo a verified hotel with a few guests (one reported late) and a silent villa.

    Goes through the real services, so the compliance list, dashboard and map show
    what they would in production. Runs once: returns False when the hotel exists.
    """
    operator = db.session.scalar(sa.select(User).where(User.username == "hotel.legian"))
    officer = db.session.scalar(sa.select(User).where(User.username == "petugas.ngurahrai"))
    if operator is None or officer is None:
        return False
    if db.session.scalar(sa.select(Lodging.id).where(Lodging.operator_id == operator.id)):
        return False
    lodgings = []
    for name, street, village in DEMO_LODGINGS:
        data = {"name": name, "kind": "hotel", "street": street, "region_code": village}
        lodging = register_lodging(operator, data, gps=None, now=now, geocoder=geocoder)
        decide_lodging(officer, lodging, verified=True, reason=None, now=now - timedelta(days=60))
        lodgings.append(lodging)
    place = places.place_for_lodging(operator, lodgings[0])
    for surname, given, sex, born, nationality, passport, permit, ago, late in DEMO_GUESTS:
        arrived = now - timedelta(days=ago)
        guest = {
            "surname": surname,
            "given_names": given,
            "sex": sex,
            "birth_date": date.fromisoformat(born),
            "birth_place": "-",
            "nationality": nationality,
            "passport_number": passport,
            "issuing_country": nationality,
            "passport_expiry": (now + timedelta(days=900)).date(),
            "permit_type": permit,
            "permit_number": "2C11JD1234-A" if permit == "itas" else None,
            "permit_expiry": (now + timedelta(days=25)).date(),
            "purpose": "tourism",
            "phone": None,
        }
        stay = {"check_in_at": arrived, "expected_check_out": (arrived + timedelta(days=7)).date()}
        reported = arrived + timedelta(days=2 if late else 0, hours=1)
        services.submit_check_in(operator, place, [guest], stay, now=min(reported, now))
    return True
