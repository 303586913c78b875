"""The insight part: the owner's report, the till's snapshot, a customer's profile and the
card scan with the customer's standing, on the year of trading the end-of-day part loads."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from pathlib import Path

from bench.measure import ms_stats
from loyaltypos.db import open_database
from loyaltypos.domain.people import Actor
from loyaltypos.services import cards, insight, profiles, store


def _timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure_insight(path: Path, *, reps: int, profiles_n: int, scans: int, seed: int) -> dict:
    rng = random.Random(seed)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        manager_id, manager_name = conn.execute(
            "SELECT id, name FROM users WHERE role = 'manager' ORDER BY id LIMIT 1").fetchone()
        end = dt.date.fromisoformat(conn.execute(
            "SELECT max(business_date) FROM business_days").fetchone()[0])
        buyers = [n for (n,) in conn.execute(
            "SELECT DISTINCT c.number FROM sales s JOIN cards c ON c.id = s.card_id"
            " WHERE c.kind = 'personal'")]
        counts = dict(conn.execute(
            "SELECT 'sales', count(*) FROM sales UNION ALL SELECT 'cards', count(*) FROM cards"))
    actor = Actor(user_id=manager_id, name=manager_name, role="manager")
    start = end - dt.timedelta(days=insight.DEFAULT_DAYS - 1)
    db = open_database(str(path))
    try:
        with db.read() as s:
            rules = store.current_program(s).insight
        # The report with the rules passed in: the figures alone, no snapshot written.
        report_s = []
        for _ in range(reps):
            seconds, analysis = _timed(lambda: insight.analyse(db, actor=actor, start=start,
                                                               end=end, rules=rules))
            report_s.append(seconds)
        report = analysis.report
        refresh_s, written = _timed(lambda: insight.refresh_snapshot(db, on=end))
        picks = [rng.choice(buyers) for _ in range(profiles_n + 5)]
        for number in picks[:5]:  # warm-up
            profiles.customer_profile(db, actor=actor, text=number)
        profile_s = [_timed(lambda n=n: profiles.customer_profile(db, actor=actor, text=n))[0]
                     for n in picks[5:]]
        scan_picks = [rng.choice(buyers) for _ in range(scans + 20)]

        for number in scan_picks[:20]:
            cards.scan_card(db, number=number)
        scan_s, stood = [], 0
        for number in scan_picks[20:]:
            seconds, info = _timed(lambda n=number: cards.scan_card(db, number=n))
            scan_s.append(seconds)
            stood += info.standing is not None and info.standing.step is not None
    finally:
        db.dispose()
    return {
        "sales": counts["sales"], "cards": counts["cards"], "customers": report.customers,
        "period": f"{start.isoformat()}..{end.isoformat()}",
        "report_runs_s": report_s, "report_median_s": sorted(report_s)[len(report_s) // 2],
        "refresh_s": refresh_s, "snapshot_rows": written,
        "profile": ms_stats(profile_s), "scan": ms_stats(scan_s), "scans_with_step": stood,
        "figures": {"crr_pct": str(report.retention.crr_pct), "ltv": str(round(report.ltv.ltv)),
                    "ladder": report.ladder.steps, "matrix": report.matrix},
    }
