"""The cards part: loyalty cards as PDF, one card and a batch of bearer cards.

A new shop (the default program) gets one personal card and a batch of bearer cards
through ``cards.issue_cards`` (not timed). Then, in this one process:

- ``card_pdf(db, number=..., path=...)``: one card's front and back (two
  CR80 pages), database read included, ``single_reps`` times to new files; the first
  call (fonts registered, caches cold) is kept apart from the median.
- ``card_print.batch_pdf(cards, program, path)``: the whole batch on A4 sheets (fronts
  and mirrored backs), ``batch_reps`` times.

The files are written to the run's folder; their size and page count are reported.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.data import create_shop
from bench.measure import ms_stats
from loyaltypos.db import open_database
from loyaltypos.documents import cards as card_print
from loyaltypos.services import cards, store
from loyaltypos.services.printouts import card_pdf


def reportlab_accelerated() -> bool:
    """Whether reportlab's C helpers are installed (without them numbers are formatted in
    Python, the larger part of drawing a code's bars)."""
    from reportlab.lib import rl_accel

    return rl_accel.fp_str.__module__ != rl_accel.__name__


def measure_cards(out: Path, *, single_reps: int, batch: int, batch_reps: int) -> dict:
    path = out / "cards.sqlite3"
    path.unlink(missing_ok=True)
    shop = create_shop(path)
    db = open_database(str(path))
    try:
        t0 = time.perf_counter()
        holder = cards.issue_cards(db, actor=shop.manager, kind="personal",
                                   customer=cards.CustomerInput(name="Olga Smirnova"))[0]
        issued = cards.issue_cards(db, actor=shop.manager, kind="bearer", count=batch)
        program = store.program_in_force(db)
        issue_s = time.perf_counter() - t0

        single = out / "card.pdf"
        start = time.perf_counter()
        card_pdf(db, number=holder.number, path=single)
        first = time.perf_counter() - start
        times = []
        for _ in range(single_reps):
            start = time.perf_counter()
            card_pdf(db, number=holder.number, path=single)
            times.append(time.perf_counter() - start)

        sheet_file = out / "cards-batch.pdf"
        batch_times = []
        for _ in range(batch_reps):
            start = time.perf_counter()
            written = card_print.batch_pdf(issued, program, sheet_file)
            batch_times.append(time.perf_counter() - start)
    finally:
        db.dispose()
    return {
        "issue_s": issue_s,
        "single_first_ms": first * 1000,
        "single": ms_stats(times),
        "single_kb": single.stat().st_size / 1024,
        "batch_cards": batch,
        "batch_pages": written.pages,
        "batch_runs_s": batch_times,
        "batch_median_s": statistics.median(batch_times),
        "batch_max_s": max(batch_times),
        "batch_mb": sheet_file.stat().st_size / 2**20,
        "reportlab_accelerated": reportlab_accelerated(),
    }
