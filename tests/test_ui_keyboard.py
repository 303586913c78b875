"""The till driven by the keyboard alone: every key goes to whatever has the focus, as a
keyboard sends it, and every dialog opens with the focus where the cashier types."""

from __future__ import annotations

import pytest
from conftest import MANAGER_PIN, personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import select
from uitools import BOOK, TEA, on_dialog, press, text, type_into_dialog

from loyaltypos.db.models import Payment, Sale
from loyaltypos.services import cards
from ui.dialogs.cards import FindCustomerDialog, IssueCardDialog
from ui.dialogs.payment import CashDialog, OpenItemDialog, RedeemDialog
from ui.dialogs.people import ManagerPinDialog
from ui.dialogs.refund import RefundDialog

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


def keys(qtbot, typed: str) -> None:
    """Type into whatever has the focus, then Return: a scanner's burst or a cashier."""
    qtbot.keyClicks(QApplication.focusWidget(), typed)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_a_whole_sale_with_the_keyboard_alone(qtbot, db, manager, till):
    card = personal(db, manager, name="Keyboard Customer")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=50_000, reason="gift")
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    keys(qtbot, card.number)
    keys(qtbot, TEA)
    keys(qtbot, BOOK)
    assert text(t, "totalValue") == "RUB\u00a01,250.00"

    type_into_dialog(qtbot, "100", RedeemDialog)  # F6: 100.00 of the 500.00 balance
    press(qtbot, till, Qt.Key.Key_F6)
    assert text(t, "redeemedValue") == "-RUB\u00a0100.00"
    assert text(t, "totalValue") == "RUB\u00a01,150.00"

    type_into_dialog(qtbot, "2000", CashDialog)  # F9: the customer hands over 2000
    press(qtbot, till, Qt.Key.Key_F9)

    assert "Receipt 1 paid; change RUB\u00a0850.00" in t.last_paid.text()
    with db.read() as s:
        sale = s.scalars(select(Sale)).one()
        cash = s.scalars(select(Payment).where(Payment.sale_id == sale.id)).one()
    assert (sale.redeemed, sale.paid, sale.change_given) == (10_000, 115_000, 85_000)
    assert (cash.method, cash.amount, cash.tendered) == ("cash", 115_000, 200_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)  # ready for the next one


def focused(dialog) -> QLineEdit:
    focus = QApplication.focusWidget()
    if not dialog.isAncestorOf(focus):  # no typing in a dialog that would hang the test
        dialog.reject()
    assert isinstance(focus, QLineEdit) and dialog.isAncestorOf(focus), focus
    return focus


@pytest.mark.parametrize(("key", "kind", "field_name", "selected"), [
    (Qt.Key.Key_F9, CashDialog, "cashTendered", "250.00"),
    (Qt.Key.Key_F6, RedeemDialog, "redeemAmount", "250.00"),
    (Qt.Key.Key_F5, OpenItemDialog, "openDescription", ""),
    (Qt.Key.Key_F4, IssueCardDialog, "issueName", ""),
    (Qt.Key.Key_F3, FindCustomerDialog, "findText", ""),
])
def test_every_dialog_opens_with_the_focus_where_the_cashier_types(
        qtbot, db, manager, till, key, kind, field_name, selected):
    card = personal(db, manager)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=90_000, reason="gift")
    keys(qtbot, card.number)
    keys(qtbot, TEA)
    seen = []

    def look(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        focus = focused(dialog)
        seen.append((focus.objectName(), focus.selectedText()))
        qtbot.keyClick(focus, Qt.Key.Key_Escape)  # Esc cancels

    on_dialog(qtbot, look, kind)
    press(qtbot, till, key)
    assert seen == [(field_name, selected)]
    assert till.till.sale.lines and till.till.cart.rowCount() == 1  # nothing changed


def test_a_refund_by_keyboard_from_a_cashier_session(qtbot, db, till):
    keys(qtbot, "3*" + TEA)
    press(qtbot, till, Qt.Key.Key_F10)
    assert "Receipt 1 paid" in till.till.last_paid.text()

    def choose_lines(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        assert focused(dialog).objectName() == "refundReceipt"
        keys(qtbot, "R1")  # the receipt's barcode, scanned into the dialog
        dialog.set_return(1, "1")
        dialog.confirm.click()

    type_into_dialog(qtbot, MANAGER_PIN, ManagerPinDialog,
                     check=lambda d: focused(d).objectName() == "managerPin" or pytest.fail())
    on_dialog(qtbot, choose_lines, RefundDialog)
    press(qtbot, till, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "Refund 1: give back RUB\u00a0250.00" in till.till.message.text())


def test_a_wrong_cash_amount_keeps_the_dialog_open_with_the_reason(qtbot, till):
    keys(qtbot, TEA)
    seen = []

    def short(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        keys(qtbot, "100")  # less than the 250.00 to pay
        seen.append((dialog.isVisible(), dialog.error.text(), focused(dialog).selectedText()))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    on_dialog(qtbot, short, CashDialog)
    press(qtbot, till, Qt.Key.Key_F9)
    visible, error, selected = seen[0]
    assert visible and "does not cover the total" in error and selected == "100"
    assert till.till.last_paid.text() == "" and till.till.cart.rowCount() == 1
