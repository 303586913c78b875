"""Pure pricing rules of RULES.md "A sale" and "A refund"."""

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from loyaltypos.domain.errors import BadAmount, BadQuantity, RedeemRefused, RefundTooMuch
from loyaltypos.domain.pricing import (
    NO_SHARES,
    REDEEM_MAX,
    CartLine,
    Terms,
    add_shares,
    price_sale,
    redeemable,
    refund_shares,
    refund_totals,
)

CUR = "RUB"  # the shop's currency: pricing never assumes one
TEN_FIVE = Terms(discount_pct=Decimal(10), cashback_pct=Decimal(5))


def L(desc, qty, price, eligible=True):
    return CartLine(desc, Decimal(str(qty)), price, eligible)


def test_brief_example_5000_without_discount_at_5_percent_credits_250():
    p = price_sale([L("goods", 1, 500_000)], terms=Terms(cashback_pct=Decimal(5)), currency=CUR)
    assert (p.subtotal, p.discount, p.paid, p.cashback) == (500_000, 0, 500_000, 25_000)


def test_rules_worked_example_sale():
    p = price_sale([L("pen", 2, 50_000), L("book", 1, 100_000)], terms=TEN_FIVE,
                   balance=59_500, redeem=40_000, currency=CUR)
    assert p.subtotal == 200_000
    assert p.discount == 20_000
    assert p.redeemed == 40_000
    assert p.paid == 140_000
    assert p.cashback == 7_000
    assert [pl.shares.discount for pl in p.lines] == [10_000, 10_000]
    assert [pl.shares.redeemed for pl in p.lines] == [20_000, 20_000]
    assert [pl.shares.cashback for pl in p.lines] == [3_500, 3_500]


def test_line_amount_is_quantity_times_price_rounded_half_up():
    assert L("cheese", "0.333", 1_000).amount == 333
    assert L("cheese", "0.335", 1_000).amount == 335
    assert L("nuts", "0.125", 999).amount == 125  # 124.875 -> 125


def test_discount_is_on_eligible_lines_only_and_spread_by_largest_remainder():
    p = price_sale([L("a", 1, 333), L("b", 1, 333), L("tobacco", 1, 10_000, False)],
                   terms=Terms(discount_pct=Decimal(10)), currency=CUR)
    assert p.discount == 67  # round(666 * 10%) = 66.6 -> 67
    assert [pl.shares.discount for pl in p.lines] == [34, 33, 0]


def test_no_cashback_on_the_part_paid_with_cashback_nor_on_excluded_goods():
    p = price_sale([L("a", 1, 10_000), L("tobacco", 1, 10_000, False)],
                   terms=Terms(cashback_pct=Decimal(10)), balance=5_000, redeem=5_000, currency=CUR)
    # redemption spreads 2500/2500; eligible paid = 7500 -> cashback 750
    assert p.cashback == 750
    assert p.lines[1].shares.cashback == 0


def test_redeem_max_is_capped_by_balance_and_by_max_redeem_pct():
    terms = Terms(max_redeem_pct=Decimal(50))
    assert price_sale([L("a", 1, 10_001)], terms=terms, balance=99_999,
                      redeem=REDEEM_MAX, currency=CUR).redeemed == 5_000  # floor(5000.5)
    assert price_sale([L("a", 1, 10_000)], terms=terms, balance=1_234,
                      redeem=REDEEM_MAX, currency=CUR).redeemed == 1_234


def test_redeem_max_is_zero_below_min_redeem_balance():
    terms = Terms(min_redeem_balance=10_000)
    p = price_sale([L("a", 1, 5_000)], terms=terms, balance=9_999, redeem=REDEEM_MAX, currency=CUR)
    assert p.redeemed == 0 and p.redeemable == 0
    assert redeemable(5_000, 10_000, terms) == 5_000


def test_redeeming_more_than_redeemable_is_refused_not_clipped():
    with pytest.raises(RedeemRefused, match=r"at most 10\.00"):
        price_sale([L("a", 1, 5_000)], terms=Terms(), balance=1_000, redeem=1_001, currency=CUR)


def test_redeeming_below_the_minimum_balance_says_so():
    with pytest.raises(RedeemRefused, match="from a balance of"):
        price_sale([L("a", 1, 5_000)], terms=Terms(min_redeem_balance=2_000), balance=1_000,
                   redeem=500, currency=CUR)


def test_negative_redemption_and_bad_quantities_are_refused():
    with pytest.raises(BadAmount):
        price_sale([L("a", 1, 5_000)], terms=Terms(), balance=1_000, redeem=-1, currency=CUR)
    with pytest.raises(BadQuantity):
        price_sale([L("a", 0, 5_000)], terms=Terms(), currency=CUR)
    with pytest.raises(BadQuantity):
        price_sale([L("a", "0.0001", 5_000)], terms=Terms(), currency=CUR)
    with pytest.raises(BadAmount):
        price_sale([L("a", 1, -5)], terms=Terms(), currency=CUR)
    with pytest.raises(BadQuantity):
        price_sale([], terms=Terms(), currency=CUR)


def _shares_of(pricing, index):
    return pricing.lines[index].shares


def test_rules_worked_example_refunds():
    p = price_sale([L("pen", 2, 50_000), L("book", 1, 100_000)], terms=TEN_FIVE,
                   balance=59_500, redeem=40_000, currency=CUR)
    balance = 59_500 - p.redeemed + p.cashback
    assert balance == 26_500
    pens, book = _shares_of(p, 0), _shares_of(p, 1)

    first = refund_shares(pens, NO_SHARES, Decimal(1))
    t1 = refund_totals([first], balance=balance)
    assert (t1.money_back, t1.restored, t1.reversed, t1.shortfall) == (35_000, 10_000, 1_750, 0)
    balance += t1.restored - t1.reversed
    assert balance == 34_750

    second = refund_shares(pens, first, Decimal(1))
    whole_book = refund_shares(book, NO_SHARES, Decimal(1))
    t2 = refund_totals([second, whole_book], balance=balance)
    assert (t2.money_back, t2.restored, t2.reversed) == (105_000, 30_000, 5_250)
    assert balance + t2.restored - t2.reversed == 59_500


def test_refund_keeps_back_cashback_the_card_no_longer_has():
    p = price_sale([L("tv", 1, 100_000)], terms=Terms(cashback_pct=Decimal(10)), currency=CUR)
    assert p.cashback == 10_000
    part = refund_shares(_shares_of(p, 0), NO_SHARES, Decimal(1))
    totals = refund_totals([part], balance=2_500)  # 7500 of the cashback already spent
    assert totals.reversed == 2_500
    assert totals.shortfall == 7_500
    assert totals.money_back == 100_000 - 7_500


def test_restored_cashback_counts_before_the_cashback_share_is_taken_back():
    p = price_sale([L("tv", 1, 100_000)], terms=Terms(cashback_pct=Decimal(10)),
                   balance=50_000, redeem=50_000, currency=CUR)
    assert (p.paid, p.cashback) == (50_000, 5_000)
    part = refund_shares(_shares_of(p, 0), NO_SHARES, Decimal(1))
    # the card holds 10.00 when the tv comes back; 500.00 of redemption is restored first
    totals = refund_totals([part], balance=1_000)
    assert (totals.restored, totals.reversed, totals.shortfall) == (50_000, 5_000, 0)
    assert totals.money_back == 50_000


def test_refunding_more_units_than_remain_is_refused():
    p = price_sale([L("pen", 2, 100)], terms=Terms(), currency=CUR)
    first = refund_shares(_shares_of(p, 0), NO_SHARES, Decimal(2))
    with pytest.raises(RefundTooMuch):
        refund_shares(_shares_of(p, 0), first, Decimal(1))


def test_last_units_take_what_is_left_even_when_rounding_ran_ahead():
    # a share of 2 over 4 units: each single unit rounds 0.5 up to 1
    p = price_sale([L("x", 4, 1)], terms=Terms(cashback_pct=Decimal(50)), currency=CUR)
    shares = _shares_of(p, 0)
    assert shares.cashback == 2
    back = NO_SHARES
    given_back = []
    for _ in range(4):
        part = refund_shares(shares, back, Decimal(1))
        given_back.append(part.cashback)
        back = add_shares(back, part)
    assert sum(given_back) == 2 and min(given_back) >= 0
    assert back == shares


# ---------------------------------------------------------------- properties

lines_strategy = st.lists(
    st.builds(
        L,
        st.sampled_from(["a", "b", "c"]),
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3),
        st.integers(min_value=0, max_value=5_000_000),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
pct = st.decimals(min_value=0, max_value=100, places=2)
terms_strategy = st.builds(Terms, pct, pct, pct, st.integers(0, 100_000))


@given(lines=lines_strategy, terms=terms_strategy, balance=st.integers(0, 10**8),
       take_max=st.booleans(), fraction=st.fractions(0, 1))
@settings(max_examples=300)
def test_any_sale_adds_up_to_the_cent_and_nothing_goes_negative(lines, terms, balance,
                                                                 take_max, fraction):
    cap = price_sale(lines, terms=terms, balance=balance, currency=CUR).redeemable
    redeem = REDEEM_MAX if take_max else int(cap * fraction)
    p = price_sale(lines, terms=terms, balance=balance, redeem=redeem, currency=CUR)
    shares = [pl.shares for pl in p.lines]
    assert sum(s.amount for s in shares) == p.subtotal
    assert sum(s.discount for s in shares) == p.discount
    assert sum(s.redeemed for s in shares) == p.redeemed
    assert sum(s.paid for s in shares) == p.paid
    assert sum(s.cashback for s in shares) == p.cashback
    assert p.paid == p.subtotal - p.discount - p.redeemed
    assert 0 <= p.redeemed <= min(balance, p.due)
    for s in shares:
        assert min(s.amount, s.discount, s.redeemed, s.paid, s.cashback) >= 0
        assert s.amount - s.discount - s.redeemed == s.paid
        assert s.cashback <= s.paid or (s.paid == 0 and s.cashback == 0)


@st.composite
def sale_and_refund_plan(draw):
    lines = [L("x", draw(st.integers(1, 6)), draw(st.integers(0, 500_000)), draw(st.booleans()))
             for _ in range(draw(st.integers(1, 5)))]
    terms = draw(terms_strategy)
    balance = draw(st.integers(0, 10**7))
    p = price_sale(lines, terms=terms, balance=balance, redeem=REDEEM_MAX, currency=CUR)
    # a random order of single-unit and multi-unit returns, ending with everything returned
    steps = []
    for i, ln in enumerate(lines):
        left = int(ln.qty)
        while left:
            q = draw(st.integers(1, left))
            steps.append((i, q))
            left -= q
    steps = draw(st.permutations(steps))
    spend_between = draw(st.lists(st.integers(0, 10**6), min_size=len(steps),
                                  max_size=len(steps)))
    return p, balance, steps, spend_between


@given(sale_and_refund_plan())
@settings(max_examples=200)
def test_refunds_in_any_order_give_back_exactly_what_the_sale_took(plan):
    p, before, steps, _ = plan
    balance = before - p.redeemed + p.cashback
    back = [NO_SHARES] * len(p.lines)
    money = restored = reversed_ = spend = 0
    for i, q in steps:
        part = refund_shares(p.lines[i].shares, back[i], Decimal(q))
        back[i] = add_shares(back[i], part)
        t = refund_totals([part], balance=balance)
        assert t.money_back >= 0 and t.shortfall >= 0
        balance += t.restored - t.reversed
        assert balance >= 0
        money += t.money_back
        restored += t.restored
        reversed_ += t.reversed
        spend += t.spend
        assert money <= p.paid
    assert [b for b in back] == [pl.shares for pl in p.lines]
    assert restored == p.redeemed
    assert spend == p.spend
    # no spending in between: the card ends where it started, money back is all that was paid
    assert balance == before
    assert money == p.paid


@given(sale_and_refund_plan())
@settings(max_examples=150)
def test_partial_refunds_never_return_more_than_paid_even_if_cashback_was_spent(plan):
    p, before, steps, spent = plan
    balance = before - p.redeemed + p.cashback
    back = [NO_SHARES] * len(p.lines)
    money = 0
    for (i, q), spend_now in zip(steps, spent, strict=True):
        balance -= min(balance, spend_now)  # the customer spends cashback elsewhere
        part = refund_shares(p.lines[i].shares, back[i], Decimal(q))
        back[i] = add_shares(back[i], part)
        t = refund_totals([part], balance=balance)
        balance += t.restored - t.reversed
        assert balance >= 0
        assert t.reversed + t.shortfall == part.cashback
        money += t.money_back
    assume(steps)
    assert money <= p.paid
