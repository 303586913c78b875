from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyaltypos.domain.errors import BadAmount
from loyaltypos.domain.money import (
    D,
    allocate,
    fmt,
    fmt_display,
    parse_amount,
    percent_of,
    round_half_up,
)


def test_money_is_never_made_from_a_float():
    with pytest.raises(TypeError):
        D(0.1)
    with pytest.raises(TypeError):
        parse_amount(0.1, "RUB")


@pytest.mark.parametrize(
    ("text", "units"),
    [("1250", 125000), ("1250.5", 125050), ("1250,50", 125050), (" 1 250.00 ", 125000),
     ("0.01", 1), ("0", 0)],
)
def test_amounts_typed_by_people_parse_to_minor_units(text, units):
    assert parse_amount(text, "RUB") == units


@pytest.mark.parametrize("text", ["abc", "1.234", "1e3", "", "--5", "1.2.3", "NaN"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(BadAmount):
        parse_amount(text, "RUB")


def test_negative_amount_refused_unless_allowed():
    with pytest.raises(BadAmount, match="negative"):
        parse_amount("-5", "RUB")
    assert parse_amount("-5", "RUB", allow_negative=True) == -500


def test_currency_without_minor_units():
    assert parse_amount("1500", "JPY") == 1500
    with pytest.raises(BadAmount):
        parse_amount("1500.5", "JPY")
    assert fmt(1500, "JPY") == "1500"


def test_unknown_currency_is_refused():
    with pytest.raises(BadAmount, match="unknown currency"):
        parse_amount("1", "XYZ")


def test_rounding_is_half_up_once():
    assert round_half_up(Decimal("1.5")) == 2
    assert round_half_up(Decimal("2.5")) == 3  # not banker's rounding
    assert round_half_up(Decimal("2.4999")) == 2
    assert percent_of(1750, Decimal(5)) == 88  # 87.5 -> 88


def test_format_uses_the_currency_decimals():
    assert fmt(25000, "RUB") == "250.00"
    assert fmt(-5, "EUR") == "-0.05"
    assert fmt(1234567, "KWD") == "1234.567"
    # English (the tests' language): Babel's pattern, the code spaced from the digits
    assert fmt_display(123456789, "RUB") == "RUB\u00a01,234,567.89"
    assert fmt_display(1234567, "KWD") == "KWD\u00a01,234.567"


def test_allocate_by_largest_remainder_gives_ties_to_earlier_lines():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [0, 5, 5]) == [0, 5, 5]
    assert allocate(0, [3, 4]) == [0, 0]


def test_allocate_refuses_to_spread_over_nothing():
    with pytest.raises(ValueError):
        allocate(5, [0, 0])


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
)
def test_allocated_parts_add_up_and_stay_close_to_the_share(total, weights):
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    parts = allocate(total, weights)
    assert sum(parts) == total
    wsum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert part >= 0
        assert abs(part * wsum - total * w) < wsum  # within one minor unit of exact
