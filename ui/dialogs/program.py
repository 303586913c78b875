"""The loyalty program as its TOML text: edit, check, put in force."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.i18n import _
from loyaltypos.domain.program import dump_program, parse_program
from loyaltypos.services import store
from ui.dialogs.base import ERROR_STYLE, FocusDialog
from ui.ops import Change


class ProgramDialog(FocusDialog):
    """The program as its TOML text: edit, check, put in force. A bad file changes nothing."""

    def __init__(self, ops, manager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("The loyalty program"))
        self.ops, self.manager = ops, manager
        self.text = QPlainTextEdit(objectName="programText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        program = ops.run(self, lambda: store.program_in_force(ops.database))
        self.text.setPlainText(dump_program(program) if program is not None else "")
        self.error = QLabel(objectName="programError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        load = QPushButton(_("Load a file..."))
        load.setAutoDefault(False)
        load.clicked.connect(self._load_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(load, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(_("Money in whole units of the shop's currency; percentages may have two"
                        " decimals. Saving puts the program in force for the next sale; the"
                        " change is audited."))
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 620)
        self.focus_field = self.text

    def _load_file(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(self, _("A program file"), "",
                                                    "TOML (*.toml)")
        if path:
            try:
                self.text.setPlainText(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                self.error.setText(_("Cannot read {path}: {error}").format(path=path, error=exc))

    def accept(self) -> None:
        loaded = self.ops.run(self, lambda: store.load_program(
            self.ops.database, actor=self.manager, program=parse_program(self.text.toPlainText())),
            changes=Change.PROGRAM, show=self.error.setText)
        if loaded is not None:
            super().accept()
