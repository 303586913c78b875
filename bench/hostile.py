"""Hostile use, measured: bad input, kills, racing tills and a tampered file.

    .venv/bin/python -m bench.hostile [--inputs 600] [--kills 20] [--seed 7] [--json]

Prints what an adversarial audit of the shop's file and command line counts:

- bad inputs: generated bad commands through ``loyaltypos`` (in this process), with the
  exit codes, tracebacks, and refused commands that changed the database (a refused
  sign-in's counted try is left out: it is written on purpose);
- kills: each long operation run as a real process and killed at a random moment, then
  the file checked (``integrity_check``, ``verify``) and the operation all-or-nothing;
- a race: tills as processes spending one card's balance at once;
- tampering: the tamper tests (each an edit refused by a trigger, or reported by
  ``verify`` once the triggers are dropped), run and counted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGER, MANAGER_PIN, CASHIER, CASHIER_PIN = "Anna", "123456", "Petya", "1111"
JUNK = ["", "-1", "0", "1e27", "9" * 30, "²", "１２", "١٢", "NaN", "\x00", "\x1b[31m", "%%",
        "x" * 5000, "\u202e", "\r\n", "2026-13-45", "{00000000-0000-0000-0000-00000000000g}",
        "max", "cash:", "card:-5", "1,5", "1.005", "-0", "0x10", " 1 ", "∞", "None", "'; --"]


def env(**more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "LOYALTYPOS_PIN": MANAGER_PIN,
            "LOYALTYPOS_NEW_PIN": CASHIER_PIN, **more}


def cli(db: Path, *args: str, pin: str = MANAGER_PIN) -> tuple[int, str, str]:
    """``loyaltypos`` in this process: (exit code, stdout, stderr)."""
    from loyaltypos.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("LOYALTYPOS_PIN")
    os.environ["LOYALTYPOS_PIN"] = pin
    os.environ.setdefault("LOYALTYPOS_NEW_PIN", CASHIER_PIN)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["--db", str(db), *args])
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        if saved is None:
            os.environ.pop("LOYALTYPOS_PIN", None)
        else:
            os.environ["LOYALTYPOS_PIN"] = saved
    return code, out.getvalue(), err.getvalue()


def run(db: Path, *args: str, **kw) -> str:
    code, out, err = cli(db, *args, **kw)
    if code != 0:
        raise SystemExit(f"setting up failed: {args}: {err}")
    return out


def fingerprint(db: Path) -> list:
    """Every row but the users' wrong-PIN counters and the sign-in audit lines."""
    con = sqlite3.connect(db)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"
                                            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        rows = []
        for table in tables:
            if table == "users":
                query = "SELECT id, name, role, pin_hash FROM users ORDER BY id"
            elif table == "audit_log":
                query = ("SELECT * FROM audit_log WHERE action NOT IN ('sign_in_unknown',"
                         " 'user_locked') ORDER BY id")
            else:
                query = f"SELECT * FROM {table} ORDER BY 1"
            rows.append((table, con.execute(query).fetchall()))
        return rows
    finally:
        con.close()


def shop(folder: Path) -> tuple[Path, str]:
    """A shop with a manager, a cashier, a personal card with a balance and a sale."""
    db = folder / "shop.sqlite3"
    run(db, "init", "--manager", MANAGER, "--shop", "Hostile Test")
    run(db, "user", "add", CASHIER, "--role", "cashier", "--user", MANAGER)
    card = json.loads(run(db, "--json", "card", "issue", "--personal", "--name", "Olga",
                          "--phone", "+79120000001", "--user", MANAGER))["number"]
    run(db, "card", "adjust", card, "500", "--reason", "seed", "--user", MANAGER)
    run(db, "sale", "--card", card, "--item", "Tea", "1", "100", "--user", MANAGER)
    return db, card


def bad_commands(rng: random.Random, card: str, folder: Path, count: int) -> list[list[str]]:
    def junk() -> str:
        return rng.choice(JUNK) if rng.random() < .8 else "".join(
            chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(1, 12)))

    broken = folder / "broken.toml"
    broken.write_text('[program]\nname = "A\\u0000B"\ncurrency = "RUB"\n'
                      'tier_window_days = 1000000\n[[tier]]\nname = [1, 2]\n')
    makers = [
        lambda: ["sale", "--item", junk(), junk(), junk(), "--pay", junk()],
        lambda: ["sale", "--card", junk(), "--item", "x", "1", "5"],
        lambda: ["sale", "--card", card, "--item", "x", "1", "5", "--redeem", junk()],
        lambda: ["sale", "--item", "x", "1", "5", "--id", junk()],
        lambda: ["refund", junk(), "--item", junk(), junk()],
        lambda: ["card", rng.choice(["show", "find", "block", "replace"]), junk()],
        lambda: ["card", "adjust", rng.choice([card, junk()]), junk(), "--reason", junk()],
        lambda: ["card", "pin-tier", rng.choice([card, junk()]), junk()],
        lambda: ["card", "issue", "--personal", "--name", junk(), "--phone", junk()],
        lambda: ["card", "issue", "--bearer", "--count", junk()],
        lambda: ["card", "register", junk(), "--name", junk()],
        lambda: ["product", "add", junk(), junk(), junk()],
        lambda: ["product", "import", rng.choice(["/dev/zero", str(broken), junk()])],
        lambda: ["receipt", junk()],
        lambda: ["report", rng.choice(["z", "eod"]), *(["--date"] if rng.random() < .5 else []),
                 junk()],
        lambda: ["day", "close", "--counted-cash", junk()],
        lambda: ["day", "open", "--date", junk()],
        lambda: ["program", "load", rng.choice([str(broken), junk()])],
        lambda: ["user", "add", junk(), "--role", rng.choice(["manager", "cashier", junk()])],
        lambda: ["export", "--from", junk(), "--to", junk(), "--dir", junk()],
        lambda: ["backup", junk()],
        lambda: ["receipt-header", junk(), junk()],
    ]
    commands = []
    for _n in range(count):
        args = rng.choice(makers)()
        who = rng.random()
        if who < .7:
            args += ["--user", MANAGER]
        elif who < .85:
            args += ["--user", junk()]
        commands.append(args)
    return commands


def bad_inputs(folder: Path, count: int, rng: random.Random) -> dict:
    db, card = shop(folder)
    codes: dict[int, int] = {}
    tracebacks, writes, examples = 0, 0, []
    for args in bad_commands(rng, card, folder, count):
        before = fingerprint(db)
        with contextlib.chdir(folder):  # a backup or export named by junk lands in here
            code, _out, err = cli(db, *args)
        codes[code] = codes.get(code, 0) + 1
        if "Traceback" in err:
            tracebacks += 1
            examples.append(("traceback", args))
        if code != 0 and fingerprint(db) != before:
            writes += 1
            examples.append(("write", args))
    verified = cli(db, "verify")[0] == 0
    return {"tried": count, "exit_codes": dict(sorted(codes.items())), "tracebacks": tracebacks,
            "writes_by_refused": writes, "verify_ok": verified, "examples": examples[:5]}


# ---------------------------------------------------------------- kills

LOOP = """
import sys, uuid
from decimal import Decimal
from loyaltypos.db import open_database
from loyaltypos.domain.pricing import CartLine
from loyaltypos.services import users
from loyaltypos.services.checkout import PaymentInput, checkout
db = open_database(sys.argv[1])
actor = users.sign_in(db, name=sys.argv[2], pin=sys.argv[3])
for n in range(200):
    checkout(db, actor=actor, sale_id=str(uuid.uuid4()), card_number=sys.argv[4],
             lines=[CartLine(f"item {i}", Decimal(1), 1000 + i, True) for i in range(5)],
             redeem=None, payments=[PaymentInput("cash")])
"""


def count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def healthy(db: Path) -> bool:
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    proc = subprocess.run([sys.executable, "-m", "loyaltypos", "--db", str(db), "verify"],
                          env=env(), capture_output=True, text=True, cwd=ROOT)
    return ok and proc.returncode == 0


def catalog(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("code,name,price\n")
        for n in range(rows):
            f.write(f"{4600000000000 + n},Product {n},{100 + n % 900}.50\n")


def kills(folder: Path, per_operation: int, rng: random.Random) -> dict:
    db, card = shop(folder)
    catalog(folder / "catalog.csv", 60_000)
    loop = folder / "loop.py"
    loop.write_text(LOOP)
    operations = {
        "card issue --count 1000": (["-m", "loyaltypos", "--db", str(db), "card", "issue",
                                     "--bearer", "--count", "1000", "--user", MANAGER],
                                    "cards", {0, 1000}),
        "product import 60,000 rows": (["-m", "loyaltypos", "--db", str(db), "product",
                                        "import", str(folder / "catalog.csv"), "--user",
                                        MANAGER], "products", None),
        "backup": (["-m", "loyaltypos", "--db", str(db), "backup", "{backup}", "--user",
                    MANAGER], None, None),
        "200 sales in a row": ([str(loop), str(db), MANAGER, MANAGER_PIN, card], "sales",
                               None),
    }
    figures = {}
    for name, (argv, table, steps) in operations.items():
        started = time.perf_counter()
        subprocess.run([sys.executable, *[a.format(backup=folder / "timing.sqlite3")
                                          for a in argv]],
                       env=env(), capture_output=True, cwd=ROOT, check=True)
        full = time.perf_counter() - started
        survived = 0
        for attempt in range(per_operation):
            target = folder / f"backup-{attempt}.sqlite3"
            before = count(db, table) if table else 0
            proc = subprocess.Popen([sys.executable, *[a.format(backup=target) for a in argv]],
                                    env=env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, cwd=ROOT)
            time.sleep(rng.uniform(0, full))
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            whole = healthy(db)
            if table == "cards":
                whole &= count(db, "cards") - before in steps
            if table == "products":
                whole &= count(db, "products") in (before, 60_000)
            if name == "backup" and target.exists():
                whole &= healthy(target)
            survived += whole
        figures[name] = {"kills": per_operation, "survived": survived,
                         "full_run_s": round(full, 2)}
    return figures


# ---------------------------------------------------------------- a race

RACER = """
import sys, uuid
from decimal import Decimal
from loyaltypos.db import open_database
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine
from loyaltypos.services import users
from loyaltypos.services.checkout import PaymentInput, checkout
db = open_database(sys.argv[1])
actor = users.sign_in(db, name=sys.argv[2], pin=sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
try:
    done = checkout(db, actor=actor, sale_id=str(uuid.uuid4()), card_number=sys.argv[4],
                    lines=[CartLine("Book", Decimal(1), 100000, True)], redeem=REDEEM_MAX,
                    payments=[PaymentInput("cash")])
    print(done.redeemed, done.cashback)
except Exception as exc:
    print("refused", type(exc).__name__)
"""


def race(folder: Path, tills: int = 8) -> dict:
    db, card = shop(folder)
    script = folder / "racer.py"
    script.write_text(RACER)
    con = sqlite3.connect(db)
    held = con.execute("SELECT balance FROM cards WHERE number = ?", (card,)).fetchone()[0]
    con.close()
    procs = [subprocess.Popen([sys.executable, str(script), str(db), MANAGER, MANAGER_PIN, card],
                              env=env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for _n in range(tills)]
    for proc in procs:
        proc.stdout.readline()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    answers = [proc.communicate(timeout=120)[0].strip() for proc in procs]
    sold = [tuple(map(int, a.split())) for a in answers if not a.startswith("refused")]
    redeemed, earned = sum(r for r, _e in sold), sum(e for _r, e in sold)
    con = sqlite3.connect(db)
    balance = con.execute("SELECT balance FROM cards WHERE number = ?", (card,)).fetchone()[0]
    ledger = con.execute("SELECT sum(amount) FROM ledger_entries WHERE card_id = "
                         "(SELECT id FROM cards WHERE number = ?)", (card,)).fetchone()[0]
    con.close()
    return {"tills": tills, "sold": len(sold), "held_before": held, "redeemed": redeemed,
            "earned": earned, "balance_after": balance, "ledger_sum": ledger,
            "exact": balance == ledger == held + earned - redeemed and balance >= 0,
            "verify_ok": healthy(db)}


# ---------------------------------------------------------------- tampering


def tampering() -> dict:
    files = ["tests/test_hardening_verify.py", "tests/test_hardening_audited_tables.py",
             "tests/test_hardening_guards.py"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *files], capture_output=True, text=True, cwd=ROOT)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    words = last.split()
    passed = int(words[0]) if words and words[1:2] == ["passed"] else 0
    failed = int(words[words.index("failed,") - 1]) if "failed," in words else 0
    return {"cases": passed + failed, "caught": passed, "summary": last}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile")
    parser.add_argument("--inputs", type=int, default=600)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="loyaltypos-hostile-") as tmp:
        os.environ["XDG_STATE_HOME"] = tmp  # a fault's log stays in the throw-away folder
        folders = [Path(tmp, part) for part in ("inputs", "kills", "race")]
        for folder in folders:
            folder.mkdir()
        figures = {"bad_inputs": bad_inputs(folders[0], args.inputs, rng),
                   "kills": kills(folders[1], args.kills, rng),
                   "race": race(folders[2]),
                   "tampering": tampering()}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    bad = figures["bad_inputs"]
    print(f"bad inputs: {bad['tried']} tried; exit codes {bad['exit_codes']}; tracebacks "
          f"{bad['tracebacks']}; writes by refused commands {bad['writes_by_refused']}; "
          f"verify {'ok' if bad['verify_ok'] else 'FAILED'}")
    for example in bad["examples"]:
        print(f"    {example}")
    for name, kill in figures["kills"].items():
        print(f"kills, {name}: {kill['survived']}/{kill['kills']} left the file whole"
              f" (a full run takes {kill['full_run_s']} s)")
    r = figures["race"]
    print(f"race: {r['tills']} tills at once redeem 'max' from one card holding"
          f" {r['held_before']}: {r['sold']} sales, {r['redeemed']} redeemed, {r['earned']}"
          f" earned, balance {r['balance_after']} (ledger {r['ledger_sum']}):"
          f" {'exact' if r['exact'] else 'NOT EXACT'}; verify"
          f" {'ok' if r['verify_ok'] else 'FAILED'}")
    t = figures["tampering"]
    print(f"tampering: {t['caught']} of {t['cases']} edits refused or reported ({t['summary']})")
    print(f"{figures['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
