"""The shop at a glance: name, currency, the program's tiers, the database, ledger health."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
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
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
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
