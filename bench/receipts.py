"""The receipts part: one recorded sale read back and printed, as PDF and as ESC/POS.

A new shop (the default program, two receipt header lines) issues one personal card,
gives it a cashback balance, and records one sale through ``checkout.checkout`` (not
timed): 5 lines (two weighed, one not eligible for the program, one in Cyrillic), the
card, 5.00 of cashback redeemed, cash with change. Then, in this one process, ``reps``
times each:

- ``receipts.sale_receipt(db, sale_id=...)``: the receipt read back from the database;
- ``receipt_print.receipt_pdf(receipt)``: the 80 mm PDF as bytes;
- ``receipt_print.escpos_bytes(receipt)``: the bytes an 80 mm thermal printer gets.

Each iteration runs the three in that order, and read + PDF is also timed as one figure
(what the till waits for before it can show or save the receipt). The first call of each
(cold SQLAlchemy caches; for the PDF, the fonts registered) is kept apart from the figures.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from bench.cards import reportlab_accelerated
from bench.data import create_shop
from bench.measure import ms_stats
from loyaltypos.db import open_database
from loyaltypos.documents import receipt_print
from loyaltypos.domain import money
from loyaltypos.domain.pricing import CartLine
from loyaltypos.services import cards, checkout, receipts, store

RECEIPT_LINES = (
    CartLine("Coffee beans 1 kg", Decimal(1), 129_000),
    CartLine("Чай зелёный листовой", Decimal(2), 25_000),
    CartLine("Cheese (weighed)", Decimal("0.350"), 154_000),
    CartLine("Apples (weighed)", Decimal("1.275"), 17_900),
    CartLine("Cigarettes", Decimal(1), 19_900, eligible=False),
)
HEADER = ["ул. Пушкина, 10", "Tax no. 7701234567"]
BALANCE = 50_000  # 500.00 of cashback on the card before the sale
REDEEM = 500  # 5.00 of it spent on the sale
NOTE = 100_000  # cash is handed over in 1000.00 notes


def _record_sale(path: Path) -> checkout.SaleResult:
    shop = create_shop(path)
    db = open_database(str(path))
    try:
        store.set_receipt_header(db, actor=shop.manager, lines=HEADER)
        card = cards.issue_cards(db, actor=shop.manager, kind="personal",
                                 customer=cards.CustomerInput(name="Анна Каренина",
                                                              phone="+7 912 345-67-89"))[0]
        cards.adjust_balance(db, actor=shop.manager, number=card.number, amount=BALANCE,
                             reason="benchmark seed")
        due = checkout.quote(db, card_number=card.number, lines=RECEIPT_LINES,
                             redeem=REDEEM).pricing.paid
        tendered = (due // NOTE + 1) * NOTE
        sale = checkout.checkout(db, actor=shop.manager, sale_id=checkout.new_sale_id(),
                                 card_number=card.number, lines=RECEIPT_LINES, redeem=REDEEM,
                                 payments=[checkout.PaymentInput("cash", tendered=tendered)])
    finally:
        db.dispose()
    if sale.redeemed != REDEEM or sale.change <= 0:
        raise RuntimeError(f"the benchmark sale is not the intended one: {sale}")
    return sale


def measure_receipts(out: Path, *, reps: int) -> dict:
    path = out / "receipts.sqlite3"
    path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    sale = _record_sale(path)
    setup_s = time.perf_counter() - t0

    db = open_database(str(path))
    try:
        start = time.perf_counter()
        receipt = receipts.sale_receipt(db, sale_id=sale.sale_id)
        first_read = time.perf_counter() - start
        start = time.perf_counter()
        pdf = receipt_print.receipt_pdf(receipt)
        first_pdf = time.perf_counter() - start
        start = time.perf_counter()
        raw = receipt_print.escpos_bytes(receipt)
        first_escpos = time.perf_counter() - start

        reads, pdfs, escposes, combined = [], [], [], []
        for _ in range(reps):
            t_start = time.perf_counter()
            receipt = receipts.sale_receipt(db, sale_id=sale.sale_id)
            t_read = time.perf_counter()
            pdf = receipt_print.receipt_pdf(receipt)
            t_pdf = time.perf_counter()
            raw = receipt_print.escpos_bytes(receipt)
            t_escpos = time.perf_counter()
            reads.append(t_read - t_start)
            pdfs.append(t_pdf - t_read)
            escposes.append(t_escpos - t_pdf)
            combined.append(t_pdf - t_start)
    finally:
        db.dispose()

    code = receipt_print.receipt_code(sale.receipt_no).encode()
    if not pdf.startswith(b"%PDF") or b"\x1dV" not in raw[-8:] or code not in raw:
        raise RuntimeError("the receipt PDF or ESC/POS bytes are not what they should be")
    (out / "receipt.pdf").write_bytes(pdf)  # kept with --out, for a look
    return {
        "setup_s": setup_s,
        "receipt_no": sale.receipt_no,
        "lines": len(receipt.lines),
        "paid": money.fmt(sale.paid, receipt.currency),
        "change": money.fmt(sale.change, receipt.currency),
        "first_read_ms": first_read * 1000,
        "first_pdf_ms": first_pdf * 1000,
        "first_escpos_ms": first_escpos * 1000,
        "read": ms_stats(reads),
        "pdf": ms_stats(pdfs),
        "escpos": ms_stats(escposes),
        "read_pdf": ms_stats(combined),
        "pdf_kb": len(pdf) / 1024,
        "escpos_bytes": len(raw),
        "reportlab_accelerated": reportlab_accelerated(),
    }
