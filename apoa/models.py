"""Every model, imported in one place so the metadata is complete."""

from apoa.accounts.models import LoginThrottle, ReporterKind, Role, User
from apoa.audit.models import AuditEvent
from apoa.compliance.models import (
    Alert,
    AlertAction,
    Ledger,
    OfficeDay,
    PresenceCount,
    ReminderLog,
)
from apoa.geocoding.models import GeocodeCache, GeocodeRun, Location
from apoa.lodgings.models import Lodging, LodgingKind, LodgingStatus
from apoa.maps.models import MapCell
from apoa.regions.models import Office, OfficeJurisdiction, Region, RegionSearchTerm
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
