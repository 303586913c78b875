"""Refunds: give back units of a sale, with each line's shares returned in proportion."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.engine import retrying
from loyaltypos.db.ledger import entry_row, post
from loyaltypos.db.models import Card, LedgerEntry, Payment, Refund, RefundLine, Sale, SaleLine
from loyaltypos.db.numbering import next_number, storable
from loyaltypos.domain import ids
from loyaltypos.domain.errors import RefundTooMuch, SaleNotFound
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.pricing import (
    NO_SHARES,
    QTY_SCALE,
    RefundTotals,
    Shares,
    check_quantity,
    refund_shares,
    refund_totals,
)
from loyaltypos.domain.scan import ReceiptRef
from loyaltypos.services import rewards
from loyaltypos.services.audit import audit
from loyaltypos.services.cards import find_card, live_card
from loyaltypos.services.store import day_stamp, open_day


@dataclass(frozen=True)
class RefundLineResult:
    line_no: int
    description: str
    qty: Decimal
    money_back: int  # the line's paid share
    restored: int
    cashback: int


@dataclass(frozen=True)
class RefundResult:
    refund_id: str | None  # None for a preview
    refund_no: int | None
    sale_id: str
    card: str | None
    money_back: int
    restored: int
    reversed: int
    shortfall: int
    balance: int | None
    lines: tuple[RefundLineResult, ...]
    to_card: int
    to_cash: int
    # What it took back of the sale's rewards (docs/RULES-DECISIONS.md, "Rewards").
    unstamped: bool = False
    gift: str | None = None  # "cancelled" (an unused item gift) or "reversed"
    rewards_back: int = 0  # bonuses and used gifts taken from the card's balance
    rewards_kept: int = 0  # what the balance lacked, kept from the money returned
    rewards_forgiven: int = 0  # what neither covered (and the referrer's balance lacked)
    referral_back: int = 0  # the referral bonus taken from the referrer's card


@dataclass(frozen=True)
class SaleLineView:
    line_no: int
    description: str
    qty: Decimal
    unit_price: int
    amount: int
    returned_qty: Decimal


def _shares(line: SaleLine) -> Shares:
    return Shares(Decimal(line.qty_milli) / QTY_SCALE, line.amount, line.discount,
                  line.redeemed, line.paid, line.cashback)


def _returned(session: Session, sale_id: str) -> dict[int, Shares]:
    rows = session.execute(
        select(
            RefundLine.sale_line_id,
            func.sum(RefundLine.qty_milli), func.sum(RefundLine.amount),
            func.sum(RefundLine.discount), func.sum(RefundLine.redeemed),
            func.sum(RefundLine.paid), func.sum(RefundLine.cashback),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.sale_id == sale_id)
        .group_by(RefundLine.sale_line_id)
    )
    return {
        r[0]: Shares(Decimal(int(r[1])) / QTY_SCALE, *(int(v) for v in r[2:])) for r in rows
    }


def _sale_key(sale_id: str) -> str:
    """The sale id as stored: its canonical form; what is not a UUID is looked up as it is
    (and is not found)."""
    return ids.canonical_uuid(sale_id) or sale_id


def sale_lines(db: Database, *, sale_id: str) -> list[SaleLineView]:
    """A sale's lines with what was already returned of each, for choosing what to refund."""
    sale_id = _sale_key(sale_id)
    with db.read() as s:
        sale = s.get(Sale, sale_id)
        if sale is None:
            raise SaleNotFound(_("no sale {sale_id}; scan the receipt again").format(
                sale_id=sale_id))
        returned = _returned(s, sale_id)
        return [
            SaleLineView(ln.line_no, ln.description, Decimal(ln.qty_milli) / QTY_SCALE,
                         ln.unit_price, ln.amount, returned.get(ln.id, NO_SHARES).qty)
            for ln in sale.lines
        ]


def find_sale_id(db: Database, *, receipt_no: int | ReceiptRef) -> str:
    """The sale of a receipt: typed digits are a receipt of this till's shop, a scanned
    barcode says its shop (a sale made in one shop is refunded in any)."""
    ref = receipt_no if isinstance(receipt_no, ReceiptRef) else ReceiptRef(receipt_no)
    shop = ref.shop if ref.shop is not None else db.place.shop_id
    with db.read() as s:
        sale_id = s.scalar(select(Sale.id).where(Sale.shop_id == shop,
                                                 Sale.receipt_no == ref.number)) \
            if storable(ref.number) and storable(shop) else None
        if sale_id is None:
            raise SaleNotFound(_("no receipt number {receipt_no}").format(receipt_no=ref))
        return sale_id


@dataclass
class _Plan:
    sale: Sale
    parts: list[tuple[SaleLine, Shares]]
    card: Card | None
    totals: RefundTotals
    rewards: rewards.TakenBack = rewards.NO_REWARDS
    reversals: tuple[tuple[str, int, str | None], ...] = ()  # as far as the balance goes
    rewards_kept: int = 0
    rewards_forgiven: int = 0
    referral_back: int = 0
    gift: str | None = None

    @property
    def rewards_back(self) -> int:
        return sum(amount for _kind, amount, _note in self.reversals)


def _plan(s: Session, sale_id: str, items: Mapping[int, Decimal] | None, *,
          lock: bool) -> _Plan:
    """Work out a refund without writing: which units, which shares, what totals."""
    sale = s.get(Sale, sale_id)
    if sale is None:
        raise SaleNotFound(_("no sale {sale_id}; scan the receipt again").format(sale_id=sale_id))
    returned = _returned(s, sale_id)
    by_no = {ln.line_no: ln for ln in sale.lines}
    if items is None:
        wanted = {no: _shares(ln).qty - returned.get(ln.id, NO_SHARES).qty
                  for no, ln in by_no.items()}
        wanted = {no: q for no, q in wanted.items() if q > 0}
        if not wanted:
            raise RefundTooMuch(_("receipt {receipt_no} was already refunded in full").format(
                receipt_no=sale.receipt_no))
    else:
        wanted = {}
        for no, qty in items.items():
            if no not in by_no:
                raise RefundTooMuch(
                    _("receipt {receipt_no} has lines 1 to {last}, not line {line}").format(
                        receipt_no=sale.receipt_no, last=len(by_no), line=no)
                )
            wanted[no] = wanted.get(no, Decimal(0)) + check_quantity(qty)
        if not wanted:
            raise RefundTooMuch(_("choose at least one line to refund"))

    parts: list[tuple[SaleLine, Shares]] = []
    for no in sorted(wanted):
        line = by_no[no]
        try:
            part = refund_shares(_shares(line), returned.get(line.id, NO_SHARES), wanted[no])
        except RefundTooMuch as exc:
            raise RefundTooMuch(_("line {line} ({description}): {problem}").format(
                line=no, description=line.description, problem=exc)) from None
        parts.append((line, part))

    card = live_card(s, s.get(Card, sale.card_id)) if sale.card_id else None
    if card is not None and lock:
        # the card's row only: PostgreSQL locks no row on the outer-joined holder's side
        s.refresh(card, with_for_update={"of": Card})
    totals = refund_totals([p for _line, p in parts], balance=card.balance if card else 0)
    plan = _Plan(sale, parts, card, totals)
    if card is None:
        return plan
    now = {line.id: part.qty for line, part in parts}
    whole = all(returned.get(ln.id, NO_SHARES).qty + now.get(ln.id, 0) == _shares(ln).qty
                for ln in by_no.values())
    before = sum(s.scalars(select(Refund.spend).where(Refund.sale_id == sale_id)))
    spend_after = sale.subtotal - sale.discount - before - totals.spend
    return _take_rewards(plan, rewards.taken_back(s, sale, spend_after=spend_after,
                                                  whole=whole, lock=lock))


def _take_rewards(plan: _Plan, back: rewards.TakenBack) -> _Plan:
    """The rewards a refund takes back: from the card's balance after the cashback, then
    from the money returned, never below nothing; the referrer's bonus from the referrer's
    balance only (the customer who returns goods does not pay for another's bonus)."""
    totals = plan.totals
    balance = plan.card.balance + totals.restored - totals.reversed
    reversals = []
    for kind, value, note in back.reversals:
        taken = min(value, balance)
        balance -= taken
        reversals.append((kind, taken, note))
    lacking = back.total - sum(amount for _kind, amount, _note in reversals)
    kept = min(lacking, totals.money_back)
    forgiven = lacking - kept
    referral_back = 0
    if back.referral is not None:
        referrer, amount = back.referral
        referral_back = min(amount, max(referrer.balance, 0))
        forgiven += amount - referral_back
    gift = None
    if back.gift_id is not None:
        gift = "reversed" if any(k == "reverse_stamps" for k, _v, _n in back.reversals) \
            else "cancelled"
    return replace(plan, totals=replace(totals, money_back=totals.money_back - kept),
                   rewards=back, reversals=tuple(reversals), rewards_kept=kept,
                   rewards_forgiven=forgiven, referral_back=referral_back, gift=gift)


def _result(plan: _Plan, refund_id: str | None, refund_no: int | None,
            to_card: int, to_cash: int) -> RefundResult:
    totals, card = plan.totals, plan.card
    return RefundResult(
        refund_id=refund_id, refund_no=refund_no, sale_id=plan.sale.id,
        card=card.number if card else None, money_back=totals.money_back,
        restored=totals.restored, reversed=totals.reversed, shortfall=totals.shortfall,
        balance=(card.balance + totals.restored - totals.reversed - plan.rewards_back)
        if card else None,
        lines=tuple(
            RefundLineResult(line.line_no, line.description, p.qty, p.paid, p.redeemed,
                             p.cashback)
            for line, p in plan.parts
        ),
        to_card=to_card, to_cash=to_cash, unstamped=plan.rewards.unstamped, gift=plan.gift,
        rewards_back=plan.rewards_back, rewards_kept=plan.rewards_kept,
        rewards_forgiven=plan.rewards_forgiven, referral_back=plan.referral_back,
    )


def _recorded(s: Session, row: Refund) -> RefundResult:
    lines = s.execute(
        select(SaleLine.line_no, SaleLine.description, RefundLine.qty_milli, RefundLine.paid,
               RefundLine.redeemed, RefundLine.cashback)
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .where(RefundLine.refund_id == row.id)
        .order_by(SaleLine.line_no)
    )
    payouts = dict(s.execute(select(Payment.method, -func.sum(Payment.amount))
                             .where(Payment.refund_id == row.id).group_by(Payment.method)).all())
    card = s.get(Card, row.card_id) if row.card_id else None
    return RefundResult(
        refund_id=row.id, refund_no=row.refund_no, sale_id=row.sale_id,
        card=card.number if card else None, money_back=row.money_back, restored=row.restored,
        reversed=row.reversed, shortfall=row.shortfall, balance=row.balance_after,
        lines=tuple(RefundLineResult(no, desc, Decimal(q) / QTY_SCALE, paid, red, cb)
                    for no, desc, q, paid, red, cb in lines),
        to_card=int(payouts.get("card", 0)), to_cash=int(payouts.get("cash", 0)),
        unstamped=row.unstamped, gift=_gift_fate(s, row), rewards_back=row.rewards_back,
        rewards_kept=row.rewards_kept, rewards_forgiven=row.rewards_forgiven,
        referral_back=-int(s.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                                    .where(LedgerEntry.refund_id == row.id,
                                           LedgerEntry.kind == "reverse_referral"))),
    )


def _gift_fate(s: Session, row: Refund) -> str | None:
    if row.gift_id is None:
        return None
    reversed_ = s.scalar(select(LedgerEntry.id).where(LedgerEntry.refund_id == row.id,
                                                      LedgerEntry.kind == "reverse_stamps"))
    return "reversed" if reversed_ is not None else "cancelled"


def preview_refund(db: Database, *, sale_id: str,
                   items: Mapping[int, Decimal] | None = None) -> RefundResult:
    """What :func:`refund` would give back now, writing nothing (``refund_id`` is None)."""
    sale_id = _sale_key(sale_id)
    with db.read() as s:
        plan = _plan(s, sale_id, items, lock=False)
        to_card, to_cash = _payout(s, plan.sale, plan.totals)
        return _result(plan, None, None, to_card, to_cash)


def refund(
    db: Database,
    *,
    actor: Actor,
    sale_id: str,
    items: Mapping[int, Decimal] | None = None,
    refund_id: str | None = None,
) -> RefundResult:
    """Refund units of a sale (manager; audited). ``items`` maps line numbers (from 1) to
    quantities; ``None`` refunds everything not yet returned.

    The redeemed share is restored to the card, the cashback share taken back as
    far as the balance allows; what it cannot give back is kept from the money.

    ``refund_id`` (a UUID, compared and stored in its canonical form) makes a retry safe:
    the same id again returns the first result and gives nothing back twice.
    """
    require_manager(actor, _("a refund"))
    refund_id = str(uuid.uuid4()) if refund_id is None else ids.refund_id(refund_id)
    sale_id = _sale_key(sale_id)
    # A server that goes away for a moment: the same refund id is tried again, so a
    # commit whose answer was lost comes back as the first result, never a second payout.
    return retrying(lambda: _refund(db, actor, sale_id, items, refund_id))


def _refund(db: Database, actor: Actor, sale_id: str, items: Mapping[int, Decimal] | None,
            refund_id: str) -> RefundResult:
    with db.write() as s:
        recorded = s.get(Refund, refund_id)
        if recorded is not None:  # a retry: the first result, nothing given back twice
            if recorded.sale_id != sale_id:
                raise RefundTooMuch(_("refund id {refund_id} belongs to another sale").format(
                    refund_id=refund_id))
            return _recorded(s, recorded)
        plan = _plan(s, sale_id, items, lock=True)
        sale, card, totals = plan.sale, plan.card, plan.totals
        day_id = open_day(s)
        stamp = day_stamp(s, day_id)
        place = db.place
        row = Refund(
            id=refund_id, refund_no=next_number(s, Refund.refund_no,
                                                Refund.shop_id == place.shop_id),
            shop_id=place.shop_id, till_id=place.till_id, sale_id=sale_id, day_id=day_id,
            card_id=card.id if card else None, user_id=actor.user_id,
            created_at=stamp, money_back=totals.money_back, restored=totals.restored,
            reversed=totals.reversed, shortfall=totals.shortfall, spend=totals.spend,
            balance_after=(card.balance + totals.restored - totals.reversed - plan.rewards_back)
            if card else None,
            unstamped=plan.rewards.unstamped, gift_id=plan.rewards.gift_id,
            rewards_back=plan.rewards_back, rewards_kept=plan.rewards_kept,
            rewards_forgiven=plan.rewards_forgiven,
        )
        s.add(row)
        s.flush()
        s.add_all(
            RefundLine(refund_id=refund_id, sale_line_id=line.id,
                       qty_milli=int(p.qty * QTY_SCALE), amount=p.amount, discount=p.discount,
                       redeemed=p.redeemed, paid=p.paid, cashback=p.cashback)
            for line, p in plan.parts
        )
        to_card, to_cash = _payout(s, sale, totals)
        for method, amount in (("card", to_card), ("cash", to_cash)):
            if amount:
                s.add(Payment(refund_id=refund_id, day_id=day_id, till_id=place.till_id,
                              method=method, amount=-amount))
        result = _result(plan, refund_id, row.refund_no, to_card, to_cash)
        if card is not None:
            post(s, card, "refund_restore", totals.restored, day_id=day_id,
                 user_id=actor.user_id, refund_id=refund_id, sale_id=sale_id, at=stamp)
            post(s, card, "refund_reverse", -totals.reversed, day_id=day_id,
                 user_id=actor.user_id, refund_id=refund_id, sale_id=sale_id, at=stamp)
            card.spend -= totals.spend
            where = {"day_id": day_id, "till_id": place.till_id, "user_id": actor.user_id,
                     "refund_id": refund_id,
                     "sale_id": sale_id, "at": stamp}
            for kind, amount, note in plan.reversals:
                _reverse(s, card, kind, amount, note, where)
            if plan.rewards.referral is not None:
                referrer = s.get(Card, plan.rewards.referral[0].id)
                _reverse(s, referrer, "reverse_referral", plan.referral_back,
                         f"referral {card.number}", where)
            if plan.rewards.unstamped:
                s.flush()
                card.stamps = rewards.stamps_of(s, card.lineage_id)
        audit(s, actor, "refund", sale_id, receipt=sale.receipt_no, refund=refund_id,
              money_back=totals.money_back)
        return result


def _reverse(s: Session, card: Card, kind: str, amount: int, note: str | None,
             where: dict) -> None:
    """A reward's reversal, written even at zero: the ledger then says the reward was
    taken back (a birthday or referral bonus can be earned again only after that)."""
    s.add(LedgerEntry(**entry_row(card.id, card.number, card.balance, kind, -amount,
                                  note=note, **where)))
    card.balance -= amount


@dataclass(frozen=True)
class SaleSummary:
    sale_id: str
    receipt_no: int
    created_at: dt.datetime
    paid: int
    subtotal: int
    card: str | None


def recent_sales(db: Database, *, card_number: str | None = None,
                 limit: int = 20) -> list[SaleSummary]:
    """The newest sales, of one card (and the cards it replaced) or of the whole shop."""
    with db.read() as s:
        query = (select(Sale.id, Sale.receipt_no, Sale.created_at, Sale.paid, Sale.subtotal,
                        Card.number)
                 .outerjoin(Card, Card.id == Sale.card_id)
                 .order_by(Sale.receipt_no.desc()).limit(limit))
        if card_number:
            card = find_card(s, card_number)
            query = query.where(Card.lineage_id == card.lineage_id)
        return [SaleSummary(*row) for row in s.execute(query)]


def _payout(session: Session, sale: Sale, totals: RefundTotals) -> tuple[int, int]:
    """Money goes back to the bank card first, up to what the card paid and was not yet
    refunded; the rest in cash."""
    card_paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.sale_id == sale.id, Payment.method == "card")
    )
    card_back = session.scalar(
        select(func.coalesce(func.sum(-Payment.amount), 0))
        .join(Refund, Refund.id == Payment.refund_id)
        .where(Refund.sale_id == sale.id, Payment.method == "card")
    )
    to_card = max(0, min(totals.money_back, int(card_paid) - int(card_back)))
    return to_card, totals.money_back - to_card
