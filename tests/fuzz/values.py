"""Hostile values for the fuzz suite (issue 16, point 3), as bytes ready to be URL-encoded.

Bytes rather than text so that invalid UTF-8 can be sent as it would arrive from a
broken client: the app decodes it, never the test client.
"""

from __future__ import annotations

from hypothesis import strategies as st

MEGABYTE = b"A" * (1024 * 1024)

HOSTILE: dict[str, bytes] = {
    "nul": b"ab\x00cd",
    "control": b"\x1b[2J\x07\x7f",
    "c1 control": "x\u0085y\u009b".encode(),
    "rtl override": "\u202egnp.exe\u202c".encode(),
    "zero width": "a\u200b\u200d\ufeffb".encode(),
    "huge integer": b"99999999999999999999999999",
    "past int32": b"2147483648",
    "past int64": b"9223372036854775808",
    "negative": b"-2147483649",
    "zero": b"0",
    "float": b"1e308",
    "nan": b"NaN",
    "first day": b"0001-01-01",
    "last day": b"9999-12-31",
    "no such day": b"2025-02-29",
    "leap day": b"2028-02-29",
    "bad time": b"25:61",
    "invalid utf-8": b"\xff\xfe\xc0\xaf",
    "lone surrogate (CESU)": b"\xed\xa0\x80",
    "markup": b"<script>alert(1)</script>",
    "sql": b"' OR 1=1 --",
    "formula": b'=HYPERLINK("http://x")',
    "path": b"../../etc/passwd",
    "empty": b"",
    "spaces": b"   ",
    "long line": b"x" * 5000,
}

# The megabyte goes in bodies only: a URL that long is refused by every server before us.
BODY_ONLY = {"megabyte": MEGABYTE}


def hostile_text() -> st.SearchStrategy[bytes]:
    """One of the named hostile values, or arbitrary text (any code point), as bytes."""
    arbitrary = st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass"))
    return st.one_of(st.sampled_from(list(HOSTILE.values())), arbitrary, st.binary(max_size=20))
