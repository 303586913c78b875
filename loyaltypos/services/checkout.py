"""Checkout: price a cart for a card, take the money, credit the cashback, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltypos import clock
from loyaltypos.db import Database
from loyaltypos.errors import PaymentWrong, RedeemRefused, Refused
from loyaltypos.ledger import post
from loyaltypos.models import Card, Payment, Sale, SaleLine, pct_to_bp
from loyaltypos.money import fmt
from loyaltypos.pricing import QTY_SCALE, CartLine, Pricing, RedeemRequest, Terms, price_sale
from loyaltypos.program import Program
from loyaltypos.services.cards import CardInfo, card_info, qualifying_spend, tier_of, usable_card
from loyaltypos.services.store import current_program, next_number, open_day
from loyaltypos.services.users import Actor

METHODS = ("cash", "card")


def new_sale_id() -> str:
    """The id a till gives a receipt when it opens it; recording it twice stores it once."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class PaymentInput:
    method: str  # cash | card
    amount: int | None = None  # None: whatever is left to pay
    tendered: int | None = None  # cash handed over, for the change


@dataclass(frozen=True)
class Quote:
    """What the till shows before payment."""

    card: CardInfo | None
    tier: str | None
    pricing: Pricing


@dataclass(frozen=True)
class SaleResult:
    sale_id: str
    receipt_no: int
    card: str | None
    tier: str | None
    subtotal: int
    discount: int
    redeemed: int
    paid: int
    cashback: int
    balance: int | None
    change: int
    replayed: bool = False  # True when the same sale id was already recorded


def _terms(program: Program, card: Card | None, session: Session) -> tuple[str | None, Terms]:
    if card is None:
        return None, Terms(max_redeem_pct=program.max_redeem_pct,
                           min_redeem_balance=program.min_redeem_balance)
    tier, _ = tier_of(program, card, qualifying_spend(session, card, program))
    return tier.name, Terms(
        discount_pct=tier.discount_pct,
        cashback_pct=tier.cashback_pct,
        max_redeem_pct=program.max_redeem_pct,
        min_redeem_balance=program.min_redeem_balance,
    )


def _price(session: Session, program: Program, card: Card | None, lines: Sequence[CartLine],
           redeem: RedeemRequest) -> tuple[str | None, Pricing]:
    if card is None and redeem not in (None, 0):
        raise RedeemRefused("cashback can only be redeemed with a loyalty card; scan the card")
    tier, terms = _terms(program, card, session)
    pricing = price_sale(lines, terms=terms, balance=card.balance if card else 0,
                         redeem=redeem, currency=program.currency)
    return tier, pricing


def quote(db: Database, *, card_number: str | None, lines: Sequence[CartLine],
          redeem: RedeemRequest = None) -> Quote:
    """Price a cart without writing anything: the till's running total."""
    with db.read() as s:
        program = current_program(s)
        card = usable_card(s, card_number) if card_number else None
        tier, pricing = _price(s, program, card, lines, redeem)
        return Quote(card=card_info(s, card, program) if card else None, tier=tier,
                     pricing=pricing)


def _settle(paid: int, payments: Sequence[PaymentInput], currency: str) -> list[PaymentInput]:
    """Check the payments cover exactly what is to be paid; fill in an open amount."""
    for p in payments:
        if p.method not in METHODS:
            raise PaymentWrong(f"payment method must be cash or card, not '{p.method}'")
        if p.amount is not None and p.amount < 0:
            raise PaymentWrong("a payment cannot be negative")
        if p.tendered is not None and p.method != "cash":
            raise PaymentWrong("only cash is tendered; a card pays the exact amount")
    open_ = [p for p in payments if p.amount is None]
    if len(open_) == 2 and {p.method for p in open_} == {"cash", "card"}:
        # Cash handed over pays as much as it covers; the bank card pays the rest.
        cash = next(p for p in open_ if p.method == "cash")
        if cash.tendered is None:
            raise PaymentWrong("for cash and card together, say how much cash was handed over")
        rest = paid - sum(p.amount for p in payments if p.amount is not None)
        payments = [p for p in payments if p.amount is not None] + [
            PaymentInput("cash", max(0, min(cash.tendered, rest)), cash.tendered),
            PaymentInput("card", None),
        ]
        open_ = [payments[-1]]
    if len(open_) > 1:
        raise PaymentWrong("only one payment can take 'the rest'; give the other amounts")
    fixed = sum(p.amount for p in payments if p.amount is not None)
    if paid == 0:
        if fixed:
            raise PaymentWrong("nothing is left to pay: cashback covers the whole bill")
        return []
    settled = []
    for p in payments:
        amount = p.amount if p.amount is not None else paid - fixed
        if amount < 0:
            raise PaymentWrong(
                f"the payments add up to {fmt(fixed, currency)}, more than the"
                f" {fmt(paid, currency)} to pay"
            )
        tendered = p.tendered if p.method == "cash" else None
        if tendered is not None and tendered < amount:
            raise PaymentWrong(
                f"{fmt(tendered, currency)} in cash does not cover {fmt(amount, currency)};"
                " take more cash or pay the rest by card"
            )
        if amount:
            settled.append(PaymentInput(p.method, amount, tendered))
    total = sum(p.amount for p in settled)
    if total != paid:
        raise PaymentWrong(
            f"the payments add up to {fmt(total, currency)} but {fmt(paid, currency)} is to pay"
        )
    return settled


def _result(sale: Sale, card_number: str | None, *, replayed: bool) -> SaleResult:
    return SaleResult(
        sale_id=sale.id, receipt_no=sale.receipt_no, card=card_number, tier=sale.tier,
        subtotal=sale.subtotal, discount=sale.discount, redeemed=sale.redeemed, paid=sale.paid,
        cashback=sale.cashback, balance=sale.balance_after, change=sale.change_given,
        replayed=replayed,
    )


def checkout(
    db: Database,
    *,
    actor: Actor,
    sale_id: str,
    lines: Sequence[CartLine],
    card_number: str | None = None,
    redeem: RedeemRequest = None,
    payments: Sequence[PaymentInput] = (PaymentInput("cash"),),
) -> SaleResult:
    """Record a sale: lines, payments and ledger entries in one transaction.

    Recording the same ``sale_id`` again returns the first result and writes
    nothing, so a double press or a retry never charges or credits twice.
    """
    try:
        uuid.UUID(sale_id)
    except (ValueError, TypeError, AttributeError):
        raise Refused(f"'{sale_id}' is not a sale id (a UUID)") from None
    try:
        return _checkout(db, actor, sale_id, lines, card_number, redeem, payments)
    except IntegrityError:
        # Another till recorded the same id between our look-up and our insert.
        with db.read() as s:
            sale = s.get(Sale, sale_id)
            if sale is None:
                raise
            card = s.get(Card, sale.card_id) if sale.card_id else None
            return _result(sale, card.number if card else None, replayed=True)


def _checkout(db, actor, sale_id, lines, card_number, redeem, payments) -> SaleResult:
    with db.write() as s:
        existing = s.get(Sale, sale_id)
        if existing is not None:
            card = s.get(Card, existing.card_id) if existing.card_id else None
            return _result(existing, card.number if card else None, replayed=True)
        program = current_program(s)
        card = usable_card(s, card_number, lock=True) if card_number else None
        tier, pricing = _price(s, program, card, lines, redeem)
        settled = _settle(pricing.paid, payments, program.currency)
        day = open_day(s)
        tier_obj = program.tier_named(tier) if tier else None
        change = sum((p.tendered or p.amount) - p.amount for p in settled)
        sale = Sale(
            id=sale_id, receipt_no=next_number(s, Sale.receipt_no), day_id=day.id,
            card_id=card.id if card else None, user_id=actor.user_id, created_at=clock.now(),
            tier=tier,
            discount_bp=pct_to_bp(tier_obj.discount_pct) if tier_obj else 0,
            cashback_bp=pct_to_bp(tier_obj.cashback_pct) if tier_obj else 0,
            subtotal=pricing.subtotal, discount=pricing.discount, redeemed=pricing.redeemed,
            paid=pricing.paid, cashback=pricing.cashback, change_given=change,
            balance_after=(card.balance - pricing.redeemed + pricing.cashback) if card else None,
        )
        s.add(sale)
        s.flush()
        s.add_all(
            SaleLine(
                sale_id=sale_id, line_no=no, description=pl.line.description[:200],
                qty_milli=int(pl.line.qty * QTY_SCALE), unit_price=pl.line.unit_price,
                eligible=pl.line.eligible, amount=pl.shares.amount,
                discount=pl.shares.discount, redeemed=pl.shares.redeemed,
                paid=pl.shares.paid, cashback=pl.shares.cashback,
            )
            for no, pl in enumerate(pricing.lines, start=1)
        )
        s.add_all(
            Payment(sale_id=sale_id, day_id=day.id, method=p.method, amount=p.amount,
                    tendered=p.tendered)
            for p in settled
        )
        if card is not None:
            post(s, card, "redeem", -pricing.redeemed, day_id=day.id, user_id=actor.user_id,
                 sale_id=sale_id)
            post(s, card, "earn", pricing.cashback, day_id=day.id, user_id=actor.user_id,
                 sale_id=sale_id)
            card.spend += pricing.spend
        return _result(sale, card.number if card else None, replayed=False)
