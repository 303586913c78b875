import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.errors import CardNumberWrong, CheckDigitWrong


def test_check_digit_matches_the_ean13_standard():
    # 400638133393 -> 1 is a published EAN-13 example
    assert cardnumbers.check_digit("400638133393") == "1"
    assert cardnumbers.normalize("4006381333931") == "4006381333931"


def test_generated_numbers_are_13_digits_with_in_store_prefix_and_valid_check_digit():
    for _ in range(200):
        number = cardnumbers.generate("27")
        assert len(number) == 13 and number.startswith("27")
        assert cardnumbers.is_valid(number)


def test_generated_numbers_differ():
    assert len({cardnumbers.generate() for _ in range(1000)}) == 1000


def test_spaces_and_dashes_from_a_scanner_are_ignored():
    number = cardnumbers.generate()
    typed = f"{number[:1]} {number[1:7]}-{number[7:]}\r"
    assert cardnumbers.normalize(typed) == number


def test_wrong_check_digit_is_refused_with_a_scan_again_message():
    number = cardnumbers.generate()
    wrong = number[:12] + str((int(number[12]) + 1) % 10)
    with pytest.raises(CheckDigitWrong, match="check digit wrong, scan again"):
        cardnumbers.normalize(wrong)


@pytest.mark.parametrize("text", ["123", "27123456789012", "27abc45678903", ""])
def test_wrong_length_or_letters_are_refused(text):
    with pytest.raises(CardNumberWrong):
        cardnumbers.normalize(text)


def test_prefix_outside_the_in_store_range_is_refused():
    with pytest.raises(ValueError):
        cardnumbers.generate("46")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_any_single_digit_change_of_the_check_digit_is_caught(body, delta):
    good = body + cardnumbers.check_digit(body)
    bad = body + str((int(good[-1]) + delta) % 10)
    assert cardnumbers.is_valid(good)
    assert not cardnumbers.is_valid(bad)


def test_masked_number_shows_only_the_last_four_digits():
    assert cardnumbers.masked("2712345678903").endswith("8903")
    assert "1234567" not in cardnumbers.masked("2712345678903")
