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

from babel import numbers as babel_numbers

from loyaltypos.domain.errors import BadAmount
from loyaltypos.domain.i18n import _, babel_locale, ngettext, number_text

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
_AMOUNT_TEXT = re.compile(r"^([+-]?)(\d+)(?:\.(\d*))?$", re.ASCII)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:X\d{3})+$", re.ASCII)  # X: the grouping mark
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
    """Parse what a person typed into minor units, whichever way the language writes numbers.

    ``1 234,50``, ``1234.50``, ``1,234.50`` and ``1.234,50`` are the same amount: spaces
    group thousands, and when both a point and a comma appear the last one is the decimal
    mark. An amount that could mean two things (``1,234``: a thousand and more, or one and
    a bit) is refused, never guessed. Refuses more decimals than the currency has, signs
    where they are not allowed, and anything that is not a plain number.
    """
    if isinstance(text, float):
        raise TypeError("money is never a float")
    raw = str(text).strip()
    for space in (" ", "\u00a0", "\u202f"):
        raw = raw.replace(space, "")
    exp = exponent(currency)
    match = _AMOUNT_TEXT.match(_decimal_point(raw, text, currency))
    if not match:
        raise BadAmount(_("'{text}' is not an amount; type digits, e.g. 1250.00").format(
            text=text))
    sign, whole, frac = match.groups()
    frac = frac or ""
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


def _decimal_point(raw: str, typed: str, currency: str) -> str:
    """``raw`` with its grouping marks taken out and its decimal mark made a point; the
    text unchanged when it has no marks or is no number (the caller refuses it then)."""
    marks = [ch for ch in raw if ch in ".,"]
    if not marks:
        return raw
    last = marks[-1]
    head, _sep, tail = raw.rpartition(last)
    other = "," if last == "." else "."
    if raw.count(last) > 1:  # "1,234,567": a mark that repeats groups thousands
        if other in raw or not _GROUPED.match(raw.replace(last, "X")):
            return raw
        return raw.replace(last, "")
    if other in head:  # "1,234.50": the earlier mark groups, the last one is decimal
        if not _GROUPED.match(head.replace(other, "X")):
            return raw
        return head.replace(other, "") + "." + tail
    digits = head.lstrip("+-")
    if len(tail) == 3 and tail.isdigit() and 1 <= len(digits) <= 3 and digits.isdigit() \
            and not digits.startswith("0"):
        # "1,234": a thousand and more, or one and a bit; never guessed.
        whole, part = f"{digits}{tail}", f"{digits}.{tail}"
        exp = exponent(currency)
        if exp < 3:
            raise BadAmount(ngettext(
                "'{text}' has more than {decimals} decimal for {currency}; for {whole}, type"
                " it without a thousands mark",
                "'{text}' has more than {decimals} decimals for {currency}; for {whole}, type"
                " it without a thousands mark", exp).format(
                text=typed, decimals=exp, currency=currency, whole=whole))
        raise BadAmount(_("'{text}' could be {whole} or {part}: type the amount without a "
                          "thousands mark, e.g. {whole}").format(text=typed, whole=whole,
                                                                  part=part))
    return head + "." + tail


def to_decimal(units: int, currency: str) -> Decimal:
    """Minor units as a Decimal of major units with the currency's decimals."""
    exp = exponent(currency)
    return Decimal(units).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def fmt(units: int, currency: str) -> str:
    """Minor units as plain text with the currency's decimals: ``25000`` -> ``"250.00"``."""
    return str(to_decimal(units, currency))


def fmt_amount(units: int, currency: str) -> str:
    """Minor units as the language in use writes a number, with the currency's decimals and
    no symbol: ``1015000`` -> ``10 150,00`` in Russian, ``10,150.00`` in English. For
    documents that print the currency once (a receipt's columns, a report's table)."""
    return number_text(to_decimal(units, currency), decimals=exponent(currency))


def fmt_display(units: int, currency: str) -> str:
    """Minor units for a person, as the language in use writes money (Babel's currency
    format): ``10 150,00 ₽`` in Russian, ``RUB 10,150.00`` in English."""
    exp = exponent(currency)
    where = babel_locale()
    # The currency's own decimals (ISO 4217, as everywhere in the product), in the
    # locale's pattern: CLDR's digits differ for a few currencies.
    pattern = where.currency_formats["standard"].pattern.replace(
        "0.00", "0." + "0" * exp if exp else "0")
    text = babel_numbers.format_currency(to_decimal(units, currency), currency, pattern,
                                         locale=where, currency_digits=False)
    return _currency_spacing(text, babel_numbers.get_currency_symbol(currency, where))


def _currency_spacing(text: str, symbol: str) -> str:
    """A no-break space between a symbol that ends or starts with a letter and the digits
    beside it, as CLDR's currency spacing says ("RUB 10.00", "₽10.00"), which Babel's
    formatter leaves out."""
    at = text.find(symbol)
    if at < 0 or not symbol:
        return text
    after, before = text[at + len(symbol):at + len(symbol) + 1], text[at - 1:at] if at else ""
    if symbol[-1].isalpha() and after.isdigit():
        return text[:at + len(symbol)] + "\u00a0" + text[at + len(symbol):]
    if symbol[0].isalpha() and before.isdigit():
        return text[:at] + "\u00a0" + text[at:]
    return text


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
