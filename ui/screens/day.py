"""The end-of-day summary: the day's figures large and clear, charts, and closing the day.

Every figure comes from ``days.day_summary`` (a closed day's frozen Z report); the
screen only lays them out. Charts use QtCharts with integer minor units turned into
Decimal text for labels; bar heights are the only place amounts become plot values.
"""

from __future__ import annotations

import datetime as dt
from html import escape

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
from PySide6.QtCore import QDate, QMargins, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.cardnumbers import masked
from loyaltypos.domain.day_summary import DaySummary, tier_label
from loyaltypos.domain.i18n import N_, _, date_text, ngettext
from loyaltypos.domain.money import fmt_amount, fmt_display, to_decimal
from loyaltypos.services import days, insight, store
from loyaltypos.services.export import export_range
from ui import language as ui_language
from ui import printing
from ui.dialogs.base import named as _named
from ui.dialogs.day import CloseDayDialog, ExportDialog
from ui.ops import Change, Ops

FIGURES = (("sales", N_("Sales"), "daySales"), ("net", N_("Sold (after discounts)"), "dayNet"),
           ("discount", N_("Discounts given"), "dayDiscount"),
           ("redeemed", N_("Paid with cashback"), "dayRedeemed"),
           ("earned", N_("Cashback earned"), "dayCashbackEarned"),
           ("liability", N_("Cashback owed to customers"), "dayLiability"),
           ("cash", N_("Cash in the drawer"), "dayExpectedCash"),
           ("card", N_("Bank cards"), "dayCardTotal"),
           ("average", N_("Average check"), "dayAverageCheck"))
BIG = "font-size: 20pt; font-weight: bold;"
BONUSES = {"welcome": N_("Welcome bonuses: {amount}."), "stamps": N_("Stamp bonuses: {amount}."),
           "birthday": N_("Birthday bonuses: {amount}."),
           "referral": N_("Referral bonuses: {amount}.")}


def _plot(units: int, currency: str) -> float:
    """Minor units to a chart height in whole units of ``currency`` (charts draw in floating
    point; figures never do)."""
    return float(to_decimal(units, currency))


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
    back = Signal()  # Esc, F2 or the button: back to the till

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.summary: DaySummary | None = None
        self.currency = ""  # the shop's, read when the screen is shown

        self.date = _named(QDateEdit(calendarPopup=True), "dayDate")
        self.date.setDisplayFormat(ui_language.date_edit_format())
        self.date.dateChanged.connect(self._date_chosen)
        today = _named(QPushButton(_("Show the open day")), "dayToday")
        today.clicked.connect(lambda: self.show_day(None))
        self.title = _named(QLabel(), "dayTitle")
        self.close_button = _named(QPushButton(_("Close the day (manager)...")), "closeDayButton")
        self.close_button.clicked.connect(self.close_day)
        export = _named(QPushButton(_("Export to CSV...")), "exportButton")
        export.clicked.connect(self.export)
        print_button = _named(QPushButton(_("Print the report")), "printReportButton")
        print_button.clicked.connect(self.print_report)
        back = _named(QPushButton(_("Back to the till (Esc)")), "dayBack")
        back.clicked.connect(self.back)
        for key in ("Esc", "F2"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.back)
        top = QHBoxLayout()  # the day's title on a line of its own, the controls under it
        top.addWidget(back)
        top.addWidget(QLabel(_("Day")))
        top.addWidget(self.date)
        top.addWidget(today)
        top.addWidget(export)
        top.addWidget(print_button)
        top.addWidget(self.close_button)
        top.addStretch(1)

        self.figures = {}
        grid = QGridLayout()
        for i, (key, label, name) in enumerate(FIGURES):
            self.figures[key] = _Figure(_(label), name)
            grid.addWidget(self.figures[key], i // 3, i % 3)

        self.hours_chart, hours_view = _chart(_("Sales per hour"))
        self.tier_chart, tier_view = _chart(_("Sales by tier"))
        self.pay_chart, pay_view = _chart(_("Money by payment method"))
        self.liability_chart, liability_view = _chart(_("Cashback owed, last 30 days"))
        charts = QGridLayout()
        charts.addWidget(hours_view, 0, 0)
        charts.addWidget(tier_view, 0, 1)
        charts.addWidget(pay_view, 1, 0)
        charts.addWidget(liability_view, 1, 1)

        self.top_table = _named(QTableWidget(0, 3), "dayTopCustomers")
        self.top_table.setHorizontalHeaderLabels((_("Card"), _("Customer"), _("Paid")))
        self.top_table.verticalHeader().setVisible(False)
        self.top_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.top_table.setMinimumWidth(360)
        self.details = _named(QLabel(), "dayDetails")
        self.details.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(QLabel(_("Top customers")))
        side.addWidget(self.top_table)
        side.addWidget(self.details, 1)
        middle = QHBoxLayout()
        middle.addLayout(charts, 3)
        middle.addLayout(side, 1)

        # The screen scrolls rather than grow past a small till screen (1024 x 768).
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addLayout(middle, 1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # ---------------------------------------------------------------- showing a day

    def _date_chosen(self, qdate: QDate) -> None:
        chosen = dt.date(qdate.year(), qdate.month(), qdate.day())
        if self.summary is None or chosen != self.summary.date:
            self.show_day(chosen)

    def refresh(self) -> None:
        self.show_day(self.summary.date if self.summary and self.summary.closed else None)

    def shown(self) -> None:
        """Called when the screen is shown: the open day, as it is now."""
        self.show_day(None)

    def on_changed(self, changes: Change) -> None:
        if changes & (Change.SALES | Change.DAY | Change.CARDS) and self.isVisible():
            self.refresh()

    def show_day(self, date: dt.date | None) -> None:
        def read() -> tuple[str, DaySummary, list]:
            currency = store.program_in_force(self.ops.database).currency
            return (currency, days.day_summary(self.ops.database, date=date),
                    days.liability_history(self.ops.database, days=30))

        found = self.ops.run(self, read, show=self.details.setText)
        if found is None:
            return
        self.currency, summary, self.liability = found
        self.summary = summary
        self.date.blockSignals(True)
        self.date.setDate(QDate(summary.date.year, summary.date.month, summary.date.day))
        self.date.blockSignals(False)
        self._draw(summary)

    def _draw(self, s: DaySummary) -> None:
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        state = (_("closed, Z {number}").format(number=s.z_number) if s.closed else _("open"))
        self.title.setText("<h2>" + escape(_("Business day {date} - {state}").format(
            date=date_text(s.date), state=state)) + "</h2>")
        self.close_button.setEnabled(not s.closed and s.day_id is not None)
        f = self.figures
        f["sales"].value.setText(str(s.sales))
        f["sales"].note.setText(ngettext("{n} refund, {amount} given back",
                                          "{n} refunds, {amount} given back", s.refunds)
                                 .format(n=s.refunds, amount=money(s.money_back)))
        f["net"].value.setText(money(s.subtotal - s.discount))
        f["net"].note.setText(_("subtotal {amount}").format(amount=money(s.subtotal)))
        f["discount"].value.setText(money(s.discount))
        f["redeemed"].value.setText(money(s.redeemed))
        f["earned"].value.setText(money(s.cashback_earned))
        f["earned"].note.setText(_("reversed {reversed}, restored {restored}").format(
            reversed=money(s.cashback_reversed), restored=money(s.cashback_restored)))
        f["liability"].value.setText(money(s.liability_total))
        sign = "+" if s.liability_change >= 0 else ""
        change = _("{change} today").format(change=sign + money(s.liability_change))
        if s.expired:  # the total is what is left after the day's expiry
            change = _("{change} today, after {expired} expired").format(
                change=sign + money(s.liability_change), expired=money(s.expired))
        f["liability"].note.setText(change)
        f["cash"].value.setText(money(s.expected_cash))
        f["cash"].note.setText(
            _("counted {counted}, difference {difference}").format(
                counted=money(s.counted_cash), difference=money(s.cash_difference))
            if s.counted_cash is not None else _("expected, net of refunds")
            if s.expected_cash >= 0 else _("below zero: refunds paid out more cash than the"
                                           " day's sales took in"))
        f["card"].value.setText(money(s.paid_by.get("card", 0)))
        f["average"].value.setText(money(s.average_check))
        details = _("New cards: {personal} personal, {bearer} bearer. Manual"
                    " adjustments: {adjustments}.").format(
            personal=s.new_cards.get("personal", 0), bearer=s.new_cards.get("bearer", 0),
            adjustments=money(s.adjustments))
        for kind, label in BONUSES.items():
            if s.bonuses.get(kind):
                details += " " + _(label).format(amount=money(s.bonuses[kind]))
        if s.gifts:
            details += " " + ngettext("Gifts given: {n}, worth {value}.",
                                      "Gifts given: {n}, worth {value}.", s.gifts).format(
                n=s.gifts, value=money(s.gifts_value))
        if s.rewards_taken_back:
            details += " " + _("Rewards taken back by refunds: {amount}.").format(
                amount=money(s.rewards_taken_back))
        if s.expired:
            details += " " + _("Cashback expired: {amount}.").format(amount=money(s.expired))
        self.details.setText(details)
        self.top_table.setRowCount(len(s.top_customers))
        for row, top in enumerate(s.top_customers):
            for col, value in enumerate((masked(top.card),
                                         top.name or _("Bearer card"), money(top.paid))):
                self.top_table.setItem(row, col, QTableWidgetItem(value))
        self._draw_hours(s)
        self._draw_tiers(s)
        self._draw_payments(s)
        self._draw_liability()

    def _draw_hours(self, s: DaySummary) -> None:
        chart = self.hours_chart
        _clear(chart)
        hours = [f"{h:02d}" for h in range(24) if f"{h:02d}" in s.hours] or ["-"]
        bars = QBarSet(_("Sold, {currency}").format(currency=self.currency))
        for hour in hours:
            bars.append(_plot(s.hours.get(hour, 0), self.currency))
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

    def _draw_tiers(self, s: DaySummary) -> None:
        self.tier_chart.removeAllSeries()
        pie = QPieSeries()
        for name, line in s.tiers.items():
            if line.subtotal:
                # named in the legend under the pie: a label beside a thin slice falls
                # outside the chart and shows as an empty line
                pie.append(f"{tier_label(name)} ({line.sales})",
                           _plot(line.subtotal - line.discount, self.currency))
        self.tier_chart.addSeries(pie)

    def _draw_payments(self, s: DaySummary) -> None:
        self.pay_chart.removeAllSeries()
        pie = QPieSeries()
        for method, amount in s.paid_by.items():
            if amount > 0:
                pie.append(f"{_(method)} {fmt_amount(amount, self.currency)}",
                           _plot(amount, self.currency))
        self.pay_chart.addSeries(pie)

    def _draw_liability(self) -> None:
        chart = self.liability_chart
        _clear(chart)
        history = self.liability
        series = QLineSeries()
        labels = []
        for i, (date, total) in enumerate(history):
            series.append(i, _plot(total, self.currency))
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
        manager = self.ops.manager(self, _("closing the day"))
        if manager is None:
            return
        dialog = CloseDayDialog(self.ops, manager, self.summary, self.currency, self)
        if dialog.exec() and dialog.closed is not None:
            self.summary = dialog.closed
            self._draw(dialog.closed)
            self._refresh_insight(dialog.closed.date)
            if dialog.print_now.isChecked():
                self.print_report()

    def _refresh_insight(self, date) -> None:
        """Work out every customer's standing for the till anew, off the UI thread (on a
        large shop it takes seconds); the till reads the old one until it is done."""
        db = self.ops.database
        self.ops.start(self, lambda _progress: insight.refresh_snapshot(db, on=date),
                       label=_("Working out the customers' standing..."),
                       show=self.details.setText)

    def print_report(self) -> None:
        """Print the shown day's report: Z when it is closed, X while it is open."""
        if self.summary is None:
            return
        shop = self.ops.run(self, lambda: store.program_in_force(self.ops.database).name,
                            show=self.details.setText)
        if shop is not None:
            printing.print_report(self.ops, self, self.summary, shop=shop,
                                  currency=self.currency, show=self.details.setText)

    def export(self, folder: str | None = None) -> None:
        """Export the chosen range of days to CSV files for the accountant, off the UI
        thread with a progress dialog."""
        if self.summary is None:
            return
        dialog = ExportDialog(self.summary.date, self)
        if folder is not None:
            dialog.folder.setText(folder)
        elif not dialog.exec():
            return
        start, end, target = dialog.start(), dialog.end(), dialog.folder.text()
        separator, database, actor = (dialog.separator.currentData(), self.ops.database,
                                      self.ops.actor)

        def work(progress):
            # The number of rows is not known ahead: the dialog shows that work goes on,
            # and Cancel stops it at the next thousand rows, leaving no file half-written.
            return export_range(database, actor=actor, start=start, end=end, folder=target,
                                delimiter=separator,
                                progress=lambda _name, count: progress(count, 0))

        def done(result) -> None:
            self.details.setText(_("Exported to {folder}: {files}").format(
                folder=target, files=", ".join(
                    ngettext("{name} ({n} row)", "{name} ({n} rows)", count).format(
                        name=name, n=count) for name, count in result.rows.items())))

        self.ops.start(self, work, label=_("Exporting to CSV..."), done=done,
                       show=self.details.setText)
