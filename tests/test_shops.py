"""Shops and tills: where each row was made, numbers and days per shop, a till that must
say which it is. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import GUARD_REFUSAL, line, personal
from sqlalchemy import select, text

from loyaltypos.db import open_database
from loyaltypos.db.models import BusinessDay, LedgerEntry, Payment, Refund, Sale
from loyaltypos.documents.z_report import render_z_text
from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused, TillUnknown
from loyaltypos.domain.scan import parse_receipt_code, receipt_code
from loyaltypos.services import days, receipts, shops
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.refunds import find_sale_id, refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


@pytest.fixture
def arbat(db, manager):
    """A second shop, Arbat, with two tills; returns a Database per till of it. The first
    till is told its name, as every till must be once a program has several."""
    db.till = "Till 1"
    shops.add_shop(db, actor=manager, name="Arbat", address=["Arbat St 1", "Moscow"],
                   first_till="Arbat 1")
    shops.add_till(db, actor=manager, name="Arbat 2", shop_id=2)
    tills = {name: open_database(db.url, till=name) for name in ("Arbat 1", "Arbat 2")}
    yield tills
    for till in tills.values():
        till.dispose()


def sell(database, cashier, price=10_000, card=None, method="cash"):
    return checkout(database, actor=cashier, sale_id=new_sale_id(), card_number=card,
                    lines=[line("Tea", 1, price)], payments=[PaymentInput(method)])


def test_an_existing_shop_is_one_shop_with_one_till_that_needs_no_name(db, cashier):
    assert shops.this_till(db).till_name == "Till 1"
    sale = sell(db, cashier)
    with db.read() as s:
        row = s.get(Sale, sale.sale_id)
        day = s.get(BusinessDay, row.day_id)
        assert (row.shop_id, row.till_id, day.shop_id) == (1, 1, 1)
        assert s.scalar(select(Payment.till_id).where(Payment.sale_id == sale.sale_id)) == 1


def test_each_shop_numbers_its_receipts_refunds_and_z_reports_from_one(
        db, manager, cashier, arbat):
    ivan = personal(db, cashier)
    first = [sell(db, cashier), sell(db, cashier)]
    a1, a2 = arbat["Arbat 1"], arbat["Arbat 2"]
    other = [sell(a1, cashier, card=ivan.number), sell(a2, cashier), sell(a1, cashier)]
    assert [s.receipt_no for s in first] == [1, 2]
    assert [s.receipt_no for s in other] == [1, 2, 3]
    with db.read() as s:
        rows = {r.id: r for r in s.scalars(select(Sale))}
        assert [(rows[x.sale_id].shop_id, rows[x.sale_id].till_id) for x in other] == \
            [(2, 2), (2, 3), (2, 2)]
        earn = s.scalar(select(LedgerEntry).where(LedgerEntry.sale_id == other[0].sale_id))
        assert earn.till_id == 2
        assert len({r.day_id for r in rows.values()}) == 2  # a day per shop

    # typed digits are this shop's receipt; the barcode names its shop and works anywhere
    assert find_sale_id(db, receipt_no=1) == first[0].sale_id
    assert find_sale_id(a2, receipt_no=1) == other[0].sale_id
    code = receipt_code(1, 2)
    assert code == "R2-1"
    assert find_sale_id(db, receipt_no=parse_receipt_code(code)) == other[0].sale_id
    assert find_sale_id(a1, receipt_no=parse_receipt_code("R1")) == first[0].sale_id

    # a sale of shop 2 refunded in shop 1: the refund is shop 1's refund 1, paid at Till 1
    back = refund(db, actor=manager, sale_id=other[0].sale_id)
    again = refund(a2, actor=manager, sale_id=other[2].sale_id)
    assert (back.refund_no, again.refund_no) == (1, 1)
    with db.read() as s:
        made = s.get(Refund, back.refund_id)
        assert (made.shop_id, made.till_id) == (1, 1)
    doc = receipts.sale_receipt(a1, sale_id=other[0].sale_id)
    assert (doc.shop, doc.header, doc.shop_id, doc.till) == (
        "Arbat", ("Arbat St 1", "Moscow"), 2, "Arbat 1")

    z_arbat = days.close_day(a2, actor=manager, counted_cash=0, refresh=False)
    assert z_arbat.z_number == 1
    assert days.day_status(db).is_open  # shop 1's day goes on
    assert days.close_day(db, actor=manager, refresh=False).z_number == 1
    assert verify(db) == []


def test_the_z_report_has_a_line_per_till(db, manager, cashier, arbat):
    a1, a2 = arbat["Arbat 1"], arbat["Arbat 2"]
    sell(a1, cashier, 10_000)
    sell(a1, cashier, 5_000, method="card")
    paid = sell(a2, cashier, 2_500)
    refund(a2, actor=manager, sale_id=paid.sale_id)
    sell(db, cashier, 99_900)  # another shop: not in Arbat's report
    z = days.close_day(a1, actor=manager, refresh=False)
    by_till = {t.till: t for t in z.tills}
    assert set(by_till) == {"Arbat 1", "Arbat 2"}
    assert (by_till["Arbat 1"].sales, by_till["Arbat 1"].paid, by_till["Arbat 1"].cash,
            by_till["Arbat 1"].card) == (2, 15_000, 10_000, 5_000)
    assert (by_till["Arbat 2"].sales, by_till["Arbat 2"].refunds,
            by_till["Arbat 2"].money_back, by_till["Arbat 2"].cash) == (1, 1, 2_500, 0)
    assert z.sales == 3 and z.expected_cash == 10_000
    assert days.z_report(a2, z_number=1).tills == z.tills  # frozen with the report


def test_several_tills_refuse_to_sell_until_told_which_they_are(db, manager, cashier, arbat):
    anonymous = open_database(db.url)
    try:
        with pytest.raises(TillUnknown, match="several tills"):
            sell(anonymous, cashier)
    finally:
        anonymous.dispose()
    with pytest.raises(TillUnknown, match="no till 'Till 9'"):
        open_database(db.url, till="Till 9").place  # noqa: B018 - the look-up is the test
    with pytest.raises(Refused, match="already"):
        shops.add_till(db, actor=manager, name="arbat 1")
    with pytest.raises(Refused, match="time zone"):
        shops.set_shop(db, actor=manager, shop_id=2, timezone="Mars/Olympus")


def test_a_shops_days_are_dated_in_its_time_zone(db, manager, cashier):
    db.till = "Till 1"
    # 11:30 UTC is already the next day on Kiritimati (UTC+14)
    shops.add_shop(db, actor=manager, name="Line Islands", timezone="Pacific/Kiritimati",
                   first_till="Kiritimati 1")
    far = open_database(db.url, till="Kiritimati 1")
    try:
        with clock.frozen_at(dt.datetime(2026, 11, 28, 11, 30)):
            sell(far, cashier)
            sold = days.day_summary(far)
            closed = days.close_day(far, actor=manager, refresh=False)
        assert sold.date == dt.date(2026, 11, 29)
        assert list(sold.hours) == ["01"]  # the hour on the shop's clock
        # the report is the shop's: its name, and its times on the shop's clock
        text = render_z_text(closed, shop="The program", currency="RUB")
        assert "Line Islands" in text and "The program" not in text
        assert "Nov 29, 2026 1:30 AM" in text
    finally:
        far.dispose()


def test_a_business_day_stays_its_shops(db, manager, cashier, arbat):
    sell(db, cashier)
    with pytest.raises(GUARD_REFUSAL, match="stays the day of its shop"), db.write() as s:
        s.execute(text("UPDATE business_days SET shop_id = 2"))
    with pytest.raises(GUARD_REFUSAL), db.write() as s:
        s.execute(text("DELETE FROM tills WHERE id = 3"))
