"""The driver-level statements of a sale (loyaltypos.db.raw): what they write reads back
through the ORM exactly as the ORM's own rows, their errors are SQLAlchemy's, and their
SQL reaches each driver in its own parameter style."""

import datetime as dt

import pytest
from conftest import line, personal
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from loyaltypos.db.models import AuditEntry, LedgerEntry, Sale
from loyaltypos.db.raw import Driver, _in_style, insert_sql
from loyaltypos.domain import clock
from loyaltypos.services import cards
from loyaltypos.services.checkout import checkout, new_sale_id


def test_a_raw_stamp_is_stored_as_the_orm_stores_one_and_reads_back_the_same(
        db, cashier, manager):
    # On a whole second: the driver alone would store "2026-11-29 09:30:00", shorter
    with clock.frozen_at(dt.datetime(2026, 11, 29, 9, 30)):
        card = personal(db, cashier)
        cards.adjust_balance(db, actor=manager, number=card.number, amount=1_000,
                             reason="goodwill")
        sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                        lines=[line("goods", 1, 10_000)])
    with db.read() as s:
        orm_text, = s.connection().exec_driver_sql(
            "SELECT created_at FROM ledger_entries WHERE kind = 'adjust'").one()
        raw_text, = s.connection().exec_driver_sql(
            "SELECT created_at FROM sales WHERE id = ?", (sale.sale_id,)).one()
        stamp = s.scalar(select(Sale.created_at).where(Sale.id == sale.sale_id))
        earn = s.scalar(select(LedgerEntry.created_at).where(LedgerEntry.kind == "earn"))
    assert raw_text == orm_text == "2026-11-29 09:30:00.000000"
    assert stamp == earn == dt.datetime(2026, 11, 29, 9, 30)


def test_a_driver_error_comes_out_as_sqlalchemys_and_the_statement_says_what_failed(
        db, cashier):
    personal(db, cashier)
    with pytest.raises(IntegrityError) as failed, db.write() as s, \
            Driver(s.connection()) as raw:
        row = {"id": 1, "user_id": cashier.user_id, "action": "again", "detail": "{}",
               "created_at": raw.stamp(dt.datetime(2026, 11, 29, 9))}
        first = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
        raw.execute(insert_sql("audit_log", row), {**row, "id": first})
    assert "INSERT INTO audit_log" in str(failed.value)


@pytest.mark.parametrize(("dialect", "written", "sent"), [
    ("sqlite", "SELECT a FROM t WHERE b = :b", "SELECT a FROM t WHERE b = :b"),
    ("postgresql", "SELECT a FROM t WHERE b = :b AND c LIKE '5%'",
     "SELECT a FROM t WHERE b = %(b)s AND c LIKE '5%%'"),
    ("postgresql", "SELECT :when::date, x FROM t", "SELECT %(when)s::date, x FROM t"),
])
def test_parameters_reach_each_driver_in_its_style(dialect, written, sent):
    assert _in_style(written, dialect) == sent
