"""The program's rewards at the till: stamps and gifts, birthday and referral bonuses, and
what a refund takes back of them (docs/RULES-DECISIONS.md, "Rewards").

A sale asks :func:`earned` what it earns besides cashback and writes it in its own
transaction; a refund asks :func:`taken_back` what it must take back. Everything is told
by facts: ``sales.stamp``, the ``gifts`` rows, the sale lines that handed a gift out,
the refunds that took a stamp or a gift back, and the bonus and reversal entries of the
ledger. ``cards.stamps`` is a cache of the count, like ``cards.balance``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from loyaltypos.db.models import (
    Card,
    Gift,
    LedgerEntry,
    Product,
    Referral,
    Refund,
    Sale,
    SaleLine,
)
from loyaltypos.db.raw import Driver
from loyaltypos.domain.cards import ReadyGift, Rewards
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.pricing import CartLine
from loyaltypos.domain.program import Program, Reward
from loyaltypos.services import expiry

_ONE = Decimal(1)


@dataclass(frozen=True)
class GiftDraft:
    kind: str  # bonus | item
    product: str | None
    description: str
    value: int


@dataclass(frozen=True)
class ReferrerCard:
    id: int
    number: str
    balance: int


@dataclass(frozen=True)
class Earned:
    """What a sale earns besides its cashback."""

    stamp: int | None = None  # the card's count after the sale, when it earned a stamp
    stamp_min: int | None = None
    every: int | None = None
    gift: GiftDraft | None = None
    bonuses: tuple[tuple[str, int, str | None], ...] = ()  # on the sale's card: kind, amount, note
    referrer: ReferrerCard | None = None  # credited the referral bonus
    referral_amount: int = 0

    @property
    def by_kind(self) -> dict[str, int]:
        """The bonuses credited with the sale, by kind (the referrer's too)."""
        out = {kind: amount for kind, amount, _note in self.bonuses}
        if self.referrer is not None:
            out["bonus_referral"] = self.referral_amount
        return out


NOTHING = Earned()


def birthday_occurrence(birthday: dt.date, on: dt.date, days: int) -> dt.date | None:
    """The customer's birthday within ``days`` days of ``on`` (before or after), if any.

    A birthday on 29 February falls on 28 February in a year without one.
    """
    for year in (on.year - 1, on.year, on.year + 1):
        try:
            date = birthday.replace(year=year)
        except ValueError:
            date = dt.date(year, 2, 28)
        if abs((date - on).days) <= days:
            return date
    return None


def birthday_note(occurrence: dt.date) -> str:
    """The note of a birthday bonus and of its reversal: which birthday it is for."""
    return f"birthday {occurrence.isoformat()}"


def _birthday_given(raw: Driver, lineage_id: int, occurrence: dt.date) -> bool:
    """Whether the lineage holds a birthday bonus for this birthday not taken back.

    The bonus and its reversal carry the birthday in their note; they are found by kind
    and card (an index), so the look-up does not grow with the card's history."""
    rows = dict(raw.execute(_BIRTHDAY_ENTRIES, {
        "lineage": lineage_id, "note": birthday_note(occurrence)}).all())
    return rows.get("bonus_birthday", 0) > rows.get("reverse_birthday", 0)


_BIRTHDAY_ENTRIES = (
    "SELECT kind, count(*) FROM ledger_entries"
    " WHERE kind IN ('bonus_birthday', 'reverse_birthday')"
    " AND card_id IN (SELECT id FROM cards WHERE lineage_id = :lineage) AND note = :note"
    " GROUP BY kind")


_newcomer = aliased(Card)
_REFERRAL = (
    select(Referral.referrer_card_id)
    .join(_newcomer, _newcomer.id == Referral.card_id)
    .where(_newcomer.lineage_id == bindparam("lineage"))
)
_REFERRAL_PAID = (
    select(LedgerEntry.kind, func.count())
    .join(Sale, Sale.id == LedgerEntry.sale_id)
    .join(Card, Card.id == Sale.card_id)
    .where(Card.lineage_id == bindparam("lineage"),
           LedgerEntry.kind.in_(("bonus_referral", "reverse_referral")))
    .group_by(LedgerEntry.kind)
)
_LINEAGE_SALES = (
    select(func.count()).select_from(Sale).join(Card, Card.id == Sale.card_id)
    .where(Card.lineage_id == bindparam("lineage"))
)


def _referrer(conn: Connection, lineage_id: int) -> ReferrerCard | None:
    """The live card of whoever brought this customer, while their bonus is unpaid."""
    referrer_id = conn.execute(_REFERRAL, {"lineage": lineage_id}).scalar()
    if referrer_id is None:
        return None
    # The first purchase: the lineage has bought nothing before, or only purchases that
    # were refunded whole and so gave their bonus back.
    paid = dict(conn.execute(_REFERRAL_PAID, {"lineage": lineage_id}).all())
    bought = conn.execute(_LINEAGE_SALES, {"lineage": lineage_id}).scalar()
    if bought > paid.get("reverse_referral", 0):
        return None
    return _live_referrer(conn, referrer_id)  # locked: its balance moves


def _gift_draft(conn: Connection, reward: Reward) -> GiftDraft:
    if reward.gift == "bonus":
        return GiftDraft("bonus", None, _("stamp bonus"), reward.amount)
    row = conn.execute(select(Product.name, Product.price)
                       .where(Product.code == reward.product)).first()
    if row is None:  # the catalog lost the product after the program was loaded
        return GiftDraft("item", reward.product, reward.product, 0)
    return GiftDraft("item", reward.product, row.name, row.price)


def earned(raw: Driver, conn: Connection, program: Program, card, *, due: int, on: dt.date,
           birthday: dt.date | None) -> Earned:
    """What a sale of ``due`` (subtotal - discount) on business date ``on`` earns for
    ``card`` (a :class:`~loyaltypos.services.cards.CardState`) besides cashback; the sale's
    look-ups on the driver's cursor ``raw``, the rare ones on ``conn``."""
    stamp = stamp_min = every = gift = None
    bonuses: list[tuple[str, int, str | None]] = []
    stamps = program.reward("stamps")
    if stamps is not None and due > 0 and due >= stamps.min_check:
        stamp, stamp_min, every = card.stamps + 1, stamps.min_check, stamps.every
        if stamp >= stamps.every:
            gift = _gift_draft(conn, stamps)
            if gift.kind == "bonus":
                bonuses.append(("bonus_stamps", gift.value, None))
    party = program.reward("birthday")
    if party is not None and birthday is not None:
        occurrence = birthday_occurrence(birthday, on, party.days)
        if occurrence is not None and not _birthday_given(raw, card.lineage_id, occurrence):
            bonuses.append(("bonus_birthday", party.amount, birthday_note(occurrence)))
    referral = program.reward("referral")
    referrer = None
    # A purchase that stands leaves spend on the card: only a card without spend can be
    # making its first purchase, so the look-ups run for those alone.
    if referral is not None and card.kind == "personal" and card.spend == 0 and due > 0:
        referrer = _referrer(conn, card.lineage_id)
    return Earned(stamp=stamp, stamp_min=stamp_min, every=every, gift=gift,
                  bonuses=tuple(bonuses), referrer=referrer,
                  referral_amount=referral.amount if referrer else 0)


# -- gifts ---------------------------------------------------------------------------------

def _ready_query(lineage_id: int):
    used = select(SaleLine.id).where(SaleLine.gift_id == Gift.id)
    taken = select(Refund.id).where(Refund.gift_id == Gift.id)
    return (select(Gift.id, Gift.product, Gift.description, Gift.value)
            .where(Gift.lineage_id == lineage_id, Gift.kind == "item",
                   ~used.exists(), ~taken.exists())
            .order_by(Gift.id))


def ready_gifts(session: Session, lineage_id: int) -> list[ReadyGift]:
    return [ReadyGift(*row) for row in session.execute(_ready_query(lineage_id))]


def standing(session: Session, program: Program, card, *, on: dt.date,
             birthday: dt.date | None) -> Rewards:
    """Where ``card`` (a live card) stands with the rewards on business date ``on``."""
    stamps = program.reward("stamps")
    gifts = tuple(ready_gifts(session, card.lineage_id))
    birthday_bonus = 0
    party = program.reward("birthday")
    if party is not None and birthday is not None:
        occurrence = birthday_occurrence(birthday, on, party.days)
        if occurrence is not None:
            with Driver(session.connection()) as raw:
                if not _birthday_given(raw, card.lineage_id, occurrence):
                    birthday_bonus = party.amount
    next_expiry, locked = None, 0
    if card.balance and (program.expiry.days or program.expiry.lock_days):
        lots = expiry.lots_now(session, card.lineage_id, program, on)
        next_expiry, locked = lots.next_expiry, lots.locked
    return Rewards(stamps=card.stamps if stamps is not None else 0,
                   stamps_every=stamps.every if stamps is not None else None,
                   gifts_ready=gifts, birthday_bonus=birthday_bonus, next_expiry=next_expiry,
                   locked=locked)


def check_gift_lines(conn: Connection, card, lines: Sequence[CartLine]) -> None:
    """Gift lines hand out gifts the card holds: each once, one unit, at price 0."""
    wanted = [line.gift_id for line in lines if line.gift_id is not None]
    if not wanted:
        return
    if card is None:
        raise Refused(_("a gift is handed out with the card that earned it; scan the card"))
    if len(set(wanted)) != len(wanted):
        raise Refused(_("each gift is handed out once"))
    ready = {row.id for row in conn.execute(_ready_query(card.lineage_id))}
    for line in lines:
        if line.gift_id is None:
            continue
        if line.gift_id not in ready:
            raise Refused(_("this card has no such gift to hand out (it was used or taken"
                            " back)"))
        if line.qty != _ONE or line.unit_price != 0 or line.eligible:
            raise Refused(_("a gift is one unit at price 0, outside the program"))


# -- refunds -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TakenBack:
    """What a refund takes back of the sale's rewards."""

    unstamped: bool = False
    gift_id: int | None = None
    # (kind, value) to reverse from the sale's card: reverse_stamps, reverse_birthday
    reversals: tuple[tuple[str, int, str | None], ...] = ()
    referral: tuple[ReferrerCard, int] | None = None  # the referrer's card and the bonus

    @property
    def total(self) -> int:
        return sum(value for _kind, value, _note in self.reversals)


NO_REWARDS = TakenBack()


def taken_back(session: Session, sale: Sale, *, spend_after: int, whole: bool,
               lock: bool = True) -> TakenBack:
    """What refunding a part of ``sale`` takes back, the sale keeping ``spend_after`` of
    its due (subtotal - discount) afterwards; ``whole`` when nothing of it is left."""
    if sale.card_id is None:
        return TakenBack()
    conn = session.connection()
    unstamped = gift_id = None
    reversals: list[tuple[str, int, str | None]] = []
    stamped = sale.stamp is not None and not conn.execute(
        select(Refund.id).where(Refund.sale_id == sale.id, Refund.unstamped.is_(True))
    ).first()
    if stamped and (whole or spend_after < (sale.stamp_min or 0)):
        unstamped = True
        gift = session.scalar(select(Gift).where(Gift.sale_id == sale.id))
        if gift is not None:
            gift_id = gift.id
            used = conn.execute(select(SaleLine.id).where(SaleLine.gift_id == gift.id)).first()
            if gift.kind == "bonus" or used is not None:
                reversals.append(("reverse_stamps", gift.value, None))
    referral = None
    if whole:
        for kind, amount, note, card_id in conn.execute(
                select(LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.note,
                       LedgerEntry.card_id)
                .where(LedgerEntry.sale_id == sale.id,
                       LedgerEntry.kind.in_(("bonus_birthday", "bonus_referral")))
                .order_by(LedgerEntry.id)):
            if kind == "bonus_birthday":
                reversals.append(("reverse_birthday", amount, note))
            else:
                referral = (_live_referrer(conn, card_id, lock), amount)
    return TakenBack(bool(unstamped), gift_id, tuple(reversals), referral)


def _live_referrer(conn: Connection, card_id: int, lock: bool = True) -> ReferrerCard:
    while True:
        query = select(Card.id, Card.number, Card.balance, Card.replaced_by_id).where(
            Card.id == card_id)
        row = conn.execute(query.with_for_update() if lock else query).one()
        if row.replaced_by_id is None:
            return ReferrerCard(row.id, row.number, row.balance)
        card_id = row.replaced_by_id


def count_stamps(sales: Iterable[tuple[str, int | None]], unstamped: set[str],
                 gifted: set[str]) -> int:
    """A card's stamp count from its stamped sales in order: the purchases since the last
    gift that still stands, a purchase whose stamp a refund took back not counting."""
    count = 0
    for sale_id, _stamp in sales:
        if sale_id in unstamped:
            continue
        count = 0 if sale_id in gifted else count + 1
    return count


def _stamp_facts(session: Session, lineage_ids: set[int] | None = None):
    chain = aliased(Card)
    query = (select(chain.lineage_id, Sale.id, Sale.stamp)
             .join(chain, chain.id == Sale.card_id)
             .where(Sale.stamp.is_not(None))
             .order_by(chain.lineage_id, Sale.receipt_no))
    if lineage_ids is not None:
        query = query.where(chain.lineage_id.in_(lineage_ids))
    unstamped = set(session.scalars(select(Refund.sale_id).where(Refund.unstamped.is_(True))))
    taken = select(Refund.gift_id).where(Refund.gift_id.is_not(None))
    gifted = set(session.scalars(select(Gift.sale_id).where(Gift.id.not_in(taken))))
    by_lineage: dict[int, list[tuple[str, int]]] = {}
    for lineage, sale_id, stamp in session.execute(query):
        by_lineage.setdefault(lineage, []).append((sale_id, stamp))
    return {lineage: count_stamps(rows, unstamped, gifted)
            for lineage, rows in by_lineage.items()}


def stamps_of(session: Session, lineage_id: int) -> int:
    """The lineage's stamp count, counted again from its sales."""
    return _stamp_facts(session, {lineage_id}).get(lineage_id, 0)


def stamp_counts(session: Session) -> dict[int, int]:
    """Every lineage's stamp count from its sales (for ``verify``)."""
    return _stamp_facts(session)


def recorded(conn: Connection, sale_id: str) -> dict[str, int]:
    """The bonuses a recorded sale credited, by kind, in the order they were credited (a
    replay or a reprint)."""
    return {kind: int(amount) for kind, amount in conn.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.sale_id == sale_id,
               LedgerEntry.kind.in_(("bonus_stamps", "bonus_birthday", "bonus_referral")))
        .group_by(LedgerEntry.kind)
        .order_by(func.min(LedgerEntry.id)))}
