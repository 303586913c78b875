"""At the counter: a scanned card shows where its customer stands and one line of advice,
read from the snapshot the last day close left."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import line, personal
from PySide6.QtWidgets import QApplication

from loyaltypos.domain import clock
from loyaltypos.services import days
from loyaltypos.services.checkout import checkout, new_sale_id

pytest_plugins = ["uitools"]


def scan(qtbot, number: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), number + "\r")


@pytest.fixture
def regulars(db, manager, cashier):
    """Olga bought once, yesterday, and the day was closed; Nina never bought."""
    yesterday = clock.now() - dt.timedelta(days=1)
    with clock.frozen_at(yesterday):
        olga = personal(db, manager, name="Olga").number
        nina = personal(db, manager, name="Nina").number
        checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=olga,
                 lines=[line("tea", 1, 25_000)])
        days.close_day(db, actor=manager)
    return olga, nina


def test_a_returning_customer_shows_their_step_segment_and_advice(qtbot, till, regulars):
    olga, nina = regulars
    panel = till.till.customer
    scan(qtbot, olga)
    assert "Olga" in panel.headline.text()
    assert panel.fields["standing"].text() == "buyer · AZ"
    assert panel.advice.text() == "Second visit: thank them for coming back."
    scan(qtbot, nina)
    assert panel.fields["standing"].text() == "new"
    assert panel.advice.text() == "First visit: ask for an NPS score after paying."
