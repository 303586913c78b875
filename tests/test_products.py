"""The product catalog: codes, prices, the loyalty flag, and CSV imports that are all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import MANAGER_PIN, snapshot
from sqlalchemy import select

from loyaltypos.db.models import AuditEntry, Base
from loyaltypos.domain.cardnumbers import check_digit
from loyaltypos.domain.errors import BadAmount, NotAllowed
from loyaltypos.services import products
from loyaltypos.services.products import ImportResult, ProductFileWrong

pytestmark = pytest.mark.postgresql_too

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "products.csv"
HEADER = "code,name,price,eligible\n"
COFFEE, TEA, GIFT, PEN = "4601234005173", "4601234005241", "GIFT-1000", "4600115300222"


def write(tmp_path: Path, text: str, *, name: str = "products.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def catalog(db) -> dict[str, tuple[str, int, bool, bool]]:
    return {p.code: (p.name, p.price, p.eligible, p.active)
            for p in products.list_products(db, include_inactive=True)}


def audit_actions(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_import_adds_then_reimport_counts_updated_and_unchanged(db, manager, tmp_path):
    first = write(tmp_path, HEADER + f"{COFFEE},Coffee beans 250 g,890.00,yes\n"
                  f"{TEA},Black tea 100 g,390,yes\n{GIFT},Gift card 1000 RUB,1000.00,no\n")
    assert products.import_products_csv(db, actor=manager, path=first) == ImportResult(3, 0, 0)
    assert catalog(db)[GIFT] == ("Gift card 1000 RUB", 100000, False, True)

    second = write(tmp_path, HEADER + f"{COFFEE},Coffee beans 250 g,929.90,yes\n"
                   f"{TEA},Black tea 100 g,390.00,yes\n{GIFT},Gift card 1000 RUB,1000,no\n"
                   f"{PEN},\"Gel pen, black\",89,\n", name="again.csv")
    result = products.import_products_csv(db, actor=manager, path=second)
    assert result == ImportResult(added=1, updated=1, unchanged=2)
    assert products.find_product(db, code=COFFEE).price == 92990
    assert catalog(db)[PEN] == ("Gel pen, black", 8900, True, True)
    assert audit_actions(db)[-2:] == ["product_import", "product_import"]


def test_a_price_list_without_eligible_keeps_excluded_goods_excluded(db, manager, tmp_path):
    products.save_product(db, actor=manager, code=GIFT, name="Gift card", price=100000,
                          eligible=False)
    prices = write(tmp_path, f"code,name,price\n{GIFT},Gift card,1000.00\n{TEA},Tea,390\n")
    assert products.import_products_csv(db, actor=manager, path=prices) == ImportResult(1, 0, 1)
    assert catalog(db)[GIFT][2] is False
    assert catalog(db)[TEA][2] is True  # a new product is in the program unless the file says no


def test_import_puts_a_product_taken_off_sale_back_on_sale(db, manager, tmp_path):
    products.save_product(db, actor=manager, code=TEA, name="Tea", price=39000, active=False)
    path = write(tmp_path, HEADER + f"{TEA},Tea,390.00,yes\n")
    assert products.import_products_csv(db, actor=manager, path=path) == ImportResult(0, 1, 0)
    assert products.find_product(db, code=TEA) is not None


GOOD_ROW = f"{COFFEE},Coffee beans 250 g,890.00,yes\n"


@pytest.mark.parametrize(("bad_row", "says"), [
    (f"{PEN},Gel pen,-5,yes", "negative"),
    (f"{PEN},,89.00,yes", "has no name"),
    (f"{PEN},   ,89.00,yes", "has no name"),
    (f"{PEN},Gel pen,89.00,maybe", "eligible is 'maybe'; write yes or no"),
    (f"{COFFEE},Coffee again,100,yes", f"the code {COFFEE} is already on line 2"),
    (f"{PEN},Gel pen,89.999,yes", "more than 2 decimals for RUB"),
    (f"{PEN},Gel pen,,yes", "has no price"),
    (f"{PEN},Gel pen,eighty,yes", "not an amount"),
    (",Gel pen,89.00,yes", "needs a code"),
    (f"{'X' * 65},Gel pen,89.00,yes", "too long"),
    (f"{PEN},Gel pen, black,89.00,yes", "5 values for 4 columns; put a name with a ','"),
])
def test_a_bad_row_refuses_the_whole_file_and_names_its_line(db, manager, tmp_path, bad_row,
                                                              says):
    products.save_product(db, actor=manager, code=COFFEE, name="Coffee beans 250 g",
                          price=80000)
    before, shelf = snapshot(db), catalog(db)
    # the good row would change a price and the last one would add a product: neither happens
    path = write(tmp_path, HEADER + GOOD_ROW + bad_row + f"\n{TEA},Black tea,390,yes\n")
    with pytest.raises(ProductFileWrong) as refused:
        products.import_products_csv(db, actor=manager, path=path)
    message = str(refused.value)
    assert message.startswith("products.csv line 3: ") and says in message, message
    assert "nothing was imported" in message
    assert snapshot(db) == before and catalog(db) == shelf


@pytest.mark.parametrize(("text", "says"), [
    ("", "is empty"),
    ("\n  \n", "is empty"),
    ("code,title,price\n1,x,1\n", "line 1: the first line must name the columns"),
    ("code,name,price,qty\n1,x,1,5\n", "line 1: unknown column 'qty'"),
    ("code,name,price,price\n1,x,1,1\n", "line 1: the column 'price' is there twice"),
    (HEADER, "has no products"),
    (HEADER + '1,Tea,1\n2,"unclosed,1,yes\n3,Pen,1\n', "line 3: a quote is not closed"),
    (HEADER + '1,"Tea" x,1\n', "line 2: ',' expected after '\"', check the quotes"),
])
def test_a_file_that_is_not_a_product_list_is_refused(db, manager, tmp_path, text, says):
    before = snapshot(db)
    with pytest.raises(ProductFileWrong, match="nothing was imported") as refused:
        products.import_products_csv(db, actor=manager, path=write(tmp_path, text))
    assert says in str(refused.value)
    assert snapshot(db) == before


def test_a_file_that_is_not_utf8_names_the_line(db, manager, tmp_path):
    path = write(tmp_path, HEADER + "1,Tea,1,yes\n2,Кофе,1,yes\n", encoding="cp1251")
    with pytest.raises(ProductFileWrong, match="line 3: not UTF-8 text"):
        products.import_products_csv(db, actor=manager, path=path)
    with pytest.raises(ProductFileWrong, match="no file"):
        products.import_products_csv(db, actor=manager, path=tmp_path / "missing.csv")


def test_semicolons_bom_and_comma_decimals_are_read(db, manager, tmp_path):
    text = ("\r\nCode;Name;PRICE;Eligible\r\n"
            f"{COFFEE};Кофе в зёрнах, 250 г;890,50;yes\r\n"
            " 4 601234 005241 ;Чай чёрный;390;\r\n"
            "\r\n"
            f"{GIFT};Подарочная карта;1000;NO\r\n")
    path = write(tmp_path, text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert products.import_products_csv(db, actor=manager, path=path) == ImportResult(3, 0, 0)
    assert catalog(db) == {
        COFFEE: ("Кофе в зёрнах, 250 г", 89050, True, True),
        TEA: ("Чай чёрный", 39000, True, True),  # a barcode typed in groups is joined up
        GIFT: ("Подарочная карта", 100000, False, True),
    }
    # Cyrillic search ignores case, which SQLite's lower() alone would not
    assert [p.code for p in products.search_products(db, text="КОФЕ")] == [COFFEE]


def test_a_cashier_cannot_import_or_change_products(db, manager, cashier, tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW)
    before = snapshot(db)
    with pytest.raises(NotAllowed, match="needs a manager"):
        products.import_products_csv(db, actor=cashier, path=path)
    with pytest.raises(NotAllowed, match="needs a manager"):
        products.save_product(db, actor=cashier, code=COFFEE, name="Coffee", price=1)
    assert snapshot(db) == before


def test_save_product_changes_the_row_with_that_code_and_audits_it(db, manager):
    added = products.save_product(db, actor=manager, code=f"  {COFFEE} ", name=" Coffee ",
                                  price=89000)
    assert (added.code, added.name, added.eligible, added.active) == (COFFEE, "Coffee", True,
                                                                     True)
    changed = products.save_product(db, actor=manager, code=COFFEE, name="Coffee",
                                    price=92990)
    assert changed.id == added.id and changed.price == 92990
    before = snapshot(db)
    same = products.save_product(db, actor=manager, code=COFFEE, name="Coffee", price=92990)
    assert same == changed and snapshot(db) == before  # saving as it is writes nothing
    assert audit_actions(db)[-2:] == ["product_add", "product_change"]
    with db.read() as s:
        detail = json.loads(s.scalars(select(AuditEntry.detail)
                                      .order_by(AuditEntry.id.desc())).first())
    assert detail == {"before": {"price": 89000}, "after": {"price": 92990}}


def test_save_product_refuses_what_cannot_be_sold(db, manager):
    before = snapshot(db)
    for kw, says in [
        ({"code": "  ", "name": "Pen", "price": 1}, "needs a code"),
        ({"code": "X" * 65, "name": "Pen", "price": 1}, "too long"),
        ({"code": "P1", "name": " ", "price": 1}, "needs a name"),
        ({"code": "P1", "name": "P" * 201, "price": 1}, "too long"),
    ]:
        with pytest.raises(products.BadProduct, match=says):
            products.save_product(db, actor=manager, **kw)
    with pytest.raises(BadAmount, match="negative"):
        products.save_product(db, actor=manager, code="P1", name="Pen", price=-1)
    with pytest.raises(TypeError):
        products.save_product(db, actor=manager, code="P1", name="Pen", price=8.9)
    with pytest.raises(TypeError):
        products.save_product(db, actor=manager, code="P1", name="Pen", price=1, eligible="no")
    assert snapshot(db) == before
    # a code that looks like one of our loyalty cards is just a code here
    card_like = "27" + "1234567890" + check_digit("271234567890")
    assert products.save_product(db, actor=manager, code=card_like, name="Label",
                                 price=0).code == card_like


def test_find_and_search_ignore_products_taken_off_sale(db, manager):
    products.save_product(db, actor=manager, code="CAFE-ESP", name="Espresso", price=15000)
    products.save_product(db, actor=manager, code="CAFE-CAP", name="Cappuccino 300 ml",
                          price=22000)
    products.save_product(db, actor=manager, code="CAFE-OLD", name="Espresso tonic",
                          price=25000, active=False)
    assert products.find_product(db, code=" CAFE-ESP ").name == "Espresso"
    assert products.find_product(db, code="CAFE-OLD") is None
    assert products.find_product(db, code="cafe-esp") is None  # a code is exact
    assert products.find_product(db, code="") is None
    assert [p.code for p in products.search_products(db, text="espresso")] == ["CAFE-ESP"]
    assert [p.code for p in products.search_products(db, text="cafe-")] == ["CAFE-CAP",
                                                                             "CAFE-ESP"]
    assert products.search_products(db, text="cafe", limit=1)[0].code == "CAFE-CAP"
    assert products.search_products(db, text="  ") == []
    assert [p.code for p in products.list_products(db)] == ["CAFE-CAP", "CAFE-ESP"]
    assert len(products.list_products(db, include_inactive=True)) == 3


def test_search_puts_code_matches_before_name_matches(db, manager):
    products.save_product(db, actor=manager, code="4600001", name="Album 46 pages", price=1)
    products.save_product(db, actor=manager, code="1000046", name="46 postcards", price=1)
    assert [p.code for p in products.search_products(db, text="46")] == ["4600001", "1000046"]


def test_the_sample_catalog_is_a_bookshop_cafe_with_valid_barcodes(db, manager):
    assert products.import_products_csv(db, actor=manager, path=SAMPLE).added >= 25
    shelf = products.list_products(db)
    barcodes = [p.code for p in shelf if p.code.isdigit()]
    assert len(barcodes) >= 15 and len(barcodes) < len(shelf)  # and some SKUs
    for code in barcodes:
        assert len(code) == 13 and code[:2] in ("40", "46") and code[12] == check_digit(code[:12])
    assert {p.code for p in shelf if not p.eligible} >= {"GIFT-1000", "GIFT-3000"}


def test_the_products_table_matches_the_model(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "products" in repr(d)] == []


def test_import_and_list_from_the_command_line(db, db_path, manager, tmp_path, cli):
    # In this process (conftest.py's ``cli``): the real processes are tests/test_cli.py's.
    def run(*args: str):
        return cli("--json", *args, LOYALTYPOS_DB=db.url, LOYALTYPOS_PIN=MANAGER_PIN)

    done = run("product", "import", str(SAMPLE), "--user", manager.name)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"added": 27, "updated": 0, "unchanged": 0}

    bad = write(tmp_path, HEADER + "CAFE-ESP,Espresso,0.001,yes\n", name="bad.csv")
    before = snapshot(db)
    refused = run("product", "import", str(bad), "--user", manager.name)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "loyaltypos: bad.csv line 2: '0.001' has more than 2 decimals for RUB;"
        " nothing was imported"]
    assert snapshot(db) == before

    listed = run("product", "list")
    assert listed.returncode == 0, listed.stderr
    shelf = json.loads(listed.stdout)
    assert len(shelf) == 27 and set(shelf[0]) == {"code", "name", "price", "eligible"}
    by_code = {p["code"]: p for p in shelf}
    assert by_code["CAFE-ESP"] == {"code": "CAFE-ESP", "name": "Espresso", "price": "150.00",
                                   "eligible": True}
    assert by_code["GIFT-1000"]["eligible"] is False
    assert by_code["4007817112205"]["price"] == "45.50"
