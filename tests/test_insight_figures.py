"""The guide's figures on a small history worked out by hand (docs/INSIGHT.md), and the
identities that must hold for any history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyaltypos.analytics.insight import (
    Purchase,
    Response,
    Rules,
    abc,
    ladder,
    ltv,
    months_spanned,
    nps,
    pareto,
    retention,
    retention_by_month,
    revenue_by_customer,
    rfm,
    xyz,
)

pytestmark = pytest.mark.postgresql_too

D = dt.date
TO = D(2026, 6, 30)
HISTORY = [
    *(Purchase("A", D(2026, month, 10), 1000) for month in range(1, 7)),  # every month
    Purchase("B", D(2026, 5, 5), 3000), Purchase("B", D(2026, 6, 20), 1000),
    Purchase("C", D(2025, 12, 1), 500),  # once, long ago
    Purchase("D", D(2026, 6, 25), 2000),  # new in June
]


def test_a_lifetime_counts_calendar_months_both_ends_included():
    assert months_spanned(D(2026, 1, 31), D(2026, 1, 1)) == 1
    assert months_spanned(D(2026, 1, 31), D(2026, 2, 1)) == 2
    assert months_spanned(D(2025, 12, 1), D(2026, 6, 30)) == 7


def test_ltv_by_hand():
    # 10 purchases, 12,500 of revenue, lifetimes 6 + 2 + 1 + 1 = 10 months, 4 customers
    figures = ltv(HISTORY, until=TO, margin_pct=Decimal(30))
    assert (figures.customers, figures.purchases, figures.revenue) == (4, 10, 12_500)
    assert (figures.s, figures.c, figures.t_months) == (Decimal(1250), Decimal(1),
                                                         Decimal("2.5"))
    assert figures.ltv == Decimal("937.5")  # 1250 x 1 x 30 % x 2.5 (minor units)
    assert figures.revenue_per_customer == Decimal(12_500) / 4


def test_ltv_of_one_customer_uses_their_own_s_c_t():
    one = ltv(HISTORY, until=TO, margin_pct=Decimal(30), customers=["B"])
    assert (one.s, one.c, one.t_months) == (Decimal(2000), Decimal(1), Decimal(2))
    assert one.ltv == Decimal(1200)


def test_ltv_counts_only_what_happened_by_the_end_date():
    assert ltv(HISTORY, until=D(2026, 1, 31), margin_pct=Decimal(30)).customers == 2  # A, C


def test_crr_by_hand():
    # active on 31 May (bought 3 Mar..31 May): A and B; on 30 June: A, B, D; new: D
    june = retention(HISTORY, start=D(2026, 6, 1), end=TO, active_days=90)
    assert (june.active_start, june.active_end, june.new) == (2, 3, 1)
    assert june.crr_pct == Decimal("100.00") and june.churn_pct == Decimal("0.00")


def test_crr_without_history_says_so_instead_of_dividing_by_zero():
    first = retention(HISTORY, start=D(2025, 12, 1), end=D(2025, 12, 31), active_days=90)
    assert first.active_start == 0 and first.crr_pct is None and first.churn_pct is None


def test_crr_month_by_month_covers_the_last_twelve_months():
    months = retention_by_month(HISTORY, until=TO, active_days=90)
    firsts = [first for first, _r in months]
    assert (len(firsts), firsts[0], firsts[-1]) == (12, D(2025, 7, 1), D(2026, 6, 1))
    assert dict(months)[D(2026, 6, 1)].crr_pct == Decimal("100.00")


def test_abc_by_hand():
    revenue = revenue_by_customer(HISTORY, start=D(2026, 1, 1), end=TO)
    assert revenue == {"A": 6000, "B": 4000, "D": 2000}
    # A starts at 0 %, B at 50 %: both A; D starts at 83.33 %: B; C bought nothing
    assert abc(revenue) == {"A": "A", "B": "A", "D": "B"}


def test_abc_ties_go_by_card_number():
    assert abc({"2": 50, "1": 50}) == {"1": "A", "2": "A"}
    assert abc({"2": 10, "1": 10, "3": 10, "4": 10, "5": 10}) == {
        "1": "A", "2": "A", "3": "A", "4": "A", "5": "B"}


def test_xyz_by_hand():
    # A: 1000 a month, no variation; B: 0,0,0,0,3000,1000 (166 %); D: one month only
    assert xyz(HISTORY, until=TO) == {"A": "X", "B": "Z", "C": "lapsed", "D": "Z"}


def test_xyz_y_band():
    steady = [Purchase("Y", D(2026, m, 1), amount)
              for m, amount in zip(range(1, 7), (800, 1200, 1000, 1000, 800, 1200), strict=True)]
    # mean 1000, population deviation sqrt(26,666.7) = 163.3: 16.33 %
    assert xyz(steady, until=TO) == {"Y": "Y"}


def test_pareto_by_hand():
    revenue = revenue_by_customer(HISTORY, start=D(2026, 1, 1), end=TO)
    shares = pareto(revenue)
    assert shares.top20_share_pct == Decimal("50.00")  # ceil(20 % of 3) = 1 customer: 6000
    assert shares.customers_for_80_pct == Decimal("66.67")  # 2 of 3 bring 10,000 of 12,000


def test_the_ladder_by_hand():
    rules = Rules()
    steps = ladder(HISTORY, start=D(2026, 6, 1), end=TO, rules=rules)
    assert steps.steps == {"buyer": 2, "client": 1, "regular": 0, "adherent": 1, "advocate": 0}
    assert steps.lapsed == {"buyer": 1, "client": 0, "regular": 0, "adherent": 0,
                            "advocate": 0}  # C
    # on 31 May A was regular (5 of 6 months), B a buyer: both climbed
    assert (steps.moved_up, steps.moved_down) == (2, 0)
    promoted = ladder(HISTORY, start=D(2026, 6, 1), end=TO, rules=rules,
                      promoters=frozenset({"A", "D"}))
    assert promoted.steps["advocate"] == 1  # D is only a buyer: a promoter, not an advocate
    assert promoted.steps["adherent"] == 0


def test_nps_by_hand():
    answers = [
        Response("A", D(2026, 6, 10), 10), Response("A", D(2026, 6, 20), 6),  # A's latest: 6
        Response("B", D(2026, 6, 21), 9),
        Response(None, D(2026, 6, 22), 8), Response(None, D(2026, 6, 23), 3),
        Response("D", D(2026, 5, 31), 0),  # before the period
    ]
    score = nps(answers, start=D(2026, 6, 1), end=TO)
    assert (score.promoters, score.passives, score.detractors, score.responses) == (1, 1, 2, 4)
    assert score.score == Decimal("-25.00")  # 25 % - 50 %
    assert nps([], start=D(2026, 6, 1), end=TO).score is None


def test_rfm_by_hand():
    assert rfm(HISTORY, on=TO) == {"A": (2, 4, 4), "B": (3, 3, 3), "C": (1, 1, 1),
                                   "D": (4, 1, 2)}


# ---------------------------------------------------------------- any history

histories = st.lists(
    st.builds(Purchase, st.sampled_from("ABCDEFGH"),
              st.dates(min_value=D(2024, 1, 1), max_value=TO), st.integers(1, 10**7)),
    min_size=1, max_size=60)


@given(histories)
def test_s_times_c_times_t_is_revenue_per_customer(purchases):
    figures = ltv(purchases, until=TO, margin_pct=Decimal(30))
    exact = Decimal(figures.revenue) / figures.customers
    assert abs(figures.revenue_per_customer - exact) < Decimal("1e-18") * max(exact, 1)


@given(histories)
def test_abc_classes_share_the_whole_revenue(purchases):
    revenue = revenue_by_customer(purchases, start=D(2024, 1, 1), end=TO)
    classes = abc(revenue)
    assert set(classes) == {k for k, v in revenue.items() if v > 0}
    by_class = {c: sum(revenue[k] for k, v in classes.items() if v == c) for c in "ABC"}
    assert sum(by_class.values()) == sum(revenue.values())
    assert "A" in classes.values()


@given(histories, st.data())
def test_a_refund_lowers_revenue_and_never_moves_a_customer_up(purchases, data):
    refunded = data.draw(st.sampled_from(purchases))
    after = [p for p in purchases if p is not refunded]  # wholly refunded: not a purchase
    before_rev = revenue_by_customer(purchases, start=D(2024, 1, 1), end=TO)
    after_rev = revenue_by_customer(after, start=D(2024, 1, 1), end=TO)
    key = refunded.customer
    assert after_rev.get(key, 0) == before_rev[key] - refunded.revenue
    order = "ABC"
    was, now = abc(before_rev)[key], abc(after_rev).get(key)
    assert now is None or order.index(now) >= order.index(was)
