"""Passport MRZ (ICAO 9303 Part 4, TD3): check digits, parsing, errors (docs/security.md R12)."""

from __future__ import annotations

import dataclasses
import string
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apoa.reports.mrz import MrzError, char_value, check_digit, describe, parse_td3

TODAY = date(2026, 3, 15)
# The specimen passport of ICAO Doc 9303 Part 4, Appendix A (Utopia is fictional).
SPECIMEN_1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
SPECIMEN_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
SPECIMEN = f"{SPECIMEN_1}\n{SPECIMEN_2}"
# Positions of line 2 guarded by a check digit, and the check digits themselves.
CHECKED_POSITIONS = [*range(0, 10), *range(13, 20), *range(21, 44)]

# No deadline: the first example pays for imports and regex compilation.
quick = settings(max_examples=200, deadline=None)


def build_td3(
    *,
    surname: str = "ERIKSSON",
    given_names: str = "ANNA MARIA",
    issuer: str = "UTO",
    number: str = "L898902C3",
    nationality: str = "UTO",
    birth: str = "740812",
    sex: str = "F",
    expiry: str = "120415",
    personal: str = "ZE184226B",
    personal_check: str | None = None,
    document: str = "P<",
) -> tuple[str, str]:
    """Return both lines of a TD3 MRZ with correct check digits (unless told otherwise)."""
    name = surname.replace(" ", "<") + "<<" + given_names.replace(" ", "<")
    line1 = (document + issuer.ljust(3, "<") + name).ljust(44, "<")[:44]
    number9 = number.ljust(9, "<")
    personal14 = personal.ljust(14, "<")
    if personal_check is None:
        personal_check = str(check_digit(personal14))
    line2 = (
        number9
        + str(check_digit(number9))
        + nationality.ljust(3, "<")
        + birth
        + str(check_digit(birth))
        + sex
        + expiry
        + str(check_digit(expiry))
        + personal14
        + personal_check
    )
    line2 += str(check_digit(line2[0:10] + line2[13:20] + line2[21:43]))
    return line1, line2


def fields_with_errors(text: str) -> set[str]:
    return {error.field for error in parse_td3(text, today=TODAY).errors}


def replace_at(text: str, position: int, char: str) -> str:
    return text[:position] + char + text[position + 1 :]


# ---------------------------------------------------------------- check digits


def test_specimen_passport_number_check_digit_is_6():
    assert check_digit("L898902C3") == 6


@pytest.mark.parametrize(
    ("text", "digit"),
    [("740812", 2), ("120415", 9), ("ZE184226B<<<<<", 1), ("<<<<<<<<<", 0), ("", 0)],
)
def test_check_digit_known_values(text, digit):
    assert check_digit(text) == digit


def test_character_values():
    assert [char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]


@pytest.mark.parametrize("bad", ["a", " ", "-", "é", "Ä"])
def test_check_digit_refuses_other_characters(bad):
    with pytest.raises(ValueError, match="not an MRZ character"):
        check_digit("AB" + bad)


# ---------------------------------------------------------------- the specimen


def test_specimen_parses_without_errors():
    result = parse_td3(SPECIMEN, today=TODAY)
    assert result.errors == []
    assert result.ok
    assert result.document_type == "P"
    assert result.issuing_country == "UTO"
    assert result.surname == "ERIKSSON"
    assert result.given_names == "ANNA MARIA"
    assert result.passport_number == "L898902C3"
    assert result.nationality == "UTO"
    assert result.birth_date == date(1974, 8, 12)
    assert result.sex == "F"
    assert result.expiry_date == date(2012, 4, 15)
    assert result.personal_number == "ZE184226B"


def test_builder_reproduces_the_specimen():
    assert build_td3() == (SPECIMEN_1, SPECIMEN_2)


def test_result_is_frozen():
    result = parse_td3(SPECIMEN, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.surname = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        f"  {SPECIMEN_1}  \r\n\t{SPECIMEN_2}\n\n",
        SPECIMEN.lower(),
        SPECIMEN_1 + SPECIMEN_2,
        f" {SPECIMEN_1}{SPECIMEN_2} ",
        f"{SPECIMEN_1} {SPECIMEN_2}",
        f"\n\n{SPECIMEN_1}\n   \n{SPECIMEN_2}",
    ],
    ids=["whitespace", "lower-case", "one-string", "one-string-padded", "space-between", "blanks"],
)
def test_pasted_variants_parse(text):
    result = parse_td3(text, today=TODAY)
    assert result.errors == []
    assert result.passport_number == "L898902C3"


@pytest.mark.parametrize(
    ("position", "digit"),
    [
        (position, digit)
        for position, original in enumerate(SPECIMEN_2[:9])
        if original.isdigit()
        for digit in string.digits
        if digit != original
    ],
)
def test_each_passport_number_digit_mutation_is_caught(position, digit):
    line2 = replace_at(SPECIMEN_2, position, digit)
    assert {"passport_number", "composite"} <= fields_with_errors(f"{SPECIMEN_1}\n{line2}")


def test_a_wrong_passport_number_check_digit_is_described():
    line2 = replace_at(SPECIMEN_2, 9, "5")
    errors = parse_td3(f"{SPECIMEN_1}\n{line2}", today=TODAY).errors
    assert errors[0] == MrzError("passport_number", "check_digit", "6", "5")
    assert describe(errors[0]) == "The check digit of the passport number is 5 but should be 6."


@pytest.mark.parametrize("position", range(13, 19))
def test_birth_date_digit_mutation_is_caught(position):
    digit = str((int(SPECIMEN_2[position]) + 1) % 10)
    line2 = replace_at(SPECIMEN_2, position, digit)
    assert "birth_date" in fields_with_errors(f"{SPECIMEN_1}\n{line2}")


def test_expiry_and_personal_number_mutations_are_caught():
    assert "expiry_date" in fields_with_errors(f"{SPECIMEN_1}\n{replace_at(SPECIMEN_2, 22, '3')}")
    assert "personal_number" in fields_with_errors(
        f"{SPECIMEN_1}\n{replace_at(SPECIMEN_2, 30, '5')}"
    )
    assert fields_with_errors(f"{SPECIMEN_1}\n{replace_at(SPECIMEN_2, 43, '1')}") == {"composite"}


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("text", "key", "expected", "found"),
    [
        (f"{SPECIMEN_1}\n{SPECIMEN_2[:-1]}", "line_length", "44", "43"),
        (f"{SPECIMEN_1}<\n{SPECIMEN_2}", "line_length", "44", "45"),
        (SPECIMEN_1 + SPECIMEN_2[:-1], "line_length", "88", "87"),
        (SPECIMEN_1, "line_count", "2", "1"),
        ("", "line_count", "2", "0"),
        ("   \n  ", "line_count", "2", "0"),
        (f"{SPECIMEN_1}\n{SPECIMEN_2}\n{SPECIMEN_2}", "line_count", "2", "3"),
    ],
)
def test_wrong_shape_is_a_format_error(text, key, expected, found):
    result = parse_td3(text, today=TODAY)
    assert MrzError("format", key, expected, found) in result.errors
    assert {error.field for error in result.errors} == {"format"}
    assert result.passport_number == ""
    assert result.birth_date is None
    assert not result.ok


@pytest.mark.parametrize("bad", [" ", "-", "É", "\u0301", "\x00"])
def test_characters_outside_the_mrz_alphabet_are_refused(bad):
    line2 = replace_at(SPECIMEN_2, 20, bad)
    errors = parse_td3(f"{SPECIMEN_1}\n{line2}", today=TODAY).errors
    assert errors == [MrzError("format", "bad_character", None, bad)]


def test_an_internal_space_is_an_error_not_removed():
    line2 = SPECIMEN_2[:9] + " " + SPECIMEN_2[9:-1]  # still 44 characters
    assert fields_with_errors(f"{SPECIMEN_1}\n{line2}") == {"format"}


def test_german_sharp_s_does_not_shift_positions():
    # "ß".upper() is "SS"; the parser must report it, not silently lengthen the line.
    line1 = replace_at(SPECIMEN_1, 10, "ß")
    errors = parse_td3(f"{line1}\n{SPECIMEN_2}", today=TODAY).errors
    assert errors == [MrzError("format", "bad_character", None, "ß")]


def test_a_visa_is_not_a_passport():
    line1 = "V" + SPECIMEN_1[1:]
    result = parse_td3(f"{line1}\n{SPECIMEN_2}", today=TODAY)
    assert result.errors == [MrzError("format", "not_a_passport", "P", "V<")]


def test_document_subtype_is_kept():
    line1, line2 = build_td3(document="PD")
    assert parse_td3(f"{line1}\n{line2}", today=TODAY).document_type == "PD"


def test_missing_name_is_reported():
    line1, line2 = build_td3(surname="", given_names="")
    assert MrzError("format", "missing_name") in parse_td3(line1 + line2, today=TODAY).errors


# ---------------------------------------------------------------- fields


def test_germany_d_filler_is_normalised():
    line1, line2 = build_td3(issuer="D", nationality="D", surname="MUSTERMANN", given_names="ERIKA")
    assert line1.startswith("P<D<<MUSTERMANN")
    result = parse_td3(f"{line1}\n{line2}", today=TODAY)
    assert (result.issuing_country, result.nationality) == ("D", "D")
    assert result.errors == []


def test_multi_word_names():
    line1, line2 = build_td3(surname="VAN DER BERG", given_names="JAN PIETER KLAAS")
    result = parse_td3(line1 + line2, today=TODAY)
    assert (result.surname, result.given_names) == ("VAN DER BERG", "JAN PIETER KLAAS")


def test_single_name_has_no_given_names():
    line1, line2 = build_td3(surname="SUKARNO", given_names="")
    result = parse_td3(line1 + line2, today=TODAY)
    assert (result.surname, result.given_names) == ("SUKARNO", "")


def test_short_passport_number_loses_its_filler():
    line1, line2 = build_td3(number="AB12345")
    assert parse_td3(line1 + line2, today=TODAY).passport_number == "AB12345"


@pytest.mark.parametrize(("mark", "sex"), [("M", "M"), ("F", "F"), ("<", "X"), ("X", "X")])
def test_sex(mark, sex):
    line1, line2 = build_td3(sex=mark)
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == []
    assert result.sex == sex


def test_bad_sex_is_reported():
    line1, line2 = build_td3(sex="Q")
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == [MrzError("sex", "bad_sex", "M, F or <", "Q")]
    assert result.sex == ""


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        ("740812", date(1974, 8, 12)),
        ("260315", date(2026, 3, 15)),  # born today
        ("260316", date(1926, 3, 16)),  # tomorrow's date must be a century ago
        ("000229", date(2000, 2, 29)),
        ("270101", date(1927, 1, 1)),
    ],
)
def test_birth_year_is_in_the_past(birth, expected):
    line1, line2 = build_td3(birth=birth)
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == []
    assert result.birth_date == expected


@pytest.mark.parametrize("birth", ["74<<<<", "7408<<", "<<<<<<"])
def test_unknown_birth_day_or_month_gives_no_date_and_no_error(birth):
    line1, line2 = build_td3(birth=birth)
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == []
    assert result.birth_date is None


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ("120415", date(2012, 4, 15)),
        ("360101", date(2036, 1, 1)),
        ("760315", date(2076, 3, 15)),  # exactly today + 50 years
        ("760316", date(1976, 3, 16)),  # one day beyond
        ("990101", date(1999, 1, 1)),
    ],
)
def test_expiry_year_window(expiry, expected):
    line1, line2 = build_td3(expiry=expiry)
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == []
    assert result.expiry_date == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("birth", "741312"), ("birth", "740230"), ("birth", "74O812"), ("expiry", "120431")],
)
def test_impossible_dates_are_reported(field, value):
    line1, line2 = build_td3(**{field: value})
    result = parse_td3(line1 + line2, today=TODAY)
    name = "birth_date" if field == "birth" else "expiry_date"
    assert result.errors == [MrzError(name, "bad_date", None, value)]
    assert getattr(result, name) is None
    assert describe(result.errors[0]).endswith("is not a valid date (YYMMDD).")


@pytest.mark.parametrize("mark", ["<", "0"])
def test_empty_personal_number_may_have_filler_or_zero_check_digit(mark):
    line1, line2 = build_td3(personal="", personal_check=mark)
    result = parse_td3(line1 + line2, today=TODAY)
    assert result.errors == []
    assert result.personal_number == ""


def test_a_personal_number_needs_a_real_check_digit():
    line1, line2 = build_td3(personal="ZE184226B", personal_check="<")
    errors = parse_td3(line1 + line2, today=TODAY).errors
    assert errors == [MrzError("personal_number", "check_digit", "1", "<")]


def test_describe_covers_every_key():
    errors = [
        MrzError("birth_date", "check_digit", "2", "3"),
        MrzError("composite", "check_digit", "0", "1"),
        MrzError("format", "line_length", "44", "43"),
        MrzError("format", "line_count", "2", "1"),
        MrzError("format", "bad_character", None, "-"),
        MrzError("format", "not_a_passport", "P", "V<"),
        MrzError("expiry_date", "bad_date", None, "121340"),
        MrzError("sex", "bad_sex", "M, F or <", "Q"),
        MrzError("format", "missing_name"),
        MrzError("format", "something_new"),
    ]
    sentences = [describe(error) for error in errors]
    assert sentences[0] == "The check digit of the date of birth is 3 but should be 2."
    assert sentences[2] == "An MRZ line has 43 characters but should have 44."
    assert "expiry date" in sentences[6]
    assert all(sentence.endswith(".") for sentence in sentences)
    assert len(set(sentences)) == len(sentences)


# ---------------------------------------------------------------- properties

LETTERS = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=8)
CODES = st.sampled_from(["UTO", "D", "GBR", "GBD", "XXA", "AUS", "IDN", "UNO"])


@st.composite
def valid_mrz(draw: st.DrawFn) -> tuple[tuple[str, str], dict[str, object]]:
    surname = " ".join(draw(st.lists(LETTERS, min_size=1, max_size=2)))
    given_names = " ".join(draw(st.lists(LETTERS, min_size=0, max_size=2)))
    number = draw(st.from_regex(r"[A-Z0-9]{1,9}", fullmatch=True))
    birth = draw(st.dates(TODAY - timedelta(days=365 * 99), TODAY))
    expiry = draw(st.dates(TODAY - timedelta(days=365 * 49), TODAY + timedelta(days=365 * 49)))
    sex = draw(st.sampled_from("MF<"))
    personal = draw(st.from_regex(r"[A-Z0-9]{0,14}", fullmatch=True))
    personal_check = draw(st.sampled_from(["<", "0"])) if not personal else None
    issuer, nationality = draw(CODES), draw(CODES)
    lines = build_td3(
        surname=surname,
        given_names=given_names,
        issuer=issuer,
        number=number,
        nationality=nationality,
        birth=f"{birth:%y%m%d}",
        sex=sex,
        expiry=f"{expiry:%y%m%d}",
        personal=personal,
        personal_check=personal_check,
    )
    fields = {
        "surname": surname,
        "given_names": given_names,
        "issuing_country": issuer,
        "passport_number": number,
        "nationality": nationality,
        "birth_date": birth,
        "sex": {"<": "X"}.get(sex, sex),
        "expiry_date": expiry,
        "personal_number": personal,
    }
    return lines, fields


@quick
@given(valid_mrz())
def test_generated_mrz_round_trips(case):
    (line1, line2), fields = case
    result = parse_td3(f"{line1}\n{line2}", today=TODAY)
    assert result.errors == []
    assert {name: getattr(result, name) for name in fields} == fields


@quick
@given(valid_mrz(), st.sampled_from(CHECKED_POSITIONS), st.sampled_from(string.digits + "<"))
def test_one_changed_character_in_a_checked_field_is_caught(case, position, replacement):
    (line1, line2), _ = case
    # 7-3-1 works modulo 10, so only a change of value modulo 10 is detectable:
    # "0", "A", "K", "U" and "<" are all worth 0 (ICAO 9303 Part 3, 4.9).
    if char_value(replacement) % 10 == char_value(line2[position]) % 10:
        replacement = str((char_value(line2[position]) + 1) % 10)
    mutated = replace_at(line2, position, replacement)
    assert parse_td3(f"{line1}\n{mutated}", today=TODAY).errors


@quick
@given(valid_mrz(), st.sampled_from(CHECKED_POSITIONS), st.sampled_from(string.ascii_uppercase))
def test_a_letter_in_a_checked_field_is_caught_unless_worth_the_same(case, position, letter):
    (line1, line2), _ = case
    assume(char_value(letter) % 10 != char_value(line2[position]) % 10)  # else undetectable
    mutated = replace_at(line2, position, letter)
    assert parse_td3(f"{line1}\n{mutated}", today=TODAY).errors
