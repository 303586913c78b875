"""`verify` catches what plain sqlite3 can do to a shop's file: a missing guard, a deleted
sale, a manual adjustment or a pinned tier without its audit line, an edited Z report."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from conftest import line, personal, snapshot

from loyaltypos.db.guards import expected_triggers
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify


@pytest.fixture
def day_of_trade(db, manager, cashier):
    """A card, two cash sales, a refund, an adjustment, a pinned tier, a closed day."""
    card = personal(db, manager, name="Tamper Target")
    for _ in range(2):
        checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                 lines=[line("Tea", 1, 55_500)], payments=[PaymentInput("cash")])
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Pen", 2, 1_000)],
                    payments=[PaymentInput("card")])
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="goodwill")
    cards.pin_tier(db, actor=manager, number=card.number, tier="Gold")
    close_day(db, actor=manager, counted_cash=111_000)
    assert verify(db) == []
    return card


def tamper(db_path, *statements: str) -> None:
    """Edit the file as someone with plain sqlite3 would: the guards dropped first."""
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        for name in sorted(expected_triggers("sqlite")):
            con.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def test_dropped_guards_are_reported(db, db_path, day_of_trade):
    tamper(db_path)
    problems = verify(db)
    assert sum("guard" in p for p in problems) == min(20, len(expected_triggers("sqlite")))


@pytest.mark.parametrize(("statements", "said"), [
    (("DELETE FROM payments WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = 1)",
      "DELETE FROM ledger_entries WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = 1)",
      "DELETE FROM sale_lines WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = 1)",
      "DELETE FROM sales WHERE receipt_no = 1"), "receipt numbers run from 2 to 3"),
    (("DELETE FROM audit_log WHERE action = 'card_adjust'",), "1 manual adjustments but 0"),
    (("DELETE FROM audit_log WHERE action = 'card_pin_tier'",), "pinned to a tier without"),
    (("DELETE FROM audit_log WHERE action = 'refund'",), "1 refunds but 0 audit lines"),
    (("DELETE FROM audit_log WHERE action = 'day_close'",), "closed without an audit line"),
    (("INSERT INTO ledger_entries (card_id, kind, amount, day_id, user_id, created_at, note)"
      " SELECT card_id, 'adjust', 50000, day_id, user_id, created_at, 'x'"
      " FROM ledger_entries WHERE kind = 'adjust'",
      "UPDATE cards SET balance = balance + 50000 WHERE pinned_tier IS NOT NULL"),
     "2 manual adjustments but 1"),
])
def test_each_edit_is_reported(db, db_path, day_of_trade, statements, said):
    tamper(db_path, *statements)
    problems = [p for p in verify(db) if "guard" not in p]
    assert any(said in p for p in problems), problems


def test_an_edited_z_report_is_reported(db, db_path, day_of_trade):
    con = sqlite3.connect(db_path)
    (frozen,) = con.execute("SELECT z_report FROM business_days WHERE z_number = 1").fetchone()
    con.close()
    report = json.loads(frozen)
    report["paid"] -= 50_000  # a cash sale skimmed from the frozen report
    edited = json.dumps(report).replace("'", "''")
    tamper(db_path, f"UPDATE business_days SET z_report = '{edited}' WHERE z_number = 1")
    problems = [p for p in verify(db) if "guard" not in p]
    assert any("the Z report says" in p for p in problems), problems


def test_no_sale_on_a_database_whose_guards_are_gone(db_path, shop, cashier):
    from loyaltypos.db import open_database
    from loyaltypos.domain.errors import GuardsMissing

    tamper(db_path)  # the triggers dropped while the till was closed
    till = open_database(str(db_path))
    try:
        before = snapshot(till)
        lost = len(expected_triggers("sqlite"))
        with pytest.raises(GuardsMissing, match=f"lost {lost} of its guards"):
            checkout(till, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)],
                     payments=[PaymentInput("card")])
        assert snapshot(till) == before
    finally:
        till.dispose()
