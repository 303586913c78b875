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

from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt_amount, parse_amount
from loyaltypos.services import products, store
from ui.ops import Change, Ops

COLUMNS = (N_("Code"), N_("Name"), N_("Price"), N_("Loyalty"))


class ProductsScreen(QWidget):
    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.currency = ""  # the shop's, read when the screen is shown
        self._shown: list[products.ProductInfo] = []
        self.search = QLineEdit(objectName="productSearch",
                                placeholderText=_("code or part of the name"))
        self.search.textChanged.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS), objectName="productTable")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
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
        self.eligible = QCheckBox(_("In the loyalty program"), objectName="productEligible")
        self.eligible.setChecked(True)
        self.message = QLabel(objectName="productMessage")
        self.message.setWordWrap(True)
        save = QPushButton(_("Save (manager)"), objectName="productSave")
        save.clicked.connect(self.save)
        import_button = QPushButton(_("Import a CSV price list..."), objectName="productImport")
        import_button.clicked.connect(self.import_file)
        form = QFormLayout()
        form.addRow(_("Code"), self.code)
        form.addRow(_("Name"), self.name)
        form.addRow(_("Price"), self.price)
        form.addRow("", self.eligible)
        form.addRow("", save)
        editor = QVBoxLayout()
        editor.addLayout(form)
        editor.addWidget(self.message)
        editor.addStretch(1)
        editor.addWidget(QLabel(_("CSV columns: code,name,price[,eligible]")))
        editor.addWidget(import_button)
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.table)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(editor, 2)

    def shown(self) -> None:
        self.refresh()
        self.search.setFocus()

    def on_changed(self, changes: Change) -> None:
        if changes & (Change.PRODUCTS | Change.PROGRAM) and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()

        def read():
            currency = store.program_in_force(self.ops.database).currency
            found = (products.search_products(self.ops.database, text=text, limit=500)
                     if text else products.list_products(self.ops.database))
            return currency, found

        found = self.ops.run(self, read, show=self._error)
        if found is None:
            return
        self.currency, self._shown = found
        self.table.setRowCount(len(self._shown))
        for row, p in enumerate(self._shown):
            for col, value in enumerate((p.code, p.name, fmt_amount(p.price, self.currency),
                                         _("yes") if p.eligible else _("no"))):
                self.table.setItem(row, col, QTableWidgetItem(value))

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._shown):
            p = self._shown[row]
            self.code.setText(p.code)
            self.name.setText(p.name)
            self.price.setText(fmt_amount(p.price, self.currency))
            self.eligible.setChecked(p.eligible)

    def save(self) -> None:
        manager = self.ops.manager(self, _("changing the catalog"))
        if manager is None:
            return
        saved = self.ops.run(self, lambda: products.save_product(
            self.ops.database, actor=manager, code=self.code.text(), name=self.name.text(),
            price=parse_amount(self.price.text(), self.currency),
            eligible=self.eligible.isChecked()), changes=Change.PRODUCTS, show=self._error)
        if saved is not None:
            self.message.setStyleSheet("")
            self.message.setText(_("Saved {code}: {name}").format(code=saved.code,
                                                                 name=saved.name))

    def import_file(self, path: str | None = None) -> None:
        if not path:
            path, _chosen = QFileDialog.getOpenFileName(self, _("Import a price list"), "",
                                                        _("CSV files (*.csv);;All files (*)"))
            if not path:
                return
        manager = self.ops.manager(self, _("importing a price list"))
        if manager is None:
            return
        result = self.ops.run(self, lambda: products.import_products_csv(
            self.ops.database, actor=manager, path=path), changes=Change.PRODUCTS, show=self._error)
        if result is not None:
            self.message.setStyleSheet("")
            self.message.setText(_("Imported: {added} added, {updated} updated, {unchanged}"
                                   " unchanged").format(added=result.added,
                                                        updated=result.updated,
                                                        unchanged=result.unchanged))

    def _error(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(text)
