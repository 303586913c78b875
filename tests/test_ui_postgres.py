"""The till app on a PostgreSQL server, driven as a cashier drives it (offscreen Qt):
sign in, scan a card and goods, pay, refund, close the day; and a server that stops
answering at the moment of payment. Each test has its own database on the server;
without a server (LOYALTYPOS_TEST_PG) they are skipped like the other server tests."""

from __future__ import annotations

import psycopg
import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, card_now, personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from uitools import (
    BOOK,
    TEA,
    field,
    on_dialog,
    press,
    shown,
    text,
    type_here,
    type_into_dialog,
)

from loyaltypos.db.engine import retrying
from loyaltypos.services import cards, checkout, days
from loyaltypos.services.receipts import sale_receipt
from loyaltypos.services.refunds import recent_sales
from loyaltypos.services.verify import verify
from ui.dialogs.day import CloseDayDialog
from ui.dialogs.payment import CashDialog
from ui.dialogs.people import ManagerPinDialog
from ui.dialogs.refund import RefundDialog
from ui.main_window import MainWindow

pytest_plugins = ["uitools"]  # the goods fixture
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]

NNBSP = "\u202f"  # the thousands separator of the figures shown


@pytest.fixture
def backend() -> str:
    return "postgresql"


def open_and_sign_in(qtbot, db, name: str, pin: str) -> MainWindow:
    """The app's window as it starts; ``name`` chosen, the PIN typed where the focus is."""
    window = shown(qtbot, db)
    assert window.stack.currentWidget() is window.signin
    window.signin.user.setCurrentText(name)
    # a person types once the window is in front of them
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    type_here(qtbot, pin + "\r")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)
    # the ledger checks run off the UI thread after the sign-in: they pass on the server
    qtbot.waitUntil(lambda: window.health.text() == "Ledger healthy", timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.till.scan)
    return window


def test_a_sale_on_the_server_is_paid_refunded_and_closed_in_the_z_report(
        qtbot, db, manager, goods):
    card = personal(db, manager, name="Ivan Petrov")
    cards.pin_tier(db, actor=manager, number=card.number, tier="Ten")  # 10 % off, 5 % back
    window = open_and_sign_in(qtbot, db, "Kolya", CASHIER_PIN)
    t = window.till

    # a scanner's bursts: the card, two teas, a novel, cigarettes (outside the program)
    type_here(qtbot, card.number + "\r")
    type_here(qtbot, "2*" + TEA + "\r")
    type_here(qtbot, BOOK + "\r")
    type_here(qtbot, "CIG-1\r")
    assert "Ivan Petrov" in t.customer.headline.text()
    assert t.sale.card is not None and t.sale.card.tier == "Ten"
    assert t.cart.rowCount() == 3, t.message.text()
    # 2 x 250 + 1000 + 200; 10 % off the 1500 in the program; 5 % back on the 1350 paid
    assert text(t, "subtotalValue") == "RUB\u00a01,700.00"
    assert text(t, "discountValue") == "-RUB\u00a0150.00"
    assert text(t, "totalValue") == "RUB\u00a01,550.00"
    assert text(t, "cashbackValue") == "RUB\u00a067.50"

    def cash(dialog):
        assert text(dialog, "cashTotal") == "<b>RUB\u00a01,550.00</b>"
        assert dialog.change.text() == "RUB\u00a00.00"  # the total, selected: typing replaces it
    type_into_dialog(qtbot, "2000", CashDialog, check=cash)
    press(qtbot, window, Qt.Key.Key_F9)

    qtbot.waitUntil(lambda: t.last_paid.text() != "")
    assert t.last_paid.text().startswith(
        "Receipt 1 paid; change RUB\u00a0450.00; cashback earned RUB\u00a067.50,"
        " balance RUB\u00a067.50"), \
        t.last_paid.text() + "|" + t.message.text()
    assert "Receipt 1" in t.receipt.toPlainText()
    assert t.cart.rowCount() == 0 and t.sale.card is None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    # what the server holds: the sale with its discount and cashback, and the card
    sales = recent_sales(db)
    assert [(s.receipt_no, s.subtotal, s.paid, s.card) for s in sales] == [
        (1, 170_000, 155_000, card.number)]
    receipt = sale_receipt(db, sale_id=t.last_sale_id)
    assert (receipt.receipt_no, receipt.cashier, receipt.tier, receipt.subtotal,
            receipt.discount, receipt.total, receipt.cashback, receipt.tendered,
            receipt.change) == (1, "Kolya", "Ten", 170_000, 15_000, 155_000, 6_750,
                                200_000, 45_000)
    day = days.day_summary(db)
    assert (day.sales, day.subtotal, day.discount, day.paid, day.cashback_earned) == (
        1, 170_000, 15_000, 155_000, 6_750)
    assert day.paid_by.get("cash") == 155_000 and day.expected_cash == 155_000
    assert card_now(db, card.number).balance == 6_750

    # the novel comes back: a manager's PIN, the receipt number, its line, confirm
    type_into_dialog(qtbot, MANAGER_PIN, ManagerPinDialog)
    previews = []

    def give_back_the_novel(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        type_here(qtbot, "1\r")  # the receipt number, where the dialog puts the focus
        assert [dialog.lines.item(r, 1).text() for r in range(dialog.lines.rowCount())] == [
            "Green tea", "Novel", "Cigarettes"], dialog.error.text()
        dialog.set_return(2, "1")
        previews.append(dialog.preview.text())
        dialog.confirm.click()
    on_dialog(qtbot, give_back_the_novel, RefundDialog)
    press(qtbot, window, Qt.Key.Key_F8)

    assert previews and "Money back RUB\u00a0900.00" in previews[0], previews
    assert "taken back RUB\u00a045.00" in previews[0]
    assert "balance after: RUB\u00a022.50" in previews[0]
    assert t.message.text() == \
        "Refund 1: give back RUB\u00a0900.00 (card 0.00, cash 900.00).", t.message.text()
    day = days.day_summary(db)
    assert (day.refunds, day.money_back, day.cashback_reversed, day.expected_cash) == (
        1, 90_000, 4_500, 65_000)
    assert card_now(db, card.number).balance == 2_250

    # the end of the day: F11, close (a manager's PIN), count 640.00 of the 650.00 expected
    press(qtbot, window, Qt.Key.Key_F11)
    assert window.stack.currentWidget() is window.day
    assert "Business day" in window.day.title.text() and "open" in window.day.title.text()
    assert text(window.day, "dayExpectedCash") == "RUB\u00a0650.00"
    assert text(window.day, "daySales") == "1"
    counted = []

    def count(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        assert field(dialog, "closeCounted").text() == ""  # the manager counts
        dialog.print_now.setChecked(False)  # no printer at this till
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.counted)
        type_here(qtbot, "640")
        counted.append(dialog.difference.text())
        type_here(qtbot, "\r")

    type_into_dialog(qtbot, MANAGER_PIN, ManagerPinDialog)
    on_dialog(qtbot, count, CloseDayDialog)
    qtbot.mouseClick(window.day.close_button, Qt.MouseButton.LeftButton)

    assert counted == ["-RUB\u00a010.00"]
    closed = window.day.summary
    assert closed.closed and closed.z_number == 1, window.day.title.text()
    assert (closed.counted_cash, closed.cash_difference, closed.expected_cash) == (
        64_000, -1_000, 65_000)
    assert (closed.sales, closed.refunds, closed.subtotal, closed.discount,
            closed.paid, closed.money_back) == (1, 1, 170_000, 15_000, 155_000, 90_000)
    assert (closed.cashback_earned, closed.cashback_reversed, closed.liability_total) == (
        6_750, 4_500, 2_250)
    assert "closed, Z 1" in window.day.title.text()
    assert not window.day.close_button.isEnabled()
    qtbot.waitUntil(lambda: not window.ops.busy)  # the standing worked out anew, off the UI
    # the server's own word: the frozen Z report, and no day open until the next sale
    assert days.z_report(db, z_number=1) == closed
    assert not days.day_status(db).is_open
    assert verify(db) == []


def test_a_server_that_stops_answering_at_payment_is_said_and_the_sale_waits(
        qtbot, db, shop, goods, monkeypatch, capfd):
    window = open_and_sign_in(qtbot, db, "Kolya", CASHIER_PIN)
    t = window.till
    type_here(qtbot, BOOK + "\r")
    press(qtbot, window, Qt.Key.Key_F10)  # the server answers: paid by bank card
    assert t.last_paid.text() == "Receipt 1 paid.", t.message.text()

    type_here(qtbot, TEA + "\r")
    type_here(qtbot, "CIG-1\r")
    assert t.cart.rowCount() == 2 and text(t, "totalValue") == "RUB\u00a0450.00"
    sale_id, lines = t.sale.sale_id, list(t.sale.lines)
    boxes = []
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **_k: boxes.append(a[2]))
    # the services try a sale again on a broken connection; here without the waits
    tries = []
    monkeypatch.setattr(checkout, "retrying",
                        lambda work: retrying(work, delays=(0.0, 0.0), sleep=tries.append))
    refused = []

    def unreachable(*_args, **_kwargs):
        refused.append(1)
        raise psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 54329 failed:'
            " Connection refused")

    with monkeypatch.context() as m:
        db.engine.dispose()  # the pooled connections went with the server
        m.setattr(db.engine.dialect, "connect", unreachable)
        type_into_dialog(qtbot, "500", CashDialog)
        press(qtbot, window, Qt.Key.Key_F9)
        assert t.message.text() == \
            "Not recorded: the server does not answer, press F9 to try again.", \
            t.message.text()
    assert tries == [0.0, 0.0] and len(refused) == 3  # tried three times, then said so
    assert window.ops.last_failure.kind == "unreachable"
    assert boxes == []  # said on the till's line, no box in the cashier's way
    # the sale waits as it was, for the same key; the last payment's note is not redrawn
    assert t.sale.sale_id == sale_id and t.sale.lines == lines
    assert t.cart.rowCount() == 2 and text(t, "totalValue") == "RUB\u00a0450.00"
    assert t.last_paid.text() == ""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    assert [s.receipt_no for s in recent_sales(db)] == [1]

    # the server answers again: the same key, the same dialog, the sale is recorded once
    type_into_dialog(qtbot, "500", CashDialog)
    press(qtbot, window, Qt.Key.Key_F9)
    assert t.last_paid.text() == "Receipt 2 paid; change RUB\u00a050.00.", t.message.text()
    assert t.message.text() == "" and t.cart.rowCount() == 0
    last = recent_sales(db)[0]
    assert (last.sale_id, last.receipt_no, last.paid) == (sale_id, 2, 45_000)
    day = days.day_summary(db)
    assert (day.sales, day.paid_by.get("cash"), day.paid_by.get("card")) == (
        2, 45_000, 100_000)
    assert boxes == []
    assert "Traceback" not in capfd.readouterr().err
