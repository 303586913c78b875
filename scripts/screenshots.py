"""Take the README's screenshots of the till on a demo shop:

    python scripts/screenshots.py DIR [--language ru] [--size 1366x768]

Run it under a real X server (xvfb-run -a) to see the window as a cashier does. With
``--language`` the screen, the demo shop and its printouts are in that language.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loyaltypos.db import open_database  # noqa: E402
from loyaltypos.documents.receipt_print import receipt_pdf  # noqa: E402
from loyaltypos.documents.z_report import z_pdf  # noqa: E402
from loyaltypos.domain.i18n import speaking  # noqa: E402
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine  # noqa: E402
from loyaltypos.domain.program import parse_program, program_text  # noqa: E402
from loyaltypos.services import (  # noqa: E402
    cards,
    checkout,
    days,
    products,
    refunds,
    shops,
    store,
    users,
)
from loyaltypos.services.demo import CASHIER_PIN, MANAGER_PIN, build_demo, demo_words  # noqa: E402
from loyaltypos.services.receipts import sale_receipt  # noqa: E402
from ui import language as ui_language  # noqa: E402
from ui.dialogs.cards import IssueCardDialog  # noqa: E402
from ui.dialogs.refund import RefundDialog  # noqa: E402
from ui.dialogs.settings import SettingsDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.ops import Change  # noqa: E402

# The demo's program with stamps: first a 150.00 bonus at every 6th purchase of 300.00 or
# more, then a latte instead; cashback lapses 30 days after it is credited, so the demo's
# first days already show an expiry notice.
STAMPS = ('\n[[reward]]\nkind = "stamps"\nevery = 6\nmin_check = 300\n{gift}\n'
          '\n[expiry]\ndays = 30\n')
BONUS_GIFT, ITEM_GIFT = 'gift = "bonus"\namount = 150', 'gift = "item"\nproduct = "CAFE-LAT"'


def settle(ms: int = 150) -> None:
    QTest.qWait(ms)


def pdf_png(pdf: bytes, path: Path, dpi: int = 150) -> None:
    """The first page of a PDF as a PNG on white, as ``pdftoppm -r 150 -png`` draws it."""
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    size = document.pagePointSize(0)
    page = document.render(0, QSize(round(size.width() / 72 * dpi),
                                    round(size.height() / 72 * dpi)))
    image = QImage(page.size(), QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.drawImage(0, 0, page)
    painter.end()
    image.save(str(path))


def rewards_shots(db, window, demo, manager, out: Path, newcomer: str) -> None:
    """The till with a card's stamps, a gift ready and an expiry notice; a receipt with a
    stamp bonus."""
    base = program_text(store.program_in_force(db))
    catalog = {p.code: p for p in products.list_products(db)}
    book = max((p for p in catalog.values() if p.eligible and p.price < 100_000),
               key=lambda p: p.price)
    coffee = catalog["CAFE-CAP"]

    def buy(number: str, *goods):
        return checkout.checkout(
            db, actor=demo.cashier, sale_id=checkout.new_sale_id(), card_number=number,
            lines=[CartLine(p.name, Decimal(1), p.price, p.eligible) for p in goods],
            payments=[checkout.PaymentInput("card")])

    store.load_program(db, actor=manager, program=parse_program(
        base + STAMPS.format(gift=BONUS_GIFT)))
    regular = demo.cards[2]
    sales = [buy(regular, book) for _n in range(5)]
    sales.append(buy(regular, book, coffee))  # the sixth: the stamp bonus
    pdf_png(receipt_pdf(sale_receipt(db, sale_id=sales[-1].sale_id)), out / "receipt-bonus.png")

    store.load_program(db, actor=manager, program=parse_program(
        base + STAMPS.format(gift=ITEM_GIFT)))
    svetlana = cards.issue_cards(db, actor=demo.cashier, kind="personal",
                                 customer=cards.CustomerInput(name=newcomer,
                                                              phone="+7 915 123-45-67")
                                 )[0].number
    for _n in range(10):  # six earn a latte, four more count towards the next
        buy(svetlana, book)
    window.ops.announce(Change.PROGRAM)
    till = window.till
    till.new_sale()
    QTest.keyClicks(till.scan, svetlana + "\r")
    QTest.keyClicks(till.scan, book.code + "\r")
    settle()
    window.grab().save(str(out / "till-rewards.png"))
    till.new_sale()


def main(out: Path, language: str | None = None, size: tuple[int, int] = (1200, 760)) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      tempfile.mkdtemp())
    if language:  # this computer speaks it: so do its users who chose no language
        os.environ["LANGUAGE"] = language
        ui_language.apply(language)
    words = demo_words()
    db = open_database(str(Path(tempfile.mkdtemp()) / "demo.sqlite3"))
    demo = build_demo(db)
    window = MainWindow(db)
    window.resize(*size)
    window.show()
    settle()
    window.signin.user.setCurrentText(words.cashier)
    window.grab().save(str(out / "sign-in.png"))
    QTest.keyClicks(window.signin.pin, CASHIER_PIN + "\r")
    settle()

    till = window.till
    catalog = products.list_products(db)
    QTest.keyClicks(till.scan, demo.cards[4] + "\r")  # a sale just paid: its receipt shows
    for code in (catalog[3].code, "CAFE-LAT"):
        QTest.keyClicks(till.scan, code + "\r")
    till.pay_card()
    QTest.keyClicks(till.scan, demo.cards[1] + "\r")
    for code in (catalog[0].code, "2*" + catalog[5].code, catalog[12].code, "CAFE-ESP"):
        QTest.keyClicks(till.scan, code + "\r")
    till.sale.redeem = REDEEM_MAX
    till.redraw()
    till.cart.selectRow(1)
    settle()
    window.grab().save(str(out / "till.png"))

    manager = users.sign_in(db, name=demo.manager.name, pin=MANAGER_PIN)
    dialog = RefundDialog(window.ops, manager, till.currency, window)
    dialog.show()
    sale = refunds.recent_sales(db, card_number=demo.cards[0], limit=1)[0]
    dialog.card.setText(demo.cards[0])
    dialog._find_card()
    dialog.load_sale(sale.sale_id)
    first = refunds.sale_lines(db, sale_id=sale.sale_id)[0]
    dialog.set_return(first.line_no, f"{min(first.qty, Decimal(1)).normalize():f}")
    settle()
    dialog.grab().save(str(out / "refund.png"))
    dialog.close()

    # The printouts, in the shop's language: the receipt of the sale just paid, a Z report.
    with speaking(shops.print_language(db) or language):
        receipt = receipt_pdf(sale_receipt(db, sale_id=till.last_sale_id))
        report = z_pdf(days.z_report(db, z_number=1), shop=store.program_in_force(db).name,
                       currency=till.currency)
    pdf_png(receipt, out / "receipt.png")
    pdf_png(report, out / "z-report.png")

    window.go_to(window.day)
    settle(400)
    window.grab().save(str(out / "day.png"))
    window.go_to(window.till)

    settings = SettingsDialog(window, ops=window.ops)
    settings.show()
    settle()
    settings.grab().save(str(out / "settings.png"))
    settings.close()

    newcomer = "Светлана Иванова" if words is not demo_words("en") else "Svetlana Ivanova"
    issue = IssueCardDialog(window.ops, window)
    issue.show()
    issue.holder.name.insert(newcomer)  # QTest types ASCII only
    QTest.keyClicks(issue.holder.phone, "+7 915 123-45-67")
    QTest.keyClicks(issue.holder.birthday, "1988-03-08")
    issue.holder.consent.setChecked(True)
    settle()
    issue.grab().save(str(out / "issue-card.png"))
    issue.close()

    # A regular at the counter: the panel's step, segment and advice.
    till.new_sale()
    QTest.keyClicks(till.scan, demo.regular + "\r")
    QTest.keyClicks(till.scan, catalog[2].code + "\r")
    settle()
    window.grab().save(str(out / "till-standing.png"))
    till.new_sale()

    # The Insight window on the demo's year, a cell chosen, and a customer's profile.
    from ui.dialogs.profile import ProfileDialog, read_profile
    from ui.windows.insight import InsightWindow

    board = InsightWindow.open_for(window.ops, manager, window)
    board.resize(1280, 900)
    for _wait in range(100):
        if board.computed is not None:
            break
        settle(100)
    board.choose("AX")
    settle(400)
    board.grab().save(str(out / "insight.png"))
    found = read_profile(window.ops, demo.regular, manager)
    profile = ProfileDialog(found.profile, found.currency, found.names, window)
    profile.resize(900, 760)
    profile.show()
    settle(300)
    profile.grab().save(str(out / "profile.png"))
    profile.close()
    board.close()
    rewards_shots(db, window, demo, manager, out, newcomer)
    window.close()
    db.dispose()
    app.quit()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the README's screenshots on a demo shop")
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs")
    parser.add_argument("--language", help="the screen's and the demo's language, e.g. ru")
    parser.add_argument("--size", default="1200x760", help="the window's size, e.g. 1366x768")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    main(args.out, args.language, (width, height))
