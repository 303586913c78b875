"""What the Insight window lays out: its tiles, its charts, the heat map of the ABC-XYZ
matrix, the customer list's model and the list of a history file's problems.

Figures stay Decimal and integer minor units up to here; only the points a chart plots
become floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QAbstractTableModel, QMargins, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.analytics import insight as figures
from loyaltypos.analytics.insight import STEPS
from loyaltypos.domain.i18n import N_, _, date_text, quantity_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.services import history, insight
from ui.dialogs.base import ERROR_STYLE, named
from ui.dialogs.profile import segment_text, step_text, whole
from ui.ops import sentence

BIG = "font-size: 18pt; font-weight: bold;"
WORDS = "font-size: 13pt; font-weight: bold;"  # a tile that says why there is no figure
LAPSED_COLOR, ACTIVE_COLOR = QColor("#c9c9c9"), QColor("#2e7d32")
LINE_COLORS = ("#0b5394", "#e69138")


def percent(value: Decimal | None) -> str:
    """A percentage as the report gives it (two decimals), without a needless ".00"."""
    if value is None:
        return "-"
    text = f"{value:.2f}"
    text = text[:-3] if text.endswith(".00") else text
    return quantity_text(Decimal(text)) + "\u00a0%"  # never split


class Tile(QFrame):
    """A figure large, its title above and a note under it."""

    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = named(QLabel("-"), name, title)
        self.value.setStyleSheet(BIG)
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        self.note = named(QLabel(), name + "Note")
        self.note.setStyleSheet("color: #555;")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        caption = QLabel(title)
        caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.addWidget(caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note, 1)

    def show_figure(self, value: str, note: str = "", *, words: bool = False) -> None:
        """A figure, or (``words``) a few words saying why there is none, smaller and
        wrapped."""
        self.value.setText(value)
        self.value.setWordWrap(words)
        self.value.setStyleSheet(WORDS if words else BIG)
        self.note.setText(note)


def chart_view(title: str, name: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(2, 2, 2, 2))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = named(QChartView(chart), name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(260, 250)
    return chart, view


def clear(chart: QChart) -> None:
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


# ---------------------------------------------------------------- the list's model

COLUMNS = (N_("Card"), N_("Name"), N_("Revenue"), N_("Visits"), N_("Last visit"), N_("LTV"),
           N_("RFM"), N_("Step"), N_("Segment"))
NUMBERS = (2, 3, 5)  # right-aligned, sorted as numbers
REVENUE_COLUMN = 2


@dataclass(frozen=True)
class _Row:
    figures: insight.CustomerFigures
    name: str
    ltv: int  # minor units

    def key(self, column: int):
        c = self.figures
        return (c.number, self.name.casefold(), c.revenue, c.visits, c.last_visit, self.ltv,
                c.rfm, STEPS.index(c.step), c.segment or "")[column]


class CustomerModel(QAbstractTableModel):
    """The customers of the list chosen; sorted by value (money as money, not as text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []
        self.currency = ""

    def show(self, chosen: list[insight.CustomerFigures], names: dict[str, str],
             currency: str) -> None:
        self.beginResetModel()
        self.rows = [_Row(c, names.get(c.number, ""), whole(c.lifetime.ltv)) for c in chosen]
        self.currency = currency
        self.endResetModel()

    def customers(self) -> list[insight.CustomerFigures]:
        """The customers as listed now, in the order shown."""
        return [r.figures for r in self.rows]

    def number(self, row: int) -> str | None:
        return self.rows[row].figures.number if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            c, money = row.figures, lambda units: fmt_display(units, self.currency)
            return (c.number, row.name, money(c.revenue), str(c.visits),
                    date_text(c.last_visit), money(row.ltv), "".join(map(str, c.rfm)),
                    step_text(c.step), segment_text(c.segment))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        numbers = [self.rows[i.row()].figures.number for i in kept]
        self.rows.sort(key=lambda r: (r.key(column), r.figures.number),
                       reverse=order == Qt.SortOrder.DescendingOrder)
        where = {r.figures.number: i for i, r in enumerate(self.rows)}
        self.changePersistentIndexList(kept, [self.index(where[n], i.column())
                                              for n, i in zip(numbers, kept, strict=True)])
        self.layoutChanged.emit()


class ProblemsDialog(QDialog):
    """Why a history file was refused, one line of the file per problem."""

    def __init__(self, wrong: history.HistoryFileWrong, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyProblems")
        self.setWindowTitle(_("The file was not imported"))
        text = str(wrong)
        head = QLabel(sentence(text.splitlines()[0] if wrong.problems else text))
        head.setWordWrap(True)
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setStyleSheet(ERROR_STYLE)
        self.problems = named(QListWidget(), "historyProblemList")
        self.problems.addItems(list(wrong.problems))
        self.problems.setVisible(bool(wrong.problems))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.problems, 1)
        layout.addWidget(buttons)
        self.resize(720, 420 if wrong.problems else 160)


# ---------------------------------------------------------------- charts


def pareto_points(revenues: list[int], most: int = 200) -> list[tuple[float, float]]:
    """The Pareto curve: the share of customers (best first) against the share of revenue
    they bring, in percent, at most ``most`` points (a plot, not a figure)."""
    ranked = sorted((r for r in revenues if r > 0), reverse=True)
    total, count = sum(ranked), len(ranked)
    points, running = [(0.0, 0.0)], 0
    every = max(1, -(-count // most))
    for i, revenue in enumerate(ranked, start=1):
        running += revenue
        if i % every == 0 or i == count:
            points.append((100 * i / count, 100 * running / total))
    return points


def whole_step(most: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20...) for about ``ticks`` intervals up to ``most``."""
    step = 1
    while step * ticks < most:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step * ticks >= most:
                break
    return step


def month_chart(chart: QChart, months: list[dt.date],
                lines: dict[str, list[Decimal | None]]) -> None:
    """Lines by month; a month without a figure ("not enough history") is a gap."""
    clear(chart)
    x = QCategoryAxis()  # a label on every third month: twelve do not fit
    x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    x.setRange(-0.5, len(months) - 0.5)
    for i, first in enumerate(months):
        if (len(months) - 1 - i) % 3 == 0:
            x.append(first.strftime("%m.%y"), i)
    x.setGridLineVisible(False)
    x.setTruncateLabels(False)  # Qt Charts cuts them short of the room there is
    values = [float(v) for line in lines.values() for v in line if v is not None]
    y = QValueAxis()  # 100 % below the top edge, so a line along it shows
    low, high = min([0.0, *values]) // 25 * 25, (max([100.0, *values]) // 25 + 1) * 25
    y.setRange(low, high)
    y.setLabelFormat("%d")
    y.setTickCount(int((high - low) // 25) + 1)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for color, (name, line) in zip(LINE_COLORS, lines.items(), strict=False):
        runs: list[list[tuple[int, float]]] = [[]]
        for i, value in enumerate(line):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((i, float(value)))
        runs = [run for run in runs if run] or [[]]
        for n, run in enumerate(runs):
            series = QLineSeries()
            series.setName(name)
            series.setPen(QPen(QColor(color), 2))
            series.setPointsVisible(True)
            series.setMarkerSize(4)  # a month alone between gaps is a dot that shows
            for i, value in run:
                series.append(i, value)
            chart.addSeries(series)
            series.attachAxis(x)
            series.attachAxis(y)
            if n:  # one legend entry per line, however many pieces it is in
                chart.legend().markers(series)[0].setVisible(False)


def draw_ladder(chart: QChart, ladder: figures.Ladder, choose: Callable[[str], None]) -> None:
    """The ladder as a funnel, the first step on top: each step's active customers, and
    its lapsed ones beside them in grey; a click on a bar chooses those customers."""
    clear(chart)
    chart.setTitle(_("The ladder: {up} moved up, {down} down").format(
        up=ladder.moved_up, down=ladder.moved_down))
    steps = list(reversed(STEPS))
    series = QHorizontalStackedBarSeries()
    for lapsed, label, color in ((False, _("active"), ACTIVE_COLOR),
                                 (True, _("lapsed"), LAPSED_COLOR)):
        bars = QBarSet(label)
        bars.setColor(color)
        for step in steps:
            bars.append(ladder.lapsed[step] if lapsed
                        else ladder.steps[step] - ladder.lapsed[step])
        bars.clicked.connect(lambda i, lapsed=lapsed: choose(
            ("lapsed:" if lapsed else "step:") + steps[i]))
        series.append(bars)
    series.setLabelsVisible(True)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append([step_text(s) for s in steps])
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    most = max([*ladder.steps.values(), 1])
    step = whole_step(most)
    x = QValueAxis()
    x.setLabelFormat("%d")
    x.setRange(0, -(-most // step) * step)
    x.setTickType(QValueAxis.TickType.TicksDynamic)
    x.setTickAnchor(0)
    x.setTickInterval(step)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)


def paint_matrix(table: QTableWidget, report: insight.Report, currency: str) -> None:
    """The ABC-XYZ matrix as a heat map: each cell's customers and share of the revenue,
    the greener the larger the share."""
    top = max([*report.matrix_revenue_pct.values(), Decimal(1)])
    for row, a in enumerate("ABC"):
        for col, x in enumerate("XYZ"):
            cell = a + x
            share = report.matrix_revenue_pct[cell]
            item = QTableWidgetItem(f"{cell}: {report.matrix[cell]}\n" + percent(share))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            strength = float(share / top)
            item.setBackground(QBrush(QColor.fromRgbF(1 - 0.75 * strength, 1 - 0.35 * strength,
                                                      1 - 0.7 * strength)))
            item.setForeground(QBrush(QColor("white" if strength > 0.6 else "black")))
            item.setToolTip(_("{cell}: {n} customers, {share} of the revenue; LTV {ltv}").format(
                cell=cell, n=report.matrix[cell], share=percent(share),
                ltv=fmt_display(whole(report.ltv_by_segment[cell].ltv), currency)))
            table.setItem(row, col, item)


def draw_pareto(chart: QChart, points: list[tuple[float, float]], top20: Decimal) -> None:
    """The Pareto curve against the diagonal of customers who all spend alike, with the
    top fifth's share marked."""
    clear(chart)
    chart.legend().setVisible(False)  # the title and the axes say it
    curve = QLineSeries()
    curve.setPen(QPen(QColor(LINE_COLORS[0]), 2))
    for x, y in points:
        curve.append(x, y)
    even = QLineSeries()
    even.append(0, 0)
    even.append(100, 100)
    even.setPen(QPen(QColor("#999999"), 1, Qt.PenStyle.DashLine))
    mark = QScatterSeries()
    mark.append(20, float(top20))
    mark.setMarkerSize(9)
    mark.setColor(QColor(LINE_COLORS[1]))
    axes = QValueAxis(), QValueAxis()
    for axis, title, side in ((axes[0], _("customers, %"), Qt.AlignmentFlag.AlignBottom),
                              (axes[1], _("revenue, %"), Qt.AlignmentFlag.AlignLeft)):
        axis.setRange(0, 100)
        axis.setTickCount(6)
        axis.setLabelFormat("%d")
        axis.setTitleText(title)
        chart.addAxis(axis, side)
    for series in (curve, even, mark):
        chart.addSeries(series)
        series.attachAxis(axes[0])
        series.attachAxis(axes[1])
