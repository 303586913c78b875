"""Receipts as plain monospaced text, for the till's screen and the thermal printer."""

from __future__ import annotations

from decimal import Decimal

from loyaltypos.domain.money import fmt
from loyaltypos.domain.receipts import Receipt, RefundReceipt


def _qty(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def _writers(currency: str, width: int):
    """The two helpers every receipt text uses: an amount, and a label with an amount."""
    return (lambda units: fmt(units, currency)), (lambda left, right: _row(left, right, width))


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


def render_text(r: Receipt, width: int = 42) -> str:
    """The receipt as monospaced text, ``width`` characters wide."""

    money, row = _writers(r.currency, width)

    out = [r.shop.center(width), *(h.center(width) for h in r.header),
           f"Receipt {r.receipt_no}".center(width),
           r.when.strftime("%Y-%m-%d %H:%M").center(width), f"Cashier: {r.cashier}", "-" * width]
    for ln in r.lines:
        out.append(row(ln.description, money(ln.amount)))
        if ln.qty != 1:
            out.append(f"  {_qty(ln.qty)} x {money(ln.unit_price)}")
        if not ln.eligible:
            out.append("  (not in the loyalty program)")
    out.append("-" * width)
    out.append(row("Subtotal", money(r.subtotal)))
    if r.discount:
        out.append(row(f"Discount {r.tier} {r.discount_pct}%", "-" + money(r.discount)))
    if r.redeemed:
        out.append(row("Paid with cashback", "-" + money(r.redeemed)))
    out.append(row("TOTAL", money(r.total)))
    for method, amount in r.payments:
        out.append(row(f"  {method}", money(amount)))
    if r.tendered is not None:
        out.append(row("  cash given", money(r.tendered)))
    if r.change:
        out.append(row("  change", money(r.change)))
    if r.card:
        out += ["-" * width, row("Card", r.card)]
        if r.holder:
            out.append(row("Holder", r.holder))
        out.append(row("Tier", r.tier or ""))
        out.append(row("Cashback earned", money(r.cashback)))
        if r.balance is not None:
            out.append(row("Cashback balance", money(r.balance)))
        if r.next_tier:
            out.append(f"{money(r.to_next_tier)} more to reach {r.next_tier}")
    out.append("Thank you!".center(width))
    return "\n".join(out)


def render_refund_text(r: RefundReceipt, width: int = 42) -> str:
    """A refund receipt as monospaced text: what came back, restored, reversed, kept back."""

    money, row = _writers(r.currency, width)

    out = [r.shop.center(width), *(h.center(width) for h in r.header),
           f"REFUND {r.refund_no}".center(width),
           f"of receipt {r.sale_receipt_no}".center(width),
           r.when.strftime("%Y-%m-%d %H:%M").center(width), f"Manager: {r.manager}", "-" * width]
    for ln in r.lines:
        out.append(row(f"{ln.line_no}. {ln.description}", money(ln.money_back)))
        if ln.qty != 1:
            out.append(f"  {_qty(ln.qty)} returned")
    out.append("-" * width)
    if r.shortfall:
        out.append(row("Kept back (cashback spent)", "-" + money(r.shortfall)))
    out.append(row("MONEY BACK", money(r.money_back)))
    for method, amount in r.payouts:
        out.append(row(f"  to {method}", money(amount)))
    if r.card:
        out += ["-" * width, row("Card", r.card),
                row("Cashback restored", money(r.restored)),
                row("Cashback taken back", money(r.reversed))]
        if r.balance is not None:
            out.append(row("Cashback balance", money(r.balance)))
    return "\n".join(out)
