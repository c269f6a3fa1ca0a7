"""Admin console forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from apoa.accounts.labels import KIND_LABELS, ROLE_LABELS
from apoa.accounts.models import User
from apoa.forms import Form, email, length, number_range, optional, regexp, required
from apoa.regions.models import Office

ROLE_CHOICES = [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]
KIND_CHOICES = [
    SelectChoice("", _l("— not a reporter —")),
    *(SelectChoice(kind, label) for kind, label in KIND_LABELS.items()),
]
LOCALE_CHOICES = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[call-overload]


class AccountForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            required(),
            length(min=User.USERNAME_MIN, max=User.USERNAME_MAX),
            regexp(
                r"^[A-Za-z0-9._-]+$", _l("Use letters, digits, dots, dashes and underscores only.")
            ),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[required(), length(max=User.NAME_MAX)])
    email = StringField(_l("Email"), validators=[optional(), length(max=254), email()])
    phone = StringField(
        _l("Phone"),
        validators=[
            optional(),
            regexp(r"^\+?[0-9 -]{6,20}$", _l("Enter a phone number, e.g. +62 812 3456 7890.")),
        ],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[required()])
    reporter_kind = SelectField(
        _l("Kind of reporter"), choices=KIND_CHOICES, validators=[optional()]
    )
    office_id = SelectField(_l("Immigration office"), coerce=_int_or_none, validators=[optional()])
    area_code = StringField(
        _l("Village code (kelurahan/desa)"),
        validators=[optional(), regexp(r"^\d{10}$", _l("Enter the 10-digit village code."))],
        description=_l("For RT/RW officials and lurah: type a name to search."),
    )
    rw = IntegerField(_l("RW"), validators=[optional(), number_range(1, 999)])
    rt = IntegerField(_l("RT"), validators=[optional(), number_range(1, 999)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, default="id")
    submit = SubmitField(_l("Save"))

    def set_office_choices(self, offices: list[Office]) -> None:
        self.office_id.choices = [SelectChoice("", _l("— none —"))] + [
            SelectChoice(o.id, o.name) for o in offices
        ]


class ImportForm(Form):
    file = FileField(_l("CSV file"))
    csv_text = TextAreaField(
        _l("…or paste the CSV here"), validators=[optional(), length(max=500_000)]
    )
    dry_run = BooleanField(_l("Check only (dry run)"), default=True)
    submit = SubmitField(_l("Check"))


class OfficeForm(Form):
    code = StringField(
        _l("Short code"),
        validators=[
            required(),
            length(min=2, max=40),
            regexp(r"^[a-z0-9-]+$", _l("Use lower-case letters, digits and dashes.")),
        ],
    )
    name = StringField(_l("Name"), validators=[required(), length(max=Office.NAME_MAX)])
    office_class = StringField(
        _l("Class (e.g. TPI Kelas I)"), validators=[optional(), length(max=40)]
    )
    address = StringField(_l("Address"), validators=[optional(), length(max=255)])
    email = StringField(_l("Email"), validators=[optional(), length(max=254), email()])
    jurisdiction = TextAreaField(
        _l("Jurisdiction"),
        validators=[optional(), length(max=5000)],
        description=_l(
            "Regency or district codes, separated by commas or new lines, e.g. 5171, 510301."
        ),
    )
    submit = SubmitField(_l("Save"))


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[optional(), length(max=60)])
    actor = StringField(_l("User"), validators=[optional(), length(max=40)])
