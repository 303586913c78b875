"""The manager's Insight window: who is loyal, who is drifting away, what customers are
worth, for a period, with the customers behind each figure one click away.

The figures come from ``insight.analyse`` on a worker thread (a year of a busy shop
takes a while, and the till must not freeze); the window only lays them out. A cell of
the ABC-XYZ matrix, a step of the ladder or the lapsed choose the list below; Enter or
a double click on a customer opens their profile; the list's consenting customers can
be written to a CSV file for a mailing, and past purchases imported from one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.analytics.insight import STEPS
from loyaltypos.domain import clock
from loyaltypos.domain.i18n import N_, _, date_text, ngettext, time_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.people import Actor
from loyaltypos.services import history, insight, store
from ui import language as ui_language
from ui.dialogs.base import named
from ui.dialogs.profile import ltv_formula, show_profile, step_text, whole
from ui.ops import Ops, sentence
from ui.windows.insight_views import (
    CustomerModel,
    ProblemsDialog,
    Tile,
    chart_view,
    draw_ladder,
    draw_pareto,
    month_chart,
    paint_matrix,
    pareto_points,
    percent,
)

TILES = (("customers", N_("Customers"), "insightCustomers"),
         ("ltv", N_("LTV: margin a customer brings"), "insightLtv"),
         ("crr", N_("Customers kept (CRR)"), "insightCrr"),
         ("nps", N_("NPS"), "insightNps"),
         ("pareto", N_("Top 20 % of customers bring"), "insightPareto"),
         ("anonymous", N_("Bearer cards' share of revenue"), "insightAnonymous"))
ERROR, OK = "color: #b00020;", "color: #1b5e20;"
WINDOW_SIZE = (1280, 900)


def choice_text(key: str) -> str:
    """What a list key ("all", "AX", "step:regular", "lapsed", "lapsed:client") says."""
    if key == "all":
        return _("All customers")
    if key == "lapsed":
        return _("Lapsed customers")
    if key in insight.SEGMENTS:
        return _("Cell {cell}").format(cell=key)
    kind, step = key.split(":")
    return (_("Step: {step}") if kind == "step" else _("Lapsed, step: {step}")).format(
        step=step_text(step))


def choice_filter(key: str) -> dict:
    """The arguments of ``insight.customer_list`` for a list key."""
    if key == "lapsed":
        return {"lapsed": True}
    if key in insight.SEGMENTS:
        return {"segment": key}
    if ":" in key:
        kind, step = key.split(":")
        return {"step": step, "lapsed": kind == "lapsed"}
    return {}


@dataclass(frozen=True)
class Computed:
    """What the worker hands back: the analysis and what the window needs to show it."""

    analysis: insight.Analysis
    currency: str
    names: dict[str, str]
    pareto: list[tuple[float, float]]


class InsightWindow(QWidget):
    """The figures of a period; opened by a manager (Ctrl+I), closed when they sign out."""

    def __init__(self, ops: Ops, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("insightWindow")
        self.setWindowTitle(_("Customer insight - LoyaltyPOS"))
        self.ops, self.actor = ops, actor
        self.computed: Computed | None = None
        self.key = "all"
        self.busy = False
        # Tests replace these to answer the file choosers; the window asks a person.
        self.ask_path = self._ask_export_path
        self.ask_history_path = self._ask_history_path
        self._build()
        QShortcut(QKeySequence("Esc"), self, activated=self.close)
        ops.signed_in.connect(self._signed_in)
        geometry = QSettings().value("insight_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*WINDOW_SIZE)

    @classmethod
    def open_for(cls, ops: Ops, actor: Actor, parent: QWidget) -> InsightWindow:
        """Show the window (one per main window) for ``actor`` and work out the figures."""
        window = parent.findChild(cls)
        if window is None:
            window = cls(ops, actor, parent)
        stale = not window.isVisible() or window.actor.user_id != actor.user_id
        window.actor = actor
        window.show()
        window.raise_()
        window.activateWindow()
        if stale or window.computed is None:
            window.refresh()
        return window

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        today = clock.local_today()
        self.date_from = named(QDateEdit(calendarPopup=True), "insightFrom", _("From"))
        self.date_to = named(QDateEdit(calendarPopup=True), "insightTo", _("To"))
        for edit, date in ((self.date_from, today - dt.timedelta(days=insight.DEFAULT_DAYS - 1)),
                           (self.date_to, today)):
            edit.setDisplayFormat(ui_language.date_edit_format())
            edit.setDate(QDate(date.year, date.month, date.day))
        self.refresh_button = named(QPushButton(_("Refresh")), "insightRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        import_button = named(QPushButton(_("Import history...")), "insightImport")
        import_button.clicked.connect(self.import_history)
        self.status = named(QLabel(), "insightStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.message = named(QLabel(), "insightMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>{}</h2>".format(escape(_("Customer insight")))))
        top.addSpacing(16)
        top.addWidget(QLabel(_("From")))
        top.addWidget(self.date_from)
        top.addWidget(QLabel(_("to")))
        top.addWidget(self.date_to)
        top.addWidget(self.refresh_button)
        top.addWidget(self.status, 1)
        top.addWidget(import_button)

        self.tiles = {key: Tile(_(label), name) for key, label, name in TILES}
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)

        self.ladder_chart, ladder_view = chart_view(_("The ladder"), "insightLadder")
        self.month_chart, month_view = chart_view(_("CRR and NPS by month"), "insightMonths")
        self.pareto_chart, pareto_view = chart_view(_("Pareto curve"), "insightPareto80")
        self.matrix = named(QTableWidget(3, 3), "insightMatrix", _("ABC-XYZ matrix"))
        self.matrix.setToolTip(_("A, B, C: the customers bringing the first 80 %, the next 15 %"
                                 " and the last 5 % of the revenue; X, Y, Z: steady, uneven,"
                                 " occasional buyers over the last months"))
        self.matrix.setHorizontalHeaderLabels(list("XYZ"))
        self.matrix.setVerticalHeaderLabels(list("ABC"))
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for header in (self.matrix.horizontalHeader(), self.matrix.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.cellClicked.connect(self._cell_chosen)
        self.matrix.cellActivated.connect(self._cell_chosen)
        self.lapsed_button = named(QPushButton(), "insightLapsed")
        self.lapsed_button.clicked.connect(lambda: self.choose("lapsed"))
        matrix_box = QWidget()
        matrix_layout = QVBoxLayout(matrix_box)
        matrix_layout.setContentsMargins(0, 0, 0, 0)
        matrix_caption = QLabel(_("ABC-XYZ: customers and their share of revenue"))
        matrix_caption.setWordWrap(True)
        matrix_layout.addWidget(matrix_caption)
        matrix_layout.addWidget(self.matrix, 1)
        matrix_layout.addWidget(self.lapsed_button)
        charts = QHBoxLayout()
        charts.setContentsMargins(0, 0, 0, 0)
        charts.addWidget(ladder_view, 1)
        charts.addWidget(matrix_box, 1)
        charts.addWidget(month_view, 1)
        charts.addWidget(pareto_view, 1)
        charts_box = QWidget()
        charts_box.setLayout(charts)

        self.choice = named(QComboBox(), "insightChoice", _("Show"))
        for key in ("all", *insight.SEGMENTS, *(f"step:{s}" for s in STEPS), "lapsed"):
            self.choice.addItem(choice_text(key), key)
        self.choice.activated.connect(lambda i: self.choose(self.choice.itemData(i)))
        self.list_title = named(QLabel(), "insightListTitle")
        self.list_title.setTextFormat(Qt.TextFormat.PlainText)
        export_button = named(QPushButton(_("Export consented (CSV)...")), "insightExport")
        export_button.clicked.connect(self.export)
        self.model = CustomerModel(self)
        self.list = named(QTableView(), "insightList", _("Customers"))
        self.list.setModel(self.model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalHeader().setVisible(False)
        self.list.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.list.horizontalHeader().setStretchLastSection(False)
        self.list.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
        self.list.setSortingEnabled(True)
        self.list.activated.connect(self.open_profile)  # Enter, or a double click
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Show")))
        bar.addWidget(self.choice)
        bar.addWidget(self.list_title, 1)
        bar.addWidget(export_button)
        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addLayout(bar)
        list_layout.addWidget(self.list, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(charts_box)
        splitter.addWidget(list_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(tiles)
        layout.addWidget(splitter, 1)

    # ---------------------------------------------------------------- working out the figures

    def period(self) -> tuple[dt.date, dt.date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()

    def refresh(self) -> None:
        """Work out the figures of the chosen period off the UI thread."""
        if self.busy:
            return
        start, end = self.period()
        db, actor = self.ops.database, self.actor

        def work(progress) -> Computed:
            total = insight.STAGES + 1  # the report's stages, then the customers' names
            analysis = insight.analyse(db, actor=actor, start=start, end=end,
                                       progress=lambda done, _stages: progress(done, total))
            names = {n: c.name for n, c in insight.contacts(db, list(analysis.customers)).items()}
            progress(total, total)
            return Computed(analysis, store.program_in_force(db).currency, names,
                            pareto_points([c.revenue for c in analysis.customers.values()]))

        self._busy(True)
        self.status.setText(_("Working out the figures..."))
        self.ops.start(self, work, label=_("Working out the customers' figures..."),
                       done=self._computed, show=self._fail, failed=lambda: self._busy(False))

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_button.setEnabled(not busy)

    def _computed(self, computed: Computed) -> None:
        self._busy(False)
        if self.ops.actor is None or not self.isVisible():  # signed out or closed meanwhile
            return
        self.computed = computed
        r = computed.analysis.report
        self.status.setText(_("{start} .. {end}, worked out at {time}").format(
            start=date_text(r.start), end=date_text(r.end),
            time=time_text(clock.to_local(clock.now()))))
        self._draw_tiles()
        self._draw_charts()
        self.choose(self.key)
        if not self.list.currentIndex().isValid() and self.model.rowCount():
            self.list.selectRow(0)
        self.list.setFocus()  # arrows pick a customer, Enter opens their profile

    def _draw_tiles(self) -> None:
        r, currency = self.computed.analysis.report, self.computed.currency
        t, ret, n = self.tiles, r.retention, r.nps
        active = sum(1 for c in self.computed.analysis.customers.values() if c.active)
        t["customers"].show_figure(str(r.customers), _(
            "{active} active at the end, {new} new in the period").format(
            active=active, new=ret.new))
        t["ltv"].show_figure(fmt_display(whole(r.ltv.ltv), currency),
                             ltv_formula(r.ltv, currency))
        if ret.crr_pct is None:
            t["crr"].show_figure(_("not enough history"), _(
                "nobody was active before {date}").format(date=date_text(r.start)),
                words=True)
        else:
            t["crr"].show_figure(percent(ret.crr_pct), _(
                "churn {churn}; active before {s}, at the end {e}, new {n}").format(
                churn=percent(ret.churn_pct), s=ret.active_start, e=ret.active_end, n=ret.new))
        t["nps"].show_figure(f"{n.score:+.0f}" if n.score is not None else "-", ngettext(
            "promoters {p}, passives {a}, detractors {d} ({n} answer)",
            "promoters {p}, passives {a}, detractors {d} ({n} answers)", n.responses).format(
            p=n.promoters, a=n.passives, d=n.detractors, n=n.responses)
            if n.responses else _("no answers in the period"))
        t["pareto"].show_figure(percent(r.pareto.top20_share_pct), _(
            "of the revenue; {share} of customers bring 80 %").format(
            share=percent(r.pareto.customers_for_80_pct)))
        t["anonymous"].show_figure(percent(r.anonymous_share_pct),
                                   _("of card revenue is on bearer cards (anonymous)"))

    def _draw_charts(self) -> None:
        r = self.computed.analysis.report
        draw_ladder(self.ladder_chart, r.ladder, self.choose)
        paint_matrix(self.matrix, r, self.computed.currency)
        self.lapsed_button.setText(ngettext("Lapsed: {n} customer", "Lapsed: {n} customers",
                                            r.xyz["lapsed"]).format(n=r.xyz["lapsed"]))
        month_chart(self.month_chart, [first for first, _r in r.crr_by_month],
                    {_("CRR, %"): [x.crr_pct for _f, x in r.crr_by_month],
                     _("NPS"): [n.score for _f, n in r.nps_by_month]})
        self.pareto_chart.setTitle(_("Pareto: revenue by share of customers"))
        draw_pareto(self.pareto_chart, self.computed.pareto, r.pareto.top20_share_pct)

    # ---------------------------------------------------------------- the list

    def _cell_chosen(self, row: int, col: int) -> None:
        self.choose("ABC"[row] + "XYZ"[col])

    def choose(self, key: str) -> None:
        """Show the customers of ``key``: "all", a cell, "step:...", "lapsed[:step]"."""
        self.key = key
        index = self.choice.findData(key)
        if index < 0:
            self.choice.addItem(choice_text(key), key)
            index = self.choice.count() - 1
        self.choice.setCurrentIndex(index)
        if self.computed is None:
            return
        chosen = insight.customer_list(self.computed.analysis, **choice_filter(key))
        self.model.show(chosen, self.computed.names, self.computed.currency)
        header = self.list.horizontalHeader()
        self.list.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.list.resizeColumnsToContents()
        self.list.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list_title.setText(ngettext("{what}: {n} customer", "{what}: {n} customers",
                                         len(chosen)).format(what=choice_text(key),
                                                             n=len(chosen)))

    def open_profile(self, index=None) -> None:
        """The profile of the chosen customer (Enter or a double click on the list)."""
        index = index if index is not None else self.list.currentIndex()
        number = self.model.number(index.row()) if index.isValid() else None
        if number is not None:
            show_profile(self.ops, self, number, show=self._fail, actor=self.actor)

    # ---------------------------------------------------------------- mailing and history

    def export(self) -> None:
        """Write the consenting customers of the list shown to a CSV file."""
        if self.computed is None:
            return
        chosen, what = self.model.customers(), self.key
        path = self.ask_path()
        if not path:
            return
        db, actor = self.ops.database, self.actor

        def done(written: int) -> None:
            self._say(_("{written} of {n} customers agreed to marketing: written to {file}")
                      .format(written=written, n=len(chosen), file=path))

        self.ops.start(self, lambda progress: insight.export_customers(
            db, actor=actor, chosen=chosen, path=path, what=what),
            label=_("Writing the mailing list..."), done=done, show=self._fail)

    def _ask_export_path(self) -> str:
        suggested = Path.home() / "customers-{}.csv".format(self.key.replace(":", "-"))
        path, _kind = QFileDialog.getSaveFileName(
            self, _("Export consented customers"), str(suggested), _("CSV files (*.csv)"))
        return path

    def _ask_history_path(self) -> str:
        path, _kind = QFileDialog.getOpenFileName(
            self, _("Import past purchases"), str(Path.home()),
            _("CSV files (*.csv);;All files (*)"))
        return path

    def import_history(self) -> None:
        """Check a file of past purchases, say what it holds, import it when confirmed."""
        path = self.ask_history_path()
        if not path:
            return
        db = self.ops.database

        def check(progress):
            progress(0, 0)
            try:
                return history.check_history_csv(db, path)
            except history.HistoryFileWrong as wrong:  # listed, not only said
                return wrong

        self.ops.start(self, check, label=_("Checking the file..."),
                       done=lambda found: self._history_checked(path, found), show=self._fail)

    def _history_checked(self, path: str, found) -> None:
        if isinstance(found, history.HistoryFileWrong):
            self._say(_("{file} was not imported: nothing was written").format(
                file=Path(path).name), error=True)
            ProblemsDialog(found, self).exec()
            return
        if found.nothing_new:
            self._say(_("{file}: nothing new; every purchase in it was imported before")
                      .format(file=found.file_name))
            return
        question = _("{file} holds {n} new purchases of {customers} customers, {first} .. "
                     "{last}, total {total} ({known} already imported). Import them?").format(
            file=found.file_name, n=found.imported, customers=found.customers,
            first=date_text(found.first_date), last=date_text(found.last_date),
            total=fmt_display(found.total, self._currency()), known=found.already_known)
        if not self.ops.ask_yes(self, question):
            return
        db, actor = self.ops.database, self.actor

        def done(result: history.HistoryImportResult) -> None:
            self._say(_("Imported {file}: {n} purchases of {customers} customers").format(
                file=result.file_name, n=result.imported, customers=result.customers))
            self.refresh()

        self.ops.start(self, lambda progress: history.import_history_csv(
            db, actor=actor, path=path), label=_("Importing past purchases..."), done=done,
            show=self._fail)

    def _currency(self) -> str:
        return self.computed.currency if self.computed else ""

    # ---------------------------------------------------------------- messages and closing

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR if error else OK)
        self.message.setText(sentence(text))

    def _fail(self, text: str) -> None:
        self._say(text, error=True)
        if not self.computed:
            self.status.setText("")

    def _signed_in(self, actor: Actor | None) -> None:
        if actor is None or actor.user_id != self.actor.user_id:
            self.close()  # the customers' figures are not left on the screen

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("insight_window/geometry", self.saveGeometry())
        self.computed = None
        self.model.show([], {}, "")
        super().closeEvent(event)
