"""What each compliance status is called (kinds of reporter: `apoa.accounts.labels`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from apoa.compliance.models import ComplianceStatus

STATUS_LABELS = {
    ComplianceStatus.NEVER_REPORTED.value: _l("Never reported"),
    ComplianceStatus.SILENT.value: _l("Silent"),
    ComplianceStatus.LATE.value: _l("Late"),
    ComplianceStatus.COMPLIANT.value: _l("Compliant"),
}
