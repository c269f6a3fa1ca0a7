"""What the audit log calls each action, outcome and object (issue 12, point 4).

The trail stores stable English keys ("login.success", "denied"); people read these
labels, and the admin log keeps the key beside them for searching and for support.
A key without a label (a new action) is shown as itself.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "login.success": _l("Signed in"),
    "login.failure": _l("Sign-in failed"),
    "login.refused": _l("Sign-in refused"),
    "login.lockout": _l("Locked after failed sign-ins"),
    "logout": _l("Signed out"),
    "password.change": _l("Password changed"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "account.deactivate": _l("Account deactivated"),
    "account.reactivate": _l("Account reactivated"),
    "account.unlock": _l("Account unlocked"),
    "account.reset_password": _l("Password reset"),
    "account.terminate_sessions": _l("Sessions ended"),
    "account.import": _l("Accounts imported"),
    "office.create": _l("Office created"),
    "office.update": _l("Office changed"),
    "office.deactivate": _l("Office closed"),
    "office.reactivate": _l("Office reopened"),
    "cadence.update": _l("Reporting cadences changed"),
    "lodging.register": _l("Lodging registered"),
    "lodging.verify": _l("Lodging verified"),
    "lodging.reject": _l("Lodging rejected"),
    "location.fix": _l("Location corrected"),
    "stay.check_in": _l("Arrival reported"),
    "stay.amend": _l("Report corrected"),
    "stay.cancel": _l("Report cancelled"),
    "stay.check_out": _l("Departure reported"),
    "nil_report.file": _l("Nil report filed"),
    "stay.list": _l("Stays listed"),
    "stay.search": _l("Stays searched"),
    "stay.view": _l("Stay viewed"),
    "person.view": _l("Guest viewed"),
    "receipt.view": _l("Receipt viewed"),
    "receipt.pdf": _l("Receipt downloaded (PDF)"),
    "map.place_view": _l("Place on the map viewed"),
    "compliance.export": _l("Compliance list exported"),
    "compliance.reporter_view": _l("Reporter's history viewed"),
    "alert.list": _l("Alerts listed"),
    "alert.view": _l("Alert viewed"),
    "alert.acknowledge": _l("Alert acknowledged"),
    "alert.resolve": _l("Alert resolved"),
    "alert.reopen": _l("Alert reopened"),
    "reminders.send": _l("Reminders sent"),
    "authz.denied": _l("Access denied"),
}

OUTCOME_LABELS = {
    "success": _l("Succeeded"),
    "failure": _l("Failed"),
    "denied": _l("Not allowed"),
    "refused": _l("Refused"),
    "locked": _l("Locked"),
}

OBJECT_LABELS = {
    "user": _l("Account"),
    "office": _l("Office"),
    "cadence": _l("Reporting cadence"),
    "lodging": _l("Lodging"),
    "location": _l("Location"),
    "stay": _l("Stay"),
    "person": _l("Guest"),
    "receipt": _l("Receipt"),
    "alert": _l("Alert"),
    "reminders": _l("Reminders"),
}


def action_choices() -> list[tuple[str, str]]:
    """Return (key, label) for the log's action filter, by label in the current language."""
    choices = [(key, str(label)) for key, label in ACTION_LABELS.items()]
    return sorted(choices, key=lambda choice: choice[1].casefold())
