"""Input that would choke a printer or never end is refused in one line and writes
nothing: control characters in a customer's name, a device as a price list."""

from __future__ import annotations

import pytest
from conftest import snapshot

from loyaltypos.domain.errors import BadCustomer
from loyaltypos.services import cards, products
from loyaltypos.services.products import ProductFileWrong


@pytest.mark.parametrize("name", ["Ivan\x1b[31mRed", "Ivan\x00", "Iv\u202ean", "Ivan\nPetrov"])
def test_a_customer_name_with_control_characters_is_refused(db, cashier, name):
    before = snapshot(db)
    with pytest.raises(BadCustomer, match="control character"):
        cards.issue_cards(db, actor=cashier, kind="personal",
                          customer=cards.CustomerInput(name=name))
    assert snapshot(db) == before


def test_a_device_as_a_price_list_is_refused_without_reading_it(db, manager):
    before = snapshot(db)
    with pytest.raises(ProductFileWrong, match="not a file"):
        products.import_products_csv(db, actor=manager, path="/dev/zero")
    assert snapshot(db) == before
