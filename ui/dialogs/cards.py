"""Dialogs about cards: issue one, find a customer, and a manager's card actions."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
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

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.cards import CardInfo, CustomerInput
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.domain.money import fmt_display, parse_amount
from loyaltypos.services import cards
from ui.dialogs.base import FocusDialog, FormDialog, named
from ui.ops import Change


class HolderFields:
    """Name, phone, e-mail, birthday and consent of a card's holder, on a form."""

    def __init__(self, form, prefix: str) -> None:
        self.name = named(QLineEdit(), f"{prefix}Name")
        self.phone = named(QLineEdit(placeholderText="+7 912 345-67-89"), f"{prefix}Phone")
        self.email = named(QLineEdit(), f"{prefix}Email")
        self.birthday = named(QLineEdit(placeholderText=_("YYYY-MM-DD")), f"{prefix}Birthday")
        self.consent = named(QCheckBox(_("Agrees to receive offers")), f"{prefix}Consent")
        self.referrer = named(QLineEdit(placeholderText=_("optional")), f"{prefix}ReferredBy")
        form.addRow(_("Name"), self.name)
        form.addRow(_("Phone"), self.phone)
        form.addRow(_("E-mail"), self.email)
        form.addRow(_("Birthday"), self.birthday)
        form.addRow("", self.consent)
        form.addRow(_("Recommended by (card or phone)"), self.referrer)
        self.widgets = (self.name, self.phone, self.email, self.birthday, self.consent,
                        self.referrer)

    def referred_by(self) -> str | None:
        """The card number or phone of who recommended the shop, if the person gave one."""
        return self.referrer.text().strip() or None

    def customer(self) -> CustomerInput:
        born = None
        if self.birthday.text().strip():
            try:
                born = dt.date.fromisoformat(self.birthday.text().strip())
            except ValueError:
                raise Refused(_("write the birthday as YYYY-MM-DD, e.g. 1990-05-31")) from None
        return CustomerInput(name=self.name.text(), phone=self.phone.text() or None,
                             email=self.email.text() or None, birthday=born,
                             marketing_consent=self.consent.isChecked())


class IssueCardDialog(FormDialog):
    """Issue a personal card (a named customer) or a bearer card."""

    def __init__(self, ops, parent: QWidget | None = None) -> None:
        super().__init__(_("Issue a card"), parent)
        self.ops = ops
        self.card: CardInfo | None = None
        self.personal = named(QRadioButton(_("Personal card")), "issuePersonal")
        self.bearer = named(QRadioButton(_("Bearer card (no name)")), "issueBearer")
        self.personal.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.personal)
        group.addButton(self.bearer)
        kinds = QHBoxLayout()
        kinds.addWidget(self.personal)
        kinds.addWidget(self.bearer)
        self.form.addRow(kinds)
        self.holder = HolderFields(self.form, "issue")
        self.print_it = named(QCheckBox(_("Print the card now")), "issuePrint")
        self.form.addRow("", self.print_it)
        self.personal.toggled.connect(self._kind_changed)
        self.focus_field = self.holder.name

    def _kind_changed(self, personal: bool) -> None:
        for widget in self.holder.widgets:
            widget.setEnabled(personal)

    def accept(self) -> None:
        def issue() -> list[CardInfo]:
            if self.personal.isChecked():
                return cards.issue_cards(self.ops.database, actor=self.ops.actor,
                                         kind="personal", customer=self.holder.customer(),
                                         referred_by=self.holder.referred_by())
            return cards.issue_cards(self.ops.database, actor=self.ops.actor, kind="bearer")

        issued = self.ops.run(self, issue, changes=Change.CARDS, show=self.refuse)
        if issued is None:
            return
        self.card = issued[0]
        super().accept()


FIND_COLUMNS = (N_("Card"), N_("Holder"), N_("Phone"), N_("Tier"), N_("Balance"), N_("State"))


class FindCustomerDialog(FocusDialog):
    """Find a customer by phone digits or part of the name. Enter searches: one customer
    found is taken at once; several are listed, the focus goes to the list, and the arrow
    keys and Enter choose one. Nobody is ever taken without being seen."""

    def __init__(self, ops, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Find a customer"))
        self.ops, self.currency = ops, currency
        self.number: str | None = None
        self.query = named(QLineEdit(placeholderText=_("phone digits or name")), "findText")
        self.results = named(QTableWidget(0, len(FIND_COLUMNS)), "findResults")
        self.results.setHorizontalHeaderLabels([_(c) for c in FIND_COLUMNS])
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.verticalHeader().setVisible(False)
        self.message = named(QLabel(), "findMessage")
        choose = QPushButton(_("Use this card"))
        choose.setAutoDefault(False)
        choose.clicked.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        layout.addWidget(self.message)
        layout.addWidget(choose)
        self.query.returnPressed.connect(self._search_or_choose)
        self.results.doubleClicked.connect(self._choose)
        self.results.installEventFilter(self)
        self.resize(720, 360)
        self._found: list[CardInfo] = []
        self._searched = ""
        self.focus_field = self.query

    def eventFilter(self, watched, event) -> bool:
        if watched is self.results and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._choose()  # Enter on the list takes the line the arrows chose
            return True
        return super().eventFilter(watched, event)

    def _search_or_choose(self) -> None:
        if not (self._found and self.query.text() == self._searched):
            self.search()
        if len(self._found) == 1:
            self._choose()  # the only one: no choice to make
        elif self._found:
            self.results.setFocus()  # several: the cashier chooses with the arrows

    def search(self) -> None:
        self._searched = self.query.text()
        found = self.ops.run(self, lambda: cards.find_cards(self.ops.database,
                                                            actor=self.ops.actor,
                                                            text=self.query.text()),
                             show=self.message.setText)
        self._found = found or []
        self.results.setRowCount(len(self._found))
        for row, info in enumerate(self._found):
            values = (info.number, info.holder.name if info.holder else _("Bearer card"),
                      info.holder.phone or "" if info.holder else "", info.tier,
                      fmt_display(info.balance, self.currency), info.status)
            for col, value in enumerate(values):
                self.results.setItem(row, col, QTableWidgetItem(value))
        if self._found:
            self.results.selectRow(0)
            self.message.setText(ngettext(
                "{n} found; choose with the arrow keys and Enter",
                "{n} found; choose with the arrow keys and Enter",
                len(self._found)).format(n=len(self._found)))
        elif found is not None:
            self.message.setText(_("No customer found"))

    def _choose(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self._found):
            self.number = self._found[row].number
            self.accept()


class CardAdminDialog(FormDialog):
    """A manager's actions on one card: block, replace, register, adjust, pin a tier."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, manager, info: CardInfo, tiers: list[str], currency: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Card {number}").format(number=info.number), parent)
        self.ops, self.manager, self.info, self.currency = ops, manager, info, currency
        self.result_card: CardInfo | None = None
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Close"))
        self.buttons.button(self.buttons.StandardButton.Cancel).hide()
        holder = escape(info.holder.name) if info.holder else _("Bearer card")
        self.form.addRow(QLabel(_("<b>{holder}</b> - {tier}, balance {balance}").format(
            holder=holder, tier=escape(info.tier),
            balance=fmt_display(info.balance, currency))))
        block = named(QPushButton(_("Block (lost or stolen)")), "adminBlock")
        replace = named(QPushButton(_("Replace with a new card")), "adminReplace")
        block.clicked.connect(self._block)
        replace.clicked.connect(self._replace)
        self.form.addRow(block, replace)
        self.amount = named(QLineEdit(placeholderText=_("e.g. 100 or -50")), "adminAmount")
        self.reason = named(QLineEdit(placeholderText=_("why")), "adminReason")
        adjust = named(QPushButton(_("Adjust balance")), "adminAdjust")
        adjust.clicked.connect(self._adjust)
        self.form.addRow(_("Amount"), self.amount)
        self.form.addRow(_("Reason"), self.reason)
        self.form.addRow("", adjust)
        self.tier = named(QComboBox(), "adminTier")
        self.tier.addItems([_("(follow spend)"), *tiers])
        pin = named(QPushButton(_("Pin tier")), "adminPin")
        pin.clicked.connect(self._pin)
        self.form.addRow(self.tier, pin)
        for button in (block, replace, adjust, pin):
            button.setAutoDefault(False)
        if info.kind == "bearer":
            self.register = HolderFields(self.form, "register")
            register = named(QPushButton(_("Register to this person")), "adminRegister")
            register.setAutoDefault(False)
            register.clicked.connect(self._register)
            self.form.addRow("", register)
        self.focus_field = self.amount

    def _do(self, call) -> None:
        result = self.ops.run(self, call, changes=Change.CARDS, show=self.refuse)
        if result is None:
            return
        self.result_card = getattr(result, "new", result)
        self.error.setText("")
        super().accept()

    def _block(self) -> None:
        who = self.info.holder.name if self.info.holder else _("bearer card")
        if not self.ops.ask_sure(self, _(
                "Block card {number} ({who})? Every till refuses it from now on; its balance"
                " waits for a replacement card.").format(
                number=cardnumbers.masked(self.info.number), who=who)):
            return
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
                                             customer=self.register.customer(),
                                             referred_by=self.register.referred_by()))
