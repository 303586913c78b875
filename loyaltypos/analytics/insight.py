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
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from operator import attrgetter, itemgetter, mul
from typing import NamedTuple

from loyaltypos.domain.i18n import _
from loyaltypos.domain.program import InsightRules

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Purchase(NamedTuple):
    customer: str
    date: dt.date
    revenue: int  # minor units, what was refunded of it already taken off


date_of = attrgetter("date")


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
        history.sort(key=date_of)
    return dict(grouped)


class Histories(dict[str, list[Purchase]]):
    """Each customer's purchases up to ``until`` (None: all), oldest first: grouped once,
    so that a report asking many figures of a year of sales does not regroup it for each."""

    def __init__(self, grouped: Mapping[str, list[Purchase]], until: dt.date | None) -> None:
        super().__init__(grouped)
        self.until = until


def histories(purchases: Iterable[Purchase] | Histories, *,
              until: dt.date | None = None) -> Histories:
    """``purchases`` grouped by customer up to ``until``; a :class:`Histories` already
    ending on or before ``until`` is returned as it is."""
    if isinstance(purchases, Histories):
        if until is None or (purchases.until is not None and purchases.until <= until):
            return purchases
        trimmed = {}
        for key, history in purchases.items():
            cut = bisect_right(history, until, key=date_of)
            if cut:
                trimmed[key] = history if cut == len(history) else history[:cut]
        return Histories(trimmed, until)
    return Histories(by_customer(purchases, until=until), until)


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


def own_ltv(history: list[Purchase], margin_pct: Decimal) -> Ltv:
    """One customer's LTV (their history oldest first, not empty): the formula on their
    purchases alone, so S x C x T is their revenue."""
    return ltv_of(len(history), sum(p.revenue for p in history),
                  months_spanned(history[0].date, history[-1].date), margin_pct)


def ltv_of(bought: int, revenue: int, months: int, margin_pct: Decimal) -> Ltv:
    """One customer's LTV from their purchases, revenue and lifetime in months."""
    s, c, t = Decimal(revenue) / bought, Decimal(bought) / months, Decimal(months)
    return Ltv(1, bought, revenue, s, c, Decimal(margin_pct), t,
               s * c * t * Decimal(margin_pct) / HUNDRED)


def ltv(purchases: Iterable[Purchase], *, until: dt.date, margin_pct: Decimal,
        customers: Iterable[str] | None = None) -> Ltv:
    """The guide's LTV over whole histories up to ``until`` (of ``customers`` if given).

    S = revenue / purchases, C = purchases / customer-months, T = customer-months /
    customers, a customer's months running from their first purchase to their last. So
    S x C x T is revenue per customer, and LTV = S x C x P x T its margin.
    """
    grouped: Mapping[str, list[Purchase]] = histories(purchases, until=until)
    if customers is not None:
        grouped = {k: grouped[k] for k in set(customers) if k in grouped}
    return ltv_totals(len(grouped), sum(len(h) for h in grouped.values()),
                      sum(p.revenue for h in grouped.values() for p in h),
                      sum(months_spanned(h[0].date, h[-1].date) for h in grouped.values()),
                      margin_pct)


def ltv_totals(count: int, bought: int, revenue: int, months: int,
               margin_pct: Decimal) -> Ltv:
    """The LTV of ``count`` customers with ``bought`` purchases worth ``revenue`` over
    ``months`` customer-months in all."""
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
    """Bought on one of the ``active_days`` days up to and including ``date`` (the
    history oldest first)."""
    last = bisect_right(history, date, key=date_of)
    return last > 0 and history[last - 1].date > date - dt.timedelta(days=active_days)


class Activity:
    """Who was active when, for many dates at once: each customer's purchases become runs
    of days on which they were active (a purchase on d covers d .. d + active_days - 1,
    overlapping runs merged), so the active customers on a date are the runs covering it."""

    def __init__(self, grouped: Mapping[str, list[Purchase]], active_days: int) -> None:
        starts, ends = [], []
        for history in grouped.values():
            run_start = run_end = None
            for p in history:
                day = p.date.toordinal()
                if run_end is None or day >= run_end:
                    if run_end is not None:
                        starts.append(run_start)
                        ends.append(run_end)
                    run_start = day
                run_end = day + active_days
            if run_end is not None:
                starts.append(run_start)
                ends.append(run_end)
        self._set(starts, ends, [h[0].date.toordinal() for h in grouped.values() if h])

    @classmethod
    def of_runs(cls, starts: list[int], ends: list[int], firsts: list[int]) -> Activity:
        """From runs already worked out (day ordinals, each run [start, end))."""
        activity = cls.__new__(cls)
        activity._set(starts, ends, firsts)
        return activity

    def _set(self, starts: list[int], ends: list[int], firsts: list[int]) -> None:
        self._starts, self._ends, self._firsts = sorted(starts), sorted(ends), sorted(firsts)

    def active(self, date: dt.date) -> int:
        """Customers active on ``date``: a run started on or before it and not yet over."""
        day = date.toordinal()
        return bisect_right(self._starts, day) - bisect_right(self._ends, day)

    def new(self, start: dt.date, end: dt.date) -> int:
        """Customers whose first purchase is dated ``start``..``end``."""
        return (bisect_right(self._firsts, end.toordinal())
                - bisect_left(self._firsts, start.toordinal()))

    def retention(self, start: dt.date, end: dt.date) -> Retention:
        s = self.active(start - dt.timedelta(days=1))
        e, n = self.active(end), self.new(start, end)
        return Retention(s, e, n, pct(e - n, s) if s else None)


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
    return Activity(histories(purchases, until=end), active_days).retention(start, end)


def retention_by_month(purchases: Iterable[Purchase], *, until: dt.date, active_days: int,
                       months: int = 12) -> list[tuple[dt.date, Retention]]:
    """CRR for each of the last ``months`` calendar months (the last one up to ``until``)."""
    activity = Activity(histories(purchases, until=until), active_days)
    return [(first, activity.retention(first, min(month_end(first), until)))
            for first in months_back(until, months)]


# ---------------------------------------------------------------- ABC, XYZ, Pareto


def abc(revenue: Mapping[str, int], *, a_pct: Decimal = Decimal(80),
        b_pct: Decimal = Decimal(95)) -> dict[str, str]:
    """A, B or C by revenue: sorted by revenue (ties by key), a customer is A while the
    share before them is under ``a_pct`` (the one who crosses it is A), B under ``b_pct``.
    Customers with no revenue in the period have no class."""
    # by key, then by revenue downwards: the sort is stable, so ties keep the key's order
    ranked = sorted(sorted((k, v) for k, v in revenue.items() if v > 0), key=itemgetter(1),
                    reverse=True)
    total = sum(v for _k, v in ranked)
    # share < a_pct, in whole numbers: before * 100 * den < num * total
    a, b = Fraction(a_pct), Fraction(b_pct)
    a_bound, b_bound = a.numerator * total, b.numerator * total
    classes, before = {}, 0
    for key, value in ranked:
        classes[key] = ("A" if before * 100 * a.denominator < a_bound else
                        "B" if before * 100 * b.denominator < b_bound else "C")
        before += value
    return classes


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
    window = Months(months_back(until, months))
    x, y = Fraction(x_pct), Fraction(y_pct)
    classes = {}
    for key, history in histories(purchases, until=until).items():
        classes[key] = steadiness(window.totals(history), x, y)
    return classes


class Months:
    """Consecutive calendar months (first days, oldest first) and where each date falls."""

    def __init__(self, window: list[dt.date]) -> None:
        self.window = window
        self.first = window[0]
        self._slot = {(m.year, m.month): i for i, m in enumerate(window)}

    def totals(self, history: list[Purchase], cut: int | None = None) -> list[int]:
        """Revenue in each month of the window from ``history[:cut]`` (oldest first),
        read from its newest purchase back."""
        totals = [0] * len(self.window)
        first, slot = self.first, self._slot
        for i in range(len(history) if cut is None else cut) [::-1]:
            p = history[i]
            if p.date < first:
                break
            at = slot.get((p.date.year, p.date.month))
            if at is not None:
                totals[at] += p.revenue
        return totals


def steadiness(values: list[int], x: Fraction, y: Fraction) -> str:
    """X, Y, Z or "lapsed" by the coefficient of variation, compared in whole numbers:
    cv^2 = (n * sum(v^2) - sum(v)^2) / sum(v)^2, so cv <= x % is
    (n * sum(v^2) - sum(v)^2) * 100^2 * den^2 <= num^2 * sum(v)^2."""
    total = sum(values)
    if not total:
        return "lapsed"
    spread = (len(values) * sum(map(mul, values, values)) - total * total) * 10_000
    for cls, bound in (("X", x), ("Y", y)):
        if spread * bound.denominator ** 2 <= bound.numerator ** 2 * total * total:
            return cls
    return "Z"


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
    window = Months(months_back(date, rules.ladder_months))
    return _step(history, date, window, rules, promoter or referrer)


def months_bought(history: list[Purchase], date: dt.date, window: Months) -> int:
    """In how many months of ``window`` the customer bought, counting purchases up to
    ``date`` (the history oldest first)."""
    cut = bisect_right(history, date, key=date_of)
    return sum(1 for total in window.totals(history, cut) if total > 0)


def _step(history: list[Purchase], date: dt.date, window: Months, rules: Rules,
          recommends: bool) -> str | None:
    cut = bisect_right(history, date, key=date_of)
    if not cut:
        return None
    months_with = sum(1 for total in window.totals(history, cut) if total > 0)
    return step_from(months_with, cut, rules, recommends)


def step_from(months_with: int, purchases: int, rules: Rules, recommends: bool) -> str:
    """The step of a customer with ``purchases`` who bought in ``months_with`` of the
    ladder's last months."""
    if months_with == rules.ladder_months:
        step = "adherent"
    elif months_with >= rules.regular_months:
        step = "regular"
    else:
        return "client" if purchases > 1 else "buyer"
    return "advocate" if recommends else step


@dataclass(frozen=True)
class Ladder:
    steps: dict[str, int]  # customers on each step on the period's last day
    lapsed: dict[str, int]  # of them, not active that day
    moved_up: int
    moved_down: int


def ladder(purchases: Iterable[Purchase], *, start: dt.date, end: dt.date, rules: Rules,
           promoters: frozenset[str] = frozenset(),
           referrers: frozenset[str] = frozenset(),
           steps_now: Mapping[str, str] | None = None) -> Ladder:
    """Customers per step on ``end``, how many of them are lapsed, and how many stand
    higher or lower than on the day before ``start`` (``steps_now``: the steps on ``end``
    when the caller has them already)."""
    steps, lapsed = dict.fromkeys(STEPS, 0), dict.fromkeys(STEPS, 0)
    up = down = 0
    before = start - dt.timedelta(days=1)
    window_now = Months(months_back(end, rules.ladder_months))
    window_then = Months(months_back(before, rules.ladder_months))
    for key, history in histories(purchases, until=end).items():
        recommends = key in promoters or key in referrers
        now = (steps_now[key] if steps_now is not None else
               _step(history, end, window_now, rules, recommends))
        if now is None:
            continue
        steps[now] += 1
        if not active_on(history, end, rules.active_days):
            lapsed[now] += 1
        then = _step(history, before, window_then, rules, recommends)
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
        scores[key] = 1 + bisect_left(ordered, value) * 5 // count
    return scores


def rfm(purchases: Iterable[Purchase], *, on: dt.date) -> dict[str, tuple[int, int, int]]:
    """Recency, frequency and money as 1-5 quintiles over the customers who bought up to
    ``on`` (recency: the more recent, the higher)."""
    grouped = histories(purchases, until=on)
    return rfm_of({k: (-(on - h[-1].date).days, len(h), sum(p.revenue for p in h))
                   for k, h in grouped.items()})


def rfm_of(values: Mapping[str, tuple[int, int, int]]) -> dict[str, tuple[int, int, int]]:
    """RFM scores from each customer's (minus days since their last purchase, purchases,
    revenue)."""
    r = quintiles({k: v[0] for k, v in values.items()})
    f = quintiles({k: v[1] for k, v in values.items()})
    m = quintiles({k: v[2] for k, v in values.items()})
    return {k: (r[k], f[k], m[k]) for k in values}


# ---------------------------------------------------------------- at the counter


@dataclass(frozen=True)
class Snapshot:
    """What the till knows of a customer without reading their sales: their figures as
    of the last refresh (day close, or the Insight window)."""

    as_of: dt.date
    step: str
    segment: str | None  # "AX" .. "CZ", "lapsed", or None
    purchases: int
    first_date: dt.date
    last_date: dt.date
    months_bought: int  # of the ladder's last months


def advice(snapshot: Snapshot | None, today: dt.date, rules: Rules) -> str:
    """One line the cashier can act on while the customer is at the counter."""
    if snapshot is None:
        return _("first visit: ask for an NPS score after paying")
    away = (today - snapshot.last_date).days
    if away >= rules.active_days:
        return _("lapsed for {days} days: welcome back").format(days=away)
    if snapshot.step == "advocate":
        return _("recommends the shop: thank them")
    if snapshot.step == "adherent":
        return _("bought every month for {months} months: thank them").format(
            months=rules.ladder_months)
    if snapshot.step == "regular":
        return _("regular for {months} months").format(months=snapshot.months_bought)
    if snapshot.step == "client":
        return _("{visits} visits, the last {days} days ago: invite them back").format(
            visits=snapshot.purchases, days=away)
    return _("second visit: thank them for coming back")


# ---------------------------------------------------------------- one pass for a report


@dataclass(slots=True)
class Tally:
    """One customer's figures for a report, gathered in one pass over their purchases."""

    key: str
    purchases: int  # up to the end date
    revenue: int
    first: dt.date
    last: dt.date
    lifetime_months: int  # calendar months from the first purchase to the last
    period_revenue: int  # from the start date
    period_visits: int
    months_now: int  # months with purchases among the ladder's months ending with the end
    steadiness: str  # X, Y, Z or lapsed over the XYZ months
    purchases_then: int  # up to the day before the start
    months_then: int  # the ladder's months ending with the day before the start


@dataclass(frozen=True)
class Tallies:
    customers: dict[str, Tally]
    activity: Activity


def _month_number(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def tally(groups: Mapping, names: Mapping | None, *, start: dt.date, end: dt.date,
          rules: Rules) -> Tallies:
    """Every customer's :class:`Tally` from ``groups``: for each customer, their purchases
    as (day ordinal, revenue), all dated up to ``end``, in any order (each list is sorted
    here); ``names`` maps a customer to the key reported (None: the customer is the key).

    The same figures as :func:`histories` and the functions above give (a test holds them
    to it), read in one pass: a year of a busy shop is hundreds of thousands of rows.
    """
    start_day = start.toordinal()
    before_day = start_day - 1
    ladder, steady = rules.ladder_months, rules.xyz_months
    now_low = _month_number(end) - ladder + 1
    then_low = _month_number(dt.date.fromordinal(before_day)) - ladder + 1
    xyz_low = _month_number(end) - steady + 1
    x, y = Fraction(rules.x_cv_pct), Fraction(rules.y_cv_pct)
    # steadiness() with its bounds worked out once: cv <= b % is spread * den^2 <= num^2 * S^2
    x_left, x_right = x.denominator ** 2, x.numerator ** 2
    y_left, y_right = y.denominator ** 2, y.numerator ** 2
    span = rules.active_days
    month_of_day: dict[int, int] = {}
    starts: list[int] = []
    ends: list[int] = []
    firsts: list[int] = []
    out: dict[str, Tally] = {}
    for who, group in groups.items():
        group.sort()
        count = total = period_revenue = period_visits = then = 0
        now_totals, then_totals, xyz_totals = [0] * ladder, [0] * ladder, [0] * steady
        run_start = run_end = first = -1
        for day, revenue in group:
            if first < 0:
                first = day
            count += 1
            total += revenue
            if day >= start_day:
                period_revenue += revenue
                period_visits += 1
            month = month_of_day.get(day)
            if month is None:
                month = month_of_day[day] = _month_number(dt.date.fromordinal(day))
            if month >= now_low:
                now_totals[month - now_low] += revenue
            if month >= xyz_low:
                xyz_totals[month - xyz_low] += revenue
            if day <= before_day:
                then += 1
                if month >= then_low:
                    then_totals[month - then_low] += revenue
            if day >= run_end:
                if run_end >= 0:
                    starts.append(run_start)
                    ends.append(run_end)
                run_start = day
            run_end = day + span
        starts.append(run_start)
        ends.append(run_end)
        firsts.append(first)
        key = names[who] if names is not None else who
        recent = sum(xyz_totals)
        if recent:
            spread = (steady * sum(map(mul, xyz_totals, xyz_totals)) - recent * recent) * 10_000
            square = recent * recent
            steadiness_ = ("X" if spread * x_left <= x_right * square else
                           "Y" if spread * y_left <= y_right * square else "Z")
        else:
            steadiness_ = "lapsed"
        out[key] = Tally(
            key, count, total, dt.date.fromordinal(first), dt.date.fromordinal(day),
            month_of_day[day] - month_of_day[first] + 1, period_revenue, period_visits,
            ladder - now_totals.count(0), steadiness_, then, ladder - then_totals.count(0))
    return Tallies(out, Activity.of_runs(starts, ends, firsts))
