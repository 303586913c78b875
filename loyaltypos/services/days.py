"""The business day: the end-of-day summary and closing the day with a frozen Z report.

The summary reads totals with aggregate queries over the day's indexed rows;
a closed day's report is the frozen copy written when it was closed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import (
    BusinessDay,
    Card,
    Customer,
    Gift,
    LedgerEntry,
    Payment,
    Refund,
    Sale,
    Shop,
    Till,
)
from loyaltypos.db.numbering import next_number, storable
from loyaltypos.db.places import place_of
from loyaltypos.domain import clock

# The types of these calls' results, named here for their callers.
from loyaltypos.domain.day_summary import NO_CARD
from loyaltypos.domain.day_summary import DaySummary as DaySummary
from loyaltypos.domain.day_summary import TierLine as TierLine
from loyaltypos.domain.day_summary import TillLine as TillLine
from loyaltypos.domain.day_summary import TopCustomer as TopCustomer
from loyaltypos.domain.errors import DayClosed, Refused
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.money import round_half_up
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import expiry, insight
from loyaltypos.services.audit import audit
from loyaltypos.services.store import open_day_on, selling_date

log = logging.getLogger(__name__)

TOP_CUSTOMERS = 5


def _sum(session: Session, column, *where) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(column), 0)).where(*where)))


def _summarise(session: Session, day: BusinessDay) -> DaySummary:
    sales_row = session.execute(
        select(
            func.count(Sale.id),
            func.coalesce(func.sum(Sale.subtotal), 0),
            func.coalesce(func.sum(Sale.discount), 0),
            func.coalesce(func.sum(Sale.redeemed), 0),
            func.coalesce(func.sum(Sale.paid), 0),
        ).where(Sale.day_id == day.id)
    ).one()
    n_sales, subtotal, discount, redeemed, paid = (int(v) for v in sales_row)
    n_refunds, money_back = (
        int(v)
        for v in session.execute(
            select(func.count(Refund.id), func.coalesce(func.sum(Refund.money_back), 0)).where(
                Refund.day_id == day.id
            )
        ).one()
    )
    paid_by = {"cash": 0, "card": 0}
    for method, amount in session.execute(
        select(Payment.method, func.sum(Payment.amount))
        .where(Payment.day_id == day.id)
        .group_by(Payment.method)
    ):
        paid_by[method] = int(amount)
    ledger = {
        kind: int(amount)
        for kind, amount in session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.day_id == day.id)
            .group_by(LedgerEntry.kind)
        )
    }
    change = sum(ledger.values())
    if day.closed_at is None:
        total = _sum(session, Card.balance)
    else:  # a closed day that lost its frozen copy: fold the ledger up to it
        total = _sum(session, LedgerEntry.amount, LedgerEntry.day_id <= day.id)
    new_cards = {"personal": 0, "bearer": 0}
    for kind, count in session.execute(
        select(Card.kind, func.count(Card.id)).where(Card.day_id == day.id).group_by(Card.kind)
    ):
        new_cards[kind] = int(count)
    tiers = {
        (tier or NO_CARD): TierLine(int(n), int(sub), int(disc))
        for tier, n, sub, disc in session.execute(
            select(Sale.tier, func.count(Sale.id), func.sum(Sale.subtotal),
                   func.sum(Sale.discount))
            .where(Sale.day_id == day.id)
            .group_by(Sale.tier)
            .order_by(func.sum(Sale.subtotal).desc())
        )
    }
    hours: dict[str, int] = {}
    zone = session.scalar(select(Shop.timezone).where(Shop.id == day.shop_id))
    for created_at, net in session.execute(
        select(Sale.created_at, Sale.subtotal - Sale.discount).where(Sale.day_id == day.id)
    ):
        hour = f"{clock.to_zone(created_at, zone).hour:02d}"
        hours[hour] = hours.get(hour, 0) + int(net)
    top = [
        TopCustomer(card=number, name=name, paid=int(total_paid))
        for number, name, total_paid in session.execute(
            select(Card.number, Customer.name, func.sum(Sale.paid).label("total"))
            .join(Card, Card.id == Sale.card_id)
            .outerjoin(Customer, Customer.id == Card.customer_id)
            .where(Sale.day_id == day.id)
            .group_by(Card.number, Customer.name)
            .order_by(func.sum(Sale.paid).desc(), Card.number)
            .limit(TOP_CUSTOMERS)
        )
    ]
    gifts, gifts_value = (int(v) for v in session.execute(
        select(func.count(Gift.id), func.coalesce(func.sum(Gift.value), 0))
        .where(Gift.day_id == day.id)).one())
    net_sales = subtotal - discount
    return DaySummary(
        tills=_till_lines(session, day.id),
        shop=session.scalar(select(Shop.name).where(Shop.id == day.shop_id)),
        timezone=zone,
        date=day.business_date,
        day_id=day.id,
        closed=day.closed_at is not None,
        z_number=day.z_number,
        sales=n_sales,
        refunds=n_refunds,
        subtotal=subtotal,
        discount=discount,
        redeemed=redeemed,
        paid=paid,
        money_back=money_back,
        paid_by=paid_by,
        cashback_earned=ledger.get("earn", 0),
        cashback_restored=ledger.get("refund_restore", 0),
        cashback_reversed=-ledger.get("refund_reverse", 0),
        adjustments=ledger.get("adjust", 0),
        bonuses={kind.removeprefix("bonus_"): amount for kind, amount in sorted(ledger.items())
                 if kind.startswith("bonus_") and amount},
        expired=-ledger.get("expire", 0),
        rewards_taken_back=-sum(amount for kind, amount in ledger.items()
                                if kind.startswith("reverse_")),
        gifts=gifts,
        gifts_value=gifts_value,
        liability_change=change,  # every kind: bonuses, their reversals and expiry too
        liability_total=total,
        new_cards=new_cards,
        average_check=round_half_up_div(net_sales, n_sales),
        tiers=tiers,
        hours=dict(sorted(hours.items())),
        top_customers=top,
        expected_cash=paid_by["cash"],
        opened_at=day.opened_at,
        closed_at=day.closed_at,
    )


def _till_lines(session: Session, day_id: int) -> list[TillLine]:
    """A line per till that sold or refunded in the day, in the order the tills were made."""
    figures: dict[int, dict[str, int]] = {}

    def add(till: int, **amounts: int) -> None:
        line = figures.setdefault(till, dict.fromkeys(
            ("sales", "paid", "refunds", "money_back", "cash", "card"), 0))
        for key, amount in amounts.items():
            line[key] += int(amount)

    for till, count, paid in session.execute(
            select(Sale.till_id, func.count(Sale.id), func.sum(Sale.paid))
            .where(Sale.day_id == day_id).group_by(Sale.till_id)):
        add(till, sales=count, paid=paid)
    for till, count, back in session.execute(
            select(Refund.till_id, func.count(Refund.id), func.sum(Refund.money_back))
            .where(Refund.day_id == day_id).group_by(Refund.till_id)):
        add(till, refunds=count, money_back=back)
    for till, method, amount in session.execute(
            select(Payment.till_id, Payment.method, func.sum(Payment.amount))
            .where(Payment.day_id == day_id).group_by(Payment.till_id, Payment.method)):
        add(till, **{method: amount})
    names = dict(session.execute(select(Till.id, Till.name).where(Till.id.in_(figures))).all())
    return [TillLine(till=names[till], **figures[till]) for till in sorted(figures)]


def round_half_up_div(numerator: int, denominator: int) -> int:
    return round_half_up(Decimal(numerator) / denominator) if denominator else 0


def _to_json(summary: DaySummary) -> str:
    return json.dumps(asdict(summary), default=str)


def _from_json(text: str) -> DaySummary:
    raw = json.loads(text)
    raw["date"] = dt.date.fromisoformat(raw["date"])
    for key in ("opened_at", "closed_at"):
        raw[key] = dt.datetime.fromisoformat(raw[key]) if raw.get(key) else None
    raw["tiers"] = {k: TierLine(**v) for k, v in raw["tiers"].items()}
    raw["top_customers"] = [TopCustomer(**t) for t in raw["top_customers"]]
    raw["tills"] = [TillLine(**t) for t in raw.get("tills", [])]
    return DaySummary(**raw)


def _day_for(session: Session, date: dt.date | None) -> BusinessDay | None:
    """This till's shop's day of ``date``; without a date its open day, or its last."""
    days = select(BusinessDay).where(BusinessDay.shop_id == place_of(session).shop_id)
    if date is None:
        open_day_ = session.scalar(days.where(BusinessDay.closed_at.is_(None)))
        if open_day_ is not None:
            return open_day_
        return session.scalar(days.order_by(BusinessDay.business_date.desc()).limit(1))
    return session.scalar(days.where(BusinessDay.business_date == date))


def day_summary(db: Database, *, date: dt.date | None = None) -> DaySummary:
    """The end-of-day summary of the open day (or the latest), or of the day of ``date``.

    A closed day returns its frozen Z report; nothing recomputes it.
    """
    with db.read() as s:
        day = _day_for(s, date)
        if day is None:
            if date is not None:
                raise Refused(_("there was no business day on {date}").format(
                    date=date_text(date)))
            return _empty_summary(s)
        if day.z_report:
            return _from_json(day.z_report)
        return _summarise(s, day)


def _empty_summary(session: Session) -> DaySummary:
    return DaySummary(
        date=place_of(session).today(), day_id=None, closed=False, z_number=None, sales=0,
        refunds=0,
        subtotal=0, discount=0, redeemed=0, paid=0, money_back=0,
        paid_by={"cash": 0, "card": 0}, cashback_earned=0, cashback_restored=0,
        cashback_reversed=0, adjustments=0, liability_change=0,
        liability_total=_sum(session, Card.balance), new_cards={"personal": 0, "bearer": 0},
        average_check=0, tiers={}, hours={}, top_customers=[], expected_cash=0,
    )


@dataclass(frozen=True)
class DayStatus:
    """What the till's status bar shows of the business day."""

    date: dt.date
    is_open: bool  # False: the last day is closed and the next opens with the next sale
    sales: int
    # The business date a sale made now goes into, and the shop's calendar date: after
    # today's day was closed, the next sale opens the next date (dates are unique per shop).
    selling: dt.date | None = None
    today: dt.date | None = None


def day_status(db: Database) -> DayStatus:
    with db.read() as s:
        day = _day_for(s, None)
        selling, today = selling_date(s), place_of(s).today()
        if day is None:
            return DayStatus(today, False, 0, selling, today)
        count = s.scalar(select(func.count(Sale.id)).where(Sale.day_id == day.id))
        return DayStatus(day.business_date, day.closed_at is None, int(count), selling, today)


def open_business_day(db: Database, *, actor: Actor, date: dt.date) -> DayStatus:
    """Open business day ``date`` when it is more than a day after the last one (manager;
    audited): the till does not open such a day on the clock's word alone."""
    with db.write() as s:
        open_day_on(s, actor=actor, date=date)
    return DayStatus(date, True, 0)


def close_day(db: Database, *, actor: Actor, counted_cash: int | None = None,
              refresh: bool = True) -> DaySummary:
    """Close the open business day (manager; audited): freeze and number its Z report.

    ``counted_cash`` is what the manager counted in the drawer; the difference to the
    cash expected is recorded in the report. Cashback whose last day is the closing day
    (or earlier) is written off first, in the same transaction, so the report counts
    it (:func:`loyaltypos.services.expiry.run_expiry`). Then the customers' insight snapshot is
    refreshed, unless ``refresh`` is False (the app does that off its UI thread, with
    :func:`loyaltypos.services.insight.refresh_snapshot`).
    """
    require_manager(actor, _("closing the day"))
    if counted_cash is not None and counted_cash < 0:
        raise Refused(_("counted cash cannot be negative"))
    with db.write() as s:
        shop = place_of(s).shop_id
        days = select(BusinessDay).where(BusinessDay.shop_id == shop)
        day = s.scalar(days.where(BusinessDay.closed_at.is_(None)).with_for_update())
        if day is None:
            last = s.scalar(days.order_by(BusinessDay.business_date.desc()).limit(1))
            if last is None:
                raise DayClosed(_("the business day is already closed; nothing to close"))
            raise DayClosed(_("the business day is already closed ({date}, Z {z_number}); nothing"
                              " to close").format(date=date_text(last.business_date),
                                                  z_number=last.z_number))
        # Cashback whose last day is today lapses with the day, inside the same
        # transaction, so the Z report counts it (docs/RULES-DECISIONS.md, "Cashback expiry").
        expiry.run_expiry(s, as_of=day.business_date, day_id=day.id, user_id=actor.user_id,
                          inclusive=True)
        z_number = next_number(s, BusinessDay.z_number, BusinessDay.shop_id == shop)
        closed_at = max(clock.now(), day.opened_at)  # a clock set back: not before opening
        summary = replace(_summarise(s, day), closed=True, z_number=z_number,
                          closed_at=closed_at)
        if counted_cash is not None:
            summary = replace(summary, counted_cash=counted_cash,
                              cash_difference=counted_cash - summary.expected_cash)
        # The audit line first (the database closes a day only right after it), then one
        # UPDATE: the database refuses any change to a day once closed_at is set.
        audit(s, actor, "day_close", day.business_date.isoformat(), z=z_number,
              counted_cash=counted_cash, expected_cash=summary.expected_cash)
        day.closed_at, day.closed_by, day.z_number = closed_at, actor.user_id, z_number
        day.z_report = _to_json(summary)
        s.flush()
        closed_date = day.business_date
    if refresh:
        _refresh_insight(db, closed_date)
    return summary


def _refresh_insight(db: Database, date: dt.date) -> None:
    """After a close, the till's snapshot of every customer's step and segment is worked
    out anew. The day is closed whatever happens here: a failure is logged and the till
    keeps the previous snapshot, which says what date it is from."""
    try:
        insight.refresh_snapshot(db, on=date)
    except Exception:
        log.exception("the day %s closed, but the customers' snapshot could not be refreshed",
                      date.isoformat())


def z_report(db: Database, *, z_number: int) -> DaySummary:
    """The frozen Z report of this till's shop's closed day numbered ``z_number``."""
    with db.read() as s:
        shop = BusinessDay.shop_id == place_of(s).shop_id
        day = s.scalar(select(BusinessDay).where(shop, BusinessDay.z_number == z_number)) \
            if storable(z_number) else None
        if day is None:
            last = s.scalar(select(func.max(BusinessDay.z_number)).where(shop))
            if last:
                raise Refused(_("there is no Z report {z_number}; the last is Z {last}").format(
                    z_number=z_number, last=last))
            raise Refused(_("there is no Z report {z_number}; no day has been closed yet").format(
                z_number=z_number))
        if day.z_report:
            return _from_json(day.z_report)
        return _summarise(s, day)


def liability_history(db: Database, *, days: int = 30) -> list[tuple[dt.date, int]]:
    """Outstanding cashback at the end of each of the last ``days`` business days, oldest first.

    A closed day gives the total frozen in its Z report, the open day the sum of the
    balances now; only business_days rows and the cards' balances are read, never the
    ledger (except for a closed day whose frozen copy is missing).
    """
    if days < 1:
        raise Refused(_("the history covers at least one day, not {days}").format(days=days))
    with db.read() as s:
        rows = s.execute(
            select(BusinessDay.id, BusinessDay.business_date, BusinessDay.closed_at,
                   BusinessDay.z_report)
            .where(BusinessDay.shop_id == place_of(s).shop_id)
            .order_by(BusinessDay.business_date.desc())
            .limit(days)
        ).all()
        history = []
        for day_id, date, closed_at, frozen in reversed(rows):
            if closed_at is None:
                total = _sum(s, Card.balance)
            elif frozen:
                total = int(json.loads(frozen)["liability_total"])
            else:
                total = _sum(s, LedgerEntry.amount, LedgerEntry.day_id <= day_id)
            history.append((date, total))
        return history
