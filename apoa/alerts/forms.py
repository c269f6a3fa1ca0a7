"""The officers' note on an alert: one form per action, told apart by a prefix."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from apoa.alerts.models import Alert
from apoa.forms import Form, length, required


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AlertNoteForm(Form):
    """A note for acknowledging, resolving or reopening an alert.

    Build it with `prefix=<action>` so the three forms of one page keep their
    own field ids and errors ("acknowledge-note", "resolve-note", ...).
    """

    note = TextAreaField(
        _l("Note"),
        validators=[required(), length(max=Alert.NOTE_MAX)],
        filters=[_strip],
        description=_l("At most 500 characters."),
    )
