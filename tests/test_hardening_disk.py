"""A database that cannot be written (opened read-only) or a disk that fills up in the
middle of a write: the command line exits 3 with one line and no traceback, the
services raise what ``explain`` calls a database failure, and nothing of the write
is left behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import MANAGER_PIN, line, personal, snapshot
from sqlalchemy import event

import loyaltypos.db
from loyaltypos.db import Database, open_database
from loyaltypos.services import cards, checkout
from loyaltypos.services.failures import explain
from loyaltypos.services.verify import verify

# Long descriptions: the sale's lines need new pages of the database file, so a full
# disk stops the sale after its first rows are written.
ITEMS = [arg for i in range(40) for arg in ("--item", f"Notebook {i} " + "squared " * 20,
                                            "1", "100")]


def dump(path: Path) -> list[str]:
    """Every row and every table of the file, as SQL."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def read_only_url(path: Path) -> str:
    # We run as root, so file permissions do not stop a write; SQLite's own mode does.
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def disk_full_after_this(engine) -> None:
    """Every connection of ``engine`` may only use the pages the file has now: the next
    write that needs a new one fails with SQLITE_FULL, as on a full disk."""
    def no_new_pages(dbapi_conn, _record, _proxy):
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages}")
        cur.close()

    event.listen(engine, "checkout", no_new_pages)


def packed(path: Path) -> None:
    """No free pages left inside the file, so a write that needs room must grow it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.fixture
def cli_on_a_full_disk(cli):
    """``cli`` for one run whose database may not grow by a page (the tests' own database,
    and later runs, may)."""
    real_open = loyaltypos.db.open_database

    def opened_on_a_full_disk(*args, **kwargs) -> Database:
        database = real_open(*args, **kwargs)
        disk_full_after_this(database.engine)
        return database

    def run(*args: str, **env: str | None):
        with pytest.MonkeyPatch.context() as m:
            m.setattr(loyaltypos.db, "open_database", opened_on_a_full_disk)
            return cli(*args, **env)

    return run


def verified_by_the_command_line(cli, db_path: Path) -> None:
    checked = cli("verify", LOYALTYPOS_DB=str(db_path))
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "ledger ok\n", "")


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# ---------------------------------------------------------------- read-only


def test_a_sale_on_a_read_only_database_exits_3_in_one_line(db, db_path, manager, cli):
    number = personal(db, manager).number
    before, rows = snapshot(db), dump(db_path)
    done = cli("sale", "--card", number, "--item", "Pen", "2", "500", "--pay", "cash:1000",
               "--user", manager.name, LOYALTYPOS_DB=read_only_url(db_path),
               LOYALTYPOS_PIN=MANAGER_PIN)
    assert (done.returncode, done.stdout) == (3, "")
    assert one_line(done.stderr) == (
        "loyaltypos: the database can only be read here (attempt to write a readonly"
        " database). Nothing was saved; check the file's permissions or the disk, then try"
        " again")
    assert snapshot(db) == before and dump(db_path) == rows


def test_a_checkout_on_a_read_only_database_is_a_database_failure(db, db_path, manager):
    number = personal(db, manager).number
    before = snapshot(db)
    read_only = open_database(read_only_url(db_path), create=False)
    try:
        with pytest.raises(Exception) as failed:
            checkout.checkout(read_only, actor=manager, sale_id=checkout.new_sale_id(),
                              card_number=number, lines=[line("Pen", 2, 500)])
    finally:
        read_only.dispose()
    failure = explain(failed.value)
    assert failure is not None and failure.kind == "database", failed.value
    assert "readonly" in failure.text and "Nothing was saved" in failure.text
    assert snapshot(db) == before


# ---------------------------------------------------------------- a full disk


def test_a_sale_with_a_card_on_a_full_disk_exits_3_and_leaves_nothing(
        db, db_path, manager, cli, cli_on_a_full_disk):
    number = personal(db, manager).number
    packed(db_path)
    before, rows = snapshot(db), dump(db_path)
    done = cli_on_a_full_disk("sale", "--card", number, *ITEMS, "--user", manager.name,
                              LOYALTYPOS_DB=str(db_path), LOYALTYPOS_PIN=MANAGER_PIN)
    assert (done.returncode, done.stdout) == (3, "")
    assert one_line(done.stderr) == (
        "loyaltypos: the disk is full (database or disk is full). Nothing was saved; free"
        " some space on the disk that holds the database, then try again")
    assert snapshot(db) == before and dump(db_path) == rows
    verified_by_the_command_line(cli, db_path)


def test_a_batch_of_cards_on_a_full_disk_exits_3_and_verify_is_ok(
        db, db_path, manager, cli, cli_on_a_full_disk):
    personal(db, manager)
    packed(db_path)
    before, rows = snapshot(db), dump(db_path)
    done = cli_on_a_full_disk("card", "issue", "--bearer", "--count", "300", "--user",
                              manager.name, LOYALTYPOS_DB=str(db_path),
                              LOYALTYPOS_PIN=MANAGER_PIN)
    assert (done.returncode, done.stdout) == (3, "")
    assert "database or disk is full" in one_line(done.stderr)
    assert snapshot(db) == before and dump(db_path) == rows
    verified_by_the_command_line(cli, db_path)


def test_a_checkout_that_fills_the_disk_is_a_database_failure(db, db_path, manager):
    number = personal(db, manager).number
    packed(db_path)
    before = snapshot(db)
    full = open_database(str(db_path), create=False)
    disk_full_after_this(full.engine)
    lines = [line(f"Notebook {i} " + "squared " * 20, 1, 100) for i in range(40)]
    try:
        with pytest.raises(Exception) as failed:
            checkout.checkout(full, actor=manager, sale_id=checkout.new_sale_id(),
                              card_number=number, lines=lines)
        with pytest.raises(Exception) as batch_failed:
            cards.issue_cards(full, actor=manager, kind="bearer", count=300)
    finally:
        full.dispose()
    for exc in (failed.value, batch_failed.value):
        failure = explain(exc)
        assert failure is not None and failure.kind == "database", exc
        assert "full" in failure.text
    assert snapshot(db) == before
    assert verify(db) == []
    # without the limit, the same sale goes through
    done = checkout.checkout(db, actor=manager, sale_id=checkout.new_sale_id(),
                             card_number=number, lines=lines)
    assert done.receipt_no > 0
