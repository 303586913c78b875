"""NPS at the till: "How likely are you to recommend us to a friend?", 0 to 10.

Each answer is a fact of the business day (append-only, like a sale), with the card
that gave it (none for an anonymous answer), the sale it followed, who recorded it and
when. The insight report counts each customer's latest answer once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, aliased

from loyaltypos.analytics.insight import Response
from loyaltypos.db import Database
from loyaltypos.db.models import BusinessDay, Card, NpsResponse, Sale
from loyaltypos.domain import clock, ids
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.text import clean_text
from loyaltypos.services.cards import find_card
from loyaltypos.services.store import day_stamp, get_setting, open_day, set_setting

MAX_REASON = 500
ASK_SETTING = "nps_ask"  # "never", "every" (card sale) or "days:N" (once per customer per N)


@dataclass(frozen=True)
class NpsRecorded:
    card: str | None
    score: int
    date: dt.date


def check_score(score: object) -> int:
    """A whole number from 0 to 10 (text of ASCII digits is read as one)."""
    if isinstance(score, str) and score.strip().isascii() and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise Refused(_("a score is a whole number from 0 to 10"))
    return score


def record_response(db: Database, *, actor: Actor, score: object, card_number: str | None = None,
                    reason: str | None = None, sale_id: str | None = None) -> NpsRecorded:
    """Record one answer (any signed-in user), in the open business day."""
    score = check_score(score)
    reason = (clean_text(reason, field=_("the reason"), most=MAX_REASON) if reason and
              reason.strip() else None)
    sale_key = ids.sale_id(sale_id) if sale_id else None
    with db.write() as s:
        card = find_card(s, card_number) if card_number else None
        if sale_key is not None and s.get(Sale, sale_key) is None:
            raise Refused(_("no sale {sale}").format(sale=sale_key))
        day_id = open_day(s)
        s.execute(insert(NpsResponse).values(
            card_id=card.id if card else None, sale_id=sale_key, user_id=actor.user_id,
            day_id=day_id, score=score, reason=reason, created_at=day_stamp(s, day_id)))
        date = s.scalar(select(BusinessDay.business_date).where(BusinessDay.id == day_id))
    return NpsRecorded(card.number if card else None, score, date)


def check_policy(policy: str) -> str:
    policy = (policy or "").strip().lower()
    if policy in ("never", "every"):
        return policy
    head, _sep, tail = policy.partition(":")
    if head == "days" and tail.isascii() and tail.isdigit() and 1 <= int(tail) <= 365:
        return f"days:{int(tail)}"
    raise Refused(_("ask 'never', 'every' card sale, or 'days:N' (once per customer in N days,"
                    " 1 to 365), not '{policy}'").format(policy=policy))


def ask_policy(db: Database) -> str:
    with db.read() as s:
        return get_setting(s, ASK_SETTING, "never")


def set_ask_policy(db: Database, *, actor: Actor, policy: str) -> str:
    """When the till asks for a score after a card sale (manager; audited)."""
    require_manager(actor, _("changing when the till asks for a score"))
    policy = check_policy(policy)
    with db.write() as s:
        set_setting(s, actor, ASK_SETTING, policy)
    return policy


def should_ask(db: Database, *, card_number: str) -> bool:
    """Whether the till asks this card's holder for a score now, by the shop's policy."""
    with db.read() as s:
        policy = get_setting(s, ASK_SETTING, "never")
        if policy in ("never", "every"):
            return policy == "every"
        days = int(policy.partition(":")[2])
        card = find_card(s, card_number)
        lineage = select(Card.id).where(Card.lineage_id == card.lineage_id)
        last = s.scalar(select(func.max(BusinessDay.business_date))
                        .join(NpsResponse, NpsResponse.day_id == BusinessDay.id)
                        .where(NpsResponse.card_id.in_(lineage)))
        return last is None or (clock.local_today() - last).days >= days


def responses(session: Session, *, until: dt.date) -> list[Response]:
    """Every answer up to ``until``: a personal card's under its lineage's card in use now,
    a bearer card's or a cardless one as anonymous."""
    current = aliased(Card)
    live = (select(current.lineage_id, func.max(current.number).label("number"))
            .where(current.status != "replaced").group_by(current.lineage_id).subquery())
    rows = session.execute(
        select(Card.kind, live.c.number, BusinessDay.business_date, NpsResponse.score)
        .select_from(NpsResponse)
        .join(BusinessDay, BusinessDay.id == NpsResponse.day_id)
        .outerjoin(Card, Card.id == NpsResponse.card_id)
        .outerjoin(live, live.c.lineage_id == Card.lineage_id)
        .where(BusinessDay.business_date <= until)
        .order_by(NpsResponse.id))
    return [Response(number if kind == "personal" else None, date, score)
            for kind, number, date, score in rows]
