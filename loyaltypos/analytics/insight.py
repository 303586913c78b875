"""Who is loyal, who is drifting away and what a customer is worth: the owner's guide's
formulas over a list of purchases, with no database in sight.

A *customer* is a key (a personal card's lineage); a :class:`Purchase` is one of their
sales that was not wholly refunded, with its revenue after refunds (RULES.md's
qualifying spend). Every figure is a pure function of those lists and the dates asked
for, so each one is tested on a history worked out by hand (docs/INSIGHT.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from loyaltypos.domain.program import InsightRules

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Purchase:
    customer: str
    date: dt.date
    revenue: int  # minor units, what was refunded of it already taken off


@dataclass(frozen=True)
class Response:
    """One NPS answer; ``customer`` is None for an anonymous one."""

    customer: str | None
    date: dt.date
    score: int


# The [insight] thresholds live with the program (they are read from its file).
Rules = InsightRules


def pct(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """``part`` as a percentage of ``whole``, two decimals, half up (0 of 0 is 0)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


# ---------------------------------------------------------------- calendar months


def month_of(date: dt.date) -> dt.date:
    return date.replace(day=1)


def months_back(date: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` calendar months ending with ``date``'s, oldest first."""
    year, month = date.year, date.month
    firsts = []
    for _step in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def months_spanned(first: dt.date, last: dt.date) -> int:
    """Calendar months from ``first`` to ``last``, both counted: one purchase is 1 month."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# ---------------------------------------------------------------- grouping


def by_customer(purchases: Iterable[Purchase], *, until: dt.date | None = None,
                since: dt.date | None = None) -> dict[str, list[Purchase]]:
    """Each customer's purchases dated ``since``..``until`` (both included), oldest first."""
    grouped: dict[str, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if (until is None or p.date <= until) and (since is None or p.date >= since):
            grouped[p.customer].append(p)
    for history in grouped.values():
        history.sort(key=lambda p: p.date)
    return dict(grouped)


def revenue_by_customer(purchases: Iterable[Purchase], *, start: dt.date,
                        end: dt.date) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for p in purchases:
        if start <= p.date <= end:
            totals[p.customer] += p.revenue
    return dict(totals)


# ---------------------------------------------------------------- LTV = S x C x P x T


@dataclass(frozen=True)
class Ltv:
    customers: int
    purchases: int
    revenue: int
    s: Decimal  # average check, minor units
    c: Decimal  # purchases per customer-month
    p_pct: Decimal  # gross margin
    t_months: Decimal  # average lifetime
    ltv: Decimal  # minor units of margin a customer brings over their lifetime

    @property
    def revenue_per_customer(self) -> Decimal:
        return self.s * self.c * self.t_months


def ltv(purchases: Iterable[Purchase], *, until: dt.date, margin_pct: Decimal,
        customers: Iterable[str] | None = None) -> Ltv:
    """The guide's LTV over whole histories up to ``until`` (of ``customers`` if given).

    S = revenue / purchases, C = purchases / customer-months, T = customer-months /
    customers, a customer's months running from their first purchase to their last. So
    S x C x T is revenue per customer, and LTV = S x C x P x T its margin.
    """
    histories = by_customer(purchases, until=until)
    if customers is not None:
        wanted = set(customers)
        histories = {k: v for k, v in histories.items() if k in wanted}
    count = len(histories)
    bought = sum(len(h) for h in histories.values())
    revenue = sum(p.revenue for h in histories.values() for p in h)
    months = sum(months_spanned(h[0].date, h[-1].date) for h in histories.values())
    if not count:
        zero = Decimal(0)
        return Ltv(0, 0, 0, zero, zero, Decimal(margin_pct), zero, zero)
    s = Decimal(revenue) / bought
    c = Decimal(bought) / months
    t = Decimal(months) / count
    return Ltv(count, bought, revenue, s, c, Decimal(margin_pct), t,
               s * c * t * Decimal(margin_pct) / HUNDRED)


# ---------------------------------------------------------------- CRR and churn


def active_on(history: list[Purchase], date: dt.date, active_days: int) -> bool:
    """Bought on one of the ``active_days`` days up to and including ``date``."""
    earliest = date - dt.timedelta(days=active_days - 1)
    return any(earliest <= p.date <= date for p in history)


@dataclass(frozen=True)
class Retention:
    active_start: int  # S: active on the day before the period
    active_end: int  # E: active on its last day
    new: int  # N: first purchase within the period
    crr_pct: Decimal | None  # None: nobody was active before the period

    @property
    def churn_pct(self) -> Decimal | None:
        return None if self.crr_pct is None else HUNDRED - self.crr_pct


def retention(purchases: Iterable[Purchase], *, start: dt.date, end: dt.date,
              active_days: int) -> Retention:
    """CRR = (E - N) / S x 100 for the period ``start``..``end``."""
    histories = by_customer(purchases, until=end)
    before = start - dt.timedelta(days=1)
    s = sum(active_on(h, before, active_days) for h in histories.values())
    e = sum(active_on(h, end, active_days) for h in histories.values())
    n = sum(start <= h[0].date <= end for h in histories.values())
    return Retention(s, e, n, pct(e - n, s) if s else None)


def retention_by_month(purchases: Iterable[Purchase], *, until: dt.date, active_days: int,
                       months: int = 12) -> list[tuple[dt.date, Retention]]:
    """CRR for each of the last ``months`` calendar months (the last one up to ``until``)."""
    purchases = list(purchases)
    return [(first, retention(purchases, start=first, end=min(month_end(first), until),
                              active_days=active_days))
            for first in months_back(until, months)]


# ---------------------------------------------------------------- ABC, XYZ, Pareto


def abc(revenue: Mapping[str, int], *, a_pct: Decimal = Decimal(80),
        b_pct: Decimal = Decimal(95)) -> dict[str, str]:
    """A, B or C by revenue: sorted by revenue (ties by key), a customer is A while the
    share before them is under ``a_pct`` (the one who crosses it is A), B under ``b_pct``.
    Customers with no revenue in the period have no class."""
    ranked = sorted(((k, v) for k, v in revenue.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    total = sum(v for _k, v in ranked)
    classes, before = {}, 0
    for key, value in ranked:
        share = Decimal(before) * HUNDRED / total
        classes[key] = "A" if share < a_pct else "B" if share < b_pct else "C"
        before += value
    return classes


def monthly_revenue(history: list[Purchase], months: list[dt.date]) -> list[int]:
    totals = dict.fromkeys(months, 0)
    for p in history:
        first = month_of(p.date)
        if first in totals:
            totals[first] += p.revenue
    return [totals[m] for m in months]


def variation_pct(values: list[int]) -> Decimal | None:
    """Population standard deviation / mean, in %; None when every value is 0."""
    mean = Decimal(sum(values)) / len(values)
    if not mean:
        return None
    variance = sum((Decimal(v) - mean) ** 2 for v in values) / len(values)
    return variance.sqrt() / mean * HUNDRED


def xyz(purchases: Iterable[Purchase], *, until: dt.date, months: int = 6,
        x_pct: Decimal = Decimal(10), y_pct: Decimal = Decimal(25)) -> dict[str, str]:
    """X, Y or Z by how steady a customer's monthly revenue is over the last ``months``
    calendar months ending with ``until``'s (empty months count 0); "lapsed" for a
    customer with nothing in those months."""
    window = months_back(until, months)
    classes = {}
    for key, history in by_customer(purchases, until=until).items():
        cv = variation_pct(monthly_revenue(history, window))
        classes[key] = ("lapsed" if cv is None else "X" if cv <= x_pct else
                        "Y" if cv <= y_pct else "Z")
    return classes


@dataclass(frozen=True)
class Pareto:
    top20_share_pct: Decimal  # revenue share of the top 20 % of customers (rounded up)
    customers_for_80_pct: Decimal  # the smallest share of customers bringing 80 %


def pareto(revenue: Mapping[str, int]) -> Pareto:
    ranked = sorted((v for v in revenue.values() if v > 0), reverse=True)
    total, count = sum(ranked), len(ranked)
    if not count:
        return Pareto(Decimal("0.00"), Decimal("0.00"))
    top = math.ceil(count * 2 / 10)
    running, needed = 0, count
    for index, value in enumerate(ranked, start=1):
        running += value
        if running * 100 >= total * 80:
            needed = index
            break
    return Pareto(pct(sum(ranked[:top]), total), pct(needed, count))


# ---------------------------------------------------------------- the customer ladder

STEPS = ("buyer", "client", "regular", "adherent", "advocate")


def step_on(history: list[Purchase], date: dt.date, rules: Rules, *,
            promoter: bool = False, referrer: bool = False) -> str | None:
    """A customer's step on ``date``; None before their first purchase."""
    bought = [p for p in history if p.date <= date]
    if not bought:
        return None
    window = months_back(date, rules.ladder_months)
    months_with = sum(1 for total in monthly_revenue(bought, window) if total > 0)
    if months_with == rules.ladder_months:
        step = "adherent"
    elif months_with >= rules.regular_months:
        step = "regular"
    else:
        return "client" if len(bought) > 1 else "buyer"
    return "advocate" if promoter or referrer else step


@dataclass(frozen=True)
class Ladder:
    steps: dict[str, int]  # customers on each step on the period's last day
    lapsed: dict[str, int]  # of them, not active that day
    moved_up: int
    moved_down: int


def ladder(purchases: Iterable[Purchase], *, start: dt.date, end: dt.date, rules: Rules,
           promoters: frozenset[str] = frozenset(),
           referrers: frozenset[str] = frozenset()) -> Ladder:
    """Customers per step on ``end``, how many of them are lapsed, and how many stand
    higher or lower than on the day before ``start``."""
    steps, lapsed = dict.fromkeys(STEPS, 0), dict.fromkeys(STEPS, 0)
    up = down = 0
    before = start - dt.timedelta(days=1)
    for key, history in by_customer(purchases, until=end).items():
        flags = {"promoter": key in promoters, "referrer": key in referrers}
        now = step_on(history, end, rules, **flags)
        if now is None:
            continue
        steps[now] += 1
        if not active_on(history, end, rules.active_days):
            lapsed[now] += 1
        then = step_on(history, before, rules, **flags)
        if then is not None:
            up += STEPS.index(now) > STEPS.index(then)
            down += STEPS.index(now) < STEPS.index(then)
    return Ladder(steps, lapsed, up, down)


# ---------------------------------------------------------------- NPS and RFM


@dataclass(frozen=True)
class Nps:
    score: Decimal | None  # % promoters - % detractors; None without responses
    promoters: int
    passives: int
    detractors: int
    responses: int


def nps(responses: Iterable[Response], *, start: dt.date, end: dt.date) -> Nps:
    """NPS of the period: each customer's latest answer once, anonymous answers each once."""
    latest: dict[str, Response] = {}
    anonymous = []
    for r in responses:
        if not start <= r.date <= end:
            continue
        if r.customer is None:
            anonymous.append(r.score)
        elif r.customer not in latest or r.date >= latest[r.customer].date:
            latest[r.customer] = r
    scores = [r.score for r in latest.values()] + anonymous
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    count = len(scores)
    score = pct(promoters, count) - pct(detractors, count) if count else None
    return Nps(score, promoters, count - promoters - detractors, detractors, count)


def quintiles(values: Mapping[str, Decimal | int]) -> dict[str, int]:
    """1 to 5 by rank, 5 for the highest fifth; equal values share the lower score."""
    ordered = sorted(values.values())
    count = len(ordered)
    scores = {}
    for key, value in values.items():
        below = _count_below(ordered, value)
        scores[key] = 1 + below * 5 // count
    return scores


def _count_below(ordered: list, value) -> int:
    low, high = 0, len(ordered)
    while low < high:
        mid = (low + high) // 2
        if ordered[mid] < value:
            low = mid + 1
        else:
            high = mid
    return low


def rfm(purchases: Iterable[Purchase], *, on: dt.date) -> dict[str, tuple[int, int, int]]:
    """Recency, frequency and money as 1-5 quintiles over the customers who bought up to
    ``on`` (recency: the more recent, the higher)."""
    histories = by_customer(purchases, until=on)
    recency = {k: -(on - h[-1].date).days for k, h in histories.items()}
    frequency = {k: len(h) for k, h in histories.items()}
    money = {k: sum(p.revenue for p in h) for k, h in histories.items()}
    r, f, m = quintiles(recency), quintiles(frequency), quintiles(money)
    return {k: (r[k], f[k], m[k]) for k in histories}
