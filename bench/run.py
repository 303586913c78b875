"""Run the benchmark: ``python -m bench.run [--quick] [--out DIR]``.

The parent process only orchestrates (it imports nothing of the core); every
data load and every measurement runs in its own child process, started as
``python -m bench.run --child TASK``, which writes its figures and its own peak
RSS to a JSON file. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "out"

SIZES: dict[str, dict[str, dict]] = {
    "full": {
        "checkout": {"n_sales": 500, "warmup": 20, "block": 50},
        "scan-load": {"n_cards": 100_000, "n_entries": 1_000_000, "n_days": 365},
        "scan": {"n_scans": 2_000, "warmup": 50},
        "till": {"n_scans": 500, "warmup": 30},
        "summary-load": {"n_sales": 700_000, "n_days": 365, "open_day_sales": 2_000,
                         "n_cards": 100_000, "max_lines": 2},
        "summary": {"reps": 20},
        "cards": {"single_reps": 20, "batch": 1_000, "batch_reps": 3},
        "receipts": {"reps": 50},
        "catalog": {"rows": 250_000},
        "insight": {"reps": 3, "profiles_n": 50, "scans": 500},
        "expiry-load": {"n_cards": 100_000, "n_entries": 1_000_000, "n_days": 730},
        "expiry": {},
        "tills": {"sales": 300, "warmup": 20, "counts": [1, 2, 4, 8]},
    },
    "quick": {
        "checkout": {"n_sales": 100, "warmup": 10, "block": 25},
        "scan-load": {"n_cards": 10_000, "n_entries": 100_000, "n_days": 30},
        "scan": {"n_scans": 500, "warmup": 20},
        "till": {"n_scans": 100, "warmup": 10},
        "summary-load": {"n_sales": 40_000, "n_days": 20, "open_day_sales": 2_000,
                         "n_cards": 10_000, "max_lines": 2},
        "summary": {"reps": 10},
        "cards": {"single_reps": 5, "batch": 200, "batch_reps": 1},
        "receipts": {"reps": 10},
        "catalog": {"rows": 20_000},
        "insight": {"reps": 2, "profiles_n": 20, "scans": 100},
        "expiry-load": {"n_cards": 10_000, "n_entries": 100_000, "n_days": 730},
        "expiry": {},
        "tills": {"sales": 50, "warmup": 5, "counts": [1, 2, 4, 8]},
    },
}
PARTS = ("checkout", "scan", "till", "summary", "insight", "cards", "receipts", "catalog",
         "expiry", "tills")
SEED = 20261122

TARGET_RATIO = 1 / 3
TARGET_SCAN_MEDIAN_MS = 1.0
TARGET_SCAN_P99_MS = 3.0
TARGET_SUMMARY_MS = 200.0
TARGET_TILL_MS = 50.0
TARGET_BATCH_S = 10.0  # for 1,000 cards
TARGET_RECEIPT_MS = 30.0  # read back + 80 mm PDF, median
TARGET_CATALOG_MB = 200.0  # peak RSS of a 250,000-row (20 MB) catalog import
TARGET_INSIGHT_S = 3.0  # the whole report on a year of 700,000 sales and 100,000 cards
TARGET_PROFILE_MS = 20.0
TARGET_EXPIRY_S = 10.0  # one expiry run over 100,000 cards and 1,000,000 entries
# The tills part's PostgreSQL server: --pg URL, this variable, or a throwaway server
# started with scripts/postgres (and stopped at the end).
ENV_PG = "LOYALTYPOS_BENCH_PG"
PG_SCRIPT = ROOT / "scripts" / "postgres"


# ---------------------------------------------------------------- child side


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def _verify(path: Path, *, skip: tuple[str, ...] = ()) -> list[str]:
    """The core's own ledger checks plus SQLite's foreign key check on a loaded database."""
    from loyaltypos.db import open_database
    from loyaltypos.services.verify import CHECKS

    problems = []
    db = open_database(str(path))
    try:
        with db.read() as s:
            for check in CHECKS:
                if check.__name__ not in skip:
                    problems += [f"{check.__name__}: {p}" for p in check(s)]
    finally:
        db.dispose()
    with sqlite3.connect(path) as conn:
        problems += [f"foreign key: {row}" for row in conn.execute("PRAGMA foreign_key_check")]
    return problems


def run_child(task: str, mode: str, out: Path, result_file: Path, verify: bool,
              pg: str | None = None) -> None:
    from bench import data, measure

    size = SIZES[mode][task]
    scan_db, year_db = out / "scan.sqlite3", out / "year.sqlite3"
    expiry_db = out / "expiry.sqlite3"
    start = time.perf_counter()
    if task == "checkout":
        result = measure.measure_checkout(out, **size)
    elif task == "scan-load":
        result = data.load_cards(scan_db, seed=SEED, **size)
    elif task == "scan":
        result = measure.measure_scan(scan_db, seed=SEED, **size)
    elif task == "till":
        from bench import till  # sets QT_QPA_PLATFORM=offscreen before importing PySide6

        result = till.measure_till(scan_db, seed=SEED, settings_dir=out / "qt-settings", **size)
    elif task == "summary-load":
        result = data.load_year(year_db, seed=SEED, **size)
    elif task == "summary":
        load = SIZES[mode]["summary-load"]
        result = measure.measure_summary(year_db, expect_sales=load["open_day_sales"], **size)
    elif task == "cards":
        from bench import cards

        result = cards.measure_cards(out, **size)
    elif task == "receipts":
        from bench import receipts

        result = receipts.measure_receipts(out, **size)
    elif task == "insight":
        from bench import insight

        result = insight.measure_insight(year_db, seed=SEED, **size)
    elif task == "catalog":
        from bench import catalog

        result = catalog.measure_catalog(out, **size)
    elif task == "expiry-load":
        from bench import expiry

        result = expiry.load_expiry(expiry_db, seed=SEED, **size)
    elif task == "expiry":
        from bench import expiry

        result = expiry.measure_expiry(expiry_db, **size)
    elif task == "tills":
        from bench import tills

        result = tills.measure_tills(out, server=pg, **size)
    else:
        raise SystemExit(f"unknown task {task}")
    result["seconds"] = time.perf_counter() - start
    result["peak_rss_mb"] = peak_rss_mb()
    if task.endswith("-load"):
        path = {"scan-load": scan_db, "expiry-load": expiry_db}.get(task, year_db)
        result["db_mb"] = path.stat().st_size / 2**20
        if verify:
            # The scan database has no sales, so its cards' random spend has nothing to match.
            skip = ("cached_spend_matches_sales",) if task == "scan-load" else ()
            result["verify_problems"] = _verify(path, skip=skip)
    result_file.write_text(json.dumps(result, indent=2))


# ---------------------------------------------------------------- parent side


def say(text: str = "") -> None:
    print(text, flush=True)


def filesystem_of(path: Path) -> str:
    """The filesystem type holding ``path`` (from /proc/mounts), or 'unknown'."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best, kind = "", "unknown"
    target = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def spawn(task: str, args: argparse.Namespace, out: Path, extra: tuple[str, ...] = ()) -> dict:
    result_file = out / f"result-{task}.json"
    cmd = [sys.executable, "-m", "bench.run", "--child", task, "--out", str(out),
           "--result", str(result_file)]
    if args.quick:
        cmd.append("--quick")
    if args.verify:
        cmd.append("--verify")
    cmd += extra
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the {task} process failed (exit {proc.returncode})")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["process_s"] = time.perf_counter() - start
    return result


def say_load(load: dict, what: str) -> None:
    say(f"    load: {what} in {load['seconds']:.1f} s ({load['db_mb']:.0f} MB file,"
        f" loader peak RSS {load['peak_rss_mb']:.0f} MB)")
    problems = load.get("verify_problems")
    if problems is not None:
        say(f"    verify: {len(problems)} problems")
        for problem in problems[:10]:
            say(f"      {problem}")


def row(part: str, figure: str, peak_mb: float, value: float | None = None,
        limit: float | None = None, unit: str = "ms") -> dict:
    """One line of the final table; with ``limit`` the figure is met when value < limit."""
    if limit is None:
        return {"part": part, "figure": figure, "target": "-", "met": None, "peak_mb": peak_mb}
    return {"part": part, "figure": figure, "target": f"< {limit:g} {unit}",
            "met": value < limit, "peak_mb": peak_mb}


def part_checkout(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["checkout"]
    say(f"[checkout] {size['n_sales']} sales each way, 5 lines, personal card, redeem 5.00,"
        f" cashback, cash; alternating blocks of {size['block']} after {size['warmup']}"
        " warm-up sales each")
    r = spawn("checkout", args, out)
    orm, plain = r["orm_latency"], r["plain_latency"]
    say(f"    checkout.checkout  {r['orm_sales_per_s']:7.1f} sales/s"
        f"  (median {orm['median_ms']:.2f} ms, p99 {orm['p99_ms']:.2f} ms)")
    say(f"    plain sqlite3      {r['plain_sales_per_s']:7.1f} sales/s"
        f"  (median {plain['median_ms']:.2f} ms, p99 {plain['p99_ms']:.2f} ms)")
    say(f"    ratio {r['ratio']:.2f} (target >= {TARGET_RATIO:.2f}); setup {r['setup_s']:.1f} s;"
        f" tier at the end: {r['final_tier']}; peak RSS {r['peak_rss_mb']:.0f} MB")
    n = r["rows_each"]
    say(f"    both wrote {n['sales']} sales, {n['sale_lines']} lines, {n['payments']} payments,"
        f" {n['ledger_entries']} ledger entries (warm-up and seed included)")
    w = r["rewards"]
    say("  with every reward on (stamps, welcome, birthday, referral, expiry and lock):")
    say(f"    checkout.checkout  {w['orm_sales_per_s']:7.1f} sales/s"
        f"  (median {w['orm_latency']['median_ms']:.2f} ms)")
    say(f"    plain sqlite3      {w['plain_sales_per_s']:7.1f} sales/s"
        f"  (median {w['plain_latency']['median_ms']:.2f} ms)")
    n = w["rows_each"]
    say(f"    ratio {w['ratio']:.2f} (target >= {TARGET_RATIO:.2f}); both wrote {n['sales']}"
        f" sales, {n['ledger_entries']} ledger entries, {n['gifts']} gifts")
    rows = [{
        "part": "checkout",
        "figure": f"{r['orm_sales_per_s']:.0f}/s vs sqlite3 {r['plain_sales_per_s']:.0f}/s"
                  f" = {r['ratio']:.2f}x",
        "target": f">= {TARGET_RATIO:.2f}x",
        "met": r["ratio"] >= TARGET_RATIO,
        "peak_mb": r["peak_rss_mb"],
    }, {
        "part": "checkout+rewards",
        "figure": f"{w['orm_sales_per_s']:.0f}/s vs sqlite3 {w['plain_sales_per_s']:.0f}/s"
                  f" = {w['ratio']:.2f}x",
        "target": f">= {TARGET_RATIO:.2f}x",
        "met": w["ratio"] >= TARGET_RATIO,
        "peak_mb": r["peak_rss_mb"],
    }]
    return r, rows


def load_once(args, out: Path, task: str, what, name: str) -> dict:
    """Run a load task once per run, for every part that shares its database; ``what``
    describes a load's figures, ``name`` the database when it was loaded already."""
    if task not in args.loaded:
        load = spawn(task, args, out)
        say_load(load, what(load))
        args.loaded[task] = load
    else:
        say(f"    load: {name} (loaded above)")
    return args.loaded[task]


def load_scan_db(args, out: Path) -> dict:
    """The cards database; the scan and till parts share it."""
    return load_once(args, out, "scan-load", lambda load: f"{load['cards']:,} cards +"
                     f" {load['ledger_entries']:,} entries", "the card scan's database")


def part_scan(args, out: Path) -> tuple[dict, list[dict]]:
    load_size = SIZES[args.mode]["scan-load"]
    say(f"[card scan] {load_size['n_cards']:,} cards, {load_size['n_entries']:,} ledger entries"
        f" over {load_size['n_days']} days")
    load = load_scan_db(args, out)
    r = spawn("scan", args, out)
    say(f"    scan_card x{r['n']:,}: median {r['median_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms,"
        f" max {r['max_ms']:.2f} ms (first call {r['first_ms']:.1f} ms, {r['warmup_scans']}"
        f" warm-up scans not timed); peak RSS {r['peak_rss_mb']:.0f} MB")
    rows = [
        row("card scan", f"median {r['median_ms']:.3f} ms", r["peak_rss_mb"],
            r["median_ms"], TARGET_SCAN_MEDIAN_MS),
        row("card scan", f"p99 {r['p99_ms']:.3f} ms", r["peak_rss_mb"],
            r["p99_ms"], TARGET_SCAN_P99_MS),
    ]
    return {"load": load, **r}, rows


def part_till(args, out: Path) -> tuple[dict, list[dict]]:
    load_size, size = SIZES[args.mode]["scan-load"], SIZES[args.mode]["till"]
    say(f"[till] scan -> customer panel drawn: MainWindow on Qt offscreen, signed in, the card"
        f" scan's database ({load_size['n_cards']:,} cards); {size['n_scans']} scans after"
        f" {size['warmup']} warm-up scans")
    load = load_scan_db(args, out)
    r = spawn("till", args, out)
    say(f"    window shown and signed in in {r['window_shown_s']:.2f} s (platform"
        f" {r['platform']}); the ledger check sign-in starts, waited for before scanning:"
        f" {r['ledger_check_s']:.1f} s, \"{r['ledger_health']}\" (the cards' random spend has no"
        " sales behind it)")
    say(f"    Return -> panel drawn x{r['n']}: median {r['median_ms']:.2f} ms,"
        f" p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms (target < {TARGET_TILL_MS:g} ms;"
        f" first scan {r['first_ms']:.1f} ms, {r['warmup_scans']} warm-up scans not timed);"
        f" peak RSS {r['peak_rss_mb']:.0f} MB")
    lost = r["none_refs_lost_per_scan"]
    say(f"    references to None lost per scan: {lost:.1f}"
        + (" (a broken Qt binding: the till will abort, see README)" if lost > 1 else ""))
    goods = r["products"]
    if goods is None:
        say("    product scans: skipped, the database has no products")
    else:
        say(f"    product code -> cart drawn x{goods['n']} ({goods['catalog']:,} products):"
            f" median {goods['median_ms']:.2f} ms, p99 {goods['p99_ms']:.2f} ms,"
            f" max {goods['max_ms']:.2f} ms")
    rows = [row("till scan->panel", f"median {r['median_ms']:.1f} ms", r["peak_rss_mb"],
                r["median_ms"], TARGET_TILL_MS)]
    return {"load": load, **r}, rows


def part_summary(args, out: Path) -> tuple[dict, list[dict]]:
    load_size = SIZES[args.mode]["summary-load"]
    say(f"[end of day] {load_size['n_sales']:,} sales over {load_size['n_days']} days"
        f" (open day {load_size['open_day_sales']:,} sales), 1-{load_size['max_lines']} lines"
        f" per sale (not 5, to keep loading short), {load_size['n_cards']:,} cards")
    load = load_year_db(args, out)
    r = spawn("summary", args, out)
    say(f"    day_summary x{r['n']}: median {r['median_ms']:.1f} ms, max {r['max_ms']:.1f} ms"
        f" (first call {r['first_ms']:.1f} ms, included); {r['day_sales']:,} sales on the day;"
        f" peak RSS {r['peak_rss_mb']:.0f} MB")
    rows = [
        row("end of day", f"median {r['median_ms']:.1f} ms", r["peak_rss_mb"],
            r["median_ms"], TARGET_SUMMARY_MS),
        row("end of day", f"max {r['max_ms']:.1f} ms", r["peak_rss_mb"],
            r["max_ms"], TARGET_SUMMARY_MS),
    ]
    return {"load": load, **r}, rows


def load_year_db(args, out: Path) -> dict:
    """The year of trading; the end-of-day and insight parts share it."""
    return load_once(args, out, "summary-load", lambda load: (
        f"{load['sales']:,} sales, {load['sale_lines']:,} lines, {load['payments']:,}"
        f" payments, {load['ledger_entries']:,} entries"), "the end of day's year of trading")


def part_insight(args, out: Path) -> tuple[dict, list[dict]]:
    load_size = SIZES[args.mode]["summary-load"]
    say(f"[insight] the owner's report on the year of trading ({load_size['n_sales']:,} sales,"
        f" {load_size['n_cards']:,} cards), the till's snapshot, customer profiles, and card"
        " scans with the customer's standing")
    load = load_year_db(args, out)
    r = spawn("insight", args, out)
    runs = ", ".join(f"{t:.2f}" for t in r["report_runs_s"])
    say(f"    insight report ({r['customers']:,} customers, {r['period']}): median"
        f" {r['report_median_s']:.2f} s (runs {runs} s)")
    say(f"    snapshot refresh (the report plus writing {r['snapshot_rows']:,} rows, at day"
        f" close): {r['refresh_s']:.2f} s")
    p, sc = r["profile"], r["scan"]
    say(f"    customer_profile x{p['n']}: median {p['median_ms']:.1f} ms, p99"
        f" {p['p99_ms']:.1f} ms")
    say(f"    scan_card with the customer's standing x{sc['n']}: median"
        f" {sc['median_ms']:.3f} ms, p99 {sc['p99_ms']:.3f} ms ({r['scans_with_step']} of them"
        f" showed a step); peak RSS {r['peak_rss_mb']:.0f} MB")
    say(f"    figures: CRR {r['figures']['crr_pct']} %, LTV {r['figures']['ltv']},"
        f" ladder {r['figures']['ladder']}")
    rows = [
        row("insight", f"report median {r['report_median_s']:.2f} s", r["peak_rss_mb"],
            r["report_median_s"], TARGET_INSIGHT_S, unit="s"),
        row("insight", f"snapshot refresh {r['refresh_s']:.2f} s", r["peak_rss_mb"]),
        row("insight", f"profile median {p['median_ms']:.1f} ms", r["peak_rss_mb"],
            p["median_ms"], TARGET_PROFILE_MS),
        row("insight", f"scan + standing median {sc['median_ms']:.3f} ms", r["peak_rss_mb"],
            sc["median_ms"], TARGET_SCAN_MEDIAN_MS),
    ]
    return {"load": load, **r}, rows


def part_cards(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["cards"]
    say(f"[cards] card PDFs: one personal card (front and back, CR80) x{size['single_reps']},"
        f" then {size['batch']:,} bearer cards on A4 sheets (fronts and mirrored backs)"
        f" x{size['batch_reps']}")
    r = spawn("cards", args, out)
    one = r["single"]
    say(f"    card_pdf x{one['n']}: median {one['median_ms']:.1f} ms, max {one['max_ms']:.1f} ms"
        f" (first call {r['single_first_ms']:.0f} ms, not in the figures: fonts registered);"
        f" {r['single_kb']:.0f} KB")
    runs = ", ".join(f"{t:.2f}" for t in r["batch_runs_s"])
    target = TARGET_BATCH_S * r["batch_cards"] / 1000
    say(f"    batch_pdf {r['batch_cards']:,} cards: median {r['batch_median_s']:.2f} s"
        f" (runs {runs} s; target < {target:g} s), {r['batch_pages']} pages,"
        f" {r['batch_mb']:.1f} MB; peak RSS {r['peak_rss_mb']:.0f} MB")
    say(f"    reportlab C accelerator: {'yes' if r['reportlab_accelerated'] else 'no'};"
        f" {r['batch_cards'] + 1:,} cards issued first in {r['issue_s']:.1f} s (not timed)")
    rows = [
        row("cards", f"one card median {one['median_ms']:.0f} ms", r["peak_rss_mb"]),
        row("cards", f"{r['batch_cards']:,}-card batch {r['batch_median_s']:.2f} s",
            r["peak_rss_mb"], r["batch_median_s"], target, unit="s"),
    ]
    return r, rows


def part_receipts(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["receipts"]
    say(f"[receipts] one sale (5 lines, personal card, redeem 5.00, cash with change) read back"
        f" and printed: 80 mm PDF and ESC/POS, x{size['reps']} each in one process")
    r = spawn("receipts", args, out)
    say(f"    sale recorded in {r['setup_s']:.1f} s (not timed): receipt {r['receipt_no']},"
        f" {r['lines']} lines, paid {r['paid']}, change {r['change']}")
    for key, what in (("read", "sale_receipt     "), ("pdf", "receipt_pdf      "),
                      ("escpos", "escpos_bytes     "), ("read_pdf", "read + PDF       ")):
        s = r[key]
        say(f"    {what} x{s['n']}: median {s['median_ms']:6.2f} ms, p99 {s['p99_ms']:6.2f} ms,"
            f" max {s['max_ms']:6.2f} ms")
    say(f"    first calls, not in the figures: read {r['first_read_ms']:.1f} ms, PDF"
        f" {r['first_pdf_ms']:.1f} ms (fonts registered), ESC/POS {r['first_escpos_ms']:.1f} ms")
    say(f"    PDF {r['pdf_kb']:.0f} KB, ESC/POS {r['escpos_bytes']:,} bytes; reportlab C"
        f" accelerator: {'yes' if r['reportlab_accelerated'] else 'no'};"
        f" peak RSS {r['peak_rss_mb']:.0f} MB")
    both, esc = r["read_pdf"], r["escpos"]
    rows = [
        row("receipts", f"read + PDF median {both['median_ms']:.1f} ms", r["peak_rss_mb"],
            both["median_ms"], TARGET_RECEIPT_MS),
        row("receipts", f"ESC/POS median {esc['median_ms']:.2f} ms", r["peak_rss_mb"]),
    ]
    return r, rows


def part_catalog(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["catalog"]
    say(f"[catalog] a new shop imports a generated product list of {size['rows']:,} rows"
        " (EAN-13 codes, Latin and Cyrillic names, prices), then the same file again")
    r = spawn("catalog", args, out)
    say(f"    import_products_csv, {r['file_mb']:.1f} MB file: {r['first_s']:.1f} s, all added"
        f" ({r['first_rows_per_s']:,.0f} rows/s); again {r['again_s']:.1f} s, all unchanged"
        f" ({r['again_rows_per_s']:,.0f} rows/s); peak RSS {r['peak_rss_mb']:.0f} MB")
    peak = f"peak RSS {r['peak_rss_mb']:.0f} MB"
    rows = [
        row("catalog", f"{r['rows']:,} rows added at {r['first_rows_per_s']:,.0f} rows/s",
            r["peak_rss_mb"]),
        row("catalog", peak, r["peak_rss_mb"]) if args.quick else
        row("catalog", peak, r["peak_rss_mb"], r["peak_rss_mb"], TARGET_CATALOG_MB, unit="MB"),
    ]
    return r, rows


def part_expiry(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["expiry-load"]
    say(f"[expiry] one cashback expiry run ([expiry] days = 365) over {size['n_cards']:,} cards"
        f" and {size['n_entries']:,} ledger entries spread over {size['n_days']} business days,"
        " none expired before; then a second run, then verify's check of the lots")
    load = spawn("expiry-load", args, out)
    say_load(load, f"{load['cards']:,} cards + {load['ledger_entries']:,} entries"
                   f" ({load['earn']:,} earn, {load['redeem']:,} redeem)")
    r = spawn("expiry", args, out)
    say(f"    expire as of {r['as_of']}: {r['first_s']:.2f} s, {r['first_cards']:,} cards,"
        f" {r['first_amount'] / 100:,.2f} written off ({r['entries_written']:,} entries);"
        f" outstanding after {r['liability_after'] / 100:,.2f} (before"
        f" {load['liability'] / 100:,.2f})")
    say(f"    second run: {r['second_s']:.2f} s, {r['second_cards']} cards (must be 0);"
        f" verify's lots check {r['check_s']:.2f} s, {len(r['check_problems'])} problems;"
        f" peak RSS {r['peak_rss_mb']:.0f} MB")
    limit = TARGET_EXPIRY_S * size["n_entries"] / 1_000_000
    rows = [
        row("expiry", f"first run {r['first_s']:.2f} s", r["peak_rss_mb"], r["first_s"],
            limit, unit="s"),
        row("expiry", f"second run {r['second_s']:.2f} s, {r['second_cards']} cards",
            r["peak_rss_mb"], r["second_s"], limit, unit="s"),
        row("expiry", f"verify lots check {r['check_s']:.2f} s", r["peak_rss_mb"]),
    ]
    return {"load": load, **r}, rows


@contextmanager
def pg_server(args) -> Iterator[tuple[str | None, str]]:
    """The tills part's server and where it came from: ``--pg``, ``$LOYALTYPOS_BENCH_PG``,
    or a throwaway server from ``scripts/postgres`` (stopped and removed at the end);
    None and why when there is none."""
    if args.pg or os.environ.get(ENV_PG):
        yield args.pg or os.environ[ENV_PG], "--pg" if args.pg else f"${ENV_PG}"
        return
    if not os.access(PG_SCRIPT, os.X_OK):
        yield None, f"{PG_SCRIPT} is not there (or cannot be run)"
        return
    # A new folder of its own, not the run's: the server may run as another user, who
    # must be able to reach it (mkdtemp's folder is handed over by the script).
    folder = Path(tempfile.mkdtemp(prefix="loyaltypos-bench-pg-"))
    try:
        # --no-install: a benchmark installs nothing; exit 3 says the binaries are missing
        started = subprocess.run([str(PG_SCRIPT), "start", "--no-install", str(folder)],
                                 capture_output=True, text=True, cwd=ROOT, check=False)
        urls = [word for word in started.stdout.split() if "://" in word]
        if started.returncode != 0 or not urls:
            why = (started.stderr.strip().splitlines() or ["no URL printed"])[-1]
            yield None, f"scripts/postgres start failed (exit {started.returncode}: {why})"
            return
        yield urls[-1], f"a throwaway server from scripts/postgres in {folder}"
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", "--remove", str(folder)],
                       capture_output=True, cwd=ROOT, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def part_tills(args, out: Path) -> tuple[dict, list[dict]]:
    size = SIZES[args.mode]["tills"]
    counts = ", ".join(map(str, size["counts"]))
    say(f"[tills] checkout.checkout from {counts} tills at once on one PostgreSQL server, each"
        f" till a process on its own card, {size['sales']} sales each after {size['warmup']}"
        " warm-up sales, released together; beside one till on a SQLite file and plain sqlite3")
    # The tills, the server and anything else on the machine share its cores: a busy
    # machine moves these rates, and their ratios, more than any other part's.
    load = os.getloadavg()[0]
    with pg_server(args) as (url, source):
        r = spawn("tills", args, out, ("--pg", url) if url else ())
    r["server_from"], r["load_before"] = source, load
    say(f"    load average before the part: {load:.1f} on {os.cpu_count()} CPUs"
        + (" (the machine is busy: these figures move with it)"
           if load > 0.5 * (os.cpu_count() or 1) else ""))
    lite = r["sqlite"]
    one = lite["till"]
    say(f"    SQLite file, 1 till:  {one['sales_per_s']:7.1f} sales/s (median"
        f" {one['latency']['median_ms']:.2f} ms), {one['failed']} failures"
        + (f" ({one['first_error']})" if one["first_error"] else ""))
    say(f"    plain sqlite3:        {lite['plain_sales_per_s']:7.1f} sales/s (median"
        f" {lite['plain_latency']['median_ms']:.2f} ms)")

    def none_failed(part: str, figure: str, rd: dict, *, exact: bool = True) -> dict:
        return {"part": part, "figure": figure, "target": "0 failures",
                "met": rd["failed"] == 0 and exact, "peak_mb": rd["peak_rss_mb"]}

    rows = [
        none_failed("1 till (SQLite file)",
                    f"{one['sales_per_s']:.0f} sales/s, {one['failed']} failures", one),
        row("1 till (plain sqlite3)", f"{lite['plain_sales_per_s']:.0f} sales/s",
            r["peak_rss_mb"]),
    ]
    pg = r["postgresql"]
    if pg is None:
        why = f"no server (give --pg URL or {ENV_PG}); {source}" if url is None \
            else r["skipped"]
        say(f"    PostgreSQL part skipped: {why}")
        rows.append({"part": "tills (PostgreSQL)", "figure": "skipped", "target": "-",
                     "met": None, "peak_mb": 0.0})
        return r, rows
    settings = pg["settings"]
    say(f"    server: {pg['server']} ({source}), PostgreSQL {settings['server_version']},"
        f" fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']};"
        f" database {pg['database']} set up in {pg['setup_s']:.1f} s, dropped at the end")
    if settings["fsync"] != "on":
        say("    note: the server runs with fsync off, so a commit costs no disk flush and the"
            " rates are higher than on a real server")
    for rd in pg["rounds"]:
        lat = rd["latency"] or {"median_ms": 0.0, "p99_ms": 0.0}
        per_till = rd["till_sales_per_s"]
        label = f"{rd['tills']} till{'s' if rd['tills'] > 1 else ''}:"
        say(f"    {label:8} {rd['sales_per_s']:7.1f}"
            f" sales/s, {rd['vs_one']:.2f}x of 1 till, {rd['failed']} failures; {rd['sold']}"
            f" sales in {rd['wall_s']:.2f} s, per till {min(per_till):.0f}-{max(per_till):.0f}"
            f"/s, sale median {lat['median_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms;"
            f" {rd['recorded_total']} sales in the database (expected {rd['expected_total']})")
        if rd["first_error"]:
            say(f"      first failure: {rd['first_error']}")
    say(f"    verify on the server's database: {len(pg['verify_problems'])} problems")
    for problem in pg["verify_problems"][:10]:
        say(f"      {problem}")
    for rd in pg["rounds"]:
        exact = rd["recorded_total"] == rd["expected_total"]
        rows.append(none_failed(f"tills {rd['tills']} (PostgreSQL)",
                                f"{rd['sales_per_s']:.0f} sales/s, {rd['vs_one']:.2f}x of 1"
                                f" till, {rd['failed']} failures"
                                + ("" if exact else ", sales lost or doubled"), rd,
                                exact=exact))
    return r, rows


def table(rows: list[dict]) -> str:
    head = ("part", "figure", "target", "met", "peak MB")
    met = {True: "yes", False: "no", None: "-"}  # None: a figure with no target
    cells = [(r["part"], r["figure"], r["target"], met[r["met"]],
              f"{r['peak_mb']:.0f}") for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def line(values) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(head), line("-" * w for w in widths), *map(line, cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (under ~20 s)")
    parser.add_argument("--out", type=Path,
                        help="folder for the databases and results.json (default: a temp dir"
                             " that is removed; results go to bench/out/)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--verify", action="store_true",
                        help="run the core's ledger checks on each loaded database")
    parser.add_argument("--pg", metavar="URL",
                        help=f"the PostgreSQL server of the tills part (default: ${ENV_PG}, or"
                             " a throwaway server started with scripts/postgres)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.mode = "quick" if args.quick else "full"
    args.loaded = {}  # the databases loaded in this run, by load task

    if args.child:
        run_child(args.child, args.mode, args.out, args.result, args.verify, args.pg)
        return 0

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    keep = args.out is not None
    out = (args.out or Path(tempfile.mkdtemp(prefix="loyaltypos-bench-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    fs = filesystem_of(out)
    machine = {
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": metadata.version("sqlalchemy"), "cpus": os.cpu_count(),
        "platform": platform.platform(), "db_dir": str(out), "filesystem": fs,
    }
    say(f"LoyaltyPOS benchmark ({args.mode}): Python {machine['python']}, SQLite"
        f" {machine['sqlite']}, SQLAlchemy {machine['sqlalchemy']}, {machine['cpus']} CPUs")
    say(f"databases in {out} ({fs}); WAL + synchronous=FULL for every measured run")
    if fs in ("tmpfs", "ramfs"):
        say("  note: this folder is in memory, so fsync costs nothing and checkout rates are"
            " higher than on a disk; pass --out on a real disk")
    started = time.perf_counter()
    results: dict[str, dict] = {}
    rows: list[dict] = []
    runners = {"checkout": part_checkout, "scan": part_scan, "till": part_till,
               "summary": part_summary, "insight": part_insight, "cards": part_cards,
               "receipts": part_receipts, "catalog": part_catalog, "expiry": part_expiry,
               "tills": part_tills}
    try:
        for part in PARTS:
            if part in parts:
                results[part], part_rows = runners[part](args, out)
                rows += part_rows
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
    total = time.perf_counter() - started
    say()
    say(table(rows))
    say(f"total {total:.0f} s")
    results_dir = out if keep else DEFAULT_RESULTS_DIR
    results_dir.mkdir(parents=True, exist_ok=True)
    results_file = results_dir / f"results-{args.mode}.json"
    results_file.write_text(json.dumps(
        {"mode": args.mode, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine,
         "sizes": SIZES[args.mode], "total_s": total, "table": rows, "parts": results},
        indent=2,
    ))
    say(f"results: {results_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
