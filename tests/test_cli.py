"""The ``loyaltypos`` command, run as a shop owner would run it.

Most tests call ``main(argv)`` in-process (it returns the exit code, prints to the
captured stdout and stderr and reads ``LOYALTYPOS_*`` from the environment); a few run
the real ``python -m loyaltypos`` and the installed console script end to end.
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import exc as sa_exc

from loyaltypos.cli import failures, main
from loyaltypos.db import engine
from loyaltypos.domain import i18n, people
from loyaltypos.domain.cardnumbers import generate
from loyaltypos.services import cards as cards_service

ROOT = Path(__file__).resolve().parent.parent
PIN = "987654"
BUSY = ("loyaltypos: the database is busy: another till or program is writing to it"
        " (database is locked). Nothing was saved; try again in a moment")


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class Shop:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture) -> None:
        self.db = tmp_path / "cli.sqlite3"
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.setenv("LOYALTYPOS_DB", str(self.db))
        monkeypatch.setenv("LOYALTYPOS_PIN", PIN)
        monkeypatch.delenv("LOYALTYPOS_NEW_PIN", raising=False)

    def run(self, *args: str, pin: str | None = None, new_pin: str | None = None) -> Result:
        with self.monkeypatch.context() as env:
            if pin is not None:
                env.setenv("LOYALTYPOS_PIN", pin)
            if new_pin is not None:
                env.setenv("LOYALTYPOS_NEW_PIN", new_pin)
            self.capsys.readouterr()
            code = main(list(args))
            printed = self.capsys.readouterr()
        return Result(code, printed.out, printed.err)

    def ok(self, *args: str, **kw) -> dict | list:
        proc = self.run("--json", *args, **kw)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def fails(self, code: int, *args: str, **kw) -> str:
        """Run a command that must fail with ``code`` and change nothing; its stderr."""
        before = self.fingerprint()
        proc = self.run(*args, **kw)
        assert proc.returncode == code, (proc.stdout, proc.stderr)
        assert proc.stdout == ""
        assert self.fingerprint() == before, "a failed command changed the database"
        return proc.stderr

    def refused(self, *args: str, **kw) -> str:
        stderr = self.fails(1, *args, **kw)
        assert len(stderr.strip().splitlines()) == 1, stderr
        return stderr.strip()

    def fingerprint(self) -> str:
        """Everything but the users table (a wrong PIN is counted there on purpose)."""
        con = sqlite3.connect(self.db)
        try:
            tables = [r[0] for r in con.execute(
                "select name from sqlite_master where type='table' and name != 'users'")]
            return json.dumps({t: con.execute(f"select * from {t} order by 1").fetchall()
                               for t in tables}, default=str)
        finally:
            con.close()


@pytest.fixture(autouse=True)
def log_folder(tmp_path, monkeypatch) -> Path:
    """Faults are logged under tmp_path, never in the real user's log folder."""
    folder = tmp_path / "logs"

    def user_log_dir(appname, *, appauthor):
        assert (appname, appauthor) == ("loyaltypos", False)
        return str(folder)

    monkeypatch.setattr(failures, "user_log_dir", user_log_dir)
    return folder


@pytest.fixture
def bare(tmp_path, monkeypatch, capsys) -> Shop:
    """The command line on a database that has no shop yet."""
    return Shop(tmp_path, monkeypatch, capsys)


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory) -> Path:
    """A shop set up once (manager Anna, cashier Petya); each test gets a copy.

    Its PINs are hashed at a cheap cost (a hash carries its cost, so every sign-in of the
    tests stays cheap); the shop's real cost is tests/test_users.py's business.
    """
    path = tmp_path_factory.mktemp("template") / "cli.sqlite3"
    with pytest.MonkeyPatch.context() as env:
        env.setattr(people, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})
        env.setenv("LOYALTYPOS_PIN", PIN)
        env.setenv("LOYALTYPOS_NEW_PIN", "1111")
        assert main(["--db", str(path), "init", "--manager", "Anna", "--shop",
                     "Corner Books"]) == 0
        assert main(["--db", str(path), "user", "add", "Petya", "--role", "cashier",
                     "--user", "Anna"]) == 0
    assert not path.with_name(path.name + "-wal").exists()  # all in one file to copy
    return path


@pytest.fixture
def shop(bare, shop_template) -> Shop:
    shutil.copyfile(shop_template, bare.db)
    return bare


def test_init_sets_up_a_shop_and_its_first_manager(bare):
    out = bare.ok("init", "--manager", "Anna", "--shop", "Corner Books")
    assert out == {"shop": "Corner Books", "currency": "RUB", "manager": "Anna",
                   "database": f"sqlite:///{bare.db}"}
    assert bare.ok("user", "add", "Petya", "--role", "cashier", "--user", "Anna",
                   new_pin="1111") == {"name": "Petya", "role": "cashier"}
    assert bare.ok("card", "issue", "--bearer", "--user", "Petya", pin="1111")["tier"] == (
        "Bearer")


# ---------------------------------------------------------------- what the commands do


def test_a_day_at_the_counter_from_the_command_line(shop):
    card = shop.ok("card", "issue", "--personal", "--name", "Ivan Petrov", "--phone",
                   "+7 912 000-11-22", "--user", "Petya", pin="1111")
    assert set(card) >= {"number", "kind", "status", "tier", "balance", "spend", "holder"}
    assert card["holder"]["name"] == "Ivan Petrov" and card["balance"] == "0.00"
    number = card["number"]
    shop.ok("card", "adjust", number, "100", "--reason", "welcome", "--user", "Anna")

    sale = shop.ok("sale", "--card", number, "--item", "Pen", "2", "500", "--item", "Book",
                   "1", "4000", "--excluded-item", "Lighter", "1", "100", "--redeem", "max",
                   "--pay", "cash:10000", "--user", "Petya", pin="1111")
    assert set(sale) >= {"sale_id", "card", "tier", "subtotal", "discount", "redeemed", "paid",
                         "cashback", "balance", "change"}
    # Simple: 5 % off eligible 5000.00 = 250.00; max redeem is 50 % -> the whole 100.00
    assert (sale["subtotal"], sale["discount"], sale["redeemed"]) == ("5100.00", "250.00",
                                                                      "100.00")
    assert sale["paid"] == "4750.00" and sale["change"] == "5250.00"
    # 1 % cashback of the eligible part paid (4750 - 1.98 redeemed on the lighter... exact)
    shown = shop.ok("card", "show", number, "--user", "Anna")
    assert shown["balance"] == sale["balance"]

    refund = shop.ok("refund", sale["sale_id"], "--item", "1", "1", "--user", "Anna")
    assert set(refund) >= {"refund_id", "sale_id", "money_back", "restored", "reversed",
                           "shortfall", "balance"}
    report = shop.ok("report", "eod")
    assert set(report) >= {"date", "closed", "sales", "refunds", "subtotal", "discount",
                           "redeemed", "paid_by", "cashback_earned", "cashback_reversed",
                           "liability_change", "liability_total", "new_cards",
                           "average_check", "tiers", "hours", "top_customers"}
    assert (report["sales"], report["refunds"], report["subtotal"]) == (1, 1, "5100.00")
    assert report["liability_total"] == refund["balance"]
    assert shop.ok("verify") == {"ok": True, "problems": []}
    closed = shop.ok("day", "close", "--counted-cash", "0", "--user", "Anna")
    assert closed["closed"] and closed["z_number"] == 1
    assert shop.ok("report", "eod", "--date", closed["date"]) == closed


def test_text_output_reads_as_before(shop):
    card = shop.ok("card", "issue", "--personal", "--name", "Ivan Petrov", "--user", "Anna")
    number = card["number"]
    assert shop.run("card", "show", number, "--user", "Anna").stdout == (
        f"{number}  Ivan Petrov  [personal, active]  tier Simple (5% off, 1% cashback)"
        "  balance 0.00  spend 0.00  20000.00 more to Silver\n")
    sale = shop.run("sale", "--card", number, "--item", "Pen", "2", "500", "--pay", "cash:1000",
                    "--id", "6c5b1d3a-1f2e-4c3b-9a8d-7e6f5a4b3c2d", "--user", "Anna")
    assert sale == (0, "Receipt 1  sale 6c5b1d3a-1f2e-4c3b-9a8d-7e6f5a4b3c2d\n"
                       "subtotal 1000.00  discount 50.00  redeemed 0.00  paid 950.00"
                       "  change 50.00\n"
                       f"card {number} (Simple): cashback 9.50, balance 9.50\n", "")
    assert shop.run("refund", "1", "--user", "Anna").stdout == (
        "Refund 1: money back 950.00 (card 0.00, cash 950.00), cashback restored 0.00,"
        " reversed 9.50; balance 0.00\n")
    report = shop.run("report", "eod").stdout.splitlines()
    assert report[0].startswith("Business day ") and report[0].endswith(" - open")
    assert report[1:3] == ["  sales                1", "  refunds              1"]
    assert report[-3:] == ["  paid by              cash 0.00, card 0.00",
                           "  new cards            personal 1, bearer 0",
                           "  tier Simple          1 sales, 1000.00, -50.00"]
    assert shop.run("verify").stdout == "ledger ok\n"
    assert shop.run("product", "list").stdout == "no products yet\n"


def test_bearer_batch_register_replace_and_pin(shop):
    batch = shop.ok("card", "issue", "--bearer", "--count", "3", "--user", "Petya", pin="1111")
    assert isinstance(batch, list) and len(batch) == 3
    assert {c["tier"] for c in batch} == {"Bearer"}
    number = batch[0]["number"]
    reg = shop.ok("card", "register", number, "--name", "Olga", "--phone", "89001112233",
                  "--user", "Petya", pin="1111")
    assert reg["kind"] == "personal" and reg["holder"]["name"] == "Olga"
    assert shop.ok("card", "find", "Olga", "--user", "Anna")[0]["number"] == number
    pinned = shop.ok("card", "pin-tier", number, "Gold", "--user", "Anna")
    assert pinned["tier"] == "Gold"
    new = shop.ok("card", "replace", number, "--user", "Anna")
    assert new["replaces"] == number and new["tier"] == "Gold"
    assert "replaced" in shop.refused("sale", "--card", number, "--item", "x", "1", "1",
                                      "--user", "Petya", pin="1111")


def test_same_sale_id_twice_records_one_sale(shop):
    args = ("sale", "--id", "6c5b1d3a-1f2e-4c3b-9a8d-7e6f5a4b3c2d", "--item", "x", "1", "10",
            "--user", "Petya")
    first = shop.ok(*args, pin="1111")
    second = shop.ok(*args, pin="1111")
    assert second["replayed"] and first["sale_id"] == second["sale_id"]
    assert shop.ok("report", "eod")["sales"] == 1


def test_program_show_and_load_round_trip(shop, tmp_path):
    shown = shop.run("program", "show")
    assert shown.returncode == 0 and "[[tier]]" in shown.stdout
    edited = tmp_path / "program.toml"
    edited.write_text(shown.stdout.replace("discount_pct = 30", "discount_pct = 35"),
                      encoding="utf-8")
    loaded = shop.ok("program", "load", str(edited), "--user", "Anna")
    assert next(t for t in loaded["tiers"] if t["name"] == "VIP")["discount_pct"] == "35"


def test_backup_is_a_working_copy(shop, tmp_path):
    target = tmp_path / "copy.sqlite3"
    shop.ok("backup", str(target), "--user", "Anna")
    assert shop.ok("--db", str(target), "program", "show")["name"] == "Corner Books"
    assert "already exists" in shop.refused("backup", str(target), "--user", "Anna")


def test_receipts_from_the_command_line(shop, tmp_path):
    sale = shop.ok("sale", "--item", "Чай", "2", "150", "--pay", "cash:500", "--user", "Petya",
                   pin="1111")
    shown = shop.run("receipt", "1")
    assert shown.returncode == 0 and "Чай" in shown.stdout and "TOTAL" in shown.stdout
    written = shop.ok("receipt", f"R{sale['receipt_no']}", "--pdf", str(tmp_path / "r.pdf"),
                      "--escpos", str(tmp_path / "r.bin"), "--width", "58")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert b"\x1dV" in (tmp_path / "r.bin").read_bytes()[-8:]
    assert written == {"pdf": str(tmp_path / "r.pdf"), "escpos": str(tmp_path / "r.bin")}
    shop.ok("refund", "1", "--item", "1", "1", "--user", "Anna")
    assert "REFUND 1" in shop.run("receipt", "--refund", "1").stdout
    assert "no receipt number 7" in shop.refused("receipt", "7")
    assert shop.refused("receipt", "1", "--escpos", str(tmp_path / "no" / "r.bin")) == (
        f"loyaltypos: cannot write {tmp_path / 'no' / 'r.bin'}: No such file or directory")


def test_close_with_counted_cash_then_z_report_and_export(shop, tmp_path):
    shop.ok("sale", "--item", "x", "1", "100", "--pay", "cash:100", "--user", "Petya",
            pin="1111")
    closed = shop.ok("day", "close", "--counted-cash", "98.50", "--user", "Anna")
    assert (closed["expected_cash"], closed["counted_cash"], closed["cash_difference"]) == (
        "100.00", "98.50", "-1.50")
    z = shop.ok("report", "z", str(closed["z_number"]), "--pdf", str(tmp_path / "z.pdf"))
    assert z["pdf"] == str(tmp_path / "z.pdf") and z["paid"] == closed["paid"]
    assert (tmp_path / "z.pdf").read_bytes().startswith(b"%PDF")
    assert "no Z report 9" in shop.refused("report", "z", "9")
    exported = shop.ok("export", "--from", closed["date"], "--to", closed["date"], "--dir",
                       str(tmp_path / "csv"), "--user", "Anna")
    assert exported["rows"]["sales"] == 1 and (tmp_path / "csv" / "sales.csv").exists()
    assert shop.run("export", "--from", closed["date"], "--to", closed["date"], "--dir",
                    str(tmp_path / "csv2"), "--user", "Anna").stdout.splitlines()[0] == (
        f"{tmp_path / 'csv2' / 'sales.csv'}  (1 rows)")
    assert "after" in shop.refused("export", "--from", "2026-02-02", "--to", "2026-01-01",
                                   "--dir", str(tmp_path / "x"), "--user", "Anna")
    # the columns' stable keys by default; titles for a person in Russian when asked
    keys = (tmp_path / "csv" / "sales.csv").read_text(encoding="utf-8-sig").splitlines()
    shop.ok("export", "--from", closed["date"], "--to", closed["date"], "--dir",
            str(tmp_path / "ru"), "--headers", "ru", "--user", "Anna")
    titled = (tmp_path / "ru" / "sales.csv").read_text(encoding="utf-8-sig").splitlines()
    assert keys[0].startswith("receipt_no,sale_id,business_date,")
    assert titled[0].startswith("Номер чека,") and titled[1:] == keys[1:]
    assert "there is no 'xx' translation" in shop.refused(
        "export", "--from", closed["date"], "--to", closed["date"], "--dir",
        str(tmp_path / "xx"), "--headers", "xx", "--user", "Anna")
    assert not (tmp_path / "xx").exists()


# ---------------------------------------------------------------- exit codes 1 and 2


def test_refusals_say_why_exit_1_and_change_nothing(shop, tmp_path, monkeypatch):
    card = shop.ok("card", "issue", "--personal", "--name", "Z", "--user", "Anna")["number"]
    wrong_digit = card[:12] + str((int(card[12]) + 1) % 10)
    sale = shop.ok("sale", "--card", card, "--item", "x", "1", "100", "--user", "Anna")
    blocked = shop.ok("card", "issue", "--personal", "--name", "B", "--user", "Anna")["number"]
    shop.ok("card", "block", blocked, "--user", "Anna")
    replaced = shop.ok("card", "issue", "--bearer", "--user", "Anna")["number"]
    shop.ok("card", "replace", replaced, "--user", "Anna")
    item = ("--item", "x", "1", "10")

    assert "check digit wrong, scan again" in shop.refused("sale", "--card", wrong_digit,
                                                           *item, "--user", "Anna")
    assert "no card" in shop.refused("card", "show", generate(), "--user", "Anna")
    assert "blocked" in shop.refused("sale", "--card", blocked, *item, "--user", "Anna")
    assert "replaced" in shop.refused("sale", "--card", replaced, *item, "--user", "Anna")
    assert "negative" in shop.refused("sale", "--item", "x", "1", "-5", "--user", "Anna")
    assert "not an amount" in shop.refused("sale", "--item", "x", "1", "abc", "--user", "Anna")
    assert "more than zero" in shop.refused("sale", "--item", "x", "-1", "5", "--user", "Anna")
    assert "not a quantity" in shop.refused("sale", "--item", "x", "two", "5", "--user", "Anna")
    assert "at most" in shop.refused("sale", "--card", card, *item, "--redeem", "5000",
                                     "--user", "Anna")
    assert "only 1" in shop.refused("refund", sale["sale_id"], "--item", "1", "2",
                                    "--user", "Anna")
    assert shop.refused("refund", sale["sale_id"], "--item", "0", "1", "--user", "Anna") == (
        "loyaltypos: '0' is not a line number; lines count from 1")
    assert shop.refused("report", "eod", "--date", "yesterday") == (
        "loyaltypos: 'yesterday' is not a date; write YYYY-MM-DD")
    assert "wrong name or PIN" in shop.refused("card", "issue", "--bearer", "--user", "Anna",
                                       pin="0000")
    assert "manager" in shop.refused("card", "block", card, "--user", "Petya", pin="1111")
    assert "manager" in shop.refused("refund", sale["sale_id"], "--user", "Petya", pin="1111")
    assert "manager" in shop.refused("day", "close", "--user", "Petya", pin="1111")
    shop.ok("day", "close", "--user", "Anna")
    assert "already closed" in shop.refused("day", "close", "--user", "Anna")
    broken = tmp_path / "broken.toml"
    broken.write_text("[program\n", encoding="utf-8")
    assert "not valid TOML" in shop.refused("program", "load", str(broken), "--user", "Anna")
    assert "no program file" in shop.refused("program", "load", str(tmp_path / "nope.toml"),
                                             "--user", "Anna")
    assert "already has a shop" in shop.refused("init", "--manager", "Again")
    monkeypatch.delenv("LOYALTYPOS_PIN")
    assert shop.refused("card", "issue", "--bearer", "--user", "Anna") == (
        "loyaltypos: no PIN: set LOYALTYPOS_PIN or run the command in a terminal to type it")


def test_a_database_without_a_shop_says_run_init(bare):
    from loyaltypos.db import open_database

    open_database(str(bare.db)).dispose()  # a new, empty database
    proc = bare.run("verify")
    assert proc.returncode == 1
    assert proc.stderr == (f"loyaltypos: sqlite:///{bare.db} has no shop yet;"
                           " set it up with 'loyaltypos init'\n")


def test_a_mistyped_path_is_refused_and_nothing_is_made_there(bare, tmp_path):
    wrong = tmp_path / "no-such-folder" / "shop.sqlite3"
    for command in (("verify",), ("card", "find", "Ivan", "--user", "Anna"), ("report", "eod")):
        proc = bare.run("--db", str(wrong), *command)
        assert proc.returncode == 1, proc
        assert proc.stderr == (f"loyaltypos: there is no database at {wrong}; check --db or"
                               " LOYALTYPOS_DB, or set up a new shop there with"
                               " 'loyaltypos init'\n")
    assert not wrong.parent.exists()


def test_bad_usage_exits_2_and_says_what_to_type(shop):
    def usage(*args: str) -> str:
        stderr = shop.fails(2, *args)
        assert stderr.startswith("usage: loyaltypos"), stderr
        return stderr.splitlines()[-1]

    assert usage("sale", "--item", "x", "1", "10") == (
        "loyaltypos: error: say who you are with --user NAME (the PIN comes from"
        " LOYALTYPOS_PIN or a prompt)")
    assert usage("card", "issue", "--user", "Anna") == (
        "loyaltypos: error: say --bearer or --personal")
    assert usage("sale", "--item", "x", "1", "10", "--pay", "bitcoin", "--user", "Anna") == (
        "loyaltypos: error: --pay takes cash[:TENDERED] or card[:AMOUNT], not 'bitcoin'")
    assert "invalid choice: 'frobnicate'" in usage("card", "frobnicate")
    assert "expected 3 arguments" in usage("sale", "--item", "x", "--user", "Anna")
    assert "required: COMMAND" in usage()
    helped = shop.run("sale", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: loyaltypos sale")
    assert "--excluded-item DESC QTY PRICE" in helped.stdout


# ---------------------------------------------------------------- exit codes 3 and 4


def test_a_locked_database_exits_3_in_one_line_and_writes_nothing(shop, monkeypatch):
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 100)
    before = shop.fingerprint()
    other_till = sqlite3.connect(shop.db, isolation_level=None)
    try:
        other_till.execute("BEGIN EXCLUSIVE")
        proc = shop.run("card", "issue", "--bearer", "--user", "Anna")
        other_till.execute("ROLLBACK")
    finally:
        other_till.close()
    assert proc == (3, "", BUSY + "\n")
    assert shop.fingerprint() == before
    assert shop.ok("card", "issue", "--bearer", "--user", "Anna")["kind"] == "bearer"


@pytest.mark.parametrize(("driver_says", "line"), [
    ("server closed the connection unexpectedly",
     "loyaltypos: the database cannot be reached (server closed the connection unexpectedly)."
     " Nothing was saved; check the connection or the disk, then try again"),
    ("database or disk is full",
     "loyaltypos: the disk is full (database or disk is full). Nothing was saved; free some"
     " space on the disk that holds the database, then try again"),
])
def test_a_database_that_fails_mid_command_exits_3(shop, monkeypatch, driver_says, line):
    def fail(*args, **kwargs):
        raise sa_exc.OperationalError("INSERT INTO cards ...", {},
                                      sqlite3.OperationalError(driver_says))

    monkeypatch.setattr(cards_service, "issue_cards", fail)
    assert shop.fails(3, "card", "issue", "--bearer", "--user", "Anna") == line + "\n"


def test_a_database_that_cannot_be_opened_exits_3(bare, tmp_path):
    proc = bare.run("--db", "nosuchdialect://x/y", "verify")
    assert proc == (3, "", "loyaltypos: cannot open the database (Can't load plugin:"
                           " sqlalchemy.dialects:nosuchdialect); check --db or LOYALTYPOS_DB,"
                           " and that the file can be read and written\n")
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("shopping list\n" * 100, encoding="utf-8")
    proc = bare.run("--db", str(not_a_database), "verify")
    assert proc == (3, "", "loyaltypos: cannot open the database (file is not a database);"
                           " check --db or LOYALTYPOS_DB, and that the file can be read and"
                           " written\n")


def _fault_after_the_cards_are_written(monkeypatch) -> None:
    """A bug inside issue_cards' transaction, after the new cards were flushed."""
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cards_service, "card_info", boom)


def test_a_fault_exits_4_logs_the_traceback_and_writes_nothing(shop, monkeypatch, log_folder):
    _fault_after_the_cards_are_written(monkeypatch)
    log = log_folder / "loyaltypos.log"
    stderr = shop.fails(4, "card", "issue", "--bearer", "--count", "2", "--user", "Anna")
    assert stderr.splitlines() == [
        "loyaltypos: internal error (RuntimeError: boom); this is a fault of the program,"
        " not of what you typed",
        f"loyaltypos: the details are in {log}; send that file with a note of what you ran",
    ]
    text = log.read_text(encoding="utf-8")
    assert "ERROR loyaltypos.cli: internal error in 'loyaltypos card issue'" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text
    with sqlite3.connect(shop.db) as con:
        assert con.execute("select count(*) from cards").fetchone() == (0,)


def test_a_fault_whose_log_cannot_be_written_still_exits_4(shop, monkeypatch, log_folder):
    _fault_after_the_cards_are_written(monkeypatch)
    log_folder.parent.mkdir(parents=True, exist_ok=True)
    log_folder.write_text("a file where the log folder should be", encoding="utf-8")
    stderr = shop.fails(4, "card", "issue", "--bearer", "--user", "Anna")
    assert stderr.splitlines() == [
        "loyaltypos: internal error (RuntimeError: boom); this is a fault of the program,"
        " not of what you typed",
        f"loyaltypos: the details could not be written to {log_folder / 'loyaltypos.log'}"
        " (File exists)",
    ]


# ---------------------------------------------------------------- translation


class Bracketed(gettext.NullTranslations):
    """A catalog that marks every message it translates."""

    def gettext(self, message):
        return f"[{message}]"

    def ngettext(self, singular, plural, n):
        return f"[{singular if n == 1 else plural}]"


def test_every_line_a_person_reads_goes_through_the_catalog(shop, monkeypatch):
    card = shop.ok("card", "issue", "--personal", "--name", "Ivan", "--user", "Anna")["number"]
    shop.ok("sale", "--card", card, "--item", "x", "1", "100", "--user", "Anna")
    bracketed = i18n._Speech(Bracketed(), "qps", i18n.babel_locale())
    monkeypatch.setattr(i18n, "_load", lambda *_args, **_kwargs: bracketed)

    shown = shop.run("card", "show", card, "--user", "Anna").stdout
    assert shown.startswith(f"[{card}  Ivan  [[personal], [active]]  tier Simple")
    assert shop.run("verify").stdout == "[ledger ok]\n"
    report = shop.run("report", "eod").stdout.splitlines()
    assert report[0].startswith("[Business day ")
    assert report[1] == "  [sales]              1"
    assert report[-1] == "  [tier Simple]        [1 sales, 100.00, -5.00]"
    assert "[cash] 95.00" in report[-3]
    sale = shop.run("sale", "--item", "x", "1", "10", "--user", "Anna").stdout
    assert sale.startswith("[Receipt 2  sale ")
    # argparse's own words too: "[usage: ]", "[... error: ...]"
    assert shop.fails(2, "card", "issue", "--user", "Anna").endswith(
        "error: [say --bearer or --personal]\n]")
    assert shop.refused("report", "eod", "--date", "x") == (
        "loyaltypos: ['x' is not a date; write YYYY-MM-DD]")
    helped = shop.run("card", "issue", "--help").stdout
    assert "[how many bearer cards (answers with a list)]" in helped
    assert "--pdf [FILE]" in helped
    assert "[issue, look up and manage cards]" in shop.run("--help").stdout


def test_the_command_line_speaks_the_language_of_the_environment(shop, monkeypatch):
    card = shop.ok("card", "issue", "--personal", "--name", "Ivan", "--user", "Anna")["number"]
    shop.ok("sale", "--card", card, "--item", "x", "1", "1234.50", "--user", "Anna")
    monkeypatch.setenv("LANGUAGE", "ru")
    assert shop.run("verify").stdout == "журнал операций в порядке\n"
    report = shop.run("report", "eod").stdout
    assert report.startswith("Смена ") and "продажи" in report
    assert shop.refused("report", "eod", "--date", "x") == (
        "loyaltypos: 'x' — не дата; пишите ГГГГ-ММ-ДД")
    with i18n.speaking("ru"):
        cards_help = i18n._("issue, look up and manage cards")
    assert cards_help != "issue, look up and manage cards"
    helped = shop.run("--help").stdout
    assert cards_help in helped.replace("\n", " ").replace("  ", "")
    assert helped.startswith("использование: loyaltypos") and "параметры:" in helped
    assert shop.fails(2, "card", "issue", "--bogus", "--user", "Anna").endswith(
        "ошибка: неизвестные аргументы: --bogus\n")
    # --json keeps its keys and plain amounts, whatever the language
    assert re.fullmatch(r"\d+\.\d\d", shop.ok("card", "show", card, "--user", "Anna")["balance"])
    monkeypatch.setenv("LANGUAGE", "en")
    assert shop.run("verify").stdout == "ledger ok\n"
    # the receipt is the customer's paper: the shop's language, whatever the shell's
    assert "Thank you!" in shop.run("receipt", "1").stdout
    shop.ok("shops", "set", "1", "--language", "ru", "--user", "Anna")
    receipt = shop.run("receipt", "1").stdout
    assert "Спасибо" in receipt and "1 234,50" in receipt and "Thank you!" not in receipt
    assert shop.run("verify").stdout == "ledger ok\n"  # the shell still speaks English


# ---------------------------------------------------------------- end to end, real processes


def _real_env(shop: Shop) -> dict[str, str]:
    import os

    return dict(os.environ, LOYALTYPOS_DB=str(shop.db), LOYALTYPOS_PIN=PIN,
                PYTHONPATH=str(ROOT))


@pytest.mark.slow
def test_python_dash_m_loyaltypos_runs_and_exits_with_the_code(shop):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "loyaltypos", *args], env=_real_env(shop),
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    issued = run("--json", "card", "issue", "--bearer", "--user", "Anna")
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["kind"] == "bearer"
    unknown = run("card", "show", generate(), "--user", "Anna")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr.startswith("loyaltypos: no card") and unknown.stderr.count("\n") == 1


@pytest.mark.slow
def test_the_installed_console_script_runs(shop):
    script = Path(sys.executable).parent / "loyaltypos"
    assert script.exists(), "pip install -e . makes the loyaltypos command"
    proc = subprocess.run([str(script), "--json", "program", "show"], env=_real_env(shop),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == "Corner Books"


@pytest.mark.slow
def test_commands_that_print_nothing_do_not_load_reportlab(shop):
    probe = ("import sys; from loyaltypos.cli import main;"
             " code = main(['card', 'issue', '--bearer', '--user', 'Anna']);"
             " print(code, sorted(m for m in ('reportlab', 'PIL', 'alembic') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], env=_real_env(shop),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 []"


def test_ctrl_c_at_the_pin_prompt_stops_in_one_line_and_writes_nothing(shop, monkeypatch):
    from loyaltypos.cli import common

    def interrupted(_env, _prompt):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "read_pin", interrupted)
    before = shop.fingerprint()
    proc = shop.run("card", "issue", "--bearer", "--user", "Anna")
    assert proc.returncode == failures.INTERRUPTED == 130
    assert proc.stderr == ("loyaltypos: stopped; a change that was not finished was rolled"
                        " back\n")
    assert shop.fingerprint() == before
