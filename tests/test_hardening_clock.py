"""The clock is not trusted blindly: a day far after the last one needs a manager, and
nothing is stamped before its business day opened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, line, personal, snapshot
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select
from uitools import BOOK, TEA, on_dialog, signed_in

from loyaltypos.db.models import AuditEntry, BusinessDay, LedgerEntry, Refund, Sale
from loyaltypos.domain import clock
from loyaltypos.domain.errors import DayNeedsConfirmation, NotAllowed, Refused
from loyaltypos.domain.i18n import date_text
from loyaltypos.services import cards, days
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytest_plugins = ["uitools"]

NOON = dt.datetime(2026, 3, 2, 9, 0)  # UTC; a Monday


def at(days_later: int, hour: int = 9) -> dt.datetime:
    return NOON.replace(hour=hour) + dt.timedelta(days=days_later)


def sell(db, actor, **kw):
    return checkout(db, actor=actor, sale_id=new_sale_id(), lines=[line("Tea", 1, 10_000)], **kw)


def dates(db) -> list[dt.date]:
    with db.read() as s:
        return list(s.scalars(select(BusinessDay.business_date).order_by(BusinessDay.id)))


@pytest.fixture
def closed_monday(db, manager, cashier):
    """A first business day with a sale, closed: the shop's last day is 2 March."""
    with clock.frozen_at(at(0)):
        sell(db, cashier)
        days.close_day(db, actor=manager)
        assert dates(db) == [clock.local_today()]
    return clock.to_local(at(0)).date()


def test_the_next_day_opens_by_itself(db, cashier, closed_monday):
    with clock.frozen_at(at(1)):
        sell(db, cashier)
    assert dates(db) == [closed_monday, closed_monday + dt.timedelta(days=1)]


def test_the_first_day_of_a_new_shop_opens_by_itself(db, cashier, shop):
    with clock.frozen_at(dt.datetime(2031, 1, 1, 9)):
        sell(db, cashier)
    assert dates(db) == [dt.date(2031, 1, 1)]


def test_a_refund_that_would_open_a_day_further_on_is_refused(db, manager, cashier):
    with clock.frozen_at(at(0)):
        sale = sell(db, cashier)
        days.close_day(db, actor=manager)
    before = snapshot(db)
    with clock.frozen_at(at(2)), pytest.raises(DayNeedsConfirmation):
        refund(db, actor=manager, sale_id=sale.sale_id)
    assert snapshot(db) == before


def test_a_day_further_on_is_refused_and_nothing_is_written(db, cashier, closed_monday):
    before = snapshot(db)
    with clock.frozen_at(at(3)), pytest.raises(DayNeedsConfirmation) as refused:
        sell(db, cashier)
    assert refused.value.date == closed_monday + dt.timedelta(days=3)
    assert refused.value.last == closed_monday
    assert "manager opens" in str(refused.value)
    assert snapshot(db) == before


def test_a_clock_years_ahead_is_refused_too(db, cashier, manager, closed_monday):
    with clock.frozen_at(dt.datetime(2031, 1, 1, 9)), pytest.raises(DayNeedsConfirmation):
        cards.issue_cards(db, actor=cashier, kind="bearer")
    assert dates(db) == [closed_monday]


def test_a_manager_opens_the_day_and_sales_go_into_it(db, manager, cashier, closed_monday):
    thursday = closed_monday + dt.timedelta(days=3)
    with clock.frozen_at(at(3)):
        opened = days.open_business_day(db, actor=manager, date=thursday)
        sale = sell(db, cashier)
    assert opened.date == thursday and dates(db) == [closed_monday, thursday]
    with db.read() as s:
        assert s.scalar(select(BusinessDay.business_date).join(Sale).where(
            Sale.id == sale.sale_id)) == thursday
        line_ = s.execute(select(AuditEntry.user_id, AuditEntry.target)
                          .where(AuditEntry.action == "day_open_confirmed")).one()
    assert tuple(line_) == (manager.user_id, thursday.isoformat())
    assert verify(db) == []


def test_a_cashier_cannot_open_such_a_day(db, cashier, closed_monday):
    with clock.frozen_at(at(3)), pytest.raises(NotAllowed):
        days.open_business_day(db, actor=cashier, date=closed_monday + dt.timedelta(days=3))


@pytest.mark.parametrize(("offset", "said"), [
    (400, "the clock says"),  # a typo: the clock disagrees
    (0, "is not after the last business day"),
    (-5, "is not after the last business day"),
])
def test_a_manager_cannot_open_a_day_the_clock_disagrees_with(db, manager, closed_monday,
                                                              offset, said):
    before = snapshot(db)
    with clock.frozen_at(at(3)), pytest.raises(Refused, match=said):
        days.open_business_day(db, actor=manager, date=closed_monday + dt.timedelta(
            days=offset))
    assert snapshot(db) == before


def test_a_day_cannot_be_opened_while_another_is_open(db, manager, cashier, closed_monday):
    with clock.frozen_at(at(1)):
        sell(db, cashier)
    with clock.frozen_at(at(2)), pytest.raises(Refused, match="is open already"):
        days.open_business_day(db, actor=manager, date=closed_monday + dt.timedelta(days=2))


def test_a_clock_set_back_never_stamps_before_the_day_opened(db, manager, cashier):
    card = personal(db, manager, name="Clock Holder")  # opens the day at the real clock
    with db.read() as s:
        opened = s.scalar(select(BusinessDay.opened_at))
    back = opened - dt.timedelta(hours=3)
    with clock.frozen_at(back):
        sale = sell(db, cashier, card_number=card.number)
        refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
        cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="x")
        summary = days.close_day(db, actor=manager)
    with db.read() as s:
        stamps = [s.scalar(select(Sale.created_at)), s.scalar(select(Refund.created_at)),
                  *s.scalars(select(LedgerEntry.created_at))]
    assert stamps and all(stamp == opened for stamp in stamps)
    assert summary.closed_at == opened
    assert verify(db) == []


# ---------------------------------------------------------------- the command line


def test_the_command_line_says_what_to_do(cli, db_path, db, manager, cashier, closed_monday):
    thursday = (closed_monday + dt.timedelta(days=3)).isoformat()
    sale = ("--db", str(db_path), "sale", "--item", "Tea", "1", "100", "--user", cashier.name)
    with clock.frozen_at(at(3)):
        refused = cli(*sale, LOYALTYPOS_PIN=CASHIER_PIN)
        assert refused.returncode == 1
        assert f"loyaltypos day open --date {thursday}" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert cli("--db", str(db_path), "day", "open", "--date", thursday, "--user",
                   cashier.name, LOYALTYPOS_PIN=CASHIER_PIN).returncode == 1
        opened = cli("--db", str(db_path), "day", "open", "--date", thursday, "--user",
                     manager.name, LOYALTYPOS_PIN=MANAGER_PIN)
        assert opened.returncode == 0, opened.stderr
        assert cli(*sale, LOYALTYPOS_PIN=CASHIER_PIN).returncode == 0
    assert dates(db)[-1].isoformat() == thursday


# ---------------------------------------------------------------- the till


def test_at_the_till_a_manager_types_their_pin_and_the_sale_goes_through(
        qtbot, db, closed_monday, till):
    asked = []

    def manager_types_pin(dialog):
        asked.extend(label.text() for label in dialog.findChildren(QLabel))
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
        qtbot.keyClicks(QApplication.focusWidget(), MANAGER_PIN)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    with clock.frozen_at(at(3)):
        qtbot.keyClicks(till.till.scan, TEA + "\r")
        sale_id = till.till.sale.sale_id
        on_dialog(qtbot, manager_types_pin)
        till.till.pay_card()
    thursday = closed_monday + dt.timedelta(days=3)
    said = " ".join(asked)
    assert f"the last business day was {date_text(closed_monday)}" in said, asked
    assert f"the clock says {date_text(thursday)}" in said, asked
    assert till.till.last_sale_id == sale_id  # the same sale went through
    assert dates(db) == [closed_monday, thursday]
    assert days.day_summary(db, date=thursday).sales == 1
    assert "receipt 1 paid" not in till.till.last_paid.text().lower()  # receipt 2: day 2
    assert "receipt 2 paid" in till.till.last_paid.text().lower()


def test_at_the_till_without_a_manager_nothing_is_sold(qtbot, db, closed_monday, till):
    before = snapshot(db)
    with clock.frozen_at(at(3)):
        qtbot.keyClicks(till.till.scan, TEA + "\r")
        def nobody_comes(dialog):
            qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

        on_dialog(qtbot, nobody_comes)
        seen = []
        till.ops.failed.connect(seen.append)
        till.till.pay_card()
    assert snapshot(db) == before
    assert seen and "manager opens" in seen[-1]


def test_a_manager_signed_in_at_the_till_confirms_with_enter(qtbot, db, shop, goods,
                                                              closed_monday):
    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    asked = []

    def manager_presses_enter(dialog):
        asked.append(dialog.text())
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    with clock.frozen_at(at(3)):
        qtbot.keyClicks(window.till.scan, BOOK + "\r")
        sale_id = window.till.sale.sale_id
        on_dialog(qtbot, manager_presses_enter)
        window.till.pay_card()
    thursday = closed_monday + dt.timedelta(days=3)
    assert date_text(thursday) in asked[0] and date_text(closed_monday) in asked[0]
    assert dates(db) == [closed_monday, thursday]
    assert window.till.last_sale_id == sale_id
