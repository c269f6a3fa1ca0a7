"""Every model, imported in one place so the metadata is complete."""

from apoa.accounts.models import LoginThrottle, ReporterKind, Role, User
from apoa.audit.models import AuditEvent
from apoa.regions.models import Office, OfficeJurisdiction, Region

__all__ = [
    "AuditEvent",
    "LoginThrottle",
    "Office",
    "OfficeJurisdiction",
    "Region",
    "ReporterKind",
    "Role",
    "User",
]
