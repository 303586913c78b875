"""The customer display: a second window shows the customer the sale, the card's
discount and cashback, a thank-you, and the 0 to 10 keypad they answer the score
question on; the cashier's screen waits, and Esc skips."""

from __future__ import annotations

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, personal
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from uitools import TEA, on_dialog, signed_in

from loyaltypos.domain import clock
from loyaltypos.domain.errors import NotAllowed
from loyaltypos.services import cards, display, nps
from loyaltypos.services.users import sign_in
from ui.customer_display import CustomerDisplay, WaitingForCustomer
from ui.dialogs.nps import NpsDialog

pytest_plugins = ["uitools"]


def scores(db) -> list[int]:
    with db.read() as s:
        return [r.score for r in nps.responses(s, until=clock.local_today())]


def open_displays() -> list[CustomerDisplay]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, CustomerDisplay) and w.isVisible()]


def value(window, name: str) -> str:
    return window.findChild(QLabel, name).text()


@pytest.fixture
def with_display(qtbot, db, shop, goods):
    """The window with the customer display on, the cashier signed in, a card with 500.00
    cashback, and the till asking for a score after every card sale."""
    manager, _cashier = shop
    display.set_display(db, actor=manager, enabled=True)
    nps.set_ask_policy(db, actor=manager, policy="every")
    card = personal(db, manager, name="Olga").number
    cards.adjust_balance(db, actor=manager, number=card, amount=50_000, reason="gift")
    window = signed_in(qtbot, db, "Kolya", CASHIER_PIN)
    return window, window.till.display, card


class BlockedWatch(QObject):
    """Notes whether a modal dialog blocked the window's input (a touch would be lost)."""

    blocked = False

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowBlocked:
            self.blocked = True
        return False


def sell(qtbot, window, card: str) -> None:
    qtbot.keyClicks(window.till.scan, card + "\r")
    qtbot.keyClicks(window.till.scan, "2*" + TEA + "\r")


def test_the_display_shows_the_cart_the_total_and_the_cashback_balance(qtbot, with_display):
    window, screen, card = with_display
    assert open_displays() == [screen]
    assert screen.pages.currentWidget() is screen.welcome
    sell(qtbot, window, card)
    assert screen.pages.currentWidget() is screen.sale_page
    row = [screen.lines.item(0, col).text() for col in range(3)]
    assert row == ["Green tea", "2", "RUB\u00a0500.00"]
    assert value(screen, "totalValue") == window.till.values["total"].text() == "RUB\u00a0500.00"
    assert value(screen, "balanceValue") == "RUB\u00a0500.00"  # the card's cashback, before paying
    assert value(screen, "cashbackValue") == "+RUB\u00a025.00"  # 5 % of this sale
    assert "Simple" in value(screen, "displayCard")
    # The cashier keeps the keyboard: the display never takes it.
    assert QApplication.activeWindow() is window
    assert QApplication.focusWidget() is window.till.scan


def test_the_customer_touches_ten_after_a_card_sale(qtbot, db, with_display):
    window, screen, card = with_display
    seen = {}
    watch = BlockedWatch(screen)
    screen.installEventFilter(watch)

    def customer_touches_ten(dialog):
        seen["asking"] = screen.asking
        seen["thanks"] = value(screen, "displayThanksDetail")
        qtbot.mouseClick(screen.findChild(QPushButton, "score10"), Qt.MouseButton.LeftButton)

    on_dialog(qtbot, customer_touches_ten, WaitingForCustomer)
    sell(qtbot, window, card)
    window.till.pay_card()
    assert scores(db) == [10]
    assert seen["asking"] and "balance is now RUB\u00a0525.00" in seen["thanks"]
    assert not watch.blocked  # the cashier's waiting dialog leaves the display touchable
    assert screen.pages.currentWidget() is screen.thanks
    assert "Thank you for your answer" in value(screen, "displayThanksNote")
    assert "Score 10 recorded" in window.till.message.text()


def test_one_then_zero_typed_on_the_keyboard_is_ten(qtbot, db, with_display):
    window, _screen, card = with_display

    def type_ten(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        for key in (Qt.Key.Key_1, Qt.Key.Key_0):
            qtbot.keyClick(QApplication.focusWidget(), key)

    on_dialog(qtbot, type_ten, WaitingForCustomer)
    sell(qtbot, window, card)
    window.till.pay_card()
    assert scores(db) == [10]


def test_esc_on_the_cashiers_screen_skips_and_records_nothing(qtbot, db, with_display):
    window, screen, card = with_display

    def skip(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    on_dialog(qtbot, skip, WaitingForCustomer)
    sell(qtbot, window, card)
    window.till.pay_card()
    assert scores(db) == []
    assert "paid" in window.till.last_paid.text()
    assert not screen.asking and screen.pages.currentWidget() is screen.thanks


def test_skip_on_the_customers_screen_records_nothing(qtbot, db, with_display):
    window, screen, card = with_display
    on_dialog(qtbot, lambda _dialog: qtbot.mouseClick(
        screen.findChild(QPushButton, "scoreSkip"), Qt.MouseButton.LeftButton),
        WaitingForCustomer)
    sell(qtbot, window, card)
    window.till.pay_card()
    assert scores(db) == [] and not screen.asking


def test_the_next_sale_replaces_the_thank_you(qtbot, db, manager, with_display):
    window, screen, card = with_display
    nps.set_ask_policy(db, actor=manager, policy="never")
    sell(qtbot, window, card)
    window.till.pay_card()
    assert screen.pages.currentWidget() is screen.thanks
    qtbot.keyClicks(window.till.scan, TEA + "\r")
    assert screen.pages.currentWidget() is screen.sale_page
    assert screen.lines.rowCount() == 1


def test_the_keypad_reads_one_then_zero_as_ten_and_one_then_enter_as_one(qtbot):
    screen = CustomerDisplay()
    qtbot.addWidget(screen)
    got = []
    screen.answered.connect(got.append)
    for keys in ((Qt.Key.Key_1, Qt.Key.Key_0), (Qt.Key.Key_1, Qt.Key.Key_Return),
                 (Qt.Key.Key_7,), (Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_0),
                 (Qt.Key.Key_Escape,)):
        screen.ask_score()
        for key in keys:
            qtbot.keyClick(screen, key)
    assert got == [10, 1, 7, 10, None]
    qtbot.keyClick(screen, Qt.Key.Key_5)  # no question asked: the key does nothing
    assert got == [10, 1, 7, 10, None]


def test_a_lone_one_is_one_when_no_zero_follows(qtbot):
    screen = CustomerDisplay()
    qtbot.addWidget(screen)
    got = []
    screen.answered.connect(got.append)
    screen.ask_score()
    qtbot.keyClick(screen, Qt.Key.Key_1)
    assert got == []
    qtbot.waitUntil(lambda: got == [1], timeout=3000)


def test_without_the_setting_there_is_no_display_and_the_cashier_asks(qtbot, db, manager,
                                                                      till):
    nps.set_ask_policy(db, actor=manager, policy="every")
    card = personal(db, manager, name="Olga").number
    assert till.till.display is None and open_displays() == []
    seen = []
    on_dialog(qtbot, lambda dialog: (seen.append(type(dialog)), dialog.reject()))
    sell(qtbot, till, card)
    till.till.pay_card()
    assert seen == [NpsDialog] and scores(db) == []


def test_a_manager_turns_the_display_on_and_off_on_the_shop_screen(qtbot, db, till):
    maria = sign_in(db, name="Maria", pin=MANAGER_PIN)
    till.ops.ask_manager = lambda _parent, _action: maria  # she typed her PIN in the dialog
    till.go_to(till.overview)
    screen = till.overview
    assert not screen.display_on.isChecked()
    screen.display_on.setChecked(True)
    screen.save_display()
    assert display.display_enabled(db) and open_displays() == [till.till.display]
    assert "on" in screen.display_message.text()
    till.go_to(till.till)
    qtbot.keyClicks(till.till.scan, TEA + "\r")
    assert till.till.display.lines.item(0, 0).text() == "Green tea"
    till.go_to(till.overview)
    screen.display_on.setChecked(False)
    screen.save_display()
    assert not display.display_enabled(db) and till.till.display is None
    assert open_displays() == []


def test_only_a_manager_turns_the_display_on(db, cashier):
    with pytest.raises(NotAllowed):
        display.set_display(db, actor=cashier, enabled=True)
    assert not display.display_enabled(db)
