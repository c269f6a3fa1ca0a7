"""Geocoding forms: an officer's pin that fixes a location."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, IntegerField

from apoa.forms import Form, number_range, optional, required


class PinForm(Form):
    lat = FloatField(_l("Latitude"), validators=[required(), number_range(-90, 90)])
    lon = FloatField(_l("Longitude"), validators=[required(), number_range(-180, 180)])
    accuracy = IntegerField(validators=[optional(), number_range(0, 100000)])
