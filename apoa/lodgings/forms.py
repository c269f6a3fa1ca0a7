"""The lodging registration form and the officer's decision form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from apoa.forms import Form, length, number_range, optional, regexp, required
from apoa.geocoding.models import Location
from apoa.geocoding.services import GpsFix
from apoa.lodgings.models import Lodging

KIND_CHOICES = [
    SelectChoice("hotel", _l("Hotel")),
    SelectChoice("guesthouse", _l("Guesthouse / losmen")),
    SelectChoice("villa", _l("Villa")),
    SelectChoice("kos", _l("Kos (boarding house)")),
    SelectChoice("apartment", _l("Apartment")),
    SelectChoice("private_home", _l("Private home")),
]


class AddressFields(Form):
    """Street, RT/RW, village (region picker) and an optional pin."""

    street = StringField(
        _l("Street and number"),
        validators=[required(), length(max=Location.STREET_MAX)],
        description=_l("For example: Jl. Legian No. 10"),
    )
    region_code = StringField(
        _l("Village (kelurahan/desa) code"),
        validators=[required(), regexp(r"^\d{10}$", _l("Choose the village from the list."))],
    )
    rt = IntegerField(_l("RT"), validators=[optional(), number_range(1, 999)])
    rw = IntegerField(_l("RW"), validators=[optional(), number_range(1, 999)])
    postal_code = StringField(
        _l("Postal code"),
        validators=[optional(), regexp(r"^\d{5}$", _l("Enter the 5-digit postal code."))],
    )
    lat = FloatField(validators=[optional(), number_range(-90, 90)])
    lon = FloatField(validators=[optional(), number_range(-180, 180)])
    accuracy = IntegerField(validators=[optional(), number_range(0, 100000)])

    def gps(self) -> GpsFix | None:
        """Return the pin posted with the address, if the user set one."""
        if self.lat.data is None or self.lon.data is None:
            return None
        return GpsFix(lat=self.lat.data, lon=self.lon.data, accuracy_m=self.accuracy.data)


class LodgingForm(AddressFields):
    name = StringField(
        _l("Name of the lodging"), validators=[required(), length(max=Lodging.NAME_MAX)]
    )
    kind = SelectField(_l("Type"), choices=KIND_CHOICES, validators=[required()])
    nib = StringField(
        _l("Business licence number (NIB)"),
        validators=[optional(), regexp(r"^\d{13}$", _l("The NIB has 13 digits."))],
        description=_l("Private homes may leave this empty."),
    )


class DecisionForm(Form):
    reason = TextAreaField(
        _l("Reason (required when rejecting)"),
        validators=[optional(), length(max=Lodging.REASON_MAX)],
    )
