"""Numbers are ASCII digits, within bounds a till can mean: "²", "１２" and "١٢" are digits
to Python, not to a scanner, a printer or a cashier; 1e27 is no quantity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.errors import BadAmount, BadQuantity, Refused
from loyaltypos.domain.money import MAX_AMOUNT_UNITS, D, parse_amount
from loyaltypos.domain.people import check_pin_format
from loyaltypos.domain.pricing import MAX_QTY, parse_quantity
from loyaltypos.domain.scan import parse_receipt_code, read_scan
from loyaltypos.services.cards import normalize_phone

# Digits of other scripts and forms that str.isdigit() accepts.
NOT_ASCII = st.characters(categories=("Nd", "No"), exclude_characters="0123456789")


def _with_one_foreign_digit(draw_text: str, foreign: str, at: int) -> str:
    at %= len(draw_text) + 1
    return draw_text[:at] + foreign + draw_text[at:]


@given(digits=st.text("0123456789", min_size=1, max_size=12), foreign=NOT_ASCII,
       at=st.integers(0, 20))
def test_a_digit_of_another_script_is_refused_everywhere_a_number_is_meant(digits, foreign,
                                                                          at):
    text = _with_one_foreign_digit(digits, foreign, at)
    with pytest.raises(BadAmount):
        parse_amount(text, "RUB")
    with pytest.raises(BadAmount):
        D(text)
    with pytest.raises(BadQuantity):
        parse_quantity(text)
    with pytest.raises(Refused):
        check_pin_format(text)
    with pytest.raises(Refused):
        normalize_phone("+7 912 " + text + "00")
    with pytest.raises(Refused):
        cardnumbers.normalize(text.ljust(13, "0")[:13])
    assert parse_receipt_code("R" + text) is None
    scan = read_scan(text.ljust(13, "0")[:13])
    assert scan is None or scan.kind != "ean13"


@pytest.mark.parametrize("text", ["1e27", "1E3", "99999999999", "100001", "NaN", "Infinity",
                                  "0x10"])
def test_quantities_are_plain_and_bounded(text):
    with pytest.raises(BadQuantity):
        parse_quantity(text)


def test_the_largest_quantity_and_amount_are_accepted_and_one_more_is_refused():
    assert parse_quantity(str(MAX_QTY)) == MAX_QTY
    assert parse_amount("10000000000.00", "RUB") == MAX_AMOUNT_UNITS
    with pytest.raises(BadAmount, match="more than any till takes"):
        parse_amount("10000000000.01", "RUB")
    with pytest.raises(BadAmount, match="more than any till takes"):
        parse_amount("9" * 30, "RUB")  # past a 64-bit integer column
