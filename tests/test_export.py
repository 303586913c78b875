"""The accountant's CSV export: it adds up to the day's summary, covers a range, refuses."""

import codecs
import csv
import datetime as dt
import re
from decimal import Decimal

import pytest
from conftest import line, personal, reader

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.money import parse_amount
from loyaltypos.services import cards, export
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day, day_summary
from loyaltypos.services.export import FILES
from loyaltypos.services.refunds import refund

pytestmark = pytest.mark.postgresql_too

CUR = "RUB"
AMOUNT = re.compile(r"^-?\d+\.\d\d$")
AMOUNT_COLUMNS = {
    "sales": ("subtotal", "discount", "redeemed", "paid", "cashback", "change"),
    "sale_lines": ("unit_price", "amount", "discount", "redeemed", "paid", "cashback"),
    "payments": ("amount",),
    "refunds": ("money_back", "restored", "reversed", "shortfall"),
    "ledger": ("amount",),
}


def export_range(db, **what):
    """The export as the shop's manager makes it."""
    return export.export_range(db, actor=reader(db), **what)


def _sell(db, cashier, number=None, lines=None, method="cash", tendered=None, redeem=None):
    return checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=number,
                    lines=lines or [line("Хлеб", 1, 4_500)], redeem=redeem,
                    payments=[PaymentInput(method, tendered=tendered)])


def _a_day(db, cashier, manager):
    """Card and cash sales, a redemption, an adjustment and a refund."""
    ivan = personal(db, cashier, "Иван Петров")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    cards.adjust_balance(db, actor=manager, number=ivan.number, amount=5_000,
                         reason="подарок ко дню рождения")
    first = _sell(db, cashier, ivan.number,
                  [line("Чай «Букет»", 2, 30_000), line("Сахар", "0.5", 15_000),
                   line("Пакет", 1, 500, eligible=False)], method="card", redeem=5_000)
    _sell(db, cashier, bearer.number, [line("Кофе", 1, 20_000)], tendered=50_000)
    _sell(db, cashier, None, [line("Молоко", 3, 9_900)])
    refund(db, actor=manager, sale_id=first.sale_id, items={1: Decimal(1)})
    return ivan


def _read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _total(rows, column, **where) -> int:
    return sum(parse_amount(r[column], CUR, allow_negative=True) for r in rows
               if all(r[k] == v for k, v in where.items()))


def test_export_adds_up_to_the_days_summary(db, cashier, manager, tmp_path):
    _a_day(db, cashier, manager)
    s = day_summary(db)
    done = export_range(db, start=s.date, end=s.date, folder=tmp_path / "out")
    data = {name: _read(path) for name, path in done.files.items()}

    assert set(done.files) == set(FILES)
    assert done.rows == {name: len(rows) for name, rows in data.items()}
    assert (done.rows["sales"], done.rows["sale_lines"], done.rows["refunds"]) == (3, 5, 1)

    sales = data["sales"]
    assert _total(sales, "subtotal") == s.subtotal
    assert _total(sales, "discount") == s.discount
    assert _total(sales, "redeemed") == s.redeemed
    assert _total(sales, "paid") == s.paid
    assert _total(sales, "cashback") == s.cashback_earned
    assert {r["business_date"] for r in sales} == {s.date.isoformat()}

    lines = data["sale_lines"]
    assert _total(lines, "amount") == s.subtotal
    assert _total(lines, "paid") == s.paid
    assert _total(lines, "cashback") == s.cashback_earned
    assert [r["qty"] for r in lines if r["description"] == "Сахар"] == ["0.5"]
    assert [r["eligible"] for r in lines if r["description"] == "Пакет"] == ["no"]

    payments = data["payments"]
    for method, amount in s.paid_by.items():
        assert _total(payments, "amount", method=method) == amount
    assert [r["tendered"] for r in payments if r["tendered"]] == ["500.00"]
    assert len([r for r in payments if r["refund_no"]]) == 1

    back = data["refunds"]
    assert _total(back, "money_back") == s.money_back
    assert _total(back, "restored") == s.cashback_restored
    assert _total(back, "reversed") == s.cashback_reversed
    assert back[0]["receipt_no"] == sales[0]["receipt_no"]

    ledger = data["ledger"]
    assert _total(ledger, "amount") == s.liability_change
    assert _total(ledger, "amount", kind="earn") == s.cashback_earned
    assert _total(ledger, "amount", kind="adjust") == s.adjustments
    assert [r["note"] for r in ledger if r["kind"] == "adjust"] == ["подарок ко дню рождения"]

    for name, columns in AMOUNT_COLUMNS.items():
        assert all(AMOUNT.match(r[c]) for r in data[name] for c in columns), name


def test_files_are_utf8_with_a_bom_and_a_header_row(db, cashier, manager, tmp_path):
    _a_day(db, cashier, manager)
    today = day_summary(db).date
    done = export_range(db, start=today, end=today, folder=tmp_path / "out")
    assert done.files == {n: tmp_path / "out" / f"{n}.csv" for n in FILES}
    raw = done.files["sale_lines"].read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw[len(codecs.BOM_UTF8):].startswith(b"receipt_no,line_no,description,qty,")
    assert "Чай «Букет»".encode() in raw


def test_a_range_of_two_days(db, cashier, manager, tmp_path):
    _sell(db, cashier)
    _sell(db, cashier, lines=[line("Сыр", 1, 70_000)])
    first = close_day(db, actor=manager)
    third = _sell(db, cashier, lines=[line("Масло", 1, 25_000)])
    second = day_summary(db)
    assert second.date == first.date + dt.timedelta(days=1)

    both = export_range(db, start=first.date, end=second.date, folder=tmp_path / "both")
    sales = _read(both.files["sales"])
    assert len(sales) == 3
    assert _total(sales, "subtotal") == first.subtotal + second.subtotal
    assert [r["business_date"] for r in sales] == [first.date.isoformat()] * 2 + [
        second.date.isoformat()]

    later = export_range(db, start=second.date, end=second.date + dt.timedelta(days=30),
                         folder=tmp_path / "later")
    assert later.rows["sales"] == 1
    assert _read(later.files["sales"])[0]["receipt_no"] == str(third.receipt_no)

    before = export_range(db, start=dt.date(2001, 1, 1), end=dt.date(2001, 12, 31),
                          folder=tmp_path / "none")
    assert set(before.rows.values()) == {0}
    assert _read(before.files["ledger"]) == []


def test_a_second_export_replaces_the_files_and_leaves_no_parts(db, cashier, tmp_path):
    _sell(db, cashier)
    today = day_summary(db).date
    export_range(db, start=today, end=today, folder=tmp_path / "out")
    _sell(db, cashier)
    again = export_range(db, start=today, end=today, folder=tmp_path / "out")
    assert again.rows["sales"] == len(_read(again.files["sales"])) == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{n}.csv" for n in FILES)


def test_rows_are_streamed_in_batches(db, cashier, tmp_path, monkeypatch):
    for _ in range(5):
        _sell(db, cashier)
    monkeypatch.setattr(export, "BATCH", 2)
    seen: list[tuple[str, int]] = []
    today = day_summary(db).date
    export_range(db, start=today, end=today, folder=tmp_path / "out",
                 progress=lambda name, n: seen.append((name, n)))
    assert [n for name, n in seen if name == "sales"] == [2, 4]


def test_text_that_looks_like_a_formula_is_not_run_by_excel(db, cashier, tmp_path):
    _sell(db, cashier, lines=[line("=HYPERLINK(\"x\")", 1, 100), line("-5% promo", 1, 100)])
    today = day_summary(db).date
    done = export_range(db, start=today, end=today, folder=tmp_path / "out")
    assert [r["description"] for r in _read(done.files["sale_lines"])] == [
        "'=HYPERLINK(\"x\")", "'-5% promo"]


@pytest.mark.parametrize("where, why", [
    ("a-file", "is a file, not a folder"),
    ("a-file/below", "cannot write to"),
])
def test_a_folder_that_cannot_be_written_is_refused(db, cashier, tmp_path, where, why):
    _sell(db, cashier)
    (tmp_path / "a-file").write_text("not a folder")
    today = day_summary(db).date
    with pytest.raises(Refused, match=why) as refused:
        export_range(db, start=today, end=today, folder=tmp_path / where)
    assert "\n" not in str(refused.value)


def test_a_range_that_ends_before_it_starts_is_refused(db, cashier, tmp_path):
    _sell(db, cashier)
    with pytest.raises(Refused, match="after it ends on 2026-03-01; swap the dates"):
        export_range(db, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1),
                     folder=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_semicolon_file_for_excel_with_european_settings(db, cashier, tmp_path):
    import csv as csv_module
    import datetime as dt

    from loyaltypos.domain.errors import Refused
    from loyaltypos.services.checkout import checkout, new_sale_id
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Чай; зелёный", 1, 12_345)])
    today = dt.date.today()
    export_range(db, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1),
                 folder=tmp_path, delimiter=";")
    with open(tmp_path / "sale_lines.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv_module.DictReader(f, delimiter=";"))
    assert rows[0]["description"] == "Чай; зелёный" and rows[0]["amount"] == "123.45"
    with pytest.raises(Refused, match="separator"):
        export_range(db, start=today, end=today, folder=tmp_path, delimiter="|")
