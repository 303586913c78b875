"""Printed receipts: PDF on 80 and 58 mm rolls, ESC/POS bytes, and a barcode a scanner reads."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from conftest import PROGRAM_TOML, card_now, line, personal
from PIL import Image

from loyaltypos.documents.escpos import open_printer
from loyaltypos.documents.receipt_print import (
    escpos_bytes,
    parse_receipt_code,
    print_escpos,
    write_receipt_pdf,
)
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.program import parse_program
from loyaltypos.domain.scan import ReceiptRef, receipt_code
from loyaltypos.services import cards, products, store
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.receipts import refund_receipt, sale_receipt
from loyaltypos.services.refunds import refund

pytestmark = pytest.mark.slow


@pytest.fixture
def sale(db, manager, cashier):
    store.set_receipt_header(db, actor=manager, lines=["ул. Пушкина, 10", "Tax no. 7701234567"])
    card = personal(db, cashier, name="Анна Каренина")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=5_000, reason="gift")
    return checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("Чай зелёный", 2, 25_000), line("Lighter", 1, 9_900, False)],
                    redeem=5_000, payments=[PaymentInput("cash", tendered=100_000)])


def render(pdf: Path, tmp_path: Path) -> tuple[list[tuple[object, str]], str]:
    """Decoded codes of the first page at 200 dpi, and the page's text."""
    # Uncompressed PPM: the same pixels as PNG, without the time spent compressing them.
    subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.ppm"))
    with Image.open(page) as image:
        codes = [(r.format, r.text) for r in zxingcpp.read_barcodes(image)]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    page.unlink()
    return codes, text


@pytest.mark.parametrize("width", [80, 58])
def test_receipt_pdf_scans_back_to_its_number_and_shows_every_figure(db, sale, tmp_path,
                                                                      width):
    pdf = write_receipt_pdf(sale_receipt(db, sale_id=sale.sale_id), tmp_path / "r.pdf",
                            width_mm=width)
    codes, text = render(pdf, tmp_path)
    assert codes == [(zxingcpp.BarcodeFormat.Code128, f"R{sale.receipt_no}")]
    for expected in ("Test shop", "ул. Пушкина, 10", f"Receipt {sale.receipt_no}", "Cashier: Kolya",
                     "Чай зелёный", "2 x 250.00", "Subtotal", "Paid with cashback", "TOTAL",
                     "cash given", "change", "Card", "Анна Каренина", "Cashback earned",
                     "Cashback balance", "more to reach Ten"):
        assert expected in text, expected
    assert parse_receipt_code(codes[0][1]) == ReceiptRef(sale.receipt_no, 1)


def test_refund_receipt_says_what_was_restored_reversed_and_kept_back(db, manager, sale,
                                                                      tmp_path):
    done = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    pdf = write_receipt_pdf(refund_receipt(db, refund_no=done.refund_no), tmp_path / "f.pdf")
    _, text = render(pdf, tmp_path)
    for expected in (f"REFUND {done.refund_no}", f"of receipt {sale.receipt_no}",
                     "Manager: Maria", "MONEY BACK", "Cashback restored", "Cashback taken back"):
        assert expected in text, expected


def test_escpos_bytes_cut_print_the_barcode_and_cyrillic_in_a_code_page(db, sale):
    data = escpos_bytes(sale_receipt(db, sale_id=sale.sale_id))
    assert b"\x1dV" in data[-8:]  # GS V: the paper is cut at the end
    code = f"{{BR{sale.receipt_no}".encode()
    assert b"\x1dkI" + bytes([len(code)]) + code in data  # GS k 73: Code 128
    assert b"\x1bt\x11" in data  # ESC t 17: code page CP866 for the Cyrillic text
    assert "Чай зелёный".encode("cp866") in data


def test_a_file_printer_receives_the_bytes(db, sale, tmp_path):
    target = tmp_path / "lp0"
    device = open_printer("file", str(target))
    print_escpos(sale_receipt(db, sale_id=sale.sale_id), device, width_mm=58)
    device.close()
    assert target.read_bytes().startswith(b"\x1b")


def test_printer_settings_that_cannot_work_are_refused():
    with pytest.raises(Refused, match="printer kind"):
        open_printer("pigeon", "x")
    with pytest.raises(Refused, match=r"not reachable|not ready"):
        open_printer("usb", "not-hex")


def test_scanned_or_typed_receipt_codes():
    # A barcode says its shop ("R42" is the first shop's); typed digits mean this shop's.
    assert parse_receipt_code("R42") == ReceiptRef(42, 1)
    assert parse_receipt_code(" r42 ") == ReceiptRef(42, 1)
    assert parse_receipt_code("R3-42") == ReceiptRef(42, 3)
    assert parse_receipt_code("42") == ReceiptRef(42, None)
    assert str(parse_receipt_code("R3-42")) == "R3-42" == receipt_code(42, 3)
    assert str(parse_receipt_code("42")) == "42"
    assert parse_receipt_code("4601234567893x") is None
    assert parse_receipt_code("R-42") is None


def test_a_receipt_with_rewards_prints_the_bonus_the_stamp_and_the_gift(db, manager, cashier,
                                                                        tmp_path):
    products.save_product(db, actor=manager, code="COFFEE-1", name="Coffee", price=15_000)
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + '[[reward]]\nkind = "stamps"\nevery = 2\nmin_check = 300\n'
        'gift = "bonus"\namount = 150\n'))
    olga = personal(db, cashier, name="Olga").number
    buy = lambda *lines: checkout(db, actor=cashier, sale_id=new_sale_id(),  # noqa: E731
                                  card_number=olga, lines=list(lines))
    buy(line("Book", 1, 40_000))
    earned = buy(line("Book", 1, 40_000))
    for width in (80, 58):
        pdf = write_receipt_pdf(sale_receipt(db, sale_id=earned.sale_id),
                                tmp_path / f"bonus{width}.pdf", width_mm=width)
        _, text = render(pdf, tmp_path)
        assert "Stamp bonus" in text and "150.00" in text
        assert "Stamp 2 of 2: gift earned" in text
    data = escpos_bytes(sale_receipt(db, sale_id=earned.sale_id))
    assert b"Stamp bonus" in data and b"Stamp 2 of 2: gift earned" in data

    # an item gift handed out: a line marked GIFT at 0.00
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + '[[reward]]\nkind = "stamps"\nevery = 2\nmin_check = 300\n'
        'gift = "item"\nproduct = "COFFEE-1"\n'))
    buy(line("Book", 1, 40_000))
    buy(line("Book", 1, 40_000))
    gift = card_now(db, olga).rewards.gifts_ready[0]
    used = buy(line("Tea", 1, 10_000), gift.line())
    pdf = write_receipt_pdf(sale_receipt(db, sale_id=used.sale_id), tmp_path / "gift.pdf")
    _, text = render(pdf, tmp_path)
    assert re.search(r"GIFT Coffee +0\.00", text), text
    assert re.search(rb"GIFT Coffee +0\.00", escpos_bytes(sale_receipt(db, sale_id=used.sale_id)))


@pytest.mark.parametrize("width", [80, 58])
def test_a_russian_receipt_reads_back_in_russian_and_scans(db, sale, tmp_path, width):
    from loyaltypos.domain.i18n import _, speaking

    with speaking("ru"):
        pdf = write_receipt_pdf(sale_receipt(db, sale_id=sale.sale_id), tmp_path / "r.pdf",
                                width_mm=width)
        words = [_("TOTAL"), _("Thank you!"), _("Subtotal"),
                 _("Receipt {receipt_no}").format(receipt_no=sale.receipt_no)]
    codes, text = render(pdf, tmp_path)
    assert codes == [(zxingcpp.BarcodeFormat.Code128, f"R{sale.receipt_no}")]
    assert words[0] == "ИТОГО" and all(word in text for word in words), (words, text)
    # 2 x 250,00 and the total 509,00 less 50,00 paid with cashback, as Russian writes them
    assert "2 x 250,00" in text and "Анна Каренина" in text
    assert not any(word in text for word in ("TOTAL", "Thank you", "Subtotal", "Cashier"))


def test_a_russian_receipt_on_the_thermal_printer_is_in_its_cyrillic_code_page(db, sale):
    from loyaltypos.domain.i18n import speaking

    with speaking("ru"):
        out = escpos_bytes(sale_receipt(db, sale_id=sale.sale_id))
    assert "ИТОГО".encode("cp866") in out and "Спасибо".encode("cp866") in out
    assert b"TOTAL" not in out
