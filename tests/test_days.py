"""The business day: end-of-day figures, closing, and what happens after closing."""

import datetime as dt
from decimal import Decimal

import pytest
from conftest import GUARD_REFUSAL, card_now, line, snapshot
from sqlalchemy import select, text

from loyaltypos.db.models import BusinessDay, Sale
from loyaltypos.domain import clock
from loyaltypos.domain.errors import DayClosed, NotAllowed
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day, day_summary
from loyaltypos.services.refunds import refund

pytestmark = pytest.mark.postgresql_too


def _day_of_sales(db, cashier, manager):
    ivan = cards.issue_cards(db, actor=cashier, kind="personal",
                             customer=cards.CustomerInput(name="Ivan"))[0]
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    cards.adjust_balance(db, actor=manager, number=ivan.number, amount=10_000, reason="gift")
    sales = [
        checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=ivan.number,
                 lines=[line("a", 2, 30_000), line("b", 1, 15_000)], redeem=10_000,
                 payments=[PaymentInput("card")]),
        checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=bearer.number,
                 lines=[line("c", 1, 20_000)], payments=[PaymentInput("cash", tendered=50_000)]),
        checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("d", 3, 1_000)]),
    ]
    back = refund(db, actor=manager, sale_id=sales[0].sale_id, items={1: Decimal(1)})
    return ivan, bearer, sales, back


def test_summary_figures_equal_the_sums_of_the_sales_written(db, cashier, manager):
    ivan, _bearer, sales, back = _day_of_sales(db, cashier, manager)
    s = day_summary(db)
    assert (s.sales, s.refunds, s.closed) == (3, 1, False)
    assert s.subtotal == sum(x.subtotal for x in sales)
    assert s.discount == sum(x.discount for x in sales)
    assert s.redeemed == sum(x.redeemed for x in sales)
    assert s.paid == sum(x.paid for x in sales)
    assert s.money_back == back.money_back
    assert s.paid_by["card"] + s.paid_by["cash"] == s.paid - s.money_back
    assert s.paid_by["cash"] == sales[1].paid + sales[2].paid - back.to_cash
    assert s.cashback_earned == sum(x.cashback for x in sales)
    assert s.cashback_reversed == back.reversed
    assert s.liability_change == 10_000 - 10_000 + s.cashback_earned + back.restored \
        - back.reversed
    assert s.liability_total == card_now(db, ivan.number).balance
    assert s.new_cards == {"personal": 1, "bearer": 1}
    assert set(s.tiers) == {"Simple", "Bearer", "No card"}
    assert s.tiers["Bearer"].sales == 1 and s.tiers["Bearer"].discount == sales[1].discount
    net = s.subtotal - s.discount
    assert sum(s.hours.values()) == net
    assert s.average_check == round(Decimal(net) / 3)
    assert s.top_customers[0].card == ivan.number and s.top_customers[0].name == "Ivan"


def test_closing_freezes_numbers_the_report_and_a_second_close_is_refused(db, cashier,
                                                                         manager):
    _day_of_sales(db, cashier, manager)
    z = close_day(db, actor=manager, counted_cash=12_345)
    assert z.closed and z.z_number == 1
    assert z.cash_difference == 12_345 - z.expected_cash
    before = snapshot(db)
    with pytest.raises(DayClosed, match="already closed"):
        close_day(db, actor=manager)
    assert snapshot(db) == before
    assert day_summary(db, date=z.date) == z


def test_a_cashier_cannot_close_the_day(db, cashier):
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    with pytest.raises(NotAllowed):
        close_day(db, actor=cashier)


def test_refund_of_a_closed_days_sale_goes_to_the_open_day(db, cashier, manager):
    _, _, sales, _ = _day_of_sales(db, cashier, manager)
    z = close_day(db, actor=manager)
    later = refund(db, actor=manager, sale_id=sales[2].sale_id)
    assert day_summary(db, date=z.date) == z  # the Z report did not move
    today = day_summary(db)
    assert today.date == z.date + dt.timedelta(days=1)  # after closing: the next day
    assert (today.sales, today.refunds, today.money_back) == (0, 1, later.money_back)


def test_the_database_refuses_changes_to_a_closed_day(db, cashier, manager):
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    close_day(db, actor=manager)
    with pytest.raises(GUARD_REFUSAL, match="a closed business day cannot change"), \
            db.write() as s:
        s.execute(text("UPDATE business_days SET z_number = 99"))
    with db.read() as s:
        day_id = s.scalar(select(BusinessDay.id))
        user_id = s.scalar(select(Sale.user_id))
    with pytest.raises(GUARD_REFUSAL, match="that business day is closed"), db.write() as s:
        s.execute(text(
            "INSERT INTO sales (id, receipt_no, day_id, user_id, created_at, discount_bp, "
            "cashback_bp, subtotal, discount, redeemed, paid, cashback, change_given) VALUES "
            "('x', 99, :d, :u, '2999-01-01 00:00:00', 0, 0, 1, 0, 0, 1, 0, 0)"),
            {"d": day_id, "u": user_id})


def test_sales_per_hour_use_the_local_hour(till_five_hours_east_of_utc, db, cashier):
    noon = dt.datetime.combine(clock.local_today(), dt.time(12, 30))
    utc_noon = noon.astimezone(dt.UTC).replace(tzinfo=None)
    assert utc_noon.hour == 7  # stored in UTC: an hour read from the stamp would be "07"
    with clock.frozen_at(utc_noon):
        checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 700)])
    assert day_summary(db).hours == {"12": 700}


def test_summary_of_a_day_that_never_was_is_refused(db, manager):
    from loyaltypos.domain.errors import Refused

    with pytest.raises(Refused, match="no business day"):
        day_summary(db, date=dt.date(2001, 1, 1))


def test_day_status_for_the_status_bar(db, cashier, manager):
    from loyaltypos.services.days import day_status

    assert day_status(db).sales == 0
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    status = day_status(db)
    assert status.is_open and status.sales == 1
    close_day(db, actor=manager)
    assert not day_status(db).is_open
