"""Build valid passport MRZs (ICAO 9303 TD3) for tests."""

from __future__ import annotations

from apoa.devdata.passports import td3

__all__ = ["SPECIMEN_MRZ", "td3"]

# ICAO 9303's own specimen passport (Part 4, Appendix A).
SPECIMEN_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
