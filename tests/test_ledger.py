"""The ledger is append-only twice over, and verify catches what went wrong."""

from decimal import Decimal

import pytest
from conftest import GUARD_REFUSAL, line
from sqlalchemy import select, text

from loyaltypos.db.models import APPEND_ONLY_TABLES, AuditEntry, LedgerEntry
from loyaltypos.domain.errors import LedgerIsAppendOnly
from loyaltypos.services import cards
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


@pytest.fixture
def card_with_history(db, manager):
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Ledger"))[0]
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("x", 2, 100_000)])
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    return card


def test_the_orm_refuses_to_change_or_delete_a_ledger_entry(db, card_with_history):
    with pytest.raises(LedgerIsAppendOnly), db.write() as s:
        s.scalars(select(LedgerEntry)).first().amount = 1
    with pytest.raises(LedgerIsAppendOnly), db.write() as s:
        s.delete(s.scalars(select(LedgerEntry)).first())
    with pytest.raises(LedgerIsAppendOnly), db.write() as s:
        s.scalars(select(AuditEntry)).first().action = "nothing"


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_database_refuses_update_and_delete_of_facts(db, card_with_history, manager,
                                                          table):
    from loyaltypos.services.nps import record_response

    record_response(db, actor=manager, score=9, card_number=card_with_history.number)
    other = cards.issue_cards(db, actor=manager, kind="personal",
                              customer=cards.CustomerInput(name="Friend"))[0]
    with db.write() as s:  # one row in each table filled by services still to come
        s.execute(text(
            "INSERT INTO history_imports (sha256, file_name, rows, user_id, created_at)"
            " VALUES ('ab', 'old.csv', 1, :u, '2026-01-01')"), {"u": manager.user_id})
        s.execute(text(
            "INSERT INTO imported_purchases (import_id, line_no, card_id, business_date,"
            " amount) SELECT 1, 2, id, '2025-12-01', 500 FROM cards WHERE number = :n"),
            {"n": card_with_history.number})
        s.execute(text(
            "INSERT INTO referrals (card_id, referrer_card_id, user_id, created_at)"
            " SELECT a.id, b.id, :u, '2026-01-01' FROM cards a, cards b"
            " WHERE a.number = :new AND b.number = :old"),
            {"u": manager.user_id, "new": other.number, "old": card_with_history.number})
        s.execute(text(
            "INSERT INTO gifts (sale_id, card_id, lineage_id, kind, description, value, day_id,"
            " created_at) SELECT id, card_id, card_id, 'bonus', 'stamp bonus', 100, day_id,"
            " created_at FROM sales WHERE card_id IS NOT NULL LIMIT 1"))
    with pytest.raises(GUARD_REFUSAL, match="append-only"), db.write() as s:
        s.execute(text(f"UPDATE {table} SET id = id"))
    with pytest.raises(GUARD_REFUSAL, match="append-only"), db.write() as s:
        s.execute(text(f"DELETE FROM {table}"))


def test_balance_is_the_sum_of_entries_and_verify_catches_a_tampered_cache(db,
                                                                           card_with_history):
    assert verify(db) == []
    with db.write() as s:
        s.execute(text("UPDATE cards SET balance = balance + 1"))
    problems = verify(db)
    assert any("cached balance" in p for p in problems)


def test_verify_catches_a_negative_balance_and_a_wrong_spend(db, card_with_history):
    with db.write() as s:
        s.execute(text("UPDATE cards SET balance = -5, spend = spend + 7"))
    problems = verify(db)
    assert any("negative balance" in p for p in problems)
    assert any("cached spend" in p for p in problems)


def test_verify_catches_an_entry_written_behind_the_services_back(db, card_with_history):
    with db.write() as s:
        s.execute(text(
            "INSERT INTO ledger_entries (card_id, kind, amount, created_at, day_id, till_id) "
            "SELECT id, 'earn', -3, '2999-01-01', (SELECT max(id) FROM business_days), 1 "
            "FROM cards"))
    problems = verify(db)
    assert any("kind earn with amount -3" in p for p in problems)
    assert any("cached balance" in p for p in problems)
