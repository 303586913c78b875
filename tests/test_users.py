"""People: PINs as salted slow hashes, lock-out after five wrong PINs."""

import datetime as dt

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN
from sqlalchemy import select

from loyaltypos.db.models import User
from loyaltypos.domain import clock, people
from loyaltypos.domain.errors import NotAllowed, PinWrong, Refused, UserLocked
from loyaltypos.services.users import add_user, sign_in

pytestmark = pytest.mark.postgresql_too


def stored_hash(db, name: str) -> str:
    with db.read() as s:
        return s.scalar(select(User.pin_hash).where(User.name == name))


def test_pins_are_stored_only_as_salted_scrypt_hashes(db, manager, cashier):
    with db.read() as s:
        hashes = [u.pin_hash for u in s.scalars(select(User))]
    assert all(h.startswith("scrypt$") for h in hashes)
    for h in hashes:  # scheme, cost, salt and digest: the PIN itself is no field of it
        scheme, n, r, p, salt, digest = h.split("$")
        assert (len(bytes.fromhex(salt)), len(bytes.fromhex(digest))) == (16, 32)
        assert not {MANAGER_PIN, CASHIER_PIN} & {scheme, n, r, p, salt, digest}
    # the same PIN twice gives two different hashes (salted)
    other = add_user(db, actor=manager, name="Twin", role="cashier", pin=CASHIER_PIN)
    assert stored_hash(db, cashier.name) != stored_hash(db, other.name)


@pytest.mark.production_pin_cost
def test_pins_are_hashed_at_the_shops_cost_and_a_changed_cost_still_checks_old_ones(
        db, manager, monkeypatch):
    # The other tests hash at a cheap cost (conftest.py); this one at the shop's.
    assert stored_hash(db, "Maria").split("$")[:4] == ["scrypt", "32768", "8", "1"]
    monkeypatch.setattr(people, "SCRYPT", {"n": 2**12, "r": 8, "p": 1})  # the cost changes
    assert sign_in(db, name="Maria", pin=MANAGER_PIN).is_manager  # checked at its own cost
    with pytest.raises(PinWrong):
        sign_in(db, name="Maria", pin="0000")
    add_user(db, actor=manager, name="Newcomer", role="cashier", pin="4321")
    assert stored_hash(db, "Newcomer").split("$")[:4] == ["scrypt", "4096", "8", "1"]
    assert sign_in(db, name="Newcomer", pin="4321").name == "Newcomer"


def test_right_pin_signs_in_with_the_role(db, manager, cashier):
    assert sign_in(db, name="Maria", pin=MANAGER_PIN).is_manager
    assert not sign_in(db, name="Kolya", pin=CASHIER_PIN).is_manager


def test_five_wrong_pins_lock_the_user_for_a_while(db, cashier):
    for left in (4, 3, 2, 1):
        with pytest.raises(PinWrong, match=f"{left} tries left"):
            sign_in(db, name="Kolya", pin="0000")
    with pytest.raises(UserLocked):
        sign_in(db, name="Kolya", pin="0000")
    with pytest.raises(UserLocked):  # even the right PIN waits out the lock
        sign_in(db, name="Kolya", pin=CASHIER_PIN)
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=6)):
        assert sign_in(db, name="Kolya", pin=CASHIER_PIN).name == "Kolya"


def test_a_right_pin_resets_the_count_of_wrong_ones(db, cashier):
    for _ in range(4):
        with pytest.raises(PinWrong):
            sign_in(db, name="Kolya", pin="0000")
    sign_in(db, name="Kolya", pin=CASHIER_PIN)
    with pytest.raises(PinWrong, match="4 tries left"):
        sign_in(db, name="Kolya", pin="0000")


def test_only_a_manager_adds_users_and_pins_are_digits(db, manager, cashier):
    with pytest.raises(NotAllowed):
        add_user(db, actor=cashier, name="Sneaky", role="manager", pin="1111")
    with pytest.raises(Refused, match="4 to 12 digits"):
        add_user(db, actor=manager, name="Short", role="cashier", pin="12")
    with pytest.raises(Refused, match="already a user"):
        add_user(db, actor=manager, name="Kolya", role="cashier", pin="1111")
    with pytest.raises(PinWrong, match="wrong name or PIN"):  # the same as a wrong PIN
        sign_in(db, name="Ghost", pin="1111")
