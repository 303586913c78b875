"""A scanner's burst lands in the scan field wherever the focus is on the till."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QApplication, QLineEdit, QWidget


class ScanRouter(QObject):
    """Sends digits typed anywhere on the till (a scanner's burst) to the scan field."""

    def __init__(self, till) -> None:
        super().__init__(till)
        self.till = till

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not self.till.isVisible():
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        if not isinstance(watched, QWidget) or watched is self.till.scan \
                or not self.till.isAncestorOf(watched):
            return False
        if isinstance(watched, QLineEdit | QAbstractSpinBox) \
                or self.till.cart.state() == QAbstractItemView.State.EditingState:
            return False  # the cashier is typing into a field
        text = event.text()
        if text and (text.isdigit() or text == "*"):
            self.till.scan.setFocus()
            self.till.scan.insert(text)
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.till.scan.text():
            self.till.scan.setFocus()
            self.till._scan_entered()
            return True
        return False
