"""The owner's insight report, read from the ledger: who is loyal, who is drifting away,
what a customer is worth (the figures of ``loyaltypos.analytics.insight``).

A customer is a personal card's lineage, named by its card in use now; each of their
sales up to the end date is a purchase worth what it took after discount, less what was
refunded of it by then. A wholly refunded sale is not a purchase. Bearer cards are
anonymous: their revenue is reported as a share of all card revenue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import String, delete, func, insert, select, type_coerce
from sqlalchemy.orm import Session, aliased

from loyaltypos.analytics import insight as figures
from loyaltypos.analytics.insight import Purchase, Rules
from loyaltypos.db import Database
from loyaltypos.db.models import (
    BusinessDay,
    Card,
    Customer,
    ImportedPurchase,
    InsightSnapshot,
    Refund,
    Sale,
)
from loyaltypos.documents.files import write_atomic
from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.money import fmt
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import nps, referrals, store
from loyaltypos.services.audit import audit

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
    matrix_revenue_pct: dict[str, Decimal]  # share of the period's customer revenue
    ltv_by_segment: dict[str, figures.Ltv]
    pareto: figures.Pareto
    ladder: figures.Ladder
    nps: figures.Nps
    anonymous_share_pct: Decimal
    crr_by_month: list[tuple[dt.date, figures.Retention]]  # the last 12 months
    nps_by_month: list[tuple[dt.date, figures.Nps]]


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    end = end or clock.local_today()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Refused(_("the period starts on {start}, after it ends on {end}; swap the"
                        " dates").format(start=date_text(start), end=date_text(end)))
    return start, end


def live_numbers(session: Session) -> dict[int, str]:
    """Each personal lineage's card in use now, by lineage id."""
    rows = session.execute(
        select(func.coalesce(Card.lineage_id, Card.id), func.max(Card.number))
        .where(Card.kind == "personal", Card.status != "replaced")
        .group_by(func.coalesce(Card.lineage_id, Card.id)))
    return {lineage: number for lineage, number in rows.all()}


@dataclass
class _Read:
    groups: dict[int, list[tuple[int, int]]]  # lineage id -> (date's ordinal, revenue)
    names: dict[int, str]  # each lineage's card in use now
    bearer: int = 0  # bearer cards' revenue in the period asked for


def _read(session: Session, *, until: dt.date, lineage: int | None = None,
          bearer_from: dt.date | None = None) -> _Read:
    """Every purchase up to ``until`` of one lineage or of all, and (with ``bearer_from``)
    the bearer cards' revenue from that date to ``until``.

    A year of a busy shop is hundreds of thousands of sales, so they are read as narrow
    plain rows (card, day, amount; no joins, no ORM, straight from the driver's cursor)
    and the cards and days are looked up in dictionaries. The few refunded sales are read
    apart and swapped in: a sale's row is (card, day, amount), and rows alike are
    interchangeable. Dates are day ordinals (``date.toordinal()``), compared as numbers.
    """
    run = session.connection().execute  # Core rows: the ORM adds nothing to plain columns
    who = func.coalesce(Card.lineage_id, Card.id)
    personal = select(Card.id, who, Card.number, Card.status).where(Card.kind == "personal")
    if lineage is not None:
        personal = personal.where(Card.lineage_id == lineage)  # set on every card: indexed
    lineages: dict[int, int] = {}
    names: dict[int, str] = {}
    for card, key, number, status in (run(personal).all() if lineage is not None else
                                      _plain(session, _PERSONAL_CARDS)):
        lineages[card] = key
        if status != "replaced" and number > names.get(key, ""):
            names[key] = number
    dates = {day: _ordinal(date) for day, date in run(
        select(BusinessDay.id, type_coerce(BusinessDay.business_date, String)))}
    last = until.toordinal()
    counted = {day for day, date in dates.items() if date <= last}
    anonymous = ({day for day in counted if dates[day] >= bearer_from.toordinal()}
                 if bearer_from is not None else set())
    mine = (Sale.card_id.in_(lineages) if lineage is not None else Sale.card_id.is_not(None))
    net = Sale.subtotal - Sale.discount
    refund_day = aliased(BusinessDay)
    refunded = (select(Sale.card_id, Sale.day_id, net, func.sum(Refund.spend))
                .join(Refund, Refund.sale_id == Sale.id)
                .join(refund_day, refund_day.id == Refund.day_id)
                .where(mine, refund_day.business_date <= until)
                .group_by(Sale.id, Sale.card_id, Sale.day_id, net))
    swap: Counter[tuple[int, int, int]] = Counter()
    # Each lineage's list of purchases, reached from any of its cards in one look-up.
    groups = {key: [] for key in set(lineages.values())}
    by_card = {card: groups[key] for card, key in lineages.items()}
    read = _Read(groups, names)

    def append(key: int, day: int, revenue: int) -> None:
        groups[key].append((day, revenue))

    for card, day, amount, back in run(refunded).all():
        if day not in counted:
            continue
        swap[card, day, amount] += 1
        key = lineages.get(card)
        if key is None:
            read.bearer -= back if day in anonymous else 0
        elif amount - back > 0:
            append(key, dates[day], amount - back)
    if lineage is None:  # every card sale: the one big read
        sold = _plain(session, _CARD_SALES)
    else:
        sold = run(select(Sale.card_id, Sale.day_id, net).where(mine)).all()
    for card, day, amount in sold:  # the hot loop: one look-up per sale where it can
        if day not in counted:
            continue
        found = by_card.get(card)
        if found is None:  # a bearer card
            if day in anonymous:
                read.bearer += amount
        elif swap and swap[card, day, amount]:
            swap[card, day, amount] -= 1
        else:
            found.append((dates[day], amount))
    imported = select(ImportedPurchase.card_id, type_coerce(ImportedPurchase.business_date,
                                                            String), ImportedPurchase.amount)
    if lineage is not None:
        imported = imported.where(ImportedPurchase.card_id.in_(lineages))
    for card, date, amount in run(imported):
        key = lineages.get(card)
        day = _ordinal(date)
        if key is not None and day <= last:
            append(key, day, amount)
    for key in [key for key, found in groups.items() if not found]:
        del groups[key]  # cards with no purchase
    return read


# Written out for the driver's own cursor: plain columns, no parameters, the same on
# SQLite and PostgreSQL.
_CARD_SALES = "SELECT card_id, day_id, subtotal - discount FROM sales WHERE card_id IS NOT NULL"
_PERSONAL_CARDS = ("SELECT id, COALESCE(lineage_id, id), number, status FROM cards"
                   " WHERE kind = 'personal'")


def _plain(session: Session, query: str) -> list[tuple]:
    """The rows of a query as the driver's cursor gives them: plain tuples, none of the
    result objects around them (for reads of a hundred thousand rows and more)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(query)
        return cursor.fetchall()
    finally:
        cursor.close()


def _ordinal(date: dt.date | str) -> int:
    """A date as the database gives it (SQLite: text) as a day ordinal."""
    return (dt.date.fromisoformat(date) if isinstance(date, str) else date).toordinal()


def purchase_rows(session: Session, *, until: dt.date,
                  lineage: int | None = None) -> list[tuple[int, dt.date, int]]:
    """(lineage id, business date, revenue) of every purchase up to ``until``, of one
    lineage or of all: personal cards' sales less what was refunded of them by then (a
    sale refunded whole is dropped), and the purchases imported from before the program."""
    return [(key, dt.date.fromordinal(day), revenue)
            for key, group in _read(session, until=until, lineage=lineage).groups.items()
            for day, revenue in sorted(group)]


def purchases(session: Session, *, until: dt.date) -> list[Purchase]:
    """Every customer's purchases up to ``until`` (business dates), refunds made by then
    taken off, each named by the customer's card in use now."""
    names = live_numbers(session)
    return [Purchase(names[key], date, revenue)
            for key, date, revenue in purchase_rows(session, until=until)]


@dataclass(slots=True)  # not frozen: a report makes one per customer, and frozen is slower
class CustomerFigures:
    """One customer as the report sees them on its last day."""

    number: str  # their card in use now
    revenue: int  # in the period
    visits: int  # purchases in the period
    first_visit: dt.date
    last_visit: dt.date
    purchases: int  # over their whole history up to the report's end
    lifetime_revenue: int
    lifetime_months: int
    margin_pct: Decimal
    rfm: tuple[int, int, int]
    step: str
    abc: str | None  # None: nothing bought in the period
    xyz: str  # X, Y, Z or lapsed
    segment: str | None  # "AX" .. "CZ"; "lapsed" with nothing in the XYZ months; else None
    active: bool
    months_bought: int  # of the ladder's last months

    @property
    def lifetime(self) -> figures.Ltv:
        """Their own S, C, T and LTV over their whole history."""
        return figures.ltv_of(self.purchases, self.lifetime_revenue, self.lifetime_months,
                              self.margin_pct)


class Analysis:
    """The report, and every customer's figures, made the first time they are asked for
    (the report alone does not need them one by one)."""

    def __init__(self, report: Report, build: Callable[[], dict[str, CustomerFigures]],
                 lineage_of: dict[str, int]) -> None:
        self.report = report
        self.lineage_of = lineage_of  # each customer's lineage, as it was read
        self._build: Callable[[], dict[str, CustomerFigures]] | None = build
        self._customers: dict[str, CustomerFigures] = {}

    @property
    def customers(self) -> dict[str, CustomerFigures]:
        if self._build is not None:
            self._customers, self._build = self._build(), None
        return self._customers


STAGES = 3  # reading, one pass over the purchases, the figures


def _analyse(session: Session, start: dt.date, end: dt.date, rules: Rules,
             progress: Callable[[int, int], None] | None = None) -> Analysis:
    """Every figure from one pass over the purchases (``figures.tally``), then over the
    customers; ``progress(done, STAGES)`` after each stage (it may raise to stop)."""
    def stage(done: int) -> None:
        if progress is not None:
            progress(done, STAGES)

    stage(0)
    read = _read(session, until=end, bearer_from=start)
    stage(1)
    tallies = figures.tally(read.groups, read.names, start=start, end=end, rules=rules)
    stage(2)
    read.groups.clear()
    answers = nps.responses(session, until=end)
    promoters = _promoters(answers)
    recommends = promoters | _referrers(session, read.names, tallies.customers)
    revenue = {k: t.period_revenue for k, t in tallies.customers.items() if t.period_visits}
    abc = figures.abc(revenue, a_pct=rules.a_pct, b_pct=rules.b_pct)
    since = end - dt.timedelta(days=rules.active_days)
    standing: dict[str, tuple[str, str | None, bool]] = {}
    members: dict[str | None, list[str]] = defaultdict(list)
    steps = dict.fromkeys(figures.STEPS, 0)
    lapsed = dict.fromkeys(figures.STEPS, 0)
    up = down = 0
    for key, t in tallies.customers.items():
        cls, steady = abc.get(key), t.steadiness
        segment = "lapsed" if steady == "lapsed" else None if cls is None else cls + steady
        vouched = key in recommends
        step = figures.step_from(t.months_now, t.purchases, rules, vouched)
        active = t.last > since
        standing[key] = (step, segment, active)
        members[segment].append(key)
        steps[step] += 1
        lapsed[step] += not active
        if t.purchases_then:
            then = figures.step_from(t.months_then, t.purchases_then, rules, vouched)
            up += figures.STEPS.index(step) > figures.STEPS.index(then)
            down += figures.STEPS.index(step) < figures.STEPS.index(then)
    matrix = {f"{a}{x}": len(members[f"{a}{x}"]) for a in "ABC" for x in "XYZ"}
    in_period = sum(revenue.values())
    activity = tallies.activity
    margin = rules.margin_pct

    def ltv(keys) -> figures.Ltv:
        chosen = [tallies.customers[k] for k in keys]
        return figures.ltv_totals(len(chosen), sum(t.purchases for t in chosen),
                                  sum(t.revenue for t in chosen),
                                  sum(t.lifetime_months for t in chosen), margin)

    def people() -> dict[str, CustomerFigures]:
        end_day = end.toordinal()
        rfm = figures.rfm_of({k: (t.last.toordinal() - end_day, t.purchases, t.revenue)
                              for k, t in tallies.customers.items()})
        return {key: CustomerFigures(
            number=key, revenue=t.period_revenue, visits=t.period_visits,
            first_visit=t.first, last_visit=t.last, purchases=t.purchases,
            lifetime_revenue=t.revenue, lifetime_months=t.lifetime_months,
            margin_pct=margin, rfm=rfm[key], step=standing[key][0], abc=abc.get(key),
            xyz=t.steadiness, segment=standing[key][1], active=standing[key][2],
            months_bought=t.months_now) for key, t in tallies.customers.items()}

    xyz_counts = Counter(t.steadiness for t in tallies.customers.values())
    abc_counts = Counter(abc.values())
    report = Report(
        start=start, end=end, customers=len(standing), ltv=ltv(standing),
        retention=activity.retention(start, end),
        abc={c: abc_counts[c] for c in "ABC"},
        xyz={c: xyz_counts[c] for c in ("X", "Y", "Z", "lapsed")},
        matrix=matrix,
        matrix_revenue_pct={cell: figures.pct(sum(revenue.get(k, 0) for k in members[cell]),
                                              in_period) for cell in matrix},
        ltv_by_segment={cell: ltv(members[cell]) for cell in matrix},
        pareto=figures.pareto(revenue),
        ladder=figures.Ladder(steps, lapsed, up, down),
        nps=figures.nps(answers, start=start, end=end),
        anonymous_share_pct=figures.pct(read.bearer, in_period + read.bearer),
        crr_by_month=[(first, activity.retention(first, min(figures.month_end(first), end)))
                      for first in figures.months_back(end, 12)],
        nps_by_month=[(first, figures.nps(answers, start=max(first, start),
                                          end=min(figures.month_end(first), end)))
                      for first in figures.months_back(end, 12)],
    )
    stage(3)
    return Analysis(report, people, {name: key for key, name in read.names.items()})


def analyse(db: Database, *, actor: Actor, start: dt.date | None = None,
            end: dt.date | None = None, rules: Rules | None = None,
            progress: Callable[[int, int], None] | None = None) -> Analysis:
    """The report and every customer's figures for ``start``..``end`` (default: the 365
    days up to today), for a manager; audited, since it ranks named customers. A run over
    the default year up to today also refreshes the till's snapshot. ``progress(done,
    STAGES)`` is called between stages, for a progress bar (raising there stops)."""
    require_manager(actor, _("the insight report"))
    start, end = _period(start, end)
    with db.write() as s:
        audit(s, actor, "insight", f"{start.isoformat()}..{end.isoformat()}")
    with db.read() as s:
        analysis = _analyse(s, start, end, rules or store.current_program(s).insight,
                            progress)
    if rules is None and (start, end) == _period(None, None):
        _write_snapshot(db, analysis)
    return analysis


def insight_report(db: Database, *, actor: Actor, start: dt.date | None = None,
                   end: dt.date | None = None, rules: Rules | None = None) -> Report:
    """The figures for ``start``..``end`` (default: the 365 days up to today), for a
    manager; audited, since it ranks named customers."""
    return analyse(db, actor=actor, start=start, end=end, rules=rules).report


def _promoters(answers: list[figures.Response]) -> frozenset[str]:
    """Customers whose latest answer (up to the end date) is 9 or 10."""
    latest: dict[str, int] = {}
    for answer in answers:  # oldest first
        if answer.customer is not None:
            latest[answer.customer] = answer.score
    return frozenset(k for k, score in latest.items() if score >= 9)


def _referrers(session: Session, names: dict[int, str], bought: Mapping[str, object]
               ) -> frozenset[str]:
    """Customers (by card in use now) who brought in a customer who has bought: one whose
    purchases, as counted up to the report's end, are in ``bought``."""
    return frozenset(names[referrer] for newcomer, referrer in referrals.links(session)
                     if names.get(newcomer) in bought and referrer in names)


# ---------------------------------------------------------------- the till's snapshot


def _write_snapshot(db: Database, analysis: Analysis) -> int:
    """Replace the snapshot with ``analysis``'s customers (it is a cache: rewritten whole)."""
    end, now = analysis.report.end, clock.now()
    with db.write() as s:
        s.execute(delete(InsightSnapshot))
        rows = [{"lineage_id": analysis.lineage_of[c.number], "as_of": end, "step": c.step,
                 "segment": c.segment, "purchases": c.purchases,
                 "revenue": c.lifetime_revenue, "first_date": c.first_visit,
                 "last_date": c.last_visit, "months_bought": c.months_bought,
                 "rfm": "".join(map(str, c.rfm)), "refreshed_at": now}
                for c in analysis.customers.values()]
        if rows:  # Core's executemany: the ORM's bulk insert is several times slower
            s.connection().execute(insert(InsightSnapshot.__table__), rows)
    return len(rows)


def refresh_snapshot(db: Database, *, on: dt.date | None = None) -> int:
    """Work out every customer's step and segment over the year up to ``on`` (default:
    today) and keep them for the till's panel; returns how many customers. Run at day
    close and by the Insight window; it reads, ranks nobody for a person, so it is not
    audited."""
    start, end = _period(None, on)
    with db.read() as s:
        analysis = _analyse(s, start, end, store.current_program(s).insight)
    return _write_snapshot(db, analysis)


# ---------------------------------------------------------------- lists and mailing


SEGMENTS = tuple(f"{a}{x}" for a in "ABC" for x in "XYZ")


def customer_list(analysis: Analysis, *, segment: str | None = None, step: str | None = None,
                  lapsed: bool = False) -> list[CustomerFigures]:
    """The customers of a matrix cell ("AX"), a step ("regular") or the lapsed (not active
    on the report's last day), highest revenue first (ties by card number)."""
    if segment is not None and segment.upper() not in SEGMENTS:
        raise Refused(_("a segment is one of {cells}").format(cells=", ".join(SEGMENTS)))
    if step is not None and step not in figures.STEPS:
        raise Refused(_("a step is one of {steps}").format(steps=", ".join(figures.STEPS)))
    chosen = [c for c in analysis.customers.values()
              if (segment is None or c.segment == segment.upper())
              and (step is None or c.step == step) and (not lapsed or not c.active)]
    chosen.sort(key=lambda c: (-c.revenue, -c.lifetime_revenue, c.number))
    return chosen


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None
    email: str | None
    consent: bool


def contacts(db: Database, numbers: list[str]) -> dict[str, Contact]:
    """Name, phone, e-mail and marketing consent of the customers of these cards."""
    found: dict[str, Contact] = {}
    with db.read() as s:
        for first in range(0, len(numbers), 500):
            rows = s.execute(
                select(Card.number, Customer.name, Customer.phone, Customer.email,
                       Customer.marketing_consent)
                .join(Customer, Customer.id == Card.customer_id)
                .where(Card.number.in_(numbers[first:first + 500])))
            for number, name, phone, email, consent in rows:
                found[number] = Contact(name, phone, email, bool(consent))
    return found


CSV_COLUMNS = ("card", "name", "phone", "email", "step", "segment", "revenue", "visits",
               "last_visit", "ltv", "rfm")


def export_customers(db: Database, *, actor: Actor, chosen: list[CustomerFigures],
                     path: str | Path, what: str) -> int:
    """Write the consenting customers of ``chosen`` to a CSV file for a mailing (manager;
    audited once the file is in place, with ``what`` list it was); returns how many. Only
    customers who agreed to marketing are written: the others are never in the file."""
    require_manager(actor, _("exporting customers"))
    known = contacts(db, [c.number for c in chosen])
    currency = store.program_in_force(db).currency
    rows = [(c, known[c.number]) for c in chosen
            if c.number in known and known[c.number].consent]

    def write(handle) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        out = csv.writer(text)
        out.writerow(CSV_COLUMNS)
        for c, who in rows:
            out.writerow([c.number, who.name, who.phone or "", who.email or "", c.step,
                          c.segment or "", fmt(c.revenue, currency), c.visits,
                          c.last_visit.isoformat(),
                          fmt(int(c.lifetime.ltv.to_integral_value(ROUND_HALF_UP)), currency),
                          "".join(map(str, c.rfm))])
        text.flush()
        text.detach()

    write_atomic(path, write)
    with db.write() as s:
        audit(s, actor, "customers_export", what, rows=len(rows), file=str(path))
    return len(rows)


def snapshot_rfm(session: Session, lineage_id: int) -> str | None:
    """The customer's RFM scores ("545") as of the last refresh."""
    return session.scalar(select(InsightSnapshot.rfm)
                          .where(InsightSnapshot.lineage_id == lineage_id))
