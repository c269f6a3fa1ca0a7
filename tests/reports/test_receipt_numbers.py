"""Receipt numbers: format, typed variants and the check symbol."""

from __future__ import annotations

import random
import re
from itertools import combinations

import pytest

from apoa.reports.receipt_numbers import (
    CROCKFORD_ALPHABET,
    RECEIPT_NUMBER_PATTERN,
    check_symbol,
    is_valid_receipt_number,
    new_receipt_number,
    normalise_receipt_number,
)

SHAPE = re.compile(RECEIPT_NUMBER_PATTERN)
# Positions of the year, the eight random symbols and the check symbol in the canonical form.
CHECKED_POSITIONS = [7, 8, 9, 10, 12, 13, 14, 15, 17, 18, 19, 20, 22]


def _numbers(count: int, seed: int = 1) -> list[str]:
    """Return reproducible receipt numbers from a seeded generator."""
    rng = random.Random(seed)
    return [new_receipt_number(2000 + i % 40, random_source=rng) for i in range(count)]


def _replace(number: str, index: int, symbol: str) -> str:
    """Return ``number`` with the symbol at ``index`` replaced."""
    return number[:index] + symbol + number[index + 1 :]


def test_alphabet_is_crockford_base32() -> None:
    assert len(CROCKFORD_ALPHABET) == len(set(CROCKFORD_ALPHABET)) == 32
    assert not set("ILOU") & set(CROCKFORD_ALPHABET)


def test_new_number_has_the_documented_shape() -> None:
    number = new_receipt_number(2025)
    assert SHAPE.fullmatch(number)
    assert number.startswith("STTPOA-2025-")
    assert len(number) == len("STTPOA-2025-XXXX-XXXX-C")


def test_new_numbers_use_the_secrets_module_by_default() -> None:
    numbers = {new_receipt_number(2025) for _ in range(200)}
    # 40 random bits: a collision among 200 would be astonishing.
    assert len(numbers) == 200


def test_generated_numbers_round_trip() -> None:
    for number in _numbers(500):
        assert SHAPE.fullmatch(number)
        assert normalise_receipt_number(number) == number
        assert is_valid_receipt_number(number)


def test_generated_numbers_never_contain_i_l_o_u() -> None:
    for number in _numbers(2000, seed=7):
        random_and_check = number[len("STTPOA-2025-") :]
        assert not set("ILOU") & set(random_and_check)


def test_every_random_symbol_can_occur() -> None:
    seen = "".join(number[12:21] for number in _numbers(500, seed=3)).replace("-", "")
    assert set(seen) == set(CROCKFORD_ALPHABET)


@pytest.mark.parametrize("year", [999, 10000, -2025, True])
def test_year_must_have_four_digits(year: int) -> None:
    with pytest.raises(ValueError, match="four digits"):
        new_receipt_number(year)


def test_typed_variants_normalise_to_the_canonical_form() -> None:
    number = "STTPOA-2025-" + "70QZ-1A0M-"
    number += check_symbol("2025" + "70QZ1A0M")
    assert is_valid_receipt_number(number)
    body = number[len("STTPOA-") :]
    variants = [
        number.lower(),
        body,
        body.lower(),
        body.replace("-", ""),
        body.replace("-", " "),
        "  sttpoa " + body.replace("-", " ").lower() + "\n",
        "STTPOA" + body.replace("-", ""),
        number.replace("-", "–"),  # en dash from a word processor
        number.replace("0", "O"),  # letter O for zero, also in the year
        number.replace("0", "o").lower(),
        number.replace("1", "I"),
        number.replace("1", "l").lower(),
        number.replace("STTPOA", "STTP0A"),
        "ＳＴＴＰＯＡ－２０２５－７０ＱＺ－１Ａ０Ｍ－" + number[-1],  # full-width phone keyboard
    ]
    for variant in variants:
        assert normalise_receipt_number(variant) == number, variant


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "STTPOA",
        "STTPOA-2025-ABCD-EFGH",
        "STTPOA-2025-ABCD-EFGH-JK",
        "RECEIPT-2025-ABCD-EFGH-J",
        "STTPOA-20A5-ABCD-EFGH-J",
        "STTPOA-2025-ABCD-EFUH-J",
        "STTPOA-2025-ABCD-EF*H-J",
        "STTPOA-2025-ABCD-EFGH-$",
        "STTPOA-2025-ABCD-EFGH-J" + " " * 100,
    ],
)
def test_non_numbers_are_rejected(text: str | None) -> None:
    assert normalise_receipt_number(text) is None
    assert not is_valid_receipt_number(text)


def test_wrong_check_symbol_is_rejected() -> None:
    number = _numbers(1)[0]
    for symbol in CROCKFORD_ALPHABET:
        expected = symbol == number[-1]
        assert is_valid_receipt_number(_replace(number, len(number) - 1, symbol)) is expected


def test_every_single_substitution_is_detected() -> None:
    # Letters that decode to a digit (O, I, L) are the same symbol, not a substitution.
    for number in [
        *_numbers(6, seed=11),
        "STTPOA-2025-0000-0000-" + check_symbol("2025" + "0" * 8),
    ]:
        assert is_valid_receipt_number(number)
        for index in CHECKED_POSITIONS:
            for symbol in CROCKFORD_ALPHABET + "U*":
                if symbol == number[index]:
                    continue
                typo = _replace(number, index, symbol)
                assert normalise_receipt_number(typo) is None, typo


def test_every_swap_of_two_different_symbols_is_detected() -> None:
    for number in _numbers(20, seed=5):
        for first, second in combinations(CHECKED_POSITIONS, 2):
            if number[first] == number[second]:
                continue
            swapped = _replace(_replace(number, first, number[second]), second, number[first])
            assert normalise_receipt_number(swapped) is None, swapped


def _reference_check(year_and_random: str) -> str:
    """Return the check symbol computed the long way: sum of d_i * alpha^(12 - i) in GF(32)."""

    def multiply(a: int, b: int) -> int:
        product = 0
        for bit in range(5):
            if b >> bit & 1:
                product ^= a << bit
        for bit in range(9, 4, -1):
            if product >> bit & 1:
                product ^= 0b100101 << (bit - 5)
        return product

    total = 0
    for index, symbol in enumerate(year_and_random):
        weight = 1
        for _ in range(12 - index):
            weight = multiply(weight, 2)
        total ^= multiply(CROCKFORD_ALPHABET.index(symbol), weight)
    return CROCKFORD_ALPHABET[total]


def test_check_symbol_matches_the_documented_scheme() -> None:
    for number in _numbers(300, seed=13):
        body = number.replace("-", "")[len("STTPOA") :]
        assert check_symbol(body[:12]) == _reference_check(body[:12]) == body[12]
    # Pinned so that a change to the scheme cannot slip through unnoticed.
    assert [check_symbol(f"{year}ABCDEFGH") for year in (2024, 2025, 2026)] == ["3", "S", "J"]
