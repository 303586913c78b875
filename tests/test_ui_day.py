"""The end-of-day window: its figures are the sums of the sales written, and it closes the day."""

from __future__ import annotations

import csv
import subprocess

import pytest
from conftest import MANAGER_PIN, line, personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from uitools import field, on_dialog, press, signed_in

from loyaltypos.domain.money import fmt, fmt_display
from loyaltypos.services import cards, checkout, days
from loyaltypos.services.refunds import refund
from ui.dialogs.day import CloseDayDialog

pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


@pytest.fixture
def window(qtbot, db, shop):
    return signed_in(qtbot, db, "Maria", MANAGER_PIN)


@pytest.fixture
def sales(db, manager, cashier):
    card = personal(db, cashier, name="Day Customer")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=10_000, reason="gift")
    done = [
        checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(),
                          card_number=card.number, lines=[line("a", 2, 30_000)],
                          redeem=10_000, payments=[checkout.PaymentInput("card")]),
        checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(),
                          lines=[line("b", 1, 12_345)],
                          payments=[checkout.PaymentInput("cash", tendered=20_000)]),
    ]
    refund(db, actor=manager, sale_id=done[1].sale_id)
    return done


def value(window, name: str) -> str:
    return window.day.findChild(QLabel, name).text()


def test_f11_shows_the_days_figures_as_the_sums_of_its_sales(qtbot, db, window, sales):
    press(qtbot, window, Qt.Key.Key_F11)
    assert window.stack.currentWidget() is window.day
    money = lambda units: fmt_display(units, "RUB")  # noqa: E731
    assert value(window, "daySales") == "2"
    assert value(window, "dayNet") == money(sum(s.subtotal - s.discount for s in sales))
    assert value(window, "dayDiscount") == money(sum(s.discount for s in sales))
    assert value(window, "dayRedeemed") == money(10_000)
    assert value(window, "dayCashbackEarned") == money(sum(s.cashback for s in sales))
    assert value(window, "dayExpectedCash") == money(0)  # the cash sale was refunded in cash
    assert value(window, "dayCardTotal") == money(sales[0].paid)
    assert value(window, "dayLiability") == money(sales[0].balance)
    assert window.day.top_table.item(0, 1).text() == "Day Customer"
    assert window.day.hours_chart.series() and window.day.liability_chart.series()


def test_closing_from_the_window_records_the_count_and_freezes_the_day(qtbot, db, window,
                                                                        sales, tmp_path):
    window.go_to(window.day)

    def count(dialog):
        field(dialog, "closeCounted").setText("5")
        assert dialog.difference.text() == fmt_display(500, "RUB")
        dialog.print_now.setChecked(False)
        dialog.accept()

    on_dialog(qtbot, count, CloseDayDialog)
    window.day.close_button.click()
    summary = window.day.summary
    assert summary.closed and summary.z_number == 1 and summary.counted_cash == 500
    assert "closed, Z 1" in window.day.title.text()
    assert not window.day.close_button.isEnabled()
    assert days.z_report(db, z_number=1) == summary
    # then, off the UI thread, the customers' standing for the till is worked out anew
    qtbot.waitUntil(lambda: not window.ops.busy)
    from loyaltypos.services import cards as card_service
    standing = card_service.scan_card(db, number=sales[0].card).standing
    assert standing.step == "buyer" and standing.as_of == summary.date

    # the Z report's PDF says what the window says
    from loyaltypos.documents.z_report import write_z_pdf

    pdf = write_z_pdf(summary, tmp_path / "z.pdf", shop="Test shop", currency="RUB")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for figure in (summary.subtotal - summary.discount, summary.cashback_earned,
                   summary.liability_total, summary.paid_by["card"]):
        assert fmt(figure, "RUB") in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "z")], check=True)
    from PIL import Image

    page = Image.open(next(tmp_path.glob("z*.png"))).convert("L")
    assert page.getextrema()[0] < 100  # the page renders with ink on it, not blank

    window.day.export(folder=str(tmp_path / "csv"))  # written off the UI thread
    qtbot.waitUntil(lambda: "sales (2 rows)" in window.day.details.text())
    with open(tmp_path / "csv" / "sales.csv", encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 2
    assert "sales (2 rows)" in window.day.details.text()

