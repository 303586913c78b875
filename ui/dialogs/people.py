"""A manager enters their PIN so a cashier's session may do one manager action."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import users
from ui.dialogs.base import FormDialog, named
from ui.ops import sentence


class ManagerPinDialog(FormDialog):
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
