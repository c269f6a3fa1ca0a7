"""Pure validation rules for reports (security.md R12, domain.md sections 3 and 5).

Every rule takes the values and an explicit `today`/`now`; none reads the clock, the
app or the database (house-style.md section 3). Rules return short message keys; the
app translates them (apoa.reports.messages).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from apoa.reports import codes
from apoa.reports.mrz import MrzResult

PASSPORT_NUMBER_RE = re.compile(r"[A-Z0-9]{5,9}")
PHONE_RE = re.compile(r"\+?[0-9 ()-]{6,20}")
# Permit and visa numbers differ by type and year ("2C11JD1234-A", "E12345678"); keep it loose.
PERMIT_NUMBER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,29}")

# Lengths match the columns (Person, Stay), so a valid value always fits (R22: no 500s).
NAME_MAX = 50
BIRTH_PLACE_MAX = 80
ROOM_MAX = 20
PHONE_MAX = 20  # the pattern alone would allow "+" and 20 more
MAX_AGE_YEARS = 120
MINOR_BELOW_YEARS = 18
# A check-in may be reported up to a day ahead (arrival tonight, reported this morning).
CHECK_IN_AHEAD = timedelta(days=1)
# Older than a year is a typing mistake in the year, not a late report.
CHECK_IN_MAX_AGE = timedelta(days=365)
DEFAULT_DEADLINE_HOURS = 24  # APOA "wajib lapor 1x24 jam" (rule C1)

# Apostrophes as typed on phones: ASCII and the typographic right quote (U+2019).
_NAME_PUNCTUATION = frozenset(" -'\u2019")
_PASSPORT_DROP = str.maketrans("", "", "<-")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Every field of a guest, in the order forms show them (R12; domain.md, section 3).
GUEST_FIELDS = (
    "surname",
    "given_names",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "passport_number",
    "issuing_country",
    "passport_expiry",
    "permit_type",
    "permit_number",
    "permit_expiry",
    "purpose",
    "phone",
)
# What belongs to the stay (this visit's permit and purpose); the rest describes the person.
STAY_FIELDS = ("permit_type", "permit_number", "permit_expiry", "purpose")
PERSON_FIELDS = tuple(field for field in GUEST_FIELDS if field not in STAY_FIELDS)
REQUIRED_GUEST_FIELDS = (
    "surname",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "passport_number",
    "passport_expiry",
    "permit_type",
    "purpose",
)


class FieldProblem(NamedTuple):
    """A rule failure: the data key it concerns and a message key."""

    field: str
    key: str


# ---------------------------------------------------------------- single values


def normalise_passport_number(text: str) -> str:
    """Return the passport number upper-cased without spaces, "<" or "-" (R12)."""
    # ASCII-only upper case: dotless i (U+0131) upper-cases to "I" and would then pass.
    return "".join(text.split()).translate(_PASSPORT_DROP).translate(_ASCII_UPPER)


def passport_number_problem(text: str) -> str | None:
    """Return "passport_format" unless the normalised number is 5-9 letters or digits."""
    if PASSPORT_NUMBER_RE.fullmatch(normalise_passport_number(text)):
        return None
    return "passport_format"


def name_problem(text: str) -> str | None:
    """Return why a surname or given names are unacceptable, or None."""
    # NFC first so "Nguyễn" counts six characters however the keyboard composed it.
    name = unicodedata.normalize("NFC", text.strip())
    if not 1 <= len(name) <= NAME_MAX:
        return "name_length"
    for char in name:
        if char.isalpha() or char in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(char).startswith("M"):  # combining accents left after NFC
            continue
        return "name_chars"
    if not any(char.isalpha() for char in name):
        return "name_chars"
    return None


def age_on(birth: date, on: date) -> int:
    """Return the age in whole years on a day (a 29 February birthday counts from 1 March)."""
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - int(before_birthday)


def birth_date_problem(birth: date, *, today: date) -> str | None:
    """Return "birth_future" or "birth_too_old" (age above 120), or None (R12)."""
    if birth > today:
        return "birth_future"
    if age_on(birth, today) > MAX_AGE_YEARS:
        return "birth_too_old"
    return None


def is_minor(birth: date, *, on: date) -> bool:
    """Return whether the person is under 18 on that day (children's data, UU PDP Pasal 4)."""
    return age_on(birth, on) < MINOR_BELOW_YEARS


def check_in_problem(check_in: datetime, *, now: datetime) -> str | None:
    """Return "check_in_future" beyond a day ahead or "check_in_too_old" beyond a year ago."""
    if check_in > now + CHECK_IN_AHEAD:
        return "check_in_future"
    if check_in < now - CHECK_IN_MAX_AGE:
        return "check_in_too_old"
    return None


# An ITAP, the longest stay permit, runs five years: no stay is expected to last longer.
MAX_STAY_DAYS = 5 * 366


def check_out_problem(check_in_date: date, expected_check_out: date) -> str | None:
    """Return why the expected departure cannot be right (same day as the arrival is fine)."""
    if expected_check_out < check_in_date:
        return "check_out_before_check_in"
    if (expected_check_out - check_in_date).days > MAX_STAY_DAYS:
        return "check_out_too_far"
    return None


def stay_warnings(
    *,
    passport_expiry: date | None,
    permit_expiry: date | None,
    expected_check_out: date,
    check_in_date: date,
) -> list[str]:
    """Return warning keys that flag a stay for the officer without refusing it (rule C5)."""
    warnings: list[str] = []
    # A document is valid through its expiry date, so expiring on the day itself is fine.
    if passport_expiry is not None:
        if passport_expiry < check_in_date:
            warnings.append("passport_expired")
        elif passport_expiry < expected_check_out:
            warnings.append("passport_expires_during_stay")
    if permit_expiry is not None and permit_expiry < expected_check_out:
        warnings.append("permit_ends_before_check_out")
    return warnings


# ---------------------------------------------------------------- overdue check-outs (rule C4)

DEFAULT_GRACE_HOURS = 24


def overdue_cutoff(now: datetime, zone: tzinfo, *, grace_hours: int = DEFAULT_GRACE_HOURS) -> date:
    """Return the last expected check-out date that is overdue at `now` (rule C4).

    A guest expected to leave on day D may stay until the end of D plus the grace;
    after that the missing check-out is overdue.
    """
    local = now.astimezone(zone) - timedelta(hours=grace_hours)
    # D is overdue when local_start(D + 1) + grace < now, i.e. D + 1 <= (now - grace).date()
    # with the equality only once midnight has passed, which a strict comparison gives.
    last = local.date() - timedelta(days=1)
    if local == local.replace(hour=0, minute=0, second=0, microsecond=0):  # midnight
        last -= timedelta(days=1)
    return last


def is_overdue_check_out(
    expected_check_out: date, now: datetime, zone: tzinfo, *, grace_hours: int = DEFAULT_GRACE_HOURS
) -> bool:
    """Return whether an open stay is past its expected check-out plus the grace (rule C4)."""
    return expected_check_out <= overdue_cutoff(now, zone, grace_hours=grace_hours)


def _nights(start: date, end: date | None) -> tuple[date, date]:
    # Half-open [start, end): leaving one lodging and arriving at another on the same day
    # is normal, not an overlap. A same-day stay still occupies its day.
    if end is None:
        return start, date.max
    return start, max(end, start + timedelta(days=1))


def stays_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Return whether two stays share a night (None = still open), for C6 and R13."""
    a_from, a_to = _nights(a_start, a_end)
    b_from, b_to = _nights(b_start, b_end)
    return a_from < b_to and b_from < a_to


def is_late(
    check_in_at: datetime, reported_at: datetime, *, deadline_hours: int = DEFAULT_DEADLINE_HOURS
) -> bool:
    """Return whether the report came later than the deadline after arrival (rule C1)."""
    return reported_at - check_in_at > timedelta(hours=deadline_hours)


# ---------------------------------------------------------------- whole records


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: Any) -> date | None:
    # Forms give dates, the JSON API ISO strings; anything else is a format problem.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_datetime(value: Any, like: datetime) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    # Naive and aware times cannot be compared; a missing offset is the sender's mistake.
    if (value.tzinfo is None) != (like.tzinfo is None):
        return None
    return value


def _free_text_problem(value: str, limit: int) -> str | None:
    if len(value.strip()) > limit:
        return "too_long"
    # Control characters (newlines included) would split log lines and CSV rows (R16, R25).
    if any(unicodedata.category(char) == "Cc" for char in value):
        return "text_chars"
    return None


def _text_or_empty(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _name_check(value: Any, today: date) -> str | None:
    return name_problem(value) if isinstance(value, str) else "name_chars"


def _sex_check(value: Any, today: date) -> str | None:
    return None if _text_or_empty(value).upper() in codes.SEXES else "sex_invalid"


def _birth_check(value: Any, today: date) -> str | None:
    birth = _as_date(value)
    return "date_format" if birth is None else birth_date_problem(birth, today=today)


def _date_check(value: Any, today: date) -> str | None:
    # An expired document is a warning for the officer (stay_warnings), not a refusal.
    return "date_format" if _as_date(value) is None else None


def _birth_place_check(value: Any, today: date) -> str | None:
    if not isinstance(value, str):
        return "text_chars"
    return _free_text_problem(value, BIRTH_PLACE_MAX)


def _nationality_check(value: Any, today: date) -> str | None:
    code = _text_or_empty(value)
    if not codes.is_nationality(code):
        return "nationality_unknown"
    return None if codes.is_foreign(code) else "nationality_indonesian"


def _issuing_country_check(value: Any, today: date) -> str | None:
    # Indonesia may issue travel documents to foreigners (stateless persons), so IDN is allowed.
    return None if codes.is_nationality(_text_or_empty(value)) else "issuing_country_unknown"


def _passport_check(value: Any, today: date) -> str | None:
    return passport_number_problem(_text_or_empty(value))


def _permit_type_check(value: Any, today: date) -> str | None:
    return None if _text_or_empty(value) in codes.PERMIT_TYPES else "permit_type_invalid"


def _permit_number_check(value: Any, today: date) -> str | None:
    return None if PERMIT_NUMBER_RE.fullmatch(_text_or_empty(value)) else "permit_number_format"


def _purpose_check(value: Any, today: date) -> str | None:
    return None if _text_or_empty(value) in codes.PURPOSES else "purpose_invalid"


def _phone_check(value: Any, today: date) -> str | None:
    phone = _text_or_empty(value)
    return None if len(phone) <= PHONE_MAX and PHONE_RE.fullmatch(phone) else "phone_format"


# Field -> check of a non-blank value, in form order.
_GUEST_CHECKS: dict[str, Callable[[Any, date], str | None]] = {
    "surname": _name_check,
    "given_names": _name_check,
    "sex": _sex_check,
    "birth_date": _birth_check,
    "birth_place": _birth_place_check,
    "nationality": _nationality_check,
    "passport_number": _passport_check,
    "issuing_country": _issuing_country_check,
    "passport_expiry": _date_check,
    "permit_type": _permit_type_check,
    "permit_number": _permit_number_check,
    "permit_expiry": _date_check,
    "purpose": _purpose_check,
    "phone": _phone_check,
}


def validate_guest(data: Mapping[str, Any], *, today: date, now: datetime) -> list[FieldProblem]:
    """Return every problem with one guest's fields, in form order (R12).

    `now` is not used yet; it keeps the call shape of the other validators.
    Values are checked as the service will store them: codes trimmed and upper-cased,
    the passport number normalised.
    """
    del now  # accepted for a uniform signature; no guest field depends on the time of day
    permit_type = data.get("permit_type")
    required = set(REQUIRED_GUEST_FIELDS)
    if isinstance(permit_type, str) and codes.permit_requires_number(permit_type.strip()):
        required.add("permit_number")

    problems: list[FieldProblem] = []
    for name, check in _GUEST_CHECKS.items():
        value = data.get(name)
        if _blank(value):
            if name in required:
                problems.append(FieldProblem(name, "required"))
            continue
        key = check(value, today)
        if key is not None:
            problems.append(FieldProblem(name, key))
    return problems


def validate_stay(data: Mapping[str, Any], *, now: datetime) -> list[FieldProblem]:
    """Return the problems with a stay's check-in time, expected check-out and room (R12).

    The check-in's calendar day is taken in its own time zone, so pass it in the
    lodging's local time (WIB/WITA/WIT) for the check-out comparison to be fair.
    """
    problems: list[FieldProblem] = []
    check_in: datetime | None = None
    raw_check_in = data.get("check_in_at")
    if _blank(raw_check_in):
        problems.append(FieldProblem("check_in_at", "required"))
    else:
        check_in = _as_datetime(raw_check_in, now)
        if check_in is None:
            problems.append(FieldProblem("check_in_at", "datetime_format"))
        elif (key := check_in_problem(check_in, now=now)) is not None:
            problems.append(FieldProblem("check_in_at", key))

    raw_check_out = data.get("expected_check_out")
    if _blank(raw_check_out):
        problems.append(FieldProblem("expected_check_out", "required"))
    else:
        check_out = _as_date(raw_check_out)
        if check_out is None:
            problems.append(FieldProblem("expected_check_out", "date_format"))
        elif (
            check_in is not None
            and (key := check_out_problem(check_in.date(), check_out)) is not None
        ):
            problems.append(FieldProblem("expected_check_out", key))

    room = data.get("room")
    if not _blank(room):
        key = _free_text_problem(room, ROOM_MAX) if isinstance(room, str) else "text_chars"
        if key is not None:
            problems.append(FieldProblem("room", key))
    return problems


# ---------------------------------------------------------------- MRZ against typed fields

# ICAO 9303 Part 3, section 6: how national characters are written in the MRZ. German
# style (Ä -> AE) and the plain form (Ä -> A) are both in use, so both are tried.
# ("ß" needs no entry: str.upper() already makes it "SS".)
_MRZ_SPECIAL = {"Æ": "AE", "Ø": "OE", "Œ": "OE", "Þ": "TH", "Ð": "D", "Ł": "L"}
_MRZ_GERMAN = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA"}


def _mrz_letters(text: str, extra: Mapping[str, str]) -> str:
    out: list[str] = []
    for char in text.upper():
        char = extra.get(char) or _MRZ_SPECIAL.get(char) or char
        for part in unicodedata.normalize("NFKD", char):
            if "A" <= part <= "Z":
                out.append(part)
    return "".join(out)


def _same_mrz_name(typed: str, in_mrz: str) -> bool:
    target = _mrz_letters(in_mrz, {})
    return target in {_mrz_letters(typed, {}), _mrz_letters(typed, _MRZ_GERMAN)}


def mrz_matches(mrz: MrzResult, guest: Mapping[str, Any]) -> list[FieldProblem]:
    """Return "mrz_mismatch" for each typed field that disagrees with the MRZ (R12).

    Blank typed fields and unknown MRZ values are skipped: "required" covers the first.
    Names are compared on their letters only, after ICAO transliteration.
    """
    number = _text_or_empty(guest.get("passport_number"))
    nationality = _text_or_empty(guest.get("nationality"))
    surname = _text_or_empty(guest.get("surname"))
    birth = _as_date(guest.get("birth_date"))
    problems: list[FieldProblem] = []
    if (
        number
        and mrz.passport_number
        and normalise_passport_number(number) != normalise_passport_number(mrz.passport_number)
    ):
        problems.append(FieldProblem("passport_number", "mrz_mismatch"))
    if nationality and mrz.nationality and not codes.same_nationality(nationality, mrz.nationality):
        problems.append(FieldProblem("nationality", "mrz_mismatch"))
    if birth is not None and mrz.birth_date is not None and birth != mrz.birth_date:
        problems.append(FieldProblem("birth_date", "mrz_mismatch"))
    if surname and mrz.surname and not _same_mrz_name(surname, mrz.surname):
        problems.append(FieldProblem("surname", "mrz_mismatch"))
    return problems
