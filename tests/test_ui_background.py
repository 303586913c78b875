"""Slow work runs off the UI thread: the till keeps answering while cards are issued and
laid out, a long job can be cancelled, and printing renders pages at the printer's need.
Also: the refund dialog shows sale times in the shop's local time."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
from conftest import MANAGER_PIN
from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrinter
from uitools import TEA

from loyaltypos.domain import clock
from loyaltypos.services import cards
from loyaltypos.services.days import day_summary
from loyaltypos.services.users import sign_in
from ui.dialogs.card_batch import CardBatchDialog
from ui.dialogs.refund import RefundDialog
from ui.printing import MAX_DPI, render_dpi

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


def test_the_till_keeps_answering_while_a_batch_is_issued_and_laid_out(qtbot, db, till,
                                                                       tmp_path):
    ticks = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    dialog = CardBatchDialog(till.ops, till)
    qtbot.addWidget(dialog)
    dialog.count.setValue(400)
    dialog.path.setText(str(tmp_path / "cards.pdf"))
    timer.start()
    started = time.monotonic()
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=60_000)
    took = time.monotonic() - started
    timer.stop()
    assert dialog.written.cards == 400 and dialog.written.pages == 80
    # The event loop ran all along: no gap between ticks near the length of the job.
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 5 and max(gaps) < max(0.5, took / 3), (took, max(gaps))
    assert day_summary(db).new_cards["bearer"] == 400


def test_a_cancelled_layout_keeps_the_issued_cards_and_writes_no_pdf(qtbot, db, till,
                                                                     tmp_path):
    dialog = CardBatchDialog(till.ops, till)
    qtbot.addWidget(dialog)
    dialog.count.setValue(600)
    target = tmp_path / "cards.pdf"
    dialog.path.setText(str(target))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.bar.value() > 0, timeout=60_000)
    dialog.stop.click()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    assert not target.exists() and list(tmp_path.glob(".cards.pdf*")) == []
    assert "600 cards were issued but the PDF was not written" in dialog.status.text()
    assert "cancelled" in dialog.status.text().lower()
    assert day_summary(db).new_cards["bearer"] == 600  # issued cards are facts: kept
    assert dialog.go.isEnabled()


def test_pages_are_rendered_at_the_printers_resolution_capped(qtbot):
    office = QPrinter(QPrinter.PrinterMode.HighResolution)
    office.setResolution(1200)
    assert render_dpi(office) == MAX_DPI == 300
    thermal = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    thermal.setResolution(203)
    assert render_dpi(thermal) == 203


def test_the_refund_dialog_shows_sale_times_in_local_time(qtbot, db, till, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Yekaterinburg")  # UTC+5, no summer time
    time.tzset()
    try:
        with clock.frozen_at(dt.datetime(2026, 11, 28, 7, 0)):  # the day opens at 07:00 UTC
            card = cards.issue_cards(db, actor=till.ops.actor, kind="bearer")[0]
        qtbot.keyClicks(till.till.scan, card.number + "\r")
        qtbot.keyClicks(till.till.scan, TEA + "\r")
        with clock.frozen_at(dt.datetime(2026, 11, 28, 7, 30)):  # 07:30 UTC
            till.till.pay_card()
        manager = sign_in(db, name="Maria", pin=MANAGER_PIN)
        dialog = RefundDialog(till.ops, manager, "RUB", till)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.card, card.number + "\r")
        assert dialog.sales.item(0, 1).text() .replace("\u202f", " ") == "Nov 28, 2026 12:30 PM"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
