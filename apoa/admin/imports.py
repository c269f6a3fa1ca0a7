"""Bulk import of accounts from CSV, all or nothing, with errors by row number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from apoa.accounts import services as accounts
from apoa.accounts.models import User
from apoa.admin.forms import AccountForm
from apoa.errors import FieldError, FieldErrors
from apoa.extensions import db
from apoa.regions.models import Office

COLUMNS = (
    "username",
    "full_name",
    "role",
    "reporter_kind",
    "office_code",
    "area_code",
    "rw",
    "rt",
    "email",
    "phone",
    "locale",
)
REQUIRED_COLUMNS = ("username", "full_name", "role")
# The account form and rules name fields; the file has columns: an error names the column
# the admin can fix ("office_id" is no column of the file; issue 12, point 4).
_COLUMN_OF_FIELD = {"office_id": "office_code"}
# Each account gets an argon2 hash (~0.1 s): keep one import inside a request's time.
MAX_ROWS = 200


@dataclass
class ImportRow:
    number: int  # the line in the file; the header is line 1
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)
    created: list[tuple[User, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not r.errors for r in self.rows)


def _read(text: str) -> tuple[list[str], list[dict[str, str]]]:
    text = text.lstrip("\ufeff")  # Excel's byte-order mark
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    return header, rows


def check_import(text: str) -> ImportResult:
    """Validate every row as the account form and the account rules would; write nothing."""
    header, raw_rows = _read(text)
    result = ImportResult(rows=[])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing:
        result.file_errors.append(str(_l("Missing columns: %(cols)s", cols=", ".join(missing))))
    if unknown:
        result.file_errors.append(str(_l("Unknown columns: %(cols)s", cols=", ".join(unknown))))
    if not raw_rows:
        result.file_errors.append(str(_l("The file has no rows.")))
    if len(raw_rows) > MAX_ROWS:
        result.file_errors.append(
            str(_l("At most %(n)d rows per file; split the file.", n=MAX_ROWS))
        )
    if result.file_errors:
        return result

    offices = {o.code: o for o in db.session.scalars(sa.select(Office))}
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_rows, start=2):
        row = ImportRow(number=number, data=raw)
        result.rows.append(row)
        office_code = raw.get("office_code", "")
        office = offices.get(office_code)
        if office_code and office is None:
            row.errors.append(
                str(_l("office_code: no office with the code %(code)s", code=office_code))
            )
        form = AccountForm(
            formdata=MultiDict({**raw, "office_id": office.id if office else ""}),
            meta={"csrf": False},
        )
        form.set_office_choices(list(offices.values()))
        if not raw.get("locale"):
            form.locale.data = "id"
        if not form.validate():
            for name, messages in form.errors.items():
                row.errors.extend(_row_error(name, m) for m in messages)
            continue
        name = accounts.normalise_username(raw["username"])
        if name in seen:
            row.errors.append(str(_l("username: the same as on line %(n)d", n=seen[name])))
            continue
        seen[name] = number
        row.data = _form_data(form)
        try:
            accounts.clean_account(dict(row.data), existing=None)
        except FieldErrors as errors:
            row.errors.extend(_rule_errors(errors.errors, unknown_office=bool(office_code)))
        except FieldError as error:
            row.errors.extend(_rule_errors([error], unknown_office=bool(office_code)))
    return result


def _row_error(field_name: str | None, message: object) -> str:
    """Return an error as "column: message", naming the CSV column, not the form's field."""
    if not field_name:
        return str(message)
    return f"{_COLUMN_OF_FIELD.get(field_name, field_name)}: {message}"


def _rule_errors(errors: list[FieldError], *, unknown_office: bool) -> list[str]:
    """Return the account rules' errors in the file's words."""
    shown = []
    for error in errors:
        message = error.message
        if error.field == "office_id":
            if unknown_office:  # "no office with the code …" already says it
                continue
            # The form's "Choose the officer's immigration office" names a list the file lacks.
            message = _l("an officer needs the code of their immigration office")
        shown.append(_row_error(error.field, message))
    return shown


def _form_data(form: AccountForm) -> dict[str, Any]:
    return {name: form[name].data or None for name in accounts.ACCOUNT_FIELDS}


def run_import(actor: User, text: str, *, now: datetime) -> ImportResult:
    """Create every account in the file, or none when any row has an error."""
    result = check_import(text)
    if not result.ok:
        return result
    for row in result.rows:
        result.created.append(accounts.create_account(actor, row.data, now=now))
    return result
