"""Settings of this till (kept in QSettings on this computer, not in the shop's database)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from loyaltypos.domain.i18n import N_, _
from ui import printing
from ui.dialogs.base import FocusDialog

IDLE_LOCK_KEY = "till/idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 10
PRINTERS = (("none", N_("No receipt printer")), ("system", N_("Office printer (print dialog)")),
            ("network", N_("Thermal printer on the network")),
            ("usb", N_("Thermal printer on USB")),
            ("serial", N_("Thermal printer on a serial port")),
            ("file", N_("Thermal printer device file")))
TARGET_HINTS = {"network": N_("192.168.1.50 or 192.168.1.50:9100"),
                "usb": N_("vendor:product, e.g. 04b8:0202"),
                "serial": N_("/dev/ttyUSB0 or /dev/ttyUSB0:19200"), "file": "/dev/usb/lp0"}


def idle_lock_minutes() -> int:
    return int(QSettings().value(IDLE_LOCK_KEY, DEFAULT_IDLE_MINUTES))


class SettingsDialog(FocusDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        current = printing.settings()
        self.idle = QSpinBox(objectName="settingsIdleMinutes", minimum=0, maximum=240)
        self.idle.setSuffix(_(" min"))
        self.idle.setSpecialValueText(_("never"))
        self.idle.setValue(idle_lock_minutes())
        self.printer = QComboBox(objectName="settingsPrinter")
        for key, label in PRINTERS:
            self.printer.addItem(_(label), key)
        keys = [key for key, _label in PRINTERS]
        self.printer.setCurrentIndex(keys.index(current["printer"])
                                     if current["printer"] in keys else keys.index("system"))
        self.target = QLineEdit(current["target"], objectName="settingsPrinterTarget")
        self.width = QComboBox(objectName="settingsRollWidth")
        self.width.addItems([_("80 mm"), _("58 mm")])
        self.width.setCurrentIndex(0 if current["width"] == 80 else 1)
        self.auto = QCheckBox(_("Print the receipt after each sale"),
                              objectName="settingsAutoPrint")
        self.auto.setChecked(current["auto"])
        self.printer.currentIndexChanged.connect(self._printer_changed)
        self._printer_changed()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Lock the till after"), self.idle)
        form.addRow(_("Receipts"), self.printer)
        form.addRow(_("Printer address"), self.target)
        form.addRow(_("Roll width"), self.width)
        form.addRow("", self.auto)
        form.addRow(buttons)
        self.focus_field = self.idle

    def _printer_changed(self) -> None:
        key = self.printer.currentData()
        self.target.setEnabled(key in TARGET_HINTS)
        self.target.setPlaceholderText(_(TARGET_HINTS[key]) if key in TARGET_HINTS else "")

    def accept(self) -> None:
        s = QSettings()
        s.setValue(IDLE_LOCK_KEY, self.idle.value())
        s.setValue(printing.PRINTER_KEY, self.printer.currentData())
        s.setValue(printing.TARGET_KEY, self.target.text().strip())
        s.setValue(printing.WIDTH_KEY, 80 if self.width.currentIndex() == 0 else 58)
        s.setValue(printing.AUTO_KEY, "true" if self.auto.isChecked() else "false")
        super().accept()
