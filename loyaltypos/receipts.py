"""A sale's receipt as data, read back from the ledger, and as plain text for a screen.

Everything printed comes from what was stored, never from the till's memory, so a
reprint shows what the customer was given. Only the hint "how much more reaches
the next tier" is worked out when the receipt is made, from the card as it is then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from loyaltypos import cardnumbers, clock
from loyaltypos.db import Database
from loyaltypos.errors import SaleNotFound
from loyaltypos.models import (
    Card,
    Customer,
    Payment,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
    User,
    bp_to_pct,
)
from loyaltypos.money import fmt
from loyaltypos.pricing import QTY_SCALE
from loyaltypos.services.cards import card_info, live_card
from loyaltypos.services.store import current_program, receipt_header


@dataclass(frozen=True)
class ReceiptLine:
    line_no: int
    description: str
    qty: Decimal
    unit_price: int
    amount: int
    discount: int
    eligible: bool


@dataclass(frozen=True)
class Receipt:
    shop: str
    header: tuple[str, ...]  # the shop's lines under its name (address, tax number...)
    currency: str
    receipt_no: int
    sale_id: str
    when: dt.datetime  # local time
    cashier: str
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    discount: int
    discount_pct: Decimal
    redeemed: int
    total: int  # what the customer paid in money
    payments: tuple[tuple[str, int], ...]
    tendered: int | None
    change: int
    card: str | None  # masked
    holder: str | None
    tier: str | None
    cashback: int
    balance: int | None
    next_tier: str | None
    to_next_tier: int | None


def sale_receipt(db: Database, *, sale_id: str) -> Receipt:
    """The receipt of a recorded sale."""
    with db.read() as s:
        sale = s.get(Sale, sale_id)
        if sale is None:
            raise SaleNotFound(f"no sale {sale_id}")
        program = current_program(s)
        cashier = s.scalar(select(User.name).where(User.id == sale.user_id))
        payments = tuple(
            (method, int(amount))
            for method, amount in s.execute(
                select(Payment.method, func.sum(Payment.amount))
                .where(Payment.sale_id == sale_id)
                .group_by(Payment.method)
                .order_by(Payment.method.desc())
            )
        )
        tendered = s.scalar(
            select(func.sum(Payment.tendered)).where(Payment.sale_id == sale_id,
                                                     Payment.method == "cash")
        )
        card = holder = next_tier = to_next = None
        if sale.card_id is not None:
            stored = s.get(Card, sale.card_id)
            card = cardnumbers.masked(stored.number)
            if stored.customer_id is not None:
                holder = s.scalar(select(Customer.name).where(Customer.id == stored.customer_id))
            info = card_info(s, live_card(s, stored), program)
            next_tier, to_next = info.next_tier, info.to_next_tier
        return Receipt(
            shop=program.name,
            header=receipt_header(s),
            currency=program.currency,
            receipt_no=sale.receipt_no,
            sale_id=sale.id,
            when=clock.to_local(sale.created_at),
            cashier=cashier or "",
            lines=tuple(
                ReceiptLine(ln.line_no, ln.description, Decimal(ln.qty_milli) / QTY_SCALE,
                            ln.unit_price, ln.amount, ln.discount, ln.eligible)
                for ln in sale.lines
            ),
            subtotal=sale.subtotal,
            discount=sale.discount,
            discount_pct=bp_to_pct(sale.discount_bp),
            redeemed=sale.redeemed,
            total=sale.paid,
            payments=payments,
            tendered=int(tendered) if tendered is not None else None,
            change=sale.change_given,
            card=card,
            holder=holder,
            tier=sale.tier,
            cashback=sale.cashback,
            balance=sale.balance_after,
            next_tier=next_tier,
            to_next_tier=to_next,
        )


@dataclass(frozen=True)
class RefundReceiptLine:
    line_no: int
    description: str
    qty: Decimal
    money_back: int


@dataclass(frozen=True)
class RefundReceipt:
    shop: str
    header: tuple[str, ...]
    currency: str
    refund_no: int
    sale_receipt_no: int
    when: dt.datetime
    manager: str
    lines: tuple[RefundReceiptLine, ...]
    money_back: int
    payouts: tuple[tuple[str, int], ...]
    restored: int
    reversed: int
    shortfall: int
    card: str | None
    balance: int | None


def refund_receipt(db: Database, *, refund_no: int) -> RefundReceipt:
    """The receipt of a recorded refund: what came back, and what the card got and gave."""
    with db.read() as s:
        refund = s.scalar(select(Refund).where(Refund.refund_no == refund_no))
        if refund is None:
            raise SaleNotFound(f"no refund number {refund_no}")
        program = current_program(s)
        rows = s.execute(
            select(SaleLine.line_no, SaleLine.description, RefundLine.qty_milli,
                   RefundLine.paid)
            .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
            .where(RefundLine.refund_id == refund.id)
            .order_by(SaleLine.line_no)
        )
        payouts = tuple(
            (method, -int(amount))
            for method, amount in s.execute(
                select(Payment.method, func.sum(Payment.amount))
                .where(Payment.refund_id == refund.id)
                .group_by(Payment.method)
                .order_by(Payment.method.desc())
            )
        )
        card = s.get(Card, refund.card_id) if refund.card_id else None
        return RefundReceipt(
            shop=program.name, header=receipt_header(s), currency=program.currency,
            refund_no=refund.refund_no,
            sale_receipt_no=s.scalar(select(Sale.receipt_no).where(Sale.id == refund.sale_id)),
            when=clock.to_local(refund.created_at),
            manager=s.scalar(select(User.name).where(User.id == refund.user_id)) or "",
            lines=tuple(RefundReceiptLine(no, desc, Decimal(q) / QTY_SCALE, paid)
                        for no, desc, q, paid in rows),
            money_back=refund.money_back, payouts=payouts, restored=refund.restored,
            reversed=refund.reversed, shortfall=refund.shortfall,
            card=cardnumbers.masked(card.number) if card else None,
            balance=refund.balance_after,
        )


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
