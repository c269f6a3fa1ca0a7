"""Form pieces shared by every domain: validators with translated messages.

WTForms ships no Indonesian messages, so every validator here carries its own
message from our catalogue.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import validators


class Form(FlaskForm):
    """Base form: WTForms' own messages ("Not a valid integer") come from our catalogue."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return _Translations()


def error_list(form: Any) -> list[dict[str, str]]:
    """Every field error of a form, subforms included, in the page's order.

    Each has the field's name and id (a link target), its label ("Guest 2: Surname"
    for a guest's field) and the message: the GOV.UK error summary at the top of a
    form, and the answer a phone's outbox reads (reports/outbox.py).
    """
    return [
        {"field": field.name, "id": field.id, "label": prefix + _label(field), "message": str(m)}
        for field, prefix in _leaf_fields(form)
        for m in field.errors
    ]


def _label(field: Any) -> str:
    return str(field.label.text) if field.label else str(field.name)


def _leaf_fields(form: Any, prefix: str = "") -> Any:
    for field in form:
        if field.type == "FieldList":
            for index, entry in enumerate(field.entries):
                sub = entry.form if hasattr(entry, "form") else None
                if sub is None:
                    yield entry, prefix
                    continue
                yield from _leaf_fields(sub, prefix + str(_l("Guest %(n)d", n=index + 1)) + ": ")
        elif field.type == "FormField":
            yield from _leaf_fields(field.form, prefix)
        else:
            yield field, prefix


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons."""


def required() -> validators.InputRequired:
    return validators.InputRequired(message=_l("This field is required."))


def optional() -> validators.Optional:
    return validators.Optional()


def length(max: int, min: int = -1) -> validators.Length:
    if min > 0:
        message = _l("Enter between %(min)d and %(max)d characters.", min=min, max=max)
    else:
        message = _l("Enter at most %(max)d characters.", max=max)
    return validators.Length(min=min, max=max, message=message)


def email() -> validators.Email:
    return validators.Email(message=_l("Enter a valid email address."), check_deliverability=False)


def number_range(min: int | None = None, max: int | None = None) -> validators.NumberRange:
    return validators.NumberRange(
        min=min, max=max, message=_l("Enter a number from %(min)s to %(max)s.", min=min, max=max)
    )


def regexp(pattern: str, message: Any) -> validators.Regexp:
    return validators.Regexp(pattern, message=message)


def equal_to(field: str, message: Any) -> validators.EqualTo:
    return validators.EqualTo(field, message=message)


class _Translations:
    _MESSAGES = {
        "Not a valid integer value.": _l("Enter a whole number."),
        "Not a valid choice.": _l("Choose one of the options."),
        "Not a valid date value.": _l("Enter a valid date."),
        "Not a valid datetime value.": _l("Enter a valid date and time."),
        "Not a valid decimal value.": _l("Enter a number."),
        "Not a valid float value.": _l("Enter a number."),
        "Invalid Choice: could not coerce.": _l("Choose one of the options."),
    }

    def gettext(self, string: str) -> str:
        return str(self._MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)
