"""The till part: from the last key of a scan to the customer panel drawn.

Runs the real window (``ui.main_window.MainWindow``) on Qt's offscreen platform,
signed in as the shop's manager. For each scan the 13 digits are typed into the
scan field (not timed); the clock runs from sending Return until the customer
panel has been repainted synchronously and the pending events (layout, the
window's paint) have been processed.

PySide6 and the UI are imported inside :func:`measure_till`, after
``QT_QPA_PLATFORM=offscreen`` is set.

It also reports how many references to ``None`` each scan lost: PySide6 6.12.0
on Python 3.11 lost about 60 per scan and aborted the till after some 550 scans
(the project now pins PySide6 below 6.12; tests/test_qt_refcounts.py guards it).
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from pathlib import Path

from bench.measure import ms_stats

MANAGER_NAME = "Bench Manager"  # what bench.data.create_shop creates
MANAGER_PIN = "123456"


def _read_codes(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The active cards' numbers, and the active products' (code, name) if there are any."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        numbers = [n for (n,) in conn.execute("SELECT number FROM cards WHERE status = 'active'")]
        has_products = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'products'").fetchone()
        goods = list(conn.execute("SELECT code, name FROM products WHERE active"
                                  " ORDER BY code")) if has_products else []
    return numbers, goods


def measure_till(path: Path, *, n_scans: int, warmup: int, seed: int, settings_dir: Path) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import (
        QEvent,
        QObject,
        QSettings,
        Qt,
        QThreadPool,
        QtMsgType,
        qInstallMessageHandler,
    )
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLabel, QWidget

    from loyaltypos.db import open_database
    from loyaltypos.domain import cardnumbers
    from loyaltypos.services import users
    from ui.main_window import MainWindow

    class PaintCounter(QObject):
        def __init__(self, widget: QWidget) -> None:
            super().__init__(widget)
            self.paints = 0
            widget.installEventFilter(self)

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.paints += 1
            return False

    def quiet(kind: QtMsgType, _context, message: str) -> None:
        # The offscreen platform warns about a window feature it lacks, once per window.
        if "does not support propagateSizeHints" not in message:
            print(f"qt {kind.name}: {message}", file=sys.stderr)

    qInstallMessageHandler(quiet)
    rng = random.Random(seed)
    numbers, goods = _read_codes(path)
    picks = [rng.choice(numbers) for _ in range(warmup + n_scans)]
    del numbers

    # The window keeps its geometry in QSettings: keep the bench's away from the user's.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    app = QApplication.instance() or QApplication(["loyaltypos-bench"])
    app.setOrganizationName("LoyaltyPOS-bench")
    app.setApplicationName("LoyaltyPOS-bench")

    t0 = time.perf_counter()
    db = open_database(str(path))
    window = MainWindow(db)
    window.show()
    if not QTest.qWaitForWindowExposed(window, 5_000):
        raise RuntimeError("the offscreen window was never exposed")
    actor = users.sign_in(db, name=MANAGER_NAME, pin=MANAGER_PIN)
    window.ops.sign_in(actor)
    app.processEvents()
    till = window.till
    if window.stack.currentWidget() is not till:
        raise RuntimeError("signing in did not show the till")
    shown_s = time.perf_counter() - t0
    # Signing in starts the ledger check on a worker thread; it would hold the GIL
    # during the first scans, so let it finish first.
    t1 = time.perf_counter()
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    ledger_check_s = time.perf_counter() - t1
    health = window.health.text()

    panel = till.customer
    counter = PaintCounter(panel)

    def panel_text() -> str:
        return " ".join(label.text() for label in panel.findChildren(QLabel))

    def scan_card(number: str) -> float:
        QTest.keyClicks(till.scan, number)  # a scanner's burst, not timed
        app.processEvents()
        if till.scan.text() != number:
            raise RuntimeError(f"the scan field holds {till.scan.text()!r}, not {number}")
        paints = counter.paints
        start = time.perf_counter()
        QTest.keyClick(till.scan, Qt.Key.Key_Return)
        panel.repaint()
        app.processEvents()
        elapsed = time.perf_counter() - start
        if cardnumbers.masked(number) not in panel_text():
            raise RuntimeError(f"after scanning {number} the customer panel shows"
                               f" {panel_text()!r}")
        if counter.paints == paints:
            raise RuntimeError(f"the customer panel was not painted after scanning {number}")
        return elapsed

    first = scan_card(picks[0])
    for number in picks[1:warmup]:
        scan_card(number)
    none_before = sys.getrefcount(None)
    times = [scan_card(number) for number in picks[warmup:]]
    none_lost = (none_before - sys.getrefcount(None)) / n_scans
    result = {"scans": n_scans, "warmup_scans": warmup, "first_ms": first * 1000,
              "window_shown_s": shown_s, "ledger_check_s": ledger_check_s,
              "ledger_health": health, "platform": app.platformName(),
              "panel_paints": counter.paints, "none_refs_lost_per_scan": none_lost,
              **ms_stats(times)}

    # Optional: the same number of scans of a product code (one line in the cart each time).
    if goods:
        cart = till.cart
        product_picks = [rng.choice(goods) for _ in range(warmup + n_scans)]

        def scan_product(code: str, name: str) -> float:
            till.new_sale()  # an empty cart each time, not timed
            QTest.keyClicks(till.scan, code)
            app.processEvents()
            start = time.perf_counter()
            QTest.keyClick(till.scan, Qt.Key.Key_Return)
            cart.repaint()
            app.processEvents()
            elapsed = time.perf_counter() - start
            item = cart.item(0, 0)
            if cart.rowCount() != 1 or item is None or not item.text().startswith(name):
                raise RuntimeError(f"after scanning product {code} the cart does not show {name}")
            return elapsed

        for code, name in product_picks[:warmup]:
            scan_product(code, name)
        product_times = [scan_product(code, name) for code, name in product_picks[warmup:]]
        result["products"] = {"catalog": len(goods), **ms_stats(product_times)}
    else:
        result["products"] = None

    window.close()
    app.processEvents()
    db.dispose()
    return result
