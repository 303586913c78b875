"""Ledger health: a list of checks, each returning the problems it found.

The command line's ``verify``, the tests and the till's status bar all run
the same list. Every check is one or two queries (aggregates over the facts; the
audit lines and days are few), so a year of data is checked in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import String, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from loyaltypos.db import Database
from loyaltypos.db.guards import missing_triggers
from loyaltypos.db.ledger import NEGATIVE, POSITIVE
from loyaltypos.db.models import (
    LEDGER_KINDS,
    AuditEntry,
    BusinessDay,
    Card,
    Gift,
    LedgerEntry,
    Payment,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
    Setting,
    Shop,
    Till,
    User,
)
from loyaltypos.domain import clock
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import pin_fingerprint
from loyaltypos.services import expiry, rewards

Check = Callable[[Session], list[str]]
LIMIT = 20  # problems reported per check; the first ones are enough to act on


def _ledger_sums():
    return (
        select(LedgerEntry.card_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.card_id)
        .subquery()
    )


def cached_balance_is_ledger_sum(s: Session) -> list[str]:
    sums = _ledger_sums()
    rows = s.execute(
        select(Card.number, Card.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.card_id == Card.id)
        .where(Card.balance != func.coalesce(sums.c.total, 0))
        .limit(LIMIT)
    )
    return [_("card {number}: cached balance {balance} but ledger sum {total}").format(
        number=n, balance=b, total=t) for n, b, t in rows]


def no_negative_balance(s: Session) -> list[str]:
    sums = _ledger_sums()
    rows = s.execute(
        select(Card.number, Card.balance, sums.c.total)
        .join(sums, sums.c.card_id == Card.id)
        .where(or_(Card.balance < 0, sums.c.total < 0))
        .limit(LIMIT)
    )
    return [_("card {number}: negative balance {balance} (ledger {total})").format(
        number=n, balance=b, total=t) for n, b, t in rows]


def entries_have_known_kind_and_sign(s: Session) -> list[str]:
    rows = s.execute(
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount)
        .where(
            or_(
                LedgerEntry.kind.not_in(LEDGER_KINDS),
                and_(LedgerEntry.kind.in_(POSITIVE), LedgerEntry.amount < 0),
                and_(LedgerEntry.kind.in_(NEGATIVE), LedgerEntry.amount > 0),
            )
        )
        .limit(LIMIT)
    )
    return [_("ledger entry {entry}: kind {kind} with amount {amount}").format(
        entry=i, kind=k, amount=a) for i, k, a in rows]


def sale_totals_add_up(s: Session) -> list[str]:
    lines = (
        select(
            SaleLine.sale_id,
            func.sum(SaleLine.amount).label("amount"),
            func.sum(SaleLine.discount).label("discount"),
            func.sum(SaleLine.redeemed).label("redeemed"),
            func.sum(SaleLine.paid).label("paid"),
            func.sum(SaleLine.cashback).label("cashback"),
        )
        .group_by(SaleLine.sale_id)
        .subquery()
    )
    rows = s.execute(
        select(Sale.receipt_no)
        .outerjoin(lines, lines.c.sale_id == Sale.id)
        .where(
            or_(
                lines.c.sale_id.is_(None),
                lines.c.amount != Sale.subtotal,
                lines.c.discount != Sale.discount,
                lines.c.redeemed != Sale.redeemed,
                lines.c.paid != Sale.paid,
                lines.c.cashback != Sale.cashback,
                Sale.subtotal - Sale.discount - Sale.redeemed != Sale.paid,
            )
        )
        .limit(LIMIT)
    )
    return [_("receipt {receipt_no}: lines do not add up to the sale's totals").format(
        receipt_no=r) for (r,) in rows]


def payments_cover_sales(s: Session) -> list[str]:
    pays = (
        select(Payment.sale_id, func.sum(Payment.amount).label("total"))
        .where(Payment.sale_id.is_not(None))
        .group_by(Payment.sale_id)
        .subquery()
    )
    rows = s.execute(
        select(Sale.receipt_no, Sale.paid, func.coalesce(pays.c.total, 0))
        .outerjoin(pays, pays.c.sale_id == Sale.id)
        .where(func.coalesce(pays.c.total, 0) != Sale.paid)
        .limit(LIMIT)
    )
    return [_("receipt {receipt_no}: paid {paid} but payments total {total}").format(
        receipt_no=r, paid=p, total=t) for r, p, t in rows]


def _ledger_by_kind(kind: str, key):
    return (
        select(key.label("ref"), func.sum(LedgerEntry.amount).label("total"))
        .where(LedgerEntry.kind == kind)
        .group_by(key)
        .subquery()
    )


def sale_ledger_matches(s: Session) -> list[str]:
    redeem = _ledger_by_kind("redeem", LedgerEntry.sale_id)
    earn = _ledger_by_kind("earn", LedgerEntry.sale_id)
    rows = s.execute(
        select(Sale.receipt_no)
        .outerjoin(redeem, redeem.c.ref == Sale.id)
        .outerjoin(earn, earn.c.ref == Sale.id)
        .where(
            or_(
                func.coalesce(redeem.c.total, 0) != -Sale.redeemed,
                func.coalesce(earn.c.total, 0) != Sale.cashback,
            )
        )
        .limit(LIMIT)
    )
    return [_("receipt {receipt_no}: ledger entries do not match redeemed/cashback").format(
        receipt_no=r) for (r,) in rows]


def refunds_add_up(s: Session) -> list[str]:
    lines = (
        select(
            RefundLine.refund_id,
            func.sum(RefundLine.paid).label("paid"),
            func.sum(RefundLine.redeemed).label("redeemed"),
            func.sum(RefundLine.cashback).label("cashback"),
        )
        .group_by(RefundLine.refund_id)
        .subquery()
    )
    pays = (
        select(Payment.refund_id, func.sum(Payment.amount).label("total"))
        .where(Payment.refund_id.is_not(None))
        .group_by(Payment.refund_id)
        .subquery()
    )
    restore = _ledger_by_kind("refund_restore", LedgerEntry.refund_id)
    reverse = _ledger_by_kind("refund_reverse", LedgerEntry.refund_id)
    rows = s.execute(
        select(Refund.refund_no)
        .join(lines, lines.c.refund_id == Refund.id)
        .outerjoin(pays, pays.c.refund_id == Refund.id)
        .outerjoin(restore, restore.c.ref == Refund.id)
        .outerjoin(reverse, reverse.c.ref == Refund.id)
        .where(
            or_(
                lines.c.paid - Refund.shortfall - Refund.rewards_kept != Refund.money_back,
                lines.c.redeemed != Refund.restored,
                lines.c.cashback != Refund.reversed + Refund.shortfall,
                func.coalesce(pays.c.total, 0) != -Refund.money_back,
                and_(Refund.card_id.is_not(None),
                     func.coalesce(restore.c.total, 0) != Refund.restored),
                and_(Refund.card_id.is_not(None),
                     func.coalesce(reverse.c.total, 0) != -Refund.reversed),
            )
        )
        .limit(LIMIT)
    )
    return [_("refund {refund_no}: lines, payments or ledger entries do not add up").format(
        refund_no=r) for (r,) in rows]


def refunds_within_sold(s: Session) -> list[str]:
    back = (
        select(
            RefundLine.sale_line_id,
            func.sum(RefundLine.qty_milli).label("qty"),
            func.sum(RefundLine.paid).label("paid"),
            func.sum(RefundLine.cashback).label("cashback"),
        )
        .group_by(RefundLine.sale_line_id)
        .subquery()
    )
    rows = s.execute(
        select(SaleLine.sale_id, SaleLine.line_no)
        .join(back, back.c.sale_line_id == SaleLine.id)
        .where(
            or_(
                back.c.qty > SaleLine.qty_milli,
                back.c.paid > SaleLine.paid,
                back.c.cashback > SaleLine.cashback,
            )
        )
        .limit(LIMIT)
    )
    return [_("sale {sale_id} line {line}: more returned than sold").format(
        sale_id=sid, line=no) for sid, no in rows]


def cached_spend_matches_sales(s: Session) -> list[str]:
    """Spend moves with replacements, so it is compared per chain of cards."""
    chain = aliased(Card)
    sold = (
        select(chain.lineage_id.label("lineage"),
               func.sum(Sale.subtotal - Sale.discount).label("total"))
        .join(chain, chain.id == Sale.card_id)
        .group_by(chain.lineage_id)
        .subquery()
    )
    back = (
        select(chain.lineage_id.label("lineage"), func.sum(Refund.spend).label("total"))
        .join(Sale, Sale.id == Refund.sale_id)
        .join(chain, chain.id == Sale.card_id)
        .group_by(chain.lineage_id)
        .subquery()
    )
    cached = (
        select(Card.lineage_id.label("lineage"), func.sum(Card.spend).label("total"))
        .group_by(Card.lineage_id)
        .subquery()
    )
    rows = s.execute(
        select(cached.c.lineage, cached.c.total,
               func.coalesce(sold.c.total, 0) - func.coalesce(back.c.total, 0))
        .outerjoin(sold, sold.c.lineage == cached.c.lineage)
        .outerjoin(back, back.c.lineage == cached.c.lineage)
        .where(cached.c.total != func.coalesce(sold.c.total, 0) - func.coalesce(back.c.total, 0))
        .limit(LIMIT)
    )
    return [_("card chain {lineage}: cached spend {cached} but sales say {total}").format(
        lineage=lin, cached=c, total=t) for lin, c, t in rows]


def guards_are_in_place(s: Session) -> list[str]:
    """The append-only and closed-day triggers exist: without them nothing else holds."""
    return [_("the database guard {name} is missing: facts can be rewritten; restore a backup"
              " or set the guards up again").format(name=name)
            for name in sorted(missing_triggers(s))[:LIMIT]]


def numbers_have_no_gaps(s: Session) -> list[str]:
    """Each shop's receipt, refund and Z numbers run 1, 2, 3...: a gap is a deleted sale,
    refund or day."""
    problems = []
    several = (s.scalar(select(func.count(Shop.id))) or 0) > 1
    for table, column, what in ((Sale, Sale.receipt_no, _("receipt")),
                                (Refund, Refund.refund_no, _("refund")),
                                (BusinessDay, BusinessDay.z_number, _("Z report"))):
        for shop, count, low, high in s.execute(
                select(table.shop_id, func.count(column), func.min(column), func.max(column))
                .group_by(table.shop_id)):
            if count and (low != 1 or high != count):
                text = _("{what} numbers run from {low} to {high} but there are {count}:"
                         " {missing} missing").format(what=what, low=low, high=high,
                                                      count=count, missing=high - count)
                problems.append(_("shop {shop}: {problem}").format(shop=shop, problem=text)
                                if several else text)
    return problems


def rows_are_at_their_shop(s: Session) -> list[str]:
    """A sale, refund, payment or ledger entry was made at a till of the shop whose day it
    is in (and a sale or refund says that shop)."""
    problems = []
    for table, what in ((Sale, _("sale")), (Refund, _("refund")), (Payment, _("payment")),
                        (LedgerEntry, _("ledger entry"))):
        wrong = (select(table.id).join(BusinessDay, BusinessDay.id == table.day_id)
                 .join(Till, Till.id == table.till_id)
                 .where(Till.shop_id != BusinessDay.shop_id))
        if table in (Sale, Refund):
            wrong = wrong.union(select(table.id).join(BusinessDay, BusinessDay.id == table.day_id)
                                .where(table.shop_id != BusinessDay.shop_id))
        problems += [_("{what} {key} was made at a till of another shop than its day's").format(
            what=what, key=key) for key in s.scalars(wrong.limit(LIMIT))]
    return problems[:LIMIT]


def _audited(s: Session, action: str, column, key, *where) -> list[tuple]:
    """Rows of ``column``'s facts (counted by ``key``) with fewer audit lines ``action``."""
    facts = (select(key.label("target"), func.count().label("n")).where(*where)
             .group_by(key).subquery())
    lines = (select(AuditEntry.target.label("target"), func.count().label("n"))
             .where(AuditEntry.action == action).group_by(AuditEntry.target).subquery())
    return list(s.execute(
        select(facts.c.target, facts.c.n, func.coalesce(lines.c.n, 0))
        .outerjoin(lines, lines.c.target == facts.c.target)
        .where(facts.c.n > func.coalesce(lines.c.n, 0)).limit(LIMIT)))


def manager_actions_are_audited(s: Session) -> list[str]:
    """Every manual adjustment, refund, pinned tier and closed day has its audit line."""
    adjust = (select(Card.number).where(Card.id == LedgerEntry.card_id)
              .scalar_subquery())
    problems = [
        _("card {number}: {n} manual adjustments but {lines} audit lines").format(
            number=target, n=n, lines=lines)
        for target, n, lines in _audited(s, "card_adjust", LedgerEntry.id, adjust,
                                         LedgerEntry.kind == "adjust")]
    problems += [
        _("sale {sale}: {n} refunds but {lines} audit lines").format(sale=target, n=n,
                                                                     lines=lines)
        for target, n, lines in _audited(s, "refund", Refund.id, Refund.sale_id)]
    problems += [
        _("business day {date}: closed without an audit line").format(date=target)
        for target, _n, _lines in _audited(
            s, "day_close", BusinessDay.id, func.cast(BusinessDay.business_date, String),
            BusinessDay.closed_at.is_not(None))]
    return problems[:LIMIT]


def _audit_details(s: Session, *actions: str) -> list[tuple[str, str, dict]]:
    """(action, target, detail) of every audit line of ``actions``, oldest first."""
    rows = s.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.detail)
                     .where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id))
    return [(action, target, json.loads(detail) if detail else {})
            for action, target, detail in rows]


def users_match_their_audit(s: Session) -> list[str]:
    """Every user was added with an audit line; their role and PIN are the ones it names."""
    role: dict[str, str] = {}
    pin: dict[str, str] = {}
    for _action, target, detail in _audit_details(s, "user_add", "user_baseline", "user_pin"):
        if "role" in detail:
            role[target] = detail["role"]
        if "pin" in detail:
            pin[target] = detail["pin"]
    problems = []
    for name, user_role, pin_hash in s.execute(select(User.name, User.role, User.pin_hash)
                                               .order_by(User.id)):
        if name not in role:
            problems.append(_("user {name}: no audit line adds them").format(name=name))
        elif role[name] != user_role:
            problems.append(_("user {name} is a {role} but the audit log says {said}").format(
                name=name, role=user_role, said=role[name]))
        if name in pin and pin[name] != pin_fingerprint(pin_hash):
            problems.append(_("user {name}: the PIN was changed without an audit line").format(
                name=name))
    return problems[:LIMIT]


def cards_match_their_audit(s: Session) -> list[str]:
    """A card's pinned tier is the one its newest audit line names; a blocked or replaced
    card has its audit line."""
    tier: dict[str, str | None] = {}
    said = {"card_block": set(), "card_replace": set()}
    for action, target, detail in _audit_details(s, "card_pin_tier", "card_replace",
                                                 "card_block"):
        if action == "card_pin_tier":
            tier[target] = detail.get("tier")
        else:
            said[action].add(target)
            if action == "card_replace" and "tier" in detail:  # lines from before 0006 lack it
                tier[detail["new"]] = detail["tier"]
    problems = []
    odd = select(Card.number, Card.status, Card.pinned_tier).where(
        or_(Card.pinned_tier.is_not(None), Card.status != "active",
            Card.number.in_(list(tier)))).order_by(Card.id)
    for number, status, pinned in s.execute(odd):
        if pinned is not None and number not in tier:
            problems.append(_("card {number}: pinned to a tier without an audit line").format(
                number=number))
        elif number in tier and tier[number] != pinned:
            problems.append(_("card {number}: pinned to {tier} but the audit log says {said}"
                              ).format(number=number, tier=pinned or "-",
                                       said=tier[number] or "-"))
        action = {"blocked": "card_block", "replaced": "card_replace"}.get(status)
        if action and number not in said[action]:
            problems.append(_("card {number}: {status} without an audit line").format(
                number=number, status=status))
    return problems[:LIMIT]


def settings_match_their_audit(s: Session) -> list[str]:
    """Every setting holds the value its newest audit line wrote."""
    value = {target: detail.get("value") for _action, target, detail
             in _audit_details(s, "setting", "setting_baseline")}
    return [_("setting {key}: its value is not the one the audit log wrote").format(key=key)
            for key, stored in s.execute(select(Setting.key, Setting.value).order_by(Setting.key))
            if value.get(key, object()) != stored][:LIMIT]


def stamps_follow_their_day(s: Session) -> list[str]:
    """No sale, refund or ledger entry is stamped before its business day opened."""
    problems = []
    for table, key, what in ((Sale, Sale.receipt_no, _("receipt")),
                             (Refund, Refund.refund_no, _("refund")),
                             (LedgerEntry, LedgerEntry.id, _("ledger entry"))):
        rows = s.execute(select(key, BusinessDay.business_date)
                         .join(BusinessDay, BusinessDay.id == table.day_id)
                         .where(table.created_at < BusinessDay.opened_at).limit(LIMIT))
        problems += [_("{what} {number} is stamped before its day {date} opened").format(
            what=what, number=number, date=date.isoformat()) for number, date in rows]
    return problems[:LIMIT]


def days_are_dated_when_they_opened(s: Session) -> list[str]:
    """A business day is dated by the clock when it opened (a day either side, for the
    zone), or the day after the day before it (several closings in one calendar day)."""
    problems = []
    previous: dict[int, dt.date] = {}
    zones = dict(s.execute(select(Shop.id, Shop.timezone)).all())
    for shop, date, opened_at in s.execute(
            select(BusinessDay.shop_id, BusinessDay.business_date, BusinessDay.opened_at)
            .order_by(BusinessDay.id)):
        clock_date = clock.to_zone(opened_at, zones.get(shop)).date()
        before = previous.get(shop)
        after_previous = before is not None and date == before + dt.timedelta(days=1)
        if not (abs((date - clock_date).days) <= 1 or after_previous):
            problems.append(_("business day {date} is dated {days} days away from the clock when"
                              " it opened ({opened})").format(
                date=date.isoformat(), days=(date - clock_date).days,
                opened=clock_date.isoformat()))
        if before is not None and date <= before:
            problems.append(_("business day {date} comes after {previous} but is not later"
                              ).format(date=date.isoformat(), previous=before.isoformat()))
        previous[shop] = date
    return problems[:LIMIT]


def z_reports_match_their_rows(s: Session) -> list[str]:
    """A closed day's frozen Z report says what its sales and refunds rows say."""
    sold = (select(Sale.day_id, func.count().label("sales"),
                   func.sum(Sale.subtotal).label("subtotal"), func.sum(Sale.paid).label("paid"))
            .group_by(Sale.day_id).subquery())
    back = (select(Refund.day_id, func.count().label("refunds"),
                   func.sum(Refund.money_back).label("money_back"))
            .group_by(Refund.day_id).subquery())
    rows = s.execute(
        select(BusinessDay.business_date, BusinessDay.z_report,
               func.coalesce(sold.c.sales, 0), func.coalesce(sold.c.subtotal, 0),
               func.coalesce(sold.c.paid, 0), func.coalesce(back.c.refunds, 0),
               func.coalesce(back.c.money_back, 0))
        .outerjoin(sold, sold.c.day_id == BusinessDay.id)
        .outerjoin(back, back.c.day_id == BusinessDay.id)
        .where(BusinessDay.z_report.is_not(None)))
    problems = []
    for date, frozen, *counted in rows:
        try:
            report = json.loads(frozen)
            stored = [int(report[key]) for key in
                      ("sales", "subtotal", "paid", "refunds", "money_back")]
        except (ValueError, KeyError, TypeError):
            problems.append(_("business day {date}: its Z report cannot be read").format(
                date=date))
            continue
        if stored != [int(v) for v in counted]:
            problems.append(_("business day {date}: the Z report says sales, subtotal, paid,"
                              " refunds, money back {stored} but the rows say {rows}").format(
                date=date, stored=stored, rows=[int(v) for v in counted]))
    return problems[:LIMIT]


def stamp_counts_match_sales(s: Session) -> list[str]:
    """Each card in use holds the stamp count its sales, gifts and refunds give."""
    counted = rewards.stamp_counts(s)
    rows = s.execute(select(Card.number, Card.lineage_id, Card.stamps)
                     .where(Card.replaced_by_id.is_(None),
                            or_(Card.stamps != 0, Card.lineage_id.in_(list(counted)))))
    return [_("card {number}: {stamps} stamps, but its sales give {counted}").format(
        number=number, stamps=stamps, counted=counted.get(lineage, 0))
        for number, lineage, stamps in rows if stamps != counted.get(lineage, 0)][:LIMIT]


def reward_reversals_match_refunds(s: Session) -> list[str]:
    """What a refund says it took back of the rewards is what its ledger entries took; a
    bonus gift was credited with the sale that earned it."""
    back = (select(LedgerEntry.refund_id.label("ref"), func.sum(-LedgerEntry.amount)
                   .label("total"))
            .where(LedgerEntry.kind.in_(("reverse_stamps", "reverse_birthday")))
            .group_by(LedgerEntry.refund_id).subquery())
    rows = s.execute(
        select(Refund.refund_no).outerjoin(back, back.c.ref == Refund.id)
        .where(func.coalesce(back.c.total, 0) != Refund.rewards_back).limit(LIMIT))
    problems = [_("refund {refund_no}: the rewards it took back do not match its ledger"
                  " entries").format(refund_no=r) for (r,) in rows]
    credited = _ledger_by_kind("bonus_stamps", LedgerEntry.sale_id)
    rows = s.execute(
        select(Sale.receipt_no).join(Gift, Gift.sale_id == Sale.id)
        .outerjoin(credited, credited.c.ref == Sale.id)
        .where(Gift.kind == "bonus", func.coalesce(credited.c.total, 0) != Gift.value)
        .limit(LIMIT))
    problems += [_("receipt {receipt_no}: its stamp bonus is not on the ledger").format(
        receipt_no=r) for (r,) in rows]
    return problems[:LIMIT]


CHECKS: tuple[Check, ...] = (
    guards_are_in_place,
    numbers_have_no_gaps,
    rows_are_at_their_shop,
    manager_actions_are_audited,
    users_match_their_audit,
    cards_match_their_audit,
    settings_match_their_audit,
    stamps_follow_their_day,
    days_are_dated_when_they_opened,
    z_reports_match_their_rows,
    cached_balance_is_ledger_sum,
    no_negative_balance,
    entries_have_known_kind_and_sign,
    sale_totals_add_up,
    payments_cover_sales,
    sale_ledger_matches,
    refunds_add_up,
    refunds_within_sold,
    cached_spend_matches_sales,
    stamp_counts_match_sales,
    reward_reversals_match_refunds,
    expiry.lots_match_balances,
)


def verify(db: Database) -> list[str]:
    """Run every check; an empty list means the ledger is healthy."""
    problems: list[str] = []
    with db.read() as s:
        for check in CHECKS:
            problems.extend(check(s))
    return problems
