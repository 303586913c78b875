"""A signed-in user changes their own PIN from the Till menu, typing as at the counter."""

from __future__ import annotations

import pytest
from conftest import CASHIER_PIN
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from uitools import on_dialog

from loyaltypos.domain.errors import PinWrong
from loyaltypos.services import users

pytest_plugins = ["uitools"]


def type_pins(qtbot, *pins: str):
    """Answer the dialog: each PIN in the next field (Tab), then Enter."""
    seen = {}

    def act(dialog):
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
        for number, pin in enumerate(pins):
            if number:
                qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            qtbot.keyClicks(QApplication.focusWidget(), pin)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        seen["error"] = dialog.error.text()
        seen["open"] = dialog.isVisible()
        if dialog.isVisible():
            dialog.reject()

    on_dialog(qtbot, act)
    return seen


def test_a_cashier_changes_their_pin(qtbot, db, till):
    type_pins(qtbot, CASHIER_PIN, "8642", "8642")
    till.trigger("change_pin")
    assert users.sign_in(db, name="Kolya", pin="8642").name == "Kolya"
    with pytest.raises(PinWrong):
        users.sign_in(db, name="Kolya", pin=CASHIER_PIN)


def test_two_different_new_pins_change_nothing(qtbot, db, till):
    seen = type_pins(qtbot, CASHIER_PIN, "8642", "8643")
    till.trigger("change_pin")
    assert seen["open"] and "The two new PINs differ" in seen["error"]
    assert users.sign_in(db, name="Kolya", pin=CASHIER_PIN).name == "Kolya"


def test_a_wrong_pin_now_changes_nothing(qtbot, db, till):
    seen = type_pins(qtbot, "9999", "8642", "8642")
    till.trigger("change_pin")
    assert seen["open"] and "old PIN is wrong" in seen["error"]
    assert users.sign_in(db, name="Kolya", pin=CASHIER_PIN).name == "Kolya"
