"""The user's-language messages for the keys that report rules and the MRZ parser return."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from apoa.reports.limits import MAX_GUESTS_PER_REPORT
from apoa.reports.mrz import MrzError

PROBLEMS: dict[str, Any] = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "text_chars": _l("Use letters, digits and ordinary punctuation only."),
    "name_chars": _l("Use letters, spaces, hyphens and apostrophes only."),
    "name_length": _l("Enter 1 to 50 characters."),
    "sex_invalid": _l("Choose male, female or unspecified."),
    "birth_future": _l("The date of birth must be in the past."),
    "birth_too_old": _l("The guest would be older than 120: check the date of birth."),
    "date_format": _l("Enter a valid date."),
    "datetime_format": _l("Enter a valid date and time."),
    "nationality_unknown": _l("Choose a nationality from the list."),
    "nationality_indonesian": _l("Indonesian citizens (WNI) are not reported here."),
    "issuing_country_unknown": _l("Choose the issuing country from the list."),
    "passport_format": _l("A passport number has 5 to 9 letters and digits."),
    "permit_type_invalid": _l("Choose the stay permit from the list."),
    "permit_number_format": _l("Enter the permit or visa number as printed."),
    "purpose_invalid": _l("Choose the purpose from the list."),
    "phone_format": _l("Enter a phone number, e.g. +62 812 3456 7890."),
    "check_in_future": _l("The arrival can be at most one day ahead."),
    "check_in_too_old": _l("The arrival is more than a year ago: check the date."),
    "check_out_before_check_in": _l("The departure cannot be before the arrival."),
    "check_out_too_far": _l(
        "The departure is more than five years after the arrival: check the date."
    ),
    "too_many_guests": _l(
        "One report holds at most %(count)d guests. Report the others in a second report.",
        count=MAX_GUESTS_PER_REPORT,
    ),
    "mrz_mismatch": _l("This does not match the passport MRZ."),
}

MRZ_FIELDS = {
    "passport_number": _l("passport number"),
    "birth_date": _l("date of birth"),
    "expiry_date": _l("expiry date"),
    "personal_number": _l("personal number"),
    "composite": _l("whole second line (composite)"),
}


def problem_message(key: str) -> Any:
    """Return the message for a rule's problem key (the key itself if unknown)."""
    return PROBLEMS.get(key, key)


def mrz_error_message(error: MrzError) -> Any:
    """Say what is wrong with a pasted MRZ, naming the field whose check digit failed."""
    if error.message_key == "check_digit":
        return _l(
            "The check digit of the %(field)s is %(found)s but should be %(expected)s.",
            field=MRZ_FIELDS.get(error.field, error.field),
            found=error.found,
            expected=error.expected,
        )
    messages = {
        "line_length": _l("Each MRZ line has 44 characters (found %(found)s).", found=error.found),
        "line_count": _l("Paste both MRZ lines."),
        "bad_character": _l(
            "The MRZ holds a character it cannot contain: %(found)s", found=error.found
        ),
        "bad_date": _l(
            "The %(field)s in the MRZ is not a date.",
            field=MRZ_FIELDS.get(error.field, error.field),
        ),
        "not_a_passport": _l("This is not a passport MRZ (it must start with P)."),
        "missing_name": _l("The MRZ holds no name."),
        "bad_sex": _l("The sex in the MRZ must be M, F or <."),
    }
    return messages.get(error.message_key, error.message_key)
