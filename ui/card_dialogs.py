"""Dialogs about cards: issue one, find a customer, and a manager's card actions."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import fmt_display, parse_amount
from loyaltypos.services import cards
from ui.dialogs import _Form, _named


def _customer(name: QLineEdit, phone: QLineEdit, email: QLineEdit, birthday: QLineEdit,
              consent: QCheckBox) -> cards.CustomerInput:
    born = None
    if birthday.text().strip():
        try:
            born = dt.date.fromisoformat(birthday.text().strip())
        except ValueError:
            raise Refused("write the birthday as YYYY-MM-DD, e.g. 1990-05-31") from None
    return cards.CustomerInput(name=name.text(), phone=phone.text() or None,
                               email=email.text() or None, birthday=born,
                               marketing_consent=consent.isChecked())


class _HolderFields:
    def __init__(self, form, prefix: str) -> None:
        self.name = _named(QLineEdit(), f"{prefix}Name")
        self.phone = _named(QLineEdit(placeholderText="+7 912 345-67-89"), f"{prefix}Phone")
        self.email = _named(QLineEdit(), f"{prefix}Email")
        self.birthday = _named(QLineEdit(placeholderText="YYYY-MM-DD"), f"{prefix}Birthday")
        self.consent = _named(QCheckBox("Agrees to receive offers"), f"{prefix}Consent")
        form.addRow("Name", self.name)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        form.addRow("Birthday", self.birthday)
        form.addRow("", self.consent)
        self.widgets = (self.name, self.phone, self.email, self.birthday, self.consent)

    def customer(self) -> cards.CustomerInput:
        return _customer(self.name, self.phone, self.email, self.birthday, self.consent)


class IssueCardDialog(_Form):
    """Issue a personal card (a named customer) or a bearer card."""

    def __init__(self, ops, parent: QWidget | None = None) -> None:
        super().__init__("Issue a card", parent)
        self.ops = ops
        self.card: cards.CardInfo | None = None
        self.personal = _named(QRadioButton("Personal card"), "issuePersonal")
        self.bearer = _named(QRadioButton("Bearer card (no name)"), "issueBearer")
        self.personal.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.personal)
        group.addButton(self.bearer)
        kinds = QHBoxLayout()
        kinds.addWidget(self.personal)
        kinds.addWidget(self.bearer)
        self.form.addRow(kinds)
        self.holder = _HolderFields(self.form, "issue")
        self.print_it = _named(QCheckBox("Print the card now"), "issuePrint")
        self.form.addRow("", self.print_it)
        self.personal.toggled.connect(self._kind_changed)
        self.holder.name.setFocus()

    def _kind_changed(self, personal: bool) -> None:
        for widget in self.holder.widgets:
            widget.setEnabled(personal)

    def accept(self) -> None:
        try:
            if self.personal.isChecked():
                issued = cards.issue_cards(self.ops.database, actor=self.ops.actor,
                                           kind="personal", customer=self.holder.customer())
            else:
                issued = cards.issue_cards(self.ops.database, actor=self.ops.actor,
                                           kind="bearer")
        except Refused as exc:
            self.refuse(exc)
            return
        self.card = issued[0]
        self.ops.changed.emit("cards")
        super().accept()


class FindCustomerDialog(QDialog):
    """Find a customer by phone digits or part of the name; Enter takes the first match."""

    COLUMNS = ("Card", "Holder", "Phone", "Tier", "Balance", "State")

    def __init__(self, ops, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a customer")
        self.ops, self.currency = ops, currency
        self.number: str | None = None
        self.query = _named(QLineEdit(placeholderText="phone digits or name"), "findText")
        self.results = _named(QTableWidget(0, len(self.COLUMNS)), "findResults")
        self.results.setHorizontalHeaderLabels(self.COLUMNS)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.verticalHeader().setVisible(False)
        self.message = _named(QLabel(), "findMessage")
        choose = QPushButton("Use this card")
        choose.clicked.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        layout.addWidget(self.message)
        layout.addWidget(choose)
        self.query.returnPressed.connect(self._search_or_choose)
        self.results.doubleClicked.connect(self._choose)
        self.resize(720, 360)
        self._found: list[cards.CardInfo] = []
        self._searched = ""

    def _search_or_choose(self) -> None:
        if self._found and self.query.text() == self._searched:
            self._choose()
            return
        self.search()

    def search(self) -> None:
        self._searched = self.query.text()
        found = self.ops.run(self, lambda: cards.find_cards(self.ops.database,
                                                            text=self.query.text()),
                             show=self.message.setText)
        self._found = found or []
        self.results.setRowCount(len(self._found))
        for row, info in enumerate(self._found):
            values = (info.number, info.holder.name if info.holder else "Bearer card",
                      info.holder.phone or "" if info.holder else "", info.tier,
                      fmt_display(info.balance, self.currency), info.status)
            for col, value in enumerate(values):
                self.results.setItem(row, col, QTableWidgetItem(value))
        if self._found:
            self.results.selectRow(0)
            self.message.setText(f"{len(self._found)} found; Enter takes the selected one")
        else:
            self.message.setText("No customer found" if found is not None
                                 else "Type at least two letters or digits")

    def _choose(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self._found):
            self.number = self._found[row].number
            self.accept()


class CardAdminDialog(_Form):
    """A manager's actions on one card: block, replace, register, adjust, pin a tier."""

    def __init__(self, ops, manager, info: cards.CardInfo, tiers: list[str], currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Card {info.number}", parent)
        self.ops, self.manager, self.info, self.currency = ops, manager, info, currency
        self.result_card: cards.CardInfo | None = None
        self.buttons.button(self.buttons.StandardButton.Ok).setText("Close")
        self.buttons.button(self.buttons.StandardButton.Cancel).hide()
        self.form.addRow(QLabel(f"<b>{info.holder.name if info.holder else 'Bearer card'}</b>"
                                f" - {info.tier}, balance {fmt_display(info.balance, currency)}"))
        block = _named(QPushButton("Block (lost or stolen)"), "adminBlock")
        replace = _named(QPushButton("Replace with a new card"), "adminReplace")
        block.clicked.connect(self._block)
        replace.clicked.connect(self._replace)
        self.form.addRow(block, replace)
        self.amount = _named(QLineEdit(placeholderText="e.g. 100 or -50"), "adminAmount")
        self.reason = _named(QLineEdit(placeholderText="why"), "adminReason")
        adjust = _named(QPushButton("Adjust balance"), "adminAdjust")
        adjust.clicked.connect(self._adjust)
        self.form.addRow("Amount", self.amount)
        self.form.addRow("Reason", self.reason)
        self.form.addRow("", adjust)
        self.tier = _named(QComboBox(), "adminTier")
        self.tier.addItems(["(follow spend)", *tiers])
        pin = _named(QPushButton("Pin tier"), "adminPin")
        pin.clicked.connect(self._pin)
        self.form.addRow(self.tier, pin)
        if info.kind == "bearer":
            self.register = _HolderFields(self.form, "register")
            register = _named(QPushButton("Register to this person"), "adminRegister")
            register.clicked.connect(self._register)
            self.form.addRow("", register)

    def _do(self, call) -> None:
        try:
            result = call()
        except Refused as exc:
            self.refuse(exc)
            return
        self.result_card = getattr(result, "new", result)
        self.ops.changed.emit("cards")
        self.error.setText("")
        super().accept()

    def _block(self) -> None:
        self._do(lambda: cards.block_card(self.ops.database, actor=self.manager,
                                          number=self.info.number, reason="lost or stolen"))

    def _replace(self) -> None:
        self._do(lambda: cards.replace_card(self.ops.database, actor=self.manager,
                                            number=self.info.number))

    def _adjust(self) -> None:
        self._do(lambda: cards.adjust_balance(
            self.ops.database, actor=self.manager, number=self.info.number,
            amount=parse_amount(self.amount.text(), self.currency, allow_negative=True),
            reason=self.reason.text()))

    def _pin(self) -> None:
        tier = None if self.tier.currentIndex() == 0 else self.tier.currentText()
        self._do(lambda: cards.pin_tier(self.ops.database, actor=self.manager,
                                        number=self.info.number, tier=tier))

    def _register(self) -> None:
        self._do(lambda: cards.register_card(self.ops.database, actor=self.manager,
                                             number=self.info.number,
                                             customer=self.register.customer()))
