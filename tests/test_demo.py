"""The demo shop is made through the services and is a healthy ledger."""

import pytest

from loyaltypos.services import days, products, store, users
from loyaltypos.services.demo import CASHIER, CASHIER_PIN, build_demo
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.slow


def test_demo_shop_has_a_catalog_cards_closed_days_and_an_open_one(db):
    demo = build_demo(db, days_back=2)
    assert demo.sales > 20
    assert len(products.list_products(db)) >= 20
    assert "PIN" in store.sign_in_hint(db)
    assert users.sign_in(db, name=CASHIER, pin=CASHIER_PIN).role == "cashier"
    today = days.day_summary(db)
    assert not today.closed and today.sales == 6
    closed = [days.day_summary(db, date=today.date.fromordinal(today.date.toordinal() - n))
              for n in (1, 2)]
    assert all(z.closed and z.z_number for z in closed)
    assert verify(db) == []
