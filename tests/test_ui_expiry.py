"""Cashback expiry where the shop sees it: the end-of-day screen's lines, and the run when
the app starts (off the UI thread, said on the status bar)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import MANAGER_PIN, line, personal
from PySide6.QtWidgets import QLabel
from test_expiry import PROGRAM as EXPIRY_SHOP
from uitools import signed_in

from loyaltypos.domain import clock
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.program import parse_program
from loyaltypos.services import days, store
from loyaltypos.services.checkout import checkout, new_sale_id

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]
PROGRAM = EXPIRY_SHOP + "\n[expiry]\ndays = 5\n"


def at(date: dt.date):
    return clock.frozen_at(dt.datetime.combine(date, dt.time(9)))


@pytest.fixture
def lapsing(db, manager, cashier):
    """Olga earned 50.00 on 2027-03-01 (last day 03-06); the day of 03-07 is open."""
    store.load_program(db, actor=manager, program=parse_program(PROGRAM))
    with at(dt.date(2027, 3, 1)):
        days.open_business_day(db, actor=manager, date=dt.date(2027, 3, 1))
        olga = personal(db, cashier, name="Olga").number
        checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=olga,
                 lines=[line("goods", 1, 100_000)])
        days.close_day(db, actor=manager, refresh=False)
    with at(dt.date(2027, 3, 7)):
        days.open_business_day(db, actor=manager, date=dt.date(2027, 3, 7))
    return olga


def test_the_app_start_writes_off_lapsed_cashback_and_says_so(qtbot, db, shop, lapsing):
    with at(dt.date(2027, 3, 7)):
        window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
        window.expire_lapsed()
        said = fmt_display(5_000, "RUB")
        qtbot.waitUntil(lambda: said in window.statusBar().currentMessage(), timeout=10_000)
        assert window.statusBar().currentMessage() == (
            f"Lapsed cashback written off: {said} on 1 card")
        assert days.day_summary(db).expired == 5_000


def test_the_end_of_day_screen_shows_what_expired_and_the_gifts(qtbot, db, shop, lapsing):
    with at(dt.date(2027, 3, 7)):
        window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
        closed = days.close_day(db, actor=window.ops.actor, refresh=False)
        assert closed.expired == 5_000
        window.go_to(window.day)
        window.day.show_day(dt.date(2027, 3, 7))
    money = fmt_display(5_000, "RUB")
    assert f"Cashback expired: {money}." in window.day.details.text()
    note = window.day.figures["liability"].note.text()
    assert note == f"{fmt_display(-5_000, 'RUB')} today, after {money} expired"
    assert window.day.findChild(QLabel, "dayLiability").text() == fmt_display(0, "RUB")
