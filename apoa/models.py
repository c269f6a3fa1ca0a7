"""Every model, imported in one place so the metadata is complete, and every scope with it:
no model is queried through `apoa.scoping.visible()` before its rules are registered."""

# The scopes modules register who sees which rows (apoa.scoping) as they are imported.
from apoa.accounts.models import LoginThrottle, ReporterKind, Role, User
from apoa.alerts import scopes as _alert_scopes  # noqa: F401
from apoa.alerts.models import Alert, AlertAction
from apoa.audit.models import AuditEvent
from apoa.compliance import scopes as _compliance_scopes  # noqa: F401
from apoa.compliance.models import Ledger, OfficeDay, PresenceCount
from apoa.geocoding.models import GeocodeCache, GeocodeRun, Location
from apoa.lodgings import scopes as _lodging_scopes  # noqa: F401
from apoa.lodgings.models import Lodging, LodgingKind, LodgingStatus
from apoa.maps import scopes as _map_scopes  # noqa: F401
from apoa.maps.models import MapCell
from apoa.regions.models import Office, OfficeJurisdiction, Region, RegionSearchTerm
from apoa.reminders.models import ReminderLog
from apoa.reports import scopes as _report_scopes  # noqa: F401
from apoa.reports.models import (
    NilReport,
    Person,
    Receipt,
    ReportCadence,
    Stay,
    StayEvent,
    StayGroup,
    SubmissionKey,
)

__all__ = [
    "Alert",
    "AlertAction",
    "AuditEvent",
    "GeocodeCache",
    "GeocodeRun",
    "Ledger",
    "Location",
    "Lodging",
    "LodgingKind",
    "LodgingStatus",
    "LoginThrottle",
    "MapCell",
    "NilReport",
    "Office",
    "OfficeDay",
    "OfficeJurisdiction",
    "Person",
    "PresenceCount",
    "Receipt",
    "Region",
    "RegionSearchTerm",
    "ReminderLog",
    "ReportCadence",
    "ReporterKind",
    "Role",
    "Stay",
    "StayEvent",
    "StayGroup",
    "SubmissionKey",
    "User",
]
