"""The owner's insight report, read from the ledger: who is loyal, who is drifting away,
what a customer is worth (the figures of ``loyaltypos.analytics.insight``).

A customer is a personal card's lineage, named by its card in use now; each of their
sales up to the end date is a purchase worth what it took after discount, less what was
refunded of it by then. A wholly refunded sale is not a purchase. Bearer cards are
anonymous: their revenue is reported as a share of all card revenue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from loyaltypos.analytics import insight as figures
from loyaltypos.analytics.insight import Purchase, Rules
from loyaltypos.db import Database
from loyaltypos.db.models import BusinessDay, Card, Refund, Sale
from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import nps
from loyaltypos.services.audit import audit
from loyaltypos.services.store import current_program

DEFAULT_DAYS = 365


@dataclass(frozen=True)
class Report:
    start: dt.date
    end: dt.date
    customers: int
    ltv: figures.Ltv
    retention: figures.Retention
    abc: dict[str, int]
    xyz: dict[str, int]
    matrix: dict[str, int]
    pareto: figures.Pareto
    ladder: figures.Ladder
    nps: figures.Nps
    anonymous_share_pct: Decimal


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    end = end or clock.local_today()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Refused(_("the period starts on {start}, after it ends on {end}; swap the"
                        " dates").format(start=start.isoformat(), end=end.isoformat()))
    return start, end


def purchases(session: Session, *, until: dt.date) -> list[Purchase]:
    """Every customer's purchases up to ``until`` (business dates), refunds made by then
    taken off."""
    current = aliased(Card)
    live = (select(current.lineage_id, func.max(current.number).label("number"))
            .where(current.status != "replaced").group_by(current.lineage_id).subquery())
    refunded = (select(Refund.sale_id, func.sum(Refund.spend).label("spend"))
                .join(BusinessDay, BusinessDay.id == Refund.day_id)
                .where(BusinessDay.business_date <= until)
                .group_by(Refund.sale_id).subquery())
    rows = session.execute(
        select(Card.kind, live.c.number, BusinessDay.business_date,
               Sale.subtotal - Sale.discount, func.coalesce(refunded.c.spend, 0))
        .join(Card, Card.id == Sale.card_id)
        .join(BusinessDay, BusinessDay.id == Sale.day_id)
        .join(live, live.c.lineage_id == Card.lineage_id)
        .outerjoin(refunded, refunded.c.sale_id == Sale.id)
        .where(Card.kind == "personal", BusinessDay.business_date <= until))
    bought = []
    for _kind, number, date, net, back in rows:
        revenue = int(net) - int(back)
        if back and revenue <= 0:
            continue  # wholly refunded: not a purchase
        bought.append(Purchase(number, date, revenue))
    return bought


def insight_report(db: Database, *, actor: Actor, start: dt.date | None = None,
                   end: dt.date | None = None, rules: Rules | None = None) -> Report:
    """The figures for ``start``..``end`` (default: the 365 days up to today), for a
    manager; audited, since it ranks named customers."""
    require_manager(actor, _("the insight report"))
    start, end = _period(start, end)
    with db.write() as s:
        audit(s, actor, "insight", f"{start.isoformat()}..{end.isoformat()}")
        rules = rules or current_program(s).insight
        everything = purchases(s, until=end)
        answers = nps.responses(s, until=end)
    in_period = [p for p in everything if p.date >= start]
    bearer = _anonymous(db, start, end)
    revenue = figures.revenue_by_customer(everything, start=start, end=end)
    abc = figures.abc(revenue, a_pct=rules.a_pct, b_pct=rules.b_pct)
    xyz = figures.xyz(everything, until=end, months=rules.xyz_months, x_pct=rules.x_cv_pct,
                      y_pct=rules.y_cv_pct)
    matrix = {f"{a}{x}": 0 for a in "ABC" for x in "XYZ"}
    for key, cls in abc.items():
        if xyz.get(key) in ("X", "Y", "Z"):
            matrix[cls + xyz[key]] += 1
    card_revenue = sum(p.revenue for p in in_period) + bearer
    return Report(
        start=start, end=end,
        customers=len({p.customer for p in everything}),
        ltv=figures.ltv(everything, until=end, margin_pct=rules.margin_pct),
        retention=figures.retention(everything, start=start, end=end,
                                    active_days=rules.active_days),
        abc={c: sum(1 for v in abc.values() if v == c) for c in "ABC"},
        xyz={c: sum(1 for v in xyz.values() if v == c) for c in ("X", "Y", "Z", "lapsed")},
        matrix=matrix,
        pareto=figures.pareto(revenue),
        ladder=figures.ladder(everything, start=start, end=end, rules=rules,
                              promoters=_promoters(answers)),
        nps=figures.nps(answers, start=start, end=end),
        anonymous_share_pct=figures.pct(bearer, card_revenue),
    )


def _promoters(answers: list[figures.Response]) -> frozenset[str]:
    """Customers whose latest answer (up to the end date) is 9 or 10."""
    latest: dict[str, int] = {}
    for answer in answers:  # oldest first
        if answer.customer is not None:
            latest[answer.customer] = answer.score
    return frozenset(k for k, score in latest.items() if score >= 9)


def _anonymous(db: Database, start: dt.date, end: dt.date) -> int:
    """The revenue of bearer cards' sales in the period, after refunds."""
    with db.read() as s:
        bought = s.scalar(
            select(func.coalesce(func.sum(Sale.subtotal - Sale.discount), 0))
            .join(Card, Card.id == Sale.card_id).join(BusinessDay, BusinessDay.id == Sale.day_id)
            .where(Card.kind == "bearer", BusinessDay.business_date.between(start, end)))
        back = s.scalar(
            select(func.coalesce(func.sum(Refund.spend), 0))
            .join(Sale, Sale.id == Refund.sale_id).join(Card, Card.id == Sale.card_id)
            .join(BusinessDay, BusinessDay.id == Sale.day_id)
            .where(Card.kind == "bearer", BusinessDay.business_date.between(start, end)))
    return int(bought) - int(back)
