"""Refunds through the services (RULES.md "A refund")."""

from decimal import Decimal

import pytest
from conftest import card_now, line, snapshot
from sqlalchemy import select

from loyaltypos.db.models import Payment
from loyaltypos.domain.errors import NotAllowed, RefundTooMuch, SaleNotFound
from loyaltypos.domain.pricing import REDEEM_MAX
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, store
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.refunds import preview_refund, recent_sales, refund, sale_lines
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too

TEN_FIVE = """
[program]
name = "Refund shop"
currency = "RUB"
[[tier]]
name = "Bearer"
bearer = true
discount_pct = 3
[[tier]]
name = "Member"
min_spend = 0
discount_pct = 10
cashback_pct = 5
"""


@pytest.fixture
def worked(db, manager):
    """RULES.md's worked example: balance 595.00, 2 pens and a book, 400.00 redeemed."""
    store.load_program(db, actor=manager, program=parse_program(TEN_FIVE))
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Example"))[0]
    cards.adjust_balance(db, actor=manager, number=card.number, amount=59_500, reason="start")
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("pen", 2, 50_000), line("book", 1, 100_000)], redeem=40_000)
    assert (sale.subtotal, sale.discount, sale.redeemed, sale.paid, sale.cashback,
            sale.balance) == (200_000, 20_000, 40_000, 140_000, 7_000, 26_500)
    return card, sale


def test_rules_worked_example_returns_one_pen_then_the_rest(db, manager, worked):
    card, sale = worked
    one = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert (one.money_back, one.restored, one.reversed, one.shortfall, one.balance) == (
        35_000, 10_000, 1_750, 0, 34_750)
    rest = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1),
                                                                  2: Decimal(1)})
    assert (rest.money_back, rest.restored, rest.reversed, rest.balance) == (
        105_000, 30_000, 5_250, 59_500)
    info = card_now(db, card.number)
    assert (info.balance, info.spend) == (59_500, 0)
    assert verify(db) == []


def test_refund_restores_redeemed_cashback_and_spend_on_a_whole_refund(db, manager, worked):
    card, sale = worked
    result = refund(db, actor=manager, sale_id=sale.sale_id)
    assert result.restored == 40_000 and result.money_back == 140_000
    assert card_now(db, card.number).balance == 59_500


def test_refund_keeps_back_cashback_already_spent(db, manager):
    store.load_program(db, actor=manager, program=parse_program(TEN_FIVE))
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Spent it"))[0]
    cards.adjust_balance(db, actor=manager, number=card.number, amount=1_000, reason="start")
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("tv", 1, 100_000)], redeem=1_000)
    # 10% off: 900.00; 10.00 of it paid with cashback, 890.00 in money earns 5%: 44.50
    assert (sale.paid, sale.cashback, sale.balance) == (89_000, 4_450, 4_450)
    # the customer spends all of it on goods that earn nothing
    checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("tobacco", 1, 10_000, eligible=False)], redeem=REDEEM_MAX)
    assert card_now(db, card.number).balance == 0
    result = refund(db, actor=manager, sale_id=sale.sale_id)
    # The 10.00 redeemed comes back and is taken back at once; the 34.50 the card no
    # longer has is kept from the money.
    assert (result.restored, result.reversed, result.shortfall) == (1_000, 1_000, 3_450)
    assert (result.money_back, result.balance) == (89_000 - 3_450, 0)
    assert card_now(db, card.number).balance == 0
    assert verify(db) == []


def test_shortfall_is_taken_from_the_money_when_the_card_is_empty(db, manager):
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Spender"))[0]
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("tv", 1, 100_000)])
    assert sale.cashback == 5_000
    checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("tobacco", 1, 10_000, eligible=False)], redeem=5_000)
    assert card_now(db, card.number).balance == 0
    result = refund(db, actor=manager, sale_id=sale.sale_id)
    assert (result.reversed, result.shortfall, result.money_back) == (0, 5_000, 95_000)
    assert card_now(db, card.number).balance == 0
    assert verify(db) == []


def test_refunding_more_than_was_sold_is_refused_and_writes_nothing(db, manager, worked):
    _, sale = worked
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(2)})
    before = snapshot(db)
    with pytest.raises(RefundTooMuch, match="only 0"):
        refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    with pytest.raises(RefundTooMuch, match="not line 3"):
        refund(db, actor=manager, sale_id=sale.sale_id, items={3: Decimal(1)})
    refund(db, actor=manager, sale_id=sale.sale_id)
    with pytest.raises(RefundTooMuch, match="already refunded in full"):
        refund(db, actor=manager, sale_id=sale.sale_id)
    assert snapshot(db)["refunds"] == before["refunds"] + 1


def test_a_cashier_cannot_refund(db, cashier, manager, worked):
    _, sale = worked
    before = snapshot(db)
    with pytest.raises(NotAllowed):
        refund(db, actor=cashier, sale_id=sale.sale_id)
    assert snapshot(db) == before


def test_unknown_sale_is_refused(db, manager):
    with pytest.raises(SaleNotFound):
        refund(db, actor=manager, sale_id="00000000-0000-0000-0000-000000000000")


def test_money_goes_back_to_the_bank_card_first(db, manager):
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), lines=[line("x", 2, 50_000)],
                    payments=[PaymentInput("card", 30_000), PaymentInput("cash")])
    first = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    second = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert (first.to_card, first.to_cash) == (30_000, 20_000)
    assert (second.to_card, second.to_cash) == (0, 50_000)
    with db.read() as s:
        total = sum(p.amount for p in s.scalars(select(Payment)))
    assert total == 0


def test_the_refund_screen_sees_what_is_left_of_each_line(db, manager, worked):
    _, sale = worked
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    views = sale_lines(db, sale_id=sale.sale_id)
    assert [(v.line_no, v.qty, v.returned_qty) for v in views] == [
        (1, Decimal(2), Decimal(1)), (2, Decimal(1), Decimal(0))]


def test_preview_shows_exactly_what_the_refund_then_gives_and_writes_nothing(db, manager,
                                                                             worked):
    _, sale = worked
    before = snapshot(db)
    preview = preview_refund(db, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert snapshot(db) == before
    done = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert preview.refund_id is None and done.refund_id is not None
    for field in ("money_back", "restored", "reversed", "shortfall", "balance", "lines",
                  "to_card", "to_cash"):
        assert getattr(preview, field) == getattr(done, field), field


def test_recent_sales_of_a_card_follow_it_through_a_replacement(db, manager, worked):
    card, sale = worked
    new = cards.replace_card(db, actor=manager, number=card.number).new
    other = checkout(db, actor=manager, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    assert [s.sale_id for s in recent_sales(db, card_number=new.number)] == [sale.sale_id]
    assert [s.sale_id for s in recent_sales(db)][:2] == [other.sale_id, sale.sale_id]


def test_the_same_refund_id_twice_refunds_once(db, manager, worked):
    card, sale = worked
    refund_id = "5f0c2a8e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
    first = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)},
                   refund_id=refund_id)
    before = snapshot(db)
    again = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)},
                   refund_id=refund_id)
    assert snapshot(db) == before
    assert again == first
    assert card_now(db, card.number).balance == first.balance
