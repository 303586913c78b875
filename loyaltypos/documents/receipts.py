"""Receipts as plain monospaced text, for the till's screen and the thermal printer."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from loyaltypos.domain.i18n import N_, _, datetime_text, quantity_text
from loyaltypos.domain.money import fmt_amount
from loyaltypos.domain.receipts import Receipt, RefundReceipt
from loyaltypos.domain.reward_texts import bonus_name, expires_on, stamp_of_sale

# How a payment method stored with a sale ("cash", "card") is named on paper.
METHODS = {"cash": N_("cash"), "card": N_("card")}
# The lines a printer prints in bold start with these (translated where they are compared).
TOTAL, MONEY_BACK = N_("TOTAL"), N_("MONEY BACK")
GIFT = N_("GIFT")  # starts a gift line: what the card earned, handed out at price 0


def method_label(method: str) -> str:
    """A stored payment method as the receipt names it; an unknown one as it is stored."""
    return _(METHODS[method]) if method in METHODS else method


def _qty(qty: Decimal) -> str:
    return quantity_text(qty)


def roll_text(text: str) -> str:
    """Text for a receipt roll: the no-break spaces the language writes numbers and times
    with ("10 150,00", "9:05 AM") as plain ones, which every printer's code page has."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _writers(currency: str, width: int):
    """The two helpers every receipt text uses: an amount, and a label with an amount."""
    return ((lambda units: roll_text(fmt_amount(units, currency))),
            (lambda left, right: _row(left, right, width)))


def _row(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line; a long ``left`` wraps, ``right`` ends its last line."""
    room = width - len(right) - 1
    if len(left) <= room:
        return f"{left:<{room}} {right}"
    words, lines, current = left.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current[:width])
    last = lines.pop()
    tail = f"{last:<{room}} {right}" if len(last) <= room else f"{last}\n{right:>{width}}"
    return "\n".join([*(line[:width] for line in lines), tail])


def _wrap(text: str, width: int) -> list[str]:
    """A sentence on as many lines of ``width`` as it needs, broken between words."""
    return textwrap.wrap(text, width) or [""]


def _copy_mark(copy: bool, width: int) -> tuple[str, ...]:
    """The line that tells a reprint from the receipt the customer was given."""
    mark = _("COPY")
    return (f"*** {mark} ***".center(width),) if copy else ()


def render_text(r: Receipt, width: int = 42) -> str:
    """The receipt as monospaced text, ``width`` characters wide."""

    money, row = _writers(r.currency, width)

    out = [r.shop.center(width), *(h.center(width) for h in r.header),
           _("Receipt {receipt_no}").format(receipt_no=r.receipt_no).center(width),
           *_copy_mark(r.copy, width),
           roll_text(datetime_text(r.when)).center(width),
           _("Cashier: {name}").format(name=r.cashier), "-" * width]
    for ln in r.lines:
        if ln.gift:
            out.append(row(f"{_(GIFT)} {ln.description}", money(ln.amount)))
            continue
        out.append(row(ln.description, money(ln.amount)))
        if ln.qty != 1:
            out.append("  " + _("{qty} x {price}").format(qty=_qty(ln.qty),
                                                          price=money(ln.unit_price)))
        if not ln.eligible:
            out.append("  " + _("(not in the loyalty program)"))
    out.append("-" * width)
    out.append(row(_("Subtotal"), money(r.subtotal)))
    if r.discount:
        out.append(row(_("Discount {tier} {pct}%").format(tier=r.tier,
                                                           pct=quantity_text(r.discount_pct)),
                       "-" + money(r.discount)))
    if r.redeemed:
        out.append(row(_("Paid with cashback"), "-" + money(r.redeemed)))
    out.append(row(_(TOTAL), money(r.total)))
    for method, amount in r.payments:
        out.append(row("  " + method_label(method), money(amount)))
    if r.tendered is not None:
        out.append(row("  " + _("cash given"), money(r.tendered)))
    if r.change:
        out.append(row("  " + _("change"), money(r.change)))
    if r.card:
        out += ["-" * width, row(_("Card"), r.card)]
        if r.holder:
            out.append(row(_("Holder"), r.holder))
        out.append(row(_("Tier"), r.tier or ""))
        out.append(row(_("Cashback earned"), money(r.cashback)))
        for kind, amount in r.bonuses:
            out.append(row(bonus_name(kind), money(amount)))
        if r.balance is not None:
            out.append(row(_("Cashback balance"), money(r.balance)))
        if r.next_expiry is not None:
            date, amount = r.next_expiry
            out += _wrap(expires_on(money(amount), date), width)
        if r.stamp is not None and r.stamps_every:
            out += _wrap(stamp_of_sale(r.stamp, r.stamps_every, gift=r.gift_earned), width)
        if r.gift_item:
            out += _wrap(_("Your gift, {item}, waits for your next purchase").format(
                item=r.gift_item), width)
        if r.next_tier:
            out.append(_("{amount} more to reach {tier}").format(amount=money(r.to_next_tier),
                                                                 tier=r.next_tier))
    out.append(_("Thank you!").center(width))
    return roll_text("\n".join(out))


def render_refund_text(r: RefundReceipt, width: int = 42) -> str:
    """A refund receipt as monospaced text: what came back, restored, reversed, kept back."""

    money, row = _writers(r.currency, width)

    out = [r.shop.center(width), *(h.center(width) for h in r.header),
           _("REFUND {refund_no}").format(refund_no=r.refund_no).center(width),
           _("of receipt {receipt_no}").format(receipt_no=r.sale_receipt_no).center(width),
           *_copy_mark(r.copy, width),
           roll_text(datetime_text(r.when)).center(width),
           _("Manager: {name}").format(name=r.manager), "-" * width]
    for ln in r.lines:
        out.append(row(f"{ln.line_no}. {ln.description}", money(ln.money_back)))
        if ln.qty != 1:
            out.append("  " + _("{qty} returned").format(qty=_qty(ln.qty)))
    out.append("-" * width)
    if r.shortfall:
        out.append(row(_("Kept back (cashback spent)"), "-" + money(r.shortfall)))
    out.append(row(_(MONEY_BACK), money(r.money_back)))
    for method, amount in r.payouts:
        out.append(row("  " + _("to {method}").format(method=method_label(method)),
                       money(amount)))
    if r.card:
        out += ["-" * width, row(_("Card"), r.card),
                row(_("Cashback restored"), money(r.restored)),
                row(_("Cashback taken back"), money(r.reversed))]
        if r.balance is not None:
            out.append(row(_("Cashback balance"), money(r.balance)))
    return roll_text("\n".join(out))
