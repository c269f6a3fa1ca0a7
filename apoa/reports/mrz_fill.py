"""The check-in form's own buttons: add or remove a guest, fill a guest from the MRZ.

They work without JavaScript (a plain submit), so the form stays usable on any phone;
none of them makes a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import flash
from flask_babel import gettext as _

from apoa.reports import codes, mrz
from apoa.reports.forms import (
    CheckInForm,
    GuestForm,
    nationality_choices,
)
from apoa.reports.limits import MAX_GUESTS_PER_REPORT
from apoa.reports.messages import PROBLEMS, mrz_error_message


def handle_buttons(form: CheckInForm, posted: Mapping[str, Any], *, today: date) -> bool:
    """Act on an "add guest", "remove guest" or "fill from MRZ" press; False if none was pressed."""
    if "add_guest" in posted:
        if len(form.guests) >= MAX_GUESTS_PER_REPORT:
            form.form_errors.append(PROBLEMS["too_many_guests"])
            return True
        form.guests.append_entry()
        form.guests[-1].form.set_country_choices(nationality_choices())
    elif "remove_guest" in posted:
        if len(form.guests) > 1:
            form.guests.pop_entry()
    elif "fill_mrz" in posted:
        try:
            index = int(posted.get("fill_mrz") or 0)
        except ValueError:
            index = 0
        if 0 <= index < len(form.guests):
            fill_from_mrz(form.guests[index].form, index, today=today)
    else:
        return False
    return True


def read_mrz(text: str, *, today: date) -> tuple[dict[str, Any], list[str]]:
    """The guest fields an MRZ fills, or the messages saying what is wrong with it."""
    result = mrz.parse_td3(text or "", today=today)
    if result.errors:
        return {}, [mrz_error_message(e) for e in result.errors]
    return {
        "surname": result.surname,
        "given_names": result.given_names or "",
        "sex": result.sex,
        "birth_date": result.birth_date,
        "nationality": codes.canonical_nationality(result.nationality),
        "issuing_country": codes.canonical_nationality(result.issuing_country),
        "passport_number": result.passport_number,
        "passport_expiry": result.expiry_date,
    }, []


def fill_from_mrz(entry: GuestForm, index: int, *, today: date) -> None:
    """Fill one guest's passport fields from the MRZ they pasted, or show what is wrong."""
    filled, errors = read_mrz(entry.mrz.data or "", today=today)
    if errors:
        entry.mrz.errors = errors
        return
    for name, value in filled.items():
        entry[name].data = value
        entry[name].raw_data = None  # show the new value, not what was posted
    flash(
        _("Guest %(n)d filled from the MRZ: check the fields, then add the rest.", n=index + 1),
        "success",
    )
