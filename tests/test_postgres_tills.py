"""Several tills on one PostgreSQL server at once (each till: its own Database, its own
connections, in its own thread): nothing lost, nothing doubled, numbers unique and
gapless. Runs only on PostgreSQL (a SQLite file has one writer by construction)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest
from conftest import MANAGER_PIN, line, personal, pg_database, snapshot
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from loyaltypos.db import SCHEMA_HEAD, open_database
from loyaltypos.db import engine as engine_module
from loyaltypos.db.backup import _server_tool
from loyaltypos.db.models import BusinessDay, Payment, Refund, Sale
from loyaltypos.domain.errors import NeedsUpgrade, Refused
from loyaltypos.services import cards, days
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.failures import explain
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

TILLS = 8


@pytest.fixture
def backend() -> str:
    return "postgresql"


def at_once(db, work: Callable[[object, int], object], tills: int = TILLS,
            open_each: bool = True) -> list:
    """Run ``work(till_db, n)`` on ``tills`` tills, released together; each result or
    exception, in till order. ``open_each``: each till opens the database after the
    start (None is passed otherwise)."""
    gate = threading.Barrier(tills)
    results: list = [None] * tills

    def till(n: int) -> None:
        own = None
        try:
            gate.wait()
            own = open_database(db.url) if open_each else None
            results[n] = work(own, n)
        except Exception as exc:  # reported to the test, which says what it expected
            results[n] = exc
        finally:
            if own is not None:
                own.dispose()

    threads = [threading.Thread(target=till, args=(n,)) for n in range(tills)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_eight_tills_selling_at_once_record_every_sale_with_gapless_receipt_numbers(
        db, manager):
    numbers = [personal(db, manager, name=f"Customer {n}").number for n in range(TILLS)]
    per_till = 25

    def sell(till_db, n):
        return [checkout(till_db, actor=manager, sale_id=new_sale_id(),
                         card_number=numbers[n], lines=[line("goods", 1, 10_000)]).receipt_no
                for _ in range(per_till)]

    results = at_once(db, sell)
    assert not [r for r in results if isinstance(r, Exception)], results
    receipts = sorted(no for till in results for no in till)
    assert receipts == list(range(1, TILLS * per_till + 1))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == TILLS * per_till
    assert verify(db) == []


def test_eight_tills_refunding_one_sale_at_once_pay_it_back_once(db, manager):
    card = personal(db, manager)
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("goods", 2, 10_000)])

    def give_back(till_db, _n):
        return refund(till_db, actor=manager, sale_id=sale.sale_id,
                      items={1: Decimal(2)}).money_back

    results = at_once(db, give_back)
    paid = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert paid == [sale.paid] and len(refused) == TILLS - 1, results
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 1
        assert s.scalar(select(func.sum(Payment.amount)).where(Payment.amount < 0)) \
            == -sale.paid
    assert verify(db) == []


def test_a_sale_never_enters_a_day_while_it_is_being_closed(db, manager):
    """Tills sell while another closes the day: every sale is in the Z report of the day
    it went into, or in the next day."""
    numbers = [personal(db, manager, name=f"Customer {n}").number for n in range(TILLS - 1)]

    def work(till_db, n):
        if n == TILLS - 1:
            return days.close_day(till_db, actor=manager, refresh=False)
        return [checkout(till_db, actor=manager, sale_id=new_sale_id(),
                         card_number=numbers[n], lines=[line("goods", 1, 10_000)]).receipt_no
                for _ in range(10)]

    results = at_once(db, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    closed = results[-1]
    with db.read() as s:
        day = s.scalar(select(BusinessDay).where(BusinessDay.z_number == closed.z_number))
        in_day = s.scalar(select(func.count()).select_from(Sale)
                          .where(Sale.day_id == day.id))
        later = s.scalar(select(func.count()).select_from(Sale)
                         .where(Sale.day_id != day.id))
    assert closed.sales == in_day  # the Z report counts every sale of its day
    assert in_day + later == (TILLS - 1) * 10
    assert days.z_report(db, z_number=closed.z_number).sales == in_day
    assert verify(db) == []


def test_tills_opening_the_next_day_at_the_same_moment_share_it(db, manager):
    numbers = [personal(db, manager, name=f"Customer {n}").number for n in range(TILLS)]
    days.close_day(db, actor=manager, refresh=False)

    def first_sale(till_db, n):
        return checkout(till_db, actor=manager, sale_id=new_sale_id(),
                        card_number=numbers[n], lines=[line("goods", 1, 10_000)])

    results = at_once(db, first_sale)
    assert not [r for r in results if isinstance(r, Exception)], results
    with db.read() as s:
        open_days = s.scalars(select(BusinessDay.id).where(BusinessDay.closed_at.is_(None)))
        assert len(list(open_days)) == 1
        assert len(set(s.scalars(select(Sale.day_id)))) == 1
    assert cards.scan_card(db, number=numbers[0]).balance > 0


def test_tills_never_migrate_a_server_and_admins_upgrading_at_once_wait_for_one(cli):
    with pg_database(None) as url:
        # four tills started at once on a new database: each is told what to run
        results = at_once(_Url(url), lambda till_db, _n: till_db.describe(), tills=4)
        assert all(isinstance(r, NeedsUpgrade) and "loyaltypos init" in str(r)
                   for r in results), results
        # four admins upgrading at once (what 'db upgrade' opens the database with): one
        # migrates, the others wait for its lock and find the schema up to date
        results = at_once(_Url(url), lambda _db, _n: open_database(url, admin=True).dispose(),
                          tills=4, open_each=False)
        assert results == [None] * 4, results
        done = cli("--json", "db", "upgrade", "--db", url)
        assert (done.returncode, done.stdout.strip()) == (0, f'{{"schema": "{SCHEMA_HEAD}"}}')
        # a till on an older schema is refused, and does not try itself
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        engine.dispose()
        refused = cli("verify", "--db", url)
        assert refused.returncode == 1
        assert "needs an upgrade (schema 0009" in refused.stderr
        assert "run 'loyaltypos db upgrade --db URL'" in refused.stderr


class _Url:
    """What at_once needs of a database: its URL."""

    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize("table", ["ledger_entries", "sales", "business_days", "cards"])
def test_truncate_is_refused_on_the_append_only_tables(db, manager, table):
    personal(db, manager)
    with pytest.raises(DBAPIError, match="append-only"), db.write() as s:
        s.execute(text(f"TRUNCATE {table} CASCADE"))
    assert verify(db) == []


def test_a_till_that_waits_too_long_for_the_lock_is_told_the_database_is_busy(
        db, manager, cli, monkeypatch):
    card = personal(db, manager)
    holder = open_database(db.url)
    try:
        with holder.write() as s:  # another till in the middle of a long write
            s.execute(text("SELECT 1"))
            done = cli("card", "adjust", card.number, "10", "--reason", "goodwill",
                       "--db", db.url, "--user", "Maria", LOYALTYPOS_PIN=MANAGER_PIN,
                       LOYALTYPOS_LOCK_TIMEOUT_S="0.5")
    finally:
        holder.dispose()
    assert done.returncode == 3
    assert "the database is busy" in done.stderr and "Nothing was saved" in done.stderr
    assert "Traceback" not in done.stderr
    assert cards.scan_card(db, number=card.number).balance == 0


def test_a_server_backup_is_a_dump_that_restores_into_a_shop_verify_finds_whole(
        db, manager, cli, tmp_path):
    card = personal(db, manager)
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("goods", 2, 10_000)])
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    target = tmp_path / "shop.dump"
    done = cli("backup", str(target), "--db", db.url, "--user", "Maria",
               LOYALTYPOS_PIN=MANAGER_PIN)
    assert done.returncode == 0, done.stderr
    assert (target.stat().st_mode & 0o777) == 0o600  # PIN hashes and customers inside
    again = cli("backup", str(target), "--db", db.url, "--user", "Maria",
                LOYALTYPOS_PIN=MANAGER_PIN)
    assert again.returncode == 1 and "already exists" in again.stderr
    with pg_database(None) as copy:
        address = make_url(copy).set(drivername="postgresql").render_as_string(
            hide_password=False)
        restored = subprocess.run([_server_tool("pg_restore"), "--no-owner",
                                   f"--dbname={address}", str(target)],
                                  capture_output=True, text=True, check=False)
        assert restored.returncode == 0, restored.stderr
        checked = cli("verify", "--db", copy)
        assert checked.returncode == 0, checked.stderr
        copy_db = open_database(copy)
        try:
            assert cards.scan_card(copy_db, number=card.number).balance == \
                cards.scan_card(db, number=card.number).balance
            # everything, but the audit line of the backup itself (written once it was made)
            assert snapshot(copy_db) == snapshot(db) | {
                "audit_log": snapshot(db)["audit_log"] - 1}
        finally:
            copy_db.dispose()


def test_a_sale_whose_commit_answer_was_lost_is_tried_again_and_recorded_once(
        db, manager, monkeypatch):
    """The server committed, then the connection broke before the till heard it: the
    retry with the same sale id finds the sale and returns it; nothing is doubled."""
    card = personal(db, manager)
    dialect = db.engine.dialect
    real_commit = dialect.do_commit
    lost = []

    def commit_then_lose_the_answer(dbapi_connection):
        real_commit(dbapi_connection)
        sold = dbapi_connection.execute("SELECT count(*) FROM sales").fetchone()[0]
        dbapi_connection.rollback()
        if sold and not lost:  # the sale's own commit
            lost.append(True)
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dialect, "do_commit", commit_then_lose_the_answer)
    monkeypatch.setattr(engine_module, "RETRY_DELAYS_S", (0.0, 0.0))
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("goods", 1, 10_000)])
    assert lost == [True] and sale.replayed  # the first recording, found again
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == 1
    assert verify(db) == []


def test_a_refund_on_a_connection_that_breaks_midway_is_tried_again_and_paid_once(
        db, manager):
    card = personal(db, manager)
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("goods", 2, 10_000)])
    killed = []

    def kill_own_backend(conn, *_args):
        # the server drops this till's connection in the middle of the refund
        if not killed and conn.get_execution_options().get("loyaltypos_write"):
            killed.append(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())
            admin = create_engine(db.url)
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed[0]})
            admin.dispose()

    event.listen(db.engine, "begin", kill_own_backend)
    try:
        done = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    finally:
        event.remove(db.engine, "begin", kill_own_backend)
    assert killed and done.money_back == sale.paid // 2
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 1
    assert verify(db) == []


def test_a_guard_refusal_on_the_server_is_said_as_the_database_refusing_the_change(
        db, manager):
    personal(db, manager)
    with pytest.raises(DBAPIError) as refused, db.write() as s:
        s.execute(text("UPDATE audit_log SET action = 'nothing'"))
    said = explain(refused.value)
    assert said.kind == "database"
    assert said.text.startswith("the database refused the change (audit_log rows are"
                                " append-only). Nothing was saved")
