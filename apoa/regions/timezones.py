"""Indonesia's three time zones by province: times are entered and shown in local time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
# Province codes (Kemendagri) on Central (WITA) and Eastern (WIT) Indonesia Time; the rest is WIB.
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def timezone_for_region(code: str | None) -> ZoneInfo:
    """Return the time zone of the province a region code lies in (WIB when unknown)."""
    province = (code or "")[:2]
    if province in WITA_PROVINCES:
        return WITA
    if province in WIT_PROVINCES:
        return WIT
    return WIB


def zone_label(zone: ZoneInfo) -> str:
    """Return "WIB", "WITA" or "WIT"."""
    return ZONE_LABELS.get(zone.key, zone.key)
