"""The customer panel of the till: who the card belongs to, tier, balance, next tier, and
where the customer stands (step, segment) with one line of advice for the cashier."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.cards import CardInfo, Standing
from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt_display
from ui.ops import sentence

FIELDS = (("card", N_("Card")), ("tier", N_("Tier")), ("balance", N_("Cashback")),
          ("spend", N_("Spend")), ("next", N_("Next tier")), ("standing", N_("Customer")))
STEP_NAMES = {"buyer": N_("buyer"), "client": N_("client"), "regular": N_("regular"),
              "adherent": N_("adherent"), "advocate": N_("advocate")}


class CustomerPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerPanel")
        self.setAccessibleName(_("Customer"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.headline = QLabel(objectName="customerName")
        self.headline.setWordWrap(True)
        self.warning = QLabel(objectName="customerWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.advice = QLabel(objectName="customerAdvice")
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setStyleSheet("color: #0b5394; font-weight: bold;")
        self.fields = {key: QLabel(objectName=f"customer{key.title()}") for key, _l in FIELDS}
        form = QFormLayout()
        for key, label in FIELDS:
            form.addRow(_(label), self.fields[key])
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.warning)
        layout.addWidget(self.advice)
        layout.addLayout(form)
        layout.addStretch(1)
        self.show_card(None, "")

    def show_card(self, info: CardInfo | None, currency: str,
                  counter: Standing | None = None) -> None:
        self.warning.setText("")
        self.show_counter(counter)
        if info is None:
            self.headline.setText("<h3>{}</h3>{}".format(
                escape(_("No card")), escape(_("Scan a loyalty card, or F3 to find one"))))
            for label in self.fields.values():
                label.setText("")
            return
        # Names are the customers' own text: shown as text, never read as markup.
        who = info.holder.name if info.holder else _("Bearer card")
        self.headline.setText(f"<h3>{escape(who)}</h3>")
        self.fields["card"].setText(cardnumbers.masked(info.number))
        tier = _("<b>{tier}</b>{pinned}: {discount}% off, {cashback}% cashback").format(
            tier=escape(info.tier), pinned=_(" (pinned)") if info.pinned else "",
            discount=info.discount_pct, cashback=info.cashback_pct)
        self.fields["tier"].setText(tier)
        self.fields["balance"].setText(f"<b>{fmt_display(info.balance, currency)}</b>")
        self.fields["spend"].setText(fmt_display(info.spend, currency))
        self.fields["next"].setText(
            _("{amount} more to {tier}").format(amount=fmt_display(info.to_next_tier, currency),
                                                 tier=escape(info.next_tier))
            if info.next_tier else "-")

    def show_counter(self, counter: Standing | None) -> None:
        """The customer's step and segment as of the last refresh, and the advice line."""
        self.advice.setText(sentence(counter.advice) if counter else "")
        if counter is None or counter.step is None:
            self.fields["standing"].setText(_("new") if counter else "")
            return
        parts = [_(STEP_NAMES[counter.step])]
        if counter.segment:
            parts.append(_("lapsed") if counter.segment == "lapsed" else counter.segment)
        self.fields["standing"].setText(" · ".join(parts))
        self.fields["standing"].setToolTip(_("as of {date}").format(
            date=counter.as_of.isoformat()) if counter.as_of else "")

    def show_refusal(self, text: str, currency: str) -> None:
        """A card the till must not take: the reason in red, in the cashier's words."""
        self.show_card(None, currency)
        self.headline.setText("<h3>{}</h3>".format(escape(_("Card refused"))))
        self.warning.setText(sentence(text))
