"""A shop's whole catalog in one CSV file is read as a stream, a row at a time: the
import's memory does not grow with the file, and it is still all or nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import snapshot

from loyaltypos.services import products
from loyaltypos.services.products import MAX_FILE_BYTES, ImportResult, ProductFileWrong

HEADER = "code,name,price,eligible\n"


def catalog_rows(count: int, *, first: int = 0) -> str:
    """``count`` distinct products, about 75 bytes a row, Cyrillic included."""
    return "".join(
        f'46{i:011d},"Тетрадь в клетку A5, {i} листов",{i % 9000 + 1}.{i % 100:02d},'
        f"{'yes' if i % 4 else 'no'}\n"
        for i in range(first, first + count)
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


IMPORTER = textwrap.dedent("""
    import json, resource, sys
    from loyaltypos.db import open_database
    from loyaltypos.domain.people import Actor
    from loyaltypos.services import products

    db_path, small, large, user_id, name = sys.argv[1:6]
    db = open_database(db_path)
    actor = Actor(int(user_id), name, "manager")
    products.import_products_csv(db, actor=actor, path=small)  # libraries and caches warm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = products.import_products_csv(db, actor=actor, path=large)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.dispose()
    print(json.dumps({"added": done.added, "grew_mb": (after - before) / 1024}))
""")

LARGE_ROWS = 60_000  # a 4.6 MB file; loaded whole, it took some 200 MB more


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_a_large_catalog_is_imported_without_holding_it_in_memory(db, db_path, manager,
                                                                  tmp_path):
    small = write(tmp_path / "small.csv", HEADER + catalog_rows(2_000, first=10**9))
    large = write(tmp_path / "large.csv", HEADER + catalog_rows(LARGE_ROWS))
    assert large.stat().st_size > 4 * 2**20
    proc = subprocess.run(
        [sys.executable, "-c", IMPORTER, str(db_path), str(small), str(large),
         str(manager.user_id), manager.name],
        capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["added"] == LARGE_ROWS
    # The codes seen so far (to name a repeated one's line) and one batch of rows are
    # kept; the file, its rows and their ORM objects are not.
    assert figures["grew_mb"] < 40, figures
    assert len(products.list_products(db)) == LARGE_ROWS + 2_000


def test_a_bad_row_after_many_batches_refuses_the_whole_file(db, manager, tmp_path):
    products.save_product(db, actor=manager, code="4600000000017", name="Old", price=1)
    before = snapshot(db)
    rows = catalog_rows(12_000)
    path = write(tmp_path / "big.csv", HEADER + rows + "46000000000017,Pen,-5,yes\n")
    with pytest.raises(ProductFileWrong, match=r"^big\.csv line 12002: .*negative.*nothing"
                                               r" was imported"):
        products.import_products_csv(db, actor=manager, path=path)
    assert snapshot(db) == before
    # a code repeated far from its first line names that line
    again = write(tmp_path / "again.csv", HEADER + rows + catalog_rows(1, first=3))
    with pytest.raises(ProductFileWrong, match=r"line 12002: the code 4600000000003 is already"
                                               r" on line 5;"):
        products.import_products_csv(db, actor=manager, path=again)
    assert snapshot(db) == before


def test_a_byte_that_is_not_utf8_deep_in_a_large_file_names_its_line(db, manager, tmp_path):
    before = snapshot(db)
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + catalog_rows(30_000)).encode() + b"9,Caf\xe9,1,yes\n"
                     + catalog_rows(10, first=40_000).encode())
    with pytest.raises(ProductFileWrong, match=r"^latin\.csv line 30002: not UTF-8 text"):
        products.import_products_csv(db, actor=manager, path=path)
    assert snapshot(db) == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(db, manager, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as sparse:  # no disk used: the size is all that is looked at
        sparse.truncate(MAX_FILE_BYTES + 1)
    before = snapshot(db)
    with pytest.raises(ProductFileWrong, match="too large for a product list"):
        products.import_products_csv(db, actor=manager, path=path)
    assert snapshot(db) == before


def test_old_mac_line_ends_and_a_byte_order_mark_still_read(db, manager, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes("\ufeffcode;name;price\r1;Чай;1,50\r\r2;\"Pen; blue\";2\r".encode())
    assert products.import_products_csv(db, actor=manager, path=path) == ImportResult(2, 0, 0)
    assert [(p.code, p.name, p.price) for p in products.list_products(db)] == [
        ("2", "Pen; blue", 200), ("1", "Чай", 150)]


@pytest.mark.parametrize("data", [HEADER + "1,Tea,1,\n", (HEADER + "1,Tea,1,\n").encode()])
def test_parse_products_csv_still_takes_text_or_bytes(data):
    assert products.parse_products_csv(data, currency="RUB") == [
        products.ProductRow(line=2, code="1", name="Tea", price=100, eligible=None)]
