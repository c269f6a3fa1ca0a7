"""Report forms: a check-in with one or more guests, amendments, check-out, nil reports.

Guests are a FieldList, so a family of three posts guests-0-…, guests-1-…,
guests-2-…; adding or removing a guest is a plain submit button, so the form
works without JavaScript on any phone.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice

from apoa.forms import Form, length, optional, required
from apoa.lodgings.forms import AddressFields
from apoa.lodgings.models import Lodging
from apoa.regions.timezones import timezone_for_region
from apoa.reports import codes, rules
from apoa.reports.limits import MAX_GUESTS_PER_REPORT
from apoa.reports.messages import PROBLEMS
from apoa.reports.models import Person, Stay
from apoa.reports.periods import Period
from apoa.reports.places import AddressChoice, LocalTime, LodgingChoice, PlaceChoice

ADDRESS_FIELDS = ("street", "region_code", "rt", "rw", "postal_code", "lat", "lon", "accuracy")

SEX_LABELS = {"M": _l("Male"), "F": _l("Female"), "X": _l("Unspecified")}
PERMIT_LABELS = {
    "visa_free": _l("Visa-free visit"),
    "voa": _l("Visa on arrival (VoA)"),
    "visit_visa": _l("Visit visa"),
    "itk": _l("ITK (visit stay permit)"),
    "itas": _l("ITAS / KITAS (limited stay permit)"),
    "itap": _l("ITAP / KITAP (permanent stay permit)"),
    "diplomatic": _l("Diplomatic or service"),
    "other": _l("Other"),
}
PURPOSE_LABELS = {
    "tourism": _l("Tourism"),
    "business": _l("Business"),
    "work": _l("Work"),
    "study": _l("Study"),
    "family": _l("Family visit"),
    "research": _l("Research"),
    "medical": _l("Medical treatment"),
    "transit": _l("Transit"),
    "official": _l("Official duty"),
    "other": _l("Other"),
}


def _choices(labels: dict[str, Any], blank: Any = None) -> list[SelectChoice]:
    items = [SelectChoice(code, label) for code, label in labels.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


def nationality_choices() -> list[SelectChoice]:
    """Return foreign nationalities by name in the user's language (no IDN; Germany once, as D)."""
    return [SelectChoice("", _l("— choose —")), *_named_nationalities(str(get_locale() or "id"))]


@functools.cache  # the same few hundred choices for every form in one language
def _named_nationalities(locale: str) -> tuple[SelectChoice, ...]:
    return tuple(
        SelectChoice(code, f"{name} ({code})") for code, name in codes.nationality_choices(locale)
    )


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class GuestForm(Form):
    """One guest; a subform without its own CSRF token."""

    class Meta:
        csrf = False

    mrz = TextAreaField(
        _l("Passport MRZ (the two lines at the bottom of the photo page)"),
        validators=[optional(), length(max=200)],
        description=_l("Paste or type both lines, then tap “Fill from MRZ”."),
    )
    surname = StringField(_l("Surname"), validators=[optional(), length(max=Person.NAME_MAX)])
    given_names = StringField(
        _l("Given names"), validators=[optional(), length(max=Person.NAME_MAX)]
    )
    sex = SelectField(
        _l("Sex"), choices=_choices(SEX_LABELS, _l("— choose —")), validators=[optional()]
    )
    birth_date = DateField(_l("Date of birth"), validators=[optional()])
    birth_place = StringField(_l("Place of birth"), validators=[optional(), length(max=80)])
    nationality = SelectField(_l("Nationality"), validators=[optional()])
    passport_number = StringField(
        _l("Passport number"), validators=[optional(), length(max=20)], filters=[_upper]
    )
    issuing_country = SelectField(_l("Issuing country"), validators=[optional()])
    passport_expiry = DateField(_l("Passport valid until"), validators=[optional()])
    permit_type = SelectField(
        _l("Stay permit"),
        choices=_choices(PERMIT_LABELS, _l("— choose —")),
        validators=[optional()],
    )
    permit_number = StringField(
        _l("Permit or visa number"), validators=[optional(), length(max=30)], filters=[_upper]
    )
    permit_expiry = DateField(_l("Permit valid until"), validators=[optional()])
    purpose = SelectField(
        _l("Purpose of visit"),
        choices=_choices(PURPOSE_LABELS, _l("— choose —")),
        validators=[optional()],
    )
    phone = StringField(_l("Phone (optional)"), validators=[optional(), length(max=20)])

    def set_country_choices(self, choices: list[SelectChoice]) -> None:
        self.nationality.choices = choices
        self.issuing_country.choices = choices

    def data_for_rules(self) -> dict[str, Any]:
        return {name: self[name].data for name in (*rules.GUEST_FIELDS, "mrz")}


class StayFields(Form):
    room = StringField(_l("Room or unit"), validators=[optional(), length(max=Stay.ROOM_MAX)])
    check_in_date = DateField(_l("Arrival date"), validators=[required()])
    check_in_time = TimeField(_l("Arrival time"), validators=[required()])
    expected_check_out = DateField(_l("Expected departure date"), validators=[required()])

    def stay_data(self) -> dict[str, Any]:
        """The stay as the services take it: the arrival in the place's own time."""
        return {
            "room": self.room.data,
            "check_in_at": LocalTime(self.check_in_date.data, self.check_in_time.data),
            "expected_check_out": self.expected_check_out.data,
        }

    def show_arrival(self, local: datetime) -> None:
        self.check_in_date.data = local.date()
        self.check_in_time.data = local.time().replace(second=0, microsecond=0)


_GUEST_KEY = re.compile(r"guests-(\d+)-")


class CheckInForm(StayFields, AddressFields):
    """Lodging operators choose a lodging; RT/RW officials and lurah give an address."""

    submission_key = HiddenField()
    lodging_id = SelectField(_l("Lodging"), coerce=int, validators=[optional()])
    head = IntegerField(_l("Head of the family or group"), default=0, validators=[optional()])
    guests = FieldList(FormField(GuestForm), min_entries=1, max_entries=MAX_GUESTS_PER_REPORT)

    def process(self, formdata: Any = None, *args: Any, **kwargs: Any) -> None:
        super().process(formdata, *args, **kwargs)
        # FieldList drops the entries past max_entries without a word: count what came.
        sent = self.meta.wrap_formdata(self, formdata)
        self.guests_sent = len(
            {match.group(1) for key in (sent or ()) if (match := _GUEST_KEY.match(key))}
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.guests_sent > MAX_GUESTS_PER_REPORT:
            self.form_errors.append(PROBLEMS["too_many_guests"])
            return False
        return valid

    def prepare(self, lodgings: list[Lodging] | None) -> None:
        """Fit the form to the reporter: a lodging to choose, or an address to give."""
        choices = nationality_choices()
        for entry in self.guests:
            entry.form.set_country_choices(choices)
        if lodgings is not None:
            self.lodging_id.choices = [(lodging.id, lodging.name) for lodging in lodgings]
            for name in ADDRESS_FIELDS:
                delattr(self, name)
        else:
            del self.lodging_id

    def place_choice(self) -> PlaceChoice:
        """The place this report names: the chosen lodging, or the typed address and pin."""
        if "lodging_id" in self:
            return LodgingChoice(self.lodging_id.data)
        return AddressChoice(
            street=self.street.data,
            rt=self.rt.data,
            rw=self.rw.data,
            region_code=self.region_code.data,
            postal_code=self.postal_code.data or None,
            gps=self.gps(),
        )

    def guests_data(self) -> list[dict[str, Any]]:
        return [entry.form.data_for_rules() for entry in self.guests]

    def head_index(self) -> int:
        return self.head.data if self.head.data is not None else 0


class AmendForm(StayFields):
    submission_key = HiddenField()
    guest = FormField(GuestForm)
    reason = TextAreaField(_l("What was wrong?"), validators=[required(), length(max=500)])

    def show_stay(self, stay: Stay, reported: dict[str, Any]) -> None:
        """Start from this stay's own latest version, not from the shared person record."""
        for name in rules.GUEST_FIELDS:
            value = reported.get(name)
            if name in ("birth_date", "passport_expiry", "permit_expiry") and value:
                value = date.fromisoformat(value)
            self.guest.form[name].data = value
        self.room.data = stay.room
        self.show_arrival(
            stay.check_in_at.astimezone(timezone_for_region(stay.location.region_code))
        )
        self.expected_check_out.data = stay.expected_check_out


class CancelForm(Form):
    submission_key = HiddenField()
    reason = TextAreaField(
        _l("Why is this report cancelled?"), validators=[required(), length(max=500)]
    )


class CheckOutForm(Form):
    """The guests to check out come as repeated `stay_ids` checkboxes or buttons."""

    submission_key = HiddenField()
    checked_out_date = DateField(_l("Departure date"), validators=[required()])
    checked_out_time = TimeField(_l("Departure time"), validators=[required()])


class NilReportForm(Form):
    submission_key = HiddenField()
    lodging_id = SelectField(_l("Lodging"), coerce=int, validators=[optional()])
    period = SelectField(_l("Period"), validators=[required()])

    def offer(self, periods: list[Period], lodgings: list[Lodging] | None) -> None:
        """Offer the periods that may be declared, and the lodgings (None: an area reporter)."""
        self.period.choices = [
            (
                p.start.isoformat(),
                f"{format_date(p.start, 'medium')} – {format_date(p.end, 'medium')}",
            )
            for p in periods
        ]
        if lodgings is not None:
            self.lodging_id.choices = [(lodging.id, lodging.name) for lodging in lodgings]
        else:
            del self.lodging_id


class SearchForm(Form):
    q = StringField(_l("Name or passport number"), validators=[required(), length(min=2, max=50)])


class VerifyForm(Form):
    class Meta:
        csrf = False

    number = StringField(_l("Receipt number"), validators=[required(), length(max=40)])
