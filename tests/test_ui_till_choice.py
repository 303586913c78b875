"""A till computer on a program with several tills asks once which till it is."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from loyaltypos.db import open_database
from loyaltypos.domain.errors import TillUnknown
from loyaltypos.services import shops
from ui import app


@pytest.fixture
def two_tills(db, manager):
    db.till = "Till 1"
    shops.add_shop(db, actor=manager, name="Arbat", first_till="Arbat 1")
    anonymous = open_database(db.url)
    yield anonymous
    anonymous.dispose()


def test_the_till_chosen_at_start_is_used_and_kept_on_this_computer(
        qtbot, isolated_settings, monkeypatch, two_tills):
    offered = []

    def pick(_parent, _title, _label, names, *_args):
        offered.extend(names)
        return "Arbat 1", True

    monkeypatch.setattr(app.QInputDialog, "getItem", pick)
    app.choose_till(two_tills)
    assert offered == ["Till 1", "Arbat 1"]
    assert (two_tills.place.till_name, two_tills.place.shop_id) == ("Arbat 1", 2)
    assert QSettings().value(app.TILL_KEY) == "Arbat 1" == app.saved_till()


def test_no_till_chosen_starts_no_till(qtbot, isolated_settings, monkeypatch, two_tills):
    monkeypatch.setattr(app.QInputDialog, "getItem", lambda *_a: ("", False))
    with pytest.raises(TillUnknown, match="no till chosen"):
        app.choose_till(two_tills)
    assert app.saved_till() is None


def test_a_single_till_is_never_asked(qtbot, isolated_settings, monkeypatch, db, shop):
    monkeypatch.setattr(app.QInputDialog, "getItem", lambda *_a: pytest.fail("asked"))
    app.choose_till(db)
    assert db.place.till_name == "Till 1"
