"""The expiry part: one cashback expiry run over a shop of 100,000 cards and 1,000,000
ledger entries spread over two years, with ``[expiry] days = 365``.

Loading (``load_expiry``, its own process): a new shop with the default program plus
``[expiry]\\ndays = 365``, ``n_days`` business days ending today (the last one open), the
cards of ``data.insert_cards`` (70 % personal), then ``n_entries`` entries in date order
with raw ``sqlite3``: earn (0.50 to 50.00) or, a third of the time when the card can spend
2.00 or more, a redemption of up to half of what the card can spend on that date (its lots
not past their last day, earliest last day first, as the till spends them). No expiry run
is loaded: the run measured is the first one, with two years of lapsed cashback to write.

Measuring (``measure_expiry``): ``expiry.expire(db, actor=None)`` as the app's start and
``loyaltypos expire`` run it (as of the open day), timed; then again (it must write
nothing); then the ``verify`` check of the lots (every lineage replayed), timed.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from bench.data import (
    FIRST_SALE_S,
    LAST_SALE_S,
    LEDGER_INSERT,
    DayTotals,
    bulk_connection,
    close_days,
    insert_cards,
    insert_days,
    stamp,
    store_card_totals,
)
from loyaltypos.db import open_database
from loyaltypos.db.models import Card, LedgerEntry
from loyaltypos.domain.program import DEFAULT_PROGRAM_FILE, parse_program
from loyaltypos.services import expiry, store

EXPIRY_DAYS = 365


def create_expiry_shop(path: Path) -> int:
    """A new shop whose program lets cashback lapse after a year; returns the manager's id."""
    program = parse_program(DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
                            + f"\n[expiry]\ndays = {EXPIRY_DAYS}\n")
    db = open_database(str(path))
    try:
        return store.initialise(db, manager_name="Bench Manager", manager_pin="123456",
                                program=program).manager.user_id
    finally:
        db.dispose()


def load_expiry(path: Path, *, n_cards: int, n_entries: int, n_days: int, seed: int) -> dict:
    rng = random.Random(seed)
    manager_id = create_expiry_shop(path)
    with bulk_connection(path) as conn:
        days = insert_days(conn, n_days)
        totals = [DayTotals() for _ in days[:-1]]
        cards = insert_cards(conn, rng, n_cards, days, totals=totals)
        issued = [0] * n_days
        for d in cards.day_index:
            issued[d] += 1
        for d in range(1, n_days):
            issued[d] += issued[d - 1]
        lots: list[deque] = [deque() for _ in range(n_cards)]  # [last day index, amount]
        liability = [0] * n_days
        counts = {"earn": 0, "redeem": 0}

        def entries() -> Iterator[tuple]:
            running = 0
            span = LAST_SALE_S - FIRST_SALE_S
            for i in range(n_entries):
                d = i * n_days // n_entries
                card = rng.randrange(issued[d])
                mine = lots[card]
                while mine and mine[0][0] < d:  # lapsed: kept in the balance, never spent
                    mine.popleft()
                spendable = sum(amount for _last, amount in mine)
                if spendable >= 200 and rng.random() < 0.33:
                    kind, amount = "redeem", -rng.randint(100, spendable // 2)
                    need = -amount
                    while need:
                        part = min(mine[0][1], need)
                        mine[0][1] -= part
                        need -= part
                        if not mine[0][1]:
                            mine.popleft()
                else:
                    kind, amount = "earn", rng.randint(50, 5000)
                    mine.append([d + EXPIRY_DAYS, amount])
                counts[kind] += 1
                cards.balance[card] += amount
                running += amount
                liability[d] = running
                if d < len(totals):
                    totals[d].ledger[kind] = totals[d].ledger.get(kind, 0) + amount
                offset = FIRST_SALE_S + (i * n_days % n_entries) * span // n_entries
                yield (card + 1, kind, amount, None, manager_id, days[d].id,
                       stamp(days[d].at(offset)))

        conn.executemany(LEDGER_INSERT, entries())
        store_card_totals(conn, cards)
        for d in range(1, n_days):
            liability[d] = liability[d] or liability[d - 1]
        close_days(conn, days, totals, manager_id=manager_id, cards=cards, liability=liability)
    return {"cards": n_cards, "ledger_entries": n_entries, "business_days": n_days,
            "earn": counts["earn"], "redeem": counts["redeem"],
            "liability": sum(cards.balance)}


def measure_expiry(path: Path) -> dict:
    db = open_database(str(path))
    try:
        with db.read() as s:
            before = int(s.scalar(select(func.count()).select_from(LedgerEntry)))
        start = time.perf_counter()
        first = expiry.expire(db, actor=None)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = expiry.expire(db, actor=None)
        second_s = time.perf_counter() - start
        with db.read() as s:
            after = int(s.scalar(select(func.count()).select_from(LedgerEntry)))
            left = int(s.scalar(select(func.sum(Card.balance))))
            start = time.perf_counter()
            problems = expiry.lots_match_balances(s)
            check_s = time.perf_counter() - start
    finally:
        db.dispose()
    return {
        "as_of": first.as_of.isoformat(), "first_s": first_s, "first_cards": first.cards,
        "first_amount": first.amount, "second_s": second_s, "second_cards": second.cards,
        "second_amount": second.amount, "entries_written": after - before,
        "liability_after": left, "check_s": check_s, "check_problems": problems,
    }
