"""The till: scan a card and goods, see the customer and the totals, redeem, pay, refund.

The screen keeps only the open sale (its id, card, lines and redemption); every
figure on it comes from ``checkout.quote`` and is redrawn whenever they change.
"""

from __future__ import annotations

import re
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.documents.receipt_print import parse_receipt_code
from loyaltypos.documents.receipts import render_text
from loyaltypos.domain import cardnumbers
from loyaltypos.domain.errors import CardNotFound, Refused
from loyaltypos.domain.money import fmt, fmt_display
from loyaltypos.domain.pricing import CartLine, RedeemRequest, parse_quantity
from loyaltypos.services import cards, checkout, products, refunds, store
from loyaltypos.services.receipts import sale_receipt
from ui import printing
from ui.card_dialogs import CardAdminDialog, FindCustomerDialog, IssueCardDialog
from ui.customer_panel import CustomerPanel
from ui.dialogs import CashDialog, OpenItemDialog, RedeemDialog, quantity_text
from ui.ops import Ops, sentence
from ui.refund_dialog import RefundDialog

CART_COLUMNS = ("Item", "Qty", "Price", "Amount", "Discount")
QTY_COL = 1
_QTY_PREFIX = re.compile(r"^(\d+(?:[.,]\d+)?)\*(.+)$")  # "3*4601234567893": three of them


class TillScreen(QWidget):
    """The cashier's screen. Public slots are the actions the F-keys and buttons start."""

    sale_recorded = Signal(object)  # SaleResult

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.db = ops.database
        self.currency = "RUB"
        self.card: cards.CardInfo | None = None
        self.lines: list[CartLine] = []
        self.redeem: RedeemRequest = None
        self.quote: checkout.Quote | None = None
        self.sale_id = checkout.new_sale_id()
        self._paying = False
        self.last_sale_id: str | None = None
        self._build()
        self._shortcuts()
        self._scan_router = _ScanRouter(self)
        QApplication.instance().installEventFilter(self._scan_router)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        self.scan = QLineEdit(objectName="scanInput")
        self.scan.setAccessibleName("Scan or type a code")
        self.scan.setPlaceholderText("Scan a card or goods, or type a code and Enter "
                                     "(3*code for three)")
        self.scan.returnPressed.connect(self._scan_entered)
        self.message = QLabel(objectName="tillMessage")
        self.message.setWordWrap(True)
        self.customer = CustomerPanel()
        self.cart = QTableWidget(0, len(CART_COLUMNS), objectName="cartTable")
        self.cart.setAccessibleName("Cart")
        self.cart.setHorizontalHeaderLabels(CART_COLUMNS)
        self.cart.verticalHeader().setVisible(False)
        self.cart.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cart.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cart.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.cart.itemChanged.connect(self._cart_edited)
        self.cart.installEventFilter(self)

        self.values = {}
        totals = QFormLayout()
        for key, label in (("subtotal", "Subtotal"), ("discount", "Tier discount"),
                           ("redeemable", "Cashback can pay"), ("redeemed", "Paid with cashback"),
                           ("total", "TOTAL"), ("cashback", "Cashback to earn")):
            value = QLabel(objectName=f"{key}Value")
            value.setAccessibleName(label)
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.values[key] = value
            totals.addRow(label, value)
        self.values["total"].setStyleSheet("font-size: 22pt; font-weight: bold;")

        self.buttons = {}
        grid = QGridLayout()
        specs = (("find", "F3 Find customer", "findButton", self.find_customer),
                 ("issue", "F4 Issue card", "issueCardButton", self.issue_card),
                 ("open", "F5 Item not in catalog", "openItemButton", self.add_open_item),
                 ("redeem", "F6 Pay with cashback", "redeemButton", self.redeem_cashback),
                 ("admin", "F7 Card actions", "cardAdminButton", self.card_admin),
                 ("refund", "F8 Refund", "refundButton", self.refund),
                 ("cash", "F9 Cash", "payCashButton", self.pay_cash),
                 ("card", "F10 Card", "payCardButton", self.pay_card),
                 ("new", "Esc New sale", "newSaleButton", self.new_sale),
                 ("print", "Ctrl+P Print receipt", "printButton", self.print_last))
        for i, (key, text, name, slot) in enumerate(specs):
            button = QPushButton(text, objectName=name)
            button.setAccessibleName(text.split(" ", 1)[1])
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[key] = button
        for key in ("cash", "card"):
            self.buttons[key].setMinimumHeight(44)

        self.receipt = QTextEdit(objectName="receiptView", readOnly=True)
        self.receipt.setAccessibleName("Last receipt")
        self.receipt.setFontFamily("DejaVu Sans Mono")
        self.receipt.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.receipt.setMinimumWidth(330)

        left = QVBoxLayout()
        left.addWidget(self.scan)
        left.addWidget(self.message)
        left.addWidget(self.cart, 1)
        left.addLayout(totals)
        left.addLayout(grid)
        right = QVBoxLayout()
        right.addWidget(self.customer)
        right.addWidget(QLabel("Last receipt"))
        right.addWidget(self.receipt, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def _shortcuts(self) -> None:
        self.shortcuts: list[QShortcut] = []
        for key, slot in ((Qt.Key.Key_F3, self.find_customer), (Qt.Key.Key_F4, self.issue_card),
                          (Qt.Key.Key_F5, self.add_open_item),
                          (Qt.Key.Key_F6, self.redeem_cashback),
                          (Qt.Key.Key_F7, self.card_admin), (Qt.Key.Key_F8, self.refund),
                          (Qt.Key.Key_F9, self.pay_cash), (Qt.Key.Key_F10, self.pay_card),
                          (Qt.Key.Key_Escape, self.new_sale),
                          (QKeySequence.StandardKey.Print, self.print_last)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setAutoRepeat(False)  # a held pay key never pays twice
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # ---------------------------------------------------------------- state and redraw

    def start(self) -> None:
        """Called when the till is shown: the program may have changed since."""
        self.currency = store.program_in_force(self.db).currency
        self.redraw()
        self.idle()

    def idle(self) -> None:
        """Back to waiting for a scan: the window active, the scan field focused."""
        self.window().activateWindow()
        self.scan.setFocus()

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.message.setText(sentence(text) if text else "")

    def redraw(self) -> None:
        """Price the open sale again and redraw every figure from the result."""
        self.quote = None
        if self.lines:
            try:
                self.quote = checkout.quote(self.db, card_number=self.card_number,
                                            lines=self.lines, redeem=self.redeem)
            except Refused as exc:
                if self.redeem is not None:  # the cart shrank under the redemption
                    self.redeem = None
                    self.say(f"{exc}; cashback payment removed", error=True)
                    return self.redraw()
                self.say(str(exc), error=True)
        if self.quote is not None and self.quote.card is not None:
            self.card = self.quote.card
        self.customer.show_card(self.card, self.currency)
        self._draw_cart()
        self._draw_totals()
        return None

    @property
    def card_number(self) -> str | None:
        return self.card.number if self.card else None

    def _draw_cart(self) -> None:
        self.cart.blockSignals(True)
        self.cart.setRowCount(len(self.lines))
        priced = self.quote.pricing.lines if self.quote else []
        for row, line in enumerate(self.lines):
            shares = priced[row].shares if row < len(priced) else None
            values = (line.description + ("" if line.eligible else "  (no loyalty)"),
                      quantity_text(line.qty), fmt(line.unit_price, self.currency),
                      fmt(shares.amount, self.currency) if shares else "",
                      fmt(shares.discount, self.currency) if shares and shares.discount else "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col != QTY_COL:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if col > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.cart.setItem(row, col, item)
        self.cart.blockSignals(False)

    def _draw_totals(self) -> None:
        p = self.quote.pricing if self.quote else None
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        for key in self.values:
            attr = "paid" if key == "total" else key  # the total is what is paid in money
            self.values[key].setText(money(getattr(p, attr)) if p else money(0))
        if p and p.discount:
            self.values["discount"].setText("-" + money(p.discount))
        if p and p.redeemed:
            self.values["redeemed"].setText("-" + money(p.redeemed))
        has_lines = bool(self.lines)
        self.buttons["cash"].setEnabled(has_lines)
        self.buttons["card"].setEnabled(has_lines)
        self.buttons["redeem"].setEnabled(has_lines and self.card is not None)
        self.buttons["admin"].setEnabled(self.card is not None)

    # ---------------------------------------------------------------- scanning

    def _scan_entered(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        self.handle_scan(text)

    def handle_scan(self, text: str) -> None:
        """Route a scan: a loyalty card attaches, a product is added, anything else is refused."""
        text = text.strip()
        if not text:
            return
        qty = Decimal(1)
        match = _QTY_PREFIX.match(text)
        if match:
            try:
                qty = parse_quantity(match.group(1))
            except Refused as exc:
                self.say(str(exc), error=True)
                return
            text = match.group(2).strip()
        if re.fullmatch(r"[Rr]\d+", text):  # the barcode of a receipt: the customer returns goods
            self.refund(receipt_no=parse_receipt_code(text))
            return
        code = re.sub(r"[\s-]", "", text)  # scanners and people add spaces and dashes
        if code.isdigit() and len(code) == cardnumbers.LENGTH and cardnumbers.is_valid(code):
            try:
                self.attach_card(cards.scan_card(self.db, number=code))
                return
            except CardNotFound:
                pass  # an EAN-13 that is no card of ours: perhaps goods
            except Refused as exc:  # blocked or replaced
                self.customer.show_refusal(str(exc))
                self.say(str(exc), error=True)
                return
        product = products.find_product(self.db, code=text)
        if product is not None:
            self.add_line(CartLine(product.name, qty, product.price, product.eligible))
        elif code.isdigit() and len(code) == cardnumbers.LENGTH:
            self.say(f"{code}: check digit wrong, scan again" if not cardnumbers.is_valid(code)
                     else f"Not found: {code}. No card or goods with this code", error=True)
        else:
            self.say(f"Not found: {text}. Scan again, or F5 for an item not in the catalog",
                     error=True)

    def attach_card(self, info: cards.CardInfo) -> None:
        self.card = info
        self.redeem = None
        who = info.holder.name if info.holder else "bearer card"
        self.say(f"Card of {who}: {info.tier}")
        self.redraw()

    def add_line(self, line: CartLine) -> None:
        self.lines.append(line)
        self.say(f"{quantity_text(line.qty)} x {line.description}")
        self.redraw()
        self.cart.selectRow(len(self.lines) - 1)

    # ---------------------------------------------------------------- the cart's keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.cart and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus):
                self.change_quantity(1 if key == Qt.Key.Key_Plus else -1)
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove_line()
                return True
        return super().eventFilter(watched, event)

    def _selected_row(self) -> int:
        row = self.cart.currentRow()
        return row if 0 <= row < len(self.lines) else len(self.lines) - 1

    def change_quantity(self, step: int) -> None:
        row = self._selected_row()
        if row < 0:
            return
        line = self.lines[row]
        qty = line.qty + step
        if qty <= 0:
            self.remove_line()
            return
        self.lines[row] = CartLine(line.description, qty, line.unit_price, line.eligible)
        self.redraw()
        self.cart.selectRow(row)

    def remove_line(self) -> None:
        row = self._selected_row()
        if row < 0:
            return
        removed = self.lines.pop(row)
        self.say(f"Removed {removed.description}")
        self.redraw()
        if self.lines:
            self.cart.selectRow(min(row, len(self.lines) - 1))

    def _cart_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != QTY_COL or item.row() >= len(self.lines):
            return
        line = self.lines[item.row()]
        try:
            qty = parse_quantity(item.text())
        except Refused as exc:
            self.say(str(exc), error=True)
        else:
            self.lines[item.row()] = CartLine(line.description, qty, line.unit_price,
                                              line.eligible)
        self.redraw()
        self.idle()

    # ---------------------------------------------------------------- actions

    def new_sale(self) -> None:
        self.card, self.lines, self.redeem = None, [], None
        self.sale_id = checkout.new_sale_id()
        self.say("")
        self.redraw()
        self.idle()

    def add_open_item(self) -> None:
        dialog = OpenItemDialog(self.currency, self)
        if dialog.exec() and dialog.line is not None:
            self.add_line(dialog.line)
        self.idle()

    def find_customer(self) -> None:
        dialog = FindCustomerDialog(self.ops, self.currency, self)
        if dialog.exec() and dialog.number:
            self.handle_scan(dialog.number)
        self.idle()

    def issue_card(self) -> None:
        dialog = IssueCardDialog(self.ops, self)
        if dialog.exec() and dialog.card is not None:
            self.attach_card(dialog.card)
            text = f"New card {dialog.card.number} issued and attached to this sale"
            if dialog.print_it.isChecked():
                done = self.ops.run(self, lambda: printing.print_card(self, self.db,
                                                                      dialog.card.number),
                                    show=lambda why: self.say(f"{text}; not printed: {why}",
                                                              error=True))
                if done is None:
                    return
                text += f"; card {done}"
            self.say(text)
        self.idle()

    def redeem_cashback(self) -> None:
        if not self.lines or self.card is None or self.quote is None:
            self.say("scan the card and the goods first", error=True)
            return
        try:
            cap_quote = checkout.quote(self.db, card_number=self.card_number, lines=self.lines)
        except Refused as exc:
            self.say(str(exc), error=True)
            return
        dialog = RedeemDialog(cap_quote.pricing.redeemable, self.card.balance, self.currency,
                              self)
        if dialog.exec():
            self.redeem = dialog.request
            self.redraw()
        self.idle()

    def card_admin(self) -> None:
        if self.card is None:
            self.say("scan the card first", error=True)
            return
        manager = self.ops.manager(self, "a card action")
        if manager is None:
            self.idle()
            return
        program = store.program_in_force(self.db)
        dialog = CardAdminDialog(self.ops, manager, self.card,
                                 [t.name for t in program.personal_tiers], self.currency, self)
        dialog.exec()
        if dialog.result_card is not None:
            if dialog.result_card.status == "active":
                self.attach_card(dialog.result_card)
            else:
                self.card = None
                self.customer.show_refusal(f"card {dialog.result_card.number} is now"
                                           f" {dialog.result_card.status}")
                self.redraw()
        self.idle()

    def refund(self, receipt_no: int | None = None) -> None:
        manager = self.ops.manager(self, "a refund")
        if manager is None:
            self.idle()
            return
        dialog = RefundDialog(self.ops, manager, self.currency, self)
        if receipt_no is not None:
            dialog.find_receipt(str(receipt_no))
        if dialog.exec() and dialog.result is not None:
            r, cur = dialog.result, self.currency
            self.say(f"Refund {r.refund_no}: give back {fmt_display(r.money_back, cur)}"
                     f" (card {fmt(r.to_card, cur)}, cash {fmt(r.to_cash, cur)})")
        self.idle()

    def pay_cash(self) -> None:
        if self._paying or not self._ready_to_pay():
            return
        dialog = CashDialog(self.quote.pricing.paid, self.currency, self)
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
        if self._paying or not self._ready_to_pay():
            return
        self._pay([checkout.PaymentInput("card")])

    def _ready_to_pay(self) -> bool:
        if not self.lines or self.quote is None:
            self.say("the cart is empty: scan the goods first", error=True)
            return False
        return True

    def _pay(self, payments: list[checkout.PaymentInput]) -> None:
        self._paying = True  # a second press while this one saves does nothing
        try:
            result = self.ops.run(self, lambda: checkout.checkout(
                self.db, actor=self.ops.actor, sale_id=self.sale_id,
                card_number=self.card_number, lines=list(self.lines), redeem=self.redeem,
                payments=payments), changes="sales", title="Not paid")
        finally:
            self._paying = False
        if result is None:
            self.idle()
            return
        receipt = sale_receipt(self.db, sale_id=result.sale_id)
        self.receipt.setPlainText(render_text(receipt))
        self.last_sale_id = result.sale_id
        self.sale_recorded.emit(result)
        self.new_sale()
        text = f"Receipt {result.receipt_no} paid"
        if result.change:
            text += f"; change {fmt_display(result.change, self.currency)}"
        if result.card:
            text += (f"; cashback earned {fmt_display(result.cashback, self.currency)}, "
                     f"balance {fmt_display(result.balance, self.currency)}")
        if printing.settings()["auto"]:
            done = self.ops.run(self, lambda: printing.print_document(self, receipt),
                                show=lambda why: self.say(f"{text}. Not printed: {why}",
                                                          error=True))
            if done is None:
                return
            text += f"; receipt {done}"
        self.say(text)

    def print_last(self) -> None:
        """Print (again) the receipt of the last sale of this till."""
        if self.last_sale_id is None:
            self.say("no sale yet to print; Till > Reprint a receipt finds older ones",
                     error=True)
            return
        self.reprint(sale_id=self.last_sale_id)

    def reprint(self, *, sale_id: str | None = None, receipt_no: int | None = None) -> None:
        """Print a past receipt, found by its sale id or its number."""
        def receipt():
            sid = sale_id or refunds.find_sale_id(self.db, receipt_no=receipt_no)
            return sale_receipt(self.db, sale_id=sid)

        found = self.ops.run(self, receipt, show=lambda why: self.say(why, error=True))
        if found is not None:
            done = self.ops.run(self, lambda: printing.print_document(self, found),
                                show=lambda why: self.say(f"Not printed: {why}", error=True))
            if done is not None:
                self.say(f"Receipt {found.receipt_no} {done}")
        self.idle()


class _ScanRouter(QObject):
    """Sends digits typed anywhere on the till (a scanner's burst) to the scan field."""

    def __init__(self, till: TillScreen) -> None:
        super().__init__(till)
        self.till = till

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not self.till.isVisible():
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        if not isinstance(watched, QWidget) or watched is self.till.scan \
                or not self.till.isAncestorOf(watched):
            return False
        if isinstance(watched, QLineEdit | QAbstractSpinBox) \
                or self.till.cart.state() == QAbstractItemView.State.EditingState:
            return False  # the cashier is typing into a field
        text = event.text()
        if text and (text.isdigit() or text == "*"):
            self.till.scan.setFocus()
            self.till.scan.insert(text)
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.till.scan.text():
            self.till.scan.setFocus()
            self.till._scan_entered()
            return True
        return False
