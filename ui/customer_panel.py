"""The customer panel of the till: who the card belongs to, tier, balance, next tier."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.money import fmt_display
from loyaltypos.services.cards import CardInfo


class CustomerPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerPanel")
        self.setAccessibleName("Customer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.headline = QLabel(objectName="customerName")
        self.headline.setWordWrap(True)
        self.warning = QLabel(objectName="customerWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.fields = {key: QLabel(objectName=f"customer{key.title()}")
                       for key in ("card", "tier", "balance", "spend", "next")}
        form = QFormLayout()
        for key, label in (("card", "Card"), ("tier", "Tier"), ("balance", "Cashback"),
                           ("spend", "Spend"), ("next", "Next tier")):
            form.addRow(label, self.fields[key])
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addStretch(1)
        self.show_card(None, "RUB")

    def show_card(self, info: CardInfo | None, currency: str) -> None:
        self.warning.setText("")
        if info is None:
            self.headline.setText("<h3>No card</h3>Scan a loyalty card, or F3 to find one")
            for label in self.fields.values():
                label.setText("")
            return
        who = info.holder.name if info.holder else "Bearer card"
        self.headline.setText(f"<h3>{who}</h3>")
        self.fields["card"].setText(cardnumbers.masked(info.number))
        pinned = " (pinned)" if info.pinned else ""
        self.fields["tier"].setText(f"<b>{info.tier}</b>{pinned}: {info.discount_pct}% off,"
                                    f" {info.cashback_pct}% cashback")
        self.fields["balance"].setText(f"<b>{fmt_display(info.balance, currency)}</b>")
        self.fields["spend"].setText(fmt_display(info.spend, currency))
        self.fields["next"].setText(
            f"{fmt_display(info.to_next_tier, currency)} more to {info.next_tier}"
            if info.next_tier else "-")

    def show_refusal(self, text: str) -> None:
        """A card the till must not take: the reason in red, in the cashier's words."""
        self.show_card(None, "RUB")
        self.headline.setText("<h3>Card refused</h3>")
        self.warning.setText(text[:1].upper() + text[1:])
