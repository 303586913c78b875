"""The catalog: find goods, change a price or add an item (manager), import a CSV price list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
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

from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.services import products, store
from ui.ops import Ops

COLUMNS = ("Code", "Name", "Price", "Loyalty")


class ProductsScreen(QWidget):
    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.currency = "RUB"
        self._shown: list[products.ProductInfo] = []
        self.search = QLineEdit(objectName="productSearch",
                                placeholderText="code or part of the name")
        self.search.textChanged.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS), objectName="productTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selected)

        self.code = QLineEdit(objectName="productCode")
        self.name = QLineEdit(objectName="productName")
        self.price = QLineEdit(objectName="productPrice")
        self.eligible = QCheckBox("In the loyalty program", objectName="productEligible")
        self.eligible.setChecked(True)
        self.message = QLabel(objectName="productMessage")
        self.message.setWordWrap(True)
        save = QPushButton("Save (manager)", objectName="productSave")
        save.clicked.connect(self.save)
        import_button = QPushButton("Import a CSV price list...", objectName="productImport")
        import_button.clicked.connect(self.import_file)
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Name", self.name)
        form.addRow("Price", self.price)
        form.addRow("", self.eligible)
        form.addRow("", save)
        editor = QVBoxLayout()
        editor.addLayout(form)
        editor.addWidget(self.message)
        editor.addStretch(1)
        editor.addWidget(QLabel("CSV columns: code,name,price[,eligible]"))
        editor.addWidget(import_button)
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.table)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(editor, 2)

    def refresh(self) -> None:
        self.currency = store.program_in_force(self.ops.database).currency
        text = self.search.text().strip()
        self._shown = (products.search_products(self.ops.database, text=text, limit=500)
                       if text else products.list_products(self.ops.database))
        self.table.setRowCount(len(self._shown))
        for row, p in enumerate(self._shown):
            for col, value in enumerate((p.code, p.name, fmt(p.price, self.currency),
                                         "yes" if p.eligible else "no")):
                self.table.setItem(row, col, QTableWidgetItem(value))

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._shown):
            p = self._shown[row]
            self.code.setText(p.code)
            self.name.setText(p.name)
            self.price.setText(fmt(p.price, self.currency))
            self.eligible.setChecked(p.eligible)

    def save(self) -> None:
        manager = self.ops.manager(self, "changing the catalog")
        if manager is None:
            return
        saved = self.ops.run(self, lambda: products.save_product(
            self.ops.database, actor=manager, code=self.code.text(), name=self.name.text(),
            price=parse_amount(self.price.text(), self.currency),
            eligible=self.eligible.isChecked()), changes="products", show=self._error)
        if saved is not None:
            self.message.setStyleSheet("")
            self.message.setText(f"Saved {saved.code}: {saved.name}")
            self.refresh()

    def import_file(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import a price list", "",
                                                  "CSV files (*.csv);;All files (*)")
            if not path:
                return
        manager = self.ops.manager(self, "importing a price list")
        if manager is None:
            return
        result = self.ops.run(self, lambda: products.import_products_csv(
            self.ops.database, actor=manager, path=path), changes="products", show=self._error)
        if result is not None:
            self.message.setStyleSheet("")
            self.message.setText(f"Imported: {result.added} added, {result.updated} updated,"
                                 f" {result.unchanged} unchanged")
            self.refresh()

    def _error(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(text)
