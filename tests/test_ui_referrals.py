"""The cashier names who recommended the shop while issuing or registering a personal card."""

from __future__ import annotations

import pytest
from conftest import MANAGER_PIN, personal, snapshot
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from uitools import button, field, on_dialog, press, type_into_dialog

from loyaltypos.db.models import Card
from loyaltypos.services import cards, referrals
from ui.dialogs.cards import CardAdminDialog, IssueCardDialog
from ui.dialogs.people import ManagerPinDialog

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]


def referred_by(db, number: str) -> str | None:
    with db.read() as s:
        lineage = s.scalar(select(Card.lineage_id).where(Card.number == number))
        return referrals.referrals_for(s, lineage).referred_by


def tab_to(qtbot, dialog, name: str) -> None:
    """Press Tab until the field ``name`` has the focus, as a cashier moves down a form."""
    for _press in range(10):
        if QApplication.focusWidget().objectName() == name:
            return
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    pytest.fail(f"Tab never reached {name}")


def issue_with(qtbot, name: str, referrer: str, seen: list) -> None:
    """On F4: type the name, Tab down to "Recommended by", type it and press Return."""
    def fill(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClicks(QApplication.focusWidget(), name)
        tab_to(qtbot, dialog, "issueReferredBy")
        qtbot.keyClicks(QApplication.focusWidget(), referrer + "\r")
        seen.append((dialog.isVisible(), dialog.error.text()))
        if dialog.isVisible():
            seen.append(snapshot(dialog.ops.database))
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    on_dialog(qtbot, fill, IssueCardDialog)


def test_a_card_issued_at_the_till_records_who_recommended_the_shop(qtbot, db, manager, till):
    olga = personal(db, manager, name="Olga", phone="+7 900 123 45 67")
    seen = []
    issue_with(qtbot, "Ivan New", "8 900 123-45-67", seen)
    press(qtbot, till, Qt.Key.Key_F4)
    assert seen == [(False, "")]
    card = till.till.sale.card
    assert card is not None and card.holder.name == "Ivan New"
    assert referred_by(db, card.number) == olga.number


def test_an_unknown_recommender_keeps_the_dialog_open_and_issues_nothing(qtbot, db, manager,
                                                                         till):
    personal(db, manager, name="Olga", phone="+7 900 123 45 67")
    before = snapshot(db)
    seen = []
    issue_with(qtbot, "Ivan New", "+7 999 000 00 00", seen)
    press(qtbot, till, Qt.Key.Key_F4)
    (visible, error), during = seen
    assert visible and error.startswith("No customer with card or phone +7 999 000 00 00")
    assert during == before
    assert snapshot(db) == before and till.till.sale.card is None


def test_registering_a_bearer_card_names_the_recommender(qtbot, db, manager, till):
    olga = personal(db, manager, name="Olga")
    bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0]
    qtbot.keyClicks(till.till.scan, bearer.number + "\r")
    seen = []

    def register(dialog):
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClicks(field(dialog, "registerName"), "Pavel")
        qtbot.keyClicks(field(dialog, "registerReferredBy"), "not a card")
        qtbot.mouseClick(button(dialog, "adminRegister"), Qt.MouseButton.LeftButton)
        seen.append((dialog.isVisible(), dialog.error.text()))
        field(dialog, "registerReferredBy").setText(olga.number)
        qtbot.mouseClick(button(dialog, "adminRegister"), Qt.MouseButton.LeftButton)

    type_into_dialog(qtbot, MANAGER_PIN, ManagerPinDialog)
    on_dialog(qtbot, register, CardAdminDialog)
    press(qtbot, till, Qt.Key.Key_F7)
    visible, error = seen[0]
    assert visible and error.startswith("No customer with card or phone not a card")
    assert till.till.sale.card.kind == "personal"
    assert referred_by(db, bearer.number) == olga.number
