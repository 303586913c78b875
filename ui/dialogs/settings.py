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

from loyaltypos.domain import i18n
from loyaltypos.domain.i18n import N_, _
from loyaltypos.services import shops, users
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


UNUSUAL_QTY_KEY = "till/unusual_quantity"
UNUSUAL_TOTAL_KEY = "till/unusual_total"  # in whole units of the shop's currency
DEFAULT_UNUSUAL_QTY = 100
DEFAULT_UNUSUAL_TOTAL = 100_000


def idle_lock_minutes() -> int:
    return int(QSettings().value(IDLE_LOCK_KEY, DEFAULT_IDLE_MINUTES))


def unusual_quantity() -> int:
    """A line's quantity above this asks the cashier to confirm it."""
    return int(QSettings().value(UNUSUAL_QTY_KEY, DEFAULT_UNUSUAL_QTY))


def unusual_total() -> int:
    """A total above this many whole units of the currency asks before it is paid."""
    return int(QSettings().value(UNUSUAL_TOTAL_KEY, DEFAULT_UNUSUAL_TOTAL))


def _languages(box: QComboBox, chosen: str | None) -> QComboBox:
    """The languages to choose from, each by its own name; first the computer's own."""
    box.addItem(_("This computer's language ({name})").format(
        name=i18n.language_name(i18n.system_language().split(".")[0])), None)
    for code in i18n.languages():
        box.addItem(i18n.language_name(code), code)
    found = box.findData(chosen.split("_")[0] if chosen else None)
    box.setCurrentIndex(max(found, 0))
    return box


class SettingsDialog(FocusDialog):
    """This computer's till settings, and two languages: the screen's for the signed-in
    user, the printouts' for the shop (a manager's change)."""

    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, parent: QWidget | None = None, *, ops=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.ops = ops
        self.screen_language_changed = False
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
        self.unusual_qty = QSpinBox(objectName="settingsUnusualQuantity", minimum=1,
                                    maximum=100_000)
        self.unusual_qty.setValue(unusual_quantity())
        self.unusual_total = QSpinBox(objectName="settingsUnusualTotal", minimum=1,
                                      maximum=1_000_000_000, singleStep=1000)
        self.unusual_total.setValue(unusual_total())
        self.unusual_total.setGroupSeparatorShown(True)
        self._till_settings = self._till_values()
        self.printer.currentIndexChanged.connect(self._printer_changed)
        self._printer_changed()
        self.screen_language = self.print_language = None
        if ops is not None and ops.actor is not None:
            self.screen_language = _languages(QComboBox(objectName="settingsScreenLanguage"),
                                              ops.actor.language)
            self._print_language_was = ops.run(
                self, lambda: shops.print_language(ops.database))
            self.print_language = _languages(QComboBox(objectName="settingsPrintLanguage"),
                                             self._print_language_was)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        if self.screen_language is not None:
            form.addRow(_("My screen's language"), self.screen_language)
            form.addRow(_("Receipts and customer display in"), self.print_language)
        form.addRow(_("Lock the till after"), self.idle)
        form.addRow(_("Receipts"), self.printer)
        form.addRow(_("Printer address"), self.target)
        form.addRow(_("Roll width"), self.width)
        form.addRow("", self.auto)
        form.addRow(_("Ask before a quantity above"), self.unusual_qty)
        form.addRow(_("Ask before a total above"), self.unusual_total)
        form.addRow(buttons)
        self.focus_field = self.idle

    def _printer_changed(self) -> None:
        key = self.printer.currentData()
        self.target.setEnabled(key in TARGET_HINTS)
        self.target.setPlaceholderText(_(TARGET_HINTS[key]) if key in TARGET_HINTS else "")

    def _till_values(self) -> tuple:
        return (self.idle.value(), self.printer.currentData(), self.target.text().strip(),
                self.width.currentIndex(), self.auto.isChecked(), self.unusual_qty.value(),
                self.unusual_total.value())

    def accept(self) -> None:
        ops = self.ops
        if self._till_values() != self._till_settings and ops is not None \
                and ops.actor is not None and not ops.actor.is_manager \
                and ops.manager(self, _("changing the till's settings")) is None:
            return  # a cashier's change of the lock, the printer or the limits: refused
        s = QSettings()
        s.setValue(IDLE_LOCK_KEY, self.idle.value())
        s.setValue(printing.PRINTER_KEY, self.printer.currentData())
        s.setValue(printing.TARGET_KEY, self.target.text().strip())
        s.setValue(printing.WIDTH_KEY, 80 if self.width.currentIndex() == 0 else 58)
        s.setValue(printing.AUTO_KEY, "true" if self.auto.isChecked() else "false")
        s.setValue(UNUSUAL_QTY_KEY, self.unusual_qty.value())
        s.setValue(UNUSUAL_TOTAL_KEY, self.unusual_total.value())
        if self.screen_language is not None and not self._save_languages():
            return
        super().accept()

    def _save_languages(self) -> bool:
        """Store the languages that changed; False when a change was refused (the dialog
        stays open and says why)."""
        ops = self.ops
        wanted = self.screen_language.currentData()
        if wanted != ops.actor.language:
            actor = ops.run(self, lambda: users.set_language(
                ops.database, actor=ops.actor, language=wanted))
            if actor is None:
                return False
            ops.actor = actor
            self.screen_language_changed = True
        printed = self.print_language.currentData()
        if printed != self._print_language_was:
            manager = ops.manager(self, _("changing the language of the shop's printouts"))
            if manager is None:
                return False
            place = shops.this_till(ops.database)
            done = ops.run(self, lambda: shops.set_shop(
                ops.database, actor=manager, shop_id=place.shop_id, language=printed or ""))
            if done is None:
                return False
        return True
