"""Loyalty cards as PDF: every printed code scans back to its card's number."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from conftest import MANAGER_PIN, PROGRAM_TOML, personal
from PIL import Image
from reportlab.lib.units import mm

from loyaltypos.documents import cards as card_print
from loyaltypos.documents.cards import (
    CARD_H,
    CARD_W,
    PAGE_H,
    PAGE_W,
    back_position,
    batch_pdf,
    grouped,
    layout_a4,
    personal_palette,
    terms,
    tier_colour,
)
from loyaltypos.domain.errors import CannotWriteFile, CardBlocked, CardNotFound, CardReplaced
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, store
from loyaltypos.services.printouts import card_pdf

EAN13, QR = zxingcpp.BarcodeFormat.EAN13, zxingcpp.BarcodeFormat.QRCode


# ---------------------------------------------------------------- helpers


def render(pdf: Path, out: Path, *, dpi: int, first: int | None = None, last: int | None = None,
           odd_only: bool = False) -> list[Image.Image]:
    """Pages of ``pdf`` as images, in page order.

    Uncompressed PPM: the same pixels as PNG, without the seconds spent compressing them.
    """
    cmd = ["pdftoppm", "-r", str(dpi)]
    if first is not None:
        cmd += ["-f", str(first), "-l", str(last if last is not None else first)]
    if odd_only:
        cmd.append("-o")
    subprocess.run([*cmd, str(pdf), str(out / pdf.stem)], check=True, timeout=120)
    return [Image.open(page) for page in sorted(out.glob(f"{pdf.stem}-*.ppm"))]


def decoded(image: Image.Image) -> dict:
    """Every code zxing reads in ``image``: {format: [text, ...]}."""
    found: dict = {}
    for code in zxingcpp.read_barcodes(image):
        found.setdefault(code.format, []).append(code.text)
    return found


def page_text(pdf: Path, page: int, box: tuple[float, float, float, float] | None = None) -> str:
    """pdftotext of one page, or of a box (x, y from the top, width, height in points)."""
    cmd = ["pdftotext", "-f", str(page), "-l", str(page)]
    if box is not None:
        cmd += ["-x", str(int(box[0])), "-y", str(int(box[1])), "-W", str(int(box[2])),
                "-H", str(int(box[3]))]
    return subprocess.run([*cmd, str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(next(line for line in info.stdout.splitlines()
                    if line.startswith("Pages:")).split()[1])


@pytest.fixture
def program():
    return parse_program(PROGRAM_TOML)


# ---------------------------------------------------------------- pure rules


def test_layout_puts_ten_cards_a_sheet_without_overlap_inside_printable_margins():
    spots = layout_a4(23)
    assert [s for s, _, _ in spots] == [0] * 10 + [1] * 10 + [2] * 3
    for sheet in (0, 1):
        boxes = [(x, y) for s, x, y in spots if s == sheet]
        assert len(set(boxes)) == 10
        for i, (x, y) in enumerate(boxes):
            assert x >= 15 * mm and x + CARD_W <= PAGE_W - 15 * mm
            assert y >= 12 * mm and y + CARD_H <= PAGE_H - 12 * mm
            for ox, oy in boxes[i + 1:]:
                apart_x = abs(x - ox) >= CARD_W - 1e-6
                apart_y = abs(y - oy) >= CARD_H - 1e-6
                assert apart_x or apart_y, "two cards overlap"
    # left to right, then down the sheet; the next sheet starts at the top left again
    (_, x0, y0), (_, x1, y1), (_, x2, y2) = spots[:3]
    assert y0 == y1 and x1 > x0 and y2 < y0 and x2 == x0
    assert spots[10][1:] == spots[0][1:]


def test_backs_are_mirrored_for_long_edge_duplex():
    (_, left_x, y), (_, right_x, _) = layout_a4(2)
    assert back_position(left_x, y) == pytest.approx((right_x, y))
    assert back_position(right_x, y) == pytest.approx((left_x, y))


def test_tier_colours_climb_to_black_bearer_is_grey_and_text_contrasts(program):
    assert tier_colour(program, "Bearer") == card_print.BEARER_GREY
    assert [tier_colour(program, t) for t in ("Simple", "Ten", "Gold")] == [
        card_print.GREEN, card_print.SILVER, card_print.BLACK]
    assert personal_palette(4) == [card_print.GREEN, card_print.SILVER, card_print.GOLD,
                                   card_print.BLACK]
    assert len(set(personal_palette(9))) == 9

    def contrast(a, b):
        la, lb = sorted((card_print._luminance(a), card_print._luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for fill in [card_print.BEARER_GREY, *personal_palette(9)]:
        assert contrast(fill, card_print.text_on(fill)) >= 4.5


def test_terms_use_the_program_figures(program):
    from dataclasses import replace

    text = " ".join(terms(program))
    assert "up to 100% of a bill" in text and "all you have spent" in text
    assert "Lost or stolen? Call the shop" in text
    windowed = replace(program, tier_window_days=90, min_redeem_balance=50_000)
    text = " ".join(terms(windowed))
    assert "last 90 days" in text and "RUB\u00a0500.00" in text.replace("\u202f", "")


def test_grouped_number_reads_like_the_barcode_digits():
    assert grouped("2712345678902") == "2 712345 678902"


def test_an_unwritable_path_is_refused_before_anything_is_written(db, shop, tmp_path):
    number = personal(db, shop[0]).number
    with pytest.raises(CannotWriteFile, match="is a folder"):
        card_pdf(db, number=number, path=tmp_path)
    with pytest.raises(CannotWriteFile, match="no folder"):
        card_pdf(db, number=number, path=tmp_path / "missing" / "card.pdf")
    assert not list(tmp_path.rglob("*.pdf")) and not list(tmp_path.rglob(".*.part"))


def test_unknown_blocked_and_replaced_cards_are_not_printed(db, shop, tmp_path):
    manager = shop[0]
    with pytest.raises(CardNotFound):
        card_pdf(db, number="2700000000007", path=tmp_path / "x.pdf")
    lost = personal(db, manager, name="Lost Card")
    cards.block_card(db, actor=manager, number=lost.number, reason="lost")
    with pytest.raises(CardBlocked):
        card_pdf(db, number=lost.number, path=tmp_path / "x.pdf")
    old = personal(db, manager, name="Old Card", phone="+7 900 000-00-01")
    new = cards.replace_card(db, actor=manager, number=old.number).new
    with pytest.raises(CardReplaced, match=new.number):
        card_pdf(db, number=old.number, path=tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_batch_reports_progress_page_by_page_until_the_file_is_written(db, shop, tmp_path):
    issued = cards.issue_cards(db, actor=shop[0], kind="bearer", count=12)
    calls = []
    written = batch_pdf(issued, store.program_in_force(db), tmp_path / "b.pdf",
                        progress=lambda done, total: calls.append((done, total)))
    assert written.pages == 4 and written.cards == 12
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert pdf_pages(tmp_path / "b.pdf") == 4
    assert not list(tmp_path.glob("*.part"))
    fronts_only = batch_pdf(issued, store.program_in_force(db), tmp_path / "f.pdf", backs=False)
    assert fronts_only.pages == 2


# ---------------------------------------------------------------- scanned back


@pytest.mark.slow
def test_personal_card_front_scans_as_ean13_and_qr_and_back_states_the_terms(db, shop,
                                                                             tmp_path):
    card = personal(db, shop[0], name="Ольга Смирнова")
    pdf = tmp_path / "card.pdf"
    written = card_pdf(db, number=card.number, path=pdf)
    assert written.pages == 2 and pdf_pages(pdf) == 2
    [image] = render(pdf, tmp_path, dpi=300, first=1)
    width, height = image.size  # CR80 at 300 dpi, give or take pdftoppm's rounding
    assert abs(width - 85.6 / 25.4 * 300) <= 1 and abs(height - 54 / 25.4 * 300) <= 1
    assert decoded(image) == {EAN13: [card.number], QR: [card.number]}
    face = page_text(pdf, 1)
    assert "Ольга Смирнова" in face and "Test shop" in face and "Simple" in face
    assert card.number[1:7] in face and card.number[7:] in face  # the digits beneath the bars
    back = page_text(pdf, 2)
    for name in ("Bearer", "Simple", "Ten", "Gold"):
        assert name in back
    for pct in ("3%", "5%", "10%", "20%", "7.5%"):
        assert pct in back
    spaced = " ".join(back.split())  # the no-break space after the code, as a space
    assert "from RUB 1,000.00" in spaced and "from RUB 50,000.00" in spaced
    assert "up to 100% of a bill" in back and "Lost or stolen" in back
    assert f"Card {grouped(card.number)}" in back


def test_a_russian_card_scans_and_its_back_reads_in_russian(db, shop, tmp_path):
    from loyaltypos.domain.i18n import speaking

    card = personal(db, shop[0], name="Ольга Смирнова")
    pdf = tmp_path / "card.pdf"
    with speaking("ru"):
        card_pdf(db, number=card.number, path=pdf)
    [image] = render(pdf, tmp_path, dpi=300, first=1)
    assert decoded(image) == {EAN13: [card.number], QR: [card.number]}
    back = " ".join(page_text(pdf, 2).split())
    assert "от 1 000,00 ₽" in back and "от 50 000,00 ₽" in back, back
    assert f"Карта {grouped(card.number)}" in back
    for english in ("Lost or stolen", "Your level", "from RUB", "Card "):
        assert english not in back


@pytest.mark.slow
def test_every_card_of_a_100_card_batch_scans_where_the_layout_put_it(db, shop, tmp_path):
    issued = cards.issue_cards(db, actor=shop[0], kind="bearer", count=100)
    pdf = tmp_path / "batch.pdf"
    written = batch_pdf(issued, store.program_in_force(db), pdf)
    assert written.pages == 20  # 10 sheets: fronts, then mirrored backs
    dpi = 200
    fronts = render(pdf, tmp_path, dpi=dpi, odd_only=True)
    assert len(fronts) == 10
    px = dpi / 72
    found_ean, found_qr = [], []
    for card, (sheet, x, y) in zip(issued, layout_a4(len(issued)), strict=True):
        page = fronts[sheet]
        left, top = round(x * px), round((PAGE_H - y - CARD_H) * px)
        crop = page.crop((left, top, left + round(CARD_W * px), top + round(CARD_H * px)))
        codes = decoded(crop)
        assert codes == {EAN13: [card.number], QR: [card.number]}, (sheet, card.number)
        found_ean += codes[EAN13]
        found_qr += codes[QR]
    numbers = sorted(c.number for c in issued)
    assert sorted(found_ean) == numbers and sorted(found_qr) == numbers  # 200 codes
    # Printed double-sided, each card's back (with its number) lands behind its front.
    for card, (sheet, x, y) in list(zip(issued, layout_a4(100), strict=True))[::7]:
        bx, by = back_position(x, y)
        behind = page_text(pdf, 2 * sheet + 2, (bx, PAGE_H - by - CARD_H, CARD_W, CARD_H))
        assert f"Card {grouped(card.number)}" in behind
        assert "Lost or stolen" in behind


# ---------------------------------------------------------------- command line
# In this process (conftest.py's ``cli``): the real processes are tests/test_cli.py's.


def test_command_line_prints_a_bearer_batch_and_one_card(tmp_path, cli):
    env = {"LOYALTYPOS_DB": str(tmp_path / "cli.sqlite3"), "LOYALTYPOS_PIN": MANAGER_PIN}

    def run(*args: str):
        return cli(*args, **env)

    assert run("init", "--manager", "Anna", "--shop", "Corner Books").returncode == 0
    batch = tmp_path / "bearer.pdf"
    proc = run("--json", "card", "issue", "--bearer", "--count", "12", "--pdf", str(batch),
               "--user", "Anna")
    assert proc.returncode == 0, proc.stderr
    issued = json.loads(proc.stdout)
    assert isinstance(issued, list) and len(issued) == 12  # the same list as without --pdf
    assert pdf_pages(batch) == 4  # two sheets, each with its backs
    [first_sheet] = render(batch, tmp_path, dpi=150, first=1)
    assert set(decoded(first_sheet)[QR]) == {c["number"] for c in issued[:10]}

    one = tmp_path / "one.pdf"
    proc = run("--json", "card", "print", issued[0]["number"], "--pdf", str(one))  # no --user
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"card": issued[0]["number"], "pdf": str(one), "pages": 2}
    assert "Corner Books" in page_text(one, 1)

    for args in (("2700000000007", "--pdf", str(tmp_path / "x.pdf")),
                 (issued[0]["number"], "--pdf", str(tmp_path / "no" / "x.pdf"))):
        proc = run("card", "print", *args)
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    proc = run("card", "issue", "--bearer", "--count", "5", "--pdf", str(tmp_path),
               "--user", "Anna")
    assert proc.returncode == 1 and "is a folder" in proc.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite3") as con:  # no cards for a refused PDF
        assert con.execute("select count(*) from cards").fetchone() == (12,)
