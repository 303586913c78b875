"""Exact money: integer minor units in storage, Decimal in arithmetic, text at the edges.

Amounts inside the core are plain ``int`` minor units (kopecks, cents): they are
exact, add up without surprises and go straight into the database. Anything that
is not a whole number of minor units (a percentage of an amount, a fraction of a
quantity) is computed in ``Decimal`` and rounded once, half-up, with
:func:`round_half_up`. ``float`` is refused everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from loyaltypos.domain.errors import BadAmount
from loyaltypos.domain.i18n import _, ngettext

# ISO 4217 minor-unit exponents for the currencies a shop is likely to use.
# A code missing here is refused rather than guessed.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "AMD": 2, "AUD": 2, "AZN": 2, "BGN": 2, "BHD": 3, "BRL": 2, "BYN": 2,
    "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2,
    "GBP": 2, "GEL": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0,
    "JOD": 3, "JPY": 0, "KGS": 2, "KRW": 0, "KWD": 3, "KZT": 2, "MDL": 2, "MXN": 2,
    "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2, "RON": 2, "RSD": 2,
    "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TJS": 2, "TND": 3, "TRY": 2,
    "UAH": 2, "USD": 2, "UZS": 2, "VND": 0, "ZAR": 2,
}

# ASCII digits only: "１２" and "²" are digits to Python, not to a till or a printer.
_AMOUNT_TEXT = re.compile(r"^([+-]?)(\d+)(?:[.,](\d*))?$", re.ASCII)
_DECIMAL_TEXT = re.compile(r"^[+-]?\d{1,15}(\.\d{0,6})?$", re.ASCII)
# The largest amount typed at a till, in minor units: 10,000,000,000.00 in a currency with
# cents. Far beyond any sale, far below what a 64-bit integer column can add up.
MAX_AMOUNT_UNITS = 10**12


def D(value: str | int | Decimal) -> Decimal:
    """The one way to make a Decimal from outside input; refuses ``float``."""
    if isinstance(value, (bool, float)):
        raise TypeError("money is never a float; pass text, an int or a Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    text = value.strip().replace(",", ".")
    if not (text.isascii() and _DECIMAL_TEXT.match(text)):
        raise BadAmount(_("'{value}' is not a number").format(value=value))
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise BadAmount(_("'{value}' is not a number").format(value=value)) from exc


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise BadAmount(_("unknown currency code '{currency}'").format(currency=currency)
                        ) from None


def round_half_up(value: Decimal) -> int:
    """Round a Decimal number of minor units to a whole one, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def floor_units(value: Decimal) -> int:
    """Round a non-negative Decimal number of minor units down to a whole one."""
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def percent_of(amount: int, pct: Decimal) -> int:
    """``round(amount x pct / 100)``, half-up: the rule for discounts and cashback."""
    return round_half_up(Decimal(amount) * pct / 100)


def parse_amount(text: str, currency: str, *, allow_negative: bool = False) -> int:
    """Parse what a person typed ("1234.5", "1234,50", " 12 ") into minor units.

    Refuses more decimals than the currency has, signs where they are not
    allowed, and anything that is not a plain number.
    """
    if isinstance(text, float):
        raise TypeError("money is never a float")
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "")
    match = _AMOUNT_TEXT.match(raw)
    if not match:
        raise BadAmount(_("'{text}' is not an amount; type digits, e.g. 1250.00").format(
            text=text))
    sign, whole, frac = match.groups()
    frac = frac or ""
    exp = exponent(currency)
    if len(frac) > exp:
        raise BadAmount(ngettext("'{text}' has more than {decimals} decimal for {currency}",
                                 "'{text}' has more than {decimals} decimals for {currency}",
                                 exp).format(text=text, decimals=exp, currency=currency))
    if sign == "-" and not allow_negative:
        raise BadAmount(_("'{text}' is negative; an amount here must be zero or more").format(
            text=text))
    if len(whole) > 15:
        raise BadAmount(_("'{text}' is more than any till takes").format(text=text))
    units = int(whole) * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
    if units > MAX_AMOUNT_UNITS:
        raise BadAmount(_("'{text}' is more than any till takes").format(text=text))
    return -units if sign == "-" else units


def to_decimal(units: int, currency: str) -> Decimal:
    """Minor units as a Decimal of major units with the currency's decimals."""
    exp = exponent(currency)
    return Decimal(units).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def fmt(units: int, currency: str) -> str:
    """Minor units as plain text with the currency's decimals: ``25000`` -> ``"250.00"``."""
    return str(to_decimal(units, currency))


def fmt_display(units: int, currency: str) -> str:
    """Minor units for a person: thousands separated by thin spaces, then the code."""
    value = to_decimal(units, currency)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,}".replace(",", "\u202f")
    return f"{sign}{text} {currency}"


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, by largest remainder.

    The parts always add up to ``total`` exactly. Ties in the remainder go to the
    earlier weight, so the split is the same every time for the same input.
    """
    if total < 0:
        raise ValueError("allocate needs a non-negative total")
    if any(w < 0 for w in weights):
        raise ValueError("allocate needs non-negative weights")
    parts = [0] * len(weights)
    if total == 0:
        return parts
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("cannot spread an amount over nothing")
    remainders = []
    for i, w in enumerate(weights):
        q, r = divmod(total * w, weight_sum)
        parts[i] = q
        remainders.append((r, i))
    leftover = total - sum(parts)
    remainders.sort(key=lambda ri: (-ri[0], ri[1]))
    for _remainder, i in remainders[:leftover]:
        parts[i] += 1
    return parts
