"""What each role and kind of reporter is called: one table each, for forms, lists and pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from apoa.accounts.models import ReporterKind, Role

ROLE_LABELS = {
    Role.REPORTER.value: _l("Reporter"),
    Role.OFFICER.value: _l("Officer"),
    Role.ADMIN.value: _l("Admin"),
}
KIND_LABELS = {
    ReporterKind.LODGING.value: _l("Lodging operator"),
    ReporterKind.RT_RW.value: _l("RT/RW official"),
    ReporterKind.LURAH.value: _l("Lurah / village head"),
}
