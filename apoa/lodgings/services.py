"""Lodging use cases: registration by an operator, verification by the routed office."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from apoa import signals
from apoa.accounts.models import ReporterKind, Role, User
from apoa.audit.services import record_event
from apoa.errors import FieldError
from apoa.extensions import db
from apoa.geocoding.providers import AddressGeocoder
from apoa.geocoding.services import GpsFix, locate
from apoa.lodgings.models import Lodging, LodgingStatus


def register_lodging(
    actor: User,
    data: dict[str, Any],
    *,
    gps: GpsFix | None,
    now: datetime,
    geocoder: AddressGeocoder,
) -> Lodging:
    """Register a lodging for its operator; it waits for the routed office to verify it."""
    if actor.role != Role.REPORTER or actor.reporter_kind != ReporterKind.LODGING:
        raise FieldError(None, _l("Only lodging operators register lodgings."))
    location = locate(
        street=data["street"],
        rt=data.get("rt"),
        rw=data.get("rw"),
        region_code=data["region_code"],
        postal_code=data.get("postal_code") or None,
        gps=gps,
        now=now,
        geocoder=geocoder,
    )
    lodging = Lodging(
        operator_id=actor.id,
        name=data["name"].strip(),
        kind=data["kind"],
        nib=data.get("nib") or None,
        location=location,
        status=LodgingStatus.PENDING,
        created_at=now,
    )
    db.session.add(lodging)
    db.session.flush()
    record_event(
        "lodging.register",
        actor=actor,
        object_type="lodging",
        object_id=lodging.id,
        details={"office_id": location.office_id, "region_code": location.region_code},
        now=now,
    )
    return lodging


def decide_lodging(
    officer: User, lodging: Lodging, *, verified: bool, reason: str | None, now: datetime
) -> None:
    """Verify or reject a lodging; a rejection needs a reason the operator will read."""
    reason = (reason or "").strip() or None
    if not verified and not reason:
        raise FieldError("reason", _l("Say why the lodging is rejected."))
    lodging.status = LodgingStatus.VERIFIED if verified else LodgingStatus.REJECTED
    lodging.decision_reason = reason
    lodging.decided_by_id, lodging.decided_at = officer.id, now
    (signals.lodging_verified if verified else signals.lodging_rejected).send(lodging, now=now)
    record_event(
        "lodging.verify" if verified else "lodging.reject",
        actor=officer,
        object_type="lodging",
        object_id=lodging.id,
        now=now,
    )
