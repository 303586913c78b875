"""People at the till: a manager enters their PIN so a cashier's session may do one
manager action; a signed-in user changes their own PIN."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import users
from ui.dialogs.base import FormDialog, named
from ui.ops import sentence


class ManagerPinDialog(FormDialog):
    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, action: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Manager needed"), parent)
        self.ops = ops
        self.actor: Actor | None = None
        self.form.addRow(QLabel(sentence(_("{action} needs a manager").format(action=action))))
        self.user = named(QComboBox(), "managerUser")
        managers = ops.run(self, lambda: [u for u in users.list_users(ops.database)
                                          if u.is_manager], show=self.refuse) or []
        for person in managers:
            self.user.addItem(person.name)
        self.pin = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "managerPin")
        self.form.addRow(_("Manager"), self.user)
        self.form.addRow(_("PIN"), self.pin)
        self.focus_field = self.pin

    def accept(self) -> None:
        def check() -> Actor:
            actor = users.sign_in(self.ops.database, name=self.user.currentText(),
                                  pin=self.pin.text())
            require_manager(actor, _("this"))
            return actor

        actor = self.ops.run(self, check, show=self.refuse)
        if actor is None:
            self.pin.clear()
            return
        self.actor = actor
        super().accept()


class ChangePinDialog(FormDialog):
    """The signed-in user types their PIN, then the new one twice."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, parent: QWidget | None = None) -> None:
        super().__init__(_("Change my PIN"), parent)
        self.ops = ops
        self.old = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "oldPin")
        self.new = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "newPin")
        self.again = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "newPinAgain")
        least = 6 if ops.actor is not None and ops.actor.is_manager else 4
        self.new.setPlaceholderText(_("{least} to 12 digits").format(least=least))
        self.form.addRow(QLabel(ops.actor.name if ops.actor else ""))
        self.form.addRow(_("PIN now"), self.old)
        self.form.addRow(_("New PIN"), self.new)
        self.form.addRow(_("New PIN again"), self.again)
        self.focus_field = self.old
        self.changed = False
        self.setMinimumWidth(380)  # room for the reason a PIN is refused

    def accept(self) -> None:
        if self.new.text() != self.again.text():
            self.refuse(_("the two new PINs differ; type the same PIN twice"))
            return
        actor = self.ops.actor
        done = self.ops.run(self, lambda: users.change_pin(
            self.ops.database, actor=actor, old_pin=self.old.text(), new_pin=self.new.text())
            or True, show=self.refuse)
        if not done:
            return
        self.changed = True
        super().accept()
