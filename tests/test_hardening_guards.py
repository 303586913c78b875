"""The append-only guards hold against what plain sqlite3 can do with them in place:
REPLACE / INSERT OR REPLACE / upsert of an existing fact, and facts with no (or no real)
business day. Migration 0005's BEFORE INSERT triggers refuse them."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from conftest import line, personal, snapshot
from sqlalchemy import create_engine

from loyaltypos.db.engine import MIGRATIONS, SCHEMA_HEAD, open_database, schema_revision
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

FACT_TABLES = ("ledger_entries", "audit_log", "sales", "sale_lines", "payments", "refunds",
               "refund_lines", "programs", "business_days")
DAY_TABLES = ("sales", "refunds", "payments", "ledger_entries")
# UNIQUE columns besides the primary key: a REPLACE colliding on one of them deletes the
# old row just the same.
UNIQUE = {"sales": ("receipt_no",), "refunds": ("refund_no",),
          "sale_lines": ("sale_id", "line_no"), "business_days": ("z_number",)}
VERBS = ("INSERT OR REPLACE", "REPLACE", "UPSERT")


@pytest.fixture
def trade(db, manager, cashier):
    """Every fact table has rows: a closed first day with a sale, then on the open day a
    card sale of 575.00 in cash (tea 555.00, two pens), a pen refunded and a +1.00
    adjustment. The tampering targets the open day, where 0002's closed-day trigger is
    no help."""
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Gum", 1, 500)])
    close_day(db, actor=manager, counted_cash=500)
    card = personal(db, manager, name="Tamper Target")
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("Tea", 1, 55_500), line("Pen", 2, 1_000)],
                    payments=[PaymentInput("cash")])
    assert sale.receipt_no == 2
    refund(db, actor=manager, sale_id=sale.sale_id, items={2: Decimal(1)})
    cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="goodwill")
    assert verify(db) == []
    return card


def plain(db_path) -> sqlite3.Connection:
    """The file as a tamperer opens it: plain sqlite3, autocommit, no pragmas set."""
    return sqlite3.connect(db_path, isolation_level=None)


def dump(db_path) -> dict[str, list[tuple]]:
    con = plain(db_path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in FACT_TABLES}
    finally:
        con.close()


def columns(con, table: str) -> list[str]:
    return [row[1] for row in con.execute(f"PRAGMA table_info({table})")]


def _stamped_on_the_open_day(table: str) -> dict[str, str]:
    """A copy moved to the open day is stamped within it (0006 refuses an earlier stamp)."""
    if table in ("sales", "refunds", "ledger_entries"):
        return {"created_at": "(SELECT opened_at FROM business_days WHERE closed_at IS NULL)"}
    return {}


def rewrite(con, verb: str, table: str, where: str, **changes) -> None:
    """Write a copy of the row ``where`` picks, with ``changes`` (SQL expressions), back
    into ``table`` by ``verb``; the copy keeps the old row's key unless a change moves it."""
    cols = columns(con, table)
    exprs = ", ".join(str(changes.get(c, c)) for c in cols)
    names = ", ".join(cols)
    select = f"SELECT {exprs} FROM {table} WHERE {where}"
    if verb == "UPSERT":
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        con.execute(f"INSERT INTO {table} ({names}) {select} "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}")
    else:
        con.execute(f"{verb} INTO {table} ({names}) {select}")


@pytest.mark.parametrize("verb", VERBS)
def test_an_adjustment_cannot_be_replaced_by_a_bigger_one(db, db_path, trade, verb):
    before, counts = dump(db_path), snapshot(db)
    con = plain(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="ledger_entries rows are facts"):
        rewrite(con, verb, "ledger_entries", "kind = 'adjust'", amount=100_000)
    con.close()
    assert dump(db_path) == before
    assert snapshot(db) == counts
    assert verify(db) == []


@pytest.mark.parametrize("verb", VERBS)
def test_a_cash_sale_cannot_be_replaced_by_a_smaller_one(db, db_path, trade, verb):
    before, counts = dump(db_path), snapshot(db)
    con = plain(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="sales rows are facts"):
        rewrite(con, verb, "sales", "receipt_no = 2", paid=500, subtotal=500)
    with pytest.raises(sqlite3.IntegrityError, match="payments rows are facts"):
        rewrite(con, verb, "payments", "amount = 57500", amount=500)
    con.close()
    assert dump(db_path) == before
    assert snapshot(db) == counts
    assert verify(db) == []


@pytest.mark.parametrize("table", FACT_TABLES)
def test_no_fact_can_be_replaced(db, db_path, trade, table):
    before = dump(db_path)
    con = plain(db_path)
    for verb in VERBS:
        with pytest.raises(sqlite3.IntegrityError, match=f"{table} rows are facts"):
            rewrite(con, verb, table, f"rowid = (SELECT max(rowid) FROM {table})")
    con.close()
    assert dump(db_path) == before


@pytest.mark.parametrize("table", sorted(UNIQUE))
def test_a_new_row_cannot_replace_one_by_its_unique_number(db, db_path, trade, table):
    """REPLACE with a fresh id but a taken receipt, refund, line or Z number deletes the
    row that held it: refused too."""
    before = dump(db_path)
    con = plain(db_path)
    (kind,) = con.execute(f"SELECT typeof(id) FROM {table} LIMIT 1").fetchone()
    fresh = "'00000000-0000-4000-8000-000000000000'" if kind == "text" else "id + 1000"
    where = "z_number IS NOT NULL" if table == "business_days" else "1"
    with pytest.raises(sqlite3.IntegrityError, match=f"{table} rows are facts"):
        rewrite(con, "INSERT OR REPLACE", table, f"{where} ORDER BY rowid DESC LIMIT 1",
                id=fresh)
    con.close()
    assert dump(db_path) == before


def _unique_moves(con, table: str) -> dict[str, str]:
    """Changes that make a copy of a row a new row: a fresh id and fresh unique numbers."""
    (kind,) = con.execute(f"SELECT typeof(id) FROM {table} LIMIT 1").fetchone()
    moves = {"id": ("'00000000-0000-4000-8000-000000000001'" if kind == "text"
                    else f"(SELECT max(id) + 1 FROM {table})")}
    for col in UNIQUE.get(table, ()):
        moves[col] = f"(SELECT max({col}) + 1 FROM {table})"
    return moves


@pytest.mark.parametrize("day", ["NULL", "999"])
@pytest.mark.parametrize("table", DAY_TABLES)
def test_a_fact_needs_a_business_day_that_exists(db, db_path, trade, table, day):
    before = dump(db_path)
    con = plain(db_path)
    moves = _unique_moves(con, table)
    with pytest.raises(sqlite3.IntegrityError, match="existing business day"):
        rewrite(con, "INSERT", table, "1 LIMIT 1", day_id=day, **moves)
    # the same copy on the open day is an ordinary insert: the guard is only the day
    rewrite(con, "INSERT", table,
            "1 LIMIT 1", day_id="(SELECT id FROM business_days WHERE closed_at IS NULL)",
            **moves, **_stamped_on_the_open_day(table))
    con.close()
    after = dump(db_path)
    assert len(after[table]) == len(before[table]) + 1


def test_the_till_still_works_with_the_guards(db, trade, manager, cashier):
    card = trade
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("Cake", 1, 2_000)], payments=[PaymentInput("card")])
    again = checkout(db, actor=cashier, sale_id=sale.sale_id, card_number=card.number,
                     lines=[line("Cake", 1, 2_000)], payments=[PaymentInput("card")])
    assert again.receipt_no == sale.receipt_no
    refund(db, actor=manager, sale_id=sale.sale_id)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=-50, reason="typo")
    cards.replace_card(db, actor=manager, number=card.number)
    summary = close_day(db, actor=manager, counted_cash=500)
    assert summary.z_number == 2
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Gum", 1, 500)])
    assert verify(db) == []


def _upgrade(path, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    if revision.startswith("-") or revision < (schema_revision(engine) or ""):
        command.downgrade(cfg, revision)
    else:
        command.upgrade(cfg, revision)
    engine.dispose()


def _triggers(path) -> set[str]:
    con = plain(path)
    try:
        return {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    finally:
        con.close()


def test_a_database_from_0004_is_upgraded_and_guarded(tmp_path, program_text):
    from loyaltypos.domain.program import parse_program
    from loyaltypos.services import store

    path = tmp_path / "old.sqlite3"
    _upgrade(path, "0004")
    at_0004 = _triggers(path)
    assert not any(n.endswith(("_no_replace", "_known_day")) for n in at_0004)

    database = open_database(str(path))
    assert schema_revision(database.engine) == SCHEMA_HEAD
    new = _triggers(path) - at_0004
    assert new >= {f"{t}_no_replace" for t in FACT_TABLES} | {f"{t}_known_day"
                                                              for t in DAY_TABLES}
    manager = store.initialise(database, manager_name="M", manager_pin="123456",
                               program=parse_program(program_text)).manager
    checkout(database, actor=manager, sale_id=new_sale_id(), lines=[line("Tea", 1, 55_500)])
    con = plain(path)
    with pytest.raises(sqlite3.IntegrityError, match="sales rows are facts"):
        rewrite(con, "REPLACE", "sales", "receipt_no = 1", paid=500)
    con.close()
    assert verify(database) == []
    database.dispose()

    _upgrade(path, "0004")
    assert _triggers(path) == at_0004
