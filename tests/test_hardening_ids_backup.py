"""Hardening: one sale (or refund) id however it is spelled; a backup is whole or nothing."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from conftest import card_now, line, personal, snapshot
from sqlalchemy import select

from loyaltypos.db import backup as backup_module
from loyaltypos.db import open_database
from loyaltypos.db.models import LedgerEntry, Refund, Sale
from loyaltypos.domain.errors import Refused
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.refunds import refund

SALE_ID = "3f2b9c1e-5a4d-4e6f-8a7b-1c2d3e4f5a6b"

# The same UUID, spelled seven ways.
SPELLINGS = [
    SALE_ID,
    SALE_ID.upper(),
    "{" + SALE_ID + "}",
    "urn:uuid:" + SALE_ID,
    SALE_ID.replace("-", ""),
    "".join(c.upper() if i % 2 else c for i, c in enumerate(SALE_ID)),  # mixed case
    "URN:UUID:{" + SALE_ID.upper().replace("-", "") + "}",
]

NOT_IDS = [
    "xyz",
    "",
    "   ",
    SALE_ID[:-1],  # one digit short
    SALE_ID + "0",  # one digit too many
    "0x" + "a" * 30,  # int(..., 16) reads it, but it is no UUID
    "+" + "a" * 31,
    "a" * 16 + "_" + "a" * 15,
    "3f2b9c1e-5a4d-4e6f-8a7b-1c2d3e4f5a6g",  # not hex
    "{" + SALE_ID,  # an unclosed brace
]


# ---------------------------------------------------------------- the pure rule


def test_every_spelling_of_a_uuid_has_one_canonical_form():
    from loyaltypos.domain.ids import canonical_uuid

    assert {canonical_uuid(s) for s in SPELLINGS} == {SALE_ID}
    assert canonical_uuid(f" {SALE_ID.upper()}\n") == SALE_ID  # a scanner's newline


@pytest.mark.parametrize("text", [*NOT_IDS, None, 42])
def test_what_is_not_a_uuid_has_no_canonical_form(text):
    from loyaltypos.domain.ids import canonical_uuid

    assert canonical_uuid(text) is None


def test_the_refusal_names_the_id_and_shows_a_uuid():
    from loyaltypos.domain.ids import refund_id, sale_id

    with pytest.raises(Refused) as sale_err:
        sale_id("xyz")
    with pytest.raises(Refused) as refund_err:
        refund_id("xyz")
    assert str(sale_err.value).startswith("'xyz' is not a sale id: give a UUID such as ")
    assert str(refund_err.value).startswith("'xyz' is not a refund id: give a UUID such as ")
    assert "\n" not in str(sale_err.value) + str(refund_err.value)


# ---------------------------------------------------------------- checkout


def test_seven_spellings_of_one_sale_id_record_one_sale(db, cashier):
    card = personal(db, cashier)
    results = [checkout(db, actor=cashier, sale_id=spelling, card_number=card.number,
                        lines=[line("x", 1, 100_000)]) for spelling in SPELLINGS]
    assert [r.replayed for r in results] == [False] + [True] * 6
    assert {(r.sale_id, r.receipt_no, r.cashback) for r in results} == {
        (SALE_ID, 1, results[0].cashback)}
    with db.read() as s:
        assert s.scalars(select(Sale.id)).all() == [SALE_ID]
        earns = s.scalars(select(LedgerEntry).where(LedgerEntry.kind == "earn")).all()
    assert len(earns) == 1 and earns[0].sale_id == SALE_ID
    assert card_now(db, card.number).balance == results[0].cashback == 5_000


def test_an_id_first_given_in_capitals_is_stored_in_canonical_form(db, cashier):
    result = checkout(db, actor=cashier, sale_id="{" + SALE_ID.upper() + "}",
                      lines=[line("x", 1, 100)])
    assert result.sale_id == SALE_ID
    with db.read() as s:
        assert s.scalars(select(Sale.id)).all() == [SALE_ID]


@pytest.mark.parametrize("text", NOT_IDS)
def test_a_sale_id_that_is_not_a_uuid_is_refused_and_writes_nothing(db, cashier, text):
    card = personal(db, cashier)
    before = snapshot(db)
    with pytest.raises(Refused) as err:
        checkout(db, actor=cashier, sale_id=text, card_number=card.number,
                 lines=[line("x", 1, 100_000)])
    message = str(err.value)
    assert "is not a sale id" in message and "UUID" in message and "\n" not in message
    assert snapshot(db) == before


# ---------------------------------------------------------------- refunds


@pytest.fixture
def sale(db, manager):
    card = personal(db, manager)
    return checkout(db, actor=manager, sale_id=SALE_ID, card_number=card.number,
                    lines=[line("pen", 4, 10_000)])


def test_two_spellings_of_one_refund_id_refund_once(db, manager, sale):
    refund_id = "5f0c2a8e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
    first = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)},
                   refund_id=refund_id.upper())
    assert first.refund_id == refund_id
    before = snapshot(db)
    for spelling in ("{" + refund_id + "}", "urn:uuid:" + refund_id, refund_id.replace("-", "")):
        again = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)},
                       refund_id=spelling)
        assert again == first
    assert snapshot(db) == before
    with db.read() as s:
        assert s.scalars(select(Refund.id)).all() == [refund_id]


def test_a_refund_finds_the_sale_however_its_id_is_spelled(db, manager, sale):
    refund_id = "5f0c2a8e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
    first = refund(db, actor=manager, sale_id=SALE_ID.upper(), items={1: Decimal(1)},
                   refund_id=refund_id)
    again = refund(db, actor=manager, sale_id="{" + SALE_ID + "}", items={1: Decimal(1)},
                   refund_id=refund_id)
    assert first.sale_id == SALE_ID and again == first


@pytest.mark.parametrize("text", ["xyz", "0x" + "a" * 30, "{" + SALE_ID])
def test_a_refund_id_that_is_not_a_uuid_is_refused_and_writes_nothing(db, manager, sale,
                                                                      text):
    before = snapshot(db)
    with pytest.raises(Refused) as err:
        refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)}, refund_id=text)
    assert "is not a refund id" in str(err.value)
    assert snapshot(db) == before


# ---------------------------------------------------------------- backup


class _Sqlite:
    """``sqlite3`` as the backup module sees it, with a copy that fails after its first page."""

    def __init__(self, error: BaseException | None = None):
        self.error = error or OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(sqlite3, name)

    def connect(self, *args, **kwargs):
        return _FailingCopy(sqlite3.connect(*args, **kwargs), self.error)


class _FailingCopy:
    def __init__(self, real, error):
        self._real = real
        self._error = error

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        self._real.__enter__()
        return self

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)

    def backup(self, target, **kwargs):
        def fail(status, remaining, total):
            raise self._error

        self._real.backup(getattr(target, "_real", target), pages=1, progress=fail)


def _sales(database):
    with database.read() as s:
        return s.execute(select(Sale.id, Sale.receipt_no, Sale.paid, Sale.cashback)
                         .order_by(Sale.receipt_no)).all()


def test_a_backup_that_fails_midway_leaves_nothing_and_a_retry_works(db, cashier, tmp_path,
                                                                    monkeypatch):
    card = personal(db, cashier)
    for n in range(3):
        checkout(db, actor=cashier, sale_id=f"00000000-0000-4000-8000-00000000000{n}",
                 card_number=card.number, lines=[line("x", n + 1, 10_000)])
    folder = tmp_path / "backups"
    target = folder / "copy.sqlite3"
    with monkeypatch.context() as m:
        m.setattr(backup_module, "sqlite3", _Sqlite())
        with pytest.raises(Refused) as err:
            backup_module.backup(db, target)
    assert "\n" not in str(err.value)
    assert not target.exists()
    assert not folder.exists() or list(folder.iterdir()) == []  # no temporary file either

    assert backup_module.backup(db, target) == target.resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["copy.sqlite3"]
    copy = open_database(str(target), upgrade=False)
    try:
        assert _sales(copy) == _sales(db) and len(_sales(copy)) == 3
        assert snapshot(copy) == snapshot(db)
    finally:
        copy.dispose()
    with pytest.raises(Refused, match="already exists"):
        backup_module.backup(db, target)


def test_an_interrupted_backup_leaves_nothing(db, tmp_path, monkeypatch):
    target = tmp_path / "backups" / "copy.sqlite3"
    with monkeypatch.context() as m:
        m.setattr(backup_module, "sqlite3", _Sqlite(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):  # not turned into a refusal: it goes on up
            backup_module.backup(db, target)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []
    assert backup_module.backup(db, target).exists()


def test_a_backup_of_a_file_that_is_no_shop_is_refused_and_leaves_nothing(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    database = open_database(str(empty), upgrade=False)
    target = tmp_path / "backups" / "copy.sqlite3"
    try:
        with pytest.raises(Refused):
            backup_module.backup(database, target)
    finally:
        database.dispose()
    assert not target.exists()
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_a_receipt_is_found_by_any_spelling_of_its_sale_id(db, cashier):
    from loyaltypos.services.receipts import sale_receipt

    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Tea", 1, 100)],
                    payments=[PaymentInput("card")])
    for spelling in (sale.sale_id.upper(), "{" + sale.sale_id + "}",
                     sale.sale_id.replace("-", "")):
        assert sale_receipt(db, sale_id=spelling).receipt_no == sale.receipt_no
