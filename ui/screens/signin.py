"""Sign-in: choose a user, enter the PIN."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.i18n import _
from loyaltypos.services import store, users
from ui.ops import Ops


class SignInScreen(QWidget):
    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.title = QLabel(objectName="signInTitle")
        self.subtitle = QLabel(_("Sign in to the till"))
        self.user = QComboBox(objectName="signInUser")
        self.user.setAccessibleName(_("User"))
        # a name chosen: the PIN is what comes next, so that is where the keys go
        self.user.activated.connect(lambda _index: self.pin.setFocus())
        self.pin = QLineEdit(objectName="signInPin", echoMode=QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName(_("PIN"))
        self.pin.setPlaceholderText(_("PIN, then Enter"))
        self.hint = QLabel(objectName="signInHint")
        self.hint.setWordWrap(True)
        self.message = QLabel(objectName="signInMessage")
        self.message.setStyleSheet("color: #b00020;")
        button = QPushButton(_("Sign in"), objectName="signInButton")
        button.clicked.connect(self.submit)
        self.pin.returnPressed.connect(self.submit)
        form = QFormLayout()
        form.addRow(_("User"), self.user)
        form.addRow(_("PIN"), self.pin)
        box = QWidget()
        box.setFixedWidth(420)  # a fixed width: the wrapped hint gets the height it needs
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.subtitle)
        inner.addLayout(form)
        inner.addWidget(button)
        inner.addWidget(self.message)
        inner.addWidget(self.hint)
        row = QHBoxLayout()  # centred by stretches: an aligned item would get no more
        row.addStretch(1)   # than its one-line height, and the wrapped hint be cut
        row.addWidget(box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.pin.clear()
        self.message.clear()
        self.pin.setFocus()
        db = self.ops.database
        found = self.ops.run(self, lambda: (store.program_in_force(db).name,
                                            store.sign_in_hint(db), users.list_users(db)),
                             show=self.message.setText)
        if found is None:
            return
        shop, hint, people = found
        self.title.setText(f"<h2>{escape(shop)}</h2>")
        self.hint.setText(hint)
        current = self.user.currentText()
        self.user.clear()
        self.user.addItems([u.name for u in people])
        if current:
            self.user.setCurrentText(current)

    def submit(self) -> None:
        actor = self.ops.run(self, lambda: users.sign_in(self.ops.database,
                                                         name=self.user.currentText(),
                                                         pin=self.pin.text()),
                             show=self.message.setText)
        self.pin.clear()
        if actor is None:
            return
        self.ops.sign_in(actor)
