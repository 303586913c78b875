"""The one place that sets up the database engine, and says what a database failure is.

SQLite gets WAL, ``synchronous=FULL`` (a committed sale survives a power cut),
foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for every write
transaction, so two tills on one file queue up instead of both reading a
balance and both spending it. PostgreSQL gets the same queue from a
transaction-level advisory lock that every write transaction takes first, a lock
timeout, and migrations run by an admin under a session-level advisory lock.
Transient server failures are tried again with the same work (:func:`retrying`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from loyaltypos.db.guards import missing_triggers, refuse_changed_facts
from loyaltypos.db.places import ENV_TILL, Place, find_place
from loyaltypos.domain.errors import NeedsUpgrade, NoDatabase
from loyaltypos.domain.i18n import _

log = logging.getLogger(__name__)
T = TypeVar("T")

ENV_DB = "LOYALTYPOS_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 15_000
# The newest migration. Checked against Alembic's own idea of the head by a test, so
# opening an up-to-date database needs no Alembic import at all.
SCHEMA_HEAD = "0014"


def default_db_path() -> Path:
    return Path(user_data_dir("loyaltypos", appauthor=False)) / "loyaltypos.sqlite3"


def database_url(db: str | None = None, *, create: bool = True) -> str:
    """A SQLAlchemy URL from ``--db``, ``LOYALTYPOS_DB`` or the user's data folder.

    Without ``create`` a SQLite file that does not exist is refused, and no folder is
    made: a mistyped path must not leave an empty shop behind.
    """
    target = db or os.environ.get(ENV_DB) or str(default_db_path())
    if "://" in target:
        return target
    path = Path(target).expanduser().resolve()
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise NoDatabase(_("there is no database at {path}; check --db or LOYALTYPOS_DB, or"
                           " set up a new shop there with 'loyaltypos init'").format(path=path))
    return f"sqlite:///{path}"


_CHANGES_AT_BEGIN = "loyaltypos_changes_at_begin"


def transaction_wrote(conn: Connection) -> bool:
    """Whether the transaction of ``conn`` has written anything yet (what it wrote may
    still be rolled back, so nothing read from it is kept beyond it)."""
    if conn.dialect.name == "sqlite":
        return conn.connection.dbapi_connection.total_changes != conn.info.get(
            _CHANGES_AT_BEGIN)
    return conn.exec_driver_sql("SELECT txid_current_if_assigned() IS NOT NULL").scalar()


# PostgreSQL: every write transaction takes this transaction-level advisory lock first,
# as SQLite's BEGIN IMMEDIATE takes the file's write lock: the writes of all tills are
# serialised, so receipt, refund and Z numbers (max + 1 under the lock), what is left of a
# sale to refund, the day a sale goes into and the day being closed are each decided by
# one transaction at a time. Reads never wait for it. (docs/RULES-DECISIONS.md, "Several
# tills on one server")
WRITE_LOCK_KEY = 0x4C6F79616C7479  # "Loyalty"
# A write that waits longer than this for the lock fails, and the person is told the
# database is busy (nothing saved, try again); LOYALTYPOS_LOCK_TIMEOUT_S sets it.
ENV_LOCK_TIMEOUT = "LOYALTYPOS_LOCK_TIMEOUT_S"
DEFAULT_LOCK_TIMEOUT_S = 15


def _lock_timeout_ms() -> int:
    raw = os.environ.get(ENV_LOCK_TIMEOUT, "")
    try:
        seconds = float(raw) if raw else DEFAULT_LOCK_TIMEOUT_S
    except ValueError:
        seconds = DEFAULT_LOCK_TIMEOUT_S
    return max(1, int(seconds * 1000)) if seconds > 0 else DEFAULT_LOCK_TIMEOUT_S * 1000


# Failures worth trying again with the same ids: the server went away or restarted, a
# serialisation failure or a deadlock. A lock timeout is not among them (the write
# waited its time already) and neither is anything SQLite says (its busy timeout waits).
_TRANSIENT_STATES = ("40001", "40P01", "57P01", "57P02", "57P03")
RETRY_DELAYS_S = (0.3, 0.7, 1.5, 3.0)  # about 5.5 s in all before the person is told


def is_transient(exc: BaseException) -> bool:
    """Whether a database error may pass if the same transaction is tried again."""
    if not isinstance(exc, DBAPIError) or isinstance(exc.orig, sqlite3.Error):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:  # no answer from the server at all: the connection failed or broke
        return isinstance(exc, OperationalError)
    return state in _TRANSIENT_STATES or state.startswith("08")


def retrying(work: Callable[[], T], *, delays: Sequence[float] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """``work()``, tried again after each delay (:data:`RETRY_DELAYS_S` unless given)
    while it fails transiently. ``work`` must be safe to repeat: a sale or refund whose id
    makes a second recording return the first (a commit whose answer was lost is found,
    not written twice)."""
    for delay in RETRY_DELAYS_S if delays is None else delays:
        try:
            return work()
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            log.warning("the database failed for a moment (%s); trying again in %.1f s",
                        str(exc.orig).strip().splitlines()[0] if exc.orig else exc, delay)
            sleep(delay)
    return work()


def _make_server_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)
    timeout_ms = _lock_timeout_ms()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("loyaltypos_write", False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _make_server_engine(url)

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised on every connect
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("loyaltypos_write", False)
        driver = conn.connection.dbapi_connection  # a statement without Core's overhead
        try:
            driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except driver.Error as error:  # busy past the timeout, disk full: as Core says it
            raise DBAPIError.instance("BEGIN", (), error, sqlite3.Error) from error
        conn.info[_CHANGES_AT_BEGIN] = driver.total_changes

    return engine


@dataclass
class Database:
    """An open database: an engine and two ways into it, one for reading, one for writing."""

    engine: Engine
    url: str
    till: str | None = None  # the name this till was given; None: the program's only till

    def __post_init__(self) -> None:
        info = {"database": self}  # loyaltypos.db.places.place_of finds the till from it
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._write_engine = self.engine.execution_options(loyaltypos_write=True)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False,
                                    join_transaction_mode="rollback_only", info=info)
        self._place: Place | None = None
        for maker in (self._reader, self._writer):
            event.listen(maker, "before_flush", refuse_changed_facts)
        self._guards_whole = False

    def missing_guards(self) -> set[str]:
        """The append-only triggers that are gone. Asked until they are found whole, then
        not again while this database stays open (a sale pays for one look, not one each)."""
        if self._guards_whole:
            return set()
        with self.read() as s:
            missing = missing_triggers(s)
        self._guards_whole = not missing
        return missing

    @property
    def place(self) -> Place:
        """This till's shop and till, looked up once."""
        if self._place is None:
            with self.read() as s:
                self._place = find_place(s, self.till)
        return self._place

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits at the end, rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[tuple[Connection, Session]]:
        """One write transaction on a Core connection, for a sale: no ORM session to set up
        unless the work asks for one. Yields the connection and a session bound to it (the
        session joins the connection's transaction on its first use; it commits nothing
        itself). Commits at the end, rolls back on any error."""
        with self._write_engine.begin() as conn, self._writer(bind=conn) as session:
            yield conn, session
            session.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def describe(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


MIGRATE_LOCK_KEY = WRITE_LOCK_KEY + 1


def migrate(engine: Engine) -> None:
    """Bring the schema up to date; a shop's database is upgraded, never recreated.

    On a server, under a session-level advisory lock: tills started at once on a new or
    older database wait while the first one migrates, then find the schema up to date."""
    if schema_revision(engine) == SCHEMA_HEAD:
        return
    if engine.dialect.name == "sqlite":
        _upgrade(engine)
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATE_LOCK_KEY})")
        try:
            if schema_revision(engine) != SCHEMA_HEAD:
                _upgrade(engine)
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATE_LOCK_KEY})")


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "head")


def open_database(db: str | None = None, *, upgrade: bool = True,
                  create: bool = True, admin: bool = False,
                  till: str | None = None) -> Database:
    """Open (with ``create``, make if need be) a shop's database.

    A SQLite file is brought up to date as it opens. A server's database is upgraded only
    by an admin (``admin``: ``loyaltypos init`` and ``loyaltypos db upgrade``); a till
    opening one at an older schema is refused with what to run, and never migrates it
    itself, so tills started together cannot race each other's migrations."""
    url = database_url(db, create=create)
    engine = _make_engine(url)
    if upgrade:
        if admin or engine.dialect.name == "sqlite":
            migrate(engine)
        else:
            _refuse_older(engine)
    till = till if till is not None else os.environ.get(ENV_TILL) or None
    return Database(engine=engine, url=url, till=till)


def _refuse_older(engine: Engine) -> None:
    revision = schema_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    engine.dispose()
    if revision is None:
        raise NeedsUpgrade(_("the database has no LoyaltyPOS tables yet: set it up with"
                             " 'loyaltypos init --db URL' (or 'loyaltypos db upgrade --db URL')"))
    raise NeedsUpgrade(_("the database needs an upgrade (schema {old}, this LoyaltyPOS needs"
                         " {new}): run 'loyaltypos db upgrade --db URL'").format(
        old=revision, new=SCHEMA_HEAD))
