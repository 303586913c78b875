"""Dialogs of the end of day: export a range of days to CSV, close the day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from loyaltypos.domain.day_summary import DaySummary
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.money import fmt_display, parse_amount
from loyaltypos.services import days
from ui import language as ui_language
from ui.dialogs.base import ERROR_STYLE, FocusDialog, with_browse
from ui.dialogs.base import named as _named
from ui.ops import Change, sentence


class ExportDialog(FocusDialog):
    """A range of business days and a folder."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Export to CSV"))
        qday = QDate(day.year, day.month, day.day)
        self.first = _named(QDateEdit(qday, calendarPopup=True), "exportFrom")
        self.last = _named(QDateEdit(qday, calendarPopup=True), "exportTo")
        for edit in (self.first, self.last):
            edit.setDisplayFormat(ui_language.date_edit_format())
        self.folder = _named(QLineEdit(str(Path.home() / "loyaltypos-export")), "exportFolder")
        where = with_browse(self.folder, self._browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("From"), self.first)
        form.addRow(_("To"), self.last)
        form.addRow(_("Folder"), where)
        self.separator = _named(QComboBox(), "exportSeparator")
        self.separator.addItem(_("semicolon ; (Excel in Russian, German, French...)"), ";")
        self.separator.addItem(_("comma ,"), ",")
        form.addRow(_("Separator"), self.separator)
        form.addRow(QLabel(_("sales, lines, payments, refunds and ledger entries as CSV")))
        self.focus_field = self.first
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Export to which folder?"),
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def start(self) -> dt.date:
        return self.first.date().toPython()

    def end(self) -> dt.date:
        return self.last.date().toPython()


class CloseDayDialog(FocusDialog):
    """Shows the cash expected in the drawer, takes the counted cash, closes the day."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, manager, summary: DaySummary, currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Close the business day"))
        self.ops, self.manager, self.currency = ops, manager, currency
        self.expected = summary.expected_cash
        self.closed: DaySummary | None = None
        # Empty: the manager counts the drawer and types what is there; a figure filled in
        # for them would be confirmed with Enter, uncounted, as a 0.00 difference.
        self.counted = _named(QLineEdit(placeholderText=_("count the drawer, type the cash")),
                              "closeCounted")
        self.difference = _named(QLabel(), "closeDifference")
        self.error = _named(QLabel(), "closeError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.print_now = _named(QCheckBox(_("Print the Z report")), "closePrint")
        self.print_now.setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        confirm = buttons.addButton(_("Close the day"), QDialogButtonBox.ButtonRole.AcceptRole)
        confirm.setObjectName("closeConfirm")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(_("Business day {date}: {sales} sales. Once closed, nothing can be"
                             " added to it or changed.").format(date=date_text(summary.date),
                                                                sales=summary.sales)))
        form.addRow(_("Cash expected"), QLabel(f"<b>{fmt_display(self.expected, currency)}</b>"))
        form.addRow(_("Cash counted"), self.counted)
        form.addRow(_("Difference"), self.difference)
        form.addRow("", self.print_now)
        form.addRow(self.error)
        form.addRow(buttons)
        self.counted.textChanged.connect(self._show_difference)
        self._show_difference()
        self.focus_field = self.counted

    def refuse(self, text: str) -> None:
        """Say why nothing was done here (a scan, a refused count); the count stays."""
        self.error.setText(sentence(str(text)))

    def _show_difference(self) -> None:
        if not self.counted.text().strip():
            self.difference.setText("")
            return
        try:
            counted = parse_amount(self.counted.text(), self.currency)
        except Refused:
            self.difference.setText("")
            return
        self.difference.setText(fmt_display(counted - self.expected, self.currency))

    def accept(self) -> None:
        if not self.counted.text().strip():
            self.refuse(_("type the cash counted in the drawer first"))
            return
        try:
            counted = parse_amount(self.counted.text(), self.currency)
        except Refused as exc:
            self.error.setText(sentence(str(exc)))
            return
        closed = self.ops.run(self, lambda: days.close_day(
            self.ops.database, actor=self.manager, counted_cash=counted, refresh=False),
            changes=Change.DAY, show=self.error.setText)
        if closed is not None:
            self.closed = closed
            super().accept()
