"""Shared fixtures: a fresh SQLite file per test, a program with known tiers, users."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests speak English whatever the machine's language, unless a test asks for another
# (the command line and the app read LANGUAGE first, as gettext does).
os.environ["LANGUAGE"] = "en"

from loyaltypos.db import open_database
from loyaltypos.domain import people
from loyaltypos.domain.pricing import CartLine
from loyaltypos.domain.program import parse_program
from loyaltypos.services import store, users

# The Qt tests' helpers (a plugin of theirs, imported by some of them too) keep pytest's
# assertion messages; only marked here, so the core's tests still run without Qt.
pytest.register_assert_rewrite("uitools")

PROGRAM_TOML = """
[program]
name = "Test shop"
currency = "RUB"
tier_window_days = 0
max_redeem_pct = 100
min_redeem_balance = 0

[[tier]]
name = "Bearer"
bearer = true
discount_pct = 3
cashback_pct = 0

[[tier]]
name = "Simple"
min_spend = 0
discount_pct = 0
cashback_pct = 5

[[tier]]
name = "Ten"
min_spend = 1000
discount_pct = 10
cashback_pct = 5

[[tier]]
name = "Gold"
min_spend = 50000
discount_pct = 20
cashback_pct = 7.5
"""

MANAGER_PIN = "246800"
CASHIER_PIN = "1357"

# A PIN hash carries its own cost, so a cheap one checks as a real one does; the shop's
# cost (n = 2**14, tens of milliseconds a hash) would be most of the suite's time.
# tests/test_users.py keeps the real cost, with @pytest.mark.production_pin_cost.
TEST_SCRYPT = {"n": 2**4, "r": 8, "p": 1}


@pytest.fixture(autouse=True)
def cheap_pin_hashes(request, monkeypatch):
    if request.node.get_closest_marker("production_pin_cost") is None:
        monkeypatch.setattr(people, "SCRYPT", TEST_SCRYPT)


@pytest.fixture
def isolated_settings(tmp_path):
    """Qt settings (window geometry, printer, idle lock) in a fresh folder per test."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def till_five_hours_east_of_utc(monkeypatch):
    """The till's local zone is UTC+5 (Yekaterinburg, no summer time) for the test.

    CI runs in UTC, where local and UTC hours are the same and a mix-up cannot show.
    """
    with monkeypatch.context() as m:
        m.setenv("TZ", "<+05>-5")  # POSIX: needs no zone files; the sign is reversed
        time.tzset()
        assert dt.datetime(2026, 1, 1, 12).astimezone().utcoffset() == dt.timedelta(hours=5)
        yield
    time.tzset()


@pytest.fixture
def program_text() -> str:
    return PROGRAM_TOML


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.sqlite3"


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory) -> Path:
    """An empty database file at the newest schema, made once through the migrations."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    open_database(str(path)).dispose()  # the last connection out folds the WAL back in
    assert not path.with_name(path.name + "-wal").exists()
    return path


# -- PostgreSQL ---------------------------------------------------------------------------
# A module marked ``pytestmark = pytest.mark.postgresql_too`` runs each test that uses
# ``db`` twice: on a SQLite file and on a fresh PostgreSQL database. The server is named
# by LOYALTYPOS_TEST_PG (run-tests starts one when the binaries are installed); without
# it those runs are skipped, unless LOYALTYPOS_REQUIRE_PG=1 (CI) makes that a failure.
PG_ENV, PG_REQUIRED_ENV = "LOYALTYPOS_TEST_PG", "LOYALTYPOS_REQUIRE_PG"
# What a guard trigger's refusal comes out as: SQLite's RAISE(ABORT) is a constraint
# error, PostgreSQL's RAISE EXCEPTION a raise_exception (P0001). Tests match its words.
GUARD_REFUSAL = (sa_exc.IntegrityError, sa_exc.ProgrammingError)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql_too: run the db tests on PostgreSQL too")
    config.addinivalue_line("markers", "sqlite_only(why): a test of the SQLite file itself")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and \
            metafunc.definition.get_closest_marker("postgresql_too") is not None and \
            metafunc.definition.get_closest_marker("sqlite_only") is None:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


def _server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get(PG_REQUIRED_ENV) == "1":
            pytest.fail(f"{PG_ENV} names no PostgreSQL server, and {PG_REQUIRED_ENV}=1")
        pytest.skip(f"no PostgreSQL server ({PG_ENV} not set)")
    return url


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory) -> str:
    """A database at the newest schema on the test server, made once per test process
    through the migrations; each test's database is a copy of it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(_server_url())
    name = f"lp_template_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    open_database(url.set(database=name).render_as_string(hide_password=False),
                  admin=True).dispose()
    admin.dispose()
    return name


_pg_counter = iter(range(1, 1 << 30))


@contextmanager
def pg_database(template: str | None) -> Iterator[str]:
    """The URL of a new database copied from ``template`` (None: an empty one), dropped
    afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(_server_url())
    name = f"lp_{os.getpid()}_{next(_pg_counter)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'
                          + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(backend: str, db_path: Path, request):
    """A fresh database per test: a copy of the migrated empty one (test_migrations.py
    runs the migrations themselves): a SQLite file, or on PostgreSQL a new database."""
    if backend == "postgresql":
        with pg_database(request.getfixturevalue("pg_template")) as url:
            database = open_database(url)
            yield database
            database.dispose()
        return
    shutil.copyfile(request.getfixturevalue("migrated_file"), db_path)
    database = open_database(str(db_path))
    yield database
    database.dispose()


@pytest.fixture
def shop(db):
    """An initialised shop: returns (manager, cashier)."""
    done = store.initialise(db, manager_name="Maria", manager_pin=MANAGER_PIN,
                            program=parse_program(PROGRAM_TOML))
    cashier = users.add_user(db, actor=done.manager, name="Kolya", role="cashier",
                             pin=CASHIER_PIN)
    return done.manager, cashier


@pytest.fixture
def manager(shop):
    return shop[0]


@pytest.fixture
def cashier(shop):
    return shop[1]


def personal(db, actor, name: str = "Ivan", **customer):
    """Issue one personal card to ``name`` and return its CardInfo."""
    from loyaltypos.services import cards

    return cards.issue_cards(db, actor=actor, kind="personal",
                             customer=cards.CustomerInput(name=name, **customer))[0]


def line(desc: str, qty: str | int, price: int, eligible: bool = True) -> CartLine:
    """A cart line with a price in minor units."""
    return CartLine(desc, Decimal(str(qty)), price, eligible)


def snapshot(database) -> dict:
    """Row counts of every table and the sum of balances: proof that nothing was written."""
    from sqlalchemy import func, select, text

    from loyaltypos.db.models import Base, Card

    with database.read() as s:
        counts = {
            t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name != "users"  # a wrong PIN counts a failed try, on purpose
        }
        counts["balances"] = s.scalar(select(func.coalesce(func.sum(Card.balance), 0)))
        counts["spend"] = s.scalar(select(func.coalesce(func.sum(Card.spend), 0)))
        counts["open_days"] = s.scalar(text("select count(*) from business_days "
                                            "where closed_at is null"))
    return counts


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch, capsys):
    """The ``loyaltypos`` command run in this process: ``cli(*args, **env)``.

    ``env`` sets ``LOYALTYPOS_*`` variables for this run (None removes one). The real
    process, its exit and its console script are tests/test_cli.py's.
    """
    from loyaltypos.cli import main

    def run(*args: str, **env: str | None) -> CliRun:
        with monkeypatch.context() as m:
            for key, value in env.items():
                if value is None:
                    m.delenv(key, raising=False)
                else:
                    m.setenv(key, value)
            m.setattr(sys, "stdin", None)  # nobody types a PIN
            capsys.readouterr()
            code = main(list(args))
            out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


def card_now(db, number: str):
    """A card as it stands, read without a user (the tests' look; the services' show_card
    needs a signed-in user and writes an audit line)."""
    from loyaltypos.services.cards import card_info, find_card

    with db.read() as s:
        return card_info(s, find_card(s, number))


def reader(db):
    """The shop's first manager, for the reads that need a signed-in user."""
    from loyaltypos.services.users import list_users

    return next(u for u in list_users(db) if u.is_manager)
