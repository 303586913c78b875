"""The till: scan a card and goods, see the customer and the totals, redeem, pay, refund.

The screen draws the open sale (:class:`ui.sale.OpenSale`); every figure on it comes
from ``checkout.quote`` and is redrawn whenever the sale changes. Its buttons and
F-keys are made from the action table (:mod:`ui.actions`); every write goes through
``Ops``, so a refusal, a busy database or a printer that does not answer is said on
the message line and the till stays ready for the next scan.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.documents.receipts import render_refund_text, render_text
from loyaltypos.domain import cardnumbers
from loyaltypos.domain.cards import CardInfo, Standing
from loyaltypos.domain.errors import CardNotFound, Refused
from loyaltypos.domain.i18n import N_, _, speaking
from loyaltypos.domain.money import exponent, fmt_amount, fmt_display
from loyaltypos.domain.pricing import CartLine, parse_quantity
from loyaltypos.domain.program import Program
from loyaltypos.domain.receipts import Receipt, RefundReceipt
from loyaltypos.domain.reward_texts import sale_earned
from loyaltypos.domain.scan import Scan, not_found, read_scan
from loyaltypos.services import cards, checkout, nps, products, refunds, store
from loyaltypos.services.receipts import refund_receipt, sale_receipt
from ui import printing
from ui.actions import BY_NAME, SHORTCUT_CONTEXT, TILL_ACTIONS
from ui.customer_display import CustomerDisplay, ask_customer, sale_state
from ui.dialogs.cards import CardAdminDialog, FindCustomerDialog, IssueCardDialog
from ui.dialogs.payment import CashDialog, OpenItemDialog, RedeemDialog, quantity_text
from ui.dialogs.refund import RefundDialog
from ui.dialogs.settings import unusual_quantity, unusual_total
from ui.ops import Change, Ops, sentence
from ui.sale import OpenSale
from ui.widgets.cart import CartTable
from ui.widgets.customer_panel import CustomerPanel
from ui.widgets.scan_router import ScanRouter

TOTALS = (("subtotal", N_("Subtotal")), ("discount", N_("Tier discount")),
          ("redeemable", N_("Cashback can pay")), ("redeemed", N_("Paid with cashback")),
          ("total", N_("TOTAL")), ("cashback", N_("Cashback to earn")))
ERROR, OK = "color: #b00020;", "color: #1b5e20;"


LONGEST_WORD = 40  # a word longer than this (a long scan) is shortened in the till's lines


def shortened(text: str) -> str:
    """``text`` with every run of more than :data:`LONGEST_WORD` characters cut short with
    an ellipsis: a 200-character scan must not widen the window to show itself."""
    return re.sub(rf"\S{{{LONGEST_WORD + 1},}}", lambda m: m.group()[:LONGEST_WORD - 1] + "…",
                  text)


class TillScreen(QWidget):
    """The cashier's screen. Its actions are the methods named in the action table."""

    sale_recorded = Signal(object)  # SaleResult
    triggered = Signal(str)  # the name of each action started, by key, button or scan

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.db = ops.database
        self.currency = ""  # the shop's, read when the till is shown
        self.program: Program | None = None  # the program in force, read with the currency
        self.sale = OpenSale()
        self.last_sale_id: str | None = None
        # the till's last document, ("sale", sale id) or ("refund", number), and those printed
        self._last_document: tuple[str, str | int] | None = None
        self._printed: set[tuple[str, str | int]] = set()
        self.display: CustomerDisplay | None = None  # opened by the main window, if wanted
        # The attached card's step, segment and advice, by card number.
        self._counter: tuple[str | None, Standing | None] = (None, None)
        # The card of the sale just paid, as it stands after it, and the receipt number:
        # the panel shows it until the next sale starts.
        self._paid_card: tuple[CardInfo, int] | None = None
        self._build()
        self._shortcuts()
        self._scan_router = ScanRouter(self)
        QApplication.instance().installEventFilter(self._scan_router)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        self.scan = QLineEdit(objectName="scanInput")
        self.scan.setAccessibleName(_("Scan or type a code"))
        self.scan.setPlaceholderText(_("Scan a card or goods, or type a code and Enter "
                                       "(3*code for three)"))
        self.scan.returnPressed.connect(self._scan_entered)
        self.scan.installEventFilter(self)  # + and - in the empty scan field: the quantity
        self.message = QLabel(objectName="tillMessage")
        self.message.setWordWrap(True)
        # whatever it says, it never makes the window wider
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # names are text, not markup
        # The last payment stays in view (change to give!) until the next sale starts.
        self.last_paid = QLabel(objectName="lastPaid")
        self.last_paid.setWordWrap(True)
        self.last_paid.setTextFormat(Qt.TextFormat.PlainText)
        self.last_paid.setStyleSheet("font-weight: bold; " + OK)
        self.customer = CustomerPanel()
        self.cart = CartTable()
        self.cart.quantity_typed.connect(self._quantity_typed)
        self.cart.step.connect(self.change_quantity)
        self.cart.remove.connect(self.remove_line)

        self.values = {}
        totals = QFormLayout()
        for key, label in TOTALS:
            value = QLabel(objectName=f"{key}Value")
            value.setAccessibleName(_(label))
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.values[key] = value
            totals.addRow(_(label), value)
        self.values["total"].setStyleSheet("font-size: 22pt; font-weight: bold;")

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, spec in enumerate(TILL_ACTIONS):
            button = QPushButton(spec.text(), objectName=spec.object_name)
            button.setAccessibleName(_(spec.label))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, name=spec.name: self.trigger(name))
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[spec.name] = button
        for name in ("pay_cash", "pay_card"):
            self.buttons[name].setMinimumHeight(44)

        self.receipt = QTextEdit(objectName="receiptView", readOnly=True)
        self.receipt.setAccessibleName(_("Last receipt"))
        self.receipt.setFontFamily("DejaVu Sans Mono")
        self.receipt.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.receipt.setMinimumWidth(330)

        left = QVBoxLayout()
        left.addWidget(self.scan)
        left.addWidget(self.message)
        left.addWidget(self.last_paid)
        left.addWidget(self.cart, 1)
        left.addLayout(totals)
        left.addLayout(grid)
        right = QVBoxLayout()
        right.addWidget(self.customer)
        right.addWidget(QLabel(_("Last receipt")))
        right.addWidget(self.receipt, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.scan and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Minus) \
                and not self.scan.text() and self.sale.lines:
            self.change_quantity(1 if event.key() == Qt.Key.Key_Plus else -1)
            return True  # the last or the selected line, without a click on the cart
        return super().eventFilter(watched, event)

    def _shortcuts(self) -> None:
        self.shortcuts: list[QShortcut] = []
        for spec in TILL_ACTIONS:
            shortcut = QShortcut(spec.sequence(), self)
            shortcut.setAutoRepeat(spec.auto_repeat)  # a held pay key never pays twice
            shortcut.setContext(SHORTCUT_CONTEXT[spec.screen])
            shortcut.activated.connect(lambda name=spec.name: self.trigger(name))
            self.shortcuts.append(shortcut)

    def trigger(self, name: str, **kw) -> None:
        """Start the action ``name`` of the table; a manager's action asks for a PIN first."""
        spec = BY_NAME[name]
        self.triggered.emit(name)
        if spec.manager:
            manager = self.ops.manager(self, _(spec.label).lower())
            if manager is None:
                self.idle()
                return
            kw["manager"] = manager
        getattr(self, name)(**kw)

    # ---------------------------------------------------------------- state and redraw

    def shown(self) -> None:
        """Called when the till is shown: the program may have changed since."""
        program = self.ops.run(self, lambda: store.program_in_force(self.db), show=self.fail)
        if program is not None:
            self.currency, self.program = program.currency, program
        self.redraw()
        self.idle()

    def on_changed(self, changes: Change) -> None:
        # The till's own dialogs redraw what they change (a card attached, a sale paid); a
        # new program changes the terms of the open sale, whoever loaded it.
        if changes & Change.PROGRAM:
            program = self.ops.run(self, lambda: store.program_in_force(self.db),
                                   show=self.fail)
            if program is not None:
                self.currency, self.program = program.currency, program
            self.redraw()

    def idle(self) -> None:
        """Back to waiting for a scan: the window active, the scan field focused."""
        self.window().activateWindow()
        self.scan.setFocus()

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR if error else OK)
        self.message.setText(sentence(shortened(text)) if text else "")

    def fail(self, text: str) -> None:
        self.say(text, error=True)

    def redraw(self) -> None:
        """Price the open sale again and redraw every figure from the result."""
        note = self.ops.run(self, lambda: self.sale.price(self.db), show=self.fail)
        if note:
            self.fail(note)
        card, paid = self.sale.card, None
        if card is None and not self.sale.lines and self._paid_card is not None:
            card, paid = self._paid_card
        counter = self._counter[1] if card and self._counter[0] == card.number else None
        self.customer.show_card(card, self.currency, counter, in_sale=self.sale.gift_ids,
                                paid=paid)
        self._draw_cart()
        self._draw_totals()
        if self.display is not None:
            with speaking(self.display.language):  # the customer's words, the shop's language
                state = sale_state(self.sale, self.currency)
            self.display.show_sale(state)

    def _draw_cart(self) -> None:
        self.cart.draw(self.sale.lines, self.sale.quote, self.currency)

    def _draw_totals(self) -> None:
        p = self.sale.quote.pricing if self.sale.quote else None
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        for key in self.values:
            attr = "paid" if key == "total" else key  # the total is what is paid in money
            self.values[key].setText(money(getattr(p, attr)) if p else money(0))
        if p and p.discount:
            self.values["discount"].setText("-" + money(p.discount))
        if p and p.redeemed:
            self.values["redeemed"].setText("-" + money(p.redeemed))
        has_lines = bool(self.sale.lines)
        self.buttons["pay_cash"].setEnabled(has_lines)
        self.buttons["pay_card"].setEnabled(has_lines)
        self.buttons["redeem_cashback"].setEnabled(has_lines and self.sale.card is not None)
        self.buttons["card_admin"].setEnabled(self.sale.card is not None)
        self.buttons["customer_profile"].setEnabled(self.sale.card is not None)
        self.buttons["add_gift"].setEnabled(self.sale.next_gift() is not None)
        # The gift key's button shows where gifts are handed out: a program whose stamps
        # earn an item, or a card still holding one from an earlier program.
        stamps = self.program.reward("stamps") if self.program else None
        self.buttons["add_gift"].setVisible(
            (stamps is not None and stamps.gift == "item")
            or bool(self.sale.card and self.sale.card.rewards.gifts_ready))

    def _sale_started(self) -> None:
        """The first scan of a new sale: the last payment's note has served."""
        self.last_paid.setText("")
        self._paid_card = None

    # ---------------------------------------------------------------- scanning

    def _scan_entered(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        self.handle_scan(text)

    def handle_scan(self, text: str) -> None:
        """Route a scan: a loyalty card attaches, goods are added, a receipt opens its refund,
        anything else is refused with what to do."""
        try:
            scan = read_scan(text)
        except Refused as exc:
            self.fail(str(exc))
            return
        if scan is None:
            return
        if scan.kind == "receipt":  # the customer brings goods back
            self.trigger("refund", receipt_no=scan.receipt_no)
            return
        found = self.ops.run(self, lambda: self._look_up(scan), show=self._refuse_card)
        if found is None:
            return
        if isinstance(found, CardInfo):
            self.attach_card(found)
        elif isinstance(found, products.ProductInfo):
            self.add_line(CartLine(found.name, scan.qty, found.price, found.eligible))
        else:
            self.fail(not_found(scan))

    def scan_in_dialog(self, dialog, code: str) -> None:
        """A scanner's burst that arrived in an open dialog: never typing, never a payment.
        In a payment dialog (``scan_attaches_card``) a loyalty card attaches to the sale and
        the dialog closes, to be opened again on the new total; goods and other codes are
        refused with what to do, and so is any scan in the other guarded dialogs."""
        refuse = getattr(dialog, "refuse", None) or self.fail
        paying = getattr(dialog, "scan_attaches_card", False)
        shown = code if len(code) <= 24 else code[:23] + "…"
        not_here = (_("finish the payment first: {code} was not added") if paying else
                    _("a scan is not taken here: finish this first")).format(code=shown)
        try:
            scan = read_scan(code)
        except Refused:
            refuse(not_here)
            return
        if scan is None or scan.kind == "receipt":
            refuse(not_here)
            return
        found = self.ops.run(dialog, lambda: self._look_up(scan), show=refuse)
        if found is None:
            return  # refused (a blocked card, a database that failed): the dialog says why
        if not (isinstance(found, CardInfo) and paying):
            refuse(not_here)
            return
        dialog.reject()

        def attach() -> None:  # once the dialog is gone, on the till
            self.attach_card(found)
            self.say(_("card attached: the total is now {total}; press F9 or F10 to pay")
                     .format(total=self.values["total"].text()))
        QTimer.singleShot(0, attach)

    def _look_up(self, scan: Scan) -> CardInfo | products.ProductInfo | bool:
        """The card or the goods of a scan; False when nothing has its code."""
        if scan.kind == "ean13":
            try:
                return cards.scan_card(self.db, number=scan.code)
            except CardNotFound:
                pass  # an EAN-13 that is no card of ours: perhaps goods
        code = scan.code if scan.kind == "ean13" else scan.text
        return products.find_product(self.db, code=code) or False

    def _refuse_card(self, text: str) -> None:
        """A card the till must not take (blocked, replaced), or a failed look-up."""
        self.customer.show_refusal(text, self.currency)
        self.fail(text)

    def attach_card(self, info: CardInfo) -> None:
        self._sale_started()
        dropped = self.sale.attach(info)
        # Where the customer stands, read with the card (the price of a sale drops it).
        self._counter = (info.number, info.standing)
        who = info.holder.name if info.holder else _("bearer card")
        text = _("card of {who}: {tier}").format(who=who, tier=info.tier)
        if dropped:
            text += "; " + _("the other card's gift taken out of the sale: {items}").format(
                items=", ".join(line.description for line in dropped))
        self.say(text)
        self.redraw()

    def _usual_quantity(self, qty, item: str) -> bool:
        """True for a usual quantity, or one the cashier confirmed (Enter says No)."""
        if qty <= unusual_quantity():
            return True
        sure = self.ops.ask_sure(self, _("{qty} x {item}: is this quantity right?").format(
            qty=quantity_text(qty), item=item))
        self.idle()  # the next scan lands in the scan field whatever the answer
        return sure

    def add_line(self, line: CartLine) -> None:
        if not self._usual_quantity(line.qty, line.description):
            self.fail(_("not added: {qty} x {item}").format(qty=quantity_text(line.qty),
                                                           item=line.description))
            self.idle()
            return
        self._sale_started()
        row = self.sale.add(line)
        self.say(_("{qty} x {item}").format(qty=quantity_text(line.qty), item=line.description))
        self.redraw()
        self.cart.selectRow(row)

    # ---------------------------------------------------------------- the cart's keys

    def _selected_row(self) -> int:
        row = self.cart.currentRow()
        return row if 0 <= row < len(self.sale.lines) else len(self.sale.lines) - 1

    def change_quantity(self, step: int) -> None:
        row = self._selected_row()
        if row < 0:
            return
        qty = self.sale.lines[row].qty + step
        if qty <= 0:
            item = self.sale.lines[row].description
            sure = self.ops.ask_sure(self, _("Remove {item} from the sale?").format(item=item))
            self.idle()
            if sure:
                self.remove_line()
            return
        if not self._usual_quantity(qty, self.sale.lines[row].description):
            return
        try:
            self.sale.set_qty(row, qty)
        except Refused as exc:
            self.fail(str(exc))
            return
        self.redraw()
        self.cart.selectRow(row)

    def remove_line(self) -> None:
        row = self._selected_row()
        if row < 0:
            return
        removed = self.sale.remove(row)
        self.say(_("removed {item}").format(item=removed.description))
        self.redraw()
        if self.sale.lines:
            self.cart.selectRow(min(row, len(self.sale.lines) - 1))

    def _quantity_typed(self, row: int, text: str) -> None:
        if row >= len(self.sale.lines):
            return
        try:
            qty = parse_quantity(text)
            if self._usual_quantity(qty, self.sale.lines[row].description):
                self.sale.set_qty(row, qty)
        except Refused as exc:
            self.fail(str(exc))  # the redraw puts the old quantity back in the cell
        self.redraw()
        self.idle()

    # ---------------------------------------------------------------- actions

    def new_sale(self) -> None:
        self.sale.reset()
        self._paid_card = None
        self.say("")
        self.redraw()
        self.idle()

    def add_open_item(self) -> None:
        dialog = OpenItemDialog(self.currency, self)
        if dialog.exec() and dialog.line is not None:
            self.add_line(dialog.line)
        self.idle()

    def add_gift(self) -> None:
        """Ctrl+G: hand out the card's first gift ready, as a line of one unit at price 0."""
        card = self.sale.card
        gift = self.sale.next_gift()
        if card is None:
            self.fail(_("scan the customer's card first: a gift goes with the card that"
                        " earned it"))
        elif gift is None and card.rewards.gifts_ready:
            self.fail(_("the card's gifts are all in this sale already"))
        elif gift is None:
            self.fail(_("this card has no gift ready; its stamps show how many purchases are"
                        " left to one"))
        else:
            self.add_line(gift.line())
            self.say(_("gift {item} added at {price}").format(
                item=gift.description, price=fmt_display(0, self.currency)))
        self.idle()

    def find_customer(self) -> None:
        dialog = FindCustomerDialog(self.ops, self.currency, self)
        if dialog.exec() and dialog.number:
            self.handle_scan(dialog.number)
        self.idle()

    def customer_profile(self) -> None:
        """F2: the attached customer's profile: visits, worth, answers, cashback entries."""
        from ui.dialogs.profile import show_profile

        if self.sale.card is None:
            self.fail(_("scan the card first"))
        else:
            show_profile(self.ops, self, self.sale.card.number, show=self.fail)
        self.idle()

    def issue_card(self) -> None:
        dialog = IssueCardDialog(self.ops, self)
        if dialog.exec() and dialog.card is not None:
            card = dialog.card
            self.attach_card(card)
            text = _("new card {number} issued and attached to this sale").format(
                number=card.number)
            self.say(text)
            if dialog.print_it.isChecked():
                printing.print_card(
                    self.ops, self, card.number,
                    show=lambda why: self.fail(_("{done}; not printed: {why}").format(
                        done=text, why=why)),
                    done=lambda did: self.say(_("{done}; card {printed}").format(
                        done=text, printed=did)))
        self.idle()

    def redeem_cashback(self) -> None:
        if not self.sale.lines or self.sale.card is None or self.sale.quote is None:
            self.fail(_("scan the card and the goods first"))
            return
        cap = self.ops.run(self, lambda: self.sale.redeem_cap(self.db), show=self.fail)
        if cap is None:
            return
        dialog = RedeemDialog(cap, self.sale.card.balance, self.currency, self)
        if dialog.exec():
            self.sale.redeem = dialog.request
            self.redraw()
        self.idle()

    def card_admin(self, *, manager) -> None:
        card = self.sale.card
        if card is None:
            self.fail(_("scan the card first"))
            return
        program = self.ops.run(self, lambda: store.program_in_force(self.db), show=self.fail)
        if program is None:
            return
        dialog = CardAdminDialog(self.ops, manager, card,
                                 [t.name for t in program.personal_tiers], self.currency, self)
        dialog.exec()
        result = dialog.result_card
        if result is not None:
            if result.status == "active":
                self.attach_card(result)
            else:
                self.sale.detach()
                self.redraw()
                said = _("card {number} is now {status}").format(
                    number=cardnumbers.masked(result.number), status=_(result.status))
                self.customer.show_refusal(said, self.currency)
                self.say(said)  # and on the till's line, where the cashier looks
        self.idle()

    def refund(self, *, manager, receipt_no: int | None = None) -> None:
        dialog = RefundDialog(self.ops, manager, self.currency, self)
        if receipt_no is not None:
            dialog.find_receipt(str(receipt_no))
        if dialog.exec() and dialog.result is not None:
            r, cur = dialog.result, self.currency
            self.say(_("refund {number}: give back {money} (card {card}, cash {cash})").format(
                number=r.refund_no, money=fmt_display(r.money_back, cur),
                card=fmt_amount(r.to_card, cur), cash=fmt_amount(r.to_cash, cur)))
            # the refund receipt, shown and printed as a sale's is: the customer's proof
            self._last_document = ("refund", r.refund_no)
            doc = self.ops.run(self, lambda: refund_receipt(self.db, refund_no=r.refund_no),
                               show=self.fail)
            if doc is not None:
                self._show_receipt(doc)
                if printing.settings()["auto"]:
                    self._print(doc)
        self.idle()

    def pay_cash(self) -> None:
        if not self._ready_to_pay():
            return
        dialog = CashDialog(self.sale.quote.pricing.paid, self.currency, self)
        if not dialog.exec():
            self.idle()
            return
        if dialog.rest_by_card:
            payments = [checkout.PaymentInput("cash", dialog.tendered, dialog.tendered),
                        checkout.PaymentInput("card")]
        else:
            payments = [checkout.PaymentInput("cash", tendered=dialog.tendered)]
        self._pay(payments)

    def pay_card(self) -> None:
        if self._ready_to_pay():
            self._pay([checkout.PaymentInput("card")])

    def _ready_to_pay(self) -> bool:
        if not self.sale.lines or self.sale.quote is None:
            # The last payment's note (with the change to give) stays where it is.
            self.fail(_("the cart is empty: scan the goods first"))
            return False
        total = self.sale.quote.pricing.paid
        if total > unusual_total() * 10 ** exponent(self.currency) and not self.ops.ask_sure(
                self, _("The total is {total}: is it right?").format(
                    total=fmt_display(total, self.currency))):
            self.fail(_("not paid: check the quantities and prices"))
            self.idle()
            return False
        return True

    def _not_paid(self, why: str, key: str) -> None:
        """The sale was not recorded; it stays on the screen to be paid again with ``key``
        (the pay key pressed: F9 cash, F10 bank card)."""
        failure = self.ops.last_failure
        if failure is not None and failure.kind == "unreachable":
            # what the server said is in the log; the cashier needs what to do
            self.fail(_("not recorded: the server does not answer, press {key} to try"
                        " again").format(key=key))
        else:
            self.fail(_("not paid: {why}").format(why=why))

    def _pay(self, payments: list[checkout.PaymentInput]) -> None:
        sale = self.sale
        result = self.ops.run(self, lambda: checkout.checkout(
            self.db, actor=self.ops.actor, sale_id=sale.sale_id, card_number=sale.card_number,
            lines=list(sale.lines), redeem=sale.redeem, payments=payments),
            changes=Change.SALES, show=lambda why: self._not_paid(
                why, "F9" if any(p.method == "cash" for p in payments) else "F10"))
        if result is None:
            self.idle()
            return
        self.last_sale_id = result.sale_id
        self.sale_recorded.emit(result)
        self.sale.reset()
        # The card as it stands now (its new stamp count, the gift it earned), until the
        # next sale starts.
        after = self.ops.run(self, lambda: cards.scan_card(self.db, number=result.card),
                             show=self.fail) if result.card else None
        self._paid_card = (after, result.receipt_no) if after is not None else None
        if after is not None:
            self._counter = (after.number, after.standing)
        self.redraw()
        text = _("receipt {number} paid").format(number=result.receipt_no)
        if result.change:
            text += "; " + _("change {amount}").format(
                amount=fmt_display(result.change, self.currency))
        if result.card:
            text += "; " + _("cashback earned {earned}, balance {balance}").format(
                earned=fmt_display(result.cashback, self.currency),
                balance=fmt_display(result.balance, self.currency))
        text = sentence(text)
        earned = self._earned(result, after)
        if earned:
            text += "\n" + " · ".join(earned)
        self.last_paid.setText(text)
        self.say("")
        if self.display is not None:
            self.display.show_thanks(currency=self.currency, paid=result.paid,
                                     change=result.change,
                                     cashback=result.cashback if result.card else None,
                                     balance=result.balance)
        receipt = self.ops.run(self, lambda: sale_receipt(self.db, sale_id=result.sale_id),
                               show=self.fail)
        self._last_document = ("sale", result.sale_id)
        if receipt is not None:
            self._show_receipt(receipt)
            if printing.settings()["auto"]:
                self._print(receipt)
        if result.card and self.ops.run(self, lambda: nps.should_ask(
                self.db, card_number=result.card), show=self.fail):
            self._ask_score(result)
        self.idle()

    def _earned(self, result: checkout.SaleResult, after: CardInfo | None) -> list[str]:
        """What the sale earned besides cashback: its stamp, the gift, the bonuses."""
        # An item gift just earned is the card's newest gift ready.
        gifts = after.rewards.gifts_ready if after is not None else ()
        return sale_earned(
            stamp=result.stamp, every=result.stamps_every, gift=result.gift,
            gift_item=gifts[-1].description if gifts and result.gift == "item" else None,
            bonuses=result.bonuses, money=lambda units: fmt_display(units, self.currency))

    def _ask_score(self, result) -> None:
        if self.display is not None and self.display.isVisible():
            # The customer answers on their own screen; the cashier's waits (Esc skips).
            score = ask_customer(self.display, self)
            done = None if score is None else self.ops.run(self, lambda: nps.record_response(
                self.db, actor=self.ops.actor, score=score, card_number=result.card,
                sale_id=result.sale_id), show=self.fail)
            if done is not None:
                self.say(_("score {score} recorded, thank you").format(score=done.score))
            return
        from ui.dialogs.nps import NpsDialog

        dialog = NpsDialog(self.ops, card_number=result.card, sale_id=result.sale_id,
                           parent=self)
        if dialog.exec() and dialog.recorded is not None:
            self.say(_("score {score} recorded, thank you").format(
                score=dialog.recorded.score))

    def _show_receipt(self, doc: Receipt | RefundReceipt) -> None:
        """The receipt on the till's screen, in the shop's language, as it prints."""
        render = render_text if isinstance(doc, Receipt) else render_refund_text
        self.receipt.setPlainText(printing.in_shop_language(self.ops, render)(doc))

    def _print(self, doc: Receipt | RefundReceipt) -> None:
        key = ("sale", doc.sale_id) if isinstance(doc, Receipt) else ("refund", doc.refund_no)
        what = (_("receipt {number}").format(number=doc.receipt_no) if key[0] == "sale"
                else _("refund receipt {number}").format(number=doc.refund_no))
        self._printed.add(key)  # printed once: a print of it again is a copy
        printing.print_receipt(
            self.ops, self, doc,
            show=lambda why: self.fail(_("{what} not printed: {why}").format(what=what,
                                                                              why=why)),
            done=lambda did: self.say(_("{what} {done}").format(what=what, done=did)))

    def print_last(self) -> None:
        """Print the last receipt of this till, a sale's or a refund's; once it was printed,
        the print is marked COPY."""
        if self._last_document is None:
            self.fail(_("no sale yet to print; Till > Reprint a receipt finds older ones"))
            return
        kind, key = self._last_document
        copy = self._last_document in self._printed
        if kind == "refund":
            found = self.ops.run(self, lambda: refund_receipt(self.db, refund_no=key,
                                                              copy=copy), show=self.fail)
            if found is not None:
                self._print(found)
            self.idle()
            return
        self.reprint(sale_id=key, copy=copy)

    def reprint(self, *, sale_id: str | None = None, receipt_no: int | None = None,
                copy: bool = True) -> None:
        """Print a past receipt, found by its sale id or its number: a copy, marked so."""
        def find():
            sid = sale_id or refunds.find_sale_id(self.db, receipt_no=receipt_no)
            return sale_receipt(self.db, sale_id=sid, copy=copy)

        found = self.ops.run(self, find, show=self.fail)
        if found is not None:
            self._print(found)
        self.idle()
