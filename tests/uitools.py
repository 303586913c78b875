"""Helpers of the Qt tests: a signed-in window, dialogs answered from the event loop,
keys pressed where the focus is, as a keyboard presses them."""

from __future__ import annotations

import pytest
from conftest import CASHIER_PIN
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from loyaltypos.services import products
from ui.main_window import MainWindow

WATCHDOG_MS = 4000
TEA = "4601234567893"
BOOK = "4600000000015"



@pytest.fixture
def goods(db, manager):
    products.save_product(db, actor=manager, code=TEA, name="Green tea", price=25_000)
    products.save_product(db, actor=manager, code=BOOK, name="Novel", price=100_000)
    products.save_product(db, actor=manager, code="CIG-1", name="Cigarettes", price=20_000,
                          eligible=False)


def shown(qtbot, db) -> MainWindow:
    """The app's window as it starts: shown and active, on the sign-in screen."""
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def signed_in(qtbot, db, name: str, pin: str) -> MainWindow:
    """The main window shown and active, ``name`` signed in with ``pin``, on the till."""
    window = shown(qtbot, db)
    window.signin.user.setCurrentText(name)
    qtbot.keyClicks(window.signin.pin, pin + "\r")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)
    return window


@pytest.fixture
def till(qtbot, db, shop, goods):
    """The window, signed in as the cashier, on the till screen."""
    return signed_in(qtbot, db, "Kolya", CASHIER_PIN)


def on_dialog(qtbot, act, kind=None):
    """Run ``act(dialog)`` as soon as a modal dialog (of class ``kind``) is open.

    exec() blocks the test, so the dialog is answered from the event loop. A dialog that
    is still open a few seconds after ``act`` (keys that went nowhere) is closed, so the
    test fails on its assertions instead of hanging.
    """
    def poll():
        dialog = QApplication.activeModalWidget()
        if dialog is None or (kind is not None and not isinstance(dialog, kind)):
            QTimer.singleShot(10, poll)
            return
        QTimer.singleShot(WATCHDOG_MS, dialog,  # cancelled with the dialog when it goes
                          lambda: dialog.reject() if dialog.isVisible() else None)
        act(dialog)
    QTimer.singleShot(0, poll)


def press(qtbot, window, key) -> None:
    """Press a key on the till once its window is active again (as it is for a person)."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget(), key)


def type_here(qtbot, keys: str) -> None:
    """Type where the keyboard focus is, as a person (or a scanner) does."""
    focus = QApplication.focusWidget()
    assert focus is not None, "nothing has the keyboard focus"
    qtbot.keyClicks(focus, keys)


def field(dialog, name: str) -> QLineEdit:
    return dialog.findChild(QLineEdit, name)


def button(dialog, name: str) -> QPushButton:
    return dialog.findChild(QPushButton, name)


def text(window, name: str) -> str:
    return window.findChild(QLabel, name).text()




def type_into_dialog(qtbot, keys: str, kind=None, *, check=None) -> None:
    """When a modal dialog (of class ``kind``) opens, type ``keys`` into whatever has the
    focus in it and press Return, as a cashier does; ``check(dialog)`` runs first."""
    def act(dialog):
        # A person types once the dialog is in front of them.
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        if check is not None:
            check(dialog)
        focus = QApplication.focusWidget()
        if keys:
            qtbot.keyClicks(focus, keys)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    on_dialog(qtbot, act, kind)
