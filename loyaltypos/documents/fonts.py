"""The fonts printed documents use: DejaVu Sans, shipped in resources/fonts.

DejaVu has Cyrillic, the euro and rouble signs, so a receipt prints the same in
any shop. The files are embedded in every PDF.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from loyaltypos import resources

FONT_DIR = resources.path("fonts")
REGULAR, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
MONO_BOLD = "DejaVuSansMono-Bold"


@cache
def register() -> tuple[str, str, str]:
    """Register the fonts with reportlab once; returns their names (regular, bold, mono).

    The bold monospaced face is registered too, as ``MONO_BOLD``.
    """
    for name in (REGULAR, BOLD, MONO, MONO_BOLD):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD, MONO
