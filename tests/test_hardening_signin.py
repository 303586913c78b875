"""Signing in: the slow PIN hash never holds the other tills' write lock, and a clock set
back cannot stretch a five-minute lock into a day."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from conftest import CASHIER_PIN

from loyaltypos.domain import clock
from loyaltypos.domain.errors import PinWrong, UserLocked
from loyaltypos.domain.people import LOCK_MINUTES, MAX_WRONG_PINS
from loyaltypos.services import users


def test_the_pin_is_hashed_outside_the_write_lock(db, db_path, cashier, monkeypatch):
    seen = []
    real = users.pin_matches

    def while_hashing(pin: str, stored: str) -> bool:
        other_till = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            other_till.execute("BEGIN IMMEDIATE")  # would fail if this till held the lock
            other_till.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other_till.close()
        return real(pin, stored)

    monkeypatch.setattr(users, "pin_matches", while_hashing)
    assert users.sign_in(db, name="Kolya", pin=CASHIER_PIN).name == "Kolya"
    with pytest.raises(PinWrong):
        users.sign_in(db, name="Kolya", pin="0000")
    assert seen == ["free", "free"]


def test_a_clock_set_back_does_not_stretch_a_lock(db, cashier):
    start = dt.datetime(2026, 11, 28, 12, 0)
    with clock.frozen_at(start):
        for _ in range(MAX_WRONG_PINS - 1):
            with pytest.raises(PinWrong):
                users.sign_in(db, name="Kolya", pin="0000")
        with pytest.raises(UserLocked):
            users.sign_in(db, name="Kolya", pin="0000")
    day_before = start - dt.timedelta(days=1)
    with clock.frozen_at(day_before), pytest.raises(UserLocked, match=f"in {LOCK_MINUTES} min"):
        users.sign_in(db, name="Kolya", pin=CASHIER_PIN)
    later = day_before + dt.timedelta(minutes=LOCK_MINUTES, seconds=1)
    with clock.frozen_at(later):
        assert users.sign_in(db, name="Kolya", pin=CASHIER_PIN).name == "Kolya"
