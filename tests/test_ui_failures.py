"""What the till does when the database, the code or a check fails under it: the cashier
reads what happened on the till, nothing half-done is saved, the sale stays on the screen
to be paid again, and no traceback goes only to stderr."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from conftest import CASHIER_PIN
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from uitools import TEA, press, signed_in

from loyaltypos.db import engine as engine_module
from loyaltypos.db import open_database
from loyaltypos.services import checkout, verify
from loyaltypos.services.refunds import recent_sales
from ui import app

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


@pytest.fixture
def quick_db(db_path, shop, goods, monkeypatch):
    """The shop's database opened as a till opens it, waiting only briefly for a lock."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    database = open_database(str(db_path))
    yield database
    database.dispose()


def test_a_locked_database_is_said_on_the_till_and_the_sale_waits(qtbot, quick_db, db_path,
                                                                  capfd):
    window = signed_in(qtbot, quick_db, "Kolya", CASHIER_PIN)
    t = window.till
    qtbot.keyClicks(t.scan, TEA + "\r")
    other_till = sqlite3.connect(db_path, isolation_level=None)
    other_till.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        press(qtbot, window, Qt.Key.Key_F10)
        assert "The database is busy" in t.message.text() or "database is busy" in \
            t.message.text(), t.message.text()
        assert "Nothing was saved" in t.message.text()
        assert t.cart.rowCount() == 1 and t.last_paid.text() == ""  # the sale waits
    finally:
        other_till.execute("ROLLBACK")
        other_till.close()
    assert recent_sales(quick_db) == []
    press(qtbot, window, Qt.Key.Key_F10)  # the lock is gone: the same sale is paid
    assert "Receipt 1 paid" in t.last_paid.text()
    assert len(recent_sales(quick_db)) == 1
    assert "Traceback" not in capfd.readouterr().err


def test_a_closed_connection_is_said_on_the_till(qtbot, quick_db, capfd):
    window = signed_in(qtbot, quick_db, "Kolya", CASHIER_PIN)
    t = window.till
    qtbot.keyClicks(t.scan, TEA + "\r")

    def closed(dbapi_connection, _record, _proxy):
        dbapi_connection.close()  # as if the file or the server went away

    event.listen(quick_db.engine, "checkout", closed)
    try:
        press(qtbot, window, Qt.Key.Key_F10)
    finally:
        event.remove(quick_db.engine, "checkout", closed)
    assert "connection to the database failed" in t.message.text(), t.message.text()
    assert t.cart.rowCount() == 1
    quick_db.engine.dispose()  # the broken connections go; new ones work
    press(qtbot, window, Qt.Key.Key_F10)
    assert "Receipt 1 paid" in t.last_paid.text()
    assert "Traceback" not in capfd.readouterr().err


def test_a_fault_of_the_program_goes_to_a_dialog_and_the_log(qtbot, quick_db, tmp_path,
                                                            monkeypatch, capfd):
    log_file = tmp_path / "logs" / "loyaltypos.log"
    root = logging.getLogger()
    before = list(root.handlers)
    written = app.set_up_logging(log_file)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda _parent, _title, text, *a: shown.append(text))
    try:
        window = signed_in(qtbot, quick_db, "Kolya", CASHIER_PIN)
        window.ops.log_file = written
        t = window.till
        qtbot.keyClicks(t.scan, TEA + "\r")
        real = checkout.checkout

        def broken(*_args, **_kw):
            raise RuntimeError("a bug in the payment code")

        monkeypatch.setattr(checkout, "checkout", broken)
        press(qtbot, window, Qt.Key.Key_F10)
        assert len(shown) == 1 and "a bug in the payment code" in shown[0]
        assert str(log_file) in shown[0]
        assert t.cart.rowCount() == 1  # the till keeps working: the sale is still there
        monkeypatch.setattr(checkout, "checkout", real)
        press(qtbot, window, Qt.Key.Key_F10)
        assert "Receipt 1 paid" in t.last_paid.text()
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: a bug in the payment code" in logged
    assert "Traceback" not in capfd.readouterr().err


def test_a_failed_ledger_check_says_so_instead_of_checking_forever(qtbot, quick_db,
                                                                  monkeypatch):
    def broken(_database):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(verify, "verify", broken)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda _parent, _title, text, *a: shown.append(text))
    window = signed_in(qtbot, quick_db, "Kolya", CASHIER_PIN)
    qtbot.waitUntil(lambda: "Checking" not in window.health.text())
    assert "Ledger not checked" in window.health.text()
    assert "disk I/O error" in window.health.text()


def test_a_server_that_does_not_answer_is_said_with_f10_and_the_cart_stays(
        qtbot, quick_db, monkeypatch, capfd):
    """After the services' own retries: the cashier reads that nothing was recorded and
    that F10 tries again; the sale is still on the screen and is paid once F10 works."""
    window = signed_in(qtbot, quick_db, "Kolya", CASHIER_PIN)
    t = window.till
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClicks(QApplication.focusWidget(), TEA + "\r")  # where a scanner would type
    real = checkout.checkout

    def server_gone(*_args, **_kwargs):
        raise OperationalError("INSERT INTO sales", {}, _NoAnswer(
            "connection failed: Connection refused"))

    monkeypatch.setattr(checkout, "checkout", server_gone)
    press(qtbot, window, Qt.Key.Key_F10)
    assert t.message.text() == \
        "Not recorded: the server does not answer, press F10 to try again.", t.message.text()
    assert t.cart.rowCount() == 1 and t.last_paid.text() == ""
    assert recent_sales(quick_db) == []
    monkeypatch.setattr(checkout, "checkout", real)
    press(qtbot, window, Qt.Key.Key_F10)
    assert "Receipt 1 paid" in t.last_paid.text()
    assert len(recent_sales(quick_db)) == 1
    assert "Traceback" not in capfd.readouterr().err


class _NoAnswer(psycopg.OperationalError):
    """What psycopg raises when the server cannot be reached: no SQL state."""
