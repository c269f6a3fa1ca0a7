"""Each province's time zone: WIB in the west, WITA in the centre, WIT in the east."""

from __future__ import annotations

import pytest

from apoa.regions.timezones import WIB, WIT, WITA, timezone_for_region, zone_label


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("3171011001", WIB),  # Gambir, Jakarta Pusat
        ("1101012001", WIB),  # Aceh
        ("5103011004", WITA),  # Legian, Bali
        ("6471", WITA),  # Kota Balikpapan, Kalimantan Timur
        ("8101011009", WIT),  # Maluku
        ("9471", WIT),  # Kota Jayapura, Papua
        (None, WIB),  # unknown: the capital's zone
        ("", WIB),
    ],
)
def test_time_zone_of_a_region_follows_its_province(code, zone):
    assert timezone_for_region(code) == zone


def test_zone_labels():
    assert [zone_label(z) for z in (WIB, WITA, WIT)] == ["WIB", "WITA", "WIT"]
