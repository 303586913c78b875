"""Card numbers: 13 digits, EAN-13 compatible, with an in-store prefix.

GS1 keeps prefixes 20-29 for numbers used inside one store, so every retail
scanner reads our cards without clashing with real product barcodes.
"""

from __future__ import annotations

import secrets

from loyaltypos.domain.errors import CardNumberWrong, CheckDigitWrong
from loyaltypos.domain.i18n import _

LENGTH = 13
DEFAULT_PREFIX = "27"


def _digits(text: str) -> bool:
    """ASCII digits only: "²" and "１" pass ``str.isdigit`` but are no card number."""
    return text.isascii() and text.isdigit()


def check_digit(first12: str) -> str:
    """The EAN-13 check digit for twelve digits."""
    if len(first12) != 12 or not _digits(first12):
        raise ValueError("need exactly 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def normalize(text: str) -> str:
    """Clean scanner or keyboard input and prove it is a valid card number.

    Spaces and dashes are ignored. A wrong length or a wrong check digit is
    refused with a message for the cashier.
    """
    raw = "".join(ch for ch in str(text) if ch not in " -\t\r\n")
    if not _digits(raw):
        raise CardNumberWrong(_("'{text}' is not a card number: only digits, scan again").format(
            text=text.strip()))
    if len(raw) != LENGTH:
        raise CardNumberWrong(
            _("a card number has {length} digits, this has {count}: scan again").format(
                length=LENGTH, count=len(raw))
        )
    if check_digit(raw[:12]) != raw[12]:
        raise CheckDigitWrong(_("{number}: check digit wrong, scan again").format(number=raw))
    return raw


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except CardNumberWrong:
        return False
    return True


def generate(prefix: str = DEFAULT_PREFIX) -> str:
    """A fresh random card number; the caller makes sure it is not taken yet."""
    if not (_digits(prefix) and 2 <= len(prefix) <= 6 and "20" <= prefix[:2] <= "29"):
        raise ValueError("the card prefix must be 2-6 digits starting 20-29 (in-store range)")
    body = prefix + "".join(secrets.choice("0123456789") for _digit in range(12 - len(prefix)))
    return body + check_digit(body)


def masked(number: str) -> str:
    """What a screen or receipt shows of a card: the last four digits."""
    return "\u2022" * 9 + number[-4:]
