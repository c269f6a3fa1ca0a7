"""What each alert kind, status and step is called: one table each, for pages and e-mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from apoa.alerts.models import AlertKind, AlertStatus

KIND_LABELS = {
    AlertKind.OVERDUE_CHECK_OUT.value: _l("Overdue check-out"),
    AlertKind.PERMIT_EXPIRED.value: _l("Permit expired during the stay"),
    AlertKind.OPEN_ELSEWHERE.value: _l("Staying at two places"),
    AlertKind.LOCATION_MISMATCH.value: _l("Location mismatch"),
}
STATUS_LABELS = {
    AlertStatus.OPEN.value: _l("open"),
    AlertStatus.ACKNOWLEDGED.value: _l("acknowledged"),
    AlertStatus.RESOLVED.value: _l("resolved"),
}
ACTION_LABELS = {
    "acknowledge": _l("Acknowledged"),
    "resolve": _l("Resolved"),
    "reopen": _l("Reopened"),
}
# The queue's filters and sort orders (apoa.alerts.queries.QueueFilters).
STATUS_FILTER_LABELS = {
    "active": _l("Open or acknowledged"),
    "open": _l("Not yet acknowledged"),
    "acknowledged": _l("Acknowledged"),
    "resolved": _l("Resolved"),
    "all": _l("All"),
}
SORT_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first")}
