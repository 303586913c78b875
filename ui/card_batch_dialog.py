"""Issue a batch of bearer cards and lay them out for printing, with a progress bar.

The cards are issued first (one transaction); the PDF is then drawn on a worker thread,
so the till never freezes while 500 cards are laid out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from loyaltypos.documents.cards import batch_pdf
from loyaltypos.documents.files import check_writable
from loyaltypos.domain.errors import Refused
from loyaltypos.services import cards, store
from ui.dialogs import _named


class _Layout(QObject):
    """Draws the batch PDF off the UI thread and reports its progress."""

    progress = Signal(int, int)
    finished = Signal(object)  # PdfWritten, or the Refused that stopped it

    def __init__(self, issued, program, path: Path) -> None:
        super().__init__()
        self.issued, self.program, self.path = issued, program, path

    def run(self) -> None:
        try:
            result = batch_pdf(self.issued, self.program, self.path,
                               progress=lambda done, total: self.progress.emit(done, total))
        except Refused as exc:
            result = exc
        self.finished.emit(result)


class CardBatchDialog(QDialog):
    def __init__(self, ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print bearer cards")
        self.ops = ops
        self.written = None
        self.count = _named(QSpinBox(minimum=1, maximum=cards.MAX_BATCH), "batchCount")
        self.count.setValue(50)
        self.path = _named(QLineEdit(str(Path.home() / "bearer-cards.pdf")), "batchPath")
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path)
        where.addWidget(browse)
        self.bar = _named(QProgressBar(), "batchProgress")
        self.bar.setValue(0)
        self.status = _named(QLabel("Ten cards a sheet of A4, fronts then backs, for "
                                    "double-sided printing; cut along the marks."), "batchStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.go = self.buttons.addButton("Issue and lay out",
                                         QDialogButtonBox.ButtonRole.ActionRole)
        self.go.setObjectName("batchGo")
        self.go.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("New bearer cards", self.count)
        form.addRow("Save the PDF as", where)
        form.addRow(self.bar)
        form.addRow(self.status)
        form.addRow(self.buttons)
        self._thread: QThread | None = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the cards as", self.path.text(),
                                              "PDF (*.pdf)")
        if path:
            self.path.setText(path)

    def start(self) -> None:
        path = Path(self.path.text()).expanduser()
        try:
            check_writable(path)  # before issuing: a batch of cards nobody can print is waste
        except Refused as exc:
            self.status.setText(str(exc))
            return
        issued = self.ops.run(self, lambda: cards.issue_cards(
            self.ops.database, actor=self.ops.actor, kind="bearer", count=self.count.value()),
            changes="cards", show=self.status.setText)
        if issued is None:
            return
        self.go.setEnabled(False)
        self.status.setText(f"{len(issued)} cards issued; laying them out...")
        program = store.program_in_force(self.ops.database)
        self._thread = QThread(self)
        self._worker = _Layout(issued, program, path)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._progress)
        self._worker.finished.connect(self._done)
        self._worker.finished.connect(self._thread.quit)
        self._thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(total)
        self.bar.setValue(done)

    def _done(self, result) -> None:
        self.go.setEnabled(True)
        if isinstance(result, Refused):
            self.status.setText(f"The cards were issued but the PDF was not written: {result}")
            return
        self.written = result
        self.status.setText(f"Saved {result.cards} cards on {result.pages} pages to "
                            f"{result.path}")

    def wait(self) -> None:
        """For callers that must not close while the layout runs (and for tests)."""
        if self._thread is not None:
            self._thread.wait()
