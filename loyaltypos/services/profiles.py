"""A customer's profile: everything the shop knows of one customer's visits, worth and
voice, for the till's panel and the Insight window's lists.

Their purchases are read afresh (one lineage: a few index reads), so the visits, the
average check and the LTV are exact to the minute; the step, segment and RFM scores rank
the customer among all the others, so they come from the snapshot of the last refresh
(day close or the Insight window) and say which date they are from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from loyaltypos.analytics import insight as figures
from loyaltypos.db import Database
from loyaltypos.db.models import BusinessDay, Card, LedgerEntry, NpsResponse
from loyaltypos.domain import clock
from loyaltypos.domain.errors import CardKindWrong, CardNotFound
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor
from loyaltypos.services import insight, referrals, store
from loyaltypos.services.audit import audit
from loyaltypos.services.standing import snapshot_of

MONTHS = 12  # purchases by month: the last year
LEDGER_LINES = 50  # the newest ledger entries shown


@dataclass(frozen=True)
class Month:
    first: dt.date
    purchases: int
    revenue: int


@dataclass(frozen=True)
class Answer:
    date: dt.date
    score: int
    reason: str | None


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    card: str
    kind: str
    amount: int
    note: str | None


@dataclass(frozen=True)
class Profile:
    number: str  # the card in use now
    cards: list[str]  # every card of the lineage, oldest first
    name: str
    phone: str | None
    email: str | None
    consent: bool
    balance: int
    purchases: int
    revenue: int
    first_visit: dt.date | None
    last_visit: dt.date | None
    by_month: list[Month]
    lifetime: figures.Ltv | None  # None before the first purchase
    snapshot: figures.Snapshot | None
    rfm: str | None
    advice: str
    answers: list[Answer]
    referred_by: str | None
    referred: list[str]
    ledger: list[Entry]  # newest first

    @property
    def average_check(self) -> Decimal | None:
        return Decimal(self.revenue) / self.purchases if self.purchases else None


def customer_profile(db: Database, *, actor: Actor, text: str) -> Profile:
    """The profile of the customer with a card number or a phone (any signed-in user;
    audited as ``customer_profile``, since it shows a named customer's purchases)."""
    today = clock.local_today()
    with db.write() as s:
        audit(s, actor, "customer_profile", (text or "").strip()[:120])
    with db.read() as s:
        card = referrals.card_named(s, text)
        if card is None:
            raise CardNotFound(_("no customer with card or phone {text}").format(text=text))
        if card.kind != "personal":
            raise CardKindWrong(_("card {number} is a bearer card: it has no customer and no "
                                  "profile").format(number=card.number))
        lineage = card.lineage_id
        chain = s.execute(select(Card.id, Card.number).where(Card.lineage_id == lineage)
                          .order_by(Card.id)).all()
        numbers = {card_id: number for card_id, number in chain}
        rows = sorted(insight.purchase_rows(s, until=today, lineage=lineage))
        rules = store.current_program(s).insight
        snapshot = snapshot_of(s, lineage)
        rfm = insight.snapshot_rfm(s, lineage)
        answers = [Answer(date, score, reason) for date, score, reason in s.execute(
            select(BusinessDay.business_date, NpsResponse.score, NpsResponse.reason)
            .join(BusinessDay, BusinessDay.id == NpsResponse.day_id)
            .where(NpsResponse.card_id.in_(numbers)).order_by(NpsResponse.id.desc()))]
        ledger = [Entry(at, numbers[card_id], kind, amount, note)
                  for at, card_id, kind, amount, note in s.execute(
                      select(LedgerEntry.created_at, LedgerEntry.card_id, LedgerEntry.kind,
                             LedgerEntry.amount, LedgerEntry.note)
                      .where(LedgerEntry.card_id.in_(numbers))
                      .order_by(LedgerEntry.id.desc()).limit(LEDGER_LINES))]
        links = referrals.referrals_for(s, lineage)
        holder = card.customer
        profile_of = (holder.name, holder.phone, holder.email, bool(holder.marketing_consent)) \
            if holder else ("", None, None, False)
    history = [figures.Purchase(card.number, date, revenue) for _k, date, revenue in rows]
    by_month = []
    for first in figures.months_back(today, MONTHS):
        inside = [p.revenue for p in history
                  if (p.date.year, p.date.month) == (first.year, first.month)]
        by_month.append(Month(first, len(inside), sum(inside)))
    name, phone, email, consent = profile_of
    return Profile(
        number=card.number, cards=list(numbers.values()), name=name, phone=phone, email=email,
        consent=consent, balance=card.balance, purchases=len(history),
        revenue=sum(p.revenue for p in history),
        first_visit=history[0].date if history else None,
        last_visit=history[-1].date if history else None, by_month=by_month,
        lifetime=figures.own_ltv(history, rules.margin_pct) if history else None,
        snapshot=snapshot, rfm=rfm,
        advice=figures.advice(snapshot, today, rules) if snapshot or not history else
        _("bought since the last day close: figures are refreshed at the next"),
        answers=answers, referred_by=links.referred_by, referred=links.referred, ledger=ledger)
