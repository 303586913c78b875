"""Several tills on one PostgreSQL server at once, each in its own OS process with its own
database connections, as in a shop: nothing lost, nothing doubled, numbers gapless, and
a server that stops in the middle of the day loses and doubles no sale.

Each till is this file run as a program, taking jobs on its stdin, one a line: for each it
opens the job's database, says "ready", waits for "go" so that all tills start together,
calls the services and prints what came back as JSON. The module starts its eight tills
once (a start is most of a job's time). A till that hangs or dies fails the test with
its stderr; none outlives the module. (tests/test_postgres_tills.py: tills as threads.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import MANAGER_PIN, PG_REQUIRED_ENV, PROGRAM_TOML, line, personal
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from loyaltypos.db import open_database
from loyaltypos.db.engine import is_transient
from loyaltypos.db.models import Card, Payment, Refund, Sale
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.people import Actor
from loyaltypos.domain.program import parse_program
from loyaltypos.services import store
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.slow  # spawns processes

TILLS = 8
WAIT_S = 60  # for all the tills of a test to answer; more is a hung till
ROOT = Path(__file__).resolve().parent.parent
POSTGRES = ROOT / "scripts" / "postgres"


@pytest.fixture
def backend() -> str:
    return "postgresql"


# -- the tills' side ----------------------------------------------------------------------

def _outcome(work) -> dict:
    """What a service call came to: {"ok": its result} or what it raised."""
    try:
        return {"ok": work()}
    except Exception as exc:  # reported to the test, which says what it expected
        return {"error": type(exc).__name__, "refused": isinstance(exc, Refused),
                "text": str(exc)[:1000]}


def _sale(result) -> dict:
    return dataclasses.asdict(result)


def _sell(db, actor, job) -> list[dict]:
    return [_outcome(lambda: _sale(checkout(
        db, actor=actor, sale_id=new_sale_id(), card_number=job["card"],
        lines=[line("goods", 1, 10_000)]))) for _ in range(job["sales"])]


def _redeem_max(db, actor, job) -> dict:
    return _outcome(lambda: _sale(checkout(
        db, actor=actor, sale_id=new_sale_id(), card_number=job["card"],
        lines=[line("goods", 1, job["price"])], redeem="max")))


def _refund_all(db, actor, job) -> dict:
    return _outcome(lambda: refund(db, actor=actor, sale_id=job["sale_id"]).money_back)


def _same_sale(db, actor, job) -> dict:
    return _outcome(lambda: _sale(checkout(
        db, actor=actor, sale_id=job["sale_id"], card_number=job["card"],
        lines=[line("goods", 1, 10_000)])))


def _stream(db, actor, job) -> dict:
    """Sell one sale after another, each with its own fixed id, as a cashier would through
    a server that goes away: a sale that still fails after checkout's own retries is
    tried again with the same id after a pause (F10 pressed again), until it is recorded."""
    if job["retry_delays"] is not None:
        # checkout's own retries cut short, so that the outage outlasts them as a long one
        # would, within the file's time
        from loyaltypos.db.engine import retrying

        assert "delays" in (retrying.__kwdefaults__ or {}), "retrying takes no delays"
        retrying.__kwdefaults__["delays"] = tuple(job["retry_delays"])
    presses = []
    for n, sale_id in enumerate(job["sale_ids"]):
        first = time.monotonic()
        pressed = 0
        while True:
            pressed += 1
            try:
                done = checkout(db, actor=actor, sale_id=sale_id, card_number=job["card"],
                                lines=[line("goods", 1, 10_000)])
                break
            except DBAPIError as exc:
                if not is_transient(exc) or time.monotonic() - first > job["give_up_s"]:
                    return {"error": type(exc).__name__, "text": str(exc)[:1000],
                            "sale": n, "presses": presses}
                time.sleep(0.3)
        presses.append(pressed)
        print(f"sold {n} {done.receipt_no} {int(done.replayed)}", flush=True)
        time.sleep(job["pace_s"])
    return {"ok": presses}


TASKS = {"sell": _sell, "redeem_max": _redeem_max, "refund_all": _refund_all,
         "same_sale": _same_sale, "stream": _stream}


def _till_main() -> int:
    """Do the jobs that come on stdin, one a line, until its end: open the job's database,
    say "ready", wait for "go", do the job, say its result."""
    while job_text := sys.stdin.readline():
        job = json.loads(job_text)
        db = open_database(job["url"])
        try:
            print("ready", flush=True)
            if sys.stdin.readline().strip() != "go":
                return 1  # the test went away
            result = TASKS[job["task"]](db, Actor(**job["actor"]), job)
            print("result " + json.dumps(result), flush=True)
        finally:
            db.dispose()
    return 0


# -- the test's side ----------------------------------------------------------------------

class Till:
    """A till in its own process (this file run as a program); its stdout read line by
    line, so that a till that hangs is seen to and fails the test rather than hanging it."""

    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str | None] = []
        self.said: list[str] = []  # the stdout lines of the job, read so far
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append),
                             daemon=True)]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _pump(stream, put) -> None:
        for text_line in stream:
            put(text_line.rstrip("\n"))
        put(None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, job: dict) -> None:
        self.said = []
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def until(self, prefix: str, deadline: float) -> str:
        """The next line that starts with ``prefix`` (the lines before it are kept in
        ``said``)."""
        while True:
            try:
                got = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.fail(f"said no '{prefix.strip()}' in time: hung")
            if got is None:
                self.fail(f"ended before it said '{prefix.strip()}'")
            self.said.append(got)
            if got.startswith(prefix):
                return got

    def result(self, deadline: float):
        return json.loads(self.until("result ", deadline).removeprefix("result "))

    def fail(self, why: str) -> None:
        self.close()
        said = "\n".join(s for s in self.stderr if s)[-4000:]
        pytest.fail(f"till {self.n} {why} (exit {self.proc.returncode}); its stderr:\n{said}",
                    pytrace=False)

    def close(self) -> None:
        """End the till: at the end of its stdin between jobs, killed otherwise."""
        with contextlib.suppress(OSError):  # a pipe to a till that is gone
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for reader in self._readers:  # they end at the pipes' end, now the till is gone
            reader.join(timeout=5)
        if not any(reader.is_alive() for reader in self._readers):
            self.proc.stdout.close()
            self.proc.stderr.close()


class Tills:
    """The module's till processes, started once (a process's start is most of a job's
    time); one that failed or was left in the middle of a job is replaced."""

    def __init__(self) -> None:
        self._tills = [Till(n) for n in range(TILLS)]

    def take(self, count: int) -> list[Till]:
        for n in range(count):
            if not self._tills[n].alive:
                self._tills[n] = Till(n)
        return self._tills[:count]

    def drop(self, tills: list[Till]) -> None:
        for till in tills:  # all told at once that it is over, then each waited for
            with contextlib.suppress(OSError):
                till.proc.stdin.close()
        for till in tills:
            till.close()

    def close(self) -> None:
        self.drop(self._tills)


@pytest.fixture(scope="module")
def tills():
    pool = Tills()
    yield pool
    pool.close()


def _job(url: str, actor: Actor, task: str, **more) -> dict:
    return {"url": url, "actor": dataclasses.asdict(actor), "task": task, **more}


def at_once(tills: Tills, url: str, actor: Actor, task: str, jobs: list[dict]) -> list:
    """Run one till per job, released together once all are ready; their results, in order."""
    group = tills.take(len(jobs))
    finished = False
    try:
        for till, job in zip(group, jobs, strict=True):
            till.send(_job(url, actor, task, **job))
        deadline = time.monotonic() + WAIT_S
        for till in group:
            till.until("ready", deadline)
        for till in group:
            till.go()
        results = [till.result(deadline) for till in group]
        finished = True
        return results
    finally:
        if not finished:  # left in the middle of a job: not to be used again
            tills.drop(group)


def refusals(results: list[dict]) -> list[dict]:
    return [r for r in results if "error" in r and r["refused"]]


def crashes(results: list[dict]) -> list[dict]:
    return [r for r in results if "error" in r and not r["refused"]]


# -- the tests ----------------------------------------------------------------------------

def test_eight_till_processes_selling_at_once_record_every_sale_once_with_gapless_numbers(
        db, manager, tills):
    per_till = 50
    numbers = [personal(db, manager, name=f"Customer {n}").number for n in range(TILLS)]
    results = at_once(tills, db.url, manager, "sell",
                      [{"card": number, "sales": per_till} for number in numbers])
    outcomes = [o for till in results for o in till]
    assert not [o for o in outcomes if "error" in o], outcomes
    sold = [o["ok"] for o in outcomes]
    assert not [s for s in sold if s["replayed"]]
    assert sorted(s["receipt_no"] for s in sold) == list(range(1, TILLS * per_till + 1))
    with db.read() as s:
        recorded = dict(s.execute(select(Sale.id, Sale.receipt_no)).all())
        per_card = dict(s.execute(select(Card.number, func.count(Sale.id))
                                  .join(Sale, Sale.card_id == Card.id)
                                  .group_by(Card.number)).all())
    assert recorded == {s["sale_id"]: s["receipt_no"] for s in sold}
    assert per_card == {number: per_till for number in numbers}
    assert verify(db) == []


def test_eight_till_processes_redeeming_a_card_at_once_never_spend_more_than_it_holds(
        db, manager, tills):
    card = personal(db, manager)
    for _ in range(4):
        checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                 lines=[line("goods", 1, 50_000)])
    with db.read() as s:
        held = s.scalar(select(Card.balance).where(Card.number == card.number))
    assert held > 0
    results = at_once(tills, db.url, manager, "redeem_max",
                      [{"card": card.number, "price": 3 * held}] * TILLS)
    assert not crashes(results), results
    sold = sorted((r["ok"] for r in results if "ok" in r), key=lambda r: r["receipt_no"])
    assert sold, results
    # Together they redeem at most what the card held, and what these sales earned it;
    # the card ends with what is left of that, never below zero.
    redeemed = sum(sale["redeemed"] for sale in sold)
    earned = sum(sale["cashback"] + sum(sale["bonuses"].values()) for sale in sold)
    assert redeemed <= held + earned, (held, sold)
    with db.read() as s:
        left = s.scalar(select(Card.balance).where(Card.number == card.number))
    assert left == held + earned - redeemed >= 0, (held, sold)
    # In the order the server recorded them, each redeems at most what the card held then:
    # the first all it had, the others only what the sales before them earned.
    balance = held
    for sale in sold:
        assert sale["redeemed"] <= balance, (held, sold)
        balance += sale["cashback"] + sum(sale["bonuses"].values()) - sale["redeemed"]
        assert sale["balance"] == balance, (held, sold)
    assert sold[0]["redeemed"] == held
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == 4 + len(sold)
    assert verify(db) == []


def test_eight_till_processes_refunding_one_sale_at_once_pay_it_back_once(db, manager, tills):
    card = personal(db, manager)
    sale = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("goods", 2, 10_000)])
    results = at_once(tills, db.url, manager, "refund_all", [{"sale_id": sale.sale_id}] * TILLS)
    assert not crashes(results), results
    assert [r["ok"] for r in results if "ok" in r] == [sale.paid]
    assert len(refusals(results)) == TILLS - 1, results
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 1
        assert s.scalar(select(func.sum(Payment.amount)).where(Payment.amount < 0)) \
            == -sale.paid
    assert verify(db) == []


def test_one_sale_sent_by_eight_till_processes_at_once_is_recorded_once(db, manager, tills):
    """The same sale id from eight tills at once (one receipt, sent again and again): one
    till records it, the others get that first result back, marked as a replay."""
    card = personal(db, manager)
    sale_id = new_sale_id()
    results = at_once(tills, db.url, manager, "same_sale",
                      [{"card": card.number, "sale_id": sale_id}] * TILLS)
    assert not [r for r in results if "error" in r], results
    sold = [r["ok"] for r in results]
    assert [s["replayed"] for s in sold].count(False) == 1, sold
    first = next(s for s in sold if not s["replayed"])
    assert all(s | {"replayed": False, "stamps_every": None}
               == first | {"stamps_every": None} for s in sold), sold
    with db.read() as s:
        assert s.scalars(select(Sale.id)).all() == [sale_id]
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalar(select(Card.balance).where(Card.number == card.number)) \
            == first["cashback"] + sum(first["bonuses"].values())
    assert verify(db) == []


# -- a server that stops in the middle of the day -----------------------------------------

def _postgres(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(POSTGRES), *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def private_server():
    """A server of this test's own, which it may stop: scripts/postgres in a folder under
    the system's temporary folder (as root, the server's user must reach it)."""
    folder = tempfile.mkdtemp(prefix="loyaltypos-pg-test.")
    started = _postgres("start", "--no-install", folder)
    try:
        if started.returncode == 3:  # no binaries
            if os.environ.get(PG_REQUIRED_ENV) == "1":
                pytest.fail(f"no PostgreSQL server binaries, and {PG_REQUIRED_ENV}=1:\n"
                            + started.stderr)
            pytest.skip("no PostgreSQL server binaries (Debian: apt-get install postgresql)")
        assert started.returncode == 0, started.stderr
        yield folder, started.stdout.strip()
    finally:
        _postgres("stop", "--immediate", "--remove", folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("retry_delays", [None, [0.1, 0.2]],
                         ids=["back-within-the-sales-retries", "back-after-they-gave-up"])
def test_a_server_restarted_in_the_middle_of_the_day_loses_and_doubles_no_sale(
        private_server, retry_delays):
    """The server stops for 3 s while a till sells, and starts again: either checkout's
    own retries outlast it, or they give up and the cashier presses F10 again (the same
    sale id). Every sale is recorded once; a commit whose answer was lost in the stop is
    found again by its id, not sold twice."""
    folder, server_url = private_server
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "shop"'))
    admin.dispose()
    url = make_url(server_url).set(database="shop").render_as_string(hide_password=False)
    db = open_database(url, admin=True)
    try:
        manager = store.initialise(db, manager_name="Maria", manager_pin=MANAGER_PIN,
                                   program=parse_program(PROGRAM_TOML)).manager
        card = personal(db, manager)
        sale_ids = [new_sale_id() for _ in range(150)]
        till = Till()  # its own: the job changes how checkout retries in the process
        try:
            till.send(_job(url, manager, "stream", card=card.number, sale_ids=sale_ids,
                           pace_s=0.02, give_up_s=40, retry_delays=retry_delays))
            deadline = time.monotonic() + WAIT_S
            till.until("ready", deadline)
            till.go()
            till.until("sold 50 ", deadline)
            stopped = _postgres("stop", "--immediate", folder)
            assert stopped.returncode == 0, stopped.stderr
            time.sleep(3)
            again = _postgres("start", "--no-install", folder)
            assert (again.returncode, again.stdout.strip()) == (0, server_url), again.stderr
            outcome = till.result(time.monotonic() + WAIT_S)
        finally:
            till.close()
        assert "ok" in outcome, outcome
        presses = outcome["ok"]
        # the stop fell in the middle of the stream, and the till felt it
        if retry_delays is None:
            assert [s for s in till.stderr if s and "failed for a moment" in s], till.stderr
        else:
            assert max(presses) > 1, presses
        sold = [said.split() for said in till.said if said.startswith("sold ")]
        with db.read() as s:
            recorded = dict(s.execute(select(Sale.id, Sale.receipt_no)).all())
            payments = s.execute(select(Payment.sale_id, func.count())
                                 .group_by(Payment.sale_id)).all()
            earned = s.execute(text("SELECT sale_id, count(*) FROM ledger_entries"
                                    " WHERE kind = 'earn' GROUP BY sale_id")).all()
            cashback = s.scalar(select(func.sum(Sale.cashback)))
            balance = s.scalar(select(Card.balance).where(Card.number == card.number))
        assert set(recorded) == set(sale_ids)
        assert sorted(recorded.values()) == list(range(1, len(sale_ids) + 1))
        # what the till was told is what the server kept
        assert {sale_ids[int(n)]: int(no) for _, n, no, _ in sold} == recorded
        assert len(payments) == len(sale_ids) and {c for _, c in payments} == {1}
        assert len(earned) == len(sale_ids) and {c for _, c in earned} == {1}
        assert balance == cashback
        assert verify(db) == []
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(_till_main())
