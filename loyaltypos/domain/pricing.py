"""Pricing a sale and a refund: pure arithmetic on minor units, no database.

The steps follow RULES.md "A sale" and "A refund" one to one; each computed
amount is rounded once, half-up, and every spread uses largest remainder so the
parts add up to the whole exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from loyaltypos.domain.errors import BadAmount, BadQuantity, RedeemRefused, RefundTooMuch
from loyaltypos.domain.i18n import _
from loyaltypos.domain.money import allocate, floor_units, fmt, percent_of, round_half_up

REDEEM_MAX: Literal["max"] = "max"
RedeemRequest = int | Literal["max"] | None

QTY_PLACES = 3  # quantities up to thousandths (weighed goods: 0.250 kg)
MAX_QTY = Decimal(100_000)  # of one line: more is a slip of the finger or an attack
_QTY_TEXT = re.compile(r"^[+-]?\d{1,9}([.,]\d{1,9})?$", re.ASCII)
QTY_SCALE = 10**QTY_PLACES


def check_quantity(qty: Decimal) -> Decimal:
    if not isinstance(qty, Decimal) or not qty.is_finite():
        raise BadQuantity(_("'{qty}' is not a quantity").format(qty=qty))
    if qty <= 0:
        raise BadQuantity(_("quantity {qty} must be more than zero").format(qty=qty))
    if qty > MAX_QTY:
        raise BadQuantity(_("quantity {qty} is more than {most} of one line").format(
            qty=qty, most=MAX_QTY))
    if qty != qty.quantize(Decimal(1).scaleb(-QTY_PLACES)):
        raise BadQuantity(_("quantity {qty} has more than {places} decimals").format(
            qty=qty, places=QTY_PLACES))
    return qty


def parse_quantity(text: str) -> Decimal:
    """A quantity typed or scanned: ASCII digits with an optional decimal point or comma."""
    raw = str(text).strip()
    try:
        if not _QTY_TEXT.match(raw):
            raise ArithmeticError(raw)
        qty = Decimal(raw.replace(",", "."))
    except ArithmeticError:
        raise BadQuantity(_("'{text}' is not a quantity; type a number like 2 or 0.5").format(
            text=text)) from None
    return check_quantity(qty)


@dataclass(frozen=True)
class CartLine:
    description: str
    qty: Decimal
    unit_price: int  # minor units
    eligible: bool = True
    gift_id: int | None = None  # a gift the card earned, handed out at price 0

    @property
    def amount(self) -> int:
        return round_half_up(self.qty * self.unit_price)


@dataclass(frozen=True)
class Shares:
    """What one sale line took: the parts every refund gives back in proportion."""

    qty: Decimal
    amount: int
    discount: int
    redeemed: int
    paid: int
    cashback: int

    @property
    def spend(self) -> int:
        """Qualifying spend: amount after discount."""
        return self.amount - self.discount


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    shares: Shares


@dataclass(frozen=True)
class Pricing:
    lines: tuple[PricedLine, ...]
    subtotal: int
    discount: int
    due: int
    redeemable: int
    redeemed: int
    paid: int
    cashback: int

    @property
    def spend(self) -> int:
        return self.subtotal - self.discount


@dataclass(frozen=True)
class Terms:
    """The tier and program limits a sale is priced at."""

    discount_pct: Decimal = Decimal(0)
    cashback_pct: Decimal = Decimal(0)
    max_redeem_pct: Decimal = Decimal(100)
    min_redeem_balance: int = 0


def redeemable(due: int, balance: int, terms: Terms) -> int:
    """How much of ``due`` the balance may pay: rule 4."""
    if balance <= 0 or balance < terms.min_redeem_balance:
        return 0
    return min(balance, floor_units(Decimal(due) * terms.max_redeem_pct / 100))


def price_sale(
    lines: Sequence[CartLine],
    *,
    terms: Terms,
    balance: int = 0,
    redeem: RedeemRequest = None,
    currency: str,
) -> Pricing:
    """Price a cart for a card with ``balance`` at ``terms``; refuses a redemption over the cap.

    ``currency`` is the shop's: a refusal states amounts in it, and none is ever assumed.
    """
    if not lines:
        raise BadQuantity(_("the sale has no lines; add goods first"))
    for line in lines:
        check_quantity(line.qty)
        if line.unit_price < 0:
            raise BadAmount(_("the price of '{description}' is negative").format(
                description=line.description))
    amounts = [line.amount for line in lines]
    subtotal = sum(amounts)
    eligible_amounts = [a if line.eligible else 0 for a, line in zip(amounts, lines, strict=True)]
    discount = percent_of(sum(eligible_amounts), terms.discount_pct)
    discounts = allocate(discount, eligible_amounts)
    due = subtotal - discount

    cap = redeemable(due, balance, terms)
    if redeem is None:
        redeemed = 0
    elif redeem == REDEEM_MAX:
        redeemed = cap
    else:
        if isinstance(redeem, bool) or not isinstance(redeem, int):
            raise BadAmount(_("'{redeem}' is not an amount to redeem").format(redeem=redeem))
        if redeem < 0:
            raise BadAmount(_("the amount to redeem cannot be negative"))
        if redeem > cap:
            raise RedeemRefused(_redeem_refusal(redeem, cap, balance, terms, currency))
        redeemed = redeem
    after_discount = [a - d for a, d in zip(amounts, discounts, strict=True)]
    redeemed_parts = allocate(redeemed, after_discount)
    paid_parts = [a - r for a, r in zip(after_discount, redeemed_parts, strict=True)]
    paid_eligible = [p if line.eligible else 0 for p, line in zip(paid_parts, lines, strict=True)]
    cashback = percent_of(sum(paid_eligible), terms.cashback_pct)
    cashback_parts = allocate(cashback, paid_eligible)

    priced = tuple(
        PricedLine(line, Shares(line.qty, amt, disc, red, paid, cb))
        for line, amt, disc, red, paid, cb in zip(
            lines, amounts, discounts, redeemed_parts, paid_parts, cashback_parts, strict=True
        )
    )
    return Pricing(
        lines=priced,
        subtotal=subtotal,
        discount=discount,
        due=due,
        redeemable=cap,
        redeemed=redeemed,
        paid=due - redeemed,
        cashback=cashback,
    )


def _redeem_refusal(asked: int, cap: int, balance: int, terms: Terms, currency: str) -> str:
    if 0 < balance < terms.min_redeem_balance:
        return _("cashback can be spent from a balance of {minimum} on; this card has"
                 " {balance}").format(minimum=fmt(terms.min_redeem_balance, currency),
                                      balance=fmt(balance, currency))
    return _("at most {cap} of cashback can pay this bill, not {asked}: lower the amount or"
             " take max").format(cap=fmt(cap, currency), asked=fmt(asked, currency))


def refund_shares(original: Shares, returned: Shares, qty: Decimal) -> Shares:
    """The shares that returning ``qty`` more units of a line gives back.

    ``returned`` is what earlier refunds of the line already gave back. Each
    share is ``q/n`` of the line's share rounded half-up, never more than is
    left of it; the last units take exactly what is left, so a line returned in
    parts gives back exactly what it took.
    """
    check_quantity(qty)
    left_qty = original.qty - returned.qty
    if qty > left_qty:
        raise RefundTooMuch(
            _("only {left} of this line can still be returned, not {asked}").format(
                left=f"{left_qty.normalize():f}", asked=f"{qty.normalize():f}")
        )
    fields = ("amount", "discount", "redeemed", "paid", "cashback")
    if qty == left_qty:
        parts = {f: getattr(original, f) - getattr(returned, f) for f in fields}
    else:
        parts = {
            f: min(
                round_half_up(Decimal(getattr(original, f)) * qty / original.qty),
                getattr(original, f) - getattr(returned, f),
            )
            for f in fields
        }
    return Shares(qty=qty, **parts)


def add_shares(a: Shares, b: Shares) -> Shares:
    return Shares(
        qty=a.qty + b.qty,
        amount=a.amount + b.amount,
        discount=a.discount + b.discount,
        redeemed=a.redeemed + b.redeemed,
        paid=a.paid + b.paid,
        cashback=a.cashback + b.cashback,
    )


NO_SHARES = Shares(Decimal(0), 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class RefundTotals:
    money_back: int
    restored: int
    reversed: int
    shortfall: int
    spend: int  # qualifying spend taken back


def refund_totals(parts: Sequence[Shares], *, balance: int) -> RefundTotals:
    """Totals of a refund for a card holding ``balance`` before it.

    The redeemed share is restored first; then the cashback share is taken
    back as far as the card can give it. What it cannot give (the shortfall)
    is kept from the money returned, so no balance goes negative.
    """
    paid = sum(p.paid for p in parts)
    restored = sum(p.redeemed for p in parts)
    cashback = sum(p.cashback for p in parts)
    reversed_ = min(cashback, max(balance, 0) + restored)
    shortfall = cashback - reversed_
    return RefundTotals(
        money_back=paid - shortfall,
        restored=restored,
        reversed=reversed_,
        shortfall=shortfall,
        spend=sum(p.spend for p in parts),
    )
