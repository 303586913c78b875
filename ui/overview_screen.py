"""The shop at a glance: name, currency, the program's tiers, the database, ledger health."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
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
from loyaltypos.money import fmt
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
                "-" if tier.bearer else f"{fmt(tier.min_spend, cur)} {cur}",
                f"{tier.discount_pct} %",
                f"{tier.cashback_pct} %",
            )
            for col, value in enumerate(values):
                self.tiers.setItem(row, col, QTableWidgetItem(value))
        self.database_label.setText(f"Database: {self.database.describe()}")
        self.header.setPlainText("\n".join(store.shop_receipt_header(self.database)))
