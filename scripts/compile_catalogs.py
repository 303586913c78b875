"""Compile every language's .po into the .mo the product reads (scripts/catalogs compile).

Babel's own compiler takes "5 % off" for a printf directive and refuses any translation
that words it otherwise; the product fills its messages with str.format only, and
tests/test_catalogs.py checks the {placeholders} of every translation instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "loyaltypos" / "locale"


def main() -> int:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/loyaltypos.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        messages = [m for m in catalog if m.id]
        done = [m for m in messages if not m.fuzzy and all(
            m.string if isinstance(m.string, tuple) else (m.string,))]
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
        print(f"{po.parent.parent.name}: {len(done)} of {len(messages)} messages translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
