"""The refund dialog: find the sale, choose lines and quantities, see what goes back, confirm."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.documents.receipt_print import parse_receipt_code
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.pricing import parse_quantity
from loyaltypos.services import refunds
from ui.dialogs import _named, quantity_text

COLUMNS = ("#", "Item", "Sold", "Returned", "Return now")
RETURN_COL = 4


class RefundDialog(QDialog):
    def __init__(self, ops, manager, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Refund")
        self.ops, self.manager, self.currency = ops, manager, currency
        self.sale_id: str | None = None
        self.result: refunds.RefundResult | None = None
        self._views: list[refunds.SaleLineView] = []

        self.receipt = _named(QLineEdit(placeholderText="receipt number, or scan the receipt"),
                              "refundReceipt")
        self.card = _named(QLineEdit(placeholderText="or the customer's card number"),
                           "refundCard")
        self.sales = _named(QTableWidget(0, 3), "refundSales")
        self.sales.setHorizontalHeaderLabels(("Receipt", "When", "Paid"))
        self.sales.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sales.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sales.verticalHeader().setVisible(False)
        self.sales.setMaximumHeight(140)
        self.lines = _named(QTableWidget(0, len(COLUMNS)), "refundLines")
        self.lines.setHorizontalHeaderLabels(COLUMNS)
        self.lines.verticalHeader().setVisible(False)
        self.lines.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.sales.horizontalHeader().setStretchLastSection(True)
        self.preview = _named(QLabel(), "refundPreview")
        self.preview.setWordWrap(True)
        self.error = _named(QLabel(), "refundError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.confirm = _named(QPushButton("Refund"), "refundConfirm")
        self.confirm.setEnabled(False)
        all_lines = _named(QPushButton("Return everything"), "refundAll")
        cancel = QPushButton("Cancel")
        for button in (self.confirm, all_lines, cancel):
            button.setAutoDefault(False)

        find = QFormLayout()
        find.addRow("Receipt", self.receipt)
        find.addRow("Card", self.card)
        buttons = QHBoxLayout()
        buttons.addWidget(all_lines)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addLayout(find)
        layout.addWidget(self.sales)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.preview)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(680, 560)

        self.receipt.returnPressed.connect(self._find_receipt)
        self.card.returnPressed.connect(self._find_card)
        self.sales.itemSelectionChanged.connect(self._sale_chosen)
        self.lines.itemChanged.connect(lambda _item: self._update_preview())
        all_lines.clicked.connect(self._return_all)
        cancel.clicked.connect(self.reject)
        self.confirm.clicked.connect(self._confirm)

    # ---------------------------------------------------------------- finding the sale

    def _say(self, text: str) -> None:
        self.error.setText(text[:1].upper() + text[1:] if text else "")

    def _find_receipt(self) -> None:
        self.find_receipt(self.receipt.text())

    def find_receipt(self, text: str) -> None:
        """Load the sale of a typed receipt number or a scanned receipt barcode ("R123")."""
        self.receipt.setText(text.strip())
        receipt_no = parse_receipt_code(text)
        if receipt_no is None:
            self._say("type the receipt number, or scan the barcode at the bottom of the receipt")
            return
        try:
            self.load_sale(refunds.find_sale_id(self.ops.database, receipt_no=receipt_no))
        except Refused as exc:
            self._say(str(exc))

    def _find_card(self) -> None:
        try:
            found = refunds.recent_sales(self.ops.database, card_number=self.card.text())
        except Refused as exc:
            self._say(str(exc))
            return
        self._recent = found
        self.sales.setRowCount(len(found))
        for row, sale in enumerate(found):
            for col, value in enumerate((str(sale.receipt_no),
                                         sale.created_at.strftime("%Y-%m-%d %H:%M"),
                                         fmt_display(sale.paid, self.currency))):
                self.sales.setItem(row, col, QTableWidgetItem(value))
        self._say("" if found else "no sales with this card")

    def _sale_chosen(self) -> None:
        row = self.sales.currentRow()
        if 0 <= row < len(getattr(self, "_recent", [])):
            self.load_sale(self._recent[row].sale_id)

    def load_sale(self, sale_id: str) -> None:
        self.sale_id = sale_id
        self._views = refunds.sale_lines(self.ops.database, sale_id=sale_id)
        self.lines.blockSignals(True)
        self.lines.setRowCount(len(self._views))
        for row, view in enumerate(self._views):
            values = (str(view.line_no), view.description, quantity_text(view.qty),
                      quantity_text(view.returned_qty), "0")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col != RETURN_COL:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.lines.setItem(row, col, item)
        self.lines.blockSignals(False)
        self._say("")
        self._update_preview()

    # ---------------------------------------------------------------- choosing and confirming

    def set_return(self, line_no: int, qty: str) -> None:
        self.lines.item(line_no - 1, RETURN_COL).setText(qty)

    def _return_all(self) -> None:
        for row, view in enumerate(self._views):
            self.lines.item(row, RETURN_COL).setText(quantity_text(view.qty - view.returned_qty))

    def _items(self) -> dict[int, Decimal]:
        items = {}
        for row, view in enumerate(self._views):
            text = self.lines.item(row, RETURN_COL).text().strip() or "0"
            if text in ("0", "0.0", "0.000"):
                continue
            items[view.line_no] = parse_quantity(text)
        return items

    def _update_preview(self) -> None:
        self.confirm.setEnabled(False)
        self.preview.setText("")
        if self.sale_id is None:
            return
        try:
            items = self._items()
            if not items:
                self._say("type how many of each line come back, or press Return everything")
                return
            preview = refunds.preview_refund(self.ops.database, sale_id=self.sale_id,
                                             items=items)
        except Refused as exc:
            self._say(str(exc))
            return
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        text = (f"<b>Money back {money(preview.money_back)}</b>"
                f" (to the bank card {money(preview.to_card)}, cash {money(preview.to_cash)})")
        if preview.card:
            text += (f"<br>Cashback restored {money(preview.restored)},"
                     f" taken back {money(preview.reversed)}")
            if preview.shortfall:
                text += (f"<br>Kept back from the money: {money(preview.shortfall)}"
                         " (cashback already spent)")
            text += f"<br>Card balance after: {money(preview.balance)}"
        self.preview.setText(text)
        self._say("")
        self.confirm.setEnabled(True)

    def _confirm(self) -> None:
        try:
            items = self._items()
            self.result = refunds.refund(self.ops.database, actor=self.manager,
                                         sale_id=self.sale_id, items=items)
        except Refused as exc:
            self._say(str(exc))
            return
        self.ops.changed.emit("sales")
        self.accept()
