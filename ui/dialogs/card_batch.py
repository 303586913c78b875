"""Issue a batch of bearer cards and lay them out for printing, off the UI thread.

The cards are issued first (one transaction), then drawn into the PDF page by page
with a progress bar and a Cancel button; the till never freezes while 10,000 cards
are issued and laid out. Cancelling the layout keeps the issued cards (they are in
the ledger) and writes no PDF.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QWidget,
)

from loyaltypos.documents.cards import PdfWritten, batch_pdf
from loyaltypos.documents.files import check_writable
from loyaltypos.domain.i18n import _
from loyaltypos.services import cards, store
from ui import printing
from ui.dialogs.base import FocusDialog, named, with_browse
from ui.ops import Change


class CardBatchDialog(FocusDialog):
    def __init__(self, ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Print bearer cards"))
        self.ops = ops
        self.written: PdfWritten | None = None
        self.job = None
        self.count = named(QSpinBox(minimum=1, maximum=cards.MAX_BATCH), "batchCount")
        self.count.setValue(50)
        self.path = named(QLineEdit(str(Path.home() / "bearer-cards.pdf")), "batchPath")
        where = with_browse(self.path, self._browse)
        self.bar = named(QProgressBar(), "batchProgress")
        self.bar.setValue(0)
        self.status = named(QLabel(_("Ten cards a sheet of A4, fronts then backs, for "
                                     "double-sided printing; cut along the marks.")),
                            "batchStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.go = self.buttons.addButton(_("Issue and lay out"),
                                         QDialogButtonBox.ButtonRole.ActionRole)
        self.go.setObjectName("batchGo")
        self.go.setDefault(True)
        self.go.clicked.connect(self.start)
        self.stop = self.buttons.addButton(_("Cancel the layout"),
                                           QDialogButtonBox.ButtonRole.ActionRole)
        self.stop.setObjectName("batchCancel")
        self.stop.setEnabled(False)
        self.stop.clicked.connect(self.cancel)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("New bearer cards"), self.count)
        form.addRow(_("Save the PDF as"), where)
        form.addRow(self.bar)
        form.addRow(self.status)
        form.addRow(self.buttons)
        self.focus_field = self.count

    def _browse(self) -> None:
        path, _chosen = QFileDialog.getSaveFileName(self, _("Save the cards as"),
                                                    self.path.text(), "PDF (*.pdf)")
        if path:
            self.path.setText(path)

    def start(self) -> None:
        if self.job is not None:
            return
        path = Path(self.path.text()).expanduser()
        # Before issuing: a batch of cards nobody can print is waste.
        if self.ops.run(self, lambda: check_writable(path), show=self.status.setText) is None:
            return
        count, actor, database = self.count.value(), self.ops.actor, self.ops.database
        issued_count = 0

        def work(progress) -> PdfWritten:
            nonlocal issued_count
            issued = cards.issue_cards(database, actor=actor, kind="bearer", count=count)
            issued_count = len(issued)
            program = store.program_in_force(database)
            progress(0, 1)
            return batch_pdf(issued, program, path, progress=progress)

        work = printing.in_shop_language(self.ops, work)  # the cards speak the shop's language

        def failed() -> None:
            if issued_count:
                self.ops.announce(Change.CARDS)
                self.status.setText(_("{n} cards were issued but the PDF was not written: {why}")
                                    .format(n=issued_count, why=self.status.text()))
            self._idle()

        self.go.setEnabled(False)
        self.stop.setEnabled(True)
        self.status.setText(_("Issuing {n} cards...").format(n=count))
        # Issued cards change the shop even when the layout fails: announce them either way.
        self.job = self.ops.start(self, work, label=_("Issuing and laying out cards"),
                                  done=self._done, failed=failed, changes=Change.CARDS,
                                  show=self.status.setText, progress=self._progress)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText(_("Stopping..."))

    def _progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(total)
        self.bar.setValue(done)
        if done:
            self.status.setText(_("Laying out page {done} of {total}...").format(
                done=done, total=total))

    def _idle(self) -> None:
        self.job = None
        self.go.setEnabled(True)
        self.stop.setEnabled(False)

    def _done(self, result: PdfWritten) -> None:
        self._idle()
        self.written = result
        self.status.setText(_("Saved {cards} cards on {pages} pages to {path}").format(
            cards=result.cards, pages=result.pages, path=result.path))

    def wait(self) -> None:
        """For callers that must not close while the work runs (and for tests)."""
        self.ops.wait()
