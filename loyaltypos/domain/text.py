"""Text a person typed that a receipt, a card, a printer or a stored file will show again.

The one rule (:func:`clean_text`), used for the shop's name, tier names, receipt
header lines, product names:

- leading and trailing whitespace is trimmed; what is left must not be empty;
- no control or format character anywhere: Unicode categories Cc (NUL, tab, line
  breaks, ESC, DEL, C1 controls), Cf (zero-width and direction marks, BOM), Cs
  (lone surrogates, which cannot even be written as UTF-8), Co (private use: no
  printer font has them), Cn (unassigned), and the line and paragraph separators
  Zl/Zp (U+2028, U+2029), which break a line as ``\\n`` does;
- at most ``most`` characters after trimming (callers choose; names of the
  program are at most :data:`MAX_NAME`).

Each refusal names the field and the offending character by its code point, so
the person knows what to retype.
"""

from __future__ import annotations

import unicodedata

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _

MAX_NAME = 60  # the shop's name and tier names: one line of a receipt or a card

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def bad_character(text: str) -> str | None:
    """The first character of ``text`` a receipt or printer would choke on, or None."""
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def clean_text(text: object, *, field: str, most: int = MAX_NAME,
               error: type[Refused] = Refused) -> str:
    """``text`` trimmed, or ``error`` saying what is wrong with it.

    ``field`` is already translated and reads as a subject: "the shop's name".
    """
    if not isinstance(text, str):
        raise error(_("{field} must be text").format(field=field))
    char = bad_character(text)
    if char is not None:
        raise error(_("{field} has a control character ({code}); type it again without it"
                      ).format(field=field, code=f"U+{ord(char):04X}"))
    clean = text.strip()
    if not clean:
        raise error(_("{field} is empty; type it").format(field=field))
    if len(clean) > most:
        raise error(_("{field} is too long ({most} characters at most)").format(
            field=field, most=most))
    return clean
