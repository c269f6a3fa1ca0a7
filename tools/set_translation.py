"""Fill Indonesian translations from the command line: set_translation.py 'msgid' 'msgstr' ..."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "apoa/translations/id/LC_MESSAGES/messages.po"


def main(pairs: list[str]) -> int:
    with PO.open("rb") as f:
        catalog = read_po(f)
    for msgid, msgstr in zip(pairs[::2], pairs[1::2], strict=True):
        message = catalog.get(msgid)
        if message is None:
            print(f"no such message: {msgid!r}", file=sys.stderr)
            return 1
        message.string = msgstr
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"untranslated: {missing}" if missing else "all translated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
