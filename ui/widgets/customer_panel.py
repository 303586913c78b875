"""The customer panel of the till: who the card belongs to, tier, balance, next tier, and
where the customer stands (step, segment) with one line of advice for the cashier.

With a program's rewards it also tells the stamps to the next gift, a gift ready to hand
out (and the key that adds it), a birthday bonus this purchase brings, and cashback that
expires within a month. A program without them shows none of these lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.cards import CardInfo, Rewards, Standing
from loyaltypos.domain.i18n import N_, _, date_text, ngettext, quantity_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.reward_texts import expires_on, stamps_to_go
from ui.actions import BY_NAME
from ui.ops import sentence

FIELDS = (("card", N_("Card")), ("tier", N_("Tier")), ("balance", N_("Cashback")),
          ("stamps", N_("Stamps")), ("spend", N_("Spend")), ("next", N_("Next tier")),
          ("standing", N_("Customer")))
EXPIRY_NOTICE_DAYS = 30  # cashback that lapses sooner is worth telling the customer
NOTICES = (("gift", "color: #1b5e20; font-weight: bold;"), ("birthday", "color: #1b5e20;"),
           ("expiry", "color: #8a4b00;"))
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
        # The rewards' notices: hidden while they have nothing to say, so a shop without
        # rewards sees the panel as it always was.
        self.notices: dict[str, QLabel] = {}
        for key, style in NOTICES:
            notice = QLabel(objectName=f"customer{key.title()}")
            notice.setWordWrap(True)
            notice.setTextFormat(Qt.TextFormat.PlainText)  # a gift's name is the catalog's text
            notice.setStyleSheet(style)
            notice.hide()
            self.notices[key] = notice
        self.fields = {key: QLabel(objectName=f"customer{key.title()}") for key, _l in FIELDS}
        self.fields["stamps"].setWordWrap(True)
        self.form = QFormLayout()
        for key, label in FIELDS:
            self.form.addRow(_(label), self.fields[key])
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.warning)
        layout.addWidget(self.advice)
        for notice in self.notices.values():
            layout.addWidget(notice)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.show_card(None, "")

    def show_card(self, info: CardInfo | None, currency: str,
                  counter: Standing | None = None, *, in_sale: Collection[int] = (),
                  paid: int | None = None) -> None:
        """Show ``info``'s card. ``in_sale``: the ids of its gifts already in the cart;
        ``paid``: the receipt number when the card's sale was just paid (the panel then
        shows where the customer stands now, and no sale is open on the card)."""
        self.warning.setText("")
        self.show_counter(counter)
        if info is None:
            self.headline.setText("<h3>{}</h3>{}".format(
                escape(_("No card")), escape(_("Scan a loyalty card, or F3 to find one"))))
            for label in self.fields.values():
                label.setText("")
            self._show_rewards(None, currency, in_sale, paid)
            return
        # Names are the customers' own text: shown as text, never read as markup.
        who = info.holder.name if info.holder else _("Bearer card")
        self.headline.setText(f"<h3>{escape(who)}</h3>" + (escape(_(
            "Receipt {number} paid; the next scan starts a new sale").format(number=paid))
            if paid is not None else ""))
        self.fields["card"].setText(cardnumbers.masked(info.number))
        tier = _("<b>{tier}</b>{pinned}: {discount}% off, {cashback}% cashback").format(
            tier=escape(info.tier), pinned=_(" (pinned)") if info.pinned else "",
            discount=quantity_text(info.discount_pct),
            cashback=quantity_text(info.cashback_pct))
        self.fields["tier"].setText(tier)
        locked = info.rewards.locked
        if locked > 0:
            self.fields["balance"].setText(_("<b>{available}</b> + {locked} locked").format(
                available=fmt_display(max(info.balance - locked, 0), currency),
                locked=fmt_display(locked, currency)))
        else:
            self.fields["balance"].setText(f"<b>{fmt_display(info.balance, currency)}</b>")
        self.fields["spend"].setText(fmt_display(info.spend, currency))
        self.fields["next"].setText(
            _("{amount} more to {tier}").format(amount=fmt_display(info.to_next_tier, currency),
                                                 tier=escape(info.next_tier))
            if info.next_tier else "-")
        self._show_rewards(info.rewards, currency, in_sale, paid)

    def _show_rewards(self, rewards: Rewards | None, currency: str, in_sale: Collection[int],
                      paid: int | None) -> None:
        """The stamps row and the notices of the rewards the program has; none without."""
        texts = dict.fromkeys(self.notices, "")
        stamps = ""
        if rewards is not None:
            if rewards.stamps_every is not None:
                stamps = stamps_to_go(rewards.stamps, rewards.stamps_every)
            texts["gift"] = gift_notice(rewards, in_sale, paid)
            if rewards.birthday_bonus and paid is None:
                texts["birthday"] = _("Birthday this week: {amount} bonus with this purchase"
                                      ).format(amount=fmt_display(rewards.birthday_bonus,
                                                                  currency))
            texts["expiry"] = expiry_notice(rewards, currency, clock.local_today())
        for key, notice in self.notices.items():
            notice.setText(texts[key])
            notice.setVisible(bool(texts[key]))
        self.fields["stamps"].setText(stamps)
        self.form.setRowVisible(self.fields["stamps"], bool(stamps))

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
            date=date_text(counter.as_of)) if counter.as_of else "")

    def show_refusal(self, text: str, currency: str) -> None:
        """A card the till must not take: the reason in red, in the cashier's words."""
        self.show_card(None, currency)
        self.headline.setText("<h3>{}</h3>".format(escape(_("Card refused"))))
        self.warning.setText(sentence(text))


def gift_notice(rewards: Rewards, in_sale: Collection[int], paid: int | None) -> str:
    """What the panel says of the card's item gifts: ready (and the key that adds one), or
    already in this sale; "" when the card has none."""
    ready = [gift for gift in rewards.gifts_ready if gift.id not in in_sale]
    if ready:
        names = ", ".join(gift.description for gift in ready)
        if paid is not None:
            return ngettext("Gift ready: {items} - for the next purchase",
                            "{n} gifts ready: {items} - for the next purchase",
                            len(ready)).format(items=names, n=len(ready))
        return ngettext("Gift ready: {items} - press {key} to add it",
                        "{n} gifts ready: {items} - press {key} to add one",
                        len(ready)).format(items=names, n=len(ready),
                                           key=BY_NAME["add_gift"].key_text())
    added = [gift.description for gift in rewards.gifts_ready if gift.id in in_sale]
    return _("Gift in this sale: {items}").format(items=", ".join(added)) if added else ""


def expiry_notice(rewards: Rewards, currency: str, today: dt.date) -> str:
    """The next expiry, when it falls within :data:`EXPIRY_NOTICE_DAYS` of ``today``."""
    if rewards.next_expiry is None:
        return ""
    date, amount = rewards.next_expiry
    if amount <= 0 or (date - today).days > EXPIRY_NOTICE_DAYS:
        return ""
    return expires_on(fmt_display(amount, currency), date)
