"""People at the till: a manager enters their PIN so a cashier's session may do one
manager action; a signed-in user changes their own PIN; a manager adds users, gives them
new PINs and disables or enables them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services import users
from ui.dialogs.base import FocusDialog, FormDialog, named
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


ROLE_NAMES = {"cashier": N_("cashier"), "manager": N_("manager")}


class UserFormDialog(FormDialog):
    """A new user (name, role, PIN twice), or a new PIN for ``name`` (the PIN twice)."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, manager: Actor, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(_("New PIN for {name}").format(name=name) if name else _("Add a user"),
                         parent)
        self.ops, self.manager, self.for_name = ops, manager, name
        self.done_user: Actor | None = None
        self.name = named(QLineEdit(), "userName")
        self.role = named(QComboBox(), "userRole")
        for role, label in ROLE_NAMES.items():
            self.role.addItem(_(label), role)
        self.pin = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "userPin")
        self.again = named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "userPinAgain")
        if name is None:
            self.form.addRow(_("Name"), self.name)
            self.form.addRow(_("Role"), self.role)
        self.form.addRow(_("PIN"), self.pin)
        self.form.addRow(_("PIN again"), self.again)
        self.focus_field = self.pin if name else self.name

    def accept(self) -> None:
        if self.pin.text() != self.again.text():
            self.again.clear()
            self.refuse(_("the two PINs differ; type the PIN again"))
            return
        db = self.ops.database
        if self.for_name:
            call = lambda: users.reset_pin(db, actor=self.manager,  # noqa: E731
                                           name=self.for_name, new_pin=self.pin.text())
        else:
            call = lambda: users.add_user(db, actor=self.manager,  # noqa: E731
                                          name=self.name.text(), role=self.role.currentData(),
                                          pin=self.pin.text())
        done = self.ops.run(self, call, show=self.refuse)
        if done is not None:
            self.done_user = done
            super().accept()


class UsersDialog(FocusDialog):
    """A manager's list of the till's users: add one, give one a new PIN, disable one who
    left (their sales and audit lines stay theirs) or enable them again."""

    def __init__(self, ops, manager: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Users"))
        self.ops, self.manager = ops, manager
        self.table = named(QTableWidget(0, 3), "usersTable")
        self.table.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Signs in")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = named(QLabel(), "usersMessage")
        self.message.setWordWrap(True)
        add = named(QPushButton(_("Add a user...")), "usersAdd")
        add.clicked.connect(self.add)
        pin = named(QPushButton(_("New PIN...")), "usersPin")
        pin.clicked.connect(self.new_pin)
        self.toggle = named(QPushButton(_("Disable")), "usersToggle")
        self.toggle.clicked.connect(self.switch)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (add, pin, self.toggle):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._selected)
        self.resize(560, 360)
        self.focus_field = self.table
        self.people: list[Actor] = []
        self.refresh()

    def refresh(self, keep: str | None = None) -> None:
        found = self.ops.run(self, lambda: users.list_users(self.ops.database,
                                                            with_disabled=True),
                             show=self.message.setText)
        self.people = found or []
        self.table.setRowCount(len(self.people))
        for row, person in enumerate(self.people):
            for col, value in enumerate((person.name, _(ROLE_NAMES.get(person.role,
                                                                        person.role)),
                                         _("no, disabled") if person.disabled else _("yes"))):
                self.table.setItem(row, col, QTableWidgetItem(value))
        names = [p.name for p in self.people]
        self.table.selectRow(names.index(keep) if keep in names else 0)
        self._selected()

    def _person(self) -> Actor | None:
        row = self.table.currentRow()
        return self.people[row] if 0 <= row < len(self.people) else None

    def _selected(self) -> None:
        person = self._person()
        self.toggle.setText(_("Enable") if person and person.disabled else _("Disable"))

    def add(self) -> None:
        dialog = UserFormDialog(self.ops, self.manager, self)
        if dialog.exec() and dialog.done_user is not None:
            self.message.setText(_("{name} can sign in now.").format(
                name=dialog.done_user.name))
            self.refresh(keep=dialog.done_user.name)

    def new_pin(self) -> None:
        person = self._person()
        if person is None:
            return
        dialog = UserFormDialog(self.ops, self.manager, self, name=person.name)
        if dialog.exec():
            self.message.setText(_("{name} has a new PIN.").format(name=person.name))

    def switch(self) -> None:
        person = self._person()
        if person is None:
            return
        if not person.disabled and not self.ops.ask_sure(self, _(
                "Disable {name}? They sign in no more; their sales stay theirs.").format(
                name=person.name)):
            return
        done = self.ops.run(self, lambda: users.set_enabled(
            self.ops.database, actor=self.manager, name=person.name,
            enabled=person.disabled), show=self.message.setText)
        if done is not None:
            self.message.setText((_("{name} can sign in again.") if not done.disabled
                                  else _("{name} is disabled.")).format(name=done.name))
            self.refresh(keep=done.name)
