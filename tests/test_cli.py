"""The real ``loyaltypos`` command, run as a shop owner would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loyaltypos.domain.cardnumbers import generate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PIN = "9876"


class Shop:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "cli.sqlite3"
        self.env = dict(os.environ, LOYALTYPOS_DB=str(self.db), LOYALTYPOS_PIN=PIN,
                        PYTHONPATH=str(ROOT))

    def run(self, *args: str, pin: str | None = None, new_pin: str | None = None):
        env = dict(self.env)
        if pin is not None:
            env["LOYALTYPOS_PIN"] = pin
        if new_pin is not None:
            env["LOYALTYPOS_NEW_PIN"] = new_pin
        return subprocess.run([sys.executable, "-m", "loyaltypos", *args], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    def ok(self, *args: str, **kw) -> dict | list:
        proc = self.run("--json", *args, **kw)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def refused(self, *args: str, **kw) -> str:
        before = self.fingerprint()
        proc = self.run(*args, **kw)
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert self.fingerprint() == before, "a refused command changed the database"
        return proc.stderr.strip()

    def fingerprint(self) -> str:
        """Everything but the users table (a wrong PIN is counted there on purpose)."""
        import sqlite3

        con = sqlite3.connect(self.db)
        try:
            tables = [r[0] for r in con.execute(
                "select name from sqlite_master where type='table' and name != 'users'")]
            return json.dumps({t: con.execute(f"select * from {t} order by 1").fetchall()
                               for t in tables}, default=str)
        finally:
            con.close()


@pytest.fixture
def shop(tmp_path):
    shop = Shop(tmp_path)
    out = shop.ok("init", "--manager", "Anna", "--shop", "Corner Books")
    assert out["shop"] == "Corner Books" and out["currency"] == "RUB"
    shop.ok("user", "add", "Petya", "--role", "cashier", "--user", "Anna", new_pin="1111")
    return shop


def test_console_script_is_installed():
    assert shutil.which("loyaltypos") or (Path(sys.executable).parent / "loyaltypos").exists()


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
    shown = shop.ok("card", "show", number)
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


def test_bearer_batch_register_replace_and_pin(shop):
    batch = shop.ok("card", "issue", "--bearer", "--count", "3", "--user", "Petya", pin="1111")
    assert isinstance(batch, list) and len(batch) == 3
    assert {c["tier"] for c in batch} == {"Bearer"}
    number = batch[0]["number"]
    reg = shop.ok("card", "register", number, "--name", "Olga", "--phone", "89001112233",
                  "--user", "Petya", pin="1111")
    assert reg["kind"] == "personal" and reg["holder"]["name"] == "Olga"
    assert shop.ok("card", "find", "Olga")[0]["number"] == number
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


def test_refusals_say_why_exit_1_and_change_nothing(shop, tmp_path):
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
    assert "no card" in shop.refused("card", "show", generate())
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
    assert "wrong PIN" in shop.refused("card", "issue", "--bearer", "--user", "Anna",
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


def test_bad_usage_exits_2(shop):
    assert shop.run("sale", "--item", "x", "1", "10").returncode == 2  # no --user
    assert shop.run("card", "frobnicate").returncode == 2
    assert shop.run("sale", "--item", "x", "--user", "Anna").returncode == 2


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
    shop.ok("backup", str(target))
    proc = subprocess.run([sys.executable, "-m", "loyaltypos", "--json", "--db", str(target),
                           "program", "show"], env=shop.env, capture_output=True, text=True)
    assert json.loads(proc.stdout)["name"] == "Corner Books"
    assert "already exists" in shop.refused("backup", str(target))


def test_a_wrong_database_url_is_a_clear_error(tmp_path):
    shop = Shop(tmp_path)
    proc = shop.run("--db", "nosuchdialect://x/y", "verify")
    assert proc.returncode == 1 and "cannot open the database" in proc.stderr
    proc = shop.run("verify")  # a new, empty file
    assert proc.returncode == 1 and "loyaltypos init" in proc.stderr


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
                       str(tmp_path / "csv"))
    assert exported["rows"]["sales"] == 1 and (tmp_path / "csv" / "sales.csv").exists()
    assert "after" in shop.refused("export", "--from", "2026-02-02", "--to", "2026-01-01",
                                   "--dir", str(tmp_path / "x"))
