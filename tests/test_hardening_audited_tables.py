"""Users, cards, customers, settings and the open day: what plain sqlite3 can do to them.

With the guards in place each edit is refused; with the guards dropped `verify` names each
one. The services themselves still change these tables (every such change has its audit
line written first).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from conftest import line, personal
from test_hardening_verify import tamper

from loyaltypos.services import cards, store, users
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.days import close_day
from loyaltypos.services.verify import verify


@pytest.fixture
def shop_in_use(db, manager, cashier):
    """A pinned card, a plain one, a blocked one, a replaced one, a receipt header, an open
    day."""
    card = personal(db, manager, name="Guarded Holder", phone="+79990001122")
    cards.pin_tier(db, actor=manager, number=card.number, tier="Gold")
    lost = personal(db, manager, name="Lost Card")
    cards.block_card(db, actor=manager, number=lost.number, reason="lost")
    moved = personal(db, manager, name="Moved Card")
    cards.pin_tier(db, actor=manager, number=moved.number, tier="Gold")
    replacement = cards.replace_card(db, actor=manager, number=moved.number).new
    assert (replacement.tier, replacement.pinned) == ("Gold", True)  # the tier carries over
    store.set_receipt_header(db, actor=manager, lines=["Open 9-21"])
    personal(db, manager, name="Plain Holder")
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("Tea", 1, 10_000)])
    assert verify(db) == []
    return card


HASH_OF_MARIA = "(SELECT pin_hash FROM users WHERE name = 'Maria')"
NEW_USER = ("INSERT INTO users (name, role, pin_hash, failed_pins, created_at) "
            f"SELECT 'Mallory', 'manager', {HASH_OF_MARIA}, 0, created_at FROM users LIMIT 1")
OPEN_DAY = "(SELECT id FROM business_days WHERE closed_at IS NULL)"

# (edit, what the trigger says, what verify says once the triggers are gone)
EDITS = [
    ("UPDATE users SET role = 'manager' WHERE name = 'Kolya'",
     "keeps their name and role", "user Kolya is a manager but the audit log says cashier"),
    (f"UPDATE users SET pin_hash = {HASH_OF_MARIA} WHERE name = 'Kolya'",
     "a PIN changes only with", "user Kolya: the PIN was changed without an audit line"),
    (NEW_USER, "added only with its user_add", "user Mallory: no audit line adds them"),
    ("UPDATE cards SET pinned_tier = 'Gold' WHERE pinned_tier IS NULL AND status = 'active'",
     "a card changes only with", "pinned to a tier without an audit line"),
    ("UPDATE cards SET pinned_tier = 'Ten' WHERE pinned_tier = 'Gold'",
     "a card changes only with", "pinned to Ten but the audit log says Gold"),
    ("UPDATE cards SET status = 'blocked' WHERE status = 'active'",
     "a card changes only with", "blocked without an audit line"),
    ("UPDATE settings SET value = 'Closed forever' WHERE key = 'receipt_header'",
     "written only with its audit line",
     "setting receipt_header: its value is not the one the audit log wrote"),
    ("INSERT INTO settings (key, value) VALUES ('card_prefix', '99')",
     "written only with its audit line", "setting card_prefix: its value is not"),
    ("UPDATE business_days SET business_date = '2031-01-01' WHERE closed_at IS NULL",
     "keeps its date and opening", "business day 2031-01-01 is dated"),
    ("INSERT INTO ledger_entries (card_id, kind, amount, day_id, user_id, created_at, note) "
     f"SELECT id, 'adjust', 0, {OPEN_DAY}, NULL, '2000-01-01 00:00:00', 'x' FROM cards LIMIT 1",
     "never stamped before their business day opened", "is stamped before its day"),
]


@pytest.mark.parametrize(("edit", "refused", "_said"), EDITS)
def test_with_the_guards_each_edit_is_refused(db, db_path, shop_in_use, edit, refused, _said):
    con = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=refused):
            con.execute(edit)
    finally:
        con.close()
    assert verify(db) == []


@pytest.mark.parametrize(("edit", "_refused", "said"), EDITS)
def test_without_the_guards_verify_names_each_edit(db, db_path, shop_in_use, edit, _refused,
                                                   said):
    tamper(db_path, edit)
    problems = [p for p in verify(db) if "guard" not in p]
    assert any(said in p for p in problems), problems


@pytest.mark.parametrize("edit", [
    "DELETE FROM users WHERE name = 'Kolya'",
    "DELETE FROM cards WHERE status = 'blocked'",
    "DELETE FROM customers WHERE name = 'Lost Card'",
    "DELETE FROM settings",
    "UPDATE customers SET phone = '+70000000000' WHERE name = 'Guarded Holder'",
    "UPDATE cards SET number = '2800000000000' WHERE status = 'blocked'",
    "UPDATE cards SET customer_id = (SELECT max(id) FROM customers) WHERE status = 'blocked'",
    "UPDATE cards SET status = 'active' WHERE status = 'blocked'",
    "INSERT INTO cards (number, kind, status, balance, spend, created_at) "
    "VALUES ('2812345678903', 'bearer', 'active', 1000000, 0, '2026-01-01')",
    f"UPDATE business_days SET opened_at = '2031-01-01 00:00:00' WHERE id = {OPEN_DAY}",
    f"UPDATE business_days SET closed_at = '2031-01-01 00:00:00' WHERE id = {OPEN_DAY}",
])
def test_other_edits_are_refused_outright(db, db_path, shop_in_use, edit):
    con = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(edit)
    finally:
        con.close()
    assert verify(db) == []


def test_an_audit_line_for_another_card_does_not_let_a_change_through(db, db_path, shop_in_use,
                                                                       manager):
    other = personal(db, manager, name="Other")
    cards.pin_tier(db, actor=manager, number=other.number, tier="Gold")  # newest audit line
    con = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="a card changes only with"):
            con.execute(f"UPDATE cards SET pinned_tier = 'Gold' WHERE number != '{other.number}'"
                        " AND pinned_tier IS NULL")
    finally:
        con.close()


def test_the_services_still_change_what_they_may(db, manager, shop_in_use):
    """Each change the services make goes through its audit line (the guards allow it)."""
    users.add_user(db, actor=manager, name="Second", role="manager", pin="13572468")
    bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0]
    cards.register_card(db, actor=manager, number=bearer.number,
                        customer=cards.CustomerInput(name="Now Named"))
    cards.pin_tier(db, actor=manager, number=shop_in_use.number, tier=None)
    store.set_sign_in_hint(db, actor=manager, text="Welcome")
    close_day(db, actor=manager)
    assert verify(db) == []


def test_a_database_from_0005_gets_a_baseline_for_its_users_and_settings(tmp_path):
    from test_hardening_guards import _upgrade

    from loyaltypos.db.engine import open_database

    path = tmp_path / "old.sqlite3"
    _upgrade(path, "0005")
    con = sqlite3.connect(path)
    now = dt.datetime(2026, 1, 1).isoformat(" ")
    con.execute("INSERT INTO users (name, role, pin_hash, failed_pins, created_at) "
                "VALUES ('Old', 'manager', 'scrypt$16$8$1$00$00', 0, ?)", (now,))
    con.execute("INSERT INTO settings (key, value) VALUES ('receipt_header', 'Old header')")
    con.commit()
    con.close()
    database = open_database(str(path))
    try:
        with database.read() as s:
            assert verify_problems(s) == []
    finally:
        database.dispose()
    tamper(path, "UPDATE users SET role = 'cashier'")
    database = open_database(str(path))
    try:
        with database.read() as s:
            assert verify_problems(s) == ["user Old is a cashier but the audit log says manager"]
    finally:
        database.dispose()


def verify_problems(session) -> list[str]:
    from loyaltypos.services.verify import settings_match_their_audit, users_match_their_audit

    return users_match_their_audit(session) + settings_match_their_audit(session)
