"""The end-of-day summary: the day's figures large and clear, charts, and closing the day.

Every figure comes from ``days.day_summary`` (a closed day's frozen Z report); the
screen only lays them out. Charts use QtCharts with integer minor units turned into
Decimal text for labels; bar heights are the only place amounts become plot values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import fmt, fmt_display, parse_amount
from loyaltypos.services import days, store
from loyaltypos.services.export import export_range
from ui import printing
from ui.dialogs import _named
from ui.ops import Ops

BIG = "font-size: 20pt; font-weight: bold;"


def _plot(units: int) -> float:
    """Minor units to a chart height (charts draw in floating point; figures never do)."""
    return float(Decimal(units) / 100)


class _Figure(QWidget):
    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        self.value = QLabel(objectName=name)
        self.value.setStyleSheet(BIG)
        self.value.setAccessibleName(title)
        self.note = QLabel()
        self.note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(QLabel(title))
        layout.addWidget(self.value)
        layout.addWidget(self.note)


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return chart, view


def _clear(chart: QChart) -> None:
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


class DayScreen(QWidget):
    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.summary: days.DaySummary | None = None
        self.currency = "RUB"

        self.date = _named(QDateEdit(calendarPopup=True), "dayDate")
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.dateChanged.connect(self._date_chosen)
        today = _named(QPushButton("Open day"), "dayToday")
        today.clicked.connect(lambda: self.show_day(None))
        self.title = _named(QLabel(), "dayTitle")
        self.close_button = _named(QPushButton("Close the day (manager)..."), "closeDayButton")
        self.close_button.clicked.connect(self.close_day)
        export = _named(QPushButton("Export to CSV..."), "exportButton")
        export.clicked.connect(self.export)
        print_button = _named(QPushButton("Print the report"), "printReportButton")
        print_button.clicked.connect(self.print_report)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Day"))
        top.addWidget(self.date)
        top.addWidget(today)
        top.addWidget(export)
        top.addWidget(print_button)
        top.addWidget(self.close_button)

        self.figures = {}
        grid = QGridLayout()
        specs = (("sales", "Sales", "daySales"), ("net", "Sold (after discounts)", "dayNet"),
                 ("discount", "Discounts given", "dayDiscount"),
                 ("redeemed", "Paid with cashback", "dayRedeemed"),
                 ("earned", "Cashback earned", "dayCashbackEarned"),
                 ("liability", "Cashback owed to customers", "dayLiability"),
                 ("cash", "Cash in the drawer", "dayExpectedCash"),
                 ("card", "Bank cards", "dayCardTotal"),
                 ("average", "Average check", "dayAverageCheck"))
        for i, (key, label, name) in enumerate(specs):
            self.figures[key] = _Figure(label, name)
            grid.addWidget(self.figures[key], i // 3, i % 3)

        self.hours_chart, hours_view = _chart("Sales per hour")
        self.tier_chart, tier_view = _chart("Sales by tier")
        self.pay_chart, pay_view = _chart("Money by payment method")
        self.liability_chart, liability_view = _chart("Cashback owed, last 30 days")
        charts = QGridLayout()
        charts.addWidget(hours_view, 0, 0)
        charts.addWidget(tier_view, 0, 1)
        charts.addWidget(pay_view, 1, 0)
        charts.addWidget(liability_view, 1, 1)

        self.top_table = _named(QTableWidget(0, 3), "dayTopCustomers")
        self.top_table.setHorizontalHeaderLabels(("Card", "Customer", "Paid"))
        self.top_table.verticalHeader().setVisible(False)
        self.top_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.top_table.setMinimumWidth(360)
        self.details = _named(QLabel(), "dayDetails")
        self.details.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(QLabel("Top customers"))
        side.addWidget(self.top_table)
        side.addWidget(self.details, 1)
        middle = QHBoxLayout()
        middle.addLayout(charts, 3)
        middle.addLayout(side, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addLayout(middle, 1)

    # ---------------------------------------------------------------- showing a day

    def _date_chosen(self, qdate: QDate) -> None:
        chosen = dt.date(qdate.year(), qdate.month(), qdate.day())
        if self.summary is None or chosen != self.summary.date:
            self.show_day(chosen)

    def refresh(self) -> None:
        self.show_day(self.summary.date if self.summary and self.summary.closed else None)

    def show_day(self, date: dt.date | None) -> None:
        self.currency = store.program_in_force(self.ops.database).currency
        summary = self.ops.run(self, lambda: days.day_summary(self.ops.database, date=date),
                               show=self.details.setText)
        if summary is None:
            return
        self.summary = summary
        self.date.blockSignals(True)
        self.date.setDate(QDate(summary.date.year, summary.date.month, summary.date.day))
        self.date.blockSignals(False)
        self._draw(summary)

    def _draw(self, s: days.DaySummary) -> None:
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        state = (f"closed, Z {s.z_number}" if s.closed else "open")
        self.title.setText(f"<h2>Business day {s.date.isoformat()} - {state}</h2>")
        self.close_button.setEnabled(not s.closed and s.day_id is not None)
        f = self.figures
        f["sales"].value.setText(str(s.sales))
        f["sales"].note.setText(f"{s.refunds} refunds, {money(s.money_back)} given back")
        f["net"].value.setText(money(s.subtotal - s.discount))
        f["net"].note.setText(f"subtotal {money(s.subtotal)}")
        f["discount"].value.setText(money(s.discount))
        f["redeemed"].value.setText(money(s.redeemed))
        f["earned"].value.setText(money(s.cashback_earned))
        f["earned"].note.setText(f"reversed {money(s.cashback_reversed)}, "
                                 f"restored {money(s.cashback_restored)}")
        f["liability"].value.setText(money(s.liability_total))
        sign = "+" if s.liability_change >= 0 else ""
        f["liability"].note.setText(f"{sign}{money(s.liability_change)} today")
        f["cash"].value.setText(money(s.expected_cash))
        f["cash"].note.setText(
            f"counted {money(s.counted_cash)}, difference {money(s.cash_difference)}"
            if s.counted_cash is not None else "expected, net of refunds")
        f["card"].value.setText(money(s.paid_by.get("card", 0)))
        f["average"].value.setText(money(s.average_check))
        self.details.setText(
            f"New cards: {s.new_cards.get('personal', 0)} personal, "
            f"{s.new_cards.get('bearer', 0)} bearer. Manual adjustments: "
            f"{money(s.adjustments)}.")
        self.top_table.setRowCount(len(s.top_customers))
        for row, top in enumerate(s.top_customers):
            for col, value in enumerate((top.card[-4:].rjust(8, "\u2022"),
                                         top.name or "Bearer card", money(top.paid))):
                self.top_table.setItem(row, col, QTableWidgetItem(value))
        self._draw_hours(s)
        self._draw_tiers(s)
        self._draw_payments(s)
        self._draw_liability()

    def _draw_hours(self, s: days.DaySummary) -> None:
        chart = self.hours_chart
        _clear(chart)
        hours = [f"{h:02d}" for h in range(24) if f"{h:02d}" in s.hours] or ["-"]
        bars = QBarSet(f"Sold, {self.currency}")
        for hour in hours:
            bars.append(_plot(s.hours.get(hour, 0)))
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(hours)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setLabelFormat("%.0f")
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
        chart.legend().setVisible(False)

    def _draw_tiers(self, s: days.DaySummary) -> None:
        self.tier_chart.removeAllSeries()
        pie = QPieSeries()
        for name, line in s.tiers.items():
            if line.subtotal:
                part = pie.append(f"{name} ({line.sales})", _plot(line.subtotal - line.discount))
                part.setLabelVisible(True)
        self.tier_chart.addSeries(pie)

    def _draw_payments(self, s: days.DaySummary) -> None:
        self.pay_chart.removeAllSeries()
        pie = QPieSeries()
        for method, amount in s.paid_by.items():
            if amount > 0:
                part = pie.append(f"{method} {fmt(amount, self.currency)}", _plot(amount))
                part.setLabelVisible(True)
        self.pay_chart.addSeries(pie)

    def _draw_liability(self) -> None:
        chart = self.liability_chart
        _clear(chart)
        history = days.liability_history(self.ops.database, days=30)
        series = QLineSeries()
        labels = []
        for i, (date, total) in enumerate(history):
            series.append(i, _plot(total))
            labels.append(date.strftime("%d.%m"))
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(labels or ["-"])
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setLabelFormat("%.0f")
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
        chart.legend().setVisible(False)

    # ---------------------------------------------------------------- closing and exporting

    def close_day(self) -> None:
        if self.summary is None or self.summary.closed:
            return
        manager = self.ops.manager(self, "closing the day")
        if manager is None:
            return
        dialog = CloseDayDialog(self.ops, manager, self.summary, self.currency, self)
        if dialog.exec() and dialog.closed is not None:
            self.summary = dialog.closed
            self._draw(dialog.closed)
            self.ops.changed.emit("day")
            if dialog.print_now.isChecked():
                self.print_report()

    def print_report(self) -> None:
        """Print the shown day's report: Z when it is closed, X while it is open."""
        if self.summary is None:
            return
        shop = store.program_in_force(self.ops.database).name
        done = self.ops.run(self, lambda: printing.print_report(
            self, self.summary, shop=shop, currency=self.currency), show=self.details.setText)
        if done is not None:
            self.details.setText(f"Report {done}")

    def export(self, folder: str | None = None) -> None:
        """Export the chosen range of days to CSV files for the accountant."""
        if self.summary is None:
            return
        dialog = ExportDialog(self.summary.date, self)
        if folder is not None:
            dialog.folder.setText(folder)
        elif not dialog.exec():
            return
        done = self.ops.run(self, lambda: export_range(
            self.ops.database, start=dialog.start(), end=dialog.end(),
            folder=dialog.folder.text(), delimiter=dialog.separator.currentData()),
            show=self.details.setText)
        if done is not None:
            self.details.setText("Exported to " + dialog.folder.text() + ": " + ", ".join(
                f"{name} ({count} rows)" for name, count in done.rows.items()))


class ExportDialog(QDialog):
    """A range of business days and a folder."""

    def __init__(self, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export to CSV")
        qday = QDate(day.year, day.month, day.day)
        self.first = _named(QDateEdit(qday, calendarPopup=True), "exportFrom")
        self.last = _named(QDateEdit(qday, calendarPopup=True), "exportTo")
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.folder = _named(QLineEdit(str(Path.home() / "loyaltypos-export")), "exportFolder")
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.folder)
        where.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("From", self.first)
        form.addRow("To", self.last)
        form.addRow("Folder", where)
        self.separator = _named(QComboBox(), "exportSeparator")
        self.separator.addItem("semicolon ; (Excel in Russian, German, French...)", ";")
        self.separator.addItem("comma ,", ",")
        form.addRow("Separator", self.separator)
        form.addRow(QLabel("sales, lines, payments, refunds and ledger entries as CSV"))
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to which folder?",
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def start(self) -> dt.date:
        return self.first.date().toPython()

    def end(self) -> dt.date:
        return self.last.date().toPython()


class CloseDayDialog(QDialog):
    """Shows the cash expected in the drawer, takes the counted cash, closes the day."""

    def __init__(self, ops, manager, summary: days.DaySummary, currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Close the business day")
        self.ops, self.manager, self.currency = ops, manager, currency
        self.expected = summary.expected_cash
        self.closed: days.DaySummary | None = None
        self.counted = _named(QLineEdit(fmt(summary.expected_cash, currency)), "closeCounted")
        self.counted.selectAll()
        self.difference = _named(QLabel(), "closeDifference")
        self.error = _named(QLabel(), "closeError")
        self.error.setStyleSheet("color: #b00020;")
        self.print_now = _named(QCheckBox("Print the Z report"), "closePrint")
        self.print_now.setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        confirm = buttons.addButton("Close the day", QDialogButtonBox.ButtonRole.AcceptRole)
        confirm.setObjectName("closeConfirm")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Business day {summary.date.isoformat()}: {summary.sales} sales. "
                           "Once closed, nothing can be added to it or changed."))
        form.addRow("Cash expected", QLabel(f"<b>{fmt_display(self.expected, currency)}</b>"))
        form.addRow("Cash counted", self.counted)
        form.addRow("Difference", self.difference)
        form.addRow("", self.print_now)
        form.addRow(self.error)
        form.addRow(buttons)
        self.counted.textChanged.connect(self._show_difference)
        self._show_difference()

    def _show_difference(self) -> None:
        try:
            counted = parse_amount(self.counted.text() or "0", self.currency)
        except Refused:
            self.difference.setText("")
            return
        self.difference.setText(fmt_display(counted - self.expected, self.currency))

    def accept(self) -> None:
        try:
            counted = parse_amount(self.counted.text(), self.currency)
            self.closed = days.close_day(self.ops.database, actor=self.manager,
                                         counted_cash=counted)
        except Refused as exc:
            self.error.setText(str(exc)[:1].upper() + str(exc)[1:])
            return
        super().accept()
