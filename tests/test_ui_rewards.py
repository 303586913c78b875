"""The welcome bonus where the shop sees it: the end-of-day screen and the Shop screen."""

from __future__ import annotations

import pytest
from conftest import MANAGER_PIN, PROGRAM_TOML, personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from uitools import press, signed_in

from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.program import parse_program
from loyaltypos.services import store

pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]
WELCOME = '[[reward]]\nkind = "welcome"\namount = 100\n'


@pytest.fixture
def window(qtbot, db, shop):
    return signed_in(qtbot, db, "Maria", MANAGER_PIN)


def value(window, name: str) -> str:
    return window.day.findChild(QLabel, name).text()


def test_f11_tells_the_welcome_bonuses_of_the_day(qtbot, db, manager, window):
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + WELCOME))
    personal(db, manager, name="Olga")
    press(qtbot, window, Qt.Key.Key_F11)
    assert window.stack.currentWidget() is window.day
    assert "Welcome bonuses: 100.00 RUB." in window.day.details.text()
    assert value(window, "dayLiability") == fmt_display(10_000, "RUB")


def test_the_shop_screen_tells_the_welcome_bonus(qtbot, db, manager, window):
    window.go_to(window.overview)
    assert "welcome bonus" not in window.overview.details.text()
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + WELCOME))
    window.go_to(window.till)
    window.go_to(window.overview)
    qtbot.waitUntil(lambda: "welcome bonus of 100.00 RUB" in window.overview.details.text())
