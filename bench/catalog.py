"""The catalog part: a shop's whole product list imported from one large CSV file.

A new shop (the default program) imports a generated catalog through
``products.import_products_csv``: ``rows`` products (about 80 bytes a row, so 250,000
rows make a file just under the import's 20 MB limit), with EAN-13 codes, Latin and
Cyrillic names (some with a comma, so quoted), prices with kopecks, and the loyalty
flag given, refused or left empty. The first import adds every product; the same file
imported again finds every product unchanged. Both are timed; the process's peak RSS
covers both, and so is the import's peak (a new shop and a small file cost far less).

``python -m bench.catalog FILE [ROWS]`` only writes such a file (for measuring the
command line itself, e.g. under ``/usr/bin/time -v``).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from bench.data import create_shop
from loyaltypos.db import open_database
from loyaltypos.domain.cardnumbers import check_digit
from loyaltypos.services import products

WORDS = ("Coffee", "beans", "Green", "tea", "Notebook", "A5", "squared", "Pencil", "HB",
         "Кофе", "в", "зёрнах", "Чай", "чёрный", "Тетрадь", "клетка", "Ручка", "гелевая",
         "Milk", "chocolate", "Шоколад", "молочный", "Novel", "paperback", "Роман")
FLAGS = ("yes", "yes", "yes", "no", "")


def write_catalog(path: Path, *, rows: int, seed: int = 20261122) -> int:
    """Write a catalog CSV of ``rows`` distinct products; returns its size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("code,name,price,eligible\r\n")
        for i in range(rows):
            stem = f"46{i:010d}"
            code = stem + str(check_digit(stem))
            name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 7)))
            if rng.random() < 0.1:
                name = f'"{name}, {rng.randint(1, 999)} g"'
            price = f"{rng.randint(1, 99_999)}.{rng.randint(0, 99):02d}"
            out.write(f"{code},{name},{price},{rng.choice(FLAGS)}\r\n")
    return path.stat().st_size


def measure_catalog(out: Path, *, rows: int) -> dict:
    db_path, csv_path = out / "catalog.sqlite3", out / "catalog.csv"
    db_path.unlink(missing_ok=True)
    size = write_catalog(csv_path, rows=rows)
    shop = create_shop(db_path)
    db = open_database(str(db_path))
    try:
        start = time.perf_counter()
        first = products.import_products_csv(db, actor=shop.manager, path=csv_path)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        again = products.import_products_csv(db, actor=shop.manager, path=csv_path)
        again_s = time.perf_counter() - start
    finally:
        db.dispose()
        csv_path.unlink()
    if (first.added, again.unchanged) != (rows, rows):
        raise RuntimeError(f"imported {first} then {again}; expected {rows} added, then"
                           f" {rows} unchanged")
    return {"rows": rows, "file_mb": size / 2**20, "first_s": first_s, "again_s": again_s,
            "first_rows_per_s": rows / first_s, "again_rows_per_s": rows / again_s}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 250_000
    print(f"{target}: {n:,} rows, {write_catalog(target, rows=n):,} bytes")
