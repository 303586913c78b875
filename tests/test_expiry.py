"""Cashback expiry with numbers worked out by hand (docs/RULES-DECISIONS.md, "Cashback
expiry"): lots and their dates, which lot a debit takes, refunds that put cashback back
where it came from, replacements, locked cashback, the close-of-day and app-start date
rules, verify, the reminder list, the command line, and a property test of the replay.

The shop's program is this file's: one personal tier with 5 % back and no discount, so
every purchase earns 5 % of what was paid in money."""

from __future__ import annotations

import csv
import datetime as dt
import json
from contextlib import contextmanager
from decimal import Decimal

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, line, personal, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from loyaltypos.db.ledger import post
from loyaltypos.db.models import AuditEntry, LedgerEntry
from loyaltypos.documents.z_report import figures
from loyaltypos.domain import clock
from loyaltypos.domain.errors import NotAllowed, Refused
from loyaltypos.domain.lots import Entry, Replay, replay, replay_rows
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, days, expiry, store
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.expiry import _DayOrdinals
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too

D = dt.date
PROGRAM = """
[program]
name = "Expiry shop"
currency = "RUB"

[[tier]]
name = "Bearer"
bearer = true
discount_pct = 0
cashback_pct = 0

[[tier]]
name = "Simple"
min_spend = 0
discount_pct = 0
cashback_pct = 5
"""


def load(db, manager, table: str = "[expiry]\ndays = 30\n") -> None:
    store.load_program(db, actor=manager, program=parse_program(PROGRAM + table))


@contextmanager
def business_day(db, manager, date: dt.date, *, close: bool = True):
    """Business day ``date``, opened by the manager with the clock on it (09:00 UTC), and
    closed at the end unless ``close`` is False."""
    with clock.frozen_at(dt.datetime.combine(date, dt.time(9))):
        days.open_business_day(db, actor=manager, date=date)
        yield
        if close:
            days.close_day(db, actor=manager, refresh=False)


def buy(db, actor, card: str, price: int, *, qty: int = 1, redeem=None):
    return checkout(db, actor=actor, sale_id=new_sale_id(), card_number=card,
                    lines=[line("goods", qty, price)], redeem=redeem)


def lots_of(db, number: str) -> list[tuple[dt.date, dt.date | None, int]]:
    """(credited, last day, amount left) of each lot of the card's lineage with money."""
    with db.read() as s:
        lineage = cards.find_card(s, number).lineage_id
        lots = expiry.lineage_lots(s, lineage, store.current_program(s))
    return [(lot.credited, lot.expires, lot.amount) for lot in lots.lots]


def now_of(db, number: str, on: dt.date) -> expiry.LotsNow:
    with db.read() as s:
        lineage = cards.find_card(s, number).lineage_id
        return expiry.lots_now(s, lineage, store.current_program(s), on)


def balance(db, number: str) -> int:
    with db.read() as s:
        return cards.find_card(s, number).balance


def expire_entries(db) -> list[tuple[str, int]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(
            select(LedgerEntry.card_id, LedgerEntry.amount)
            .where(LedgerEntry.kind == "expire").order_by(LedgerEntry.id))]


# ---------------------------------------------------------------- the pure replay


def test_a_lot_can_be_spent_up_to_its_last_day_and_lapses_after_it():
    lots = replay([Entry(1, "earn", 10_000, "s1", D(2027, 1, 10))], days=30)
    assert lots.next_expiry(D(2027, 1, 15)) == (D(2027, 2, 9), 10_000)
    assert lots.spendable(D(2027, 2, 9)) == 10_000  # the last day it can be spent
    assert lots.spendable(D(2027, 2, 10)) == 0
    assert lots.expired(D(2027, 2, 9)) == 0  # a run on the 9th leaves it for the day
    assert lots.expired(D(2027, 2, 9), inclusive=True) == 10_000  # the close of the 9th
    assert lots.expired(D(2027, 2, 10)) == 10_000  # the first run after
    assert lots.next_expiry(D(2027, 2, 10)) is None
    never = replay([Entry(1, "earn", 10_000, "s1", D(2027, 1, 10))], days=0)
    assert never.expired(D(2099, 1, 1)) == 0 and never.next_expiry(D(2027, 1, 10)) is None


def test_a_redemption_takes_the_lot_that_expires_first_and_never_a_lapsed_one():
    entries = [Entry(1, "earn", 10_000, "s1", D(2027, 1, 1)),  # last day 01-31
               Entry(2, "bonus_welcome", 5_000, None, D(2027, 1, 20)),  # last day 02-19
               Entry(3, "earn", 8_000, "s2", D(2027, 1, 25))]  # last day 02-24
    first = replay([*entries, Entry(4, "redeem", -12_000, "s3", D(2027, 1, 30))], days=30)
    # 100.00 from the lot of 01-01, 20.00 from the welcome bonus; the lot of 01-25 untouched
    assert [lot.amount for lot in first.lots] == [3_000, 8_000]
    later = replay([*entries, Entry(4, "redeem", -6_000, "s3", D(2027, 2, 5))], days=30)
    # on 02-05 the lot of 01-01 has lapsed (not written off yet): the bonus pays first
    assert [(lot.kind, lot.amount) for lot in later.lots] == [
        ("earn", 10_000), ("earn", 7_000)]
    assert later.expired(D(2027, 2, 5)) == 10_000 and later.spendable(D(2027, 2, 5)) == 7_000


def test_a_refund_restores_into_the_lots_the_redemption_took_last_taken_first():
    lots = replay([
        Entry(1, "earn", 10_000, "s1", D(2027, 1, 10)),
        Entry(2, "earn", 5_000, "s2", D(2027, 1, 20)),
        Entry(3, "redeem", -12_000, "s3", D(2027, 2, 1)),  # 100.00 of lot 1, 20.00 of lot 2
        Entry(4, "refund_restore", 6_000, "s3", D(2027, 2, 5)),
    ], days=30)
    # 20.00 back into the lot of 01-20, then 40.00 into the lot of 01-10: their own dates
    assert [(lot.credited, lot.expires, lot.amount) for lot in lots.lots] == [
        (D(2027, 1, 10), D(2027, 2, 9), 4_000), (D(2027, 1, 20), D(2027, 2, 19), 5_000)]
    more = replay([
        Entry(1, "earn", 10_000, "s1", D(2027, 1, 10)),
        Entry(2, "redeem", -4_000, "s3", D(2027, 2, 1)),
        Entry(3, "refund_restore", 4_000, "s3", D(2027, 2, 2)),
        Entry(4, "refund_restore", 1_000, "s3", D(2027, 2, 3)),  # more than was taken
    ], days=30)
    assert [(lot.credited, lot.amount) for lot in more.lots] == [
        (D(2027, 1, 10), 10_000), (D(2027, 2, 3), 1_000)]  # the excess is a new lot


def test_a_restore_into_a_lot_past_its_last_day_is_taken_by_the_next_run():
    lots = replay([
        Entry(1, "earn", 10_000, "s1", D(2027, 1, 10)),  # last day 02-09
        Entry(2, "redeem", -10_000, "s2", D(2027, 2, 1)),
        Entry(3, "refund_restore", 10_000, "s2", D(2027, 2, 15)),  # refunded after 02-09
    ], days=30)
    assert lots.spendable(D(2027, 2, 15)) == 0  # a refund never extends a date
    assert lots.expired(D(2027, 2, 15)) == 10_000


def test_a_refund_takes_back_its_own_earning_then_locked_cashback_newest_first():
    lots = replay([
        Entry(1, "bonus_welcome", 10_000, None, D(2027, 2, 10)),  # last day 03-12
        Entry(2, "earn", 5_000, "s1", D(2027, 3, 1)),  # locked to 03-04, last day 03-31
        Entry(3, "adjust", 6_000, None, D(2027, 3, 2)),  # spendable at once, last day 04-01
        Entry(4, "redeem", -13_000, "s2", D(2027, 3, 5)),  # 100.00 bonus, 30.00 of s1
        Entry(5, "earn", 4_000, "s3", D(2027, 3, 6)),  # locked to 03-09
        Entry(6, "refund_reverse", -5_000, "s1", D(2027, 3, 7)),  # 20.00 own, 30.00 locked
    ], days=30, lock_days=3)
    assert [(lot.kind, lot.sale_id, lot.amount) for lot in lots.lots] == [
        ("adjust", None, 6_000), ("earn", "s3", 1_000)]
    assert (lots.spendable(D(2027, 3, 7)), lots.locked(D(2027, 3, 7))) == (6_000, 1_000)
    assert lots.spendable(D(2027, 3, 9)) == 7_000  # unlocked on its unlock date


def test_a_reversed_bonus_comes_out_of_its_own_lot_and_an_adjustment_first_in_first_out():
    lots = replay([
        Entry(1, "earn", 5_000, "s1", D(2027, 1, 1)),
        Entry(2, "bonus_birthday", 20_000, "s2", D(2027, 1, 5)),
        Entry(3, "earn", 3_000, "s2", D(2027, 1, 5)),
        Entry(4, "reverse_birthday", -20_000, "s2", D(2027, 1, 9)),
        Entry(5, "adjust", -6_000, None, D(2027, 1, 10)),
    ], days=30)
    assert [(lot.credited, lot.amount) for lot in lots.lots] == [(D(2027, 1, 5), 2_000)]
    assert lots.shortfalls == ()


def test_the_replay_reports_a_debit_its_lots_cannot_cover_and_no_lot_goes_below_zero():
    lots = replay([Entry(1, "transfer_in", 5_000, None, D(2027, 1, 1)),
                   Entry(2, "redeem", -5_000, "s1", D(2027, 1, 2))], days=30)
    assert [(s.entry_id, s.kind, s.missing) for s in lots.shortfalls] == [(2, "redeem", 5_000)]
    assert lots.total == 0


# -- any sequence: lots add up and never go negative


@st.composite
def histories(draw):
    """A lineage's entries as the services would write them: every debit within the
    balance, redemptions within what is spendable on their date (and, now and then, a
    program change: a redemption of the whole balance), restores of what was redeemed,
    expiry runs of what has lapsed."""
    days = draw(st.sampled_from([0, 5, 30]))
    lock_days = draw(st.sampled_from([0, 2])) if days != 5 else 0
    entries: list[Entry] = []
    date = D(2027, 1, 1)
    redeemed: dict[str, int] = {}  # sale -> redeemed and not restored yet
    earned: list[str] = []
    bonuses: list[tuple[str, str]] = []
    for n in range(draw(st.integers(1, 40))):
        date += dt.timedelta(days=draw(st.integers(0, 4)))
        now = replay(entries, days=days, lock_days=lock_days)
        bal = now.total
        op = draw(st.sampled_from(["earn", "bonus", "adjust+", "adjust-", "redeem", "redeem!",
                                   "restore", "reverse", "unbonus", "expire", "expire!"]))
        sale = f"s{n}"
        amount = draw(st.integers(1, 10_000))
        if op == "earn":
            entries.append(Entry(n, "earn", amount, sale, date))
            earned.append(sale)
        elif op == "bonus":
            kind = draw(st.sampled_from(["bonus_welcome", "bonus_stamps", "bonus_birthday",
                                         "bonus_referral"]))
            entries.append(Entry(n, kind, amount, sale, date))
            bonuses.append((kind, sale))
        elif op == "adjust+":
            entries.append(Entry(n, "adjust", amount, None, date))
        elif op == "adjust-" and bal:
            entries.append(Entry(n, "adjust", -min(amount, bal), None, date))
        elif op in ("redeem", "redeem!"):
            most = now.spendable(date) if op == "redeem" else bal
            if most:
                taken = min(amount, most)
                entries.append(Entry(n, "redeem", -taken, sale, date))
                redeemed[sale] = taken
        elif op == "restore" and redeemed:
            which = draw(st.sampled_from(sorted(redeemed)))
            back = min(amount, redeemed[which])
            redeemed[which] -= back
            if not redeemed[which]:
                del redeemed[which]
            entries.append(Entry(n, "refund_restore", back, which, date))
        elif op == "reverse" and earned and bal:
            entries.append(Entry(n, "refund_reverse", -min(amount, bal),
                                 draw(st.sampled_from(earned)), date))
        elif op == "unbonus" and bonuses and bal:
            kind, which = draw(st.sampled_from(bonuses))
            if kind != "bonus_welcome":
                entries.append(Entry(n, kind.replace("bonus_", "reverse_"), -min(amount, bal),
                                     which, date))
        elif op in ("expire", "expire!"):
            lapsed = now.expired(date, inclusive=op == "expire!")
            if lapsed:
                entries.append(Entry(n, "expire", -lapsed, None, date))
    return entries, days, lock_days, date


@settings(max_examples=300, deadline=None)
@given(histories())
def test_any_history_leaves_lots_that_add_up_to_the_balance_and_none_below_zero(history):
    entries, days, lock_days, last = history
    lots = replay(entries, days=days, lock_days=lock_days)
    assert lots.total == sum(e.amount for e in entries)
    assert all(lot.amount > 0 for lot in lots.lots)  # every lot with money: none below 0
    assert lots.shortfalls == ()
    for on in (last, last + dt.timedelta(days=40)):
        assert lots.spendable(on) + lots.locked(on) + lots.expired(on) == lots.total
    # a run writes off what has lapsed, and a second run finds nothing more
    lapsed = lots.expired(last)
    after = replay([*entries, Entry(10**6, "expire", -lapsed, None, last)], days=days,
                   lock_days=lock_days) if lapsed else lots
    assert after.expired(last) == 0 and after.total == lots.total - lapsed
    assert after.shortfalls == ()


@settings(max_examples=200, deadline=None)
@given(histories(), st.data())
def test_a_replay_carried_on_in_batches_answers_as_one_replayed_whole(history, data):
    """The till's cached replay: fed in batches, asked what is spendable between them
    (its answer kept up to date by each batch), it agrees with a replay of everything."""
    entries, days, lock_days, last = history
    ordinals = _DayOrdinals()
    carried = Replay(days=days, lock_days=lock_days, ordinal=ordinals)
    asked = [last - dt.timedelta(days=3), last, last + dt.timedelta(days=40)]
    at = 0
    while at < len(entries):
        step = data.draw(st.integers(1, 5))
        carried.feed((None, *entry) for entry in entries[at:at + step])
        at += step
        carried.spendable(data.draw(st.sampled_from(asked)))
    whole = replay(entries, days=days, lock_days=lock_days)
    for on in asked:
        assert carried.spendable(on) == whole.spendable(on)
    assert carried.lots().copy().lots == whole.copy().lots
    assert carried.count == len(entries)


# ---------------------------------------------------------------- the shop


def test_worked_example_expiry_across_a_redemption_its_refund_a_close_and_a_start(
        db, manager, cashier, cli, db_path):
    load(db, manager)  # [expiry] days = 30
    with business_day(db, manager, D(2027, 1, 10)):
        olga = personal(db, cashier, name="Olga").number
        assert buy(db, cashier, olga, 200_000).cashback == 10_000  # lot A
    with business_day(db, manager, D(2027, 1, 20)):
        assert buy(db, cashier, olga, 100_000).cashback == 5_000  # lot B
    with business_day(db, manager, D(2027, 2, 1)):
        sale = buy(db, cashier, olga, 60_000, qty=2, redeem=12_000)
        assert (sale.paid, sale.cashback, sale.balance) == (108_000, 5_400, 8_400)
    assert lots_of(db, olga) == [(D(2027, 1, 20), D(2027, 2, 19), 3_000),
                                 (D(2027, 2, 1), D(2027, 3, 3), 5_400)]
    with business_day(db, manager, D(2027, 2, 5)):
        back = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
        assert (back.restored, back.reversed) == (6_000, 2_700)
    assert lots_of(db, olga) == [(D(2027, 1, 10), D(2027, 2, 9), 4_000),
                                 (D(2027, 1, 20), D(2027, 2, 19), 5_000),
                                 (D(2027, 2, 1), D(2027, 3, 3), 2_700)]
    with business_day(db, manager, D(2027, 2, 9), close=False):
        assert now_of(db, olga, D(2027, 2, 9)).spendable == 11_700  # A's last day
        z = days.close_day(db, actor=manager, refresh=False)
    assert (z.expired, z.liability_change, z.liability_total) == (4_000, -4_000, 7_700)
    assert balance(db, olga) == 7_700
    cashback = next(s for s in figures(z, "RUB") if s.title == "Cashback")
    shown = [(f.label, f.value) for f in cashback.figures]
    assert ("Cashback expired", "RUB\u00a040.00") in shown
    assert ("Outstanding after expiry", "RUB\u00a077.00") in shown
    # The shop stays shut until 02-20. The app starts before a manager opened that day:
    # the run waits for the day and writes nothing.
    with clock.frozen_at(dt.datetime(2027, 2, 20, 9)):
        before = snapshot(db)
        assert expiry.expire_on_start(db) is None
        assert snapshot(db) == before
        days.open_business_day(db, actor=manager, date=D(2027, 2, 20))
        # B's last day was 02-19: a sale today cannot spend it, before any run
        assert now_of(db, olga, D(2027, 2, 20)) == expiry.LotsNow(2_700, 0,
                                                                 (D(2027, 3, 3), 2_700))
        done = cli("--db", db.url, "--json", "--user", "Kolya", "expire",
                   LOYALTYPOS_PIN=CASHIER_PIN)
        assert json.loads(done.stdout) == {"cards": 1, "amount": "50.00",
                                           "as_of": "2027-02-20"}, done.stderr
        again = cli("--db", db.url, "--json", "--user", "Kolya", "expire",
                    LOYALTYPOS_PIN=CASHIER_PIN)
        assert json.loads(again.stdout)["cards"] == 0
        text = cli("--db", db.url, "--user", "Kolya", "expire",
                   LOYALTYPOS_PIN=CASHIER_PIN).stdout
        assert text.strip() == "Nothing has expired (as of 2027-02-20)"
        assert balance(db, olga) == 2_700
        assert [amount for _card, amount in expire_entries(db)] == [-4_000, -5_000]
        z = days.close_day(db, actor=manager, refresh=False)
    assert (z.expired, z.liability_total) == (5_000, 2_700)
    report = cli("--db", db.url, "--json", "report", "z", str(z.z_number))
    data = json.loads(report.stdout)
    assert (data["expired"], data["gifts"], data["gifts_value"]) == ("50.00", 0, "0.00")
    assert "cashback expired     50.00" in cli("--db", db.url, "report", "z",
                                               str(z.z_number)).stdout
    assert verify(db) == []


def test_the_start_writes_off_only_what_lapsed_before_the_open_day_and_twice_nothing(
        db, manager, cashier):
    load(db, manager, "[expiry]\ndays = 5\n")
    with business_day(db, manager, D(2027, 3, 1)):
        olga = personal(db, cashier, name="Olga").number
        buy(db, cashier, olga, 100_000)  # 50.00, last day 03-06
    with business_day(db, manager, D(2027, 3, 3)):
        buy(db, cashier, olga, 40_000)  # 20.00, last day 03-08
    # The day of 03-06 is open and left open overnight: a start on 03-07 runs as of the
    # open day's date, so the lot whose last day is 03-06 stays until that day closes.
    with business_day(db, manager, D(2027, 3, 6), close=False):
        pass
    with clock.frozen_at(dt.datetime(2027, 3, 7, 8)):
        assert expiry.expire_on_start(db) == expiry.ExpiryResult(0, 0, D(2027, 3, 6))
        assert expire_entries(db) == []
        assert days.close_day(db, actor=manager, refresh=False).expired == 5_000
    # On 03-09 (a manager opens the day) the lot whose last day was 03-08 goes.
    with clock.frozen_at(dt.datetime(2027, 3, 9, 8)):
        days.open_business_day(db, actor=manager, date=D(2027, 3, 9))
        first = expiry.expire(db, actor=None)
        assert (first.cards, first.amount, first.as_of) == (1, 2_000, D(2027, 3, 9))
        before = snapshot(db)
        assert expiry.expire(db, actor=None) == expiry.ExpiryResult(0, 0, D(2027, 3, 9))
        assert snapshot(db) == before
        with pytest.raises(Refused, match="the business day is Mar 9, 2027"):
            expiry.expire(db, actor=None, as_of=D(2027, 3, 10))
    assert balance(db, olga) == 0
    assert verify(db) == []


def test_nothing_to_expire_writes_nothing_and_opens_no_day(db, manager, cashier):
    with business_day(db, manager, D(2027, 3, 1)):
        olga = personal(db, cashier, name="Olga").number
        buy(db, cashier, olga, 100_000)
    with clock.frozen_at(dt.datetime(2027, 9, 2, 8)):  # no [expiry]: never
        before = snapshot(db)
        assert expiry.expire_on_start(db) == expiry.ExpiryResult(0, 0, D(2027, 9, 2))
        assert snapshot(db) == before
    load(db, manager, "[expiry]\ndays = 365\n")
    with clock.frozen_at(dt.datetime(2027, 3, 2, 8)):  # with it, but nothing lapsed yet
        before = snapshot(db)
        assert expiry.expire(db, actor=None).cards == 0
        assert snapshot(db) == before and before["open_days"] == 0


def test_a_refund_made_while_the_run_reads_is_caught_up_before_it_writes(
        db, manager, cashier, monkeypatch):
    load(db, manager)
    with business_day(db, manager, D(2027, 1, 10)):
        olga = personal(db, cashier, name="Olga").number
        ivan = personal(db, cashier, name="Ivan").number
        buy(db, cashier, olga, 200_000)  # 100.00, last day 02-09
        buy(db, cashier, ivan, 100_000)  # 50.00, last day 02-09
    with business_day(db, manager, D(2027, 2, 1)):
        paid_by_cashback = buy(db, cashier, olga, 10_000, redeem=10_000)
    assert balance(db, olga) == 0
    reading = expiry._lapsed

    def refund_meanwhile(*args, **kwargs):
        found = reading(*args, **kwargs)  # Ivan's 50.00; Olga holds nothing yet
        refund(db, actor=manager, sale_id=paid_by_cashback.sale_id)  # another till
        return found

    with business_day(db, manager, D(2027, 2, 15), close=False):
        monkeypatch.setattr(expiry, "_lapsed", refund_meanwhile)
        done = expiry.expire(db, actor=manager)
    # the 100.00 restored went back into the lot of 01-10, past its last day
    assert (done.cards, done.amount) == (2, 15_000)
    assert (balance(db, olga), balance(db, ivan)) == (0, 0)
    assert verify(db) == []


def test_a_replacement_moves_the_lots_with_their_dates(db, manager, cashier):
    load(db, manager)
    with business_day(db, manager, D(2027, 1, 10)):
        old = personal(db, cashier, name="Olga").number
        buy(db, cashier, old, 200_000)  # 100.00, last day 02-09
    with business_day(db, manager, D(2027, 1, 20)):
        new = cards.replace_card(db, actor=manager, number=old).new.number
        buy(db, cashier, new, 100_000)  # 50.00, last day 02-19
    assert lots_of(db, new) == [(D(2027, 1, 10), D(2027, 2, 9), 10_000),
                                (D(2027, 1, 20), D(2027, 2, 19), 5_000)]
    with business_day(db, manager, D(2027, 2, 9)):
        pass
    with db.read() as s:
        new_id = cards.find_card(s, new).id
    assert expire_entries(db) == [(new_id, -10_000)]  # on the card in use
    assert (balance(db, old), balance(db, new)) == (0, 5_000)
    assert verify(db) == []


def test_earned_cashback_is_locked_for_lock_days_and_a_refund_takes_it_back_first(
        db, manager, cashier):
    load(db, manager, "[expiry]\ndays = 30\nlock_days = 3\n")
    with business_day(db, manager, D(2027, 3, 1)):
        olga = personal(db, cashier, name="Olga").number
        cards.adjust_balance(db, actor=manager, number=olga, amount=6_000, reason="goodwill")
        sale = buy(db, cashier, olga, 100_000)  # earns 50.00, locked until 03-04
        assert now_of(db, olga, D(2027, 3, 1)) == expiry.LotsNow(6_000, 5_000,
                                                                (D(2027, 3, 31), 11_000))
        with db.read() as s:
            lineage = cards.find_card(s, olga).lineage_id
            program = store.current_program(s)
            assert expiry.spendable_balance(s, lineage, program, D(2027, 3, 3)) == 6_000
            assert expiry.spendable_balance(s, lineage, program, D(2027, 3, 4)) == 11_000
    with business_day(db, manager, D(2027, 3, 2)):
        refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert lots_of(db, olga) == [(D(2027, 3, 1), D(2027, 3, 31), 6_000)]  # the goodwill
    assert verify(db) == []


def test_verify_finds_lots_that_disagree_with_the_balance(db, manager, cashier):
    load(db, manager)
    with business_day(db, manager, D(2027, 1, 10), close=False):
        olga = personal(db, cashier, name="Olga").number
        buy(db, cashier, olga, 200_000)
        assert verify(db) == []
        # written around the services: a lone transfer in, balance and ledger agree
        with db.write() as s:
            card = cards.find_card(s, olga)
            post(s, card, "transfer_in", 5_000, day_id=store.open_day(s), user_id=None)
        problems = verify(db)
        assert problems == [f"card {olga}: its cashback lots add up to 10000 but its"
                            " balance is 15000"]
        with db.write() as s:
            card = cards.find_card(s, olga)
            post(s, card, "redeem", -15_000, day_id=store.open_day(s), user_id=None)
        problems = verify(db)
        assert any("takes 5000 more than its cashback lots hold" in p for p in problems)


def _consenting_shop(db, manager, cashier):
    load(db, manager)
    with business_day(db, manager, D(2027, 1, 10)):
        olga = cards.issue_cards(db, actor=cashier, kind="personal", customer=cards.CustomerInput(
            name="=Olga", phone="+79001112233", email="olga@example.com",
            marketing_consent=True))[0].number
        ivan = cards.issue_cards(db, actor=cashier, kind="personal", customer=cards.CustomerInput(
            name="Ivan", phone="+79004445566"))[0].number  # no consent
        bearer = cards.issue_cards(db, actor=cashier, kind="bearer", count=1)[0].number
        buy(db, cashier, olga, 200_000)  # 100.00, last day 02-09
        buy(db, cashier, ivan, 200_000)
        cards.adjust_balance(db, actor=manager, number=bearer, amount=9_000, reason="promo")
    with business_day(db, manager, D(2027, 1, 25)):
        petr = personal(db, cashier, name="Petr", marketing_consent=True).number
        buy(db, cashier, petr, 100_000)  # 50.00, last day 02-24
    return olga, petr


def test_the_reminder_lists_consenting_customers_whose_cashback_lapses_soon(
        db, manager, cashier, tmp_path):
    olga, petr = _consenting_shop(db, manager, cashier)
    with clock.frozen_at(dt.datetime(2027, 2, 1, 9)):
        soon = expiry.expiring_customers(db, actor=manager, within_days=10)
        assert [(r.card, r.name, r.amount, r.date) for r in soon] == [
            (olga, "=Olga", 10_000, D(2027, 2, 9))]
        later = expiry.expiring_customers(db, actor=manager, within_days=30)
        assert [(r.card, r.amount, r.date) for r in later] == [
            (olga, 10_000, D(2027, 2, 9)), (petr, 5_000, D(2027, 2, 24))]
        with pytest.raises(NotAllowed):
            expiry.expiring_customers(db, actor=cashier, within_days=30)
        path = tmp_path / "remind.csv"
        assert expiry.write_reminders(db, actor=manager, rows=later, path=path,
                                      within_days=30) == 2
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["card", "name", "phone", "email", "amount", "expires_on"],
                    [olga, "'=Olga", "+79001112233", "olga@example.com", "100.00",
                     "2027-02-09"],
                    [petr, "Petr", "", "", "50.00", "2027-02-24"]]
    with db.read() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions[-3:] == ["expiry_reminders", "expiry_reminders", "customers_export"]


def test_the_reminder_from_the_command_line(db, manager, cashier, cli, db_path, tmp_path):
    olga, _petr = _consenting_shop(db, manager, cashier)
    base = ("--db", db.url, "--json", "--user", "Maria", "expire", "reminders")
    with clock.frozen_at(dt.datetime(2027, 2, 1, 9)):
        done = cli(*base, "--days", "10", LOYALTYPOS_PIN=MANAGER_PIN)
        assert json.loads(done.stdout) == {"days": 10, "customers": [
            {"card": olga, "name": "=Olga", "phone": "+79001112233",
             "email": "olga@example.com", "amount": "100.00", "date": "2027-02-09"}]}
        path = tmp_path / "remind.csv"
        done = cli(*base, "--days", "30", "--csv", str(path), LOYALTYPOS_PIN=MANAGER_PIN)
        assert json.loads(done.stdout) == {"days": 30, "customers": 2, "file": str(path)}
        assert cli(*base, "--days", "١٠", LOYALTYPOS_PIN=MANAGER_PIN).returncode == 2
        refused = cli("--db", db.url, "--user", "Kolya", "expire", "reminders",
                      "--days", "10", LOYALTYPOS_PIN=CASHIER_PIN)
        assert refused.returncode == 1 and "needs a manager" in refused.stderr


def test_a_z_report_frozen_before_expiry_reads_with_nothing_expired(db, manager, cashier):
    with business_day(db, manager, D(2027, 1, 10), close=False):
        buy(db, cashier, personal(db, cashier, name="Olga").number, 100_000)
        z = days.close_day(db, actor=manager, refresh=False)
    raw = json.loads(days._to_json(z))
    for key in ("expired", "gifts", "gifts_value", "bonuses"):
        del raw[key]
    old = days._from_json(json.dumps(raw))
    assert (old.expired, old.gifts, old.gifts_value) == (0, 0, 0) and old == z
    labels = [f.label for s in figures(old, "RUB") for f in s.figures]
    assert "Cashback expired" not in labels and "Outstanding cashback" in labels


def test_the_day_counts_the_gifts_its_stamps_earned(db, manager, cashier):
    load(db, manager, '[[reward]]\nkind = "stamps"\nevery = 2\nmin_check = 300\n'
                      'gift = "bonus"\namount = 150\n')
    olga = personal(db, cashier, name="Olga").number
    buy(db, cashier, olga, 40_000)
    buy(db, cashier, olga, 40_000)  # the second stamp: a 150.00 bonus
    summary = days.day_summary(db)
    assert (summary.gifts, summary.gifts_value, summary.bonuses) == (1, 15_000,
                                                                     {"stamps": 15_000})
    cashback = next(s for s in figures(summary, "RUB") if s.title == "Cashback")
    shown = [(f.label, f.value) for f in cashback.figures]
    assert ("Stamp bonuses", "RUB\u00a0150.00") in shown
    assert ("Gifts given", "1 worth RUB\u00a0150.00") in shown
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)
                        .where(LedgerEntry.kind == "bonus_stamps")) == 1


def _fresh_lots(s, lineage: int, program) -> list:
    """The lineage's lots replayed from its first entry, past the till's cache."""
    rows = [(None, e.id, e.kind, e.amount, e.sale_id, e.day_id) for e in s.scalars(
        select(LedgerEntry).join(cards.Card, cards.Card.id == LedgerEntry.card_id)
        .where(cards.Card.lineage_id == lineage).order_by(LedgerEntry.id))]
    dates = dict(s.execute(select(days.BusinessDay.id, days.BusinessDay.business_date)).all())
    fresh = replay_rows(rows, days=program.expiry.days, lock_days=program.expiry.lock_days,
                        ordinal={day: date.toordinal() for day, date in dates.items()})
    return list(fresh.lots)


def test_the_tills_cached_replay_follows_new_entries_and_forgets_a_rolled_back_one(
        db, manager, cashier):
    load(db, manager)
    with business_day(db, manager, D(2027, 1, 10), close=False):
        olga = personal(db, cashier, name="Olga").number
        buy(db, cashier, olga, 200_000)  # 100.00
        assert lots_of(db, olga) == [(D(2027, 1, 10), D(2027, 2, 9), 10_000)]  # now cached
        buy(db, cashier, olga, 100_000, redeem=3_000)  # takes 30.00, earns 48.50 (5 % of 970.00)
        assert lots_of(db, olga) == [(D(2027, 1, 10), D(2027, 2, 9), 7_000),
                                     (D(2027, 1, 10), D(2027, 2, 9), 4_850)]
        # An adjustment the till replays inside its transaction, then rolled back: the
        # cache saw an entry that never was.
        with pytest.raises(RuntimeError), db.write() as s:
            card = cards.find_card(s, olga)
            post(s, card, "adjust", -7_000, day_id=store.open_day(s), user_id=None)
            s.flush()
            program = store.current_program(s)
            assert [lot.amount for lot in
                    expiry.lineage_lots(s, card.lineage_id, program).lots] == [4_850]
            raise RuntimeError("the till lost its power")
        # SQLite gives the next entry the rolled-back one's id: the same count and last
        # id as the cache saw, another amount. The balance tells them apart.
        cards.adjust_balance(db, actor=manager, number=olga, amount=-2_000, reason="fix")
        with db.read() as s:
            card = cards.find_card(s, olga)
            program = store.current_program(s)
            cached = list(expiry.lineage_lots(s, card.lineage_id, program).lots)
            assert cached == _fresh_lots(s, card.lineage_id, program)
            assert [lot.amount for lot in cached] == [5_000, 4_850]
