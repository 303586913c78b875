"""The tills part: checkout from 1, 2, 4 and 8 tills at once on one PostgreSQL server.

Each till is an OS process of its own (multiprocessing, spawn) that opens its own
``open_database(url)`` and sells through the real ``checkout.checkout`` on a card no
other till uses: the benchmark's sale of ``bench.measure`` (5 lines, a personal card,
5.00 of cashback redeemed, cash). Every write transaction on a server first takes one
advisory lock (``loyaltypos.db.engine.WRITE_LOCK_KEY``), so the tills' sales are
recorded one at a time; the figures show what that costs, not what it would be without.

A round: the tills start, open the database, make their warm-up sales (not timed), wait
at a barrier, and are released together; each then makes the same number of sales and
counts what succeeded and what failed (any exception is a failure; the first message
is kept). The round's rate is the sales that succeeded divided by the time from the
first release to the last till's finish. Each round has its own fresh cards, so every
round starts from cards in the same state.

Beside it, in the same run: one till (the same till process) on a SQLite file, and
plain ``sqlite3`` writing the same rows per sale (``bench.measure.PlainTill``).

The server's database is new for each run (``bench_tills_<random>``, made from the
URL's database and dropped at the end), migrated with ``open_database(url, admin=True)``
and set up as the other parts set up a shop (``bench.data.create_shop``).
"""

from __future__ import annotations

import multiprocessing
import queue
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.data import create_shop
from bench.measure import REDEEM, SALE_LINES, SEED_BALANCE, PlainTill, _shop_with_card, ms_stats
from loyaltypos.db import Database, open_database
from loyaltypos.db.models import Sale
from loyaltypos.domain.people import Actor
from loyaltypos.services import cards, checkout
from loyaltypos.services.verify import verify

GATE_TIMEOUT_S = 120  # for every till to open the database and make its warm-up sales
ROUND_TIMEOUT_S = 900  # a till with no report by then is counted as failed
SERVER_SETTINGS = ("server_version", "fsync", "synchronous_commit", "max_connections")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def _sell(db: Database, actor: Actor, number: str) -> None:
    checkout.checkout(db, actor=actor, sale_id=str(uuid.uuid4()), lines=SALE_LINES,
                      card_number=number, redeem=REDEEM)


def till(url: str, actor: Actor, number: str, sales: int, warmup: int,
         gate: multiprocessing.synchronize.Barrier, reports: multiprocessing.Queue,
         index: int) -> None:
    """One till, in its own process: its own database, ``warmup`` sales, then released
    with the others, ``sales`` sales on card ``number``; puts its figures on ``reports``."""
    from bench.run import peak_rss_mb

    report = {"till": index, "sold": 0, "failed": 0, "first_error": None,
              "released": None, "finished": None, "times": []}
    db = None
    try:
        db = open_database(url)
        for _ in range(warmup):
            _sell(db, actor, number)
        gate.wait(timeout=GATE_TIMEOUT_S)
        # CLOCK_MONOTONIC on Linux and macOS: one clock for every process, so the
        # round's span can be taken from the tills' own stamps.
        report["released"] = time.monotonic()
        for _ in range(sales):
            start = time.perf_counter()
            try:
                _sell(db, actor, number)
            except Exception as exc:  # any failure of a sale is counted, and the till goes on
                report["failed"] += 1
                report["first_error"] = report["first_error"] or _first_line(exc)
            else:
                report["sold"] += 1
                report["times"].append(time.perf_counter() - start)
        report["finished"] = time.monotonic()
    except Exception as exc:  # before the release: this till sells nothing, the others neither
        gate.abort()
        report["failed"] = sales - report["sold"]
        report["first_error"] = _first_line(exc)
    finally:
        if db is not None:
            db.dispose()
        report["peak_rss_mb"] = peak_rss_mb()
        reports.put(report)


def run_round(url: str, actor: Actor, numbers: list[str], *, sales: int,
              warmup: int) -> dict:
    """``len(numbers)`` tills released together, one card each; the round's figures."""
    ctx = multiprocessing.get_context("spawn")
    gate = ctx.Barrier(len(numbers))
    reports = ctx.Queue()
    procs = [ctx.Process(target=till, name=f"till-{i + 1}",
                         args=(url, actor, number, sales, warmup, gate, reports, i + 1))
             for i, number in enumerate(numbers)]
    for proc in procs:
        proc.start()
    got: list[dict] = []
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while len(got) < len(procs) and time.monotonic() < deadline:
        try:
            got.append(reports.get(timeout=1))
        except queue.Empty:
            if not any(proc.is_alive() for proc in procs):
                break  # a till died without a report (killed, crashed)
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()
    reported = {r["till"] for r in got}
    for i, proc in enumerate(procs, start=1):
        if i not in reported:
            got.append({"till": i, "sold": 0, "failed": sales, "released": None,
                        "finished": None, "times": [], "peak_rss_mb": 0.0,
                        "first_error": f"the till process gave no report (exit {proc.exitcode})"})
    got.sort(key=lambda r: r["till"])

    sold = sum(r["sold"] for r in got)
    failed = sum(r["failed"] for r in got)
    released = [r["released"] for r in got if r["released"] is not None]
    finished = [r["finished"] for r in got if r["finished"] is not None]
    wall = max(finished) - min(released) if finished else 0.0
    # The first message of a till that failed by itself, before one whose barrier broke.
    errors = sorted((r["first_error"] for r in got if r["first_error"]),
                    key=lambda e: e.startswith("BrokenBarrierError"))
    times = [t for r in got for t in r["times"]]
    return {
        "tills": len(numbers),
        "sales_per_till": sales,
        "sold": sold,
        "failed": failed,
        "first_error": errors[0] if errors else None,
        "wall_s": wall,
        "sales_per_s": sold / wall if wall > 0 else 0.0,
        "till_sales_per_s": [r["sold"] / (r["finished"] - r["released"])
                             if r["finished"] and r["finished"] > r["released"] else 0.0
                             for r in got],
        "latency": ms_stats(times) if times else None,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in got),
    }


# ---------------------------------------------------------------- SQLite


def _measure_sqlite(out: Path, *, sales: int, warmup: int) -> dict:
    """One till process on a SQLite file, and plain sqlite3 in this process."""
    path, plain_path = out / "tills.sqlite3", out / "tills-plain.sqlite3"
    for old in (path, plain_path):
        old.unlink(missing_ok=True)
    shop = _shop_with_card(path)
    one = run_round(f"sqlite:///{path}", shop.actor, [shop.card_number], sales=sales,
                    warmup=warmup)
    plain = PlainTill(plain_path, _shop_with_card(plain_path))
    try:
        for _ in range(warmup):
            plain.sell()
        times = []
        start = time.perf_counter()
        for _ in range(sales):
            t0 = time.perf_counter()
            plain.sell()
            times.append(time.perf_counter() - t0)
        wall = time.perf_counter() - start
    finally:
        plain.close()
    return {"till": one, "plain_sales_per_s": sales / wall, "plain_latency": ms_stats(times)}


# ---------------------------------------------------------------- PostgreSQL


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """The URL of a new database on ``server`` (made from the URL's database), dropped
    at the end with whatever connections are left on it."""
    url = make_url(server)
    name = f"bench_tills_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _server_shop(url: str, n_cards: int) -> tuple[Actor, list[str], dict[str, str]]:
    """The shop on a new server database: migrated by an admin (a till never migrates a
    server), the default program and a manager, and ``n_cards`` personal cards each
    holding ``SEED_BALANCE``; with the server's settings that bear on the figures."""
    open_database(url, admin=True).dispose()
    init = create_shop(url)  # it opens str(path): a server's URL does as well
    db = open_database(url)
    try:
        numbers = []
        for n in range(n_cards):
            card = cards.issue_cards(db, actor=init.manager, kind="personal",
                                     customer=cards.CustomerInput(name=f"Till Customer {n + 1}"))[0]
            cards.adjust_balance(db, actor=init.manager, number=card.number,
                                 amount=SEED_BALANCE, reason="benchmark seed")
            numbers.append(card.number)
        with db.engine.connect() as conn:
            settings = {name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                        for name in SERVER_SETTINGS}
    finally:
        db.dispose()
    return init.manager, numbers, settings


def _sales_recorded(url: str) -> int:
    db = open_database(url)
    try:
        with db.read() as s:
            return s.scalar(select(func.count()).select_from(Sale))
    finally:
        db.dispose()


def _measure_server(server: str, *, sales: int, warmup: int, counts: list[int]) -> dict:
    t0 = time.perf_counter()
    with fresh_database(server) as url:
        actor, numbers, settings = _server_shop(url, sum(counts))
        setup_s = time.perf_counter() - t0
        rounds, used, expected = [], 0, 0
        for n in counts:
            r = run_round(url, actor, numbers[used:used + n], sales=sales, warmup=warmup)
            used += n
            expected += n * warmup + r["sold"]
            r["recorded_total"], r["expected_total"] = _sales_recorded(url), expected
            rounds.append(r)
        db = open_database(url)
        try:
            problems = verify(db)
        finally:
            db.dispose()
        database = make_url(url).database
    one = rounds[0]["sales_per_s"]
    for r in rounds:
        r["vs_one"] = r["sales_per_s"] / one if one else 0.0
    return {"server": make_url(server).render_as_string(hide_password=True),
            "database": database, "settings": settings, "setup_s": setup_s,
            "rounds": rounds, "verify_problems": problems}


def measure_tills(out: Path, *, server: str | None, sales: int, warmup: int,
                  counts: list[int]) -> dict:
    """The SQLite figures, then (with a server) the rounds of ``counts`` tills."""
    result = {"sales_per_till": sales, "warmup_sales": warmup, "counts": counts,
              "sqlite": _measure_sqlite(out, sales=sales, warmup=warmup),
              "postgresql": None, "skipped": None}
    if server is None:
        result["skipped"] = "no server"
        return result
    try:
        result["postgresql"] = _measure_server(server, sales=sales, warmup=warmup,
                                               counts=counts)
    except OperationalError as exc:  # the server did not answer: say so, keep SQLite's
        result["skipped"] = f"the server did not answer ({_first_line(exc.orig or exc)})"
    return result
