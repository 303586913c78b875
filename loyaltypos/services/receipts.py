"""A sale's or a refund's receipt, read back from the ledger.

Everything printed comes from what was stored, never from the till's memory, so a
reprint shows what the customer was given: the bonuses from the sale's own ledger
entries, its stamp from ``sales.stamp``, its gift from the gift row. Only the hints
"how much more reaches the next tier" and "what expires next" are worked out when the
receipt is made, from the card as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import (
    Card,
    Customer,
    Gift,
    Payment,
    ProgramVersion,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
    Shop,
    Till,
    User,
    bp_to_pct,
)
from loyaltypos.db.numbering import storable
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.errors import SaleNotFound
from loyaltypos.domain.i18n import _
from loyaltypos.domain.ids import canonical_uuid
from loyaltypos.domain.pricing import QTY_SCALE
from loyaltypos.domain.program import Program
from loyaltypos.domain.receipts import Receipt, ReceiptLine, RefundReceipt, RefundReceiptLine
from loyaltypos.services import rewards
from loyaltypos.services.cards import card_info, live_card
from loyaltypos.services.store import current_program, program_version, receipt_header

# The bonuses a receipt prints: those a sale credits to its own card. A referral bonus
# goes to the card of whoever brought the customer, and is not this customer's business.
RECEIPT_BONUSES = ("bonus_stamps", "bonus_birthday")


@dataclass(frozen=True)
class _SaleRewards:
    bonuses: tuple[tuple[str, int], ...] = ()
    stamp: int | None = None
    stamps_every: int | None = None
    gift_earned: bool = False
    gift_item: str | None = None


def _program_of_sale(s: Session, sale: Sale) -> Program:
    """The program in force when the sale was made, so a reprint counts its stamp out of
    the same `every` after the program changed."""
    version = s.scalar(select(func.max(ProgramVersion.id))
                       .where(ProgramVersion.loaded_at <= sale.created_at))
    return program_version(s, version) if version is not None else current_program(s)


def _sale_rewards(s: Session, sale: Sale) -> _SaleRewards:
    """What the sale earned besides cashback, from the facts it stored: its bonus entries
    on its own card, ``sales.stamp`` and the gift row of its stamp."""
    bonuses = tuple((kind, amount) for kind, amount
                    in rewards.recorded(s.connection(), sale.id).items()
                    if kind in RECEIPT_BONUSES)
    if sale.stamp is None:
        return _SaleRewards(bonuses)
    stamps = _program_of_sale(s, sale).reward("stamps")
    gift = s.execute(select(Gift.kind, Gift.description).where(Gift.sale_id == sale.id)).first()
    return _SaleRewards(
        bonuses, stamp=sale.stamp,
        stamps_every=stamps.every if stamps is not None else sale.stamp,
        gift_earned=gift is not None,
        gift_item=gift.description if gift is not None and gift.kind == "item" else None)


def sale_receipt(db: Database, *, sale_id: str, copy: bool = False) -> Receipt:
    """The receipt of a recorded sale, found by its id in any spelling of the UUID.

    ``copy``: a reprint, marked COPY, with only what the sale stored: the card's way to
    its next tier and its next expiry are the card's today, not the sale's, so a copy
    leaves them out rather than print figures the customer's receipt did not show."""
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
        card = holder = next_tier = to_next = next_expiry = None
        earned = _SaleRewards()
        if sale.card_id is not None:
            stored = s.get(Card, sale.card_id)
            card = cardnumbers.masked(stored.number)
            if stored.customer_id is not None:
                holder = s.scalar(select(Customer.name).where(Customer.id == stored.customer_id))
            info = card_info(s, live_card(s, stored), program)
            next_tier, to_next = info.next_tier, info.to_next_tier
            next_expiry = info.rewards.next_expiry
            earned = _sale_rewards(s, sale)
        shop, header, till = _where(s, program, sale.till_id)
        return Receipt(
            shop=shop,
            header=header,
            currency=program.currency,
            receipt_no=sale.receipt_no,
            shop_id=sale.shop_id,
            till=till,
            sale_id=sale.id,
            when=clock.to_local(sale.created_at),
            cashier=cashier or "",
            lines=tuple(
                ReceiptLine(ln.line_no, ln.description, Decimal(ln.qty_milli) / QTY_SCALE,
                            ln.unit_price, ln.amount, ln.discount, ln.eligible,
                            gift=ln.gift_id is not None)
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
            next_tier=None if copy else next_tier,
            to_next_tier=None if copy else to_next,
            bonuses=earned.bonuses,
            stamp=earned.stamp,
            stamps_every=earned.stamps_every,
            gift_earned=earned.gift_earned,
            gift_item=earned.gift_item,
            next_expiry=None if copy else next_expiry,
            copy=copy,
        )


def _where(session: Session, program, till_id: int) -> tuple[str, tuple[str, ...], str]:
    """The shop's name and header lines for a receipt made at ``till_id``, and the till's
    name: a shop's own, else the program's name and the receipt header in Settings."""
    shop, till = session.execute(select(Shop, Till.name).join(Till, Till.shop_id == Shop.id)
                                 .where(Till.id == till_id)).one()
    header = tuple(line for line in (shop.address or "").splitlines() if line.strip())
    return shop.name or program.name, header or receipt_header(session), till


def refund_receipt(db: Database, *, refund_no: int, copy: bool = False) -> RefundReceipt:
    """The receipt of a recorded refund of this till's shop: what came back, and what the
    card got and gave (``copy``: a reprint, marked COPY; a refund stores every figure)."""
    shop_id = db.place.shop_id
    with db.read() as s:
        refund = s.scalar(select(Refund).where(Refund.shop_id == shop_id,
                                               Refund.refund_no == refund_no)) \
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
        shop, header, _till = _where(s, program, refund.till_id)
        return RefundReceipt(
            shop=shop, header=header, currency=program.currency,
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
            copy=copy,
        )
