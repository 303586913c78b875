"""The till's money dialogs: cash tendered, cashback to redeem, an item not in the catalog."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from loyaltypos.domain import i18n
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.money import fmt_amount, fmt_display, parse_amount
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine, RedeemRequest, parse_quantity
from ui.dialogs.base import FormDialog, named


def quantity_text(qty: Decimal) -> str:
    return i18n.quantity_text(qty)


class CashDialog(FormDialog):
    """Cash handed over: shows the change; 'rest by card' for a mixed payment.

    Opens with the total in "Cash given", selected: typing 2000 replaces it, Enter pays.
    """

    scan_guard = scan_attaches_card = True  # a scanner's burst here is a scan

    def __init__(self, total: int, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Cash"), parent)
        self.total, self.currency = total, currency
        self.tendered: int | None = None
        self.rest_by_card = False
        self.form.addRow(_("To pay"), named(QLabel(f"<b>{fmt_display(total, currency)}</b>"),
                                            "cashTotal"))
        self.amount = named(QLineEdit(fmt_amount(total, currency)), "cashTendered")
        self.change = named(QLabel(), "cashChange")
        self.form.addRow(_("Cash given"), self.amount)
        self.form.addRow(_("Change"), self.change)
        split = named(QPushButton(_("Cash given, rest by card")), "cashRestByCard")
        split.setAutoDefault(False)
        split.clicked.connect(self._rest_by_card)
        self.buttons.addButton(split, QDialogButtonBox.ButtonRole.ActionRole)
        self.amount.textChanged.connect(self._show_change)
        self.focus_field = self.amount
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
            self.change.setText(_("{amount} short").format(
                amount=fmt_display(self.total - given, self.currency)))

    def accept(self) -> None:
        try:
            given = self._read()
        except Refused as exc:
            self.refuse(exc)
            return
        if given < self.total:
            self.refuse(_("the cash does not cover the total: take more, or press"
                          " 'Cash given, rest by card'"))
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


class RedeemDialog(FormDialog):
    """How much cashback pays this bill: an amount up to the cap, or Max."""

    scan_guard = scan_attaches_card = True  # a scanner's burst here is a scan

    def __init__(self, cap: int, balance: int, currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Pay with cashback"), parent)
        self.currency, self.cap = currency, cap
        self.request: RedeemRequest = None
        self.form.addRow(_("Balance"), QLabel(fmt_display(balance, currency)))
        self.form.addRow(_("Can pay now"),
                         named(QLabel(f"<b>{fmt_display(cap, currency)}</b>"), "redeemCap"))
        self.amount = named(QLineEdit(fmt_amount(cap, currency)), "redeemAmount")
        self.form.addRow(_("Amount"), self.amount)
        take_max = named(QPushButton(_("Max")), "redeemMax")
        take_max.setAutoDefault(False)
        take_max.clicked.connect(self._max)
        self.buttons.addButton(take_max, QDialogButtonBox.ButtonRole.ActionRole)
        self.focus_field = self.amount

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
            self.refuse(_("at most {cap} of cashback can pay this bill; lower the amount or"
                          " press Max").format(cap=fmt_display(self.cap, self.currency)))
            return
        self.request = amount or None
        super().accept()


class OpenItemDialog(FormDialog):
    """A line for anything not in the catalog: description, quantity, price."""

    scan_guard = scan_attaches_card = True  # a scanner's burst here is a scan

    def __init__(self, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Item not in the catalog"), parent)
        self.currency = currency
        self.line: CartLine | None = None
        self.description = named(QLineEdit(), "openDescription")
        self.qty = named(QLineEdit("1"), "openQty")
        self.price = named(QLineEdit(), "openPrice")
        self.eligible = named(QCheckBox(_("In the loyalty program")), "openEligible")
        self.eligible.setChecked(True)
        self.form.addRow(_("Description"), self.description)
        self.form.addRow(_("Quantity"), self.qty)
        self.form.addRow(_("Unit price"), self.price)
        self.form.addRow("", self.eligible)
        self.focus_field = self.description

    def accept(self) -> None:
        try:
            description = self.description.text().strip()
            if not description:
                raise Refused(_("type what is sold"))
            qty = parse_quantity(self.qty.text())
            price = parse_amount(self.price.text(), self.currency)
        except Refused as exc:
            self.refuse(exc)
            return
        self.line = CartLine(description, qty, price, self.eligible.isChecked())
        super().accept()
