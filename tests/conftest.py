"""Shared fixtures: a fresh SQLite file per test, a program with known tiers, users."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from loyaltypos.db import open_database
from loyaltypos.domain.pricing import CartLine
from loyaltypos.domain.program import parse_program
from loyaltypos.services import store, users

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

MANAGER_PIN = "2468"
CASHIER_PIN = "1357"


@pytest.fixture
def isolated_settings(tmp_path):
    """Qt settings (window geometry, printer, idle lock) in a fresh folder per test."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def program_text() -> str:
    return PROGRAM_TOML


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.sqlite3"


@pytest.fixture
def db(db_path: Path):
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
