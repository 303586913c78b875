"""Checkout: price a cart for a card, take the money, credit the cashback, in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.engine import retrying
from loyaltypos.db.ledger import entry_row
from loyaltypos.db.models import (
    BusinessDay,
    Card,
    Gift,
    Sale,
    pct_to_bp,
)
from loyaltypos.db.raw import Driver, insert_sql
from loyaltypos.domain import clock, ids
from loyaltypos.domain.errors import GuardsMissing, PaymentWrong, RedeemRefused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.money import fmt
from loyaltypos.domain.people import Actor
from loyaltypos.domain.pricing import QTY_SCALE, CartLine, Pricing, RedeemRequest, Terms, price_sale
from loyaltypos.domain.program import Program
from loyaltypos.services import expiry, rewards
from loyaltypos.services.cards import (
    CardInfo,
    CardState,
    card_info,
    qualifying_spend,
    tier_of,
    usable_card,
    usable_card_state,
)
from loyaltypos.services.store import current_program, open_day, program_version, selling_date

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
    bonuses: dict[str, int] = field(default_factory=dict)  # kind -> amount, with this sale
    stamp: int | None = None  # the card's stamp count after the sale, when it earned one
    stamps_every: int | None = None
    gift: str | None = None  # what the stamp earned: "bonus" or "item"


AnyCard = Card | CardState


def _terms(program: Program, card: AnyCard | None, session: Session) -> tuple[str | None, Terms]:
    if card is None:
        return None, Terms(max_redeem_pct=program.max_redeem_pct,
                           min_redeem_balance=program.min_redeem_balance)
    tier, _pinned = tier_of(program, card, qualifying_spend(session, card, program))
    return tier.name, Terms(
        discount_pct=tier.discount_pct,
        cashback_pct=tier.cashback_pct,
        max_redeem_pct=program.max_redeem_pct,
        min_redeem_balance=program.min_redeem_balance,
    )


def _price(session: Session, program: Program, card: AnyCard | None,
           lines: Sequence[CartLine], redeem: RedeemRequest,
           on: dt.date | None = None, *, recording: bool = False,
           raw: Driver | None = None) -> tuple[str | None, Pricing]:
    """Price ``lines`` for ``card`` on business date ``on`` (the date a sale now goes into
    when None): with ``[expiry]``, only cashback spendable that day can pay. ``raw``: the
    driver-level cursor of a sale's transaction, which ``session`` is bound to."""
    if card is None and redeem not in (None, 0):
        raise RedeemRefused(_("cashback can only be redeemed with a loyalty card; scan the card"))
    tier, terms = _terms(program, card, session)
    balance = card.balance if card else 0
    # With [expiry], what may pay is worked out from the card's lots (a replay of its
    # ledger); a sale that redeems nothing records without it.
    if card is not None and balance and (program.expiry.days or program.expiry.lock_days) \
            and (redeem not in (None, 0) or not recording):
        balance = expiry.spendable_balance(raw or session, card.lineage_id, program,
                                           on or selling_date(session))
    pricing = price_sale(lines, terms=terms, balance=balance, redeem=redeem,
                         currency=program.currency)
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
            raise PaymentWrong(_("payment method must be cash or card, not '{method}'").format(
                method=p.method))
        if p.amount is not None and p.amount < 0:
            raise PaymentWrong(_("a payment cannot be negative"))
        if p.tendered is not None and p.method != "cash":
            raise PaymentWrong(_("only cash is tendered; a card pays the exact amount"))
    open_ = [p for p in payments if p.amount is None]
    if len(open_) == 2 and {p.method for p in open_} == {"cash", "card"}:
        # Cash handed over pays as much as it covers; the bank card pays the rest.
        cash = next(p for p in open_ if p.method == "cash")
        if cash.tendered is None:
            raise PaymentWrong(_("for cash and card together, say how much cash was handed over"))
        rest = paid - sum(p.amount for p in payments if p.amount is not None)
        payments = [p for p in payments if p.amount is not None] + [
            PaymentInput("cash", max(0, min(cash.tendered, rest)), cash.tendered),
            PaymentInput("card", None),
        ]
        open_ = [payments[-1]]
    if len(open_) > 1:
        raise PaymentWrong(_("only one payment can take 'the rest'; give the other amounts"))
    fixed = sum(p.amount for p in payments if p.amount is not None)
    if paid == 0:
        if fixed:
            raise PaymentWrong(_("nothing is left to pay: cashback covers the whole bill"))
        return []
    settled = []
    for p in payments:
        amount = p.amount if p.amount is not None else paid - fixed
        if amount < 0:
            raise PaymentWrong(
                _("the payments add up to {total}, more than the {due} to pay").format(
                    total=fmt(fixed, currency), due=fmt(paid, currency))
            )
        tendered = p.tendered if p.method == "cash" else None
        if tendered is not None and tendered < amount:
            raise PaymentWrong(
                _("{tendered} in cash does not cover {amount}; take more cash or pay the rest by"
                  " card").format(tendered=fmt(tendered, currency), amount=fmt(amount, currency))
            )
        if amount:
            settled.append(PaymentInput(p.method, amount, tendered))
    total = sum(p.amount for p in settled)
    if total != paid:
        raise PaymentWrong(
            _("the payments add up to {total} but {due} is to pay").format(
                total=fmt(total, currency), due=fmt(paid, currency))
        )
    return settled


_RESULT_COLUMNS = (Sale.id, Sale.receipt_no, Sale.tier, Sale.subtotal, Sale.discount,
                   Sale.redeemed, Sale.paid, Sale.cashback, Sale.balance_after,
                   Sale.change_given, Card.number, Sale.stamp, Gift.kind)


def _recorded(conn: Connection, sale_id: str) -> SaleResult | None:
    """The result of a sale already recorded under ``sale_id``, if any."""
    row = conn.execute(
        select(*_RESULT_COLUMNS).outerjoin(Card, Card.id == Sale.card_id)
        .outerjoin(Gift, Gift.sale_id == Sale.id).where(Sale.id == sale_id)
    ).first()
    if row is None:
        return None
    return SaleResult(
        sale_id=row.id, receipt_no=row.receipt_no, card=row.number, tier=row.tier,
        subtotal=row.subtotal, discount=row.discount, redeemed=row.redeemed, paid=row.paid,
        cashback=row.cashback, balance=row.balance_after, change=row.change_given,
        replayed=True, bonuses=rewards.recorded(conn, sale_id), stamp=row.stamp,
        gift=row.kind,
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
    nothing, so a double press or a retry never charges or credits twice. The id is
    compared and stored in its canonical form (:func:`loyaltypos.domain.ids.sale_id`),
    so another spelling of the same UUID is the same sale; what is not a UUID is refused.
    """
    # One UUID, one spelling: "{3F2B...}", "urn:uuid:3f2b..." and "3f2b..." are one sale.
    sale_id = ids.sale_id(sale_id)

    def attempt() -> SaleResult:
        refuse_without_guards(db)  # the first look at a server may fail for a moment too
        return _checkout(db, actor, sale_id, lines, card_number, redeem, payments)

    try:
        # A server that goes away for a moment: the same sale is tried again (its id makes
        # a commit whose answer was lost come back as the first result, not a second sale).
        return retrying(attempt)
    except IntegrityError:
        # Another till recorded the same id between our look-up and our insert.
        with db.read() as s:
            replay = _recorded(s.connection(), sale_id)
        if replay is None:
            raise
        return replay


# What a sale needs to know before it writes, in one round trip.
# Receipt numbers are the shop's own: max + 1 is read inside the write transaction, which
# holds the database's write lock (SQLite's, or the advisory lock on a server).
_CONTEXT = (
    "SELECT (SELECT id FROM sales WHERE id = :sale_id),"
    " (SELECT id FROM business_days WHERE closed_at IS NULL AND shop_id = :shop LIMIT 1),"
    " (SELECT opened_at FROM business_days WHERE closed_at IS NULL AND shop_id = :shop"
    " LIMIT 1),"
    " (SELECT business_date FROM business_days WHERE closed_at IS NULL AND shop_id = :shop"
    " LIMIT 1),"
    " (SELECT max(receipt_no) FROM sales WHERE shop_id = :shop),"
    " (SELECT max(id) FROM programs)")
_INSERT_SALE = insert_sql("sales", (
    "id", "receipt_no", "shop_id", "till_id", "day_id", "card_id", "user_id", "created_at",
    "tier", "discount_bp", "cashback_bp", "subtotal", "discount", "redeemed", "paid", "cashback",
    "change_given",
    "balance_after", "stamp", "stamp_min"))
_INSERT_LINES = insert_sql("sale_lines", (
    "sale_id", "line_no", "description", "qty_milli", "unit_price", "eligible", "amount",
    "discount", "redeemed", "paid", "cashback", "gift_id"))
_INSERT_PAYMENTS = insert_sql("payments", (
    "sale_id", "refund_id", "day_id", "till_id", "method", "amount", "tendered"))
_INSERT_ENTRIES = insert_sql("ledger_entries", (
    "card_id", "kind", "amount", "sale_id", "refund_id", "user_id", "day_id", "till_id",
    "created_at",
    "note", "corrects_id"))
_INSERT_GIFT = insert_sql("gifts", (
    "sale_id", "card_id", "lineage_id", "kind", "product", "description", "value", "day_id",
    "created_at"))
_UPDATE_CARD = ("UPDATE cards SET balance = :new_balance, spend = spend + :more_spend,"
                " stamps = :stamps WHERE id = :card")
_CREDIT_REFERRER = "UPDATE cards SET balance = :new_balance WHERE id = :card"


def _checkout(db, actor, sale_id, lines, card_number, redeem, payments) -> SaleResult:
    # The till's hottest path: SQL on the driver's own cursor (loyaltypos.db.raw), one
    # round trip per table.
    with db.write_connection() as (conn, s), Driver(conn) as raw:
        place = db.place
        existing, day_id, opened_at, business_date, last_receipt, version = raw.execute(
            _CONTEXT, {"sale_id": sale_id, "shop": place.shop_id}).one()
        if existing is not None:
            return _recorded(conn, sale_id)
        opened_at, business_date = raw.read_stamp(opened_at), raw.read_date(business_date)
        program = program_version(s, version)
        card = usable_card_state(s, card_number, lock=True, raw=raw) if card_number else None
        rewards.check_gift_lines(conn, card, lines)
        tier, pricing = _price(s, program, card, lines, redeem, business_date, recording=True,
                               raw=raw)
        settled = _settle(pricing.paid, payments, program.currency)
        if day_id is None:
            day_id = open_day(s)
            business_date = conn.execute(select(BusinessDay.business_date)
                                         .where(BusinessDay.id == day_id)).scalar_one()
        # never stamped before its day opened, even with the clock set back since
        stamp = clock.now() if opened_at is None else max(clock.now(), opened_at)
        stored_stamp = raw.stamp(stamp)
        tier_obj = program.tier_named(tier) if tier else None
        change = sum((p.tendered or p.amount) - p.amount for p in settled)
        ledger_rows = []
        balance = None
        earned = rewards.NOTHING
        if card is not None:
            earned = rewards.earned(raw, conn, program, card, due=pricing.due,
                                    on=business_date, birthday=card.birthday)
            balance = card.balance
            credits = [("redeem", -pricing.redeemed, None), ("earn", pricing.cashback, None),
                       *earned.bonuses]
            for kind, amount, note in credits:
                if amount:
                    ledger_rows.append(entry_row(card.id, card.number, balance, kind, amount,
                                                 day_id=day_id, till_id=place.till_id,
                                                 user_id=actor.user_id,
                                                 sale_id=sale_id, note=note, at=stamp))
                    balance += amount
        receipt_no = (last_receipt or 0) + 1
        raw.execute(_INSERT_SALE, {
            "id": sale_id, "receipt_no": receipt_no, "shop_id": place.shop_id,
            "till_id": place.till_id, "day_id": day_id,
            "card_id": card.id if card else None, "user_id": actor.user_id,
            "created_at": stored_stamp, "tier": tier,
            "discount_bp": pct_to_bp(tier_obj.discount_pct) if tier_obj else 0,
            "cashback_bp": pct_to_bp(tier_obj.cashback_pct) if tier_obj else 0,
            "subtotal": pricing.subtotal, "discount": pricing.discount,
            "redeemed": pricing.redeemed, "paid": pricing.paid, "cashback": pricing.cashback,
            "change_given": change, "balance_after": balance,
            "stamp": earned.stamp, "stamp_min": earned.stamp_min,
        })
        raw.executemany(_INSERT_LINES, [
            {"sale_id": sale_id, "line_no": no, "description": pl.line.description[:200],
             "qty_milli": int(pl.line.qty * QTY_SCALE), "unit_price": pl.line.unit_price,
             "eligible": pl.line.eligible, "amount": pl.shares.amount,
             "discount": pl.shares.discount, "redeemed": pl.shares.redeemed,
             "paid": pl.shares.paid, "cashback": pl.shares.cashback,
             "gift_id": pl.line.gift_id}
            for no, pl in enumerate(pricing.lines, start=1)
        ])
        if settled:
            raw.executemany(_INSERT_PAYMENTS, [
                {"sale_id": sale_id, "refund_id": None, "day_id": day_id,
                 "till_id": place.till_id, "method": p.method, "amount": p.amount,
                 "tendered": p.tendered}
                for p in settled
            ])
        if card is not None:
            if earned.gift is not None:
                gift = earned.gift
                raw.execute(_INSERT_GIFT, {
                    "sale_id": sale_id, "card_id": card.id, "lineage_id": card.lineage_id,
                    "kind": gift.kind, "product": gift.product,
                    "description": gift.description[:200], "value": gift.value,
                    "day_id": day_id, "created_at": stored_stamp})
            referrer = earned.referrer
            if referrer is not None:
                ledger_rows.append(entry_row(
                    referrer.id, referrer.number, referrer.balance, "bonus_referral",
                    earned.referral_amount, day_id=day_id, till_id=place.till_id,
                    user_id=actor.user_id,
                    sale_id=sale_id, note=f"referral {card.number}", at=stamp))
                raw.execute(_CREDIT_REFERRER, {
                    "card": referrer.id,
                    "new_balance": referrer.balance + earned.referral_amount})
            if ledger_rows:
                raw.executemany(_INSERT_ENTRIES, [{**row, "created_at": stored_stamp}
                                                  for row in ledger_rows])
            stamps = card.stamps
            if earned.stamp is not None:
                stamps = 0 if earned.gift is not None else earned.stamp
            raw.execute(_UPDATE_CARD, {"card": card.id, "new_balance": balance,
                                       "more_spend": pricing.spend, "stamps": stamps})
        return SaleResult(
            sale_id=sale_id, receipt_no=receipt_no, card=card.number if card else None,
            tier=tier, subtotal=pricing.subtotal, discount=pricing.discount,
            redeemed=pricing.redeemed, paid=pricing.paid, cashback=pricing.cashback,
            balance=balance, change=change, bonuses=earned.by_kind, stamp=earned.stamp,
            stamps_every=earned.every,
            gift=earned.gift.kind if earned.gift is not None else None,
        )


def refuse_without_guards(db: Database) -> None:
    """No sale on a database whose append-only guards were removed: its ledger could be
    rewritten behind the till's back, and every figure it shows would be a guess."""
    missing = db.missing_guards()
    if missing:
        raise GuardsMissing(_(
            "this database has lost {n} of its guards ({names}); nothing is sold on it."
            " Restore a backup, or ask whoever looks after the shop's computer").format(
            n=len(missing), names=", ".join(sorted(missing)[:3])))
