"""Reference numbers of STTPOA receipts: ``STTPOA-YYYY-XXXX-XXXX-C``.

``YYYY`` is the year the report was received, ``XXXX-XXXX`` are eight Crockford base32
symbols (40 bits from ``secrets``, so numbers cannot be guessed or enumerated) and ``C``
is a check symbol from the same 32-symbol alphabet.

Check symbol: the twelve symbols of "YYYY" + "XXXXXXXX" are read as Crockford values
d1..d12 (the year digits are their own values) and taken as elements of the field
GF(32) = GF(2)[x] / (x^5 + x^2 + 1), where adding is XOR. The check value is
``d1·x^12 + d2·x^11 + … + d12·x^1`` and the check symbol itself carries weight x^0 = 1.
x^5 + x^2 + 1 is primitive, so x has order 31 and the 13 positions all have distinct
non-zero weights: the check catches every single-symbol substitution and every swap of
two different symbols anywhere in the 13, which a plain weighted sum mod 32 cannot
promise. It needs no extra symbols, unlike Crockford's mod 37 check whose ``* ~ $ =``
are awkward to read aloud and to put in a URL.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Protocol

PREFIX = "STTPOA"
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# For URL routes and form patterns; it checks the shape only, not the check symbol.
RECEIPT_NUMBER_PATTERN = (
    r"STTPOA-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]"
)

_VALUE = {symbol: value for value, symbol in enumerate(CROCKFORD_ALPHABET)}
_DECIMAL = frozenset("0123456789")
# Crockford decoding: letters that look like digits are read as those digits.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What people put between groups when they type or paste a number: spaces, dashes of
# every kind (word processors turn "-" into an en dash), underscores and dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
_PREFIX_VARIANTS = (PREFIX, "STTP0A")
_BODY_LENGTH = 4 + 8 + 1
# Anything much longer than a formatted number is not one; don't normalise megabytes.
_MAX_INPUT_LENGTH = 64
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


class RandomSource(Protocol):
    """Something with ``choice``, such as the ``secrets`` module or a seeded ``random.Random``."""

    def choice(self, seq: str, /) -> str:
        """Return one element of ``seq``."""
        ...


def _times_alpha(value: int) -> int:
    """Multiply a GF(32) element by x."""
    value <<= 1
    if value & 0b100000:
        value ^= _GF32_MODULUS
    return value


def check_symbol(year_and_random: str) -> str:
    """Return the check symbol for the twelve symbols "YYYY" + eight random ones."""
    accumulator = 0
    for symbol in year_and_random:
        # Multiplying after adding gives the last symbol weight x, leaving 1 for the check.
        accumulator = _times_alpha(accumulator ^ _VALUE[symbol])
    return CROCKFORD_ALPHABET[accumulator]


def _format(year: str, random_part: str, check: str) -> str:
    """Return the canonical dashed form."""
    return f"{PREFIX}-{year}-{random_part[:4]}-{random_part[4:]}-{check}"


def new_receipt_number(year: int, *, random_source: RandomSource = secrets) -> str:
    """Return a fresh receipt number for ``year`` with 40 random bits."""
    random_part = "".join(random_source.choice(CROCKFORD_ALPHABET) for _ in range(8))
    return receipt_number_from(year, random_part)


def receipt_number_from(year: int, random_part: str) -> str:
    """Return the number of ``year`` and eight Crockford symbols, with its check symbol."""
    if isinstance(year, bool) or not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, not {year!r}")
    year_text = str(year)
    return _format(year_text, random_part, check_symbol(year_text + random_part))


def normalise_receipt_number(text: str | None) -> str | None:
    """Return the canonical form of a typed receipt number, or None if it is not one."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        return None
    # NFKC turns full-width characters from phone keyboards into ASCII.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    for prefix in _PREFIX_VARIANTS:
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            break
    if len(compact) != _BODY_LENGTH:
        return None
    compact = compact.translate(_LOOKALIKES)
    year, random_part, check = compact[:4], compact[4:12], compact[12]
    if not set(year) <= _DECIMAL or not set(random_part + check) <= _VALUE.keys():
        return None
    if check_symbol(year + random_part) != check:
        return None
    return _format(year, random_part, check)


def is_valid_receipt_number(text: str | None) -> bool:
    """Return whether ``text`` is a receipt number, as typed by a person."""
    return normalise_receipt_number(text) is not None
