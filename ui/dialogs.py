"""Small dialogs of the till: a manager's PIN, cash tendered, cashback to redeem, a free item."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import fmt, fmt_display, parse_amount
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine, RedeemRequest, parse_quantity
from loyaltypos.services import users


def _named(widget: QWidget, name: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    return widget


class _Form(QDialog):
    """A dialog with a form, an error line and OK/Cancel; subclasses fill ``accept``."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = _named(QLabel(), "dialogError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def refuse(self, exc: Refused | str) -> None:
        text = str(exc)
        self.error.setText(text[:1].upper() + text[1:])


class ManagerPinDialog(_Form):
    """A manager enters their PIN so a cashier's session may do one manager action."""

    def __init__(self, ops, action: str, parent: QWidget | None = None) -> None:
        super().__init__("Manager needed", parent)
        self.ops = ops
        self.actor: users.Actor | None = None
        self.form.addRow(QLabel(f"{action[:1].upper() + action[1:]} needs a manager."))
        self.user = _named(QComboBox(), "managerUser")
        for person in users.list_users(ops.database):
            if person.is_manager:
                self.user.addItem(person.name)
        self.pin = _named(QLineEdit(echoMode=QLineEdit.EchoMode.Password), "managerPin")
        self.form.addRow("Manager", self.user)
        self.form.addRow("PIN", self.pin)
        self.pin.setFocus()

    def accept(self) -> None:
        try:
            actor = users.sign_in(self.ops.database, name=self.user.currentText(),
                                  pin=self.pin.text())
            users.require_manager(actor, "this")
        except Refused as exc:
            self.pin.clear()
            self.refuse(exc)
            return
        self.actor = actor
        super().accept()


class CashDialog(_Form):
    """Cash handed over: shows the change; 'rest by card' for a mixed payment."""

    def __init__(self, total: int, currency: str, parent: QWidget | None = None) -> None:
        super().__init__("Cash", parent)
        self.total, self.currency = total, currency
        self.tendered: int | None = None
        self.rest_by_card = False
        self.form.addRow("To pay", QLabel(f"<b>{fmt_display(total, currency)}</b>"))
        self.amount = _named(QLineEdit(fmt(total, currency)), "cashTendered")
        self.amount.selectAll()
        self.change = _named(QLabel(), "cashChange")
        self.form.addRow("Cash given", self.amount)
        self.form.addRow("Change", self.change)
        split = _named(QPushButton("Cash given, rest by card"), "cashRestByCard")
        split.setAutoDefault(False)
        split.clicked.connect(self._rest_by_card)
        self.buttons.addButton(split, QDialogButtonBox.ButtonRole.ActionRole)
        self.amount.textChanged.connect(self._show_change)
        self._show_change()

    def _read(self) -> int:
        return parse_amount(self.amount.text() or "0", self.currency)

    def _show_change(self) -> None:
        try:
            given = self._read()
        except Refused:
            self.change.setText("")
            return
        if given >= self.total:
            self.change.setText(fmt_display(given - self.total, self.currency))
        else:
            self.change.setText(f"{fmt_display(self.total - given, self.currency)} short")

    def accept(self) -> None:
        try:
            given = self._read()
        except Refused as exc:
            self.refuse(exc)
            return
        if given < self.total:
            self.refuse("the cash does not cover the total: take more, or press"
                        " 'Cash given, rest by card'")
            return
        self.tendered = given
        super().accept()

    def _rest_by_card(self) -> None:
        try:
            given = self._read()
        except Refused as exc:
            self.refuse(exc)
            return
        self.tendered, self.rest_by_card = min(given, self.total), True
        super().accept()


class RedeemDialog(_Form):
    """How much cashback pays this bill: an amount up to the cap, or max."""

    def __init__(self, cap: int, balance: int, currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__("Pay with cashback", parent)
        self.currency, self.cap = currency, cap
        self.request: RedeemRequest = None
        self.form.addRow("Balance", QLabel(fmt_display(balance, currency)))
        self.form.addRow("Can pay now", _named(QLabel(f"<b>{fmt_display(cap, currency)}</b>"),
                                               "redeemCap"))
        self.amount = _named(QLineEdit(fmt(cap, currency)), "redeemAmount")
        self.amount.selectAll()
        self.form.addRow("Amount", self.amount)
        take_max = _named(QPushButton("Max"), "redeemMax")
        take_max.setAutoDefault(False)
        take_max.clicked.connect(self._max)
        self.buttons.addButton(take_max, QDialogButtonBox.ButtonRole.ActionRole)

    def _max(self) -> None:
        self.request = REDEEM_MAX
        super().accept()

    def accept(self) -> None:
        try:
            amount = parse_amount(self.amount.text() or "0", self.currency)
        except Refused as exc:
            self.refuse(exc)
            return
        if amount > self.cap:
            self.refuse(f"at most {fmt_display(self.cap, self.currency)} of cashback can pay"
                        " this bill; lower the amount or press Max")
            return
        self.request = amount or None
        super().accept()


class OpenItemDialog(_Form):
    """A line for anything not in the catalog: description, quantity, price."""

    def __init__(self, currency: str, parent: QWidget | None = None) -> None:
        super().__init__("Item not in the catalog", parent)
        self.currency = currency
        self.line: CartLine | None = None
        self.description = _named(QLineEdit(), "openDescription")
        self.qty = _named(QLineEdit("1"), "openQty")
        self.price = _named(QLineEdit(), "openPrice")
        self.eligible = _named(QCheckBox("In the loyalty program"), "openEligible")
        self.eligible.setChecked(True)
        self.form.addRow("Description", self.description)
        self.form.addRow("Quantity", self.qty)
        self.form.addRow("Unit price", self.price)
        self.form.addRow("", self.eligible)

    def accept(self) -> None:
        try:
            description = self.description.text().strip()
            if not description:
                raise Refused("type what is sold")
            qty = parse_quantity(self.qty.text())
            price = parse_amount(self.price.text(), self.currency)
        except Refused as exc:
            self.refuse(exc)
            return
        self.line = CartLine(description, qty, price, self.eligible.isChecked())
        super().accept()


def quantity_text(qty: Decimal) -> str:
    return f"{qty.normalize():f}"
