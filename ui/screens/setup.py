"""First start on an empty database: the shop's name, currency and first manager."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.money import CURRENCY_EXPONENTS
from loyaltypos.domain.program import default_program_file, load_program_file
from loyaltypos.services import store
from ui.ops import Change, Ops


class SetupScreen(QWidget):
    done = Signal()

    def __init__(self, database: Database, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database, self.ops = database, ops
        title = QLabel("<h2>{}</h2><p>{}</p>".format(
            _("Set up your shop"), _("This database is new. Name the shop, choose its currency"
                                     " and create the first manager.")))
        title.setWordWrap(True)
        self.shop = QLineEdit(objectName="setupShop", placeholderText=_("e.g. Corner Books"))
        self.currency = QComboBox(objectName="setupCurrency")
        self.currency.addItems(sorted(CURRENCY_EXPONENTS))
        self.currency.setCurrentText(load_program_file(default_program_file()).currency)
        self.manager = QLineEdit(objectName="setupManager", placeholderText=_("manager's name"))
        self.pin = QLineEdit(objectName="setupPin", echoMode=QLineEdit.EchoMode.Password,
                             placeholderText=_("6 to 12 digits"))
        self.pin2 = QLineEdit(objectName="setupPin2", echoMode=QLineEdit.EchoMode.Password)
        self.create = QPushButton(_("Create the shop"), objectName="setupCreate")
        self.create.setDefault(True)
        self.create.clicked.connect(self._create)
        for field in (self.shop, self.manager, self.pin, self.pin2):
            field.returnPressed.connect(self._create)
            field.setAccessibleName(field.objectName())

        form = QFormLayout()
        form.addRow(_("Shop name"), self.shop)
        form.addRow(_("Currency"), self.currency)
        form.addRow(_("Manager"), self.manager)
        form.addRow(_("PIN"), self.pin)
        form.addRow(_("PIN again"), self.pin2)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.create)
        layout.addStretch(1)

    def shown(self) -> None:
        self.shop.setFocus()

    def _create(self) -> None:
        def call():
            if not self.shop.text().strip():
                raise Refused(_("type the shop's name"))
            if self.pin.text() != self.pin2.text():
                raise Refused(_("the two PINs differ; type the same PIN twice"))
            return store.initialise(
                self.database,
                manager_name=self.manager.text(),
                manager_pin=self.pin.text(),
                program=load_program_file(default_program_file()),
                shop_name=self.shop.text(),
                currency=self.currency.currentText(),
            )

        if self.ops.run(self, call, changes=Change.PROGRAM,
                        title=_("Shop not created")) is not None:
            self.done.emit()
