"""Printing from the till: the office printer through Qt's print dialog, or the thermal
printer named in Settings.

The core makes the documents (PDF pages, ESC/POS bytes); this module only asks where
to print (the print dialog, on the UI thread) and hands the slow part to a worker
thread through ``Ops.start``: rendering the pages, or opening a network printer that
may not answer. PDF pages are rendered at the printer's resolution, at most 300 dpi
(thermal heads print 203, office printers gain nothing visible above 300), so an A4
page is a few tens of megabytes, not half a gigabyte at 1200 dpi.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSettings, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from loyaltypos.documents.escpos import open_printer
from loyaltypos.documents.receipt_print import print_escpos, receipt_pdf
from loyaltypos.documents.z_report import print_z_escpos, report_title, z_pdf
from loyaltypos.domain.day_summary import DaySummary
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _, speaking, system_language
from loyaltypos.domain.receipts import Receipt, RefundReceipt
from loyaltypos.services import shops
from loyaltypos.services.printouts import card_pdf

PRINTER_KEY = "printing/receipt_printer"  # none | system | network | usb | serial | file
TARGET_KEY = "printing/target"
WIDTH_KEY = "printing/roll_mm"
AUTO_KEY = "printing/after_each_sale"
MAX_DPI = 300

T = TypeVar("T")
Show = Callable[[str], None]
Done = Callable[[str], None]


def settings() -> dict:
    s = QSettings()
    return {
        "printer": str(s.value(PRINTER_KEY, "system")),
        "target": str(s.value(TARGET_KEY, "")),
        "width": int(s.value(WIDTH_KEY, 80)),
        "auto": str(s.value(AUTO_KEY, "false")).lower() == "true",
    }


def render_dpi(printer: QPrinter) -> int:
    """The resolution pages are rendered at for ``printer``: its own, at most MAX_DPI."""
    return max(72, min(printer.resolution(), MAX_DPI))


def paint_pdf(pdf: bytes, printer: QPrinter, progress=None) -> int:
    """Paint every page of a PDF onto a printer (or a PDF file printer); returns pages.

    Each page is rendered at :func:`render_dpi` and drawn over the whole page, so the
    printer scales it to its own resolution. ``progress(done, total)`` after each page.
    """
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    pages = document.pageCount()
    if pages <= 0:
        raise Refused(_("the document to print is empty or damaged"))
    painter = QPainter()
    if not painter.begin(printer):
        raise Refused(_("the printer did not start; check that it is on and has paper"))
    try:
        dpi = render_dpi(printer)
        device_dpi = printer.resolution()
        for page in range(pages):
            if page:
                printer.newPage()
            size = document.pagePointSize(page)
            image = document.render(page, QSize(round(size.width() / 72 * dpi),
                                                round(size.height() / 72 * dpi)))
            if image.format() != QImage.Format.Format_ARGB32_Premultiplied:
                image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
            target = QRect(0, 0, round(size.width() / 72 * device_dpi),
                           round(size.height() / 72 * device_dpi))
            painter.drawImage(target, image)
            if progress is not None:
                progress(page + 1, pages)
        return pages
    finally:
        painter.end()


def _choose_printer(parent: QWidget | None, title: str) -> QPrinter | None:
    """The office printer chosen in Qt's print dialog, or None when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print {what}").format(what=title))
    return printer if dialog.exec() else None


def print_pdf(ops, parent: QWidget | None, make_pdf: Callable[[], bytes], *, title: str,
              show: Show, done: Done | None = None) -> None:
    """Ask for a printer, then make and paint the PDF off the UI thread."""
    printer = _choose_printer(parent, title)
    if printer is None:
        show(_("Printing cancelled"))
        return
    name = printer.printerName() or _("the printer")

    def work(progress) -> str:
        pages = paint_pdf(make_pdf(), printer, progress)
        return _("{pages} page(s) sent to {printer}").format(pages=pages, printer=name)

    ops.start(parent, work, label=_("Printing {what}...").format(what=title),
              done=done or show, show=show)


def _thermal(ops, parent: QWidget | None, send: Callable[[object], None], *, show: Show,
             done: Done | None) -> None:
    """Open the thermal printer of Settings and send to it, off the UI thread."""
    chosen = settings()

    def work(_progress) -> str:
        device = open_printer(chosen["printer"], chosen["target"])
        try:
            send(device)
        finally:
            device.close()
        return _("printed on the receipt printer")

    ops.start(parent, work, label=_("Printing on the receipt printer..."),
              done=done or show, show=show)


def shop_language(ops) -> str:
    """The language of this shop's printouts and customer display: its own, else this
    computer's (never the signed-in user's)."""
    return shops.print_language(ops.database) or system_language()


def in_shop_language(ops, make: Callable[..., T]) -> Callable[..., T]:
    """``make`` as it runs in the shop's printout language, whoever is signed in and on
    whichever thread it runs (printing runs off the UI thread)."""
    language = shop_language(ops)

    def made(*args):
        with speaking(language):
            return make(*args)
    return made


def print_card(ops, parent: QWidget | None, number: str, *, show: Show,
               done: Done | None = None) -> None:
    """Print one loyalty card (front and back) on a card or office printer."""
    database = ops.database

    def make_pdf() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "card.pdf"
            card_pdf(database, number=number, path=path)
            return path.read_bytes()

    print_pdf(ops, parent, in_shop_language(ops, make_pdf),
              title=_("card {number}").format(number=number), show=show, done=done)


def print_report(ops, parent: QWidget | None, summary: DaySummary, *, shop: str,
                 currency: str, show: Show) -> None:
    """Print an X or Z report: A4 through the print dialog, or on the thermal printer."""
    chosen = settings()
    if chosen["printer"] in ("none", "system"):
        print_pdf(ops, parent, in_shop_language(ops, lambda: z_pdf(
            summary, shop=shop, currency=currency)),
                  title=report_title(summary), show=show,
                  done=lambda text: show(_("Report {done}").format(done=text)))
        return
    _thermal(ops, parent, in_shop_language(ops, lambda device: print_z_escpos(
        summary, device, shop=shop, currency=currency, width_mm=chosen["width"])),
        show=show, done=lambda text: show(_("Report {done}").format(done=text)))


def print_receipt(ops, parent: QWidget | None, doc: Receipt | RefundReceipt, *, show: Show,
                  done: Done) -> None:
    """Print a receipt where Settings say; ``done(text)`` says what was done."""
    chosen = settings()
    if chosen["printer"] == "none":
        done(_("no receipt printer is set (Manage > Settings)"))
        return
    if chosen["printer"] == "system":
        print_pdf(ops, parent, in_shop_language(ops, lambda: receipt_pdf(
            doc, width_mm=chosen["width"])), title=_("receipt"), show=show, done=done)
        return
    _thermal(ops, parent, in_shop_language(ops, lambda device: print_escpos(
        doc, device, width_mm=chosen["width"])), show=show, done=done)
