"""Referrals: who recommended the shop to the customer of a new personal card.

Issuing a personal card, or registering a bearer card to a person, may name the
customer who recommended the shop, by their card number or their phone. The rules:

- Only a personal card is referred, and only a customer with a personal card refers:
  a bearer card (anonymous) is refused on either side.
- The referrer is typed as a card number or a phone. A number is tried first, then a
  phone (the customer's personal card not replaced): the phone as stored, with or without
  its "+", else the one customer whose phone has the same last ten digits (a national
  "8 900..." finds "+7 900..."; two such customers are refused: type the card number).
- A replaced card stands for its customer: the referral names the card that replaced
  it, the live end of its chain (the card's lineage, ``Card.lineage_id``, is the
  customer).
- A blocked referrer card is accepted: a lost card is still the person who recommended
  the shop. The referral names that card; the reads below follow its lineage, so a
  replacement issued later shows instead.
- A card never refers itself nor a card of the same customer (the same lineage or the
  same holder); the database also refuses a row naming one card twice.
- A text that is no known card or phone is refused with "no customer with card or phone
  X", and then nothing is written: no referral and no new card either.
- A customer is referred once: a card whose lineage already has a referral gets no
  second one (the database keeps one row per card).
- The referral row is written in the new card's transaction, right after the card, with
  the acting user and a ``referral`` audit line (target: the new card's number, detail:
  the referrer's number). Rows are facts: written once, never changed (migration 0008).

The read helpers give what insight and the customer profile need: referrals by lineage,
the referrers whose newcomers have bought, and one customer's referrals as card numbers.
A newcomer has bought by a date when their lineage has a sale of a business day up to
it that refunds made by then have not wholly taken back (as the insight report counts a
purchase: no refund, or refunded spend < subtotal - discount), or an imported purchase
dated up to it. Sales on the card while it was a bearer card count: same card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session, aliased

from loyaltypos.db import Database
from loyaltypos.db.models import (
    BusinessDay,
    Card,
    Customer,
    ImportedPurchase,
    Referral,
    Refund,
    Sale,
)
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.errors import BadCustomer, CardKindWrong, CardNumberWrong, Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor
from loyaltypos.services.audit import audit
from loyaltypos.services.cards import live_card, normalize_phone


def _unknown(text: str) -> Refused:
    return Refused(_("no customer with card or phone {text}; check the number or leave the "
                     "field empty").format(text=text))


def _by_number(session: Session, text: str) -> Card | None:
    try:
        number = cardnumbers.normalize(text)
    except CardNumberWrong:
        return None
    card = session.scalar(select(Card).where(Card.number == number))
    return None if card is None else live_card(session, card)


def _by_phone(session: Session, text: str) -> Card | None:
    try:
        phone = normalize_phone(text)
    except BadCustomer:
        return None
    # A phone is kept as typed, with or without "+": the exact one first, then the other,
    # then the same last ten digits (8 900... and +7 900... are one number), if only one
    # customer's phone ends so.
    other = phone[1:] if phone.startswith("+") else "+" + phone
    customer_id = session.scalar(select(Customer.id).where(Customer.phone.in_((phone, other)))
                                 .order_by((Customer.phone == phone).desc()).limit(1))
    if customer_id is None and len(phone.lstrip("+")) >= 10:
        ending = phone[-10:]
        found = session.scalars(select(Customer.id).where(
            Customer.phone.endswith(ending, autoescape=True)).limit(2)).all()
        if len(found) > 1:
            raise Refused(_("more than one customer has a phone ending in {digits}; type the "
                            "card number instead").format(digits=ending))
        customer_id = found[0] if found else None
    if customer_id is None:
        return None
    return session.scalar(
        select(Card).where(Card.customer_id == customer_id, Card.kind == "personal",
                           Card.status != "replaced").order_by(Card.id.desc()).limit(1))


def _same_customer(referrer: Card, card: Card) -> bool:
    return (referrer.id == card.id or referrer.lineage_id == card.lineage_id
            or (referrer.customer_id is not None and referrer.customer_id == card.customer_id))


def card_named(session: Session, text: str) -> Card | None:
    """The live card of a typed card number, or the live personal card of the customer
    with a typed phone; None when neither is known."""
    typed = (text or "").strip()
    return (_by_number(session, typed) or _by_phone(session, typed)) if typed else None


def resolve_referrer(session: Session, text: str, *, newcomer: Card | None = None) -> Card:
    """The live personal card of the customer a card number or phone names.

    ``newcomer`` is the card being referred, when it exists already (a bearer card being
    registered): naming it, or a card of its lineage, is refused.
    """
    typed = (text or "").strip()
    referrer = card_named(session, typed)
    if referrer is None:
        raise _unknown(typed)
    if newcomer is not None and _same_customer(referrer, newcomer):
        raise Refused(_("card {number} cannot recommend itself; ask for the card or phone of "
                        "the customer who recommended the shop").format(number=referrer.number))
    if referrer.kind != "personal":
        raise CardKindWrong(_("card {number} is a bearer card: only a customer with a personal "
                              "card can recommend the shop").format(number=referrer.number))
    return referrer


def record_referral(session: Session, *, actor: Actor, card: Card,
                    referrer: Card) -> Referral:
    """Write that ``referrer`` recommended the shop to ``card``'s customer, in the caller's
    transaction (the card already flushed): a ``referral`` audit line, then the row."""
    if card.kind != "personal":
        raise CardKindWrong(_("card {number} is a bearer card: only a personal card can be "
                              "recommended").format(number=card.number))
    if referrer.kind != "personal":
        raise CardKindWrong(_("card {number} is a bearer card: only a customer with a personal "
                              "card can recommend the shop").format(number=referrer.number))
    if _same_customer(referrer, card):
        raise Refused(_("card {number} cannot recommend itself; ask for the card or phone of "
                        "the customer who recommended the shop").format(number=referrer.number))
    earlier = session.scalar(
        select(Card.number).join(Referral, Referral.referrer_card_id == Card.id)
        .where(Referral.card_id.in_(select(Card.id).where(Card.lineage_id == card.lineage_id))))
    if earlier is not None:
        raise Refused(_("card {number} was already recommended by card {earlier}; a customer "
                        "is recommended once").format(number=card.number, earlier=earlier))
    audit(session, actor, "referral", card.number, referrer=referrer.number)
    row = Referral(card_id=card.id, referrer_card_id=referrer.id, user_id=actor.user_id,
                   created_at=clock.now())
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- reading referrals

@dataclass(frozen=True)
class Link:
    """One referral between two customers, each named by their lineage."""

    newcomer: int  # the lineage of the referred card
    referrer: int  # the lineage of the card that recommended the shop
    created_at: dt.datetime


_newcomer_card = aliased(Card)
_referrer_card = aliased(Card)


def referrals_of(session: Session, *lineage_ids: int) -> list[Link]:
    """The referrals in which any of these lineages is the newcomer or the referrer,
    oldest first; none for no lineage."""
    if not lineage_ids:
        return []
    rows = session.execute(
        select(_newcomer_card.lineage_id, _referrer_card.lineage_id, Referral.created_at)
        .join(_newcomer_card, _newcomer_card.id == Referral.card_id)
        .join(_referrer_card, _referrer_card.id == Referral.referrer_card_id)
        .where(or_(_newcomer_card.lineage_id.in_(lineage_ids),
                   _referrer_card.lineage_id.in_(lineage_ids)))
        .order_by(Referral.id))
    return [Link(newcomer, referrer, at) for newcomer, referrer, at in rows]


def _buying_lineages(until: dt.date):
    """Lineages with a purchase dated up to ``until``: a sale not wholly refunded by then
    (as insight counts purchases), or an imported purchase."""
    refunded = (select(Refund.sale_id, func.sum(Refund.spend).label("spend"))
                .join(BusinessDay, BusinessDay.id == Refund.day_id)
                .where(BusinessDay.business_date <= until)
                .group_by(Refund.sale_id).subquery())
    back = func.coalesce(refunded.c.spend, 0)
    sold = (select(Card.lineage_id)
            .join(Sale, Sale.card_id == Card.id)
            .join(BusinessDay, BusinessDay.id == Sale.day_id)
            .outerjoin(refunded, refunded.c.sale_id == Sale.id)
            .where(BusinessDay.business_date <= until,
                   or_(back == 0, back < Sale.subtotal - Sale.discount)))
    imported = (select(Card.lineage_id)
                .join(ImportedPurchase, ImportedPurchase.card_id == Card.id)
                .where(ImportedPurchase.business_date <= until))
    return union(sold, imported).subquery()


def referrers_with_buying_newcomers(session: Session, until: dt.date) -> set[int]:
    """The lineages of referrers whose referred customer bought up to ``until``: a sale
    (business date) not wholly refunded by then, or an imported purchase."""
    bought = _buying_lineages(until)
    rows = session.scalars(
        select(_referrer_card.lineage_id).distinct()
        .select_from(Referral)
        .join(_newcomer_card, _newcomer_card.id == Referral.card_id)
        .join(_referrer_card, _referrer_card.id == Referral.referrer_card_id)
        .where(_newcomer_card.lineage_id.in_(select(bought.c.lineage_id))))
    return set(rows)


def links(session: Session) -> list[tuple[int, int]]:
    """Every referral as (newcomer's lineage, referrer's lineage)."""
    return [tuple(row) for row in session.execute(
        select(_newcomer_card.lineage_id, _referrer_card.lineage_id).select_from(Referral)
        .join(_newcomer_card, _newcomer_card.id == Referral.card_id)
        .join(_referrer_card, _referrer_card.id == Referral.referrer_card_id))]


def _live_numbers(session: Session, lineage_ids: Iterable[int]) -> dict[int, str]:
    """Each lineage's card in use now (blocked counts; replaced does not)."""
    ids = set(lineage_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Card.lineage_id, Card.number).where(Card.lineage_id.in_(ids),
                                                   Card.status != "replaced")
        .order_by(Card.id))
    return {lineage: number for lineage, number in rows}


class CustomerReferrals(NamedTuple):
    referred_by: str | None  # the card now in use of who recommended the shop to them
    referred: list[str]  # the cards now in use of those they recommended it to


def referrals_for(session: Session, lineage_id: int) -> CustomerReferrals:
    """A customer's referrals for their profile, as the card numbers in use now."""
    links = referrals_of(session, lineage_id)
    numbers = _live_numbers(session, {x for link in links for x in (link.newcomer,
                                                                    link.referrer)})
    by = next((link.referrer for link in links if link.newcomer == lineage_id), None)
    referred = [numbers[link.newcomer] for link in links if link.referrer == lineage_id
                and link.newcomer in numbers]
    return CustomerReferrals(numbers.get(by) if by is not None else None, referred)


def referrer_of(db: Database, *, number: str) -> str | None:
    """The card now in use of the customer who recommended the shop to this card's
    customer, or None."""
    with db.read() as s:
        lineage = s.scalar(select(Card.lineage_id).where(
            Card.number == cardnumbers.normalize(number)))
        return None if lineage is None else referrals_for(s, lineage).referred_by
