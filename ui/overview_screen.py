"""The shop at a glance: name, currency, the program's tiers, the database, ledger health."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import fmt, fmt_display
from loyaltypos.domain.program import dump_program, parse_program
from loyaltypos.services import store

COLUMNS = ("Tier", "Who", "From spend", "Discount", "Cashback")


class OverviewScreen(QWidget):
    def __init__(self, database: Database, ops=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database, self.ops = database, ops
        self.title = QLabel(objectName="shopName")
        self.details = QLabel(objectName="programDetails")
        self.details.setWordWrap(True)
        self.tiers = QTableWidget(0, len(COLUMNS), objectName="tierTable")
        self.tiers.setHorizontalHeaderLabels(COLUMNS)
        self.tiers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tiers.verticalHeader().setVisible(False)
        self.tiers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tiers.setAccessibleName("Loyalty tiers")
        self.database_label = QLabel(objectName="databaseLabel")
        self.database_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.tiers, 1)
        layout.addWidget(self.database_label)
        edit = QPushButton("Edit the program (manager)...", objectName="programEdit")
        edit.clicked.connect(self.edit_program)
        layout.addWidget(edit)
        self.header = QPlainTextEdit(objectName="receiptHeader")
        self.header.setPlaceholderText("Printed under the shop's name: address, phone, tax no.")
        self.header.setMaximumHeight(90)
        save = QPushButton("Save the receipt header (manager)", objectName="receiptHeaderSave")
        save.clicked.connect(self.save_header)
        self.header_message = QLabel(objectName="receiptHeaderMessage")
        layout.addWidget(QLabel("Receipt header (up to 6 lines of 48 characters)"))
        layout.addWidget(self.header)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(self.header_message, 1)
        layout.addLayout(row)

    def edit_program(self) -> None:
        manager = self.ops.manager(self, "changing the program")
        if manager is None:
            return
        dialog = ProgramDialog(self.ops, manager, self)
        if dialog.exec():
            self.refresh()

    def save_header(self) -> None:
        manager = self.ops.manager(self, "changing the receipt header")
        if manager is None:
            return
        lines = self.header.toPlainText().splitlines()
        done = self.ops.run(self, lambda: store.set_receipt_header(
            self.database, actor=manager, lines=lines), show=self.header_message.setText)
        if done is not None:
            self.header_message.setText(f"Saved {len(done)} line(s); the next receipt prints them")

    def refresh(self) -> None:
        program = store.program_in_force(self.database)
        cur = program.currency
        self.title.setText(f"<h1>{program.name}</h1>")
        window = ("lifetime spend" if program.tier_window_days == 0
                  else f"spend of the last {program.tier_window_days} days")
        self.details.setText(
            f"Currency {cur}. Tiers follow {window}. Cashback can pay up to "
            f"{program.max_redeem_pct}% of a bill"
            + (f", from a balance of {fmt(program.min_redeem_balance, cur)} on."
               if program.min_redeem_balance else ".")
        )
        self.tiers.setRowCount(len(program.tiers))
        for row, tier in enumerate(program.tiers):
            values = (
                tier.name,
                "anyone with the card" if tier.bearer else "card holder",
                "-" if tier.bearer else fmt_display(tier.min_spend, cur),
                f"{tier.discount_pct} %",
                f"{tier.cashback_pct} %",
            )
            for col, value in enumerate(values):
                self.tiers.setItem(row, col, QTableWidgetItem(value))
        self.database_label.setText(f"Database: {self.database.describe()}")
        self.header.setPlainText("\n".join(store.shop_receipt_header(self.database)))


class ProgramDialog(QDialog):
    """The program as its TOML text: edit, check, put in force. A bad file changes nothing."""

    def __init__(self, ops, manager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The loyalty program")
        self.ops, self.manager = ops, manager
        self.text = QPlainTextEdit(objectName="programText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(dump_program(store.program_in_force(ops.database)))
        self.error = QLabel(objectName="programError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        load = QPushButton("Load a file...")
        load.clicked.connect(self._load_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(load, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Money in whole units of the shop's currency; percentages may "
                                "have two decimals. Saving puts the program in force for the "
                                "next sale; the change is audited."))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 620)

    def _load_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A program file", "", "TOML (*.toml)")
        if path:
            try:
                self.text.setPlainText(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                self.error.setText(f"Cannot read {path}: {exc}")

    def accept(self) -> None:
        try:
            store.load_program(self.ops.database, actor=self.manager,
                               program=parse_program(self.text.toPlainText()))
        except Refused as exc:
            self.error.setText(str(exc)[:1].upper() + str(exc)[1:])
            return
        self.ops.changed.emit("program")
        super().accept()
