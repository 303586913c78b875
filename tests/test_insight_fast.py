"""The report's quick paths agree with the definitions written the slow, obvious way.

The report reads a year of a busy shop, so its figures are computed in one pass per
customer (runs of active days, month windows read from the newest purchase back, the
coefficient of variation compared in whole numbers). Each is checked here against the
definition of docs/INSIGHT.md spelled out naively, on random histories.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltypos.analytics.insight import (
    Purchase,
    Rules,
    by_customer,
    ladder,
    months_back,
    months_spanned,
    retention,
    revenue_by_customer,
    step_from,
    step_on,
    tally,
    variation_pct,
    xyz,
)
from loyaltypos.analytics.insight import histories as histories_of

D = dt.date
TO = D(2026, 6, 30)
START = D(2026, 3, 1)

histories = st.lists(
    st.builds(Purchase, st.sampled_from("ABCDEFGHIJ"),
              st.dates(min_value=D(2025, 6, 1), max_value=TO), st.integers(1, 10**6)),
    min_size=1, max_size=80)


def naive_active(history, date, days):
    return any(date - dt.timedelta(days=days - 1) <= p.date <= date for p in history)


@settings(max_examples=150)
@given(histories, st.integers(1, 120))
def test_retention_counts_as_the_definition_does(purchases, days):
    grouped = by_customer(purchases, until=TO)
    before = START - dt.timedelta(days=1)
    s = sum(naive_active(h, before, days) for h in grouped.values())
    e = sum(naive_active(h, TO, days) for h in grouped.values())
    n = sum(START <= h[0].date <= TO for h in grouped.values())
    got = retention(purchases, start=START, end=TO, active_days=days)
    assert (got.active_start, got.active_end, got.new) == (s, e, n)


@settings(max_examples=150)
@given(histories, st.sampled_from([(Decimal(10), Decimal(25)), (Decimal("12.5"), Decimal(40)),
                                   (Decimal(1), Decimal(2))]))
def test_xyz_classes_as_the_definition_does(purchases, bounds):
    x, y = bounds
    window = [(m.year, m.month) for m in months_back(TO, 6)]
    got = xyz(purchases, until=TO, months=6, x_pct=x, y_pct=y)
    for key, history in by_customer(purchases, until=TO).items():
        totals = [sum(p.revenue for p in history if (p.date.year, p.date.month) == m)
                  for m in window]
        cv = variation_pct(totals)
        assert got[key] == ("lapsed" if cv is None else "X" if cv <= x else
                            "Y" if cv <= y else "Z")


def naive_step(history, date, rules):
    bought = [p for p in history if p.date <= date]
    if not bought:
        return None
    window = {(m.year, m.month) for m in months_back(date, 6)}
    months = len({(p.date.year, p.date.month) for p in bought} & window)
    if months == 6:
        return "adherent"
    if months >= rules.regular_months:
        return "regular"
    return "client" if len(bought) > 1 else "buyer"


@settings(max_examples=150)
@given(histories, st.integers(1, 6))
def test_steps_as_the_definition_does(purchases, regular):
    rules = Rules(regular_months=regular)
    grouped = by_customer(purchases, until=TO)
    expected = {}
    for history in grouped.values():
        assert step_on(history, TO, rules) == naive_step(history, TO, rules)
        step = naive_step(history, TO, rules)
        expected[step] = expected.get(step, 0) + 1
    got = ladder(purchases, start=START, end=TO, rules=rules)
    assert {k: v for k, v in got.steps.items() if v} == expected


steady = st.lists(st.integers(0, 400), min_size=6, max_size=6)


@settings(max_examples=300)
@given(steady, st.integers(800, 1200))
def test_steady_customers_near_the_bounds_class_as_the_definition_does(wobble, base):
    months = months_back(TO, 6)
    purchases = [Purchase("A", m.replace(day=15), base + w) for m, w in zip(months, wobble,
                                                                              strict=True)]
    cv = variation_pct([base + w for w in wobble])
    expected = "X" if cv <= 10 else "Y" if cv <= 25 else "Z"
    assert xyz(purchases, until=TO, months=6)["A"] == expected
    groups = {"A": [(p.date.toordinal(), p.revenue) for p in purchases]}
    assert tally(groups, None, start=D(2026, 1, 1), end=TO,
                 rules=Rules()).customers["A"].steadiness == expected


def test_a_spread_of_exactly_ten_percent_is_x():
    months = months_back(TO, 6)
    purchases = [Purchase("A", m, 900 if i % 2 else 1100) for i, m in enumerate(months)]
    assert variation_pct([900, 1100] * 3) == 10
    assert xyz(purchases, until=TO, months=6)["A"] == "X"
    groups = {"A": [(p.date.toordinal(), p.revenue) for p in purchases]}
    assert tally(groups, None, start=D(2026, 1, 1), end=TO,
                 rules=Rules()).customers["A"].steadiness == "X"


@settings(max_examples=200)
@given(histories, st.integers(1, 120), st.integers(1, 6),
       st.dates(min_value=D(2025, 9, 1), max_value=TO))
def test_the_one_pass_tally_gives_the_figures(purchases, days, regular, start):
    rules = Rules(active_days=days, regular_months=regular)
    groups: dict[str, list] = {}
    for p in reversed(purchases):  # in no particular order
        groups.setdefault(p.customer, []).append((p.date.toordinal(), p.revenue))
    got = tally(groups, None, start=start, end=TO, rules=rules)
    grouped = histories_of(purchases, until=TO)
    revenue = revenue_by_customer(purchases, start=start, end=TO)
    steadiness = xyz(purchases, until=TO, months=rules.xyz_months)
    before = start - dt.timedelta(days=1)
    assert set(got.customers) == set(grouped)
    for key, history in grouped.items():
        t = got.customers[key]
        assert (t.purchases, t.revenue, t.first, t.last) == (
            len(history), sum(p.revenue for p in history), history[0].date, history[-1].date)
        assert t.lifetime_months == months_spanned(history[0].date, history[-1].date)
        assert (t.period_revenue, t.period_visits) == (
            revenue.get(key, 0), sum(p.date >= start for p in history))
        assert t.steadiness == steadiness[key]
        assert step_from(t.months_now, t.purchases, rules, False) == step_on(history, TO, rules)
        then = step_on(history, before, rules)
        assert (step_from(t.months_then, t.purchases_then, rules, False)
                if t.purchases_then else None) == then
    expected = retention(purchases, start=start, end=TO, active_days=days)
    assert got.activity.retention(start, TO) == expected
