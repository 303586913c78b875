"""The till's cart: the lines of the open sale with their prices and discounts.

The cashier edits it with the keyboard: ``+`` and ``-`` change the selected line's
quantity, Delete removes it, and a quantity can be typed into the Qty cell. A gift line
(marked "gift", price 0) is one unit: it can only be removed. The table
only says what was asked (signals); the till changes the sale and redraws it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt_amount
from loyaltypos.domain.pricing import CartLine
from ui.dialogs.payment import quantity_text

COLUMNS = (N_("Item"), N_("Qty"), N_("Price"), N_("Amount"), N_("Discount"))
QTY_COL = 1


class CartTable(QTableWidget):
    quantity_typed = Signal(int, str)  # row, the text typed into its Qty cell
    step = Signal(int)  # +1 or -1 for the selected line
    remove = Signal()  # the selected line

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("cartTable")
        self.setAccessibleName(_("Cart"))
        self.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.itemChanged.connect(self._edited)
        self.installEventFilter(self)

    def draw(self, lines: Sequence[CartLine], quote, currency: str) -> None:
        """Show ``lines`` priced by ``quote`` (None when the sale could not be priced)."""
        self.blockSignals(True)
        self.setRowCount(len(lines))
        priced = quote.pricing.lines if quote else []
        for row, line in enumerate(lines):
            shares = priced[row].shares if row < len(priced) else None
            if line.gift_id is not None:
                name = _("{item}  (gift)").format(item=line.description)
            elif not line.eligible:
                name = _("{item}  (no loyalty)").format(item=line.description)
            else:
                name = line.description
            values = (name, quantity_text(line.qty), fmt_amount(line.unit_price, currency),
                      fmt_amount(shares.amount, currency) if shares else "",
                      fmt_amount(shares.discount, currency) if shares and shares.discount else "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col != QTY_COL or line.gift_id is not None:  # a gift is one unit
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if col > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
        self.blockSignals(False)

    def _edited(self, item: QTableWidgetItem) -> None:
        if item.column() == QTY_COL:
            self.quantity_typed.emit(item.row(), item.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus):
                self.step.emit(1 if key == Qt.Key.Key_Plus else -1)
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove.emit()
                return True
        return super().eventFilter(watched, event)
