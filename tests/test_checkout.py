"""Checkout on a fresh SQLite file: RULES.md "A sale", "Which tier applies", idempotency."""

from decimal import Decimal

import pytest
from conftest import card_now, line, personal, snapshot
from sqlalchemy import select

from loyaltypos.db.models import LedgerEntry, Payment, Sale, SaleLine
from loyaltypos.domain.errors import (
    CardBlocked,
    CardNotFound,
    CardReplaced,
    CheckDigitWrong,
    PaymentWrong,
    RedeemRefused,
)
from loyaltypos.domain.pricing import REDEEM_MAX
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id, quote
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


def sell(db, actor, card=None, lines=None, **kw):
    return checkout(db, actor=actor, sale_id=new_sale_id(), card_number=card,
                    lines=lines or [line("goods", 1, 500_000)], **kw)


def test_brief_example_credits_250_on_a_5000_purchase(db, cashier):
    card = personal(db, cashier)
    result = sell(db, cashier, card.number)
    assert (result.tier, result.subtotal, result.discount) == ("Simple", 500_000, 0)
    assert result.cashback == 25_000
    assert result.balance == 25_000
    assert card_now(db, card.number).balance == 25_000


def test_sale_writes_lines_payments_and_ledger_in_one_go(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=59_500, reason="gift")
    result = sell(db, cashier, card.number,
                  lines=[line("pen", 2, 50_000), line("book", 1, 100_000)], redeem=40_000,
                  payments=[PaymentInput("cash", tendered=200_000)])
    with db.read() as s:
        sale = s.get(Sale, result.sale_id)
        assert [ln.line_no for ln in sale.lines] == [1, 2]
        pays = s.scalars(select(Payment).where(Payment.sale_id == sale.id)).all()
        assert [(p.method, p.amount, p.tendered) for p in pays] == [("cash", 160_000, 200_000)]
        kinds = sorted((e.kind, e.amount) for e in s.scalars(
            select(LedgerEntry).where(LedgerEntry.sale_id == sale.id)))
    assert kinds == [("earn", 8_000), ("redeem", -40_000)]
    assert result.change == 40_000
    assert result.balance == 59_500 - 40_000 + 8_000
    assert verify(db) == []


def test_sale_is_priced_at_the_tier_the_spend_before_it_reaches(db, cashier):
    card = personal(db, cashier)
    first = sell(db, cashier, card.number, lines=[line("tv", 1, 150_000)])  # crosses 1000.00
    assert first.tier == "Simple" and first.discount == 0
    second = sell(db, cashier, card.number, lines=[line("tv", 1, 150_000)])
    assert second.tier == "Ten" and second.discount == 15_000
    info = card_now(db, card.number)
    assert info.spend == 150_000 + 135_000
    assert info.next_tier == "Gold" and info.to_next_tier == 5_000_000 - 285_000


def test_excluded_goods_get_no_discount_and_no_cashback(db, cashier, manager):
    card = personal(db, cashier)
    cards.pin_tier(db, actor=manager, number=card.number, tier="Ten")  # 10% off, 5% back
    result = sell(db, cashier, card.number,
                  lines=[line("tobacco", 1, 100_000, eligible=False), line("tea", 1, 10_000)])
    assert (result.discount, result.cashback) == (1_000, 450)  # the tea's only


def test_bearer_card_gets_the_bearer_tier_whatever_it_spends(db, cashier):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    for _ in range(3):
        result = sell(db, cashier, bearer.number, lines=[line("x", 1, 5_000_000)])
        assert result.tier == "Bearer" and result.discount == 150_000 and result.cashback == 0


def test_redeem_max_with_zero_balance_takes_nothing(db, cashier):
    card = personal(db, cashier)
    assert sell(db, cashier, card.number, redeem=REDEEM_MAX).redeemed == 0


def test_redeeming_more_than_allowed_is_refused_and_writes_nothing(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=1_000, reason="gift")
    before = snapshot(db)
    with pytest.raises(RedeemRefused):
        sell(db, cashier, card.number, redeem=1_001)
    assert snapshot(db) == before


def test_redeeming_without_a_card_is_refused(db, cashier):
    with pytest.raises(RedeemRefused, match="loyalty card"):
        sell(db, cashier, None, redeem=100)


@pytest.mark.parametrize("number_kind", ["wrong_check", "unknown", "blocked", "replaced"])
def test_bad_cards_are_refused_at_the_till_and_nothing_is_written(db, cashier, manager,
                                                                   number_kind):
    card = personal(db, cashier)
    expected = {"wrong_check": CheckDigitWrong, "unknown": CardNotFound,
                "blocked": CardBlocked, "replaced": CardReplaced}[number_kind]
    number = card.number
    if number_kind == "wrong_check":
        number = number[:12] + str((int(number[12]) + 1) % 10)
    elif number_kind == "unknown":
        from loyaltypos.domain.cardnumbers import generate
        number = generate()
    elif number_kind == "blocked":
        cards.block_card(db, actor=manager, number=number, reason="lost")
    else:
        cards.replace_card(db, actor=manager, number=number)
    before = snapshot(db)
    with pytest.raises(expected):
        sell(db, cashier, number)
    assert snapshot(db) == before


def test_the_same_sale_id_twice_is_recorded_once(db, cashier):
    card = personal(db, cashier)
    sale_id = new_sale_id()
    args = dict(actor=cashier, sale_id=sale_id, card_number=card.number,
                lines=[line("x", 1, 100_000)])
    first = checkout(db, **args)
    second = checkout(db, **args)
    assert second.replayed and not first.replayed
    assert (second.receipt_no, second.cashback, second.balance) == (
        first.receipt_no, first.cashback, first.balance)
    with db.read() as s:
        assert len(s.scalars(select(Sale)).all()) == 1
    assert card_now(db, card.number).balance == first.cashback


def test_mixed_payment_cash_first_rest_by_card(db, cashier):
    result = sell(db, cashier, None, lines=[line("x", 1, 100_000)],
                  payments=[PaymentInput("cash", tendered=30_000), PaymentInput("card")])
    with db.read() as s:
        pays = sorted((p.method, p.amount) for p in s.scalars(
            select(Payment).where(Payment.sale_id == result.sale_id)))
    assert pays == [("card", 70_000), ("cash", 30_000)]
    assert result.change == 0


@pytest.mark.parametrize(
    "payments",
    [
        [PaymentInput("cash", tendered=100)],
        [PaymentInput("cheque")],
        [PaymentInput("card", 5)],
        [PaymentInput("card", tendered=200_000)],
        [PaymentInput("cash", -5), PaymentInput("card")],
    ],
)
def test_payments_that_do_not_cover_the_bill_are_refused(db, cashier, payments):
    before = snapshot(db)
    with pytest.raises(PaymentWrong):
        sell(db, cashier, None, lines=[line("x", 1, 100_000)], payments=payments)
    assert snapshot(db) == before


def test_fully_redeemed_bill_needs_no_payment(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=10_000, reason="gift")
    result = sell(db, cashier, card.number, lines=[line("x", 1, 10_000)], redeem=REDEEM_MAX)
    assert result.paid == 0 and result.redeemed == 10_000 and result.cashback == 0


def test_quote_prices_without_writing(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=5_000, reason="gift")
    before = snapshot(db)
    q = quote(db, card_number=card.number, lines=[line("x", 3, 1_000)], redeem=REDEEM_MAX)
    assert q.pricing.redeemed == 3_000 and q.card.balance == 5_000
    assert snapshot(db) == before


def test_sale_lines_store_quantities_in_thousandths(db, cashier):
    result = sell(db, cashier, None, lines=[line("cheese", "0.250", 120_000)])
    with db.read() as s:
        ln = s.scalar(select(SaleLine).where(SaleLine.sale_id == result.sale_id))
    assert ln.qty_milli == 250 and ln.amount == 30_000
    assert Decimal(ln.qty_milli) / 1000 == Decimal("0.25")
