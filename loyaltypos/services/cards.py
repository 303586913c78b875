"""Loyalty cards: issuing, looking up, registering, blocking, replacing, pinning, adjusting."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.ledger import post
from loyaltypos.db.models import Card, Customer, Refund, Sale, search_key
from loyaltypos.db.raw import Driver
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.cards import NO_REWARDS

# The types of these calls' arguments and results, named here for their callers.
from loyaltypos.domain.cards import CardInfo as CardInfo
from loyaltypos.domain.cards import CustomerInput as CustomerInput
from loyaltypos.domain.cards import Holder as Holder
from loyaltypos.domain.cards import Rewards as Rewards
from loyaltypos.domain.errors import (
    BadCustomer,
    CardBlocked,
    CardKindWrong,
    CardNotFound,
    CardReplaced,
    PhoneTaken,
    Refused,
)
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.program import Program, Tier
from loyaltypos.domain.text import clean_text
from loyaltypos.services import rewards
from loyaltypos.services.audit import audit
from loyaltypos.services.standing import standing_of
from loyaltypos.services.store import (
    card_prefix,
    current_program,
    day_stamp,
    open_day,
    selling_date,
)

MAX_BATCH = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(phone: str | None) -> str | None:
    if phone is None or not phone.strip():
        return None
    raw = phone.strip()
    digits = re.sub(r"\D", "", raw, flags=re.ASCII)
    if not 5 <= len(digits) <= 15 or re.search(r"[^0-9 ()+\-.]", raw):
        raise BadCustomer(_("'{phone}' is not a phone number; type digits, e.g. +7 912 345-67-89"
                            ).format(phone=phone))
    return ("+" if raw.startswith("+") else "") + digits


def check_customer(data: CustomerInput) -> CustomerInput:
    name = (data.name or "").strip()
    if not name:
        raise BadCustomer(_("a personal card needs the holder's name"))
    if len(name) > 200:
        raise BadCustomer(_("the name is too long (200 letters at most)"))
    name = clean_text(name, field=_("the holder's name"), most=200, error=BadCustomer)
    email = (data.email or "").strip() or None
    if email is not None and not _EMAIL.match(email):
        raise BadCustomer(_("'{email}' is not an e-mail address").format(email=email))
    if data.birthday is not None and data.birthday > clock.local_today():
        raise BadCustomer(_("the birthday is in the future"))
    return CustomerInput(name=name, phone=normalize_phone(data.phone), email=email,
                         birthday=data.birthday, marketing_consent=bool(data.marketing_consent))


def _ensure_phone_free(session: Session, phone: str | None) -> None:
    if phone and session.scalar(select(Customer.id).where(Customer.phone == phone)):
        raise PhoneTaken(_("phone {phone} already belongs to another customer; find them with F3"
                           ).format(phone=phone))


def qualifying_spend(session: Session, card: Card | CardState, program: Program) -> int:
    """The spend that decides the card's tier: lifetime, or inside the program's window."""
    if program.tier_window_days == 0:
        return card.spend
    since = clock.now() - dt.timedelta(days=program.tier_window_days)
    chain = select(Card.id).where(Card.lineage_id == card.lineage_id)
    sold = session.scalar(
        select(func.coalesce(func.sum(Sale.subtotal - Sale.discount), 0)).where(
            Sale.card_id.in_(chain), Sale.created_at >= since
        )
    )
    returned = session.scalar(
        select(func.coalesce(func.sum(Refund.spend), 0))
        .join(Sale, Sale.id == Refund.sale_id)
        .where(Sale.card_id.in_(chain), Sale.created_at >= since)
    )
    return int(sold) - int(returned)


def tier_of(program: Program, card: Card | CardState, spend: int) -> tuple[Tier, bool]:
    """The card's tier and whether a manager pinned it there."""
    if card.kind == "bearer":
        return program.bearer_tier, False
    if card.pinned_tier:
        pinned = program.tier_named(card.pinned_tier)
        if pinned is not None and not pinned.bearer:
            return pinned, True
    return program.tier_for_spend(spend), False


def card_info(session: Session, card: Card, program: Program | None = None) -> CardInfo:
    program = program or current_program(session)
    spend = qualifying_spend(session, card, program)
    tier, pinned = tier_of(program, card, spend)
    nxt = None if card.kind == "bearer" or pinned else program.next_tier(spend)
    holder = None
    if card.customer is not None:
        c = card.customer
        holder = Holder(c.name, c.phone, c.email, c.birthday, c.marketing_consent)
    replaced_by = None
    if card.replaced_by_id is not None:
        replaced_by = session.get(Card, card.replaced_by_id).number
    standing = NO_REWARDS
    if card.replaced_by_id is None and (program.rewards or program.expiry.days
                                        or program.expiry.lock_days):
        standing = rewards.standing(session, program, card, on=selling_date(session),
                                    birthday=holder.birthday if holder else None)
    return CardInfo(
        number=card.number,
        kind=card.kind,
        status=card.status,
        tier=tier.name,
        discount_pct=tier.discount_pct,
        cashback_pct=tier.cashback_pct,
        balance=card.balance,
        spend=spend,
        holder=holder,
        pinned=pinned,
        next_tier=nxt[0].name if nxt else None,
        to_next_tier=nxt[1] if nxt else None,
        replaced_by=replaced_by,
        rewards=standing,
    )


def find_card(session: Session, number: str, *, lock: bool = False) -> Card:
    """The card with a scanned or typed number, in any state."""
    clean = cardnumbers.normalize(number)
    query = select(Card).where(Card.number == clean)
    if lock:
        query = query.with_for_update(of=Card)  # the card row; its holder is read along
    card = session.scalar(query)
    if card is None:
        raise CardNotFound(_("no card {number} in this shop; check the number or issue a card"
                             ).format(number=clean))
    return card


def _refuse_unusable(session: Session, card: Card | CardState) -> None:
    if card.status == "blocked":
        raise CardBlocked(_("card {number} is blocked (lost or stolen); do not accept it").format(
            number=card.number))
    if card.status == "replaced":
        new = session.scalar(select(Card.number).where(Card.id == card.replaced_by_id))
        raise CardReplaced(_("card {number} was replaced by card {new}; ask for the new card"
                             ).format(number=card.number, new=new))


def usable_card(session: Session, number: str, *, lock: bool = False) -> Card:
    """A card the till may sell to: refuses blocked and replaced cards with the reason."""
    card = find_card(session, number, lock=lock)
    _refuse_unusable(session, card)
    return card


@dataclass(frozen=True)
class CardState:
    """The columns a sale needs of a card, read without loading an ORM object."""

    id: int
    number: str
    kind: str
    status: str
    balance: int
    spend: int
    pinned_tier: str | None
    lineage_id: int | None
    replaced_by_id: int | None
    stamps: int = 0
    birthday: dt.date | None = None  # the holder's, for the birthday bonus


_CARD_STATE = (
    "SELECT c.id, c.number, c.kind, c.status, c.balance, c.spend, c.pinned_tier,"
    " c.lineage_id, c.replaced_by_id, c.stamps,"
    " (SELECT birthday FROM customers WHERE id = c.customer_id)"
    " FROM cards c WHERE c.number = :number")


def usable_card_state(session: Session, number: str, *, raw: Driver,
                      lock: bool = False) -> CardState:
    """Like :func:`usable_card`, for the checkout's hot path, on the sale's driver-level
    cursor ``raw``; ``lock`` locks the card's row on a server (SQLite's write transaction
    holds the whole database already)."""
    clean = cardnumbers.normalize(number)
    row = raw.execute(_CARD_STATE + (" FOR UPDATE" if lock and raw.server else ""),
                      {"number": clean}).one()
    if row is None:
        raise CardNotFound(_("no card {number} in this shop; check the number or issue a card"
                             ).format(number=clean))
    card = CardState(*row[:10], birthday=raw.read_date(row[10]))
    _refuse_unusable(session, card)
    return card


def live_card(session: Session, card: Card) -> Card:
    """The card that now holds a card's balance: itself, or the end of its replacements."""
    while card.replaced_by_id is not None:
        card = session.get(Card, card.replaced_by_id)
    return card


def _free_number(session: Session) -> str:
    prefix = card_prefix(session)
    for _attempt in range(20):
        number = cardnumbers.generate(prefix)
        if session.scalar(select(Card.id).where(Card.number == number)) is None:
            return number
    # pragma: no cover - needs a nearly full number space
    raise Refused(_("could not find a free card number; use a longer card prefix"))


def _new_card(session: Session, *, kind: str, customer: Customer | None, day_id: int,
              number: str | None = None, lineage_id: int | None = None,
              pinned_tier: str | None = None) -> Card:
    """A new card at zero; a replacement joins its predecessor's lineage and pinned tier."""
    card = Card(number=number or _free_number(session), kind=kind, status="active",
                customer=customer, balance=0, spend=0, created_at=clock.now(), day_id=day_id,
                lineage_id=lineage_id, pinned_tier=pinned_tier)
    session.add(card)
    session.flush()
    if card.lineage_id is None:
        card.lineage_id = card.id
    return card


def issue_cards(
    db: Database,
    *,
    actor: Actor,
    kind: str,
    count: int = 1,
    customer: CustomerInput | None = None,
    referred_by: str | None = None,
) -> list[CardInfo]:
    """Issue new cards: one personal card for a customer, or ``count`` bearer cards.

    ``referred_by``, a card number or phone, names the customer who recommended the shop
    to a personal card's holder (see :mod:`loyaltypos.services.referrals`); the referral
    is written with the card, or neither is.
    """
    # Imported here: the referral rules build on this module's look-ups.
    from loyaltypos.services import referrals

    referred_by = (referred_by or "").strip() or None
    if kind not in ("personal", "bearer"):
        raise CardKindWrong(_("a card is personal or bearer, not '{kind}'").format(kind=kind))
    if kind == "personal":
        if customer is None:
            raise BadCustomer(_("a personal card needs the holder's name"))
        if count != 1:
            raise Refused(_("personal cards are issued one at a time"))
        customer = check_customer(customer)
    elif customer is not None:
        raise CardKindWrong(_("a bearer card has no holder; issue a personal card instead"))
    elif referred_by is not None:
        raise CardKindWrong(_("only a personal card can be recommended by a customer; issue a"
                              " personal card"))
    if not 1 <= count <= MAX_BATCH:
        raise Refused(_("issue between 1 and {most} cards at once").format(most=MAX_BATCH))
    with db.write() as s:
        program = current_program(s)
        day_id = open_day(s)
        owner = referrer = None
        if customer is not None:
            _ensure_phone_free(s, customer.phone)
            if referred_by is not None:
                referrer = referrals.resolve_referrer(s, referred_by)
            owner = Customer(name=customer.name, phone=customer.phone, email=customer.email,
                             birthday=customer.birthday,
                             marketing_consent=customer.marketing_consent,
                             created_at=clock.now())
            s.add(owner)
        cards = [_new_card(s, kind=kind, customer=owner, day_id=day_id) for _card in range(count)]
        if referrer is not None:
            s.flush()  # the card's lineage before the referral's audit line
            referrals.record_referral(s, actor=actor, card=cards[0], referrer=referrer)
        if kind == "personal":
            _welcome(s, program, cards[0], actor, day_id)
        return [card_info(s, c, program) for c in cards]


def _welcome(session: Session, program: Program, card: Card, actor: Actor,
             day_id: int) -> None:
    """The program's welcome bonus, credited to a card that has just become personal (in
    the same transaction); never taken back."""
    reward = program.reward("welcome")
    if reward is None:
        return
    session.flush()  # the card's row exists, empty, before its balance moves
    post(session, card, "bonus_welcome", reward.amount, day_id=day_id, user_id=actor.user_id,
         note=_("welcome bonus"), at=day_stamp(session, day_id))


def show_card(db: Database, *, actor: Actor, number: str) -> CardInfo:
    """A card's details in any state (blocked and replaced cards too), for a signed-in
    user; the look-up is audited (it shows the holder's name and phone)."""
    with db.write() as s:
        info = card_info(s, find_card(s, number))
        audit(s, actor, "card_read", info.number)
        return info


def scan_card(db: Database, *, number: str) -> CardInfo:
    """What the till shows when a card is scanned, with a personal card's standing (from
    the insight snapshot); refuses blocked and replaced cards."""
    with db.read() as s:
        card = usable_card(s, number)
        program = current_program(s)
        info = card_info(s, card, program)
        if card.kind != "personal":
            return info
        return replace(info, standing=standing_of(s, card.lineage_id, program.insight))


def find_cards(db: Database, *, actor: Actor, text: str, limit: int = 50) -> list[CardInfo]:
    """Cards by holder's phone (digits), name (any part), or card number, for a signed-in
    user; every search is audited with what was typed (it lists customers' details).

    What was typed is matched as it is: ``%`` and ``_`` are letters here, not LIKE's
    wildcards, so "__" finds a name with two underscores in it, not everyone.
    """
    text = (text or "").strip()
    if len(text) < 2:
        raise Refused(_("type at least two letters or digits to search"))
    digits = re.sub(r"\D", "", text)
    with db.write() as s:
        audit(s, actor, "customer_search",
              "".join(ch if ch.isprintable() else "?" for ch in text)[:120])
        program = current_program(s)
        query = select(Card).outerjoin(Customer, Card.customer_id == Customer.id)
        if digits and len(digits) >= len(re.sub(r"[\s()+\-.]", "", text)):
            query = query.where(or_(Customer.phone.contains(digits, autoescape=True),
                                    Card.number == digits))
        else:
            query = query.where(Customer.search_name.contains(search_key(text), autoescape=True))
        query = query.order_by(Card.status, Card.id.desc()).limit(limit)
        return [card_info(s, c, program) for c in s.scalars(query)]


def register_card(db: Database, *, actor: Actor, number: str, customer: CustomerInput,
                  referred_by: str | None = None) -> CardInfo:
    """Give a bearer card to a person: it becomes personal and keeps balance and spend.

    ``referred_by``, a card number or phone, names the customer who recommended the shop
    (see :mod:`loyaltypos.services.referrals`); written with the registration, or neither.
    """
    from loyaltypos.services import referrals  # see issue_cards

    customer = check_customer(customer)
    referred_by = (referred_by or "").strip() or None
    with db.write() as s:
        card = usable_card(s, number, lock=True)
        if card.kind != "bearer":
            raise CardKindWrong(_("card {number} is already personal").format(number=card.number))
        _ensure_phone_free(s, customer.phone)
        referrer = None
        if referred_by is not None:
            referrer = referrals.resolve_referrer(s, referred_by, newcomer=card)
        audit(s, actor, "card_register", card.number, name=customer.name)
        card.customer = Customer(name=customer.name, phone=customer.phone, email=customer.email,
                                 birthday=customer.birthday,
                                 marketing_consent=customer.marketing_consent,
                                 created_at=clock.now())
        card.kind = "personal"
        s.flush()
        if referrer is not None:
            referrals.record_referral(s, actor=actor, card=card, referrer=referrer)
        program = current_program(s)
        _welcome(s, program, card, actor, open_day(s))
        return card_info(s, card, program)


def block_card(db: Database, *, actor: Actor, number: str, reason: str = "") -> CardInfo:
    """Block a lost or stolen card (manager; audited). Its balance stays on it for a replacement."""
    require_manager(actor, _("blocking a card"))
    with db.write() as s:
        card = find_card(s, number, lock=True)
        if card.status == "blocked":
            raise Refused(_("card {number} is already blocked").format(number=card.number))
        if card.status != "active":
            raise Refused(_("card {number} is already replaced").format(number=card.number))
        audit(s, actor, "card_block", card.number, reason=reason)
        card.status = "blocked"
        s.flush()
        return card_info(s, card)


@dataclass(frozen=True)
class Replacement:
    old: CardInfo
    new: CardInfo
    moved_balance: int
    moved_spend: int


def replace_card(db: Database, *, actor: Actor, number: str) -> Replacement:
    """Move a card's balance and spend to a new number (manager; audited).

    The balance moves by a ``transfer_out`` and a ``transfer_in`` entry; the old
    number is refused at the till from then on.
    """
    require_manager(actor, _("replacing a card"))
    with db.write() as s:
        old = find_card(s, number, lock=True)
        if old.status == "replaced":
            raise CardReplaced(_("card {number} was already replaced").format(number=old.number))
        day_id = open_day(s)
        number = _free_number(s)
        balance, spend = old.balance, old.spend
        # The audit line first: it names the new number and the tier it carries, which the
        # database checks when the new card is written and the old one marked replaced.
        audit(s, actor, "card_replace", old.number, new=number, balance=balance, spend=spend,
              tier=old.pinned_tier)
        new = _new_card(s, kind=old.kind, customer=old.customer, day_id=day_id, number=number,
                        lineage_id=old.lineage_id, pinned_tier=old.pinned_tier)
        note = f"replacement {old.number} -> {new.number}"
        stamp = day_stamp(s, day_id)
        post(s, old, "transfer_out", -balance, day_id=day_id, user_id=actor.user_id, note=note,
             at=stamp)
        post(s, new, "transfer_in", balance, day_id=day_id, user_id=actor.user_id, note=note,
             at=stamp)
        new.spend, old.spend = spend, 0
        new.stamps, old.stamps = old.stamps, 0  # the count follows the customer
        old.status = "replaced"
        old.replaced_by_id = new.id
        s.flush()
        program = current_program(s)
        return Replacement(card_info(s, old, program), card_info(s, new, program), balance, spend)


def pin_tier(db: Database, *, actor: Actor, number: str, tier: str | None) -> CardInfo:
    """Pin a personal card to a tier, or unpin it with ``None`` (manager; audited)."""
    require_manager(actor, _("pinning a tier"))
    with db.write() as s:
        card = usable_card(s, number, lock=True)
        program = current_program(s)
        if card.kind == "bearer":
            raise CardKindWrong(_("a bearer card always has the bearer tier; register it first"))
        if tier is None:
            chosen = None
        else:
            found = program.tier_named(tier)
            if found is None or found.bearer:
                names = ", ".join(t.name for t in program.personal_tiers)
                raise Refused(_("no personal tier '{tier}'; choose one of {names}").format(
                    tier=tier, names=names))
            chosen = found.name
        audit(s, actor, "card_pin_tier", card.number, tier=chosen, before=card.pinned_tier)
        card.pinned_tier = chosen
        s.flush()
        return card_info(s, card, program)


def adjust_balance(db: Database, *, actor: Actor, number: str, amount: int,
                   reason: str) -> CardInfo:
    """A manual correction of a balance, up or down, with a reason (manager; audited)."""
    require_manager(actor, _("adjusting a balance"))
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("an adjustment needs a reason"))
    if amount == 0:
        raise Refused(_("an adjustment of zero changes nothing"))
    with db.write() as s:
        card = find_card(s, number, lock=True)
        if card.status == "replaced":
            raise CardReplaced(_("card {number} was replaced; adjust the new card").format(
                number=card.number))
        day_id = open_day(s)
        post(s, card, "adjust", amount, day_id=day_id, user_id=actor.user_id, note=reason,
             at=day_stamp(s, day_id))
        audit(s, actor, "card_adjust", card.number, amount=amount, reason=reason)
        return card_info(s, card)
