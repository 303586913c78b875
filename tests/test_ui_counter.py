"""The counter as a cashier meets it: scans that land in a dialog, the keyboard alone.

Keys go to whatever has the focus, as a keyboard or a scanner sends them: a scanner's
burst is the code's keys one right after the other and Enter.
"""

from __future__ import annotations

import pytest
from conftest import personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select
from uitools import BOOK, TEA, on_dialog, press, text, type_into_dialog

from loyaltypos.db.models import Sale
from loyaltypos.services import days
from ui.dialogs.payment import CashDialog, RedeemDialog

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


def scanner(qtbot, code: str) -> None:
    """A scanner's burst into whatever has the focus: the code's keys, then Enter."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClicks(QApplication.focusWidget(), code)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def sales(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Sale))


def test_a_card_scanned_in_the_cash_dialog_attaches_and_the_sale_earns_its_cashback(
        qtbot, db, manager, till):
    card = personal(db, manager, name="Olga Scanned")
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, TEA)
    scanner(qtbot, BOOK)
    assert text(t, "totalValue") == "RUB\u00a01,250.00"
    closed = []

    def scan_the_card(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        scanner(qtbot, card.number)  # the customer remembers the card while paying
        closed.append(not dialog.isVisible())
    on_dialog(qtbot, scan_the_card, CashDialog)
    press(qtbot, till, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: bool(closed))
    assert closed == [True] and sales(db) == 0  # the burst paid nothing
    qtbot.waitUntil(lambda: "card attached" in t.message.text().lower())
    assert "Olga Scanned" in t.customer.findChild(type(t.message), "customerName").text()
    assert text(t, "cashbackValue") == "RUB\u00a062.50"  # 5 % back with the card

    type_into_dialog(qtbot, "2000", CashDialog)
    press(qtbot, till, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: sales(db) == 1)
    with db.read() as s:
        sale = s.scalars(select(Sale)).one()
    assert sale.card_id is not None and sale.cashback == 6_250 and sale.paid == 125_000


@pytest.mark.parametrize("key, kind", [(Qt.Key.Key_F9, CashDialog),
                                       (Qt.Key.Key_F6, RedeemDialog)])
def test_goods_scanned_in_a_payment_dialog_are_refused_and_nothing_is_paid(
        qtbot, db, manager, till, key, kind):
    card = personal(db, manager, name="Olga Scanned")
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, card.number)
    scanner(qtbot, TEA)
    said = []

    def scan_goods(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        before = QApplication.focusWidget().text()
        scanner(qtbot, BOOK)
        said.append((dialog.isVisible(), dialog.error.text(),
                     QApplication.focusWidget().text() == before))
        dialog.reject()
    on_dialog(qtbot, scan_goods, kind)
    press(qtbot, till, key)
    qtbot.waitUntil(lambda: bool(said))
    visible, error, untouched = said[0]
    assert visible and untouched and error.startswith("Finish the payment first")
    assert sales(db) == 0 and t.cart.rowCount() == 1


def test_a_person_typing_a_long_amount_still_pays(qtbot, db, till):
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, BOOK)
    type_into_dialog(qtbot, "10000.00", CashDialog)  # eight keys, but an amount's
    press(qtbot, till, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: sales(db) == 1)
    assert "RUB\u00a09,000.00" in t.last_paid.text()


def test_f3_with_two_matches_shows_both_and_the_arrows_choose(qtbot, db, manager, till):
    from loyaltypos.services import cards
    from ui.dialogs.cards import FindCustomerDialog

    first = personal(db, manager, name="Ivan First", phone="+7 912 000-11-22")
    second = personal(db, manager, name="Anna Second", phone="+7 912 555-00-11")
    assert cards.find_cards(db, actor=manager, text="912")  # both hold 912
    t = till.till
    seen = []

    def search(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        scanner(qtbot, "912")  # one Enter: the list, not the first customer
        rows = {dialog.results.item(r, 0).text() for r in range(dialog.results.rowCount())}
        seen.append((dialog.isVisible(), rows, QApplication.focusWidget() is dialog.results))
        chosen = dialog.results.item(1, 0).text()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        seen.append(chosen)
    on_dialog(qtbot, search, FindCustomerDialog)
    press(qtbot, till, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: len(seen) == 2)
    visible, rows, on_list = seen[0]
    assert visible and rows == {first.number, second.number} and on_list
    qtbot.waitUntil(lambda: t.sale.card is not None)
    assert t.sale.card.number == seen[1]


def test_f3_with_one_match_takes_it_with_one_enter(qtbot, db, manager, till):
    from ui.dialogs.cards import FindCustomerDialog

    only = personal(db, manager, name="Ivan Only", phone="+7 912 000-11-22")
    def search(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        scanner(qtbot, "Only")
    on_dialog(qtbot, search, FindCustomerDialog)
    press(qtbot, till, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: till.till.sale.card is not None)
    assert till.till.sale.card.number == only.number


SMALL = (1024, 740)  # a 1024 x 768 till screen, less a task bar


def fits(size) -> bool:
    return size.width() <= SMALL[0] and size.height() <= SMALL[1]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_screen_and_dialog_fits_a_1024_by_768_screen(qtbot, db, manager, till,
                                                           language):
    from loyaltypos.domain import i18n
    from ui import language as ui_language
    from ui.dialogs.card_batch import CardBatchDialog
    from ui.dialogs.cards import CardAdminDialog, FindCustomerDialog, IssueCardDialog
    from ui.dialogs.day import CloseDayDialog, ExportDialog
    from ui.dialogs.payment import OpenItemDialog
    from ui.dialogs.people import (
        ChangePinDialog,
        ManagerPinDialog,
        UserFormDialog,
        UsersDialog,
    )
    from ui.dialogs.refund import RefundDialog
    from ui.dialogs.settings import SettingsDialog

    window = till
    try:
        if language != "en":
            window.speak(language)
        window.resize(*SMALL)
        for screen in window.screens:
            window.go_to(screen)
            qtbot.wait(10)
            assert fits(window.minimumSizeHint()), (type(screen).__name__,
                                                    window.minimumSizeHint())
        card = personal(db, manager, name="Olga Smirnova")
        ops, cur = window.ops, "RUB"
        dialogs = [CashDialog(125_000, cur, window), RedeemDialog(10_000, 5_000, cur, window),
                   OpenItemDialog(cur, window),
                   IssueCardDialog(ops, window), FindCustomerDialog(ops, cur, window),
                   CardAdminDialog(ops, manager, card, ["Simple", "Gold"], cur, window),
                   RefundDialog(ops, manager, cur, window), SettingsDialog(window, ops=ops),
                   CardBatchDialog(ops, window), ManagerPinDialog(ops, "closing the day", window),
                   ChangePinDialog(ops, window), ExportDialog(days.day_summary(db).date, window),
                   CloseDayDialog(ops, manager, days.day_summary(db), cur, window),
                   UsersDialog(ops, manager, window), UserFormDialog(ops, manager, window)]
        for dialog in dialogs:
            dialog.show()
            qtbot.wait(5)
            assert fits(dialog.size()) and fits(dialog.minimumSizeHint()), (
                type(dialog).__name__, dialog.size())
            dialog.close()
    finally:
        if language != "en":
            ui_language.apply("en")
            i18n.use_language(None)


def test_a_200_character_scan_leaves_the_window_as_wide_as_it_was(qtbot, till):
    till.resize(*SMALL)
    qtbot.wait(10)
    width = till.width()
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, "9" * 200)
    qtbot.waitUntil(lambda: t.message.text() != "")
    assert till.width() == width and till.minimumSizeHint().width() <= SMALL[0]
    assert "…" in t.message.text() and len(t.message.text()) < 120


def answer(qtbot, yes: bool):
    """Answer the next question box as a cashier does: Enter (its default, No), or Yes."""
    from PySide6.QtWidgets import QMessageBox

    said = []

    def act(box):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is box)
        said.append(box.text())
        if yes:
            box.button(QMessageBox.StandardButton.Yes).click()
        else:
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    on_dialog(qtbot, act, QMessageBox)
    return said


def test_an_unusual_quantity_asks_and_enter_does_not_add_it(qtbot, db, till):
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    asked = answer(qtbot, yes=False)
    scanner(qtbot, "500*" + TEA)
    assert asked and "500 x Green tea" in asked[0] and t.cart.rowCount() == 0
    assert t.message.text().startswith("Not added")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)  # ready for the next scan
    asked = answer(qtbot, yes=True)
    scanner(qtbot, "500*" + TEA)
    assert asked and t.cart.rowCount() == 1 and t.sale.lines[0].qty == 500
    scanner(qtbot, "5*" + BOOK)  # a usual quantity asks nothing
    assert t.cart.rowCount() == 2


def test_an_unusual_total_asks_before_it_is_paid(qtbot, db, till):
    from PySide6.QtCore import QSettings

    from ui.dialogs.settings import UNUSUAL_TOTAL_KEY

    QSettings().setValue(UNUSUAL_TOTAL_KEY, 1000)  # RUB 1,000.00 and more is unusual here
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, TEA)
    scanner(qtbot, BOOK)
    asked = answer(qtbot, yes=False)
    press(qtbot, till, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: bool(asked))
    assert "RUB\u00a01,250.00" in asked[0] and sales(db) == 0
    asked = answer(qtbot, yes=True)
    press(qtbot, till, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: sales(db) == 1)


@pytest.mark.parametrize("typed", ["1e30", "9" * 29, "-3", "lots"])
def test_a_quantity_no_till_takes_is_refused_in_its_cell(qtbot, db, till, typed):
    from ui.widgets.cart import QTY_COL

    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, "2*" + TEA)
    t.cart.editItem(t.cart.item(0, QTY_COL))
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "quantity" in t.message.text().lower())
    assert t.cart.item(0, QTY_COL).text() == "2" and t.sale.lines[0].qty == 2
    assert text(t, "totalValue") == "RUB\u00a0500.00"


def test_a_cashier_changes_the_till_settings_only_with_a_managers_pin(qtbot, db, till):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QSpinBox

    from ui.dialogs.people import ManagerPinDialog
    from ui.dialogs.settings import IDLE_LOCK_KEY, SettingsDialog

    def never_lock(dialog):
        dialog.findChild(QSpinBox, "settingsIdleMinutes").setValue(0)
        dialog.accept()
    asked = []

    def no_manager(dialog):
        asked.append(type(dialog).__name__)
        dialog.reject()
    on_dialog(qtbot, never_lock, SettingsDialog)
    on_dialog(qtbot, no_manager, ManagerPinDialog)
    till.trigger("settings")
    assert asked == ["ManagerPinDialog"]
    assert QSettings().value(IDLE_LOCK_KEY) is None  # nothing was saved


def thermal_file_printer(tmp_path):
    from PySide6.QtCore import QSettings

    from ui import printing

    device = tmp_path / "lp0"
    for key, value in ((printing.PRINTER_KEY, "file"), (printing.TARGET_KEY, str(device)),
                       (printing.AUTO_KEY, "true"), (printing.WIDTH_KEY, 58)):
        QSettings().setValue(key, value)
    return device


def test_a_refund_shows_prints_and_reprints_its_receipt(qtbot, db, shop, goods, tmp_path):
    from conftest import MANAGER_PIN
    from uitools import signed_in

    from ui.dialogs.refund import RefundDialog

    device = thermal_file_printer(tmp_path)
    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    t = window.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, "2*" + TEA)
    press(qtbot, window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: device.exists() and not window.ops.busy)
    device.unlink()

    def refund_one(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        scanner(qtbot, "1")  # the receipt's number, where the focus is
        dialog.set_return(1, "1")
        dialog.confirm.click()
    on_dialog(qtbot, refund_one, RefundDialog)
    press(qtbot, window, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "REFUND 1" in t.receipt.toPlainText())  # shown on the till
    assert "of receipt 1" in t.receipt.toPlainText()
    qtbot.waitUntil(lambda: device.exists() and not window.ops.busy)  # printed, as a sale's
    printed = device.read_bytes()
    assert b"REFUND 1" in printed and b"COPY" not in printed
    device.unlink()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: device.exists() and not window.ops.busy)
    again = device.read_bytes()
    assert b"REFUND 1" in again and b"*** COPY ***" in again


def test_a_reprint_from_the_menu_is_marked_copy_and_prints_what_the_sale_stored(
        qtbot, db, till, tmp_path):
    device = thermal_file_printer(tmp_path)
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, TEA)
    press(qtbot, till, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: device.exists() and not till.ops.busy)
    device.unlink()
    t.reprint(receipt_no=1)
    qtbot.waitUntil(lambda: device.exists() and not till.ops.busy)
    assert b"Receipt 1" in device.read_bytes() and b"*** COPY ***" in device.read_bytes()


def test_cash_counted_starts_empty_and_enter_alone_closes_nothing(qtbot, db, shop, goods):
    from conftest import MANAGER_PIN
    from uitools import signed_in

    from ui.dialogs.day import CloseDayDialog

    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    scanner(qtbot, TEA)
    press(qtbot, window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: sales(db) == 1)
    window.go_to(window.day)
    seen = []

    def enter_alone(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        dialog.print_now.setChecked(False)
        seen.append(QApplication.focusWidget().text())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        seen.append((dialog.isVisible(), dialog.error.text()))
        dialog.reject()
    on_dialog(qtbot, enter_alone, CloseDayDialog)
    qtbot.mouseClick(window.day.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen[0] == "" and seen[1][0] and seen[1][1].startswith("Type the cash counted")
    assert not days.day_summary(db).closed


def test_plus_and_minus_from_the_scan_field_change_the_last_line(qtbot, db, till):
    t = till.till
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, TEA)
    scanner(qtbot, BOOK)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Plus)  # no click on the cart
    assert [line.qty for line in t.sale.lines] == [1, 2]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Minus)
    assert [line.qty for line in t.sale.lines] == [1, 1]
    asked = answer(qtbot, yes=False)  # - on a quantity of 1 asks; Enter keeps the line
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Minus)
    assert asked == ["Remove Novel from the sale?"] and len(t.sale.lines) == 2
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    answer(qtbot, yes=True)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Minus)
    assert [line.description for line in t.sale.lines] == ["Green tea"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)
    scanner(qtbot, "CAFE-1")  # a code with a dash still scans: the field was not empty
    assert "CAFE-1" in t.message.text()


def test_f7_block_asks_first_and_says_what_happened(qtbot, db, shop, goods, manager):
    from conftest import MANAGER_PIN
    from PySide6.QtWidgets import QPushButton
    from uitools import signed_in

    from loyaltypos.services import cards
    from ui.dialogs.cards import CardAdminDialog

    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    card = personal(db, manager, name="Olga Lost")
    scanner(qtbot, card.number)
    asked = []

    def block(dialog, yes):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        said = answer(qtbot, yes=yes)
        dialog.findChild(QPushButton, "adminBlock").click()
        asked.extend(said)
        if dialog.isVisible():
            dialog.reject()

    on_dialog(qtbot, lambda d: block(d, False), CardAdminDialog)
    press(qtbot, window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: bool(asked))
    assert asked[0].startswith("Block card") and cards.scan_card(db, number=card.number)
    asked.clear()
    on_dialog(qtbot, lambda d: block(d, True), CardAdminDialog)
    press(qtbot, window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: "blocked" in window.till.message.text())
    assert window.till.sale.card is None


def test_after_choosing_a_user_the_pin_is_typed_where_it_belongs(qtbot, db, shop):
    from conftest import CASHIER_PIN
    from uitools import shown, type_here

    window = shown(qtbot, db)
    users_box = window.signin.user
    users_box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is users_box)
    start = users_box.currentIndex()
    qtbot.keyClick(users_box, Qt.Key.Key_Down if start == 0 else Qt.Key.Key_Up)
    assert users_box.currentIndex() != start  # another name, chosen with the keys
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.signin.pin)
    if users_box.currentText() == "Kolya":
        type_here(qtbot, CASHIER_PIN + "\r")
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)


def test_esc_or_f2_on_the_day_screen_goes_back_to_the_till(qtbot, till):
    for key in (Qt.Key.Key_Escape, Qt.Key.Key_F2):
        till.go_to(till.day)
        qtbot.waitUntil(lambda: till.stack.currentWidget() is till.day)
        till.day.setFocus()
        press(qtbot, till, key)
        qtbot.waitUntil(lambda: till.stack.currentWidget() is till.till)


def test_a_db_path_that_does_not_exist_asks_before_a_shop_is_made(qtbot, tmp_path,
                                                                   monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from ui import app

    missing = tmp_path / "mistyped" / "shop.sqlite3"
    asked = []

    def no(*args):
        asked.append(args[2])
        return QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", no)
    monkeypatch.delenv("LOYALTYPOS_DB", raising=False)
    assert app.run(["--db", str(missing)]) == 1
    assert str(missing) in asked[0] and not missing.parent.exists()  # nothing was made
    assert app.missing_file(None) is None  # the default file of a first start: no question
    assert app.missing_file("postgresql://till@server/shop") is None
    existing = tmp_path / "shop.sqlite3"
    existing.write_bytes(b"")
    assert app.missing_file(str(existing)) is None


def test_after_closing_the_till_says_which_day_it_sells_into_and_why(
        qtbot, db, shop, goods, manager):
    import datetime as dt
    from dataclasses import replace

    from conftest import MANAGER_PIN
    from uitools import signed_in

    from loyaltypos.domain import clock
    from loyaltypos.domain.i18n import date_text

    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    scanner(qtbot, TEA)
    press(qtbot, window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: sales(db) == 1)
    days.close_day(db, actor=manager, counted_cash=0)
    today = clock.local_today()
    tomorrow = today + dt.timedelta(days=1)
    window.go_to(window.till)
    said = window.day_label.text()
    assert f"closed; the next sale goes into {date_text(tomorrow)}" in said, said
    assert date_text(today) in window.day_label.toolTip()
    scanner(qtbot, TEA)
    press(qtbot, window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: sales(db) == 2)
    window.go_to(window.till)
    assert window.day_label.text().startswith(f"Day {date_text(tomorrow)}: open")
    assert "is closed" in window.day_label.toolTip()

    summary = replace(days.day_summary(db), expected_cash=-139_569)
    window.go_to(window.day)
    window.day._draw(summary)
    note = window.day.figures["cash"].note.text()
    assert "-RUB\u00a01,395.69" in window.day.figures["cash"].value.text()
    assert note.startswith("below zero: refunds paid out more cash")


def test_a_manager_adds_a_user_gives_a_new_pin_and_disables_one_in_the_app(
        qtbot, db, shop, goods, manager):
    from conftest import MANAGER_PIN
    from uitools import signed_in, type_here

    from loyaltypos.domain.errors import Refused
    from loyaltypos.services import users
    from ui.dialogs.people import UserFormDialog, UsersDialog

    window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
    done = []

    def add_one(form):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
        type_here(qtbot, "Sveta")  # the focus is on the name
        form.findChild(type(form.pin), "userPin").setText("2468")
        form.findChild(type(form.pin), "userPinAgain").setText("2468")
        form.accept()

    def new_pin(form):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
        type_here(qtbot, "1357")  # the focus is on the PIN
        form.again.setText("1357")
        form.accept()

    def manage(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        on_dialog(qtbot, add_one, UserFormDialog)
        dialog.findChild(type(dialog.toggle), "usersAdd").click()
        assert "Sveta" in [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
        on_dialog(qtbot, new_pin, UserFormDialog)
        dialog.findChild(type(dialog.toggle), "usersPin").click()
        answer(qtbot, yes=True)
        dialog.toggle.click()  # Sveta, selected since she was added: disabled
        done.append(dialog.message.text())
        dialog.accept()
    on_dialog(qtbot, manage, UsersDialog)
    window.trigger("users")
    qtbot.waitUntil(lambda: bool(done))
    assert done == ["Sveta is disabled."]
    with pytest.raises(Refused, match="Sveta is disabled"):
        users.sign_in(db, name="Sveta", pin="1357")
    assert "Sveta" not in [u.name for u in users.list_users(db)]
    users.set_enabled(db, actor=manager, name="Sveta", enabled=True)
    assert users.sign_in(db, name="Sveta", pin="1357").role == "cashier"  # the new PIN
    with pytest.raises(Refused, match="yourself"):
        users.set_enabled(db, actor=manager, name="Maria", enabled=False)
    from loyaltypos.services import verify
    assert verify.verify(db) == []


def test_a_menu_writes_each_key_once(qtbot, till):
    for menu in till.menuBar().actions():
        for action in menu.menu().actions():
            key = action.shortcut().toString()
            if key:
                assert key not in action.text(), (action.text(), key)


def test_the_day_screen_pies_name_every_slice_in_the_legend_and_none_outside(
        qtbot, db, till):
    from PySide6.QtCharts import QPieSeries

    scanner(qtbot, TEA)
    press(qtbot, till, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: sales(db) == 1)
    till.go_to(till.day)
    for chart in (till.day.tier_chart, till.day.pay_chart):
        [pie] = [s for s in chart.series() if isinstance(s, QPieSeries)]
        assert pie.slices() and all(p.label() and not p.isLabelVisible() for p in pie.slices())
        assert chart.legend().isVisible()


def test_a_burst_in_the_settings_confirms_nothing(qtbot, db, manager, till):
    from ui.dialogs.settings import SettingsDialog

    card = personal(db, manager, name="Olga Scanned")
    seen = []

    def scan_here(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        scanner(qtbot, card.number)
        seen.append(dialog.isVisible())
        dialog.reject()
    on_dialog(qtbot, scan_here, SettingsDialog)
    till.trigger("settings")
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [True] and till.till.sale.card is None
