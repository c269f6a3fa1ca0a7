"""The compliance list's filter form: a GET form, every value checked against its choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from apoa.accounts.labels import KIND_LABELS
from apoa.compliance.labels import STATUS_LABELS
from apoa.compliance.queries import STATUS_ORDER
from apoa.compliance.settings import KINDS
from apoa.forms import Form
from apoa.regions.models import Region


def _all() -> SelectChoice:
    return SelectChoice("", _l("All"))


class ComplianceFilterForm(Form):
    """Status, kind, district and village; sort and direction ride along as hidden fields.

    A GET form (no CSRF token: it changes nothing); an unknown value fails its
    choice check and is then ignored, with the error shown beside the field.
    """

    class Meta(Form.Meta):
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[_all()] + [SelectChoice(s.value, STATUS_LABELS[s.value]) for s in STATUS_ORDER],
        default="",
    )
    kind = SelectField(
        _l("Kind"), choices=[_all()] + [SelectChoice(k, KIND_LABELS[k]) for k in KINDS], default=""
    )
    district = SelectField(_l("District"), choices=[_all()], default="")
    village = SelectField(_l("Village"), choices=[_all()], default="")
    sort = HiddenField()
    dir = HiddenField()

    def set_region_choices(self, districts: list[Region], villages: list[Region]) -> None:
        """Offer the office's districts, and the villages of the chosen district."""
        self.district.choices = [_all()] + [SelectChoice(r.code, r.name) for r in districts]
        self.village.choices = [_all()] + [SelectChoice(r.code, r.name) for r in villages]

    def value(self, name: str) -> str | None:
        """Return a field's value if it passed validation, else None."""
        field = self[name]
        return (field.data or None) if not field.errors else None
