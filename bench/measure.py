"""The timed parts. Every database is opened with ``open_database`` (WAL, synchronous=FULL)."""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
import statistics
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bench.data import create_shop
from loyaltypos import resources
from loyaltypos.db import open_database
from loyaltypos.db.engine import BUSY_TIMEOUT_MS
from loyaltypos.db.models import BusinessDay, Card, pct_to_bp
from loyaltypos.domain.people import Actor
from loyaltypos.domain.pricing import CartLine, Pricing, Terms, price_sale
from loyaltypos.domain.program import Program, dump_program, parse_program
from loyaltypos.services import cards, checkout, days, store

# The benchmark's sale: five lines, a personal card, a fixed redemption, cash.
SALE_LINES = (
    CartLine("Coffee beans 1 kg", Decimal(1), 129_000),
    CartLine("Milk 1 l", Decimal(2), 8_990),
    CartLine("Cheese (weighed)", Decimal("0.350"), 154_000),
    CartLine("Bread", Decimal(1), 6_500),
    CartLine("Apples (weighed)", Decimal("1.275"), 17_900),
)
REDEEM = 500  # 5.00 of cashback per sale
SEED_BALANCE = 100_000
# Every reward of issue 11 on: each sale earns a stamp (its due is far above min_check),
# every 6th a 150.00 bonus; the card's birthday is today (the first sale earns the
# bonus, every later one looks it up); the card was recommended by another (the first sale
# credits the referrer, every later one looks it up); cashback expires and is locked.
REWARDS_TOML = "\n" + resources.path("rewards.toml").read_text(encoding="utf-8")
STAMPS_EVERY, STAMP_BONUS, BIRTHDAY_BONUS, REFERRAL_BONUS, WELCOME = 6, 15_000, 20_000, 20_000, \
    10_000


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def ms_stats(seconds: list[float]) -> dict:
    ordered = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
    }


# ---------------------------------------------------------------- part 1: checkout


@dataclass(frozen=True)
class Shop:
    actor: Actor
    program: Program
    card_number: str
    card_id: int
    day_id: int
    referrer_id: int | None = None


def _shop_with_card(path: Path, *, rewards: bool = False) -> Shop:
    """A fresh shop with one personal card holding ``SEED_BALANCE`` (this opens the day);
    with ``rewards``, the program has every reward and the card a referrer and a birthday."""
    init = create_shop(path)
    db = open_database(str(path))
    program, referrer, birthday = init.program, None, None
    try:
        if rewards:
            program = parse_program(dump_program(init.program) + REWARDS_TOML)
            store.load_program(db, actor=init.manager, program=program)
            referrer = cards.issue_cards(db, actor=init.manager, kind="personal",
                                         customer=cards.CustomerInput(name="Ivan Sidorov"))[0]
            birthday = dt.date.today().replace(year=1992) if (dt.date.today().month,
                                                               dt.date.today().day) != (2, 29) \
                else dt.date(1992, 2, 29)
        card = cards.issue_cards(db, actor=init.manager, kind="personal",
                                 referred_by=referrer.number if referrer else None,
                                 customer=cards.CustomerInput(name="Anna Petrova",
                                                              phone="+7 912 345-67-89",
                                                              birthday=birthday))[0]
        cards.adjust_balance(db, actor=init.manager, number=card.number, amount=SEED_BALANCE,
                             reason="benchmark seed")
        with db.read() as s:
            card_id = s.scalar(select(Card.id).where(Card.number == card.number))
            day_id = s.scalar(select(BusinessDay.id).where(BusinessDay.closed_at.is_(None)))
            referrer_id = s.scalar(select(Card.id).where(Card.number == referrer.number)) \
                if referrer else None
    finally:
        db.dispose()
    return Shop(init.manager, program, card.number, card_id, day_id, referrer_id)


class PlainTill:
    """The same rows per sale as ``checkout``, written with stdlib ``sqlite3`` only.

    No reads, no pricing, no ORM: one BEGIN IMMEDIATE, 1 sales row, 5 sale_lines,
    1 payment, 2 ledger entries, 1 card UPDATE, COMMIT. Same pragmas as
    ``open_database`` (WAL, synchronous=FULL, foreign keys on).
    """

    def __init__(self, path: Path, shop: Shop, *, rewards: bool = False) -> None:
        self.rewards, self.referrer_id, self.stamps = rewards, shop.referrer_id, 0
        self.conn = sqlite3.connect(path, isolation_level=None,
                                    timeout=BUSY_TIMEOUT_MS / 1000)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       f"busy_timeout={BUSY_TIMEOUT_MS}"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.user_id, self.card_id, self.day_id = shop.actor.user_id, shop.card_id, shop.day_id
        self.receipt = 0
        self.balance = SEED_BALANCE
        # The amounts of the benchmark sale, priced once by the core at the first tier.
        tier = shop.program.tier_for_spend(0)
        self.tier = tier.name
        self.rates = (pct_to_bp(tier.discount_pct), pct_to_bp(tier.cashback_pct))
        terms = Terms(discount_pct=tier.discount_pct, cashback_pct=tier.cashback_pct,
                      max_redeem_pct=shop.program.max_redeem_pct)
        self.pricing: Pricing = price_sale(SALE_LINES, terms=terms, balance=SEED_BALANCE,
                                           redeem=REDEEM, currency=shop.program.currency)

    def sell(self) -> None:
        p = self.pricing
        sale_id = str(uuid.uuid4())
        # microseconds, as the services stamp: a sale is never stamped before its day opened
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.receipt += 1
        self.balance += p.cashback - p.redeemed
        # With the rewards, the rows the services write as well: the stamp, every 6th sale
        # a gift and its bonus, and with the first sale the birthday and referral bonuses.
        stamp, entries, gift = None, [], None
        if self.rewards:
            self.stamps += 1
            stamp = self.stamps
            if self.stamps == STAMPS_EVERY:
                entries.append((self.card_id, "bonus_stamps", STAMP_BONUS))
                gift = (sale_id, self.card_id, self.card_id, "bonus", "stamp bonus",
                        STAMP_BONUS, self.day_id, now)
                self.stamps = 0
            if self.receipt == 1:
                entries += [(self.card_id, "bonus_birthday", BIRTHDAY_BONUS),
                            (self.referrer_id, "bonus_referral", REFERRAL_BONUS)]
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(
                "INSERT INTO sales (id, receipt_no, day_id, card_id, user_id, created_at, tier,"
                " discount_bp, cashback_bp, subtotal, discount, redeemed, paid, cashback,"
                " change_given, balance_after, stamp, stamp_min)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (sale_id, self.receipt, self.day_id, self.card_id, self.user_id, now, self.tier,
                 *self.rates, p.subtotal, p.discount, p.redeemed, p.paid, p.cashback, 0,
                 self.balance, stamp, 30_000 if stamp else None),
            )
            c.executemany(
                "INSERT INTO sale_lines (sale_id, line_no, description, qty_milli, unit_price,"
                " eligible, amount, discount, redeemed, paid, cashback)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(sale_id, no, pl.line.description, int(pl.line.qty * 1000), pl.line.unit_price,
                  True, pl.shares.amount, pl.shares.discount, pl.shares.redeemed,
                  pl.shares.paid, pl.shares.cashback)
                 for no, pl in enumerate(p.lines, start=1)],
            )
            c.execute(
                "INSERT INTO payments (sale_id, refund_id, day_id, method, amount, tendered)"
                " VALUES (?, NULL, ?, 'cash', ?, NULL)",
                (sale_id, self.day_id, p.paid),
            )
            c.executemany(
                "INSERT INTO ledger_entries (card_id, kind, amount, sale_id, refund_id, user_id,"
                " day_id, created_at, note, corrects_id)"
                " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL)",
                [(self.card_id, "redeem", -p.redeemed, sale_id, self.user_id, self.day_id, now),
                 (self.card_id, "earn", p.cashback, sale_id, self.user_id, self.day_id, now),
                 *((card, kind, amount, sale_id, self.user_id, self.day_id, now)
                   for card, kind, amount in entries)],
            )
            if gift is not None:
                c.execute("INSERT INTO gifts (sale_id, card_id, lineage_id, kind, description,"
                          " value, day_id, created_at) VALUES (?,?,?,?,?,?,?,?)", gift)
            own = sum(amount for card, _kind, amount in entries if card == self.card_id)
            c.execute("UPDATE cards SET balance = balance + ?, spend = spend + ?, stamps = ?"
                      " WHERE id = ?", (p.cashback - p.redeemed + own, p.spend, self.stamps,
                                        self.card_id))
            for card, _kind, amount in entries:
                if card != self.card_id:
                    c.execute("UPDATE cards SET balance = balance + ? WHERE id = ?",
                              (amount, card))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()


def _row_counts(path: Path) -> dict[str, int]:
    tables = ("sales", "sale_lines", "payments", "ledger_entries", "gifts")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def measure_checkout(out: Path, *, n_sales: int, warmup: int, block: int) -> dict:
    """Sales per second through ``checkout.checkout`` vs plain sqlite3, in alternating
    blocks: with the program as shipped, then with every reward on."""
    plain = _measure_checkout(out, n_sales=n_sales, warmup=warmup, block=block,
                              rewards=False)
    return plain | {"rewards": _measure_checkout(out, n_sales=n_sales, warmup=warmup,
                                                 block=block, rewards=True)}


def _measure_checkout(out: Path, *, n_sales: int, warmup: int, block: int,
                      rewards: bool) -> dict:
    t0 = time.perf_counter()
    name = "checkout-rewards" if rewards else "checkout"
    orm_path, plain_path = out / f"{name}-orm.sqlite3", out / f"{name}-plain.sqlite3"
    shop = _shop_with_card(orm_path, rewards=rewards)
    till = PlainTill(plain_path, _shop_with_card(plain_path, rewards=rewards), rewards=rewards)
    db = open_database(str(orm_path))
    actor, number = shop.actor, shop.card_number
    setup_s = time.perf_counter() - t0

    def orm_sale() -> None:
        checkout.checkout(db, actor=actor, sale_id=str(uuid.uuid4()), lines=SALE_LINES,
                          card_number=number, redeem=REDEEM)

    for _ in range(warmup):
        orm_sale()
        till.sell()
    orm_times: list[float] = []
    plain_times: list[float] = []
    done = 0
    while done < n_sales:
        n = min(block, n_sales - done)
        for sell, times in ((orm_sale, orm_times), (till.sell, plain_times)):
            for _ in range(n):
                start = time.perf_counter()
                sell()
                times.append(time.perf_counter() - start)
        done += n
    last = checkout.quote(db, card_number=number, lines=SALE_LINES, redeem=REDEEM)
    db.dispose()
    till.close()
    rows = {str(path.name): _row_counts(path) for path in (orm_path, plain_path)}
    if len(set(map(str, rows.values()))) != 1:
        raise RuntimeError(f"checkout and the plain till wrote different rows: {rows}")
    orm_rate = len(orm_times) / sum(orm_times)
    plain_rate = len(plain_times) / sum(plain_times)
    return {
        "setup_s": setup_s,
        "sales": n_sales,
        "warmup_sales": warmup,
        "block": block,
        "orm_sales_per_s": orm_rate,
        "plain_sales_per_s": plain_rate,
        "ratio": orm_rate / plain_rate,
        "orm_latency": ms_stats(orm_times),
        "plain_latency": ms_stats(plain_times),
        "final_tier": last.tier,
        "rows_each": rows[orm_path.name],
    }


# ---------------------------------------------------------------- part 2: card scan


def measure_scan(path: Path, *, n_scans: int, warmup: int, seed: int) -> dict:
    rng = random.Random(seed)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        numbers = [n for (n,) in conn.execute("SELECT number FROM cards")]
    picks = [rng.choice(numbers) for _ in range(n_scans + warmup)]
    del numbers
    db = open_database(str(path))
    start = time.perf_counter()
    cards.scan_card(db, number=picks[0])
    first = time.perf_counter() - start
    for number in picks[1:warmup]:
        cards.scan_card(db, number=number)
    times = []
    for number in picks[warmup:]:
        start = time.perf_counter()
        cards.scan_card(db, number=number)
        times.append(time.perf_counter() - start)
    db.dispose()
    return {"scans": n_scans, "warmup_scans": warmup, "first_ms": first * 1000,
            **ms_stats(times)}


# ---------------------------------------------------------------- part 3: end of day


def measure_summary(path: Path, *, reps: int, expect_sales: int) -> dict:
    db = open_database(str(path))
    times = []
    summary = None
    for _ in range(reps):
        start = time.perf_counter()
        summary = days.day_summary(db)
        times.append(time.perf_counter() - start)
    db.dispose()
    if summary.closed or summary.sales != expect_sales:
        raise RuntimeError(f"the open day's summary shows {summary.sales} sales"
                           f" (closed={summary.closed}); expected {expect_sales} on an open day")
    return {"reps": reps, "first_ms": times[0] * 1000, "day_sales": summary.sales,
            "day_liability_total": summary.liability_total, **ms_stats(times)}
