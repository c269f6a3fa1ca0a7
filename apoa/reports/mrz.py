"""Read the machine-readable zone of a passport (ICAO Doc 9303 Part 4, TD3 format).

The parser reports every problem it finds instead of raising, so the form can say
which check digit failed. It does not judge whether codes are real nationalities:
the specimen's "UTO" (Utopia) must parse; `rules` checks the codes (R12).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from apoa.reports.codes import normalise_nationality

LINE_LENGTH = 44
FILLER = "<"
_ALLOWED = frozenset(string.ascii_uppercase + string.digits + FILLER)
_WEIGHTS = (7, 3, 1)
_DATE_CHARS = frozenset(string.digits + FILLER)

# Line 2 of TD3, as Python slices (ICAO 9303 Part 4, section 4.2.2).
_NUMBER = slice(0, 9)
_NUMBER_CHECK = 9
_NATIONALITY = slice(10, 13)
_BIRTH = slice(13, 19)
_BIRTH_CHECK = 19
_SEX = 20
_EXPIRY = slice(21, 27)
_EXPIRY_CHECK = 27
_PERSONAL = slice(28, 42)
_PERSONAL_CHECK = 42
_COMPOSITE_CHECK = 43
# The composite check digit covers number, birth date, expiry and personal number,
# each with its own check digit, but not nationality or sex.
_COMPOSITE_PARTS = (slice(0, 10), slice(13, 20), slice(21, 43))

# Expiry dates are taken within 50 years either side of today (ICAO gives no rule).
_EXPIRY_WINDOW_YEARS = 50

_SEXES = {"M": "M", "F": "F", FILLER: "X", "X": "X"}


@dataclass(frozen=True)
class MrzError:
    """One problem: the field it concerns, a message key, and the expected/found text."""

    field: str
    message_key: str
    expected: str | None = None
    found: str | None = None


@dataclass(frozen=True)
class MrzResult:
    """What a TD3 MRZ says; fields are empty when `errors` holds a format problem."""

    document_type: str = ""
    issuing_country: str = ""
    surname: str = ""
    given_names: str = ""
    passport_number: str = ""
    nationality: str = ""
    birth_date: date | None = None
    sex: str = ""
    expiry_date: date | None = None
    personal_number: str = ""
    errors: list[MrzError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the MRZ passed every check."""
        return not self.errors


def char_value(char: str) -> int:
    """Return the ICAO value of one MRZ character: digits as is, A-Z 10-35, filler 0."""
    if char in string.digits:
        return int(char)
    if char in string.ascii_uppercase:
        return ord(char) - ord("A") + 10
    if char == FILLER:
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(text: str) -> int:
    """Return the ICAO 9303 check digit of text (weights 7, 3, 1 repeating, modulo 10)."""
    total = sum(char_value(char) * _WEIGHTS[i % 3] for i, char in enumerate(text))
    return total % 10


def _upper_ascii(text: str) -> str:
    # str.upper() would turn "ß" into "SS" and shift every position after it.
    return "".join(c.upper() if "a" <= c <= "z" else c for c in text)


def _split_lines(text: str) -> tuple[list[str], list[MrzError]]:
    lines = [line.strip() for line in _upper_ascii(text).splitlines() if line.strip()]
    if len(lines) == 1:
        parts = lines[0].split()
        if len(parts) == 2 and all(len(part) == LINE_LENGTH for part in parts):
            return parts, []  # both lines on one row, separated by spaces
        if len(lines[0]) == 2 * LINE_LENGTH:
            return [lines[0][:LINE_LENGTH], lines[0][LINE_LENGTH:]], []
        if len(lines[0]) != LINE_LENGTH:
            return lines, [
                MrzError("format", "line_length", str(2 * LINE_LENGTH), str(len(lines[0])))
            ]
    if len(lines) != 2:
        return lines, [MrzError("format", "line_count", "2", str(len(lines)))]
    errors = [
        MrzError("format", "line_length", str(LINE_LENGTH), str(len(line)))
        for line in lines
        if len(line) != LINE_LENGTH
    ]
    return lines, errors


def _bad_characters(lines: list[str]) -> list[MrzError]:
    bad: list[str] = []
    for char in "".join(lines):
        if char not in _ALLOWED and char not in bad:
            bad.append(char)
    return [MrzError("format", "bad_character", None, char) for char in bad]


def _check(name: str, value: str, digit: str, *, filler_allowed: bool = False) -> MrzError | None:
    # ICAO 9303 Part 3, 4.9: an all-filler optional field may carry "<" as its check digit.
    if filler_allowed and digit == FILLER and set(value) == {FILLER}:
        return None
    expected = str(check_digit(value))
    return None if digit == expected else MrzError(name, "check_digit", expected, digit)


def _birth_date(text: str, today: date) -> date:
    # Two-digit years: the latest century that does not put the birth after today.
    year = today.year // 100 * 100 + int(text[:2])
    month, day = int(text[2:4]), int(text[4:6])
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return date(year, month, day)


def _expiry_date(text: str, today: date) -> date:
    year = today.year // 100 * 100 + int(text[:2])
    month, day = int(text[2:4]), int(text[4:6])
    moment = (year, month, day)
    if moment > (today.year + _EXPIRY_WINDOW_YEARS, today.month, today.day):
        year -= 100
    elif moment <= (today.year - _EXPIRY_WINDOW_YEARS, today.month, today.day):
        year += 100
    return date(year, month, day)


def _read_date(
    name: str, text: str, today: date, resolve: Callable[[str, date], date]
) -> tuple[date | None, MrzError | None]:
    if text.isdigit():
        try:
            return resolve(text, today), None
        except ValueError:  # month 13, 30 February and the like
            pass
    return None, MrzError(name, "bad_date", None, text)


def _names(name_field: str) -> tuple[str, str]:
    surname, _, given = name_field.partition(FILLER * 2)
    return " ".join(surname.split(FILLER)).strip(), " ".join(given.replace(FILLER, " ").split())


def parse_td3(text: str, *, today: date) -> MrzResult:
    """Parse a two-line passport MRZ and verify all five check digits (ICAO 9303 Part 4)."""
    lines, errors = _split_lines(text)
    errors += _bad_characters(lines)
    if errors:
        return MrzResult(errors=errors)
    line1, line2 = lines
    if not line1.startswith("P"):
        return MrzResult(errors=[MrzError("format", "not_a_passport", "P", line1[:2])])

    checks = (
        _check("passport_number", line2[_NUMBER], line2[_NUMBER_CHECK]),
        _check("birth_date", line2[_BIRTH], line2[_BIRTH_CHECK]),
        _check("expiry_date", line2[_EXPIRY], line2[_EXPIRY_CHECK]),
        _check(
            "personal_number",
            line2[_PERSONAL],
            line2[_PERSONAL_CHECK],
            filler_allowed=True,
        ),
        _check(
            "composite",
            "".join(line2[part] for part in _COMPOSITE_PARTS),
            line2[_COMPOSITE_CHECK],
        ),
    )
    errors += [error for error in checks if error is not None]

    surname, given_names = _names(line1[5:])
    if not surname:
        errors.append(MrzError("format", "missing_name"))
    sex = _SEXES.get(line2[_SEX], "")
    if not sex:
        errors.append(MrzError("sex", "bad_sex", "M, F or <", line2[_SEX]))
    birth_date: date | None = None
    birth_problem: MrzError | None = None
    birth_text = line2[_BIRTH]
    # Unknown day or month is written as "<<" (domain.md section 3): no date, no error.
    if not (FILLER in birth_text and set(birth_text) <= _DATE_CHARS):
        birth_date, birth_problem = _read_date("birth_date", birth_text, today, _birth_date)
    expiry_date, expiry_problem = _read_date("expiry_date", line2[_EXPIRY], today, _expiry_date)
    errors += [problem for problem in (birth_problem, expiry_problem) if problem is not None]

    return MrzResult(
        document_type=line1[:2].rstrip(FILLER),
        issuing_country=normalise_nationality(line1[2:5]),
        surname=surname,
        given_names=given_names,
        passport_number=line2[_NUMBER].replace(FILLER, ""),
        nationality=normalise_nationality(line2[_NATIONALITY]),
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
        personal_number=line2[_PERSONAL].rstrip(FILLER),
        errors=errors,
    )


_FIELD_LABELS = {
    "passport_number": "passport number",
    "birth_date": "date of birth",
    "expiry_date": "expiry date",
    "personal_number": "personal number",
    "composite": "second line as a whole (composite)",
}


def describe(error: MrzError) -> str:
    """Return a plain-English sentence for an MRZ error, for tests and logs."""
    label = _FIELD_LABELS.get(error.field, error.field)
    key, expected, found = error.message_key, error.expected, error.found
    if key == "check_digit":
        return f"The check digit of the {label} is {found} but should be {expected}."
    if key == "line_length":
        return f"An MRZ line has {found} characters but should have {expected}."
    if key == "line_count":
        return f"The MRZ has {found} lines but should have {expected}."
    if key == "bad_character":
        return f"The MRZ contains {found!r}; only A-Z, 0-9 and < are allowed."
    if key == "not_a_passport":
        return f"The document code is {found!r}; a passport's starts with {expected}."
    if key == "bad_date":
        return f"The {label} {found} is not a valid date (YYMMDD)."
    if key == "bad_sex":
        return f"The sex is {found!r} but should be one of {expected}."
    if key == "missing_name":
        return "The MRZ holds no name."
    return f"MRZ problem in {label}: {key}."
