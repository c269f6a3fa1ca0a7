"""The officers' alert queue (issue 6, point 4).

`raise_due_alerts` files one alert per kind and subject for what an officer
should look at: overdue check-outs (rule C4), permits that expired during a
stay (C5), one passport open at two places (C6) and phone pins far from the
chosen village (geocoding). It closes, with a system note, the alerts whose
condition no longer holds (the guest checked out, the location was fixed),
and reopens the ones it closed itself when the condition comes back.
Officers acknowledge, resolve or reopen an alert with a note; each step is an
AlertAction and an audit event. Nothing is ever deleted.

Services flush and never commit (house-style.md, section 3); every function
takes `now` and never reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from apoa.accounts.models import Role, User
from apoa.alerts.conditions import (
    ZONES,
    chunks,
    local_date,
    mismatch_condition,
    overdue_condition,
    overdue_cutoffs,
    permit_expired,
    stay_in_office,
    stays_open_at_two_places,
)
from apoa.alerts.models import ACTIVE_STATUSES, Alert, AlertAction, AlertKind, AlertStatus
from apoa.alerts.queries import alert_in_office
from apoa.audit.services import record_event
from apoa.errors import FieldError
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.regions.timezones import timezone_for_region as zone_of
from apoa.reports.models import Stay, StayStatus
from apoa.scoping import of_office
from apoa.upserts import dialect_insert

# Checked-out stays are looked at only this long after the departure: an expired
# permit is found while the stay is open, except when the departure comes first.
RECENT_CHECK_OUT_DAYS = 30


def N_(text: str) -> str:
    """Mark a message for the catalogue without translating it.

    System notes are stored in English, whatever language the officer who
    happened to trigger the scan reads, and translated when shown (`note_text`).
    """
    return text


NOTE_CHECKED_OUT = N_("Guest checked out.")
NOTE_CANCELLED = N_("The report was cancelled.")
NOTE_NOT_OVERDUE = N_("The expected check-out was moved to a later date.")
NOTE_PERMIT_VALID = N_("The reported dates show that the permit did not expire during the stay.")
NOTE_NOT_ELSEWHERE = N_("No other place reports this guest as staying any more.")
NOTE_LOCATION_FIXED = N_("The location no longer needs review.")
NOTE_BACK = N_("The problem came back, so the alert was reopened.")
SYSTEM_NOTES = (
    NOTE_CHECKED_OUT,
    NOTE_CANCELLED,
    NOTE_NOT_OVERDUE,
    NOTE_PERMIT_VALID,
    NOTE_NOT_ELSEWHERE,
    NOTE_LOCATION_FIXED,
    NOTE_BACK,
)

ACTIONS = ("acknowledge", "resolve", "reopen")


def stay_key(stay_id: int) -> str:
    return f"stay:{stay_id}"


def location_key(location_id: int) -> str:
    return f"location:{location_id}"


# ---------------------------------------------------------------- closing and reopening


def _transition(
    ids: Sequence[int], *, allowed: Iterable[str], target: str, now: datetime
) -> list[int]:
    """Move alerts still in an allowed status to `target`; return the ids that moved.

    One conditional UPDATE: when two scans run at once, PostgreSQL re-checks the
    status after the first commits, so only one of them records the change.
    """
    moved: list[int] = []
    for chunk in chunks(sorted(ids)):
        moved += db.session.scalars(
            sa.update(Alert)
            .where(Alert.id.in_(chunk), Alert.status.in_(list(allowed)))
            .values(status=target, updated_at=now)
            .returning(Alert.id),
            execution_options={"synchronize_session": "fetch"},
        ).all()
    return moved


def _system_actions(notes: Mapping[int, str], action: str, *, now: datetime) -> None:
    db.session.add_all(
        AlertAction(alert_id=alert_id, action=action, note=note, actor_id=None, at=now)
        for alert_id, note in sorted(notes.items())
    )


def _close(notes: Mapping[int, str], *, now: datetime) -> int:
    """Resolve alerts whose condition no longer holds, each with its system note."""
    if not notes:
        return 0
    moved = _transition(list(notes), allowed=ACTIVE_STATUSES, target=AlertStatus.RESOLVED, now=now)
    _system_actions({i: notes[i] for i in moved}, "resolve", now=now)
    return len(moved)


def _close_stale(office_id: int | None, *, now: datetime) -> int:
    """Resolve the office's open or acknowledged alerts whose condition went away."""
    active = sa.and_(Alert.status.in_(ACTIVE_STATUSES), alert_in_office(office_id))
    gone: dict[str, str] = {
        StayStatus.CHECKED_OUT: NOTE_CHECKED_OUT,
        StayStatus.CANCELLED: NOTE_CANCELLED,
    }
    notes: dict[int, str] = {}

    # C4: no longer open, or the expected check-out was corrected to a later day.
    for alert_id, status in db.session.execute(
        sa.select(Alert.id, Stay.status)
        .join(Stay, Alert.stay_id == Stay.id)
        .join(Location, Stay.location_id == Location.id)
        .where(active, Alert.kind == AlertKind.OVERDUE_CHECK_OUT, ~overdue_condition(now))
    ):
        notes[alert_id] = gone.get(status, NOTE_NOT_OVERDUE)

    # C5: a permit that expired during the stay stays expired, unless the report was
    # cancelled or corrected; only stays changed since the alert's last step are re-checked.
    for alert_id, stay, region_code in db.session.execute(
        sa.select(Alert.id, Stay, Location.region_code)
        .join(Stay, Alert.stay_id == Stay.id)
        .join(Location, Stay.location_id == Location.id)
        .where(
            active,
            Alert.kind == AlertKind.PERMIT_EXPIRED,
            sa.or_(Stay.status == StayStatus.CANCELLED, Stay.updated_at > Alert.updated_at),
        )
    ):
        if stay.status == StayStatus.CANCELLED:
            notes[alert_id] = NOTE_CANCELLED
        elif not permit_expired(
            stay.check_in_at, stay.permit_expiry, stay.checked_out_at, region_code, now
        ):
            notes[alert_id] = NOTE_PERMIT_VALID

    # C6: the stay ended, or no other place has this passport open any more.
    elsewhere = db.session.execute(
        sa.select(Alert.id, Stay.id, Stay.status)
        .join(Stay, Alert.stay_id == Stay.id)
        .where(active, Alert.kind == AlertKind.OPEN_ELSEWHERE)
    ).all()
    still = stays_open_at_two_places([s for _, s, st in elsewhere if st == StayStatus.OPEN])
    for alert_id, stay_id, status in elsewhere:
        if status != StayStatus.OPEN:
            notes[alert_id] = gone[status]
        elif stay_id not in still:
            notes[alert_id] = NOTE_NOT_ELSEWHERE

    # Geocoding: an officer placed the pin, or the location was otherwise cleared.
    for alert_id in db.session.scalars(
        sa.select(Alert.id)
        .join(Location, Alert.location_id == Location.id)
        .where(active, Alert.kind == AlertKind.LOCATION_MISMATCH, ~mismatch_condition())
    ):
        notes[alert_id] = NOTE_LOCATION_FIXED

    return _close(notes, now=now)


# ---------------------------------------------------------------- raising


@dataclass(frozen=True)
class Subject:
    """Something an alert is about: one stay or one location, in one office."""

    kind: AlertKind
    office_id: int | None
    key: str
    stay_id: int | None = None
    location_id: int | None = None

    @classmethod
    def of_stay(cls, kind: AlertKind, office_id: int | None, stay_id: int) -> Subject:
        return cls(kind, office_id, stay_key(stay_id), stay_id=stay_id)

    @classmethod
    def of_location(cls, kind: AlertKind, office_id: int | None, location_id: int) -> Subject:
        return cls(kind, office_id, location_key(location_id), location_id=location_id)


def _without_active_alerts(subjects: list[Subject], office_id: int | None) -> list[Subject]:
    """Drop the subjects that already have an open or acknowledged alert of their kind.

    Reads the office's unresolved alerts through ix_alerts_office_status; a
    subject whose alert sits under another office (its place was re-routed)
    passes here and is found by `_file`, which never files a second one.
    """
    if not subjects:
        return []
    active = {
        (kind, stay_id)
        for kind, stay_id in db.session.execute(
            sa.select(Alert.kind, Alert.stay_id).where(
                alert_in_office(office_id),
                Alert.status.in_(ACTIVE_STATUSES),
                Alert.stay_id.is_not(None),
            )
        )
    }
    return [s for s in subjects if (s.kind, s.stay_id) not in active]


def _open_stay_subjects(office_id: int | None, now: datetime) -> list[Subject]:
    """Find C4, C5 and C6 among the office's open stays in one pass.

    One range of ix_stays_office_status; SQL keeps only stays that may qualify
    (expected to leave by the latest zone's cut-off, a permit ending before the
    latest zone's today, or flagged as open elsewhere), and the pure rules
    decide each with its own place's time zone.
    """
    cutoffs = overdue_cutoffs(now)
    latest_today = max(local_date(now, zone) for zone in ZONES)
    rows = db.session.execute(
        sa.select(
            Stay.id,
            Stay.office_id,
            Stay.check_in_at,
            Stay.expected_check_out,
            Stay.permit_expiry,
            Stay.flag_open_elsewhere,
            Location.region_code,
        )
        .join(Location, Stay.location_id == Location.id)
        .where(
            stay_in_office(office_id),
            Stay.status == StayStatus.OPEN,
            sa.or_(
                Stay.expected_check_out <= max(cutoffs.values()),
                Stay.permit_expiry < latest_today,
                # The report services flag both stays when one passport is open at two
                # places (apoa.reports.services._flag_overlaps); the rule confirms it.
                Stay.flag_open_elsewhere.is_(True),
            ),
        )
    ).all()
    subjects: list[Subject] = []
    flagged: list[Subject] = []
    for row in rows:
        zone = zone_of(row.region_code)
        if row.expected_check_out <= cutoffs[zone]:  # rules.is_overdue_check_out
            subjects.append(Subject.of_stay(AlertKind.OVERDUE_CHECK_OUT, row.office_id, row.id))
        if permit_expired(row.check_in_at, row.permit_expiry, None, row.region_code, now):
            subjects.append(Subject.of_stay(AlertKind.PERMIT_EXPIRED, row.office_id, row.id))
        if row.flag_open_elsewhere:
            flagged.append(Subject.of_stay(AlertKind.OPEN_ELSEWHERE, row.office_id, row.id))
    flagged = _without_active_alerts(flagged, office_id)
    confirmed = stays_open_at_two_places([s.stay_id for s in flagged if s.stay_id is not None])
    subjects += [s for s in flagged if s.stay_id in confirmed]
    return _without_active_alerts(subjects, office_id)


def _departed_permit_subjects(office_id: int | None, now: datetime) -> list[Subject]:
    """Find C5 among stays checked out in the last RECENT_CHECK_OUT_DAYS days.

    An expired permit is normally found while the stay is open; this catches a
    departure reported before any scan saw the stay past its permit. It reads
    every checked-out stay of the office (no index on the departure time), so
    the officers' queue leaves it to the daily scan (`raise_due_alerts(None, ...)`).
    """
    # A stay can only qualify if it left after its permit's last day began: comparing
    # the timestamp with the date is a superset of the local-date rule on both engines,
    # which the rule then narrows (PostgreSQL casts the date to a timestamp, SQLite
    # compares "YYYY-MM-DD hh:mm:ss" with "YYYY-MM-DD" as text).
    rows = db.session.execute(
        sa.select(
            Stay.id,
            Stay.office_id,
            Stay.check_in_at,
            Stay.permit_expiry,
            Stay.checked_out_at,
            Location.region_code,
        )
        .join(Location, Stay.location_id == Location.id)
        .where(
            stay_in_office(office_id),
            Stay.status == StayStatus.CHECKED_OUT,
            Stay.checked_out_at >= now - timedelta(days=RECENT_CHECK_OUT_DAYS),
            Stay.permit_expiry.is_not(None),
            Stay.checked_out_at > Stay.permit_expiry,
        )
    )
    return _without_active_alerts(
        [
            Subject.of_stay(AlertKind.PERMIT_EXPIRED, row.office_id, row.id)
            for row in rows
            if permit_expired(
                row.check_in_at, row.permit_expiry, row.checked_out_at, row.region_code, now
            )
        ],
        office_id,
    )


def _mismatch_subjects(office_id: int | None) -> list[Subject]:
    kind = AlertKind.LOCATION_MISMATCH
    key = sa.literal("location:") + sa.cast(Location.id, sa.String)
    in_office = of_office(Location.office_id, office_id)
    rows = db.session.execute(
        sa.select(Location.id, Location.office_id).where(
            in_office,
            mismatch_condition(),
            # Through the unique (kind, subject_key) index.
            ~sa.exists().where(
                Alert.kind == kind,
                Alert.subject_key == key,
                Alert.status != AlertStatus.RESOLVED,
            ),
        )
    )
    return [Subject.of_location(kind, office, location_id) for location_id, office in rows]


def _insert_ignoring_duplicates(rows: list[dict[str, Any]]) -> int:
    """Insert alerts; one that a concurrent scan filed first is skipped, not an error."""
    added = 0
    for chunk in chunks(rows):
        statement = (
            dialect_insert(Alert)
            .values(list(chunk))
            .on_conflict_do_nothing(index_elements=["kind", "subject_key"])
            .returning(Alert.id)
        )
        added += len(db.session.execute(statement).all())
    return added


def _file(subjects: list[Subject], *, now: datetime) -> int:
    """File new alerts and reopen those the system closed; return the number filed."""
    if not subjects:
        return 0
    known: dict[tuple[str, str], int] = {}
    by_kind: dict[AlertKind, list[str]] = {}
    for subject in subjects:
        by_kind.setdefault(subject.kind, []).append(subject.key)
    for kind, keys in by_kind.items():
        for chunk in chunks(keys):
            known.update(
                ((kind, key), alert_id)
                for alert_id, key in db.session.execute(
                    sa.select(Alert.id, Alert.subject_key).where(
                        Alert.kind == kind, Alert.subject_key.in_(chunk)
                    )
                )
            )
    # A resolved alert comes back only if the system closed it: an officer's
    # resolution stands until an officer reopens it.
    closed = sorted(known.values())
    last_actor: dict[int, int | None] = {}
    for ids in chunks(closed):
        last = (
            sa.select(sa.func.max(AlertAction.id))
            .where(AlertAction.alert_id.in_(ids))
            .group_by(AlertAction.alert_id)
        )
        last_actor.update(
            db.session.execute(
                sa.select(AlertAction.alert_id, AlertAction.actor_id).where(
                    AlertAction.id.in_(last)
                )
            ).all()
        )
    back = [i for i in closed if i in last_actor and last_actor[i] is None]
    reopened = _transition(back, allowed=(AlertStatus.RESOLVED,), target=AlertStatus.OPEN, now=now)
    _system_actions(dict.fromkeys(reopened, NOTE_BACK), "reopen", now=now)

    new = [
        {
            "office_id": s.office_id,
            "kind": s.kind.value,
            "subject_key": s.key,
            "stay_id": s.stay_id,
            "location_id": s.location_id,
            "status": AlertStatus.OPEN.value,
            "raised_at": now,
            "updated_at": now,
        }
        for s in subjects
        if (s.kind, s.key) not in known
    ]
    return _insert_ignoring_duplicates(new)


def raise_due_alerts(office_id: int | None, *, now: datetime, departures: bool = True) -> int:
    """Bring an office's alerts up to date at `now`; return the number of new alerts.

    First resolves (with a system note) the alerts whose condition went away,
    then files an alert for every subject whose condition holds and that has
    none, reopening one the system had closed. `office_id` None scans every
    office (the daily job). `departures=False` skips the stays checked out in
    the last RECENT_CHECK_OUT_DAYS days, the one part that reads the office's
    whole history: the officers' queue runs without it, the daily job with it.
    """
    _close_stale(office_id, now=now)
    subjects = [
        *_open_stay_subjects(office_id, now),
        *(_departed_permit_subjects(office_id, now) if departures else []),
        *_mismatch_subjects(office_id),
    ]
    added = _file(subjects, now=now)
    db.session.flush()
    return added


# ---------------------------------------------------------------- officers' actions


_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((AlertStatus.OPEN,), AlertStatus.ACKNOWLEDGED),
    "resolve": (ACTIVE_STATUSES, AlertStatus.RESOLVED),
    "reopen": ((AlertStatus.RESOLVED,), AlertStatus.OPEN),
}


def _refusal(action: str, status: str) -> Any:
    if status == AlertStatus.RESOLVED:
        return _l("This alert is already resolved.")
    if action == "acknowledge":
        return _l("This alert was already acknowledged.")
    return _l("Only a resolved alert can be reopened.")


def clean_note(note: str | None) -> str:
    """Return the note trimmed, or refuse an empty, too long or unprintable one."""
    text = (note or "").strip()
    if not text:
        raise FieldError("note", _l("Write a note: what you checked or did."))
    if len(text) > Alert.NOTE_MAX:
        raise FieldError(
            "note", _l("Keep the note to %(max)d characters or fewer.", max=Alert.NOTE_MAX)
        )
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise FieldError("note", _l("Use letters, digits and ordinary punctuation only."))
    return text


def _act(actor: User, alert: Alert, action: str, note: str | None, *, now: datetime) -> AlertAction:
    if actor.role != Role.OFFICER or actor.office_id is None or actor.office_id != alert.office_id:
        raise FieldError(None, _l("Only officers of the alert's office can act on it."))
    allowed, target = _TRANSITIONS[action]
    if alert.status not in allowed:
        raise FieldError(None, _refusal(action, alert.status))
    text = clean_note(note)
    before = alert.status
    alert.status = target
    alert.updated_at = now
    entry = AlertAction(action=action, note=text, actor_id=actor.id, at=now)
    alert.actions.append(entry)
    db.session.flush()
    # The note may name people: it stays in alert_actions, not in the audit details.
    record_event(
        f"alert.{action}",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        details={"kind": alert.kind, "from": before, "to": target},
        now=now,
    )
    return entry


def acknowledge_alert(actor: User, alert: Alert, note: str | None, *, now: datetime) -> AlertAction:
    """Acknowledge an open alert with a note: someone is on it.

    Load the alert with `get_visible_or_404(..., for_update=True)` first, so
    two officers acting at once take turns and the second sees the first's step.
    """
    return _act(actor, alert, "acknowledge", note, now=now)


def resolve_alert(actor: User, alert: Alert, note: str | None, *, now: datetime) -> AlertAction:
    """Resolve an open or acknowledged alert with a note saying what was done."""
    return _act(actor, alert, "resolve", note, now=now)


def reopen_alert(actor: User, alert: Alert, note: str | None, *, now: datetime) -> AlertAction:
    """Reopen a resolved alert with a note saying why."""
    return _act(actor, alert, "reopen", note, now=now)
