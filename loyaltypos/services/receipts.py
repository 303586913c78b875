"""A sale's or a refund's receipt, read back from the ledger.

Everything printed comes from what was stored, never from the till's memory, so a
reprint shows what the customer was given. Only the hint "how much more reaches
the next tier" is worked out when the receipt is made, from the card as it is then.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from loyaltypos.db import Database
from loyaltypos.db.models import (
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
from loyaltypos.db.numbering import storable
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.errors import SaleNotFound
from loyaltypos.domain.i18n import _
from loyaltypos.domain.ids import canonical_uuid
from loyaltypos.domain.pricing import QTY_SCALE
from loyaltypos.domain.receipts import Receipt, ReceiptLine, RefundReceipt, RefundReceiptLine
from loyaltypos.services.cards import card_info, live_card
from loyaltypos.services.store import current_program, receipt_header


def sale_receipt(db: Database, *, sale_id: str) -> Receipt:
    """The receipt of a recorded sale, found by its id in any spelling of the UUID."""
    with db.read() as s:
        sale = s.get(Sale, canonical_uuid(sale_id) or sale_id)
        if sale is None:
            raise SaleNotFound(_("no sale {sale_id}").format(sale_id=sale_id))
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


def refund_receipt(db: Database, *, refund_no: int) -> RefundReceipt:
    """The receipt of a recorded refund: what came back, and what the card got and gave."""
    with db.read() as s:
        refund = s.scalar(select(Refund).where(Refund.refund_no == refund_no)) \
            if storable(refund_no) else None
        if refund is None:
            raise SaleNotFound(_("no refund number {refund_no}").format(refund_no=refund_no))
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
