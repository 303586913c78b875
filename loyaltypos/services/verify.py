"""Ledger health: a list of checks, each returning the problems it found.

The command line's ``verify``, the tests and the till's status bar all run
the same list. Every check is one aggregate query, so a year of data is
checked in seconds.
"""

from __future__ import annotations

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
    LedgerEntry,
    Payment,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
)
from loyaltypos.domain.i18n import _

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
                lines.c.paid - Refund.shortfall != Refund.money_back,
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
    """Receipt, refund and Z numbers run 1, 2, 3...: a gap is a deleted sale, refund or day."""
    problems = []
    for column, what in ((Sale.receipt_no, _("receipt")), (Refund.refund_no, _("refund")),
                         (BusinessDay.z_number, _("Z report"))):
        count, low, high = s.execute(
            select(func.count(column), func.min(column), func.max(column))).one()
        if count and (low != 1 or high != count):
            problems.append(_("{what} numbers run from {low} to {high} but there are {count}:"
                              " {missing} missing").format(what=what, low=low, high=high,
                                                           count=count,
                                                           missing=high - count))
    return problems


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
        _("card {number}: pinned to a tier without an audit line").format(number=target)
        for target, _n, _lines in _audited(s, "card_pin_tier", Card.id, Card.number,
                                           Card.pinned_tier.is_not(None))]
    problems += [
        _("business day {date}: closed without an audit line").format(date=target)
        for target, _n, _lines in _audited(
            s, "day_close", BusinessDay.id, func.cast(BusinessDay.business_date, String),
            BusinessDay.closed_at.is_not(None))]
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


CHECKS: tuple[Check, ...] = (
    guards_are_in_place,
    numbers_have_no_gaps,
    manager_actions_are_audited,
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
)


def verify(db: Database) -> list[str]:
    """Run every check; an empty list means the ledger is healthy."""
    problems: list[str] = []
    with db.read() as s:
        for check in CHECKS:
            problems.extend(check(s))
    return problems
