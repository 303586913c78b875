"""The customer display: a second window that faces the customer.

It shows the open sale as the till priced it (lines, total, the card's discount, the
cashback balance and what this sale earns), a thank-you after the payment, and, when
the till asks for a score, a 0 to 10 keypad the customer answers on by touch. It
shows only what it is given: the till builds a :class:`DisplayState` from its open
sale after every redraw, and records the answer itself. With a second screen the
display fills it; otherwise it is a normal window.

The cashier keeps the keyboard: the display never takes the focus when it appears,
and while the customer answers, the till waits in :class:`WaitingForCustomer`
(Esc skips; a score typed there goes to the customer's keypad).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.domain.i18n import N_, _, quantity_text, speaking
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.pricing import CartLine
from loyaltypos.domain.reward_texts import stamps_to_go
from ui.sale import OpenSale

WINDOW_SIZE = (1024, 640)  # when there is no second screen to fill
THANKS_MS = 30_000  # the thank-you stays this long, unless the next sale starts first
TEN_MS = 1_500  # after the key 1, how long a 0 may follow to make 10
COLUMNS = (N_("Item"), N_("Qty"), N_("Amount"))
TOTALS = (("subtotal", N_("Subtotal")), ("discount", N_("Your card discount")),
          ("redeemed", N_("Paid with cashback")), ("total", N_("TOTAL")),
          ("cashback", N_("Cashback you earn")), ("balance", N_("Your cashback balance")))
STYLE = """
#customerDisplay { background: #ffffff; }
#customerDisplay QLabel { font-size: 22pt; color: #212121; }
#customerDisplay QTableWidget { font-size: 20pt; border: none; }
#customerDisplay QTableWidget::item { padding: 0 16px; }
#customerDisplay QHeaderView::section { font-size: 16pt; color: #555555; }
#customerDisplay QLabel#displayWelcome { font-size: 40pt; font-weight: bold; }
#customerDisplay QLabel#displayCard { font-size: 20pt; color: #0d47a1; }
#customerDisplay QLabel#displayRewards { font-size: 18pt; color: #1b5e20; }
#customerDisplay QLabel#totalLabel, #customerDisplay QLabel#totalValue {
    font-size: 36pt; font-weight: bold; }
#customerDisplay QLabel#discountValue, #customerDisplay QLabel#cashbackValue {
    color: #1b5e20; font-weight: bold; }
#customerDisplay QLabel#displayThanks { font-size: 48pt; font-weight: bold; color: #1b5e20; }
#customerDisplay QLabel#displayQuestion { font-size: 28pt; font-weight: bold; }
#customerDisplay QLabel#scaleEnds { font-size: 16pt; color: #555555; }
#customerDisplay QPushButton { font-size: 28pt; font-weight: bold; min-width: 72px;
    min-height: 96px; }
#customerDisplay QPushButton#scoreSkip { font-size: 18pt; min-width: 240px;
    min-height: 56px; }
"""


@dataclass(frozen=True)
class DisplayLine:
    description: str
    qty: Decimal
    amount: int | None  # None while the sale cannot be priced


@dataclass(frozen=True)
class DisplayState:
    """What the customer sees of the open sale; money in minor units."""

    currency: str
    lines: tuple[DisplayLine, ...] = ()
    subtotal: int = 0
    discount: int = 0
    redeemed: int = 0
    total: int = 0
    cashback: int = 0
    tier: str | None = None  # None: no card on the sale
    discount_pct: Decimal = Decimal(0)
    cashback_pct: Decimal = Decimal(0)
    balance: int | None = None
    rewards: str = ""  # the card's stamps and a gift waiting, when the program has them

    @property
    def empty(self) -> bool:
        return not self.lines and self.tier is None


def sale_state(sale: OpenSale, currency: str) -> DisplayState:
    """The customer's view of the till's open sale, as it was last priced."""
    p = sale.quote.pricing if sale.quote else None
    priced = p.lines if p else ()
    lines = tuple(DisplayLine(
        _describe(line), line.qty, priced[row].shares.amount if row < len(priced) else None)
        for row, line in enumerate(sale.lines))
    card = sale.card
    rewards = []
    if card is not None and card.rewards.stamps_every is not None:
        rewards.append(_("Stamps {progress}").format(
            progress=stamps_to_go(card.rewards.stamps, card.rewards.stamps_every)))
    gift = sale.next_gift()
    if gift is not None:
        rewards.append(_("A gift is waiting for you: {item}").format(item=gift.description))
    return DisplayState(
        currency, lines, subtotal=p.subtotal if p else 0, discount=p.discount if p else 0,
        redeemed=p.redeemed if p else 0, total=p.paid if p else 0,
        cashback=p.cashback if p else 0, tier=card.tier if card else None,
        discount_pct=card.discount_pct if card else Decimal(0),
        cashback_pct=card.cashback_pct if card else Decimal(0),
        balance=card.balance if card else None, rewards="\n".join(rewards))


def _describe(line: CartLine) -> str:
    if line.gift_id is not None:
        return _("{item}  (gift)").format(item=line.description)
    if not line.eligible:
        return _("{item}  (no loyalty)").format(item=line.description)
    return line.description


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # goods' names are text, not markup
    label.setWordWrap(True)
    return label


def _in_customers_language(method):
    """The display speaks the shop's language (its ``language``), whoever is signed in."""

    @functools.wraps(method)
    def speaking_to_the_customer(self, *args, **kwargs):
        with speaking(self.language):
            return method(self, *args, **kwargs)
    return speaking_to_the_customer


class CustomerDisplay(QWidget):
    """The window the customer looks at (and touches, to answer the score question), in
    the shop's language (``language``; None: the computer's)."""

    answered = Signal(object)  # the score 0 to 10 the customer chose, or None: skipped

    def __init__(self, language: str | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.language = language
        with speaking(language):
            self._make()

    def _make(self) -> None:
        self.setObjectName("customerDisplay")
        self.setWindowTitle(_("LoyaltyPOS - customer display"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # the cashier types on
        self.setStyleSheet(STYLE)
        self.state = DisplayState("")
        self._pending: int | None = None  # the key 1, until a 0 makes it 10
        self._ten = QTimer(self, singleShot=True, interval=TEN_MS)
        self._ten.timeout.connect(lambda: self._choose(1) if self._pending == 1 else None)
        self._thanks_timer = QTimer(self, singleShot=True, interval=THANKS_MS)
        self._thanks_timer.timeout.connect(self._thanks_served)
        self.pages = QStackedWidget(objectName="displayPages")
        self.welcome = self._welcome_page()
        self.sale_page = self._sale_page()
        self.thanks = self._thanks_page()
        self.question = self._question_page()
        for page in (self.welcome, self.sale_page, self.thanks, self.question):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(self.pages)

    # ---------------------------------------------------------------- pages

    def _welcome_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        welcome = _label("displayWelcome", _("Welcome!"))
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = _label("displayWelcomeHint", _("Have a loyalty card? Show it to the cashier."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(welcome)
        layout.addWidget(hint)
        layout.addStretch(1)
        return page

    def _sale_page(self) -> QWidget:
        page = QWidget()
        self.card = _label("displayCard")
        self.rewards = _label("displayRewards")
        self.rewards.hide()
        self.lines = QTableWidget(0, len(COLUMNS), objectName="displayLines")
        self.lines.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.lines.setAccessibleName(_("Your purchase"))
        self.lines.verticalHeader().setVisible(False)
        self.lines.verticalHeader().setDefaultSectionSize(52)
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            self.lines.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines.setShowGrid(False)
        self.totals: dict[str, tuple[QLabel, QLabel]] = {}
        grid = QGridLayout()
        for row, (key, text) in enumerate(TOTALS):
            label, value = _label(f"{key}Label", _(text)), _label(f"{key}Value")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
            self.totals[key] = (label, value)
        layout = QVBoxLayout(page)
        layout.addWidget(self.card)
        layout.addWidget(self.rewards)
        layout.addWidget(self.lines, 1)
        layout.addLayout(grid)
        return page

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        self.thanks_title = _label("displayThanks", _("Thank you!"))
        self.thanks_detail = _label("displayThanksDetail")
        self.thanks_note = _label("displayThanksNote")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        for label in (self.thanks_title, self.thanks_detail, self.thanks_note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        return page

    def _question_page(self) -> QWidget:
        page = QWidget()
        question = _label("displayQuestion",
                          _("How likely are you to recommend us to a friend?"))
        question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = _label("displayQuestionHint", _("Touch a number: 0 not at all, 10 very likely"))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keys = QHBoxLayout()
        self.score_buttons: list[QPushButton] = []
        for score in range(11):
            button = QPushButton(str(score), objectName=f"score{score}")
            button.setAccessibleName(_("Score {score}").format(score=score))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, s=score: self._choose(s))
            keys.addWidget(button)
            self.score_buttons.append(button)
        ends = QHBoxLayout()
        ends.addWidget(_label("scaleEnds", _("Not at all likely")))
        ends.addStretch(1)
        ends.addWidget(_label("scaleEnds", _("Extremely likely")))
        skip = QPushButton(_("Skip"), objectName="scoreSkip")
        skip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        skip.clicked.connect(lambda: self._choose(None))
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(question)
        layout.addWidget(hint)
        layout.addSpacing(24)
        layout.addLayout(keys)
        layout.addLayout(ends)
        layout.addSpacing(24)
        layout.addWidget(skip, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    # ---------------------------------------------------------------- what the till calls

    def open(self) -> None:
        """Show the display: full screen on a second screen when there is one, else a
        normal window."""
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            primary = QGuiApplication.primaryScreen()
            screen = next((s for s in screens if s.name() != primary.name()), screens[-1])
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            self.resize(*WINDOW_SIZE)
            self.show()

    @_in_customers_language
    def show_sale(self, state: DisplayState) -> None:
        """Show the open sale; an empty one leaves the thank-you (or the question) up."""
        self.state = state
        if self.pages.currentWidget() is self.question:
            return  # only the customer's answer, or the cashier's skip, ends the question
        if state.empty:
            if self.pages.currentWidget() is not self.thanks:
                self.pages.setCurrentWidget(self.welcome)
            return
        self._thanks_timer.stop()
        money = lambda units: fmt_display(units, state.currency)  # noqa: E731
        if state.tier is None:
            self.card.setText(_("Have a loyalty card? Show it to the cashier."))
        else:
            self.card.setText(_("Your card: {tier}, {discount}% off, {cashback}% cashback")
                              .format(tier=state.tier,
                                      discount=quantity_text(state.discount_pct),
                                      cashback=quantity_text(state.cashback_pct)))
        self.rewards.setText(state.rewards)
        self.rewards.setVisible(bool(state.rewards))
        self.lines.setRowCount(len(state.lines))
        for row, line in enumerate(state.lines):
            values = (line.description, quantity_text(line.qty),
                      money(line.amount) if line.amount is not None else "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(row, col, item)
        if state.lines:
            self.lines.scrollToBottom()  # the goods just scanned
        shown = {"subtotal": money(state.subtotal),
                 "discount": "-" + money(state.discount) if state.discount else None,
                 "redeemed": "-" + money(state.redeemed) if state.redeemed else None,
                 "total": money(state.total),
                 "cashback": "+" + money(state.cashback) if state.tier is not None else None,
                 "balance": money(state.balance) if state.balance is not None else None}
        for key, text in shown.items():
            label, value = self.totals[key]
            value.setText(text or "")
            label.setVisible(text is not None)
            value.setVisible(text is not None)
        self.pages.setCurrentWidget(self.sale_page)

    @_in_customers_language
    def show_thanks(self, *, currency: str, paid: int, change: int = 0,
                    cashback: int | None = None, balance: int | None = None) -> None:
        """After the payment: thank you, the change, and the cashback earned (card sales)."""
        money = lambda units: fmt_display(units, currency)  # noqa: E731
        parts = [_("Paid {amount}").format(amount=money(paid))]
        if change:
            parts.append(_("Your change {amount}").format(amount=money(change)))
        if cashback is not None and balance is not None:
            parts.append(_("Cashback earned {amount}").format(amount=money(cashback)))
            parts.append(_("Your cashback balance is now {amount}").format(
                amount=money(balance)))
        self.thanks_detail.setText("\n".join(parts))
        self.thanks_note.setText("")
        self._show_thanks_page()

    @_in_customers_language
    def ask_score(self) -> SignalInstance:
        """Show the 0 to 10 keypad; :attr:`answered` says the score, or None if skipped."""
        self._set_pending(None)
        self._thanks_timer.stop()
        self.pages.setCurrentWidget(self.question)
        self.raise_()
        return self.answered

    @_in_customers_language
    def cancel_question(self) -> None:
        """The cashier skipped the question: back to the thank-you, nothing answered."""
        if self.pages.currentWidget() is self.question:
            self._set_pending(None)
            self._show_thanks_page()

    @property
    def asking(self) -> bool:
        return self.pages.currentWidget() is self.question

    # ---------------------------------------------------------------- the keypad

    def type_key(self, key: int, text: str) -> bool:
        """A key for the keypad: digits (1 then 0 for 10), Enter, Backspace, Esc skips.
        Returns whether the keypad used it."""
        if not self.asking:
            return False
        if key == Qt.Key.Key_Escape:
            self._choose(None)
        elif len(text) == 1 and text.isascii() and text.isdigit():
            digit = int(text)
            if digit == 0 and self._pending == 1:
                self._choose(10)
            elif digit == 1:
                self._set_pending(1)
                self._ten.start()
            else:
                self._choose(digit)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._pending is not None:
            self._choose(self._pending)
        elif key == Qt.Key.Key_Backspace:
            self._set_pending(None)
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.type_key(event.key(), event.text()):
            super().keyPressEvent(event)

    def _set_pending(self, digit: int | None) -> None:
        self._ten.stop()
        self._pending = digit
        for score, button in enumerate(self.score_buttons):
            button.setDown(score == digit)

    @_in_customers_language
    def _choose(self, score: int | None) -> None:
        if not self.asking:
            return
        self._set_pending(None)
        self._show_thanks_page()
        if score is not None:
            self.thanks_note.setText(_("Thank you for your answer!"))
        self.answered.emit(score)

    def _show_thanks_page(self) -> None:
        self.pages.setCurrentWidget(self.thanks)
        self._thanks_timer.start()

    def _thanks_served(self) -> None:
        if self.pages.currentWidget() is self.thanks:  # no new sale yet
            self.pages.setCurrentWidget(self.welcome)


class WaitingForCustomer(QDialog):
    """On the cashier's screen while the customer answers on the display.

    Window-modal, so the display (another window) stays touchable. Esc or Skip skips
    the question; digits typed here go to the customer's keypad, for a customer who
    says the score aloud.
    """

    def __init__(self, display: CustomerDisplay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingForCustomer")
        self.setWindowTitle(_("A question for the customer"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.display = display
        self.score: int | None = None
        text = _label("waitingText", _("Waiting for the customer's answer on the customer"
                                       " display..."))
        text.setStyleSheet("font-size: 16pt")
        hint = _label("waitingHint", _("Esc skips the question. A score typed here (1 then 0"
                                       " for 10) counts as the customer's."))
        skip = QPushButton(_("Skip (Esc)"), objectName="waitingSkip")
        skip.setAutoDefault(False)
        skip.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(hint)
        layout.addWidget(skip, 0, Qt.AlignmentFlag.AlignRight)

    def answer(self, score: int | None) -> None:
        self.score = score
        if score is None:
            self.reject()
        else:
            self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() != Qt.Key.Key_Escape and self.display.type_key(event.key(),
                                                                       event.text()):
            return
        super().keyPressEvent(event)


def ask_customer(display: CustomerDisplay, parent: QWidget) -> int | None:
    """Ask the score on the customer display while the cashier's screen waits; returns
    the score, or None when the customer or the cashier skipped."""
    waiting = WaitingForCustomer(display, parent)
    answered = display.ask_score()
    answered.connect(waiting.answer)
    try:
        waiting.exec()
    finally:
        answered.disconnect(waiting.answer)
        display.cancel_question()
        waiting.deleteLater()
    return waiting.score
