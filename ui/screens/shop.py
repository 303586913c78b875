"""The shop at a glance: name, currency, the program's tiers, the receipt header, the
database."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _, ngettext, quantity_text
from loyaltypos.domain.money import fmt_amount, fmt_display
from loyaltypos.services import display, nps, store
from ui.dialogs.program import ProgramDialog
from ui.ops import Change, Ops

NPS_CHOICES = (("never", N_("Never")), ("every", N_("After every card sale")),
               ("days", N_("Once per customer in")))
COLUMNS = (N_("Tier"), N_("Who"), N_("From spend"), N_("Discount"), N_("Cashback"))


def reward_lines(program) -> list[str]:
    """The program's rewards and expiry, one sentence each, as the owner set them."""
    cur, lines = program.currency, []
    welcome = program.reward("welcome")
    if welcome is not None:
        lines.append(_("A new personal card starts with a welcome bonus of {amount}.").format(
            amount=fmt_display(welcome.amount, cur)))
    stamps = program.reward("stamps")
    if stamps is not None:
        gift = (fmt_display(stamps.amount, cur) if stamps.gift == "bonus"
                else _("product {code} free").format(code=stamps.product))
        lines.append(_("A purchase of {least} or more earns a stamp; {every} stamps earn a"
                       " gift: {gift}.").format(every=stamps.every, gift=gift,
                                                least=fmt_display(stamps.min_check, cur)))
    birthday = program.reward("birthday")
    if birthday is not None:
        lines.append(ngettext(
            "A purchase within {n} day of the birthday earns {amount}, once a year.",
            "A purchase within {n} days of the birthday earns {amount}, once a year.",
            birthday.days).format(n=birthday.days, amount=fmt_display(birthday.amount, cur)))
    referral = program.reward("referral")
    if referral is not None:
        lines.append(_("A customer who brings a newcomer gets {amount} at the newcomer's first"
                       " purchase.").format(amount=fmt_display(referral.amount, cur)))
    if program.expiry.days:
        lines.append(ngettext("Cashback expires {n} day after it is credited.",
                              "Cashback expires {n} days after it is credited.",
                              program.expiry.days).format(n=program.expiry.days))
    if program.expiry.lock_days:
        lines.append(ngettext("What a sale earns can be spent from the next day on.",
                              "What a sale earns can be spent {n} days after the sale.",
                              program.expiry.lock_days).format(n=program.expiry.lock_days))
    return lines


class OverviewScreen(QWidget):
    def __init__(self, database: Database, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database, self.ops = database, ops
        self.title = QLabel(objectName="shopName")
        self.details = QLabel(objectName="programDetails")
        self.details.setWordWrap(True)
        self.tiers = QTableWidget(0, len(COLUMNS), objectName="tierTable")
        self.tiers.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.tiers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tiers.verticalHeader().setVisible(False)
        self.tiers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tiers.setAccessibleName(_("Loyalty tiers"))
        self.database_label = QLabel(objectName="databaseLabel")
        self.database_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.tiers, 1)
        layout.addWidget(self.database_label)
        edit = QPushButton(_("Edit the program (manager)..."), objectName="programEdit")
        edit.clicked.connect(self.edit_program)
        layout.addWidget(edit)
        self.header = QPlainTextEdit(objectName="receiptHeader")
        self.header.setPlaceholderText(_("Printed under the shop's name: address, phone, tax"
                                         " no."))
        self.header.setMaximumHeight(90)
        save = QPushButton(_("Save the receipt header (manager)"),
                           objectName="receiptHeaderSave")
        save.clicked.connect(self.save_header)
        self.header_message = QLabel(objectName="receiptHeaderMessage")
        layout.addWidget(QLabel(_("Receipt header (up to 6 lines of 48 characters)")))
        layout.addWidget(self.header)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(self.header_message, 1)
        layout.addLayout(row)
        # When the till asks "would you recommend us?" after a card sale (a shop setting).
        self.nps_ask = QComboBox(objectName="npsAsk")
        for key, label in NPS_CHOICES:
            self.nps_ask.addItem(_(label), key)
        self.nps_days = QSpinBox(objectName="npsDays", minimum=1, maximum=365, value=30)
        self.nps_days.setSuffix(_(" days"))
        self.nps_ask.currentIndexChanged.connect(
            lambda: self.nps_days.setEnabled(self.nps_ask.currentData() == "days"))
        save_nps = QPushButton(_("Save (manager)"), objectName="npsAskSave")
        save_nps.clicked.connect(self.save_nps_policy)
        self.nps_message = QLabel(objectName="npsAskMessage")
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Ask customers for a score (NPS)")))
        row.addWidget(self.nps_ask)
        row.addWidget(self.nps_days)
        row.addWidget(save_nps)
        row.addWidget(self.nps_message, 1)
        layout.addLayout(row)
        # The sale, the thank-you and the score keypad on a window facing the customer.
        self.display_on = QCheckBox(_("Customer display (second screen)"),
                                    objectName="customerDisplayOn")
        save_display = QPushButton(_("Save (manager)"), objectName="customerDisplaySave")
        save_display.clicked.connect(self.save_display)
        self.display_message = QLabel(objectName="customerDisplayMessage")
        row = QHBoxLayout()
        row.addWidget(self.display_on)
        row.addWidget(save_display)
        row.addWidget(self.display_message, 1)
        layout.addLayout(row)

    def shown(self) -> None:
        self.refresh()

    def on_changed(self, changes: Change) -> None:
        if changes & Change.PROGRAM and self.isVisible():
            self.refresh()

    def edit_program(self) -> None:
        manager = self.ops.manager(self, _("changing the program"))
        if manager is None:
            return
        ProgramDialog(self.ops, manager, self).exec()

    def save_header(self) -> None:
        manager = self.ops.manager(self, _("changing the receipt header"))
        if manager is None:
            return
        lines = self.header.toPlainText().splitlines()
        done = self.ops.run(self, lambda: store.set_receipt_header(
            self.database, actor=manager, lines=lines), changes=Change.PROGRAM,
            show=self.header_message.setText)
        if done is not None:
            self.header_message.setText(ngettext(
                "Saved {n} line; the next receipt prints it",
                "Saved {n} lines; the next receipt prints them", len(done)).format(n=len(done)))

    def save_nps_policy(self) -> None:
        manager = self.ops.manager(self, _("changing when the till asks for a score"))
        if manager is None:
            return
        key = self.nps_ask.currentData()
        policy = f"days:{self.nps_days.value()}" if key == "days" else key
        done = self.ops.run(self, lambda: nps.set_ask_policy(
            self.database, actor=manager, policy=policy), changes=Change.SETTINGS,
            show=self.nps_message.setText)
        if done is not None:
            self.nps_message.setText(_("Saved"))

    def save_display(self) -> None:
        manager = self.ops.manager(self, _("turning the customer display on or off"))
        if manager is None:
            return
        enabled = self.display_on.isChecked()
        done = self.ops.run(self, lambda: display.set_display(
            self.database, actor=manager, enabled=enabled), changes=Change.SETTINGS,
            show=self.display_message.setText)
        if done is not None:
            self.display_message.setText(_("Saved: the customer display is on") if done
                                         else _("Saved: the customer display is off"))

    def _show_nps_policy(self, policy: str) -> None:
        key, _sep, days = policy.partition(":")
        self.nps_ask.setCurrentIndex(max(0, self.nps_ask.findData(key)))
        if days:
            self.nps_days.setValue(int(days))
        self.nps_days.setEnabled(key == "days")

    def refresh(self) -> None:
        found = self.ops.run(self, lambda: (store.program_in_force(self.database),
                                            store.shop_receipt_header(self.database),
                                            nps.ask_policy(self.database),
                                            display.display_enabled(self.database)),
                             show=self.details.setText)
        if found is None:
            return
        program, header, policy, display_on = found
        self._show_nps_policy(policy)
        self.display_on.setChecked(display_on)
        cur = program.currency
        self.title.setText(f"<h1>{escape(program.name)}</h1>")
        window = (_("lifetime spend") if program.tier_window_days == 0
                  else ngettext("spend of the last {n} day", "spend of the last {n} days",
                                program.tier_window_days).format(n=program.tier_window_days))
        text = _("Currency {currency}. Tiers follow {window}. Cashback can pay up to {pct}% of"
                 " a bill").format(currency=cur, window=window,
                                  pct=quantity_text(program.max_redeem_pct))
        if program.min_redeem_balance:
            text += _(", from a balance of {amount} on").format(
                amount=fmt_amount(program.min_redeem_balance, cur))
        text += "."
        for line in reward_lines(program):
            text += " " + line
        self.details.setText(text)
        self.tiers.setRowCount(len(program.tiers))
        for row, tier in enumerate(program.tiers):
            values = (
                tier.name,
                _("anyone with the card") if tier.bearer else _("card holder"),
                "-" if tier.bearer else fmt_display(tier.min_spend, cur),
                f"{tier.discount_pct} %",
                f"{tier.cashback_pct} %",
            )
            for col, value in enumerate(values):
                self.tiers.setItem(row, col, QTableWidgetItem(value))
        self.database_label.setText(_("Database: {where}").format(
            where=self.database.describe()))
        self.header.setPlainText("\n".join(header))
