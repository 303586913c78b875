"""Reading customers and copying the shop need a signed-in user, and leave an audit line;
sign-in answers do not tell which names exist; a manager's PIN is at least 6 digits."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, personal
from sqlalchemy import select

from loyaltypos.db.models import AuditEntry
from loyaltypos.domain import people
from loyaltypos.domain.errors import NotAllowed, PinWrong, Refused, UserLocked
from loyaltypos.services import cards, users
from loyaltypos.services.backups import back_up
from loyaltypos.services.verify import verify


def audit_lines(db, action: str) -> list[tuple[int | None, str | None]]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry.user_id, AuditEntry.target)
                              .where(AuditEntry.action == action).order_by(AuditEntry.id)))


# ---------------------------------------------------------------- reads need a user


@pytest.mark.parametrize("command", [
    ("card", "find", "%%"),
    ("card", "find", "Olga"),
    ("card", "show", "{number}"),
    ("backup", "{folder}/copy.sqlite3"),
    ("export", "--from", "2026-01-01", "--to", "2026-12-31", "--dir", "{folder}/csv"),
])
def test_without_a_user_nothing_is_read(cli, db_path, db, manager, tmp_path, command):
    card = personal(db, manager, name="Olga Private", phone="+7 912 000 00 01")
    args = [part.format(number=card.number, folder=tmp_path) for part in command]
    done = cli("--db", str(db_path), *args)
    assert done.returncode == 2
    assert "say who you are with --user NAME" in done.stderr
    assert "Olga" not in done.stdout and "912" not in done.stdout
    assert not (tmp_path / "copy.sqlite3").exists() and not (tmp_path / "csv").exists()


@pytest.mark.parametrize("command", [
    ("backup", "{folder}/copy.sqlite3"),
    ("export", "--from", "2026-01-01", "--to", "2026-12-31", "--dir", "{folder}/csv"),
])
def test_a_cashier_cannot_copy_or_export(cli, db_path, db, cashier, tmp_path, command):
    args = [part.format(folder=tmp_path) for part in command]
    done = cli("--db", str(db_path), *args, "--user", cashier.name, LOYALTYPOS_PIN=CASHIER_PIN)
    assert done.returncode == 1
    assert "needs a manager" in done.stderr
    assert not (tmp_path / "copy.sqlite3").exists() and not (tmp_path / "csv").exists()


def test_each_read_is_audited_with_who_did_it(cli, db_path, db, manager, cashier, tmp_path):
    card = personal(db, manager, name="Olga Private", phone="+7 912 000 00 01")
    as_cashier = {"LOYALTYPOS_PIN": CASHIER_PIN}
    as_manager = {"LOYALTYPOS_PIN": MANAGER_PIN}
    found = cli("--db", str(db_path), "--json", "card", "find", "Olga", "--user", cashier.name,
                **as_cashier)
    assert found.returncode == 0 and card.number in found.stdout
    shown = cli("--db", str(db_path), "card", "show", card.number, "--user", cashier.name,
                **as_cashier)
    assert shown.returncode == 0 and "Olga Private" in shown.stdout
    copied = cli("--db", str(db_path), "backup", str(tmp_path / "copy.sqlite3"), "--user",
                 manager.name, **as_manager)
    assert copied.returncode == 0, copied.stderr
    exported = cli("--db", str(db_path), "export", "--from", "2026-01-01", "--to", "2026-12-31",
                   "--dir", str(tmp_path / "csv"), "--user", manager.name, **as_manager)
    assert exported.returncode == 0, exported.stderr
    assert audit_lines(db, "customer_search") == [(cashier.user_id, "Olga")]
    assert audit_lines(db, "card_read") == [(cashier.user_id, card.number)]
    assert audit_lines(db, "backup") == [(manager.user_id, "copy.sqlite3")]
    assert audit_lines(db, "export") == [(manager.user_id, "2026-01-01..2026-12-31")]
    assert verify(db) == []


def test_a_refused_copy_or_export_writes_no_audit_line(db, manager, tmp_path):
    from loyaltypos.services.export import export_range

    (tmp_path / "taken.sqlite3").write_bytes(b"")
    with pytest.raises(Refused, match="already exists"):
        back_up(db, actor=manager, target=tmp_path / "taken.sqlite3")
    (tmp_path / "file").write_text("x")
    with pytest.raises(Refused):
        export_range(db, actor=manager, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2),
                     folder=tmp_path / "file")
    assert audit_lines(db, "backup") == audit_lines(db, "export") == []


def test_a_search_needs_a_user_in_the_services_too(db, cashier):
    with pytest.raises(TypeError):
        cards.find_cards(db, text="Olga")  # no actor: no search


# ---------------------------------------------------------------- sign-in says the same


def test_an_unknown_name_and_a_wrong_pin_get_the_same_answers(db, manager, cashier):
    def answers(name: str) -> list[str]:
        said = []
        for _try in range(6):
            with pytest.raises((PinWrong, UserLocked)) as refused:
                users.sign_in(db, name=name, pin="000000")
            said.append(str(refused.value).replace(name, "NAME"))
        return said

    known, unknown = answers(cashier.name), answers("Nobody Here")
    assert known == unknown
    assert known[0] == "wrong name or PIN; 4 tries left before this name is paused"
    assert known[4].startswith("5 wrong tries: signing in as NAME is paused")
    assert known[5].startswith("5 wrong tries: signing in as NAME is paused")


def test_an_unknown_name_costs_a_pin_hash(db, manager, monkeypatch):
    checked = []
    real = users.pin_matches
    monkeypatch.setattr(users, "pin_matches", lambda pin, stored: checked.append(stored)
                        or real(pin, stored))
    with pytest.raises(PinWrong):
        users.sign_in(db, name="Nobody Here", pin="1234")
    assert len(checked) == 1 and checked[0].startswith("scrypt$")


def test_an_unknown_names_pause_ends_like_a_users(db, manager):
    from loyaltypos.domain import clock

    start = clock.now()
    with clock.frozen_at(start):
        for _try in range(5):
            with pytest.raises((PinWrong, UserLocked)):
                users.sign_in(db, name="Ghost", pin="1234")
    with clock.frozen_at(start + dt.timedelta(minutes=6)), pytest.raises(
            PinWrong, match="4 tries left"):
        users.sign_in(db, name="Ghost", pin="1234")
    # a known user's right PIN still works meanwhile
    assert users.sign_in(db, name=manager.name, pin=MANAGER_PIN) == manager


# ---------------------------------------------------------------- managers' PINs


def test_a_manager_pin_has_at_least_six_digits(db, manager):
    with pytest.raises(Refused, match="a manager's PIN is 6 to 12 digits"):
        users.add_user(db, actor=manager, name="Short", role="manager", pin="12345")
    assert users.add_user(db, actor=manager, name="Long", role="manager", pin="123456").role == (
        "manager")
    assert users.add_user(db, actor=manager, name="Till", role="cashier", pin="1234").role == (
        "cashier")


def test_init_refuses_a_short_manager_pin(cli, tmp_path):
    done = cli("--db", str(tmp_path / "new.sqlite3"), "init", "--manager", "Anna",
               LOYALTYPOS_PIN="1234")
    assert done.returncode == 1 and "a manager's PIN is 6 to 12 digits" in done.stderr


def test_a_user_changes_their_own_pin(db, manager, cli, db_path):
    with pytest.raises(PinWrong, match="old PIN is wrong"):
        users.change_pin(db, actor=manager, old_pin="999999", new_pin="13579135")
    with pytest.raises(Refused, match="a manager's PIN is 6 to 12"):
        users.change_pin(db, actor=manager, old_pin=MANAGER_PIN, new_pin="1357")
    done = cli("--db", str(db_path), "user", "pin", "--user", manager.name,
               LOYALTYPOS_PIN=MANAGER_PIN, LOYALTYPOS_NEW_PIN="13579135")
    assert done.returncode == 0, done.stderr
    assert users.sign_in(db, name=manager.name, pin="13579135") == manager
    with pytest.raises(PinWrong):
        users.sign_in(db, name=manager.name, pin=MANAGER_PIN)
    assert [target for _user, target in audit_lines(db, "user_pin")] == [manager.name]
    assert verify(db) == []


def test_a_cashier_cannot_add_a_manager_with_any_pin(db, cashier):
    with pytest.raises(NotAllowed):
        users.add_user(db, actor=cashier, name="Boss", role="manager", pin="123456")


@pytest.mark.production_pin_cost
def test_new_pins_are_hashed_at_the_raised_cost(db, manager):
    stored = people.hash_pin("13572468")
    assert stored.startswith("scrypt$32768$8$1$")
    assert people.pin_matches("13572468", stored)
    import hashlib

    salt = bytes(16)
    digest = hashlib.scrypt(b"13572468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    before = f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"  # a PIN hashed before the raise
    assert people.pin_matches("13572468", before)
    assert not people.pin_matches("13572460", before)
