"""The refund dialog: find the sale, choose lines and quantities, see what goes back, confirm."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, datetime_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.pricing import parse_quantity
from loyaltypos.domain.scan import parse_receipt_code
from loyaltypos.services import refunds
from ui.dialogs.base import ERROR_STYLE, FocusDialog
from ui.dialogs.base import named as _named
from ui.dialogs.payment import quantity_text
from ui.ops import Change, sentence

COLUMNS = (N_("#"), N_("Item"), N_("Sold"), N_("Returned"), N_("Return now"))
RETURN_COL = 4


class RefundDialog(FocusDialog):
    """Find the sale (receipt number, its barcode, or the customer's card), choose what
    comes back, see what the customer and the card get, confirm."""

    def __init__(self, ops, manager, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Refund"))
        self.ops, self.manager, self.currency = ops, manager, currency
        self.sale_id: str | None = None
        self.result: refunds.RefundResult | None = None
        self._views: list[refunds.SaleLineView] = []

        self.receipt = _named(QLineEdit(placeholderText=_("receipt number, or scan the receipt")),
                              "refundReceipt")
        self.card = _named(QLineEdit(placeholderText=_("or the customer's card number")),
                           "refundCard")
        self.sales = _named(QTableWidget(0, 3), "refundSales")
        self.sales.setHorizontalHeaderLabels((_("Receipt"), _("When"), _("Paid")))
        self.sales.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sales.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sales.verticalHeader().setVisible(False)
        self.sales.setMaximumHeight(140)
        self.lines = _named(QTableWidget(0, len(COLUMNS)), "refundLines")
        self.lines.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.lines.verticalHeader().setVisible(False)
        self.lines.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.sales.horizontalHeader().setStretchLastSection(True)
        self.preview = _named(QLabel(), "refundPreview")
        self.preview.setWordWrap(True)
        self.error = _named(QLabel(), "refundError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.confirm = _named(QPushButton(_("Refund")), "refundConfirm")
        self.confirm.setEnabled(False)
        all_lines = _named(QPushButton(_("Return everything")), "refundAll")
        cancel = QPushButton(_("Cancel"))
        for button in (self.confirm, all_lines, cancel):
            button.setAutoDefault(False)

        find = QFormLayout()
        find.addRow(_("Receipt"), self.receipt)
        find.addRow(_("Card"), self.card)
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
        self.focus_field = self.receipt

    # ---------------------------------------------------------------- finding the sale

    def _say(self, text: str) -> None:
        self.error.setText(sentence(text) if text else "")

    def _find_receipt(self) -> None:
        self.find_receipt(self.receipt.text())

    def find_receipt(self, text: str) -> None:
        """Load the sale of a typed receipt number or a scanned receipt barcode ("R123")."""
        self.receipt.setText(text.strip())
        receipt_no = parse_receipt_code(text)
        if receipt_no is None:
            self._say(_("type the receipt number, or scan the barcode at the bottom of the"
                        " receipt"))
            return
        sale_id = self.ops.run(self, lambda: refunds.find_sale_id(self.ops.database,
                                                                  receipt_no=receipt_no),
                               show=self._say)
        if sale_id is not None:
            self.load_sale(sale_id)

    def _find_card(self) -> None:
        found = self.ops.run(self, lambda: refunds.recent_sales(self.ops.database,
                                                                card_number=self.card.text()),
                             show=self._say)
        if found is None:
            return
        self._recent = found
        self.sales.setRowCount(len(found))
        for row, sale in enumerate(found):
            for col, value in enumerate((str(sale.receipt_no),
                                         datetime_text(clock.to_local(sale.created_at)),
                                         fmt_display(sale.paid, self.currency))):
                self.sales.setItem(row, col, QTableWidgetItem(value))
        self._say("" if found else _("no sales with this card"))

    def _sale_chosen(self) -> None:
        row = self.sales.currentRow()
        if 0 <= row < len(getattr(self, "_recent", [])):
            self.load_sale(self._recent[row].sale_id)

    def load_sale(self, sale_id: str) -> None:
        views = self.ops.run(self, lambda: refunds.sale_lines(self.ops.database,
                                                             sale_id=sale_id), show=self._say)
        if views is None:
            return
        self.sale_id, self._views = sale_id, views
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
        except Refused as exc:
            self._say(str(exc))
            return
        if not items:
            self._say(_("type how many of each line come back, or press Return everything"))
            return
        preview = self.ops.run(self, lambda: refunds.preview_refund(
            self.ops.database, sale_id=self.sale_id, items=items), show=self._say)
        if preview is None:
            return
        money = lambda units: fmt_display(units, self.currency)  # noqa: E731
        text = _("<b>Money back {money_back}</b> (to the bank card {to_card}, cash {to_cash})"
                 ).format(money_back=money(preview.money_back), to_card=money(preview.to_card),
                          to_cash=money(preview.to_cash))
        if preview.card:
            text += "<br>" + _("Cashback restored {restored}, taken back {reversed}").format(
                restored=money(preview.restored), reversed=money(preview.reversed))
            if preview.shortfall:
                text += "<br>" + _("Kept back from the money: {amount} (cashback already"
                                   " spent)").format(amount=money(preview.shortfall))
            text += "<br>" + _("Card balance after: {balance}").format(
                balance=money(preview.balance))
        self.preview.setText(text)
        self._say("")
        self.confirm.setEnabled(True)

    def _confirm(self) -> None:
        try:
            items = self._items()
        except Refused as exc:
            self._say(str(exc))
            return
        result = self.ops.run(self, lambda: refunds.refund(
            self.ops.database, actor=self.manager, sale_id=self.sale_id, items=items),
            changes=Change.SALES, show=self._say)
        if result is None:
            return
        self.result = result
        self.accept()
