"""A customer's profile: who they are, what they bought month by month, what they are
worth, where they stand, what they said and what moved their cashback.

Everything comes from ``profiles.customer_profile`` (one call, audited); the dialog only
lays it out. Esc closes it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.analytics import insight as figures
from loyaltypos.domain import clock
from loyaltypos.domain.i18n import N_, _, date_text, datetime_text, ngettext
from loyaltypos.domain.money import fmt_display
from loyaltypos.services import insight, profiles, store
from ui.dialogs.base import named
from ui.widgets.customer_panel import STEP_NAMES

ENTRY_KINDS = {"earn": N_("cashback earned"), "redeem": N_("paid with cashback"),
               "refund_reverse": N_("cashback taken back (refund)"),
               "refund_restore": N_("cashback given back (refund)"),
               "transfer_in": N_("moved from the old card"),
               "transfer_out": N_("moved to the new card"), "expire": N_("expired"),
               "adjust": N_("adjusted by a manager")}


def whole(amount: Decimal) -> int:
    """A figure in minor units (an average, an LTV) rounded to whole minor units."""
    return int(amount.to_integral_value(ROUND_HALF_UP))


def step_text(step: str | None) -> str:
    return _(STEP_NAMES[step]) if step in STEP_NAMES else "-"


def segment_text(segment: str | None) -> str:
    return _("lapsed") if segment == "lapsed" else segment or "-"


def ltv_formula(ltv: figures.Ltv, currency: str) -> str:
    """"S 1 250.00 RUB × C 1.00 × P 30 % × T 2.5 months": how the LTV is made up (a
    figure and its unit never split across lines)."""
    keep = lambda text: text.replace(" ", "\u00a0")  # noqa: E731
    return _("S {s} × C {c} × P {p} × T {t}").format(
        s=keep(fmt_display(whole(ltv.s), currency)), c=f"{ltv.c:.2f}",
        p=keep(_("{pct} %").format(pct=f"{ltv.p_pct:g}")),
        t=keep(_("{n} months").format(n=f"{ltv.t_months:.1f}")))


class _Found:
    """What the dialog shows: the profile, the shop's currency and the names of the
    customers named in the referrals."""

    def __init__(self, profile: profiles.Profile, currency: str,
                 names: dict[str, str]) -> None:
        self.profile, self.currency, self.names = profile, currency, names


def read_profile(ops, number: str, actor=None) -> _Found:
    """The profile of the customer of card ``number`` (or phone), with what it needs, read
    by ``actor`` (default: whoever is signed in)."""
    db = ops.database
    profile = profiles.customer_profile(db, actor=actor or ops.actor, text=number)
    named_cards = [n for n in (profile.referred_by, *profile.referred) if n]
    names = {n: c.name for n, c in insight.contacts(db, named_cards).items()}
    return _Found(profile, store.program_in_force(db).currency, names)


def show_profile(ops, parent: QWidget, number: str, *, show=None,
                 actor=None) -> ProfileDialog | None:
    """Open the profile of the customer of card ``number`` (read by ``actor``, default the
    signed-in user); a refusal (a bearer card, no such card) goes to ``show`` or a message
    box."""
    found = ops.run(parent, lambda: read_profile(ops, number, actor), show=show)
    if found is None:
        return None
    dialog = ProfileDialog(found.profile, found.currency, found.names, parent)
    dialog.exec()
    return dialog


def _table(name: str, headers: tuple[str, ...]) -> QTableWidget:
    table = named(QTableWidget(0, len(headers)), name)
    table.setHorizontalHeaderLabels([_(h) for h in headers])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]], right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if len(value) > 30:
                item.setToolTip(value)
            table.setItem(r, c, item)
    table.resizeRowsToContents()  # a long note wraps onto a second line, not cut


class ProfileDialog(QDialog):
    def __init__(self, profile: profiles.Profile, currency: str, names: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile, self.currency, self.names = profile, currency, names
        self.setObjectName("profileDialog")
        self.setWindowTitle(_("Customer profile: {name}").format(name=profile.name))
        self.resize(980, 660)
        money = lambda units: fmt_display(units, currency)  # noqa: E731
        p = profile

        self.header = named(QLabel(), "profileHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        contact = [escape(x) for x in (p.phone, p.email) if x]
        older = [n for n in p.cards if n != p.number]
        self.header.setText(
            f"<h2>{escape(p.name)}</h2>"
            + escape(_("Card {number}").format(number=p.number))
            + (escape(" " + _("(before: {cards})").format(cards=", ".join(older)))
               if older else "")
            + (" · " + " · ".join(contact) if contact else "") + " · "
            + escape(_("agrees to offers") if p.consent else _("no offers (no consent)")))
        self.advice = named(QLabel(), "profileAdvice")
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setStyleSheet("color: #0b5394; font-weight: bold; font-size: 12pt;")
        self.advice.setText(_("Advice: {advice}").format(advice=p.advice))

        snap = p.snapshot
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)

        def row(key: str, label: str, text: str) -> None:
            value = named(QLabel(text), f"profile{key.title()}", _(label))
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(_(label), value)

        row("purchases", N_("Purchases"), ngettext(
            "{n} purchase, {revenue} in all", "{n} purchases, {revenue} in all",
            p.purchases).format(n=p.purchases, revenue=money(p.revenue)))
        row("average", N_("Average check"), money(whole(p.average_check))
            if p.average_check is not None else "-")
        row("visits", N_("Visits"), _("first {first}, last {last}").format(
            first=date_text(p.first_visit) if p.first_visit else "-",
            last=date_text(p.last_visit) if p.last_visit else "-"))
        row("balance", N_("Cashback"), money(p.balance))
        row("step", N_("Step"), step_text(snap.step if snap else None))
        row("segment", N_("Segment"), segment_text(snap.segment if snap else None))
        row("rfm", N_("RFM"), _("{rfm} (as of {date})").format(
            rfm=p.rfm, date=date_text(snap.as_of)) if p.rfm and snap else "-")
        row("ltv", N_("LTV"), (money(whole(p.lifetime.ltv)) + "  =  "
                               + ltv_formula(p.lifetime, currency)) if p.lifetime else "-")
        row("referredBy", N_("Recommended by"), self._who(p.referred_by)
            if p.referred_by else "-")
        row("referred", N_("Recommended"), ", ".join(self._who(n) for n in p.referred) or "-")
        if snap is not None:
            self.values["step"].setToolTip(_("as of {date}").format(date=date_text(snap.as_of)))

        self.months = _chart_of_months(p, currency)
        self.answers = _table("profileAnswers", (N_("Date"), N_("Score"), N_("Why")))
        _fill(self.answers, [(date_text(a.date), str(a.score), a.reason or "")
                             for a in p.answers], right=(1,))
        self.ledger = _table("profileLedger", (N_("When"), N_("Card"), N_("What"),
                                               N_("Amount"), N_("Note")))
        _fill(self.ledger, [(datetime_text(clock.to_local(e.at)), e.card,
                             _(ENTRY_KINDS.get(e.kind, e.kind)), money(e.amount), e.note or "")
                            for e in p.ledger], right=(3,))
        self.ledger.setColumnHidden(1, len(p.cards) == 1)  # which card: only once replaced

        top = QHBoxLayout()
        top.addLayout(form, 3)
        top.addWidget(self.months, 2)
        bottom = QHBoxLayout()
        answers = QVBoxLayout()
        answers.addWidget(QLabel(ngettext("{n} NPS answer", "{n} NPS answers",
                                          len(p.answers)).format(n=len(p.answers))))
        answers.addWidget(self.answers)
        ledger = QVBoxLayout()
        ledger.addWidget(QLabel(_("Cashback entries, newest first")))
        ledger.addWidget(self.ledger)
        bottom.addLayout(answers, 2)
        bottom.addLayout(ledger, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.advice)
        layout.addLayout(top)
        layout.addLayout(bottom, 1)
        layout.addWidget(buttons)

    def _who(self, number: str) -> str:
        name = self.names.get(number)
        return f"{name} ({number})" if name else number


def _chart_of_months(p: profiles.Profile, currency: str) -> QChartView:
    """Purchases in each of the last twelve months, as bars."""
    chart = QChart()
    chart.setTitle(_("Purchases by month"))
    chart.setMargins(QMargins(2, 2, 2, 2))
    chart.legend().setVisible(False)
    bars = QBarSet(_("Purchases"))
    labels = []
    for month in p.by_month:
        bars.append(month.purchases)
        # the month's number; January also says the year, where the year turns
        labels.append(month.first.strftime("%m") if month.first.month != 1 else
                      month.first.strftime("%m/%y"))
    series = QBarSeries()
    series.append(bars)
    series.setLabelsVisible(True)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(labels)
    x.setTruncateLabels(False)  # twelve narrow bars: a two-digit month still fits
    small = x.labelsFont()
    small.setPointSizeF(small.pointSizeF() * 0.8)
    x.setLabelsFont(small)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = QValueAxis()
    y.setLabelFormat("%d")
    y.setRange(0, max([m.purchases for m in p.by_month] + [1]) + 1)
    y.setTickCount(2)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    bars.hovered.connect(lambda on, i: view.setToolTip(
        _("{month}: {n} purchases, {revenue}").format(
            month=p.by_month[i].first.strftime("%Y-%m"), n=p.by_month[i].purchases,
            revenue=fmt_display(p.by_month[i].revenue, currency)) if on else ""))
    view = named(QChartView(chart), "profileMonths")
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(360, 260)
    return view
