"""A program the app accepts never makes the shop unusable; a broken stored one can be replaced.

Control characters in names, numbers out of any sane range, lists where numbers belong:
each is refused in one line when the program is read, and what is stored always reads back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import MANAGER_PIN, PROGRAM_TOML, personal

from loyaltypos.domain.errors import ProgramInvalid, Refused
from loyaltypos.domain.program import dump_program, parse_program
from loyaltypos.domain.text import clean_text
from loyaltypos.services import products, store

BAD_CHARS = ["\u0000", "\n", "\r", "\b", "\f", "\u001b", "\u007f", "\t", "\u200b", "\u2028",
             "\ue000"]
TOML_ESCAPES = {"\u0000": "\\u0000", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f",
                "\u001b": "\\u001b", "\u007f": "\\u007f", "\t": "\\t", "\u200b": "\\u200b",
                "\u2028": "\\u2028", "\ue000": "\\ue000"}


def _with(old: str, new: str) -> str:
    assert old in PROGRAM_TOML
    return PROGRAM_TOML.replace(old, new, 1)


# ------------------------------------------------------------ 1. control characters


@pytest.mark.parametrize("char", BAD_CHARS, ids=[f"U+{ord(c):04X}" for c in BAD_CHARS])
def test_a_shop_name_with_a_control_character_is_refused_naming_it(char):
    text = _with('name = "Test shop"', f'name = "Test{TOML_ESCAPES[char]}shop"')
    with pytest.raises(ProgramInvalid, match=rf"shop's name has a control character "
                                             rf"\(U\+{ord(char):04X}\)"):
        parse_program(text)


@pytest.mark.parametrize("char", ["\u0000", "\n", "\u001b", "\u007f"])
def test_a_tier_name_with_a_control_character_is_refused(char):
    text = _with('name = "Gold"', f'name = "Go{TOML_ESCAPES[char]}ld"')
    with pytest.raises(ProgramInvalid, match="control character"):
        parse_program(text)


def test_names_are_trimmed_and_have_a_sane_length():
    assert parse_program(_with('name = "Test shop"', 'name = "  Test shop  "')).name == "Test shop"
    with pytest.raises(ProgramInvalid, match="too long"):
        parse_program(_with('name = "Test shop"', f'name = "{"S" * 61}"'))
    with pytest.raises(ProgramInvalid, match="too long"):
        parse_program(_with('name = "Gold"', f'name = "{"G" * 61}"'))
    assert parse_program(_with('name = "Test shop"', f'name = "{"S" * 60}"')).name == "S" * 60


def test_clean_text_is_the_one_rule():
    assert clean_text("  Café № 5 ", field="the name") == "Café № 5"
    with pytest.raises(Refused, match=r"the name has a control character \(U\+001B\); "
                                      r"type it again without it"):
        clean_text("A\x1bB", field="the name")
    with pytest.raises(Refused, match="empty"):
        clean_text("   ", field="the name")
    with pytest.raises(Refused, match=r"control character \(U\+DCFF\)"):
        clean_text("A\udcffB", field="the name")


def test_init_with_a_control_character_in_the_shop_name_is_refused_and_sets_nothing_up(
        db, cli, tmp_path):
    path = str(tmp_path / "shop.sqlite3")
    env = {"LOYALTYPOS_PIN": MANAGER_PIN, "LOYALTYPOS_NEW_PIN": MANAGER_PIN}
    run = cli("--db", path, "init", "--manager", "Anna", "--shop", "A\nB", **env)
    assert run.returncode == 1
    assert "the shop's name has a control character (U+000A)" in run.stderr
    assert "Traceback" not in run.stderr
    # nothing was stored: a good init still works, and the shop is usable afterwards
    assert cli("--db", path, "init", "--manager", "Anna", "--shop", "A B", **env).returncode == 0
    shown = cli("--db", path, "program", "show", **env)
    assert shown.returncode == 0, shown.stderr
    assert 'name = "A B"' in shown.stdout


def test_initialise_refuses_a_bad_shop_name(db):
    with pytest.raises(Refused, match="control character"):
        store.initialise(db, manager_name="Maria", manager_pin=MANAGER_PIN,
                         program=parse_program(PROGRAM_TOML), shop_name="Shop\x1b[2J")
    assert not store.is_initialised(db)


def test_a_program_that_would_not_read_back_is_never_stored(db, manager):
    good = store.program_in_force(db)
    for bad in (replace(good, name="A\nB"),
                replace(good, tiers=(replace(good.tiers[0], name='Be"ar\\er\x00'),
                                     *good.tiers[1:]))):
        with pytest.raises(ProgramInvalid):
            store.load_program(db, actor=manager, program=bad)
    assert store.program_in_force(db) == good


def test_a_quote_and_a_backslash_in_a_name_round_trip():
    program = parse_program(_with('name = "Test shop"', 'name = "Bob\'s \\"best\\" \\\\ shop"'))
    assert program.name == 'Bob\'s "best" \\ shop'
    assert parse_program(dump_program(program)) == program


def test_receipt_header_lines_and_product_names_refuse_control_characters(db, manager):
    with pytest.raises(Refused, match=r"control character \(U\+001B\)"):
        store.set_receipt_header(db, actor=manager, lines=["Main st. 1", "tel\x1b[0m 123"])
    with pytest.raises(Refused, match=r"control character \(U\+001C\)"):
        store.set_receipt_header(db, actor=manager, lines=["Main st.\x1c 1"])
    assert store.shop_receipt_header(db) == ()
    with pytest.raises(products.BadProduct, match=r"control character \(U\+0007\)"):
        products.save_product(db, actor=manager, code="P1", name="Pen\x07", price=100)
    with pytest.raises(products.BadProduct, match="printed"):
        products.save_product(db, actor=manager, code="P\x1b1", name="Pen", price=100)


# ------------------------------------------------------------ 2. recovery


def _corrupt_stored_program(db_path, text: str) -> None:
    """Write ``text`` over every stored program version, as a broken disk or old bug would."""
    with sqlite3.connect(db_path) as raw:
        raw.execute("DROP TRIGGER programs_no_update")
        raw.execute("UPDATE programs SET text = ?", (text,))
    raw.close()
    store._program_cache.clear()


@pytest.mark.parametrize("stored", ['[program]\nname = "A\nB"\n', "garbage ][", ""])
def test_an_unreadable_stored_program_says_to_load_a_good_one(db, db_path, manager, stored):
    _corrupt_stored_program(db_path, stored)
    with pytest.raises(ProgramInvalid, match="load a good program"):
        store.program_in_force(db)
    # and loading a good one puts the shop back in business
    loaded = store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML))
    assert store.program_in_force(db) == loaded
    personal(db, manager)


def test_recovery_still_refuses_a_change_of_currency(db, db_path, manager):
    _corrupt_stored_program(db_path, "garbage ][")
    usd = parse_program(_with('currency = "RUB"', 'currency = "USD"'))
    with pytest.raises(ProgramInvalid, match="currency is RUB"):
        store.load_program(db, actor=manager, program=usd)


def test_recovery_falls_back_to_the_newest_version_that_still_reads(db, db_path, manager):
    ten_days = parse_program(_with("tier_window_days = 0", "tier_window_days = 10"))
    store.load_program(db, actor=manager, program=ten_days)
    with sqlite3.connect(db_path) as raw:
        raw.execute("DROP TRIGGER programs_no_update")
        raw.execute("UPDATE programs SET text = 'x = [' WHERE id = (SELECT max(id) FROM programs)")
    raw.close()
    store._program_cache.clear()
    usd = parse_program(_with('currency = "RUB"', 'currency = "USD"'))
    with pytest.raises(ProgramInvalid, match="currency is RUB"):
        store.load_program(db, actor=manager, program=usd)
    store.load_program(db, actor=manager, program=ten_days)
    assert store.program_in_force(db) == ten_days


# ------------------------------------------------------------ 3. numbers


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("tier_window_days = 0", "tier_window_days = 1000000", "at most 3650"),
        ("tier_window_days = 0", "tier_window_days = [1]", "whole number"),
        ("tier_window_days = 0", "tier_window_days = 1.5", "whole number"),
        ("max_redeem_pct = 100", "max_redeem_pct = 101", "between 0 and 100"),
        ("max_redeem_pct = 100", "max_redeem_pct = [1]", "must be a number"),
        ("max_redeem_pct = 100", "max_redeem_pct = nan", "between 0 and 100|not a number"),
        ("discount_pct = 10", "discount_pct = [1]", "must be a number"),
        ("discount_pct = 10", "discount_pct = 1e400", "between 0 and 100"),
        ("cashback_pct = 7.5", "cashback_pct = inf", "between 0 and 100|not a number"),
        ("min_redeem_balance = 0", "min_redeem_balance = 10000000001", "more than any till takes"),
        ("min_redeem_balance = 0", "min_redeem_balance = [0]", "must be a number"),
        ("min_redeem_balance = 0", "min_redeem_balance = -1", "negative"),
        ("min_spend = 50000", "min_spend = 10000000001", "more than any till takes"),
        ("min_spend = 50000", "min_spend = 1e30", "not an amount|at most"),
        ("min_spend = 50000", "min_spend = {a = 1}", "must be a number"),
        ('name = "Gold"', "name = 5", "needs a name"),
        ('name = "Test shop"', 'name = ["x"]', "needs a name"),
    ],
)
def test_numbers_out_of_range_or_of_the_wrong_kind_are_refused_in_one_line(old, new, message):
    with pytest.raises(ProgramInvalid, match=message) as refused:
        parse_program(_with(old, new))
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("tiers", ["tier = [1, 2]", "tier = 5", "tier = [[1]]", 'tier = ["x"]'])
def test_tiers_that_are_not_tables_are_refused(tiers):
    head = PROGRAM_TOML.split("[[tier]]")[0]
    with pytest.raises(ProgramInvalid, match=r"\[\[tier\]\]"):
        parse_program(tiers + "\n" + head)


def test_at_most_twenty_tiers():
    extra = "".join(f'[[tier]]\nname = "T{i}"\nmin_spend = {100000 + i}\n' for i in range(16))
    parse_program(PROGRAM_TOML + extra)  # 4 + 16 = 20 tiers
    with pytest.raises(ProgramInvalid, match="at most 20 tiers"):
        parse_program(PROGRAM_TOML + extra + '[[tier]]\nname = "Last"\nmin_spend = 999999\n')


def test_the_largest_allowed_window_works_for_personal_cards(db, manager):
    program = parse_program(_with("tier_window_days = 0", "tier_window_days = 3650"))
    assert program.tier_window_days == 3650
    store.load_program(db, actor=manager, program=program)
    card = personal(db, manager)
    assert card.number


def test_the_limits_themselves_are_accepted():
    program = parse_program(
        _with("min_redeem_balance = 0", "min_redeem_balance = 10000000000")
        .replace("max_redeem_pct = 100", "max_redeem_pct = 0")
    )
    assert program.min_redeem_balance == 10**12
    assert program.max_redeem_pct == Decimal(0)
    assert parse_program(dump_program(program)) == program
