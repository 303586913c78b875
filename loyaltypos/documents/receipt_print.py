"""Receipts on paper: a PDF for 80 mm or 58 mm rolls, and ESC/POS bytes for thermal printers.

Both print the same lines as the screen (``receipts.render_text``), so what the
cashier sees is what the customer gets. A sale's receipt ends with its number as a
Code 128 barcode ("R" and the number): scanning it at the refund finds the sale.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from escpos import printer as escpos_printer
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from loyaltypos.documents import fonts
from loyaltypos.documents.codes import code128_pattern, draw_code128
from loyaltypos.documents.files import write_atomic
from loyaltypos.documents.receipts import (
    MONEY_BACK,
    TOTAL,
    Receipt,
    RefundReceipt,
    render_refund_text,
    render_text,
)
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.scan import parse_receipt_code as parse_receipt_code
from loyaltypos.domain.scan import receipt_code

# Roll width -> (printable width, characters per line on paper and on a thermal head)
ROLLS = {80: (72 * mm, 42, 48), 58: (48 * mm, 32, 32)}


@dataclass(frozen=True)
class Printable:
    """What goes on the paper: the title, the lines under it, and an optional barcode."""

    title: str
    lines: tuple[str, ...]
    code: str | None


def _bold_starts() -> tuple[str, ...]:
    """The starts of the lines printed in bold, in the language in use."""
    return _(TOTAL), _(MONEY_BACK)


def printable(doc: Receipt | RefundReceipt, columns: int) -> Printable:
    if isinstance(doc, Receipt):
        text, code = render_text(doc, width=columns), receipt_code(doc.receipt_no, doc.shop_id)
    else:
        text, code = render_refund_text(doc, width=columns), None
    lines = text.splitlines()
    return Printable(title=lines[0].strip(), lines=tuple(lines[1:]), code=code)


def _roll(width_mm: int) -> tuple[float, int, int]:
    if width_mm not in ROLLS:
        raise Refused(_("receipt rolls are 80 or 58 mm wide, not {width}").format(width=width_mm))
    return ROLLS[width_mm]


def receipt_pdf(doc: Receipt | RefundReceipt, *, width_mm: int = 80) -> bytes:
    """The receipt as a one-page PDF as wide as the roll and as long as the receipt."""
    _regular, bold, mono = fonts.register()
    printable_width, columns, _thermal = _roll(width_mm)
    page = printable(doc, columns)
    size = printable_width / (columns * stringWidth("M", mono, 1))
    leading = size * 1.25
    margin = (width_mm * mm - printable_width) / 2
    code_height = 12 * mm if page.code else 0
    height = 2 * margin + 2.2 * size + leading * (len(page.lines) + 1) + code_height + 6 * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width_mm * mm, height), pageCompression=1)
    canvas.setTitle(page.title)
    y = height - margin - 1.6 * size
    canvas.setFont(bold, 1.6 * size)
    canvas.drawCentredString(width_mm * mm / 2, y, page.title)
    y -= leading * 1.4
    bold_starts = _bold_starts()
    for line in page.lines:
        canvas.setFont(fonts.MONO_BOLD if line.startswith(bold_starts) else mono, size)
        canvas.drawString(margin, y, line)
        y -= leading
    if page.code:
        module = min(0.33 * mm, printable_width / (len(code128_pattern(page.code)) + 20))
        code_width = (len(code128_pattern(page.code)) + 20) * module
        draw_code128(canvas, page.code, (width_mm * mm - code_width) / 2, y - 9 * mm,
                     module=module, height=9 * mm)
        canvas.setFont(mono, size)
        canvas.drawCentredString(width_mm * mm / 2, y - 9 * mm - leading, page.code)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def write_receipt_pdf(doc: Receipt | RefundReceipt, path: str | Path, *,
                      width_mm: int = 80) -> Path:
    """Write the receipt to ``path`` as a PDF for the roll, whole or not at all."""
    data = receipt_pdf(doc, width_mm=width_mm)
    write_atomic(path, lambda handle: handle.write(data))
    return Path(path).expanduser()


def print_escpos(doc: Receipt | RefundReceipt, device, *, width_mm: int = 80) -> None:
    """Send the receipt to an ESC/POS printer (any python-escpos printer object)."""
    columns = _roll(width_mm)[2]
    page = printable(doc, columns)
    bold_starts = _bold_starts()
    # ESC @ first: a printer left in another mode (code page, size) by an earlier job or
    # another program prints this one as it is meant.
    device.hw("INIT")
    device.set(align="center", bold=True, double_height=True, double_width=True)
    device.textln(page.title)
    device.set(align="left", normal_textsize=True)
    for line in page.lines:
        device.set(bold=line.startswith(bold_starts))
        device.textln(line)
    device.set(bold=False)
    if page.code:
        # python-escpos prints a note to stdout here, which would corrupt --json output.
        with contextlib.redirect_stdout(io.StringIO()):
            device.barcode("{B" + page.code, "CODE128", height=64, width=2, pos="BELOW",
                           function_type="B")
    device.cut()


def escpos_bytes(doc: Receipt | RefundReceipt, *, width_mm: int = 80) -> bytes:
    """The ESC/POS bytes of a receipt, as a printer would receive them."""
    dummy = escpos_printer.Dummy()
    print_escpos(doc, dummy, width_mm=width_mm)
    return dummy.output
