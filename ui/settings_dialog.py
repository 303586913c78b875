"""Settings of this till (kept in QSettings on this computer, not in the shop's database)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

IDLE_LOCK_KEY = "till/idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 10


def idle_lock_minutes() -> int:
    return int(QSettings().value(IDLE_LOCK_KEY, DEFAULT_IDLE_MINUTES))


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.idle = QSpinBox(objectName="settingsIdleMinutes", minimum=0, maximum=240)
        self.idle.setSuffix(" min")
        self.idle.setSpecialValueText("never")
        self.idle.setValue(idle_lock_minutes())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Lock the till after", self.idle)
        form.addRow(buttons)

    def accept(self) -> None:
        QSettings().setValue(IDLE_LOCK_KEY, self.idle.value())
        super().accept()
