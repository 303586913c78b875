"""The till in Russian and in English: each user's screen in their language, the shop's
printouts and customer display in the shop's, and no figure changed by either.

Keys go where the focus is, as a keyboard sends them. The walk over the window's words
(:func:`english_words`) is the check that nothing on a Russian screen was left in English.
"""

from __future__ import annotations

import re

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableWidget,
    QWidget,
)
from sqlalchemy import select
from uitools import BOOK, TEA, on_dialog, press, signed_in, text, type_here, type_into_dialog

from loyaltypos.db.models import Sale, User
from loyaltypos.domain import i18n
from loyaltypos.services import days, shops, users, verify
from ui import language as ui_language
from ui.customer_display import CustomerDisplay
from ui.dialogs.payment import CashDialog
from ui.dialogs.settings import SettingsDialog

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings", "english_after")]

NB = "\u00a0"
# Words a Russian screen writes in Latin letters: keys, codes and names of the trade.
LATIN = {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "Esc",
         "Enter", "Ctrl", "Del", "PIN", "NPS", "LTV", "ABC", "XYZ", "PDF", "CSV", "QR",
         "RUB", "LoyaltyPOS", "Tab", "Shift", "Backspace", "Insert", "Home", "End", "OK",
         "RFM", "USB", "COM", "English", "CRR",
         *(abc + xyz for abc in "ABC" for xyz in "XYZ")}
DATA = ("Test shop", "Maria", "Kolya", "Green tea", "Novel", "Cigarettes", "Bearer",
        "Simple", "Ten", "Gold", "Till 1", "sqlite")


@pytest.fixture
def english_after():
    yield
    if QApplication.instance() is not None:
        ui_language.apply("en")
    i18n.use_language(None)


def words_of(widget: QWidget) -> list[str]:
    """Every text a person reads on ``widget`` and its visible children."""
    found = [widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisibleTo(widget) and child is not widget:
            continue
        if isinstance(child, QLabel | QAbstractButton):
            found.append(re.sub(r"<[^>]+>", " ", child.text()))
        if isinstance(child, QLineEdit):
            found += [child.placeholderText(), child.text()]
        if isinstance(child, QGroupBox):
            found.append(child.title())
        if isinstance(child, QComboBox):
            found += [child.itemText(i) for i in range(child.count())]
        if isinstance(child, QTableWidget):
            for col in range(child.columnCount()):
                item = child.horizontalHeaderItem(col)
                found.append(item.text() if item else "")
    if isinstance(widget, QMainWindow):
        for menu in widget.menuBar().actions():
            found += [menu.text(), *(a.text() for a in menu.menu().actions())]
        found.append(widget.statusBar().currentMessage())
    return found


def english_words(widget: QWidget, *data: str) -> list[str]:
    """The words in Latin letters left on ``widget``, apart from keys, codes and data."""
    left = []
    for text_ in words_of(widget):
        for value in sorted((*DATA, *data), key=len, reverse=True):
            text_ = text_.replace(value, " ")
        text_ = re.sub(r"[a-z]+://\S+|/\S+", " ", text_)  # a database's URL or path
        left += [w for w in re.findall(r"[A-Za-z]{2,}", text_.replace("&", ""))
                 if w not in LATIN]
    return left


def cut_off(widget: QWidget) -> list[str]:
    """The labels and buttons on ``widget`` too small for their text: narrower than the
    text (one line), or shorter than its wrapped lines."""
    found = []
    for child in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        if not child.isVisibleTo(widget) or not child.text():
            continue
        if isinstance(child, QLabel) and child.wordWrap():
            short = child.height() < child.heightForWidth(child.width())
        else:
            short = child.width() < child.sizeHint().width()
        if short:
            found.append(f"{child.objectName() or type(child).__name__}: {child.text()!r}")
    return found


def test_the_check_finds_an_english_word(qtbot):
    label = QLabel("Итого: 5 ₽ (F9) Total")
    qtbot.addWidget(label)
    assert english_words(label) == ["Total"]


def sell_two(qtbot, t) -> None:
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    type_here(qtbot, TEA + "\r")
    type_here(qtbot, BOOK + "\r")


def test_a_russian_cashier_sells_in_russian_and_the_receipt_speaks_the_shops_language(
        qtbot, db, shop, goods, cashier, manager):
    users.set_language(db, actor=cashier, language="ru")
    window = signed_in(qtbot, db, "Kolya", CASHIER_PIN)
    assert i18n.language() == "ru"
    t = window.till
    sell_two(qtbot, t)
    # 1 250,00 ₽ as Russian writes money; the same 125000 kopecks stored
    assert text(t, "totalValue") == f"1{NB}250,00{NB}₽"
    assert english_words(window) == []
    window.resize(1366, 740)
    qtbot.wait(20)
    assert cut_off(window) == []

    type_into_dialog(qtbot, "2 000,50", CashDialog)  # the way a Russian till types it
    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: t.last_paid.text() != "")
    assert f"750,50{NB}₽" in t.last_paid.text() and english_words(window) == []
    with db.read() as s:
        sale = s.scalars(select(Sale)).one()
    assert (sale.paid, sale.change_given) == (125_000, 75_050)
    # The shop has no language of its own: its receipts speak the computer's (English).
    receipt = t.receipt.toPlainText()
    assert "Thank you!" in receipt and "1,250.00" in receipt

    shops.set_shop(db, actor=manager, shop_id=1, language="ru")
    sell_two(qtbot, t)
    type_into_dialog(qtbot, "1250", CashDialog)
    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: "2" in t.last_paid.text())
    with i18n.speaking("ru"):
        thanks = i18n._("Thank you!")
    qtbot.waitUntil(lambda: thanks in t.receipt.toPlainText())
    assert "1 250,00" in t.receipt.toPlainText() and "Thank you!" not in t.receipt.toPlainText()


def test_the_next_user_gets_their_own_language_and_the_open_sale_stays(
        qtbot, db, shop, goods, cashier):
    users.set_language(db, actor=cashier, language="ru")
    window = signed_in(qtbot, db, "Kolya", CASHIER_PIN)
    sell_two(qtbot, window.till)
    press(qtbot, window, Qt.Key.Key_F12)  # lock: the sign-in screen, still in Russian
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.signin)
    assert english_words(window) == []
    window.signin.user.setCurrentText("Maria")  # the manager has no language: English
    window.signin.pin.setFocus()
    type_here(qtbot, MANAGER_PIN + "\r")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)
    assert i18n.language() == "en"
    assert window.till.cart.rowCount() == 2  # the sale waited for whoever signed in
    assert text(window.till, "totalValue") == f"RUB{NB}1,250.00"
    assert window.menuBar().actions()[0].text() == "&Till"


def test_settings_change_the_screens_language_and_no_figure(qtbot, db, shop, goods, cashier):
    window = signed_in(qtbot, db, "Kolya", CASHIER_PIN)
    sell_two(qtbot, window.till)
    type_into_dialog(qtbot, "", CashDialog)
    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.till.last_paid.text() != "")
    before = days.day_summary(db)

    def choose_russian(dialog):
        box = dialog.findChild(QComboBox, "settingsScreenLanguage")
        assert box.itemText(0).startswith("This computer's language")
        box.setCurrentIndex(box.findData("ru"))
        dialog.accept()
    on_dialog(qtbot, choose_russian, SettingsDialog)
    window.trigger("settings")
    qtbot.waitUntil(lambda: i18n.language() == "ru")
    with db.read() as s:
        assert s.scalar(select(User.language).where(User.name == "Kolya")) == "ru"
    assert days.day_summary(db) == before and verify.verify(db) == []
    assert english_words(window) == []
    assert text(window.till, "totalValue") != ""  # the till redrawn in Russian


def test_the_customer_display_speaks_the_shops_language_whatever_the_screen(qtbot):
    display = CustomerDisplay("ru")
    qtbot.addWidget(display)
    display.show_thanks(currency="RUB", paid=125_000, change=75_050)
    assert i18n.language() == "en"  # the cashier's screen is untouched
    assert f"750,50{NB}₽" in display.thanks_detail.text()
    assert english_words(display) == []


@pytest.fixture
def russian_manager(qtbot, db, shop, goods, manager):
    users.set_language(db, actor=manager, language="ru")
    return signed_in(qtbot, db, "Maria", MANAGER_PIN)


@pytest.mark.parametrize("screen", ["day", "overview", "products", "signin"])
def test_every_screen_in_russian_has_no_english_word(qtbot, russian_manager, screen):
    window = russian_manager
    sell_two(qtbot, window.till)
    window.resize(1366, 740)  # a 1366 x 768 screen, less the task bar
    window.go_to(getattr(window, screen))
    qtbot.wait(50)
    # the columns of a goods file are named in English, as the file is written
    assert english_words(window, "code,name,price[,eligible]") == []
    assert cut_off(window) == []


@pytest.mark.parametrize(("key", "with_card"), [
    (Qt.Key.Key_F3, False), (Qt.Key.Key_F4, False), (Qt.Key.Key_F5, False),
    (Qt.Key.Key_F6, True), (Qt.Key.Key_F7, True), (Qt.Key.Key_F8, False),
    (Qt.Key.Key_F9, False), (Qt.Key.Key_F2, True),
])
def test_every_till_dialog_in_russian_has_no_english_word(qtbot, db, russian_manager, key,
                                                          with_card):
    from conftest import personal

    window = russian_manager
    t = window.till
    if with_card:
        card = personal(db, users.list_users(db)[0], name="Ольга Смирнова")
        qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
        type_here(qtbot, card.number + "\r")
    sell_two(qtbot, t)
    seen = []

    def look(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        seen.append((type(dialog).__name__, english_words(dialog, "Ольга Смирнова"),
                     cut_off(dialog)))
        dialog.reject()
    on_dialog(qtbot, look)
    press(qtbot, window, key)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][1] == [] and seen[0][2] == [], seen


@pytest.mark.parametrize("action", ["settings", "print_cards", "change_pin", "reprint", "users"])
def test_every_window_dialog_in_russian_has_no_english_word(qtbot, russian_manager, action):
    seen = []

    def look(dialog):
        seen.append((type(dialog).__name__, english_words(dialog), cut_off(dialog)))
        dialog.reject()
    on_dialog(qtbot, look)
    russian_manager.trigger(action)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][1] == [] and seen[0][2] == [], seen


def test_the_insight_window_in_russian_has_no_english_word(qtbot, russian_manager):
    from ui.windows.insight import InsightWindow

    russian_manager.trigger("insight")
    qtbot.waitUntil(lambda: any(isinstance(w, InsightWindow) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    insight = next(w for w in QApplication.topLevelWidgets() if isinstance(w, InsightWindow))
    qtbot.wait(200)
    try:
        assert english_words(insight) == []
    finally:
        insight.close()
