"""Valid passport MRZs (ICAO 9303 TD3) for made-up people: the tests and the benchmarks."""

from __future__ import annotations

from datetime import date

from apoa.reports.mrz import check_digit


def td3(
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    personal: str = "",
) -> str:
    """Return the two 44-character lines of a passport's machine-readable zone."""
    name = f"{surname.replace(' ', '<')}<<{given_names.replace(' ', '<')}".upper()
    line1 = f"P<{nationality}{name}".ljust(44, "<")[:44]
    number_field = number.ljust(9, "<")
    birth_field, expiry_field = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    personal_field = personal.ljust(14, "<")
    parts = [
        number_field + str(check_digit(number_field)),
        nationality,
        birth_field + str(check_digit(birth_field)),
        sex,
        expiry_field + str(check_digit(expiry_field)),
        personal_field + str(check_digit(personal_field)),
    ]
    composite = parts[0] + parts[2] + parts[4] + parts[5]
    return f"{line1}\n{''.join(parts)}{check_digit(composite)}"
