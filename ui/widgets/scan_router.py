"""A scanner's burst lands in the scan field wherever the focus is on the till, and is
never taken as typing in a dialog that pays or asks for a figure.

A scanner types a code and Enter far faster than a person (a few milliseconds a key).
On the till, digits typed anywhere go to the scan field. In a dialog that guards against
scans (``scan_guard = True``: cash, cashback, an item not in the catalog, a PIN, the
counted cash) the keys go on to the field as typed, and the field's text from before the
first fast key is kept: when :data:`BURST_MIN` or more keys came one right after the
other and Enter ends them, that was a scan. The field gets its text back, the Enter never
reaches the dialog, and the code goes to the till (:meth:`TillScreen.scan_in_dialog`).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QApplication, QLineEdit, QWidget

BURST_GAP_S = 0.035  # a scanner's keys come closer than this; a person's never do
BURST_MIN = 8  # the shortest code a scanner reads (EAN-8)
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _Burst:
    """Keys coming fast into one field, and the field as it was before the first."""

    def __init__(self, field: QWidget | None, at: float) -> None:
        self.field = field if isinstance(field, QLineEdit) else None
        self.text = self.field.text() if self.field else ""
        self.selection = (self.field.selectionStart(), len(self.field.selectedText())) \
            if self.field else (-1, 0)
        self.cursor = self.field.cursorPosition() if self.field else 0
        self.code, self.last = "", at

    def add(self, key: str, at: float) -> None:
        self.code, self.last = self.code + key, at

    def undo(self) -> None:
        """The field's text, cursor and selection as before the burst."""
        if self.field is None:
            return
        self.field.setText(self.text)
        start, length = self.selection
        if start >= 0 and length:
            self.field.setSelection(start, length)
        else:
            self.field.setCursorPosition(self.cursor)


class ScanRouter(QObject):
    """Sends digits typed anywhere on the till (a scanner's burst) to the scan field, and
    keeps a burst out of a guarded dialog."""

    def __init__(self, till) -> None:
        super().__init__(till)
        self.till = till
        self._burst: _Burst | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not self.till.isVisible():
            return False
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            if not getattr(dialog, "scan_guard", False) or not isinstance(watched, QWidget) \
                    or not dialog.isAncestorOf(watched):
                return False
            return self._in_dialog(dialog, event)
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
        if event.key() in _ENTER and self.till.scan.text():
            self.till.scan.setFocus()
            self.till._scan_entered()
            return True
        return False

    # ---------------------------------------------------------------- in a dialog

    def _in_dialog(self, dialog: QWidget, event: QKeyEvent) -> bool:
        now = time.monotonic()
        burst, text = self._burst, event.text()
        if event.key() in _ENTER:
            self._burst = None
            if burst is not None and len(burst.code) >= BURST_MIN \
                    and now - burst.last <= BURST_GAP_S:
                burst.undo()
                self.till.scan_in_dialog(dialog, burst.code)
                return True
            return False
        # a code is letters, digits and dashes; an amount's point or comma is a person's
        if len(text) == 1 and text.isprintable() and not text.isspace() and text not in ".,":
            if burst is None or now - burst.last > BURST_GAP_S:
                burst = self._burst = _Burst(QApplication.focusWidget(), now)
            burst.add(text, now)
        else:
            self._burst = None
        return False
