"""Output that must not depend on luck: every thermal print job starts by resetting the
printer, and an export never lands in whatever folder the command happened to run in."""

from __future__ import annotations

import pytest
from conftest import line, reader

from loyaltypos.documents.receipt_print import escpos_bytes
from loyaltypos.documents.z_report import z_escpos_bytes
from loyaltypos.domain.errors import Refused
from loyaltypos.services import export
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.days import day_summary
from loyaltypos.services.receipts import sale_receipt

ESC_AT = b"\x1b@"


def test_every_escpos_job_begins_with_esc_at(db, cashier):
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Tea", 1, 25_000)],
                    payments=[PaymentInput("cash", tendered=30_000)])
    receipt = escpos_bytes(sale_receipt(db, sale_id=sale.sale_id))
    report = z_escpos_bytes(day_summary(db), shop="Test shop", currency="RUB")
    for job in (receipt, report):
        assert job.startswith(ESC_AT), job[:8]


@pytest.mark.parametrize("folder", ["", "   "])
def test_an_export_without_a_folder_is_refused_and_writes_nothing(db, shop, tmp_path,
                                                                 monkeypatch, folder):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    day = day_summary(db).date
    with pytest.raises(Refused, match="name the folder"):
        export.export_range(db, actor=reader(db), start=day, end=day, folder=folder)
    assert list(here.iterdir()) == []
