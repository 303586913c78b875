"""Finding cards by what the cashier types: "%" and "_" are letters, not SQL wildcards."""

from __future__ import annotations

import pytest
from conftest import personal, reader

from loyaltypos.domain.errors import Refused
from loyaltypos.services.cards import find_cards


def numbers(db, text: str) -> list[str]:
    return sorted(c.number for c in find_cards(db, actor=reader(db), text=text))


def test_percent_and_underscore_find_nobody_when_no_name_has_them(db, cashier):
    personal(db, cashier, "Olga Smirnova")
    personal(db, cashier, "Ivan Petrov")
    # As LIKE patterns each of these matches one or both names ("__": any two letters).
    for text in ("__", "%%", "_%", "%_", "o%", "_a", "a_o", "%ov"):
        assert numbers(db, text) == [], text


def test_a_name_with_a_percent_or_an_underscore_is_found_by_it(db, cashier):
    percent = personal(db, cashier, "Anna 100% Bio")
    underscore = personal(db, cashier, "Ivan__Petrov")
    slash = personal(db, cashier, "A/B Cafe")  # "/" is the escape character under the hood
    personal(db, cashier, "Olga Smirnova")
    assert numbers(db, "100%") == [percent.number]
    assert numbers(db, "0% b") == [percent.number]
    assert numbers(db, "__") == [underscore.number]
    assert numbers(db, "n__p") == [underscore.number]
    assert numbers(db, "a/b") == [slash.number]
    assert numbers(db, "smirn") != []  # an ordinary search still finds by any part


def test_one_wildcard_alone_is_too_short_to_search(db, cashier):
    personal(db, cashier, "Olga Smirnova")
    for text in ("%", "_", " % "):
        with pytest.raises(Refused, match="at least two"):
            find_cards(db, actor=reader(db), text=text)
