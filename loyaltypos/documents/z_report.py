"""The end-of-day report on paper: an A4 PDF for the office, narrow text for the till's printer.

A closed day prints as its frozen, numbered Z report. The open day can be printed
too, as an X report: the figures so far, marked as not final, so nobody files it as
the day's closing figures. Both forms show the same figures, drawn from one list
(:func:`figures`), so the office copy and the till's slip cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from escpos import printer as escpos_printer
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from loyaltypos.documents import fonts
from loyaltypos.documents.files import write_atomic
from loyaltypos.documents.receipt_print import ROLLS
from loyaltypos.documents.receipts import method_label, roll_text
from loyaltypos.domain import clock
from loyaltypos.domain.cardnumbers import masked
from loyaltypos.domain.day_summary import DaySummary, tier_label
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, date_text, datetime_text
from loyaltypos.domain.money import fmt_amount, fmt_display

OPEN_DAY_TITLE = N_("X report (day still open)")  # translated where it is shown
# The kinds of new cards, as stored, and how the report names them.
CARD_KINDS = {"personal": N_("Personal"), "bearer": N_("Bearer")}
MARGIN = 16 * mm
PAGE_W, PAGE_H = A4
BODY_W = PAGE_W - 2 * MARGIN
GAP = 8 * mm  # between the two columns
COLUMN_W = (BODY_W - GAP) / 2
INK, GREY, RULE = colors.HexColor("#1C1C22"), colors.HexColor("#5B6470"), colors.HexColor("#C9CED6")
ACCENT, WARN = colors.HexColor("#1F4E79"), colors.HexColor("#B3261E")
BAR = colors.HexColor("#7FA7CF")


def report_title(summary: DaySummary) -> str:
    """The title: "Z report 12" for a closed day; the open day's says it is not final."""
    if summary.closed:
        return _("Z report {z_number}").format(z_number=summary.z_number)
    return _(OPEN_DAY_TITLE)


@dataclass(frozen=True)
class Figure:
    """One line of a section: a label, its value as text, and whether it is a total."""

    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    figures: tuple[Figure, ...]


def _stamp(stamp: dt.datetime | None, zone: str | None) -> str:
    """A stored stamp on the shop's clock (its zone; None: this computer's)."""
    return datetime_text(clock.to_zone(stamp, zone)) if stamp else "-"


BONUS_KINDS = {"welcome": N_("Welcome bonuses"), "stamps": N_("Stamp bonuses"),
               "birthday": N_("Birthday bonuses"), "referral": N_("Referral bonuses")}


def _bonus(kind: str) -> str:
    return _(BONUS_KINDS[kind]) if kind in BONUS_KINDS else _("Bonuses ({kind})").format(
        kind=kind)


def _rewards_given(s: DaySummary, m) -> tuple[Figure, ...]:
    """Gifts the stamps earned and cashback written off as lapsed, when the day has any (a
    shop without rewards or expiry reads its report as before)."""
    lines = []
    if s.gifts:
        lines.append(Figure(_("Gifts given"), _("{count} worth {value}").format(
            count=s.gifts, value=m(s.gifts_value))))
    if s.rewards_taken_back:
        lines.append(Figure(_("Rewards taken back"), m(-s.rewards_taken_back)))
    if s.expired:
        lines.append(Figure(_("Cashback expired"), m(s.expired)))
    return tuple(lines)


def _card_kind(kind: str) -> str:
    return _(CARD_KINDS[kind]) if kind in CARD_KINDS else kind.capitalize()


def _method(method: str) -> str:
    """A payment method as the report's row names it: "Cash", "Card"."""
    label = method_label(method)
    return label[:1].upper() + label[1:]


def _hour_span(hour: str) -> str:
    return f"{hour}:00–{int(hour) + 1:02d}:00"


def figures(s: DaySummary, currency: str, *, with_currency: bool = True) -> list[Section]:
    """Every figure of the summary, grouped as the report prints them (tables aside)."""

    def m(units: int) -> str:
        return fmt_display(units, currency) if with_currency else fmt_amount(units, currency)

    if s.counted_cash is None:
        counted, difference = _("not counted"), "-"
    else:
        counted, difference = m(s.counted_cash), m(s.cash_difference or 0)
        if s.cash_difference:
            difference = (_("{amount} short") if s.cash_difference < 0
                          else _("{amount} over")).format(amount=difference)
    return [
        Section(_("Sales"), (
            Figure(_("Number of sales"), str(s.sales)),
            Figure(_("Number of refunds"), str(s.refunds)),
            Figure(_("Subtotal"), m(s.subtotal)),
            Figure(_("Discounts"), m(s.discount)),
            Figure(_("Net sales"), m(s.subtotal - s.discount)),
            Figure(_("Cashback redeemed"), m(s.redeemed)),
            Figure(_("Money taken"), m(s.paid), strong=True),
            Figure(_("Money back (refunds)"), m(s.money_back)),
            Figure(_("Average check"), m(s.average_check)),
        )),
        Section(_("Money by method (net of refunds)"), (
            *(Figure(_method(method), m(amount)) for method, amount in s.paid_by.items()),
            Figure(_("Total money"), m(sum(s.paid_by.values())), strong=True),
        )),
        Section(_("Cashback"), (
            Figure(_("Cashback earned"), m(s.cashback_earned)),
            Figure(_("Restored by refunds"), m(s.cashback_restored)),
            Figure(_("Reversed by refunds"), m(s.cashback_reversed)),
            Figure(_("Adjustments"), m(s.adjustments)),
            *(Figure(_bonus(kind), m(amount)) for kind, amount in s.bonuses.items()),
            *_rewards_given(s, m),
            Figure(_("Change in outstanding"), m(s.liability_change)),
            # A day that wrote cashback off says the total is what is left after it.
            Figure(_("Outstanding after expiry") if s.expired else _("Outstanding cashback"),
                   m(s.liability_total), strong=True),
        )),
        Section(_("New cards"), tuple(
            Figure(_card_kind(kind), str(count)) for kind, count in s.new_cards.items()
        )),
        Section(_("Cash drawer"), (
            Figure(_("Expected cash"), m(s.expected_cash)),
            Figure(_("Counted cash"), counted),
            Figure(_("Difference"), difference, strong=True),
        )),
        *([Section(_("By till (money net of refunds)"), tuple(
            figure for t in s.tills for figure in (
                Figure(_("{till}: sales {sales}, refunds {refunds}").format(
                    till=t.till, sales=t.sales, refunds=t.refunds), m(t.cash + t.card),
                    strong=True),
                Figure(_("  in cash (its drawer)"), m(t.cash)),
            )))] if s.tills else []),
    ]


# ---------------------------------------------------------------- A4 PDF


class _Bar(Flowable):
    """A horizontal bar as long as ``fraction`` of the cell: the hour's share of the best hour."""

    def __init__(self, fraction: float, width: float, height: float = 2.6 * mm) -> None:
        super().__init__()
        self.fraction, self.width, self.height = fraction, width, height

    def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if self.fraction > 0:
            self.canv.setFillColor(BAR)
            self.canv.rect(0, 0, max(self.width * self.fraction, 0.6), self.height,
                           stroke=0, fill=1)


class _Styles:
    def __init__(self) -> None:
        regular, bold, _mono = fonts.register()
        self.regular, self.bold = regular, bold
        self.shop = ParagraphStyle("shop", fontName=bold, fontSize=11, leading=14,
                                   textColor=GREY)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=22, leading=27,
                                    textColor=INK)
        self.warn = ParagraphStyle("warn", fontName=bold, fontSize=10, leading=13,
                                   textColor=WARN)
        self.heading = ParagraphStyle("heading", fontName=bold, fontSize=10.5, leading=13,
                                      textColor=ACCENT, spaceBefore=3 * mm, spaceAfter=1.2 * mm,
                                      keepWithNext=1)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11,
                                   textColor=INK)
        self.note = ParagraphStyle("note", parent=self.cell, textColor=GREY, fontSize=8.5)


def _table(rows: list[list], widths: list[float], st: _Styles, *, header: bool = False,
           right_from: int = 1, strong_rows: tuple[int, ...] = ()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), st.regular, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
    ]
    if header:
        style += [("FONT", (0, 0), (-1, 0), st.bold, 8.5), ("TEXTCOLOR", (0, 0), (-1, 0), GREY),
                  ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREY)]
    for row in strong_rows:
        style += [("FONT", (0, row), (-1, row), st.bold, 9),
                  ("LINEABOVE", (0, row), (-1, row), 0.8, INK)]
    table.setStyle(TableStyle(style))
    return table


def _section(section: Section, st: _Styles, width: float) -> list[Flowable]:
    rows = [[f.label, f.value] for f in section.figures]
    strong = tuple(i for i, f in enumerate(section.figures) if f.strong)
    return [Paragraph(escape(section.title), st.heading),
            _table(rows, [width * 0.58, width * 0.42], st, strong_rows=strong)]


def _columns(left: list[Flowable], right: list[Flowable]) -> Table:
    table = Table([[left, right]], colWidths=[COLUMN_W + GAP, COLUMN_W], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, -1), GAP),
        ("RIGHTPADDING", (1, 0), (1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _header(s: DaySummary, shop: str, st: _Styles) -> list[Flowable]:
    facts = [[_("Business day"), date_text(s.date)],
             [_("Opened"), _stamp(s.opened_at, s.timezone)],
             [_("Closed"), _stamp(s.closed_at, s.timezone) if s.closed else _("still open")],
             [_("Printed"), _stamp(clock.now(), s.timezone)]]
    facts_table = Table(facts, colWidths=[24 * mm, 32 * mm], hAlign="RIGHT")
    facts_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), st.regular, 9),
        ("FONT", (1, 0), (1, 0), st.bold, 9),
        ("TEXTCOLOR", (0, 0), (0, -1), GREY),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 0.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.8),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    left: list[Flowable] = [Paragraph(escape(shop), st.shop),
                            Paragraph(escape(report_title(s)), st.title)]
    if not s.closed:
        left.append(Paragraph(escape(_("Figures so far: the day is not closed yet.")),
                              st.warn))
    head = Table([[left, facts_table]], colWidths=[BODY_W - 58 * mm, 58 * mm])
    head.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, INK),
    ]))
    return [head]


def _tiers(s: DaySummary, currency: str, st: _Styles, width: float) -> list[Flowable]:
    title = Paragraph(escape(_("Per tier, {currency}").format(currency=currency)), st.heading)
    if not s.tiers:
        return [title, Paragraph(escape(_("No sales.")), st.note)]
    rows = [[_("Tier"), _("Sales"), _("Subtotal"), _("Discounts")]]
    rows += [[Paragraph(escape(tier_label(name)), st.cell), str(t.sales),
              fmt_amount(t.subtotal, currency),
              fmt_amount(t.discount, currency)] for name, t in s.tiers.items()]
    return [title, _table(rows, [width * 0.36, width * 0.14, width * 0.25, width * 0.25], st,
                          header=True)]


def _top_customers(s: DaySummary, currency: str, st: _Styles, width: float) -> list[Flowable]:
    title = Paragraph(escape(_("Top customers, {currency}").format(currency=currency)),
                      st.heading)
    if not s.top_customers:
        return [title, Paragraph(escape(_("No card sales.")), st.note)]
    rows = [[_("Card"), _("Name"), _("Paid")]]
    rows += [[masked(t.card), Paragraph(escape(t.name or _("bearer card")), st.cell),
              fmt_amount(t.paid, currency)] for t in s.top_customers]
    return [title, _table(rows, [width * 0.36, width * 0.38, width * 0.26], st, header=True,
                          right_from=2)]


def _hours(s: DaySummary, currency: str, st: _Styles) -> list[Flowable]:
    title = Paragraph(escape(_("Sales per hour (net sales, local time)")), st.heading)
    if not s.hours:
        return [title, Paragraph(escape(_("No sales.")), st.note)]
    best = max(s.hours.values()) or 1
    bar_w = BODY_W - 30 * mm - 32 * mm - 6 * mm
    rows: list[list] = [[_("Hour"), _("Net sales, {currency}").format(currency=currency), ""]]
    rows += [[_hour_span(hour), fmt_amount(net, currency), _Bar(net / best, bar_w)]
             for hour, net in s.hours.items()]
    table = _table(rows, [30 * mm, 32 * mm, bar_w + 6 * mm], st, header=True)
    table.setStyle(TableStyle([("ALIGN", (2, 0), (2, -1), "LEFT"),
                               ("LEFTPADDING", (2, 0), (2, -1), 6 * mm)]))
    return [title, table]


def z_pdf(summary: DaySummary, *, shop: str, currency: str) -> bytes:
    """The day's report as an A4 PDF: the Z report of a closed day, the X report of an open one."""
    shop = summary.shop or shop  # a shop's own name; else the program's, as given
    st = _Styles()
    title = report_title(summary)
    sections = figures(summary, currency)
    left = [f for sec in sections[:2] for f in _section(sec, st, COLUMN_W)]
    right = [f for sec in sections[2:] for f in _section(sec, st, COLUMN_W)]
    story: list[Flowable] = [
        *_header(summary, shop, st),
        _columns(left, right),
        Spacer(1, 2 * mm),
        _columns(_tiers(summary, currency, st, COLUMN_W),
                 _top_customers(summary, currency, st, COLUMN_W)),
        Spacer(1, 2 * mm),
        *_hours(summary, currency, st),
    ]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(st.regular, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 9 * mm, f"{shop} · {title} · {date_text(summary.date)}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, _("Page {page}").format(page=doc.page))
        canvas.restoreState()

    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=A4, title=f"{title} — {date_text(summary.date)}",
                          author=shop, creator="LoyaltyPOS", pageCompression=1)
    # No frame padding: the body is exactly BODY_W wide, so every table lines up.
    frame = Frame(MARGIN, MARGIN + 4 * mm, BODY_W, PAGE_H - 2 * MARGIN - 4 * mm,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("report", frames=[frame], onPage=footer)])
    doc.build(story)
    return out.getvalue()


def write_z_pdf(summary: DaySummary, path: str | Path, *, shop: str, currency: str) -> Path:
    """Write the day's report to ``path`` (A4 PDF), whole or not at all."""
    data = z_pdf(summary, shop=shop, currency=currency)
    write_atomic(path, lambda handle: handle.write(data))
    return Path(path).expanduser()


# ---------------------------------------------------------------- thermal printer


def _row(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line, or ``right`` under a long ``left``."""
    room = width - len(right) - 1
    if len(left) <= room:
        return f"{left:<{room}} {right}"
    return f"{left[:width]}\n{right:>{width}}"


def z_text(summary: DaySummary, *, shop: str, currency: str,
           width: int = 48) -> list[tuple[str, bool]]:
    """The report as monospaced lines for a receipt printer, each with whether it is bold.

    The title (:func:`report_title`) is not among them: the printer prints it larger.
    """
    s = summary
    shop = s.shop or shop  # a shop's own name; else the program's, as given
    out: list[tuple[str, bool]] = [(shop[:width].center(width), True)]
    if not s.closed:
        out.append((_(OPEN_DAY_TITLE).center(width), True))
    out += [(_row(_("Business day"), date_text(s.date), width), False),
            (_row(_("Opened"), _stamp(s.opened_at, s.timezone), width), False),
            (_row(_("Closed"), _stamp(s.closed_at, s.timezone) if s.closed
                  else _("still open"), width), False),
            (_row(_("Printed"), _stamp(clock.now(), s.timezone), width), False),
            (_("Amounts in {currency}").format(currency=currency), False)]
    for section in figures(s, currency, with_currency=False):
        out += [("-" * width, False), (section.title.upper()[:width], True)]
        out += [(_row(f.label, f.value, width), f.strong) for f in section.figures]
    out += [("-" * width, False), (_("PER TIER"), True)]
    for name, t in s.tiers.items():
        out.append((_row(f"{tier_label(name)} ({t.sales})", fmt_amount(t.subtotal, currency),
                         width), False))
        if t.discount:
            out.append((_row("  " + _("discounts"), fmt_amount(t.discount, currency), width),
                        False))
    out += [("-" * width, False), (_("SALES PER HOUR"), True)]
    out += [(_row(_hour_span(hour).replace("–", "-"), fmt_amount(net, currency), width), False)
            for hour, net in s.hours.items()]
    out += [("-" * width, False), (_("TOP CUSTOMERS"), True)]
    top = [(masked(t.card), t.name or _("bearer card"), fmt_amount(t.paid, currency))
           for t in s.top_customers]
    if all(len(card) + len(name) + len(paid) + 2 <= width for card, name, paid in top):
        out += [(_row(f"{card} {name}", paid, width), False) for card, name, paid in top]
    else:  # a narrow roll: each name goes under its card
        for card, name, paid in top:
            out += [(_row(card, paid, width), False), (f"  {name}"[:width], False)]
    return out


def _slip_title(summary: DaySummary) -> str:
    # Printed double width: 16 characters on a 58 mm roll.
    if summary.closed:
        return _("Z REPORT {z_number}").format(z_number=summary.z_number)
    return _("X REPORT")


def render_z_text(summary: DaySummary, *, shop: str, currency: str, width: int = 48) -> str:
    """The thermal printer's report as plain text, title first."""
    lines = [_slip_title(summary).center(width)]
    lines += [text for text, _bold in z_text(summary, shop=shop, currency=currency,
                                              width=width)]
    return roll_text("\n".join(lines))


def _columns_of(width_mm: int) -> int:
    if width_mm not in ROLLS:
        raise Refused(_("receipt rolls are 80 or 58 mm wide, not {width}").format(width=width_mm))
    return ROLLS[width_mm][2]


def print_z_escpos(summary: DaySummary, device, *, shop: str, currency: str,
                   width_mm: int = 80) -> None:
    """Send the report to an ESC/POS printer (any python-escpos printer object), then cut."""
    columns = _columns_of(width_mm)
    device.hw("INIT")  # ESC @: whatever mode an earlier job left, this one starts clean
    device.set(align="center", bold=True, double_height=True, double_width=True)
    device.textln(_slip_title(summary))
    device.set(align="left", normal_textsize=True)
    for text, bold in z_text(summary, shop=shop, currency=currency, width=columns):
        device.set(bold=bold)
        device.textln(text)
    device.set(bold=False)
    device.cut()


def z_escpos_bytes(summary: DaySummary, *, shop: str, currency: str,
                   width_mm: int = 80) -> bytes:
    """The ESC/POS bytes of the report, as a printer would receive them."""
    dummy = escpos_printer.Dummy()
    print_z_escpos(summary, dummy, shop=shop, currency=currency, width_mm=width_mm)
    return dummy.output
