"""Loyalty cards as PDF: one CR80 card (front and back), or A4 sheets of ten for a batch.

The front carries the shop's name and the tier's name on a band in the tier's colour,
the holder's name (or "Bearer card"), the number as an EAN-13 with its digits beneath
and as a QR code. The back carries the program's terms, made from the Program, so a
card printed after the program changes shows the new terms.

The band is inset from the card's edges and every mark sits at least 3 mm inside
them: a sheet cut by hand a millimetre off still gives clean cards, so no bleed is
needed and the cards on a sheet can touch (one cut between two cards).
Codes are drawn as vectors (:mod:`loyaltypos.documents.codes`); whatever is the same on every
card (a tier's band, the back's terms) is drawn once per file as a PDF form and
reused, which keeps a 1,000-card file small and quick to make.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from loyaltypos.documents import codes, fonts
from loyaltypos.documents.files import write_atomic
from loyaltypos.domain.cards import CardInfo
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _, ngettext, quantity_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.program import Program

CARD_W, CARD_H = 85.6 * mm, 54 * mm  # ISO/IEC 7810 ID-1 (CR80)
MARGIN = 3 * mm  # inner margin for text and the band
COLUMNS, ROWS = 2, 5
PER_SHEET = COLUMNS * ROWS
PAGE_W, PAGE_H = A4
# The cards touch, so the block is centred: 19.4 mm left and right, 13.5 mm top and bottom.
SHEET_LEFT = (PAGE_W - COLUMNS * CARD_W) / 2
SHEET_BOTTOM = (PAGE_H - ROWS * CARD_H) / 2
CUT_GAP, CUT_LEN = 2 * mm, 8 * mm  # marks start 2 mm off the cards, stay clear of the page edge

# Code sizes: EAN-13 at 115 % of the nominal 0.33 mm module; the QR's square has its
# 4-module quiet zone inside it (a 13-digit number is a 21-module QR: 29 with the zone).
EAN_MODULE = 0.38 * mm
EAN_HEIGHT = 21 * mm
EAN_DIGITS_PT = 10
QR_SIZE = 28 * mm

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PdfWritten:
    """What a print call wrote."""

    path: Path
    cards: int
    pages: int


# ---------------------------------------------------------------- colours


def _hex(code: str) -> tuple[float, float, float]:
    return tuple(int(code[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


BEARER_GREY = _hex("#5B6470")
GREEN, SILVER, GOLD, BLACK = _hex("#2E7D32"), _hex("#C3C9D1"), _hex("#D8B24A"), _hex("#1C1C22")
# For programs with more than four personal tiers, between green and silver.
EXTRA = tuple(_hex(c) for c in ("#00796B", "#1E5AA8", "#6A3D9A", "#A0522D", "#B3261E"))
INK = _hex("#1C1C22")
WHITE = (1.0, 1.0, 1.0)
MUTED = _hex("#5B6470")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(fill: tuple[float, float, float]) -> tuple[float, float, float]:
    """White or near-black, whichever contrasts more with ``fill`` (WCAG contrast ratio)."""
    lum = _luminance(fill)
    on_white = 1.05 / (lum + 0.05)
    on_ink = (lum + 0.05) / (_luminance(INK) + 0.05)
    return WHITE if on_white >= on_ink else INK


def personal_palette(count: int) -> list[tuple[float, float, float]]:
    """Colours of ``count`` personal tiers, lowest first: green ... silver, gold, black on top."""
    if count <= 0:
        return []
    lower = count - 1
    if lower <= 3:
        ramp = [GREEN, SILVER, GOLD][:lower]
    else:
        ramp = [GREEN, *(EXTRA[i % len(EXTRA)] for i in range(lower - 3)), SILVER, GOLD]
    return [*ramp, BLACK] if count > 1 else [GREEN]


def tier_colour(program: Program, tier_name: str) -> tuple[float, float, float]:
    """The band colour of a tier, by its position in the program (grey for bearer)."""
    tier = program.tier_named(tier_name)
    if tier is None or tier.bearer:
        return BEARER_GREY
    personal = program.personal_tiers
    return personal_palette(len(personal))[personal.index(tier)]


# ---------------------------------------------------------------- text helpers


def grouped(number: str) -> str:
    """A card number as it is read aloud and typed: ``2 712345 678902``."""
    return f"{number[0]} {number[1:7]} {number[7:]}"


def _pct(value: Decimal) -> str:
    """A percentage as the language writes its number: 7.5% in English, 7,5% in Russian."""
    return f"{quantity_text(value)}%"


def _fit(text: str, font: str, size: float, width: float, *, smallest: float = 6) -> tuple[
        str, float]:
    """Shrink ``text`` down to ``smallest`` points to fit ``width``, then cut it with '…'."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


# ---------------------------------------------------------------- the two sides


class _Painter:
    """Draws cards on one canvas; bands and the back's terms become forms used again."""

    def __init__(self, canvas: Canvas, program: Program) -> None:
        self.c = canvas
        self.program = program
        self.regular, self.bold, self.mono = fonts.register()
        self.forms: dict[str, str] = {}

    def _form(self, key: str, draw: Callable[[], None]) -> str:
        """The form drawn by ``draw``, made on first use (PDF names: no tier names in them)."""
        name = self.forms.get(key)
        if name is None:
            name = self.forms[key] = f"card{len(self.forms)}"
            self.c.beginForm(name, lowerx=0, lowery=0, upperx=CARD_W, uppery=CARD_H)
            draw()
            self.c.endForm()
        return name

    # -- front

    def _band(self, tier_name: str) -> None:
        c = self.c
        fill = tier_colour(self.program, tier_name)
        ink = text_on(fill)
        top, height = CARD_H - MARGIN, 13 * mm
        c.setFillColorRGB(*fill)
        c.roundRect(MARGIN, top - height, CARD_W - 2 * MARGIN, height, 2 * mm, stroke=0, fill=1)
        c.setFillColorRGB(*ink)
        pad = 3 * mm
        inner = CARD_W - 2 * MARGIN - 2 * pad
        tier, tier_size = _fit(tier_name, self.bold, 10, inner * 0.45)
        tier_w = stringWidth(tier, self.bold, tier_size)
        baseline = top - height / 2 - 3.6
        c.setFont(self.bold, tier_size)
        c.drawRightString(CARD_W - MARGIN - pad, baseline, tier)
        shop, shop_size = _fit(self.program.name, self.bold, 12, inner - tier_w - 3 * mm)
        c.setFont(self.bold, shop_size)
        c.drawString(MARGIN + pad, baseline, shop)

    def front(self, card: CardInfo) -> None:
        """One card's front, with its bottom left corner at the canvas origin."""
        c = self.c
        c.doForm(self._form(f"band-{card.tier}", lambda: self._band(card.tier)))
        who = card.holder.name if card.holder is not None else _("Bearer card")
        name, size = _fit(who, self.bold, 11, CARD_W - 2 * MARGIN - 2 * mm, smallest=7)
        c.setFillColorRGB(*INK)
        c.setFont(self.bold, size)
        c.drawString(MARGIN + 1 * mm, 31.5 * mm, name)
        # The EAN's own 11-module quiet zone starts at the card's margin; white card, no box.
        codes.draw_ean13(c, card.number, MARGIN - 0.5 * mm, 3.5 * mm, module=EAN_MODULE,
                         height=EAN_HEIGHT, font=self.mono, font_size=EAN_DIGITS_PT)
        # The QR's own quiet zone may reach into the margin: its modules end 4.5 mm inside.
        codes.draw_qr(c, card.number, CARD_W - 4.5 * mm - QR_SIZE * 25 / 29, 1.5 * mm, QR_SIZE)

    # -- back

    def _terms_sizes(self, width: float) -> tuple[float, float, list[list[str]]]:
        """The largest row and text sizes that fit the terms above the card number line."""
        p = self.program
        room = CARD_H - 2 * MARGIN - 9  # the card number line takes the bottom 9 points
        for row_size, size in ((6.5, 5.6), (6, 5.3), (5.5, 5), (5, 4.6), (4.5, 4.2), (4, 3.8)):
            rules = [simpleSplit(rule, self.regular, size, width) for rule in terms(p)]
            height = (7 + 10 + len(p.tiers) * (row_size + 2) + 4
                      + sum(len(lines) * (size + 1) + 1 for lines in rules))
            if height <= room:
                break
        return row_size, size, rules

    def _terms(self) -> None:
        c, p = self.c, self.program
        left, right = MARGIN + 0.5 * mm, CARD_W - MARGIN - 0.5 * mm
        width = right - left
        row_size, size, rules = self._terms_sizes(width)
        y = CARD_H - MARGIN - 7
        title, title_size = _fit(_("{shop} loyalty card").format(shop=p.name), self.bold, 8,
                                 width)
        c.setFillColorRGB(*INK)
        c.setFont(self.bold, title_size)
        c.drawString(left, y, title)
        # The table of tiers: level, spend that reaches it, discount, cashback.
        col_spend, col_disc, col_cash = left + 23 * mm, right - 15 * mm, right
        y -= 10
        c.setFillColorRGB(*MUTED)
        c.setFont(self.regular, 5.5)
        c.drawString(left, y, _("Level"))
        c.drawString(col_spend, y, _("Spend"))
        c.drawRightString(col_disc, y, _("Discount"))
        c.drawRightString(col_cash, y, _("Cashback"))
        c.setStrokeColorRGB(*MUTED)
        c.setLineWidth(0.3)
        c.line(left, y - 2, right, y - 2)
        for tier in p.tiers:
            y -= row_size + 2
            c.setFillColorRGB(*tier_colour(p, tier.name))
            c.rect(left, y - 0.5, 1.6 * mm, row_size - 1, stroke=0, fill=1)
            c.setFillColorRGB(*INK)
            label, label_size = _fit(tier.name, self.bold, row_size,
                                     col_spend - left - 3.5 * mm, smallest=4)
            c.setFont(self.bold, label_size)
            c.drawString(left + 2.4 * mm, y, label)
            if tier.bearer:
                spend = _("bearer cards")
            elif tier.min_spend == 0:
                spend = _("from the start")
            else:
                spend = _("from {amount}").format(amount=fmt_display(tier.min_spend, p.currency))
            c.setFont(self.regular, row_size)
            c.drawString(col_spend, y, _fit(spend, self.regular, row_size,
                                            col_disc - col_spend - 12 * mm, smallest=4)[0])
            c.drawRightString(col_disc, y, _pct(tier.discount_pct))
            c.drawRightString(col_cash, y, _pct(tier.cashback_pct))
        c.line(left, y - 2.5, right, y - 2.5)
        y -= 4
        c.setFont(self.regular, size)
        for lines in rules:
            for text in lines:
                y -= size + 1
                c.drawString(left, y, text)
            y -= 1

    def back(self, number: str) -> None:
        """One card's back, with its bottom left corner at the canvas origin."""
        c = self.c
        c.doForm(self._form("terms", self._terms))
        c.setFillColorRGB(*MUTED)
        c.setFont(self.mono, 6.5)
        c.drawRightString(CARD_W - MARGIN - 0.5 * mm, MARGIN,
                          _("Card {number}").format(number=grouped(number)))


def terms(program: Program) -> list[str]:
    """The rules printed on a card's back, in the program's own figures."""
    cur = program.currency
    days = program.tier_window_days
    if days:
        # The English singular says "days" too, as it always has.
        level = ngettext("Your level follows what you spent in the last {n} days; it is checked"
                         " at every purchase.",
                         "Your level follows what you spent in the last {n} days; it is checked"
                         " at every purchase.", days).format(n=days)
    else:
        level = _("Your level follows all you have spent with us; it is checked at every"
                  " purchase.")
    pct = _pct(program.max_redeem_pct)
    if program.min_redeem_balance:
        redeem = _("Cashback pays up to {pct} of a bill once your balance reaches {minimum}; no"
                   " cashback is earned on the part paid with cashback.").format(
            pct=pct, minimum=fmt_display(program.min_redeem_balance, cur))
    else:
        redeem = _("Cashback pays up to {pct} of a bill; no cashback is earned on the part paid"
                   " with cashback.").format(pct=pct)
    return [
        level,
        redeem,
        _("A bearer card gives its {tier} level to whoever shows it; register it at the till to"
          " climb the levels.").format(tier=program.bearer_tier.name),
        _("Lost or stolen? Call the shop: the card is blocked and refused at the till, and your"
          " balance moves to a new card."),
    ]


# ---------------------------------------------------------------- layout


def layout_a4(n: int) -> list[tuple[int, float, float]]:
    """Where ``n`` card fronts go on A4 sheets: (sheet, x, y) of each card's bottom left
    corner in points, ten a sheet, two columns by five rows, left to right, top down."""
    spots = []
    for i in range(n):
        sheet, slot = divmod(i, PER_SHEET)
        row, column = divmod(slot, COLUMNS)
        spots.append((sheet, SHEET_LEFT + column * CARD_W,
                      SHEET_BOTTOM + (ROWS - 1 - row) * CARD_H))
    return spots


def back_position(x: float, y: float) -> tuple[float, float]:
    """Where a card's back goes on the reverse of its sheet, for long-edge duplex."""
    return PAGE_W - x - CARD_W, y


def _cut_marks(c: Canvas) -> None:
    """Thin lines in the margins along every cut: the cards touch, so one cut serves two."""
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.25)
    left, bottom = SHEET_LEFT, SHEET_BOTTOM
    right, top = left + COLUMNS * CARD_W, bottom + ROWS * CARD_H
    for i in range(COLUMNS + 1):
        x = left + i * CARD_W
        c.line(x, top + CUT_GAP, x, top + CUT_GAP + CUT_LEN)
        c.line(x, bottom - CUT_GAP, x, bottom - CUT_GAP - CUT_LEN)
    for j in range(ROWS + 1):
        y = bottom + j * CARD_H
        c.line(left - CUT_GAP, y, left - CUT_GAP - CUT_LEN, y)
        c.line(right + CUT_GAP, y, right + CUT_GAP + CUT_LEN, y)


# ---------------------------------------------------------------- writing files


def _write(path: str | Path, pagesize: tuple[float, float], title: str,
           draw: Callable[[Canvas], int]) -> int:
    """Draw the pages and save them whole: no half-written PDF is ever left behind."""

    def write(handle) -> int:
        canvas = Canvas(handle, pagesize=pagesize, pageCompression=1, invariant=1)
        canvas.setTitle(title)
        canvas.setCreator("LoyaltyPOS")
        pages = draw(canvas)
        canvas.save()
        return pages

    return write_atomic(path, write)


def write_card_pdf(card: CardInfo, program: Program, path: str | Path) -> PdfWritten:
    """One card on two CR80 pages: the front, then the back."""

    def draw(c: Canvas) -> int:
        painter = _Painter(c, program)
        painter.front(card)
        c.showPage()
        painter.back(card.number)
        c.showPage()
        return 2

    pages = _write(path, (CARD_W, CARD_H), _("Card {number}").format(number=card.number), draw)
    return PdfWritten(Path(path), 1, pages)


def batch_pdf(cards: Sequence[CardInfo], program: Program, path: str | Path, *,
              backs: bool = True, progress: Progress | None = None) -> PdfWritten:
    """Cards on A4 sheets, ten a sheet (2 x 5 fronts) with cut marks in the margins.

    With ``backs`` (the default) every sheet of fronts is followed by a sheet of
    backs, mirrored left to right, so the file printed double-sided (flip on the
    long edge) puts each card's back behind its front. ``progress(done, total)`` is
    called with pages made and pages to make, the last time once the file is written.
    """
    if not cards:
        raise Refused(_("no cards to print"))
    spots = layout_a4(len(cards))
    sheets = spots[-1][0] + 1
    total = sheets * (2 if backs else 1)

    def draw(c: Canvas) -> int:
        painter = _Painter(c, program)
        done = 0

        def page_done() -> None:
            nonlocal done
            c.showPage()
            done += 1
            if progress is not None and done < total:  # the last call waits for the file
                progress(done, total)

        for sheet in range(sheets):
            first = sheet * PER_SHEET
            on_sheet = [(cards[i], spots[i][1], spots[i][2])
                        for i in range(first, min(len(cards), first + PER_SHEET))]
            _cut_marks(c)
            for card, x, y in on_sheet:
                c.saveState()
                c.translate(x, y)
                painter.front(card)
                c.restoreState()
            page_done()
            if backs:
                for card, x, y in on_sheet:
                    c.saveState()
                    c.translate(*back_position(x, y))
                    painter.back(card.number)
                    c.restoreState()
                page_done()
        return done

    # The English singular says "cards" too, as it always has.
    title = ngettext("{n} loyalty cards", "{n} loyalty cards", len(cards)).format(n=len(cards))
    pages = _write(path, A4, title, draw)
    if progress is not None:
        progress(total, total)
    return PdfWritten(Path(path), len(cards), pages)
