"""The program's rewards and expiry (issue 11): the file format, which rewards this
version applies, and the welcome bonus with its ledger entry, day summary and Z report."""

from __future__ import annotations

import json

import pytest
from conftest import PROGRAM_TOML, line, personal, snapshot
from sqlalchemy import select

from loyaltypos import resources
from loyaltypos.db.models import LedgerEntry
from loyaltypos.documents.z_report import figures
from loyaltypos.domain.errors import ProgramInvalid
from loyaltypos.domain.program import Expiry, Reward, dump_program, parse_program
from loyaltypos.services import cards, days, products, store
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

ALL_REWARDS = "\n" + resources.path("rewards.toml").read_text(encoding="utf-8")
WELCOME = '\n[[reward]]\nkind = "welcome"\namount = 100\n'


def test_every_reward_and_expiry_reads_as_written_and_back():
    program = parse_program(PROGRAM_TOML + ALL_REWARDS)
    assert program.rewards == (
        Reward("stamps", amount=15_000, every=6, min_check=30_000),
        Reward("welcome", amount=10_000),
        Reward("birthday", amount=20_000, days=7),
        Reward("referral", amount=20_000),
    )
    assert program.expiry == Expiry(days=365, lock_days=2)
    assert parse_program(dump_program(program)) == program
    item = parse_program(PROGRAM_TOML + '[[reward]]\nkind = "stamps"\nevery = 10\n'
                         'gift = "item"\nproduct = "4600000000015"\n')
    assert item.reward("stamps") == Reward("stamps", every=10, gift="item",
                                           product="4600000000015")
    assert parse_program(dump_program(item)) == item


def test_a_program_without_rewards_is_written_as_before():
    text = dump_program(parse_program(PROGRAM_TOML))
    assert "[[reward]]" not in text and "[expiry]" not in text
    assert parse_program(PROGRAM_TOML).rewards == ()


@pytest.mark.parametrize(("table", "said"), [
    ('[[reward]]\nkind = "cake"\n', "kind is one of stamps, welcome, birthday, referral"),
    ('[[reward]]\nkind = "welcome"\namount = 1\n[[reward]]\nkind = "welcome"\namount = 2\n',
     "is there twice"),
    ('[[reward]]\nkind = "welcome"\namount = 1\nevery = 3\n', "unknown keys: every"),
    ('[[reward]]\nkind = "welcome"\n', "the amount must be above 0"),
    ('[[reward]]\nkind = "referral"\namount = -5\n', "amount"),
    ('[[reward]]\nkind = "stamps"\nevery = 1\namount = 5\n', "every: must be a whole number"
                                                              " of at least 2"),
    ('[[reward]]\nkind = "stamps"\nevery = 5\ngift = "item"\n', "needs the product's code"),
    ('[[reward]]\nkind = "stamps"\nevery = 5\ngift = "item"\nproduct = "X"\namount = 5\n',
     "a product, not an amount"),
    ('[[reward]]\nkind = "stamps"\nevery = 5\namount = 5\nproduct = "X"\n',
     'a product is for gift = "item"'),
    ('[[reward]]\nkind = "stamps"\nevery = 5\ngift = "coupon"\n', 'gift is "bonus" or "item"'),
    ('[[reward]]\nkind = "birthday"\namount = 5\ndays = 40\n', "days: must be at most 31"),
    ('[expiry]\ndays = 4000\n', "expiry.days: must be at most 3650"),
    ('[expiry]\nlock_days = 400\n', "expiry.lock_days: must be at most 365"),
    ('[expiry]\nmonths = 3\n', "[expiry] has unknown keys: months"),
    ('reward = 5\n', "rewards are [[reward]] tables"),
])
def test_a_bad_reward_or_expiry_is_refused_with_its_reason(table, said):
    # a bare key goes first: after the last [[tier]] it would be the tier's
    text = table + PROGRAM_TOML if table.startswith("reward =") else PROGRAM_TOML + table
    with pytest.raises(ProgramInvalid) as refused:
        parse_program(text)
    assert said in str(refused.value)


def test_every_reward_and_expiry_load_into_a_shop(db, manager):
    program = parse_program(PROGRAM_TOML + ALL_REWARDS)
    store.load_program(db, actor=manager, program=program)
    assert store.program_in_force(db) == program


def test_an_item_gift_must_name_a_product_the_catalog_has(db, manager):
    gift = '[[reward]]\nkind = "stamps"\nevery = 3\ngift = "item"\nproduct = "4600000000015"\n'
    before = snapshot(db)
    with pytest.raises(ProgramInvalid, match="4600000000015, which is not in the catalog"):
        store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML + gift))
    assert snapshot(db) == before
    products.save_product(db, actor=manager, code="4600000000015", name="Coffee",
                          price=12_000)
    store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML + gift))


def test_cashback_cannot_be_locked_for_as_long_as_it_lives():
    with pytest.raises(ProgramInvalid, match="lock_days \\(30\\) must be fewer than days"):
        parse_program(PROGRAM_TOML + "[expiry]\ndays = 30\nlock_days = 30\n")


@pytest.fixture
def welcoming(db, manager):
    store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML + WELCOME))


def entries(db, number: str) -> list[tuple[str, int]]:
    with db.read() as s:
        card = cards.find_card(s, number)
        return [tuple(r) for r in s.execute(
            select(LedgerEntry.kind, LedgerEntry.amount).where(LedgerEntry.card_id == card.id)
            .order_by(LedgerEntry.id))]


def test_a_new_personal_card_gets_the_welcome_bonus_and_nothing_else_does(
        db, manager, cashier, welcoming):
    olga = personal(db, cashier, name="Olga")
    assert olga.balance == 10_000 and olga.spend == 0  # a bonus is no spend
    assert entries(db, olga.number) == [("bonus_welcome", 10_000)]
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer", count=2)
    assert all(c.balance == 0 for c in bearer)
    registered = cards.register_card(db, actor=cashier, number=bearer[0].number,
                                     customer=cards.CustomerInput(name="Ivan"))
    assert registered.balance == 10_000
    new = cards.replace_card(db, actor=manager, number=olga.number).new
    assert new.balance == 10_000  # moved, not credited again
    assert verify(db) == []


def test_without_the_reward_a_card_starts_at_zero(db, cashier):
    assert personal(db, cashier, name="Olga").balance == 0


def test_the_welcome_bonus_pays_within_the_cap_and_a_refund_never_takes_it_back(
        db, manager, cashier, welcoming):
    olga = personal(db, cashier, name="Olga").number
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=olga,
                    lines=[line("book", 1, 50_000)], redeem=10_000)
    assert sale.redeemed == 10_000
    refund(db, actor=manager, sale_id=sale.sale_id)
    kinds = [k for k, _a in entries(db, olga)]
    assert kinds[0] == "bonus_welcome" and "bonus_welcome" not in kinds[1:]
    assert cards.scan_card(db, number=olga).balance == 10_000  # the redeemed bonus restored
    assert verify(db) == []


def test_the_day_and_its_z_report_show_the_welcome_bonuses(db, manager, cashier, welcoming,
                                                          cli, db_path):
    personal(db, cashier, name="Olga")
    personal(db, cashier, name="Ivan")
    summary = days.day_summary(db)
    assert summary.bonuses == {"welcome": 20_000}
    assert summary.liability_change == 20_000
    cashback = next(s for s in figures(summary, "RUB") if s.title == "Cashback")
    assert ("Welcome bonuses", "RUB\u00a0200.00") in [(f.label, f.value) for f in cashback.figures]
    closed = days.close_day(db, actor=manager)
    assert days.z_report(db, z_number=closed.z_number).bonuses == {"welcome": 20_000}
    done = cli("--db", str(db_path), "--json", "report", "z", str(closed.z_number))
    assert json.loads(done.stdout)["bonuses"] == {"welcome": "200.00"}, done.stderr
    text = cli("--db", str(db_path), "report", "z", str(closed.z_number)).stdout
    assert "bonuses              welcome 200.00" in text
