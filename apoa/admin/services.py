"""Admin use cases for offices and their jurisdictions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from apoa.accounts.models import User
from apoa.audit.services import record_event
from apoa.compliance import summaries
from apoa.errors import FieldError, FieldErrors
from apoa.extensions import db
from apoa.regions.models import LEVEL_DISTRICT, LEVEL_REGENCY, Office, OfficeJurisdiction, Region
from apoa.scoping import of_office

OFFICE_FIELDS = ("code", "name", "office_class", "address", "email")


def parse_region_codes(text: str) -> list[str]:
    """Split a list of region codes typed with commas, spaces or new lines; dots are ignored."""
    return [c.replace(".", "") for c in re.split(r"[\s,;]+", text or "") if c]


def _check_jurisdiction(codes: list[str]) -> list[str]:
    if not codes:
        return []
    found = {
        r.code: r.level for r in db.session.scalars(sa.select(Region).where(Region.code.in_(codes)))
    }
    bad = [c for c in codes if found.get(c) not in (LEVEL_REGENCY, LEVEL_DISTRICT)]
    if bad:
        raise FieldError(
            "jurisdiction",
            _l("Not a regency or district code: %(codes)s", codes=", ".join(bad[:10])),
        )
    return sorted(set(codes))


def _clean_office(
    data: dict[str, Any], existing: Office | None
) -> tuple[dict[str, Any], list[str]]:
    errors: list[FieldError] = []
    clean = {k: (data.get(k) or None) for k in OFFICE_FIELDS}
    taken = db.session.scalar(sa.select(Office.id).where(Office.code == clean["code"]))
    if taken is not None and (existing is None or taken != existing.id):
        errors.append(FieldError("code", _l("Another office has this code.")))
    codes: list[str] = []
    try:
        codes = _check_jurisdiction(parse_region_codes(data.get("jurisdiction") or ""))
    except FieldError as error:
        errors.append(error)
    if errors:
        raise FieldErrors(errors)
    return clean, codes


def _set_jurisdiction(office: Office, codes: list[str]) -> None:
    current = {j.region_code: j for j in office.jurisdictions}
    for code in set(current) - set(codes):
        office.jurisdictions.remove(current[code])
    for code in sorted(set(codes) - set(current)):
        office.jurisdictions.append(OfficeJurisdiction(region_code=code))


def create_office(actor: User, data: dict[str, Any], *, now: datetime) -> Office:
    """Create an immigration office with its jurisdiction."""
    clean, codes = _clean_office(data, None)
    office = Office(**clean, created_at=now)
    db.session.add(office)
    _set_jurisdiction(office, codes)
    db.session.flush()
    summaries.reroute_areas(codes)
    record_event(
        "office.create",
        actor=actor,
        object_type="office",
        object_id=office.id,
        details={"code": office.code, "jurisdiction": codes},
        now=now,
    )
    return office


def update_office(actor: User, office: Office, data: dict[str, Any], *, now: datetime) -> None:
    """Change an office's details and jurisdiction."""
    clean, codes = _clean_office(data, office)
    before = sorted(j.region_code for j in office.jurisdictions)
    for key, value in clean.items():
        setattr(office, key, value)
    _set_jurisdiction(office, codes)
    db.session.flush()
    summaries.reroute_areas(set(before) ^ set(codes))
    details = {"code": office.code, "jurisdiction_before": before, "jurisdiction_after": codes}
    record_event(
        "office.update",
        actor=actor,
        object_type="office",
        object_id=office.id,
        details=details,
        now=now,
    )


def set_office_active(actor: User, office: Office, active: bool, *, now: datetime) -> None:
    """Close or reopen an office; closing also ends its officers' sessions."""
    office.is_active = active
    if not active:
        for officer in db.session.scalars(
            sa.select(User).where(of_office(User.office_id, office.id))
        ):
            officer.rotate_session_token()
    record_event(
        "office.reactivate" if active else "office.deactivate",
        actor=actor,
        object_type="office",
        object_id=office.id,
        now=now,
    )
