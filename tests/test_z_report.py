"""The Z report on paper: its figures are the day's summary, found by number, on A4 and a roll."""

import re
import subprocess
from decimal import Decimal

import pytest
from conftest import card_now, line, personal
from sqlalchemy import event

from loyaltypos.documents.z_report import render_z_text, write_z_pdf, z_escpos_bytes
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import date_text
from loyaltypos.domain.money import fmt_amount
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day, day_summary, liability_history, z_report
from loyaltypos.services.refunds import refund

pytestmark = pytest.mark.postgresql_too

CUR = "RUB"
SHOP = "Лавка «У дома»"


def _sell(db, cashier, number=None, lines=None, method="cash", redeem=None):
    return checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=number,
                    lines=lines or [line("Хлеб", 1, 4_500)], redeem=redeem,
                    payments=[PaymentInput(method)])


def _closed_day(db, cashier, manager):
    """Card and cashless sales, a refund, the drawer counted 1.50 short; returns the Z."""
    ivan = personal(db, cashier, "Иван Петров")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    cards.adjust_balance(db, actor=manager, number=ivan.number, amount=5_000, reason="gift")
    first = _sell(db, cashier, ivan.number, [line("Чай", 2, 30_000), line("Сахар", 1, 15_000)],
                  method="card", redeem=5_000)
    _sell(db, cashier, bearer.number, [line("Кофе", 1, 20_000)])
    _sell(db, cashier, None, [line("Хлеб", 3, 4_000)], method="card")
    _sell(db, cashier, None, [line("Молоко", 1, 9_900)])
    refund(db, actor=manager, sale_id=first.sale_id, items={1: Decimal(1)})
    expected = day_summary(db).expected_cash
    return close_day(db, actor=manager, counted_cash=expected - 150)


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _shown(text: str, label: str) -> str:
    # money as English writes it: "RUB 1,113.00", "-RUB 1.50"
    found = re.search(rf"{re.escape(label)}\s+(-?){CUR}\s(\d[\d,]*\.\d\d)", text)
    assert found, f"'{label}' with an amount is not on the page"
    return found.group(1) + found.group(2)


def test_z_pdf_totals_are_the_days_summary(db, cashier, manager, tmp_path):
    z = _closed_day(db, cashier, manager)
    path = write_z_pdf(z, tmp_path / "z.pdf", shop=SHOP, currency=CUR)
    text = _pdf_text(path)

    assert "Z report 1" in text and SHOP in text
    assert re.search(rf"Business day\s+{re.escape(date_text(z.date))}", text)
    assert "X report" not in text
    assert re.search(rf"Number of sales\s+{z.sales}\b", text)
    assert re.search(rf"Number of refunds\s+{z.refunds}\b", text)
    expected = {
        "Subtotal": z.subtotal, "Discounts": z.discount, "Net sales": z.subtotal - z.discount,
        "Cashback redeemed": z.redeemed, "Money taken": z.paid,
        "Money back (refunds)": z.money_back, "Average check": z.average_check,
        "Cash": z.paid_by["cash"], "Card": z.paid_by["card"],
        "Total money": z.paid - z.money_back,
        "Cashback earned": z.cashback_earned, "Restored by refunds": z.cashback_restored,
        "Reversed by refunds": z.cashback_reversed, "Adjustments": z.adjustments,
        "Change in outstanding": z.liability_change,
        "Outstanding cashback": z.liability_total,
        "Expected cash": z.expected_cash, "Counted cash": z.counted_cash,
        "Difference": z.cash_difference,
    }
    shown = {label: _shown(text, label) for label in expected}
    assert shown == {label: fmt_amount(units, CUR) for label, units in expected.items()}
    assert z.cash_difference == -150 and "-RUB 1.50 short" in text
    assert re.search(r"Personal\s+1\b", text) and re.search(r"Bearer\s+1\b", text)
    for name, tier in z.tiers.items():
        assert re.search(rf"{name}\s+{tier.sales}\s+{fmt_amount(tier.subtotal, CUR)}\s+"
                         rf"{fmt_amount(tier.discount, CUR)}", text), name
    for hour, net in z.hours.items():
        assert re.search(rf"{hour}:00–\d\d:00\s+{fmt_amount(net, CUR)}", text), hour
    assert sum(z.hours.values()) == z.subtotal - z.discount
    top = z.top_customers[0]
    # printed reports show only the last four digits: a bearer number is worth money
    assert re.search(rf"•+{top.card[-4:]}\s+Иван Петров\s+{fmt_amount(top.paid, CUR)}", text)
    assert top.card not in text


def test_an_open_day_prints_as_an_x_report(db, cashier, tmp_path):
    _sell(db, cashier)
    x = day_summary(db)
    text = _pdf_text(write_z_pdf(x, tmp_path / "x.pdf", shop=SHOP, currency=CUR))
    assert "X report (day still open)" in text and "Z report" not in text
    assert "not counted" in text
    assert _shown(text, "Money taken") == fmt_amount(x.paid, CUR)


def test_z_report_by_number_is_the_frozen_copy(db, cashier, manager):
    z = _closed_day(db, cashier, manager)
    _sell(db, cashier)  # the next day: the Z report does not move
    assert z_report(db, z_number=1) == z


def test_an_unknown_z_number_is_refused(db, cashier, manager):
    with pytest.raises(Refused, match="no Z report 1; no day has been closed yet"):
        z_report(db, z_number=1)
    _closed_day(db, cashier, manager)
    with pytest.raises(Refused, match="no Z report 7; the last is Z 1"):
        z_report(db, z_number=7)


def test_liability_history_is_each_days_outstanding_cashback(db, cashier, manager):
    ivan = personal(db, cashier)
    _sell(db, cashier, ivan.number, [line("a", 1, 100_000)])
    close_day(db, actor=manager)
    cards.adjust_balance(db, actor=manager, number=ivan.number, amount=2_500, reason="gift")
    _sell(db, cashier, ivan.number, [line("b", 1, 40_000)])
    close_day(db, actor=manager)
    _sell(db, cashier, ivan.number, [line("c", 1, 10_000)], redeem=3_000)  # the open day

    statements: list[str] = []

    def record(_conn, _cursor, sql, *_args) -> None:
        statements.append(sql)

    event.listen(db.engine, "before_cursor_execute", record)
    history = liability_history(db)
    event.remove(db.engine, "before_cursor_execute", record)
    assert any("business_days" in sql for sql in statements)
    assert not any("ledger_entries" in sql for sql in statements)

    dates = [d for d, _ in history]
    assert len(history) == 3 and dates == sorted(dates)
    assert [total for _, total in history] == [
        day_summary(db, date=d).liability_total for d in dates]
    assert len({total for _, total in history}) == 3  # the days differ: the test can fail
    assert history[-1][1] == card_now(db, ivan.number).balance
    assert liability_history(db, days=2) == history[1:]
    with pytest.raises(Refused):
        liability_history(db, days=0)


def test_escpos_report_has_the_z_number_and_a_cut(db, cashier, manager):
    z = _closed_day(db, cashier, manager)
    out = z_escpos_bytes(z, shop=SHOP, currency=CUR)
    assert b"Z REPORT 1" in out
    assert out.endswith(b"\x1dV\x00")  # GS V 0: cut the paper
    assert fmt_amount(z.paid, CUR).encode() in out


def test_thermal_text_fits_a_58_mm_roll(db, cashier, manager):
    z = _closed_day(db, cashier, manager)
    text = render_z_text(z, shop=SHOP, currency=CUR, width=32)
    assert all(len(row) <= 32 for row in text.splitlines())
    assert re.search(rf"Money taken\s+{fmt_amount(z.paid, CUR)}", text)
    assert re.search(rf"Difference\s+{fmt_amount(z.cash_difference, CUR)} short", text)


@pytest.mark.parametrize("where, why", [
    ("folder", "is a folder"),
    ("missing/z.pdf", "there is no folder"),
    ("a-file/z.pdf", "cannot write"),
])
def test_a_pdf_path_that_cannot_be_written_is_refused(db, cashier, tmp_path, where, why):
    _sell(db, cashier)
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(Refused, match=why) as refused:
        write_z_pdf(day_summary(db), tmp_path / where, shop=SHOP, currency=CUR)
    assert "\n" not in str(refused.value)
    assert not list(tmp_path.rglob("*.pdf*"))  # no file, not even a half-written one


def test_a_russian_z_report_reads_back_in_russian(db, cashier, manager, tmp_path):
    from loyaltypos.domain.i18n import _, speaking

    z = _closed_day(db, cashier, manager)
    with speaking("ru"):
        path = write_z_pdf(z, tmp_path / "z.pdf", shop=SHOP, currency=CUR)
        slip = render_z_text(z, shop=SHOP, currency=CUR, width=32)
        paid, words = fmt_amount(z.paid, CUR), [_("Money taken"), _("Counted cash")]
    text = _pdf_text(path)
    assert "Z-отчёт 1" in text and date_text_ru(z.date) in text
    assert all(word in text for word in words)
    assert paid.replace("\u00a0", " ") in text.replace("\u00a0", " ")
    assert paid.replace("\u00a0", " ") in slip and all(len(row) <= 32 for row in slip.splitlines())
    for english in ("Z report", "Money taken", "Business day", "Counted cash"):
        assert english not in text and english not in slip


def date_text_ru(day) -> str:
    return day.strftime("%d.%m.%Y")
