"""Reading the alert queue: the filtered list and its counts, what one alert is about, a
system note in the reader's language, and a guest's other open stays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext

from apoa.accounts.models import User
from apoa.alerts.conditions import stays_open_at_two_places
from apoa.alerts.models import ACTIVE_STATUSES, Alert, AlertAction, AlertKind, AlertStatus
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.reports.models import Stay, StayStatus
from apoa.reports.scopes import stays_visible_to
from apoa.scoping import of_office, visible

# The queue's status filter: "active" (open or acknowledged) unless asked otherwise.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "active": ACTIVE_STATUSES,
    "open": (AlertStatus.OPEN,),
    "acknowledged": (AlertStatus.ACKNOWLEDGED,),
    "resolved": (AlertStatus.RESOLVED,),
    "all": tuple(AlertStatus),
}
SORTS = ("newest", "oldest")


def alert_in_office(office_id: int | None) -> sa.ColumnElement[bool]:
    """Alerts of one office (None: every office)."""
    return of_office(Alert.office_id, office_id)


def open_alert_counts(office_id: int | None) -> dict[AlertKind, int]:
    """Return the unresolved (open or acknowledged) alerts per kind, every kind present.

    For the office dashboard and the daily digest; `office_id` None counts
    every office (the national dashboard). Reads only: call raise_due_alerts
    first for counts current to the minute.
    """
    query = (
        sa.select(Alert.kind, sa.func.count(Alert.id))
        .where(Alert.status.in_(ACTIVE_STATUSES), alert_in_office(office_id))
        .group_by(Alert.kind)
    )
    counts = dict.fromkeys(AlertKind, 0)
    for kind, n in db.session.execute(query):
        counts[AlertKind(kind)] = int(n)
    return counts


def note_text(action: AlertAction) -> str:
    """Return an action's note for display: the system's notes in the reader's language."""
    return gettext(action.note) if action.actor_id is None else action.note


@dataclass(frozen=True)
class Elsewhere:
    """The other open stays of an alert's guest: those the officer may see, and how many not."""

    visible: list[Stay]
    hidden: int


def open_elsewhere(stay: Stay, actor: User) -> Elsewhere:
    """Return the stays that put the guest of `stay` at another place at the same time.

    Another office's stays are counted, never shown (security.md R10).
    """
    others = db.session.scalars(
        sa.select(Stay.id).where(
            Stay.person_id == stay.person_id,
            Stay.id != stay.id,
            Stay.status == StayStatus.OPEN,
        )
    ).all()
    pairs = stays_open_at_two_places([stay.id, *others])
    ids = sorted(pairs - {stay.id})
    if stay.id not in pairs or not ids:
        return Elsewhere(visible=[], hidden=0)
    visible = list(
        db.session.scalars(stays_visible_to(actor).where(Stay.id.in_(ids)).order_by(Stay.id))
    )
    return Elsewhere(visible=visible, hidden=len(ids) - len(visible))


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    """The queue's status filter, kind and sort order, as the URL gives them."""

    status: str = "active"
    kind: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        """Read the filters from the URL; a value outside the choices falls back to the default."""
        status, kind, sort = args.get("status", ""), args.get("kind", ""), args.get("sort", "")
        return cls(
            status=status if status in STATUS_FILTERS else cls.status,
            kind=kind if kind in set(AlertKind) else cls.kind,
            sort=sort if sort in SORTS else cls.sort,
        )

    def as_args(self) -> dict[str, str]:
        return {"status": self.status, "kind": self.kind, "sort": self.sort}


def _in_status(actor: User, filters: QueueFilters) -> sa.Select[Any]:
    return visible(Alert, actor).where(Alert.status.in_(STATUS_FILTERS[filters.status]))


def queue_counts(actor: User, filters: QueueFilters) -> dict[AlertKind, int]:
    """Count the actor's alerts per kind under the status filter (every kind present)."""
    counts = dict.fromkeys(AlertKind, 0)
    for kind, n in db.session.execute(
        _in_status(actor, filters)
        .with_only_columns(Alert.kind, sa.func.count(Alert.id))
        .group_by(Alert.kind)
    ):
        counts[AlertKind(kind)] = int(n)
    return counts


def queue_query(actor: User, filters: QueueFilters) -> sa.Select[Any]:
    """Return the actor's alerts under the filters, in the chosen order (to paginate)."""
    query = _in_status(actor, filters)
    if filters.kind:
        query = query.where(Alert.kind == filters.kind)
    if filters.sort == "oldest":
        return query.order_by(Alert.raised_at, Alert.id)
    return query.order_by(Alert.raised_at.desc(), Alert.id.desc())


def stays_shown(ids: list[int], actor: User) -> dict[int, Stay]:
    """Load the alerts' stays the officer may see, with what the pages show of them."""
    if not ids:
        return {}
    rows = db.session.scalars(
        stays_visible_to(actor)
        .where(Stay.id.in_(ids))
        .options(
            so.selectinload(Stay.lodging),
            so.selectinload(Stay.location),
            so.selectinload(Stay.person),
        )
    )
    return {stay.id: stay for stay in rows}


def locations_shown(ids: list[int], actor: User) -> dict[int, Location]:
    """Load the alerts' locations the officer may see."""
    if not ids:
        return {}
    rows = db.session.scalars(visible(Location, actor).where(Location.id.in_(ids)))
    return {location.id: location for location in rows}


# ---------------------------------------------------------------- one alert


@dataclass(frozen=True)
class AlertSubject:
    """What one alert is about, as far as the officer may see it."""

    stay: Stay | None
    location: Location | None
    lodging: Lodging | None  # the lodging at a mismatched location
    elsewhere: Elsewhere

    @property
    def stays(self) -> list[Stay]:
        """The stays the page shows: the alert's and the guest's other ones."""
        return [s for s in (self.stay, *self.elsewhere.visible) if s is not None]


def alert_subject(alert: Alert, actor: User) -> AlertSubject:
    """Return the stay or location an alert is about, and for C6 the guest's other stays."""
    stay = stays_shown([alert.stay_id], actor).get(alert.stay_id) if alert.stay_id else None
    location = (
        locations_shown([alert.location_id], actor).get(alert.location_id)
        if alert.location_id
        else None
    )
    elsewhere = (
        open_elsewhere(stay, actor)
        if stay is not None and alert.kind == AlertKind.OPEN_ELSEWHERE
        else Elsewhere(visible=[], hidden=0)
    )
    lodging = (
        db.session.scalar(visible(Lodging, actor).where(Lodging.location_id == location.id))
        if location is not None
        else None
    )
    return AlertSubject(stay=stay, location=location, lodging=lodging, elsewhere=elsewhere)
