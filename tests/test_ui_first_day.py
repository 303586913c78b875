"""A new shop owner's first sale and refund, through the window only (no catalog yet)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import card_now
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from uitools import field, on_dialog, press

from loyaltypos.services.days import day_summary
from ui.main_window import MainWindow

pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]
ROOT = Path(__file__).resolve().parent.parent



def test_set_up_issue_a_card_sell_to_it_and_refund_part(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    setup = window.setup
    qtbot.keyClicks(setup.shop, "First Light Books")
    qtbot.keyClicks(setup.manager, "Vera")
    qtbot.keyClicks(setup.pin, "432100")
    qtbot.keyClicks(setup.pin2, "432100\r")
    qtbot.keyClicks(window.signin.pin, "432100\r")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till)
    till = window.till

    def issue(dialog):
        qtbot.keyClicks(field(dialog, "issueName"), "First Customer")
        dialog.accept()
    on_dialog(qtbot, issue)
    press(qtbot, window, Qt.Key.Key_F4)
    number = till.sale.card.number

    for description, qty, price in (("Notebook", "2", "150"), ("Fountain pen", "1", "900")):
        def item(dialog, d=description, q=qty, p=price):
            qtbot.keyClicks(field(dialog, "openDescription"), d)
            field(dialog, "openQty").setText(q)
            qtbot.keyClicks(field(dialog, "openPrice"), p)
            dialog.accept()
        on_dialog(qtbot, item)
        press(qtbot, window, Qt.Key.Key_F5)
    assert till.cart.rowCount() == 2
    press(qtbot, window, Qt.Key.Key_F10)
    assert "Receipt 1 paid" in till.last_paid.text()
    # the default program: Simple tier, 5 % off, 1 % cashback on 1200 - 60 = 1140.00
    assert card_now(db, number).balance == 1_140

    def refund_one_notebook(dialog):
        qtbot.keyClicks(field(dialog, "refundReceipt"), "1\r")
        dialog.set_return(1, "1")
        dialog.confirm.click()
    on_dialog(qtbot, refund_one_notebook)  # Vera is a manager: no PIN is asked again
    press(qtbot, window, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "Refund 1" in till.message.text())
    summary = day_summary(db)
    assert (summary.sales, summary.refunds, summary.money_back) == (1, 1, 14_250)
    assert card_now(db, number).balance == 1_140 - 143
    assert QApplication.activeModalWidget() is None


@pytest.mark.slow
def test_main_py_starts_on_a_new_database_and_keeps_running(tmp_path):
    # The first start, in the user's data folder: made without a question (a --db path
    # that does not exist asks first: tests/test_ui_counter.py).
    db_file = tmp_path / "data" / "loyaltypos" / "loyaltypos.sqlite3"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("LOYALTYPOS_DB", None)
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not db_file.exists():
            time.sleep(0.1)
        time.sleep(2)
        assert proc.poll() is None, proc.communicate()[1]
        assert db_file.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
