"""Bulk loaders for the benchmark databases.

Each loader creates the shop with ``open_database`` + ``store.initialise`` (so
the schema, its triggers and the program are the real ones), then writes the
bulk rows with raw ``sqlite3`` ``executemany`` inside one transaction, with
``synchronous=OFF`` and an in-memory rollback journal. Those settings are for
loading only: the file is switched back to WAL at the end and every measured
run reopens it with ``open_database``.

The append-only triggers stay on while loading. A fact may only go into an open
day, and a closed day cannot change, so each loader inserts the business days
open, inserts the facts, and then closes every past day with one UPDATE that
sets ``closed_at``, ``z_number`` and ``z_report`` together (the frozen-day
trigger fires only when ``OLD.closed_at`` is already set).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from loyaltypos.db import open_database
from loyaltypos.db.models import pct_to_bp
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.day_summary import DaySummary, TierLine, TopCustomer
from loyaltypos.domain.program import DEFAULT_PROGRAM_FILE, Program, load_program_file
from loyaltypos.services import store
from loyaltypos.services.days import round_half_up_div

PERSONAL_SHARE = 0.7  # share of cards that are personal (with a customer row)
CARD_SALE_SHARE = 0.6  # share of sales made with a card
REDEEM_SHARE = 0.2  # share of card sales that spend cashback
CASH_SHARE = 0.45  # share of sales paid in cash (the rest by bank card)
OPENS_AT = dt.time(7, 30)
CLOSES_AT = dt.time(22, 0)
FIRST_SALE_S = 8 * 3600
LAST_SALE_S = 21 * 3600


def stamp(value: dt.datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite ``DateTime`` stores it."""
    return value.isoformat(sep=" ", timespec="microseconds")


def create_shop(path: Path) -> store.Initialised:
    """A new database with the real schema, the default program and one manager."""
    db = open_database(str(path))
    try:
        return store.initialise(db, manager_name="Bench Manager", manager_pin="123456",
                                program=load_program_file(DEFAULT_PROGRAM_FILE))
    finally:
        db.dispose()


@contextmanager
def bulk_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """One loading transaction with durability off; the file is left in WAL mode."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB: keeps the random-key indexes hot
        conn.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


# ---------------------------------------------------------------- business days


@dataclass(frozen=True)
class Day:
    id: int
    date: dt.date
    opened_at: dt.datetime

    def at(self, seconds: int, micros: int = 0) -> dt.datetime:
        """A UTC stamp ``seconds`` after the day's midnight."""
        midnight = dt.datetime.combine(self.date, dt.time())
        return midnight + dt.timedelta(seconds=seconds, microseconds=micros)


def insert_days(conn: sqlite3.Connection, n_days: int) -> list[Day]:
    """``n_days`` open business days ending today; the loader closes all but the last."""
    today = clock.local_today()
    dates = [today - dt.timedelta(days=n_days - 1 - i) for i in range(n_days)]
    days = [Day(i, d, dt.datetime.combine(d, OPENS_AT)) for i, d in enumerate(dates, start=1)]
    conn.executemany(
        "INSERT INTO business_days (id, business_date, opened_at) VALUES (?, ?, ?)",
        ((d.id, d.date.isoformat(), stamp(d.opened_at)) for d in days),
    )
    return days


@dataclass
class DayTotals:
    """What a day's frozen Z report holds, accumulated while its rows are generated."""

    sales: int = 0
    subtotal: int = 0
    discount: int = 0
    redeemed: int = 0
    paid: int = 0
    paid_by: dict[str, int] = field(default_factory=lambda: {"cash": 0, "card": 0})
    ledger: dict[str, int] = field(default_factory=dict)
    new_cards: dict[str, int] = field(default_factory=lambda: {"personal": 0, "bearer": 0})
    tiers: dict[str, list[int]] = field(default_factory=dict)  # name: [sales, sub, disc]
    hours: dict[str, int] = field(default_factory=dict)
    paid_by_card: dict[int, int] = field(default_factory=dict)

    def summary(self, day: Day, *, z_number: int, closed_at: dt.datetime,
                liability_total: int, cards: CardSet) -> DaySummary:
        net = self.subtotal - self.discount
        tiers = sorted(self.tiers.items(), key=lambda kv: -kv[1][1])
        top = sorted(self.paid_by_card.items(), key=lambda kv: (-kv[1], cards.numbers[kv[0]]))
        return DaySummary(
            date=day.date, day_id=day.id, closed=True, z_number=z_number,
            sales=self.sales, refunds=0, subtotal=self.subtotal, discount=self.discount,
            redeemed=self.redeemed, paid=self.paid, money_back=0, paid_by=self.paid_by,
            cashback_earned=self.ledger.get("earn", 0), cashback_restored=0,
            cashback_reversed=0, adjustments=self.ledger.get("adjust", 0),
            liability_change=sum(self.ledger.values()), liability_total=liability_total,
            new_cards=self.new_cards, average_check=round_half_up_div(net, self.sales),
            tiers={name: TierLine(*v) for name, v in tiers},
            hours=dict(sorted(self.hours.items())),
            top_customers=[TopCustomer(cards.numbers[i], cards.names[i], paid)
                           for i, paid in top[:5]],
            expected_cash=self.paid_by["cash"], opened_at=day.opened_at, closed_at=closed_at,
        )


def close_days(conn: sqlite3.Connection, days: list[Day], totals: list[DayTotals],
               *, manager_id: int, cards: CardSet, liability: list[int]) -> None:
    """Close every day but the last, each with one UPDATE carrying its frozen Z report."""
    for z_number, (day, tot) in enumerate(zip(days[:-1], totals, strict=False), start=1):
        closed_at = dt.datetime.combine(day.date, CLOSES_AT)
        report = tot.summary(day, z_number=z_number, closed_at=closed_at,
                             liability_total=liability[z_number - 1], cards=cards)
        # as close_day does: its audit line first, which the database asks for
        conn.execute(
            "INSERT INTO audit_log (user_id, action, target, detail, created_at)"
            " VALUES (?, 'day_close', ?, ?, ?)",
            (manager_id, day.date.isoformat(), json.dumps({"z": z_number}), stamp(closed_at)))
        conn.execute(
            "UPDATE business_days SET closed_at = ?, closed_by = ?, z_number = ?, z_report = ?"
            " WHERE id = ?",
            (stamp(closed_at), manager_id, z_number,
             json.dumps(dataclasses.asdict(report), default=str), day.id),
        )


# ---------------------------------------------------------------- cards


@dataclass
class CardSet:
    """The loaded cards, indexed from 0 (card id = index + 1), with running balances."""

    numbers: list[str]
    kinds: list[str]
    names: list[str | None]
    day_index: list[int]  # index into the days list of the day each card was issued
    balance: list[int]
    spend: list[int]


def card_numbers(rng: random.Random, n: int, prefix: str = "27") -> list[str]:
    bodies = rng.sample(range(10 ** (12 - len(prefix))), n)
    width = 12 - len(prefix)
    numbers = []
    for body in bodies:
        first12 = f"{prefix}{body:0{width}d}"
        numbers.append(first12 + cardnumbers.check_digit(first12))
    return numbers


def insert_cards(conn: sqlite3.Connection, rng: random.Random, n: int, days: list[Day],
                 *, totals: list[DayTotals] | None = None, spend: bool = False) -> CardSet:
    """``n`` cards (70 % personal with a customer), issued over the days, ids in issue order.

    A fifth of them exist from the first day; the rest are issued evenly over the
    year, a few on the open day. ``spend=True`` gives them a random lifetime spend
    (for tier variety when there are no sales to derive it from).
    """
    first = n // 5
    day_index = sorted([0] * first + [rng.randrange(len(days)) for _ in range(n - first)])
    kinds = ["personal" if rng.random() < PERSONAL_SHARE else "bearer" for _ in range(n)]
    names = [f"Customer {i + 1}" if k == "personal" else None for i, k in enumerate(kinds)]
    cards = CardSet(
        numbers=card_numbers(rng, n), kinds=kinds, names=names, day_index=day_index,
        balance=[0] * n,
        spend=[int(rng.expovariate(1 / 3_000_000)) if spend else 0 for _ in range(n)],
    )
    conn.executemany(
        "INSERT INTO customers (id, name, phone, email, birthday, marketing_consent, created_at)"
        " VALUES (?, ?, ?, NULL, NULL, ?, ?)",
        (
            (i + 1, names[i], f"+7900{i + 1:07d}", i % 3 == 0,
             stamp(days[day_index[i]].opened_at))
            for i in range(n) if kinds[i] == "personal"
        ),
    )
    conn.executemany(
        "INSERT INTO cards (id, number, kind, status, customer_id, lineage_id, replaced_by_id,"
        " pinned_tier, balance, spend, created_at, day_id)"
        # a new card starts at zero (the database insists); store_card_totals writes the
        # balance and spend the ledger and sales give them
        " VALUES (?, ?, ?, 'active', ?, ?, NULL, NULL, 0, 0, ?, ?)",
        (
            (i + 1, cards.numbers[i], kinds[i], i + 1 if kinds[i] == "personal" else None, i + 1,
             stamp(days[day_index[i]].opened_at), days[day_index[i]].id)
            for i in range(n)
        ),
    )
    if totals is not None:
        for i in range(n):
            if day_index[i] < len(totals):
                totals[day_index[i]].new_cards[kinds[i]] += 1
    return cards


def store_card_totals(conn: sqlite3.Connection, cards: CardSet) -> None:
    """Write the final cached balance and spend of every card."""
    conn.executemany(
        "UPDATE cards SET balance = ?, spend = ? WHERE id = ?",
        ((b, s, i + 1) for i, (b, s) in enumerate(zip(cards.balance, cards.spend, strict=True))),
    )


LEDGER_INSERT = (
    "INSERT INTO ledger_entries (card_id, kind, amount, sale_id, refund_id, user_id, day_id,"
    " created_at, note, corrects_id) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL)"
)


# ---------------------------------------------------------------- part 2: cards and ledger


def load_cards(path: Path, *, n_cards: int, n_entries: int, n_days: int, seed: int) -> dict:
    """``n_cards`` cards and ``n_entries`` ledger entries (earn / redeem, no sales)."""
    rng = random.Random(seed)
    manager_id = create_shop(path).manager.user_id
    with bulk_connection(path) as conn:
        days = insert_days(conn, n_days)
        totals = [DayTotals() for _ in days[:-1]]
        cards = insert_cards(conn, rng, n_cards, days, totals=totals, spend=True)
        # Cards issued by day d are ids 1..issued[d]; entries only touch issued cards.
        issued = [0] * n_days
        for d in cards.day_index:
            issued[d] += 1
        for d in range(1, n_days):
            issued[d] += issued[d - 1]
        liability = [0] * n_days

        def entries() -> Iterator[tuple]:
            running = 0
            day_seconds = LAST_SALE_S - FIRST_SALE_S
            for i in range(n_entries):
                d = i * n_days // n_entries
                card = rng.randrange(issued[d])
                bal = cards.balance[card]
                if bal >= 200 and rng.random() < 0.3:
                    kind, amount = "redeem", -rng.randint(100, bal // 2)
                else:
                    kind, amount = "earn", rng.randint(50, 5000)
                cards.balance[card] = bal + amount
                running += amount
                liability[d] = running
                if d < len(totals):
                    totals[d].ledger[kind] = totals[d].ledger.get(kind, 0) + amount
                offset = FIRST_SALE_S + (i * n_days % n_entries) * day_seconds // n_entries
                yield (card + 1, kind, amount, None, manager_id, days[d].id,
                       stamp(days[d].at(offset)))

        conn.executemany(LEDGER_INSERT, entries())
        store_card_totals(conn, cards)
        for d in range(1, n_days):
            liability[d] = liability[d] or liability[d - 1]
        close_days(conn, days, totals, manager_id=manager_id, cards=cards, liability=liability)
    return {"cards": n_cards, "ledger_entries": n_entries, "business_days": n_days}


# ---------------------------------------------------------------- part 3: a year of sales


@dataclass(frozen=True)
class TierRates:
    name: str
    min_spend: int
    discount_bp: int
    cashback_bp: int


def _rates(program: Program) -> tuple[TierRates, list[TierRates]]:
    def rates(t) -> TierRates:
        return TierRates(t.name, t.min_spend, pct_to_bp(t.discount_pct),
                         pct_to_bp(t.cashback_pct))

    personal = sorted((rates(t) for t in program.personal_tiers), key=lambda r: -r.min_spend)
    return rates(program.bearer_tier), personal


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` over one or two weights; the parts add up exactly."""
    if len(weights) == 1:
        return [total]
    whole = sum(weights)
    first = total * weights[0] // whole if whole else 0
    return [first, total - first]


SALE_INSERT = (
    "INSERT INTO sales (id, receipt_no, day_id, card_id, user_id, created_at, tier, discount_bp,"
    " cashback_bp, subtotal, discount, redeemed, paid, cashback, change_given, balance_after)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
LINE_INSERT = (
    "INSERT INTO sale_lines (sale_id, line_no, description, qty_milli, unit_price, eligible,"
    " amount, discount, redeemed, paid, cashback) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)"
)
PAYMENT_INSERT = (
    "INSERT INTO payments (sale_id, refund_id, day_id, method, amount, tendered)"
    " VALUES (?, NULL, ?, ?, ?, ?)"
)


def load_year(path: Path, *, n_sales: int, n_days: int, open_day_sales: int, n_cards: int,
              max_lines: int, seed: int) -> dict:
    """A year of trading: ``n_sales`` sales over ``n_days`` days, the last day open.

    Every sale has 1..``max_lines`` lines and one payment; card sales have an
    ``earn`` entry and sometimes a ``redeem`` entry, and move the card's cached
    balance and spend, so ``verify`` finds the database healthy.
    """
    rng = random.Random(seed)
    init = create_shop(path)
    manager_id, program = init.manager.user_id, init.program
    bearer, personal = _rates(program)
    max_redeem_bp = pct_to_bp(program.max_redeem_pct)
    closed_sales = n_sales - open_day_sales
    per_day = [closed_sales // (n_days - 1) + (1 if d < closed_sales % (n_days - 1) else 0)
               for d in range(n_days - 1)] + [open_day_sales]
    counts = {"sales": 0, "sale_lines": 0, "payments": 0, "ledger_entries": 0}
    with bulk_connection(path) as conn:
        days = insert_days(conn, n_days)
        totals = [DayTotals() for _ in days[:-1]]
        cards = insert_cards(conn, rng, n_cards, days, totals=totals)
        issued = [0] * n_days
        for d in cards.day_index:
            issued[d] += 1
        for d in range(1, n_days):
            issued[d] += issued[d - 1]
        liability = [0] * n_days
        running = 0
        receipt = 0
        for d, day in enumerate(days):
            tot = totals[d] if d < len(totals) else None
            sales, lines, payments, ledger = [], [], [], []
            times = sorted(rng.randrange(FIRST_SALE_S, LAST_SALE_S) for _ in range(per_day[d]))
            for seconds in times:
                receipt += 1
                created = day.at(seconds, rng.randrange(1_000_000))
                created_s = stamp(created)
                sale_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                items = [(rng.randint(1, 3) * 1000, rng.randrange(1000, 250_000, 10))
                         for _ in range(rng.randint(1, max_lines))]
                amounts = [qty * price // 1000 for qty, price in items]
                subtotal = sum(amounts)
                card = rng.randrange(issued[d]) if rng.random() < CARD_SALE_SHARE else None
                if card is None:
                    rates = None
                elif cards.kinds[card] == "bearer":
                    rates = bearer
                else:
                    rates = next(r for r in personal if cards.spend[card] >= r.min_spend)
                discount = (subtotal * rates.discount_bp + 5000) // 10000 if rates else 0
                due = subtotal - discount
                redeemed = 0
                if card is not None and cards.balance[card] > 0 and rng.random() < REDEEM_SHARE:
                    redeemed = min(cards.balance[card], due * max_redeem_bp // 10000)
                paid = due - redeemed
                cashback = (paid * rates.cashback_bp + 5000) // 10000 if rates else 0
                method = "cash" if rng.random() < CASH_SHARE else "card"
                tendered = -(-paid // 10000) * 10000 if method == "cash" else None
                balance_after = None
                if card is not None:
                    cards.balance[card] += cashback - redeemed
                    cards.spend[card] += due
                    balance_after = cards.balance[card]
                    running += cashback - redeemed
                    for kind, amount in (("redeem", -redeemed), ("earn", cashback)):
                        if amount:
                            ledger.append((card + 1, kind, amount, sale_id, manager_id, day.id,
                                           created_s))
                            if tot is not None:
                                tot.ledger[kind] = tot.ledger.get(kind, 0) + amount
                sales.append((
                    sale_id, receipt, day.id, None if card is None else card + 1, manager_id,
                    created_s, rates.name if rates else None,
                    rates.discount_bp if rates else 0, rates.cashback_bp if rates else 0,
                    subtotal, discount, redeemed, paid, cashback,
                    (tendered - paid) if tendered is not None else 0, balance_after,
                ))
                line_discount = _split(discount, amounts)
                after = [a - x for a, x in zip(amounts, line_discount, strict=True)]
                line_redeemed = _split(redeemed, after)
                line_paid = [a - r for a, r in zip(after, line_redeemed, strict=True)]
                line_cashback = _split(cashback, line_paid)
                for no, (qty, price) in enumerate(items):
                    lines.append((sale_id, no + 1, f"Item {price % 997}", qty, price,
                                  amounts[no], line_discount[no], line_redeemed[no],
                                  line_paid[no], line_cashback[no]))
                if paid:
                    payments.append((sale_id, day.id, method, paid, tendered))
                if tot is not None:
                    tot.sales += 1
                    tot.subtotal += subtotal
                    tot.discount += discount
                    tot.redeemed += redeemed
                    tot.paid += paid
                    tot.paid_by[method] += paid
                    tier = tot.tiers.setdefault(rates.name if rates else "No card", [0, 0, 0])
                    tier[0] += 1
                    tier[1] += subtotal
                    tier[2] += discount
                    hour = f"{clock.to_local(created).hour:02d}"
                    tot.hours[hour] = tot.hours.get(hour, 0) + due
                    if card is not None:
                        tot.paid_by_card[card] = tot.paid_by_card.get(card, 0) + paid
            conn.executemany(SALE_INSERT, sales)
            conn.executemany(LINE_INSERT, lines)
            conn.executemany(PAYMENT_INSERT, payments)
            conn.executemany(LEDGER_INSERT, ledger)
            liability[d] = running
            counts["sales"] += len(sales)
            counts["sale_lines"] += len(lines)
            counts["payments"] += len(payments)
            counts["ledger_entries"] += len(ledger)
        store_card_totals(conn, cards)
        close_days(conn, days, totals, manager_id=manager_id, cards=cards, liability=liability)
    return {**counts, "cards": n_cards, "business_days": n_days,
            "open_day_sales": open_day_sales, "lines_per_sale": f"1-{max_lines}"}
