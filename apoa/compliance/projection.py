"""The compliance summaries as a projection: they follow what the writers announce.

Subscribed once by `create_app` (apoa/signals.py lists the signals); each
receiver runs inside the writer's transaction, so a report and its summaries
are committed together or not at all.
"""

from __future__ import annotations

from typing import Any

from apoa import signals
from apoa.accounts.models import User
from apoa.compliance import summaries
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging


def _on_stays_changed(sender: Any, **kwargs: Any) -> None:
    summaries.report_changed_stays(kwargs["changes"], kwargs.get("report"), now=kwargs["now"])


def _on_location_moved(location: Location, **kwargs: Any) -> None:
    summaries.place_moved(location, kwargs["changes"])


def _on_nil_report(sender: Any, **kwargs: Any) -> None:
    summaries.nil_report_filed(kwargs["report"], period_end=kwargs["period_end"], now=kwargs["now"])


def _on_lodging_verified(lodging: Lodging, **kwargs: Any) -> None:
    summaries.lodging_verified(lodging, now=kwargs["now"])


def _on_lodging_rejected(lodging: Lodging, **kwargs: Any) -> None:
    summaries.lodging_rejected(lodging)


def _on_account_changed(user: User, **kwargs: Any) -> None:
    summaries.account_changed(user, now=kwargs["now"])


def subscribe() -> None:
    """Connect the summaries to the writers' signals (called once by create_app)."""
    for signal in (
        signals.stays_checked_in,
        signals.stays_checked_out,
        signals.stay_amended,
        signals.stay_cancelled,
    ):
        signal.connect(_on_stays_changed)
    signals.location_moved.connect(_on_location_moved)
    signals.nil_report_filed.connect(_on_nil_report)
    signals.lodging_verified.connect(_on_lodging_verified)
    signals.lodging_rejected.connect(_on_lodging_rejected)
    signals.account_changed.connect(_on_account_changed)
