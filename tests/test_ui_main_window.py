"""The window a shop owner sees first, driven as a person would (offscreen Qt)."""

import pytest
from PySide6.QtCore import Qt

from loyaltypos.services import store
from ui.main_window import MainWindow

pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]



def test_first_start_asks_for_the_shop_and_manager_then_shows_the_tiers(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    assert window.stack.currentWidget() is window.setup
    qtbot.keyClicks(window.setup.shop, "Corner Books")
    window.setup.currency.setCurrentText("EUR")
    qtbot.keyClicks(window.setup.manager, "Anna")
    qtbot.keyClicks(window.setup.pin, "246800")
    qtbot.keyClicks(window.setup.pin2, "246800")
    qtbot.keyClick(window.setup.pin2, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.signin)
    assert "Corner Books" in window.signin.title.text()
    assert window.signin.user.currentText() == "Anna"
    qtbot.keyClicks(window.signin.pin, "246800\r")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)
    window.go_to(window.overview)
    assert "Corner Books" in window.overview.title.text()
    program = store.program_in_force(db)
    assert program.currency == "EUR" and program.name == "Corner Books"
    table = window.overview.tiers
    assert table.rowCount() == len(program.tiers)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        t.name for t in program.tiers]
    assert db.describe() in window.overview.database_label.text()
    qtbot.waitUntil(lambda: window.health.text() == "Ledger healthy")


def test_pins_that_differ_are_refused_and_nothing_is_created(qtbot, db, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    window = MainWindow(db)
    qtbot.addWidget(window)
    qtbot.keyClicks(window.setup.shop, "Shop")
    qtbot.keyClicks(window.setup.manager, "Anna")
    qtbot.keyClicks(window.setup.pin, "246800")
    qtbot.keyClicks(window.setup.pin2, "2469\r")
    assert shown == ["The two PINs differ; type the same PIN twice."]
    assert not store.is_initialised(db)
    assert window.stack.currentWidget() is window.setup


def test_an_existing_shop_opens_on_sign_in_and_shows_its_program(qtbot, db, shop):
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert window.stack.currentWidget() is window.signin
    window.go_to(window.overview)
    assert "Test shop" in window.overview.title.text()
    assert window.overview.tiers.item(3, 0).text() == "Gold"
    assert window.overview.tiers.item(3, 4).text() == "7.5 %"


def test_a_manager_sets_the_receipt_header_on_the_shop_screen(qtbot, db, shop):
    window = MainWindow(db)
    qtbot.addWidget(window)
    manager = shop[0]
    window.ops.sign_in(manager)
    window.go_to(window.overview)
    window.overview.header.setPlainText("12 Pushkin Street\nTax no. 7701234567\n")
    window.overview.save_header()
    assert store.shop_receipt_header(db) == ("12 Pushkin Street", "Tax no. 7701234567")
    assert "Saved 2 lines" in window.overview.header_message.text()
    window.overview.header.setPlainText("x" * 49)
    window.overview.save_header()
    assert "48 characters" in window.overview.header_message.text()
    assert store.shop_receipt_header(db) == ("12 Pushkin Street", "Tax no. 7701234567")


def test_a_manager_edits_the_program_in_the_app_and_a_bad_one_changes_nothing(qtbot, db,
                                                                              shop):
    from ui.dialogs.program import ProgramDialog

    before = store.program_in_force(db)
    window = MainWindow(db)
    qtbot.addWidget(window)
    dialog = ProgramDialog(window.ops, shop[0], window)
    text = dialog.text.toPlainText()
    dialog.text.setPlainText(text.replace("discount_pct = 20", "discount_pct = 25"))
    dialog.accept()
    assert store.program_in_force(db).tier_named("Gold").discount_pct == 25
    dialog.text.setPlainText(text.replace("discount_pct = 20", "discount_pct = 120"))
    dialog.accept()
    assert "between 0 and 100" in dialog.error.text()
    assert store.program_in_force(db).tier_named("Gold").discount_pct == 25
    assert before.tier_named("Gold").discount_pct == 20
