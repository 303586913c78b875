"""Setting up a shop is one transaction: a failure half-way leaves a database that can be
set up again, never a manager without a program."""

from __future__ import annotations

import pytest
from conftest import MANAGER_PIN, PROGRAM_TOML, snapshot

from loyaltypos.domain.errors import AlreadyInitialised, NotAllowed
from loyaltypos.domain.program import parse_program
from loyaltypos.services import store, users


def test_a_failure_during_set_up_leaves_a_database_that_can_be_set_up(db, monkeypatch):
    empty = snapshot(db)

    def crash(*_args, **_kw):
        raise RuntimeError("power cut after the manager was written")

    monkeypatch.setattr(store, "audit", crash)  # the last write of the set-up
    with pytest.raises(RuntimeError):
        store.initialise(db, manager_name="Maria", manager_pin=MANAGER_PIN,
                         program=parse_program(PROGRAM_TOML))
    assert snapshot(db) == empty and users.list_users(db) == []
    assert not store.is_initialised(db)
    monkeypatch.undo()
    done = store.initialise(db, manager_name="Maria", manager_pin=MANAGER_PIN,
                            program=parse_program(PROGRAM_TOML))
    assert done.manager.is_manager and store.is_initialised(db)
    with pytest.raises(AlreadyInitialised):
        store.initialise(db, manager_name="Other", manager_pin=MANAGER_PIN,
                         program=parse_program(PROGRAM_TOML))


def test_only_a_manager_adds_users(db, manager, cashier):
    with pytest.raises(NotAllowed):
        users.add_user(db, actor=cashier, name="Sneaky", role="manager", pin="9999")
    assert [u.name for u in users.list_users(db)] == ["Kolya", "Maria"]
