"""Barcodes and QR codes drawn as vector shapes on a reportlab canvas.

Bars and modules are exact rectangles, not scaled bitmaps, so a scanner reads them at
any print size. python-barcode gives the EAN-13 bar pattern, qrcode the QR matrix.
"""

from __future__ import annotations

import barcode
import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

EAN13_MODULES = 95
EAN13_QUIET_MODULES = 11  # left quiet zone; the right one is 7


def ean13_pattern(number: str) -> str:
    """The 95 bar/space modules of a 13-digit EAN ('1' is a bar)."""
    code = barcode.get("ean13", number[:12])
    if code.get_fullcode() != number:
        raise ValueError(f"{number} is not a valid EAN-13")
    return code.build()[0]


def draw_ean13(canvas: Canvas, number: str, x: float, y: float, *, module: float = 0.33 * mm,
               height: float = 12 * mm, font: str = "Helvetica", font_size: float = 7) -> float:
    """Draw an EAN-13 with its digits beneath; (x, y) is the bottom left of the quiet zone.

    Returns the total width drawn, quiet zones included.
    """
    pattern = ean13_pattern(number)
    left = x + EAN13_QUIET_MODULES * module
    text_gap = font_size * 1.15
    guards = {0, 1, 2, 45, 46, 47, 48, 49, 92, 93, 94}  # guard bars run longer
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for i, bit in enumerate(pattern):
        if bit == "1":
            bottom = y if i in guards else y + text_gap * 0.7
            canvas.rect(left + i * module, bottom, module, height - (bottom - y), stroke=0, fill=1)
    canvas.setFont(font, font_size)
    canvas.drawCentredString(x + 5 * module, y, number[0])
    canvas.drawCentredString(left + 24 * module, y, number[1:7])
    canvas.drawCentredString(left + 71 * module, y, number[7:])
    canvas.restoreState()
    return (EAN13_QUIET_MODULES + EAN13_MODULES + 7) * module


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``data`` filling a ``size`` square (4-module quiet zone inside)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        run_start = None
        for c, dark in enumerate([*row, False]):
            if dark and run_start is None:
                run_start = c
            elif not dark and run_start is not None:
                canvas.rect(x + run_start * cell, y + size - (r + 1) * cell,
                            (c - run_start) * cell, cell, stroke=0, fill=1)
                run_start = None
    canvas.restoreState()


def code128_pattern(data: str) -> str:
    """The bar/space modules of a Code 128 symbol ('1' is a bar)."""
    return barcode.get("code128", data).build()[0]


def draw_code128(canvas: Canvas, data: str, x: float, y: float, *, module: float = 0.25 * mm,
                 height: float = 10 * mm) -> float:
    """Draw Code 128 with 10-module quiet zones; (x, y) is the bottom left. Returns the width."""
    pattern = code128_pattern(data)
    left = x + 10 * module
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    run_start = None
    for i, bit in enumerate([*pattern, "0"]):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit == "0" and run_start is not None:
            canvas.rect(left + run_start * module, y, (i - run_start) * module, height,
                        stroke=0, fill=1)
            run_start = None
    canvas.restoreState()
    return (len(pattern) + 20) * module
