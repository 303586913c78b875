"""The till asks for a score after a card sale, as the shop's policy says; the cashier
types it on the keypad (1 then 0 for 10) and Enter, or Esc to skip."""

from __future__ import annotations

import pytest
from conftest import personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from uitools import TEA, on_dialog

from loyaltypos.db.models import NpsResponse
from loyaltypos.domain.errors import NotAllowed, Refused
from loyaltypos.services import nps

pytest_plugins = ["uitools"]


def answers(db) -> list[tuple[int, str | None]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(select(NpsResponse.score, NpsResponse.reason))]


def sell_with_card(qtbot, till, number: str) -> None:
    qtbot.keyClicks(till.till.scan, number + "\r")
    qtbot.keyClicks(till.till.scan, TEA + "\r")
    till.till.pay_card()


def test_a_customer_answers_ten_on_the_keypad_after_a_card_sale(qtbot, db, manager, till):
    nps.set_ask_policy(db, actor=manager, policy="every")
    card = personal(db, manager, name="Olga").number

    def customer_answers(dialog):
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
        for key in (Qt.Key.Key_1, Qt.Key.Key_0, Qt.Key.Key_Tab):
            qtbot.keyClick(QApplication.focusWidget(), key)
        qtbot.keyClicks(QApplication.focusWidget(), "friendly staff")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    on_dialog(qtbot, customer_answers)
    sell_with_card(qtbot, till, card)
    assert answers(db) == [(10, "friendly staff")]


def test_esc_skips_the_question(qtbot, db, manager, till):
    nps.set_ask_policy(db, actor=manager, policy="every")
    card = personal(db, manager, name="Olga").number

    def skip(dialog):
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    on_dialog(qtbot, skip)
    sell_with_card(qtbot, till, card)
    assert answers(db) == []
    assert "paid" in till.till.last_paid.text()


def test_a_score_out_of_range_is_refused_in_the_dialog(qtbot, db, manager, till):
    nps.set_ask_policy(db, actor=manager, policy="every")
    card = personal(db, manager, name="Olga").number
    seen = {}

    def eleven(dialog):
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
        qtbot.keyClicks(QApplication.focusWidget(), "11")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        seen["error"] = dialog.error.text()
        dialog.reject()

    on_dialog(qtbot, eleven)
    sell_with_card(qtbot, till, card)
    assert "from 0 to 10" in seen["error"] and answers(db) == []


def test_the_policy_never_every_or_once_in_n_days(db, manager, cashier):
    card = personal(db, manager, name="Olga").number
    assert nps.ask_policy(db) == "never" and not nps.should_ask(db, card_number=card)
    nps.set_ask_policy(db, actor=manager, policy="days:30")
    assert nps.should_ask(db, card_number=card)
    nps.record_response(db, actor=cashier, score=9, card_number=card)
    assert not nps.should_ask(db, card_number=card)  # asked today: not again for 30 days
    with pytest.raises(Refused, match="days:N"):
        nps.set_ask_policy(db, actor=manager, policy="days:0")
    with pytest.raises(NotAllowed):
        nps.set_ask_policy(db, actor=cashier, policy="every")


def test_a_manager_sets_the_policy_on_the_shop_screen(qtbot, db, manager, till):
    from conftest import MANAGER_PIN

    from loyaltypos.services.users import sign_in

    maria = sign_in(db, name="Maria", pin=MANAGER_PIN)
    till.ops.ask_manager = lambda _parent, _action: maria  # she typed her PIN in the dialog
    till.go_to(till.overview)
    screen = till.overview
    assert screen.nps_ask.currentData() == "never" and not screen.nps_days.isEnabled()
    screen.nps_ask.setCurrentIndex(screen.nps_ask.findData("days"))
    screen.nps_days.setValue(14)
    screen.save_nps_policy()
    assert nps.ask_policy(db) == "days:14" and screen.nps_message.text() == "Saved"
