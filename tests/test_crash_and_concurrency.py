"""Two tills on one file, and a till killed mid-stream (separate processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import MANAGER_PIN, card_now
from sqlalchemy import func, select

from loyaltypos.db import open_database
from loyaltypos.db.models import LedgerEntry, Payment, Sale, SaleLine
from loyaltypos.services import cards
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.slow

SPENDER = textwrap.dedent("""
    import sys
    from decimal import Decimal
    from loyaltypos.db import open_database
    from loyaltypos.domain.errors import Refused
    from loyaltypos.domain.pricing import CartLine
    from loyaltypos.services.checkout import checkout, new_sale_id
    from loyaltypos.services.users import sign_in

    db_path, number, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
    db = open_database(db_path)
    actor = sign_in(db, name="Maria", pin=sys.argv[4])
    print("ready", flush=True)
    sys.stdin.readline()  # both tills go at once
    try:
        checkout(db, actor=actor, sale_id=new_sale_id(), card_number=number,
                 lines=[CartLine("tea", Decimal(1), 1_000_000, False)], redeem=amount)
        print("spent")
    except Refused as exc:
        print("refused:", exc)
""")

STREAM = textwrap.dedent("""
    import sys
    from decimal import Decimal
    from loyaltypos.db import open_database
    from loyaltypos.domain.pricing import REDEEM_MAX, CartLine
    from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
    from loyaltypos.services.users import sign_in

    db = open_database(sys.argv[1])
    actor = sign_in(db, name="Maria", pin=sys.argv[3])
    n = 0
    while True:
        checkout(db, actor=actor, sale_id=new_sale_id(), card_number=sys.argv[2],
                 lines=[CartLine(f"item {i}", Decimal(i + 1), 1_000 + i) for i in range(5)],
                 redeem=REDEEM_MAX if n % 3 == 0 else None,
                 payments=[PaymentInput("cash", tendered=100_000)])
        n += 1
        if n == 5:
            print("running", flush=True)
""")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def test_two_tills_spending_the_same_balance_never_take_more_than_it_holds(db, db_path,
                                                                          manager, tmp_path):
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Race"))[0]
    cards.adjust_balance(db, actor=manager, number=card.number, amount=50_000, reason="race")
    script = tmp_path / "spend.py"
    script.write_text(SPENDER)
    procs = [
        subprocess.Popen([sys.executable, str(script), str(db_path), card.number, "50000",
                          MANAGER_PIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=_env())
        for _ in range(2)
    ]
    for p in procs:  # each has opened the database and signed in
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=60) for p in procs]
    results = [out.strip() for out, _ in outputs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert sorted(r.split(":")[0] for r in results) == ["refused", "spent"], results
    assert card_now(db, card.number).balance == 0
    with db.read() as s:
        redeemed = s.scalar(select(func.sum(LedgerEntry.amount)).where(
            LedgerEntry.kind == "redeem"))
    assert redeemed == -50_000
    assert verify(db) == []


def test_a_till_killed_mid_stream_leaves_no_half_written_sale(db, db_path, manager, tmp_path):
    card = cards.issue_cards(db, actor=manager, kind="personal",
                             customer=cards.CustomerInput(name="Crash"))[0]
    cards.adjust_balance(db, actor=manager, number=card.number, amount=5_000, reason="crash")
    script = tmp_path / "stream.py"
    script.write_text(STREAM)
    proc = subprocess.Popen([sys.executable, str(script), str(db_path), card.number,
                             MANAGER_PIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    assert proc.stdout.readline().strip() == "running", proc.stderr.read()
    time.sleep(0.7)  # let it be somewhere in the middle of a sale
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    db.dispose()

    reopened = open_database(str(db_path))
    try:
        with reopened.read() as s:
            sales = s.scalar(select(func.count(Sale.id)))
            lines = s.scalar(select(func.count(SaleLine.id)))
            paid_sales = s.scalar(select(func.count(func.distinct(Payment.sale_id))))
        assert sales >= 5
        assert lines == 5 * sales
        assert paid_sales == sales
        assert verify(reopened) == []
    finally:
        reopened.dispose()
