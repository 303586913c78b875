"""Rules at their edges: each test here caught a plausible slip that the others let through."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import GUARD_REFUSAL, card_now, line, personal, snapshot
from sqlalchemy import select, text

from loyaltypos.db.models import AuditEntry, BusinessDay, Payment, User
from loyaltypos.domain import clock
from loyaltypos.domain.errors import CardKindWrong, CardReplaced, PhoneTaken
from loyaltypos.domain.pricing import (
    NO_SHARES,
    REDEEM_MAX,
    CartLine,
    Shares,
    Terms,
    price_sale,
    refund_shares,
)
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, store
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import close_day, day_summary
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too

CUR = "RUB"


def L(d, q, p, e=True):
    return CartLine(d, Decimal(str(q)), p, e)


def _actions(db):
    with db.read() as s:
        return [(a.action, a.user_id, a.target) for a in s.scalars(select(AuditEntry))]


def test_new_cards_use_the_shops_card_prefix(db, manager):
    with db.write() as s:
        store.set_setting(s, None, "card_prefix", "28")
    assert personal(db, manager).number.startswith("28")


def test_registering_a_bearer_card_refuses_a_phone_already_taken(db, cashier):
    personal(db, cashier, phone="8 900 123 45 67")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    before = snapshot(db)
    with pytest.raises(PhoneTaken):
        cards.register_card(db, actor=cashier, number=bearer.number,
                            customer=cards.CustomerInput(name="B", phone="8-900-123-45-67"))
    assert snapshot(db) == before


def test_registering_a_bearer_card_is_audited(db, cashier):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    cards.register_card(db, actor=cashier, number=bearer.number,
                        customer=cards.CustomerInput(name="P"))
    assert ("card_register", cashier.user_id, bearer.number) in _actions(db)


def test_replacing_a_card_is_audited(db, cashier, manager):
    card = personal(db, cashier)
    cards.replace_card(db, actor=manager, number=card.number)
    assert ("card_replace", manager.user_id, card.number) in _actions(db)


def test_a_bearer_card_cannot_be_pinned_to_a_tier(db, cashier, manager):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    before = snapshot(db)
    with pytest.raises(CardKindWrong):
        cards.pin_tier(db, actor=manager, number=bearer.number, tier="Gold")
    assert snapshot(db) == before


def test_a_replaced_card_cannot_be_adjusted(db, cashier, manager):
    card = personal(db, cashier)
    cards.replace_card(db, actor=manager, number=card.number)
    before = snapshot(db)
    with pytest.raises(CardReplaced):
        cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="x")
    assert snapshot(db) == before


def test_a_blocked_card_can_still_be_adjusted(db, cashier, manager):
    card = personal(db, cashier)
    cards.block_card(db, actor=manager, number=card.number)
    info = cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="x")
    assert (info.status, info.balance) == ("blocked", 100)


def test_a_refund_after_a_replacement_credits_the_new_card(db, cashier, manager):
    card = personal(db, cashier)
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("x", 2, 100_000)])
    new = cards.replace_card(db, actor=manager, number=card.number).new
    res = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert res.card == new.number
    assert card_now(db, new.number).balance == sale.cashback - res.reversed
    assert card_now(db, card.number).balance == 0


def test_windowed_spend_follows_a_card_through_its_replacement(db, manager, program_text):
    store.load_program(db, actor=manager,
                       program=replace(parse_program(program_text), tier_window_days=30))
    card = personal(db, manager)
    checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("x", 1, 150_000)])
    new = cards.replace_card(db, actor=manager, number=card.number).new
    info = card_now(db, new.number)
    assert (info.spend, info.tier) == (150_000, "Ten")


def test_cashback_is_rounded_half_up():
    p = price_sale([L("a", 1, 1_750)], terms=Terms(cashback_pct=Decimal(5)), currency=CUR)
    assert p.cashback == 88


def test_partial_refund_shares_are_rounded_half_up():
    got = refund_shares(Shares(Decimal(2), 101, 11, 0, 90, 9), NO_SHARES, Decimal(1))
    assert got == Shares(Decimal(1), 51, 6, 0, 45, 5)


def test_line_cashback_is_spread_by_money_paid():
    p = price_sale([L("a", 1, 1), L("b", 1, 2)], terms=Terms(cashback_pct=Decimal(50)),
                   balance=1, redeem=1, currency=CUR)
    assert [pl.shares.paid for pl in p.lines] == [1, 1]
    assert [pl.shares.cashback for pl in p.lines] == [1, 0]


def test_a_bill_paid_wholly_with_cashback_writes_no_payment(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=10_000, reason="g")
    res = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                   lines=[line("x", 1, 10_000)], redeem=REDEEM_MAX)
    with db.read() as s:
        assert s.scalars(select(Payment).where(Payment.sale_id == res.sale_id)).all() == []


def test_a_failure_late_in_checkout_writes_nothing(db, cashier, manager):
    card = personal(db, cashier)
    cards.adjust_balance(db, actor=manager, number=card.number, amount=10_000, reason="gift")
    before = snapshot(db)
    tables = ("sales", "sale_lines", "payments", "ledger_entries")
    written: dict[str, int] = {}

    dialect = db.engine.dialect
    commit = dialect.do_commit

    def power_cut(dbapi_connection):
        """Fail the commit of the transaction that holds the sale's ledger entries."""
        cursor = dbapi_connection.cursor()
        counts = {t: cursor.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in tables}
        cursor.close()
        if counts["ledger_entries"] > before["ledger_entries"]:
            written.update(counts)
            raise RuntimeError("power cut before the commit")
        commit(dbapi_connection)

    dialect.do_commit = power_cut
    try:
        with pytest.raises(RuntimeError, match="power cut"):
            checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                     lines=[line("x", 1, 100_000), line("y", 2, 5_000)], redeem=5_000,
                     payments=[PaymentInput("cash", tendered=200_000)])
    finally:
        del dialect.do_commit  # the dialect's own method again
    # The failure came after everything of the sale was written, in that one transaction ...
    assert written == {"sales": before["sales"] + 1, "sale_lines": before["sale_lines"] + 2,
                       "payments": before["payments"] + 1,
                       "ledger_entries": before["ledger_entries"] + 2}  # redeem and earn
    # ... and none of it is left: no sale, lines, payment or entries; balances as before.
    assert snapshot(db) == before
    assert card_now(db, card.number).balance == 10_000
    assert verify(db) == []


def test_verify_catches_a_balance_on_a_card_without_entries(db, cashier):
    card = personal(db, cashier)
    with db.write() as s:
        s.execute(text("UPDATE cards SET balance = 5 WHERE number = :n"), {"n": card.number})
    assert any("cached balance" in p for p in verify(db))


def test_verify_catches_ledger_entries_that_do_not_match_their_sale(db, cashier):
    card = personal(db, cashier)
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("x", 1, 100_000)])
    with db.write() as s:
        s.execute(text("INSERT INTO ledger_entries (card_id, kind, amount, sale_id, created_at,"
                       " till_id, day_id) SELECT id, 'earn', 1, CAST(:sid AS VARCHAR(36)),"
                       " '2999-01-01', 1,"
                       " (SELECT day_id FROM sales WHERE id = CAST(:sid AS VARCHAR(36)))"
                       " FROM cards WHERE number = :n"),
                  {"sid": sale.sale_id, "n": card.number})
        s.execute(text("UPDATE cards SET balance = balance + 1 WHERE number = :n"),
                  {"n": card.number})
    assert any("do not match redeemed/cashback" in p for p in verify(db))


def test_a_closed_day_refuses_new_ledger_entries(db, cashier, manager):
    card = personal(db, cashier)
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("x", 1, 100)])
    close_day(db, actor=manager)
    with db.read() as s:
        day_id = s.scalar(select(BusinessDay.id))
    with pytest.raises(GUARD_REFUSAL, match="closed"), db.write() as s:
        s.execute(text("INSERT INTO ledger_entries (card_id, kind, amount, day_id, till_id,"
                       " created_at) SELECT id, 'adjust', 1, :d, 1, '2999-01-01' FROM cards"),
                  {"d": day_id})


def test_z_numbers_rise_with_each_close(db, cashier, manager):
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    assert close_day(db, actor=manager).z_number == 1
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 100)])
    assert close_day(db, actor=manager).z_number == 2


def test_top_customers_are_ranked_by_money_paid(db, cashier, manager):
    a = personal(db, cashier, name="A")
    b = personal(db, cashier, name="B")
    cards.adjust_balance(db, actor=manager, number=a.number, amount=50_000, reason="g")
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=a.number,
             lines=[line("x", 1, 100_000)], redeem=50_000)
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=b.number,
             lines=[line("x", 1, 80_000)])
    assert [t.card for t in day_summary(db).top_customers] == [b.number, a.number]


def test_a_sale_just_after_local_midnight_belongs_to_the_local_date(
        till_five_hours_east_of_utc, db, cashier):
    today = clock.local_today()
    after_midnight = dt.datetime.combine(today, dt.time(0, 30))
    stamp = after_midnight.astimezone(dt.UTC).replace(tzinfo=None)
    assert stamp.date() == today - dt.timedelta(days=1)  # still yesterday in UTC
    with clock.frozen_at(stamp):
        checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 1, 700)])
    summary = day_summary(db)
    assert (summary.date, summary.hours) == (today, {"00": 700})


@pytest.mark.production_pin_cost
def test_pins_use_scrypt_with_slow_parameters(db, manager):
    with db.read() as s:
        h = s.scalar(select(User.pin_hash).where(User.id == manager.user_id))
    assert h.split("$")[:4] == ["scrypt", "32768", "8", "1"]
