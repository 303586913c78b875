"""The till driven as a cashier drives it: scanner bursts, F-keys, dialogs (offscreen Qt)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, card_now, personal, reader
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from uitools import BOOK, TEA, button, field, on_dialog, press, text

from loyaltypos.services import cards, products
from loyaltypos.services.days import day_summary
from loyaltypos.services.refunds import recent_sales

pytest_plugins = ["uitools"]  # the till fixtures
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]

def test_a_cashier_sells_to_a_card_from_scan_to_receipt(qtbot, db, manager, till):
    card = personal(db, manager, name="Ivan Petrov")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=50_000, reason="gift")
    t = till.till
    # a scanner types digits and Return into whatever has focus on the till
    qtbot.keyClicks(t.scan, card.number + "\r")
    qtbot.keyClicks(t.scan, TEA + "\r")
    t.cart.setFocus()  # focus elsewhere on the till: the burst still lands in the scan
    qtbot.keyClicks(t.cart, "2*" + BOOK + "\r")
    assert "Ivan Petrov" in t.customer.headline.text()
    assert t.cart.rowCount() == 2, t.message.text() + "|" + t.scan.text()
    assert t.cart.item(1, 1).text() == "2"
    # Simple tier: no discount in the test program, 5 % cashback; 250 + 2 x 1000
    assert text(t, "subtotalValue") == "RUB\u00a02,250.00"
    assert text(t, "totalValue") == "RUB\u00a02,250.00"

    on_dialog(qtbot, lambda d: button(d, "redeemMax").click())
    press(qtbot, t.window(), Qt.Key.Key_F6)
    assert text(t, "redeemedValue") == "-RUB\u00a0500.00"
    assert text(t, "totalValue") == "RUB\u00a01,750.00"

    def pay(dialog):
        field(dialog, "cashTendered").setText("2000")
        assert dialog.change.text() == "RUB\u00a0250.00"
        qtbot.keyClick(field(dialog, "cashTendered"), Qt.Key.Key_Return)
    on_dialog(qtbot, pay)
    press(qtbot, t.window(), Qt.Key.Key_F9)

    assert "Receipt 1" in t.receipt.toPlainText(), t.message.text()
    assert "change RUB\u00a0250.00" in t.last_paid.text()
    assert t.cart.rowCount() == 0 and t.sale.card is None  # a new sale
    qtbot.waitUntil(lambda: QApplication.focusWidget() is t.scan)  # ready for the next scan
    sale = recent_sales(db)[0]
    assert (sale.receipt_no, sale.subtotal, sale.paid) == (1, 225_000, 175_000)
    after = card_now(db, card.number)
    assert after.balance == 50_000 - 50_000 + 8_750  # 5 % of the 1750.00 paid


def test_a_blocked_card_is_refused_in_red_with_the_reason(qtbot, db, manager, till):
    card = personal(db, manager, name="Lost Card")
    cards.block_card(db, actor=manager, number=card.number, reason="stolen")
    qtbot.keyClicks(till.till.scan, card.number + "\r")
    assert "blocked" in till.till.customer.warning.text()
    assert till.till.sale.card is None


def test_a_wrong_check_digit_says_scan_again_and_changes_nothing(qtbot, db, manager, till):
    card = personal(db, manager)
    wrong = card.number[:12] + str((int(card.number[12]) + 1) % 10)
    qtbot.keyClicks(till.till.scan, wrong + "\r")
    assert "check digit wrong, scan again" in till.till.message.text()
    assert till.till.sale.card is None and till.till.cart.rowCount() == 0


def test_unknown_codes_say_not_found(qtbot, till):
    qtbot.keyClicks(till.till.scan, "12345\r")
    assert "Not found: 12345" in till.till.message.text()
    assert till.till.cart.rowCount() == 0


def test_plus_minus_and_delete_change_the_cart(qtbot, till):
    t = till.till
    qtbot.keyClicks(t.scan, TEA + "\r")
    qtbot.keyClicks(t.scan, "CIG-1\r")
    t.cart.setFocus()
    t.cart.selectRow(0)
    qtbot.keyClick(t.cart, Qt.Key.Key_Plus)
    assert t.sale.lines[0].qty == Decimal(2)
    assert text(t, "subtotalValue") == "RUB\u00a0700.00"
    qtbot.keyClick(t.cart, Qt.Key.Key_Delete)
    assert [ln.description for ln in t.sale.lines] == ["Cigarettes"]
    from PySide6.QtWidgets import QMessageBox

    on_dialog(qtbot, lambda box: box.button(QMessageBox.StandardButton.Yes).click(),
              QMessageBox)  # - on a quantity of 1 asks before the line goes
    qtbot.keyClick(t.cart, Qt.Key.Key_Minus)
    assert t.sale.lines == []


def test_a_refund_from_a_cashier_session_takes_a_managers_pin(qtbot, db, till):
    t = till.till
    qtbot.keyClicks(t.scan, "3*" + TEA + "\r")
    t.pay_card()
    assert "Receipt 1 paid" in t.last_paid.text()

    def manager_pin(dialog):
        qtbot.keyClicks(field(dialog, "managerPin"), MANAGER_PIN)
        dialog.accept()

    def choose_lines(dialog):
        qtbot.keyClicks(field(dialog, "refundReceipt"), "1\r")
        dialog.set_return(1, "2")
        assert "Money back RUB\u00a0500.00" in dialog.preview.text()
        dialog.confirm.click()

    from ui.dialogs.people import ManagerPinDialog
    from ui.dialogs.refund import RefundDialog

    on_dialog(qtbot, manager_pin, ManagerPinDialog)
    on_dialog(qtbot, choose_lines, RefundDialog)
    press(qtbot, t.window(), Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "Refund 1" in t.message.text())
    summary = day_summary(db)
    assert (summary.refunds, summary.money_back) == (1, 50_000)


def test_a_cashier_is_refused_a_manager_action(qtbot, db, manager, till):
    card = personal(db, manager)
    qtbot.keyClicks(till.till.scan, card.number + "\r")
    seen = []

    def wrong_pin(dialog):
        qtbot.keyClicks(field(dialog, "managerPin"), CASHIER_PIN)
        dialog.accept()  # the cashier's PIN is not a manager's
        seen.append(dialog.error.text())
        dialog.reject()

    on_dialog(qtbot, wrong_pin)
    press(qtbot, till, Qt.Key.Key_F7)
    assert seen and "wrong name or pin" in seen[0].lower()
    assert card_now(db, card.number).status == "active"


def test_a_held_pay_key_pays_once(qtbot, db, till):
    t = till.till
    started = []
    t.triggered.connect(started.append)
    qtbot.keyClicks(t.scan, TEA + "\r")
    focus = QApplication.focusWidget()
    QApplication.sendEvent(focus, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F10,
                                            Qt.KeyboardModifier.NoModifier))
    for _ in range(10):  # the key is held: the keyboard repeats it
        QApplication.sendEvent(focus, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F10,
                                                Qt.KeyboardModifier.NoModifier, "", True))
    qtbot.wait(50)
    # The repeats start nothing: not a second payment, nor a "the cart is empty" that
    # would hide the change to give.
    assert started == ["pay_card"]
    assert len(recent_sales(db)) == 1
    assert "Receipt 1 paid" in t.last_paid.text() and t.message.text() == ""


def test_issue_a_card_at_the_counter_and_sell_to_it(qtbot, db, till):
    t = till.till

    def fill(dialog):
        qtbot.keyClicks(field(dialog, "issueName"), "Olga New")
        qtbot.keyClicks(field(dialog, "issuePhone"), "+7 900 555 44 33")
        dialog.accept()

    on_dialog(qtbot, fill)
    press(qtbot, t.window(), Qt.Key.Key_F4)
    assert t.sale.card is not None and t.sale.card.holder.name == "Olga New"
    qtbot.keyClicks(t.scan, BOOK + "\r")
    t.pay_card()
    assert cards.find_cards(db, actor=reader(db), text="Olga")[0].balance == 5_000


def test_find_a_customer_by_phone_with_f3(qtbot, db, manager, till):
    card = personal(db, manager, name="Phone Person", phone="+7 912 111 22 33")

    def search(dialog):
        qtbot.keyClicks(field(dialog, "findText"), "111 22\r")
        qtbot.keyClick(field(dialog, "findText"), Qt.Key.Key_Return)

    on_dialog(qtbot, search)
    press(qtbot, till, Qt.Key.Key_F3)
    assert till.till.sale.card is not None and till.till.sale.card.number == card.number


def test_f12_locks_the_till(qtbot, till):
    qtbot.keyClick(till.till.scan, Qt.Key.Key_F12)
    assert till.stack.currentWidget() is till.signin
    assert till.ops.actor is None


def test_idle_minutes_lock_the_till(qtbot, till):
    assert till.idle_timer.isActive() and till.idle_timer.interval() == 10 * 60_000
    till.idle_timer.start(20)  # as if ten quiet minutes went by
    qtbot.waitUntil(lambda: till.stack.currentWidget() is till.signin)
    assert till.ops.actor is None


def test_a_manager_changes_a_price_in_the_catalog_screen(qtbot, db, till, tmp_path):
    from loyaltypos.services.demo import PRODUCTS_FILE

    till.go_to(till.products)
    screen = till.products
    assert screen.table.rowCount() == 3
    from loyaltypos.services.users import sign_in

    maria = sign_in(db, name="Maria", pin=MANAGER_PIN)
    till.ops.ask_manager = lambda _parent, _action: maria  # she typed her PIN in the dialog
    screen.search.setText("tea")
    screen.table.selectRow(0)
    assert screen.name.text() == "Green tea"
    screen.price.setText("275.50")
    screen.save()
    assert products.find_product(db, code=TEA).price == 27_550
    screen.import_file(str(PRODUCTS_FILE))
    assert "added" in screen.message.text()
    assert len(products.list_products(db)) > 20
    # the till sells at the new price
    till.go_to(till.till)
    qtbot.keyClicks(till.till.scan, TEA + "\r")
    assert text(till.till, "subtotalValue") == "RUB\u00a0275.50"


def test_receipts_print_on_the_thermal_printer_after_each_sale_and_again(qtbot, db, till,
                                                                        tmp_path):
    from PySide6.QtCore import QSettings

    from ui import printing

    device = tmp_path / "lp0"
    for key, value in ((printing.PRINTER_KEY, "file"), (printing.TARGET_KEY, str(device)),
                       (printing.AUTO_KEY, "true"), (printing.WIDTH_KEY, 58)):
        QSettings().setValue(key, value)
    t = till.till
    qtbot.keyClicks(t.scan, TEA + "\r")
    t.pay_card()
    qtbot.waitUntil(lambda: not till.ops.busy)  # the printer is opened off the UI thread
    qtbot.waitUntil(lambda: "Receipt 1 printed on the receipt printer" in t.message.text())
    first = device.read_bytes()
    assert b"{BR1" in first and b"\x1dV" in first[-8:]
    device.unlink()
    t.print_last()
    qtbot.waitUntil(lambda: device.exists() and not till.ops.busy)
    again = device.read_bytes()  # the file printer rewrites the device: the same receipt,
    assert b"*** COPY ***" in again and b"COPY" not in first  # marked as a copy
    assert again.count(b"\n") == first.count(b"\n") + 1  # one line more: the mark


def test_the_office_printer_path_paints_a_receipt_a_scanner_reads(qtbot, db, till, tmp_path):
    import subprocess

    import zxingcpp
    from PIL import Image
    from PySide6.QtPrintSupport import QPrinter

    from loyaltypos.documents.receipt_print import receipt_pdf
    from loyaltypos.services.receipts import sale_receipt
    from ui.printing import paint_pdf

    qtbot.keyClicks(till.till.scan, TEA + "\r")
    till.till.pay_card()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    receipt = sale_receipt(db, sale_id=till.till.last_sale_id)
    assert paint_pdf(receipt_pdf(receipt), printer) == 1
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "printed.pdf"),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == ["R1"]


def test_scanning_a_receipt_opens_its_refund(qtbot, db, till):
    t = till.till
    qtbot.keyClicks(t.scan, "2*" + TEA + "\r")
    t.pay_card()
    from loyaltypos.services.users import sign_in

    maria = sign_in(db, name="Maria", pin=MANAGER_PIN)
    till.ops.ask_manager = lambda _parent, _action: maria
    seen = []

    def refund_dialog(dialog):
        seen.append([dialog.lines.item(r, 1).text() for r in range(dialog.lines.rowCount())])
        dialog.reject()

    on_dialog(qtbot, refund_dialog)
    qtbot.keyClicks(t.scan, "R1\r")
    assert seen == [["Green tea"]]


def test_reprint_a_past_receipt_by_its_number(qtbot, db, till, tmp_path):
    from PySide6.QtCore import QSettings

    from ui import printing

    device = tmp_path / "lp0"
    QSettings().setValue(printing.PRINTER_KEY, "file")
    QSettings().setValue(printing.TARGET_KEY, str(device))
    t = till.till
    for code in (TEA, BOOK):
        qtbot.keyClicks(t.scan, code + "\r")
        t.pay_card()
    t.reprint(receipt_no=1)
    qtbot.waitUntil(lambda: "Receipt 1 printed" in t.message.text())
    assert b"{BR1" in device.read_bytes() and b"Green tea" in device.read_bytes()
    t.reprint(receipt_no=99)
    assert "No receipt number 99" in t.message.text()


def test_a_batch_of_bearer_cards_is_laid_out_off_the_ui_thread(qtbot, db, till, tmp_path):
    from ui.dialogs.card_batch import CardBatchDialog

    dialog = CardBatchDialog(till.ops, till)
    qtbot.addWidget(dialog)
    dialog.count.setValue(12)
    dialog.path.setText(str(tmp_path / "cards.pdf"))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=30_000)
    dialog.wait()
    assert dialog.written.cards == 12 and (tmp_path / "cards.pdf").stat().st_size > 10_000
    assert dialog.bar.value() == dialog.bar.maximum() > 0
    assert "Saved 12 cards" in dialog.status.text()
    assert day_summary(db).new_cards["bearer"] == 12


def test_a_new_card_prints_from_the_issue_dialog_and_scans_back(qtbot, db, till, tmp_path,
                                                                monkeypatch):
    import subprocess

    import zxingcpp
    from PIL import Image
    from PySide6.QtPrintSupport import QPrinter

    from ui import printing

    out = tmp_path / "printed-card.pdf"

    class PrintToFile:  # the person picks "print to file" in the print dialog
        def __init__(self, printer, _parent):
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(out))

        def setWindowTitle(self, _title):
            pass

        def exec(self):
            return True

    monkeypatch.setattr(printing, "QPrintDialog", PrintToFile)

    def fill(dialog):
        qtbot.keyClicks(field(dialog, "issueName"), "Printed Person")
        dialog.print_it.setChecked(True)
        dialog.accept()

    on_dialog(qtbot, fill)
    press(qtbot, till, Qt.Key.Key_F4)
    number = till.till.sale.card.number
    qtbot.waitUntil(lambda: "page(s) sent" in till.till.message.text(), timeout=20_000)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "c")], check=True)
    png = next(tmp_path.glob("c*.png"))
    assert sorted(r.text for r in zxingcpp.read_barcodes(Image.open(png))) == [number, number]


def test_a_second_pay_press_after_a_sale_keeps_the_change_in_view(qtbot, till):
    t = till.till
    qtbot.keyClicks(t.scan, TEA + "\r")

    def pay(dialog):
        dialog.amount.setText("1000")
        dialog.accept()

    on_dialog(qtbot, pay)
    press(qtbot, till, Qt.Key.Key_F9)
    assert "change RUB\u00a0750.00" in t.last_paid.text()
    press(qtbot, till, Qt.Key.Key_F10)  # pressed again, on an empty cart
    assert "cart is empty" in t.message.text()
    assert "Receipt 1 paid; change RUB\u00a0750.00" in t.last_paid.text()
    qtbot.keyClicks(t.scan, TEA + "\r")  # the next sale starts: the note has served
    assert t.last_paid.text() == ""


def test_customer_names_are_shown_as_text_never_as_markup(qtbot, db, manager, till):
    card = personal(db, manager, name="<b>Bold</b> <i>Ivan</i>")
    qtbot.keyClicks(till.till.scan, card.number + "\r")
    panel = till.till.customer
    assert "&lt;b&gt;Bold&lt;/b&gt;" in panel.headline.text()
    assert "<b>Bold" in till.till.message.text()  # plain text: shown as typed
    assert till.till.message.textFormat() == Qt.TextFormat.PlainText
