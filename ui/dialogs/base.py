"""What every dialog shares: a form, an error line, OK and Cancel, and the focus where
the person types.

A dialog names the field the person types into first (``focus_field``); when it is
shown, that field has the focus with its text selected, so typing replaces the
suggestion and Enter confirms it. Esc cancels. Errors appear in the dialog's own
red line and the dialog stays open to be corrected.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from ui.ops import sentence

ERROR_STYLE = "color: #b00020;"


def named(widget: QWidget, name: str, accessible: str | None = None) -> QWidget:
    """Give a widget the object name tests and screen readers find it by."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible or name)
    return widget


def with_browse(field: QLineEdit, browse) -> QHBoxLayout:
    """A path field with its "Choose..." button beside it (Enter stays with the dialog)."""
    button = QPushButton(_("Choose..."))
    button.setAutoDefault(False)
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(field)
    row.addWidget(button)
    return row


def focus_on(field: QWidget | None) -> None:
    """Put the keyboard focus in ``field`` and select its text, as a cashier expects."""
    if field is None or not field.isEnabled():
        return
    field.setFocus(Qt.FocusReason.OtherFocusReason)
    if isinstance(field, QLineEdit | QAbstractSpinBox):
        field.selectAll()


class FocusDialog(QDialog):
    """A dialog that opens with the focus in ``focus_field``."""

    focus_field: QWidget | None = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # After Qt has given the default button its focus on show, put it where people type.
        focus_on(self.focus_field)
        QTimer.singleShot(0, lambda: focus_on(self.focus_field) if self.isVisible() else None)


class FormDialog(FocusDialog):
    """A dialog with a form, an error line and OK/Cancel; subclasses fill ``accept``."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = named(QLabel(), "dialogError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def refuse(self, exc: Refused | str) -> None:
        """Show why the dialog cannot be confirmed; the focus goes back to the field."""
        self.error.setText(sentence(str(exc)))
        focus_on(self.focus_field)
