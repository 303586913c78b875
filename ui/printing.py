"""Printing from the till: the office printer through Qt's print dialog, or the thermal printer.

The core makes the documents (PDF pages, ESC/POS bytes); this module only hands them
to a printer chosen in Settings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from loyaltypos.documents.escpos import open_printer
from loyaltypos.documents.receipt_print import print_escpos, receipt_pdf
from loyaltypos.documents.receipts import Receipt, RefundReceipt
from loyaltypos.documents.z_report import print_z_escpos, report_title, z_pdf
from loyaltypos.domain.errors import Refused
from loyaltypos.services.printouts import card_pdf

PRINTER_KEY = "printing/receipt_printer"  # none | system | network | usb | serial | file
TARGET_KEY = "printing/target"
WIDTH_KEY = "printing/roll_mm"
AUTO_KEY = "printing/after_each_sale"


def settings() -> dict:
    s = QSettings()
    return {
        "printer": str(s.value(PRINTER_KEY, "system")),
        "target": str(s.value(TARGET_KEY, "")),
        "width": int(s.value(WIDTH_KEY, 80)),
        "auto": str(s.value(AUTO_KEY, "false")).lower() == "true",
    }


def paint_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page of a PDF onto a printer (or a PDF file printer); returns pages painted."""
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    painter = QPainter()
    if not painter.begin(printer):
        raise Refused("the printer did not start; check that it is on and has paper")
    try:
        dpi = printer.resolution()
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            size = document.pagePointSize(page)
            image = document.render(page, QSize(int(size.width() / 72 * dpi),
                                                int(size.height() / 72 * dpi)))
            painter.drawImage(0, 0, image)
        return document.pageCount()
    finally:
        painter.end()


def print_pdf(parent: QWidget, pdf: bytes, *, title: str) -> str:
    """Print PDF pages on a printer chosen in Qt's print dialog (cards, reports)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Print {title}")
    if not dialog.exec():
        return "printing cancelled"
    pages = paint_pdf(pdf, printer)
    return f"{pages} page(s) sent to {printer.printerName() or 'the printer'}"


def print_card(parent: QWidget, database, number: str) -> str:
    """Print one loyalty card (front and back) on a card or office printer."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "card.pdf"
        card_pdf(database, number=number, path=path)
        return print_pdf(parent, path.read_bytes(), title=f"card {number}")


def print_report(parent: QWidget, summary, *, shop: str, currency: str) -> str:
    """Print an X or Z report: A4 through the print dialog, or on the thermal printer."""
    chosen = settings()
    if chosen["printer"] in ("none", "system"):
        pdf = z_pdf(summary, shop=shop, currency=currency)
        return print_pdf(parent, pdf, title=report_title(summary))
    device = open_printer(chosen["printer"], chosen["target"])
    try:
        print_z_escpos(summary, device, shop=shop, currency=currency, width_mm=chosen["width"])
    finally:
        device.close()
    return "printed on the receipt printer"


def print_document(parent: QWidget, doc: Receipt | RefundReceipt) -> str:
    """Print a receipt where Settings say; returns what was done, for the status line."""
    chosen = settings()
    if chosen["printer"] == "none":
        return "no receipt printer is set (Manage > Settings)"
    if chosen["printer"] == "system":
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, parent)
        if not dialog.exec():
            return "printing cancelled"
        paint_pdf(receipt_pdf(doc, width_mm=chosen["width"]), printer)
        return f"sent to {printer.printerName() or 'the printer'}"
    device = open_printer(chosen["printer"], chosen["target"])
    try:
        print_escpos(doc, device, width_mm=chosen["width"])
    finally:
        device.close()
    return "printed on the receipt printer"
