"""The rewards where the shop sees them: the welcome bonus on the end-of-day screen and
the Shop screen; stamps, gifts, the birthday bonus and expiring cashback at the till."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import CASHIER_PIN, MANAGER_PIN, PROGRAM_TOML, line, personal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select
from uitools import BOOK, TEA, press, signed_in

from loyaltypos.db.models import SaleLine
from loyaltypos.domain import clock
from loyaltypos.domain.cards import CardInfo, Rewards
from loyaltypos.domain.i18n import date_text
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, display, products, rewards, store
from loyaltypos.services.checkout import checkout, new_sale_id
from ui.widgets.customer_panel import CustomerPanel

pytest_plugins = ["uitools"]  # the till fixtures
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
    assert "Welcome bonuses: RUB\u00a0100.00." in window.day.details.text()
    assert value(window, "dayLiability") == fmt_display(10_000, "RUB")


def test_the_shop_screen_tells_the_welcome_bonus(qtbot, db, manager, window):
    window.go_to(window.overview)
    assert "welcome bonus" not in window.overview.details.text()
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + WELCOME))
    window.go_to(window.till)
    window.go_to(window.overview)
    qtbot.waitUntil(lambda: "welcome bonus of RUB\u00a0100.00" in window.overview.details.text())


# -- the till: stamps, gifts, birthday (issue 11, "Where it shows") --------------------------

COFFEE = "COFFEE-1"
STAMPS_ITEM = (f'[[reward]]\nkind = "stamps"\nevery = 2\nmin_check = 300\ngift = "item"\n'
               f'product = "{COFFEE}"\n')
BIRTHDAY = '[[reward]]\nkind = "birthday"\namount = 200\ndays = 7\n'


def born(days_from_today: int) -> dt.date:
    """A birthday ``days_from_today`` from the till's date, in a leap year."""
    return (clock.local_today() + dt.timedelta(days=days_from_today)).replace(year=1992)


@pytest.fixture
def rewards_shop(db, manager, goods):
    """The test program with an item gift (a coffee) every 2nd purchase of 300.00 or more,
    and a 200.00 birthday bonus."""
    products.save_product(db, actor=manager, code=COFFEE, name="Coffee", price=15_000)
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + STAMPS_ITEM + BIRTHDAY))


def buy(db, actor, number: str, price: int):
    return checkout(db, actor=actor, sale_id=new_sale_id(), card_number=number,
                    lines=[line("Book", 1, price)])


def with_gift_ready(db, cashier) -> str:
    """Olga: two purchases earned her a coffee, a third one stamp towards the next."""
    olga = personal(db, cashier, name="Olga").number
    for _n in range(3):
        buy(db, cashier, olga, 40_000)
    return olga


def ctrl_g(qtbot, window) -> None:
    """The gift key, pressed on whatever has the focus, as a cashier presses it."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)


def notice(t, key: str) -> QLabel:
    return t.customer.notices[key]


def ready_gifts(db, number: str) -> list:
    with db.read() as s:
        return rewards.ready_gifts(s, cards.find_card(s, number).lineage_id)


def stamps_row_shown(t) -> bool:
    return t.customer.form.isRowVisible(t.customer.fields["stamps"])


def test_the_panel_tells_the_stamps_and_the_gift_ready_with_its_key(
        qtbot, db, cashier, rewards_shop, till):
    olga = with_gift_ready(db, cashier)
    t = till.till
    qtbot.keyClicks(t.scan, olga + "\r")
    assert stamps_row_shown(t)
    assert t.customer.fields["stamps"].text() == "1 of 2: 1 more purchase to a gift"
    assert notice(t, "gift").text() == "Gift ready: Coffee - press Ctrl+G to add it"
    assert not notice(t, "gift").isHidden()
    assert notice(t, "birthday").isHidden()  # no birthday given
    assert t.buttons["add_gift"].isEnabled() and not t.buttons["add_gift"].isHidden()


def test_the_panel_tells_the_birthday_bonus_this_purchase_brings(
        qtbot, db, cashier, rewards_shop, till):
    ivan = personal(db, cashier, name="Ivan", birthday=born(2)).number
    t = till.till
    qtbot.keyClicks(t.scan, ivan + "\r")
    assert notice(t, "birthday").text() == \
        "Birthday this week: RUB\u00a0200.00 bonus with this purchase"
    assert t.customer.fields["stamps"].text() == "0 of 2: 2 more purchases to a gift"
    assert notice(t, "gift").isHidden()
    assert not t.buttons["add_gift"].isEnabled()  # nothing to hand out yet
    qtbot.keyClicks(t.scan, BOOK + "\r")
    press(qtbot, t.window(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: "Receipt 1" in t.receipt.toPlainText())
    assert "Stamp 1 of 2 · Birthday bonus RUB\u00a0200.00" in t.last_paid.text()
    # the panel shows Ivan as he stands now: one stamp, the bonus given
    assert "Ivan" in t.customer.headline.text() and "Receipt 1 paid" in t.customer.headline.text()
    assert t.customer.fields["stamps"].text() == "1 of 2: 1 more purchase to a gift"
    assert notice(t, "birthday").isHidden()
    assert "Birthday bonus" in t.receipt.toPlainText()


def test_the_gift_key_adds_the_gift_at_zero_once_and_the_sale_uses_it(
        qtbot, db, cashier, rewards_shop, till):
    olga = with_gift_ready(db, cashier)
    (gift,) = ready_gifts(db, olga)
    t = till.till
    qtbot.keyClicks(t.scan, olga + "\r")
    ctrl_g(qtbot, till)
    assert t.cart.rowCount() == 1
    assert t.cart.item(0, 0).text() == "Coffee  (gift)"
    assert (t.cart.item(0, 2).text(), t.cart.item(0, 3).text()) == ("0.00", "0.00")
    assert t.sale.lines[0].gift_id == gift.id
    assert notice(t, "gift").text() == "Gift in this sale: Coffee"
    ctrl_g(qtbot, till)  # a second press hands out nothing more
    assert t.cart.rowCount() == 1
    assert "all in this sale already" in t.message.text()
    t.cart.setFocus()
    t.cart.selectRow(0)
    qtbot.keyClick(t.cart, Qt.Key.Key_Plus)  # a gift is one unit
    assert t.sale.lines[0].qty == 1 and "a gift is one unit" in t.message.text().lower()

    qtbot.keyClicks(t.scan, BOOK + "\r")  # 1000.00: the second stamp earns a new coffee
    press(qtbot, t.window(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: "Receipt 4" in t.receipt.toPlainText())
    assert "Stamp 2 of 2 · Gift earned: Coffee - ready for the next purchase" in \
        t.last_paid.text()
    with db.read() as s:
        used = s.scalar(select(SaleLine).where(SaleLine.gift_id == gift.id))
        assert (used.unit_price, used.amount, used.eligible) == (0, 0, False)
    now = ready_gifts(db, olga)
    assert [g.id for g in now] != [gift.id] and len(now) == 1  # the new one only
    # the panel no longer offers the gift used; it tells the new one, for next time
    assert notice(t, "gift").text() == "Gift ready: Coffee - for the next purchase"
    assert t.customer.fields["stamps"].text() == "0 of 2: 2 more purchases to a gift"
    receipt = t.receipt.toPlainText()
    assert "GIFT Coffee" in receipt and "Stamp 2 of 2: gift earned" in receipt
    # the next sale starts: the panel is the new sale's
    qtbot.keyClicks(t.scan, TEA + "\r")
    assert "No card" in t.customer.headline.text() and notice(t, "gift").isHidden()


def test_the_gift_key_says_what_to_do_without_a_card_or_a_gift(
        qtbot, db, cashier, rewards_shop, till):
    t = till.till
    ctrl_g(qtbot, till)
    assert "scan the customer's card first" in t.message.text().lower()
    ivan = personal(db, cashier, name="Ivan").number
    qtbot.keyClicks(t.scan, ivan + "\r")
    ctrl_g(qtbot, till)
    assert "no gift ready" in t.message.text() and t.cart.rowCount() == 0


def test_another_card_takes_the_first_cards_gift_out_of_the_sale(
        qtbot, db, cashier, rewards_shop, till):
    olga = with_gift_ready(db, cashier)
    ivan = personal(db, cashier, name="Ivan").number
    t = till.till
    qtbot.keyClicks(t.scan, olga + "\r")
    ctrl_g(qtbot, till)
    qtbot.keyClicks(t.scan, TEA + "\r")
    qtbot.keyClicks(t.scan, ivan + "\r")
    assert [line.description for line in t.sale.lines] == ["Green tea"]
    assert "gift taken out of the sale: Coffee" in t.message.text()


def test_a_shop_without_rewards_shows_none_of_their_lines(qtbot, db, manager, till):
    card = personal(db, manager, name="Anna")
    t = till.till
    qtbot.keyClicks(t.scan, card.number + "\r")
    assert "Anna" in t.customer.headline.text()
    assert not stamps_row_shown(t)
    assert all(label.isHidden() for label in t.customer.notices.values())
    assert t.buttons["add_gift"].isHidden()
    assert "locked" not in t.customer.fields["balance"].text()
    qtbot.keyClicks(t.scan, BOOK + "\r")
    press(qtbot, t.window(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: "Receipt 1" in t.receipt.toPlainText())
    assert "\n" not in t.last_paid.text()  # nothing earned besides cashback
    assert "Stamp" not in t.receipt.toPlainText()


def test_the_panel_tells_cashback_expiring_within_30_days_and_locked_cashback(qtbot):
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    today = clock.local_today()
    card = CardInfo(number="2712345678902", kind="personal", status="active", tier="Simple",
                    discount_pct=Decimal(0), cashback_pct=Decimal(5), balance=17_000,
                    spend=50_000, holder=None, pinned=False, next_tier=None,
                    to_next_tier=None, replaced_by=None)
    soon = replace(card, rewards=Rewards(next_expiry=(today + dt.timedelta(days=30), 12_000),
                                         locked=2_000))
    panel.show_card(soon, "RUB")
    expiry = panel.notices["expiry"]
    assert expiry.text() == f"RUB\u00a0120.00 expires on {date_text(today + dt.timedelta(days=30))}"
    assert not expiry.isHidden()
    assert panel.fields["balance"].text() == "<b>RUB\u00a0150.00</b> + RUB\u00a020.00 locked"
    later = replace(card, rewards=Rewards(next_expiry=(today + dt.timedelta(days=31), 12_000)))
    panel.show_card(later, "RUB")
    assert expiry.isHidden()  # more than a month away: nothing to tell yet
    assert panel.fields["balance"].text() == "<b>RUB\u00a0170.00</b>"


def test_the_customer_display_shows_the_stamps_and_the_gift_waiting(qtbot, db, manager, cashier,
                                                                    shop, goods, rewards_shop):
    display.set_display(db, actor=manager, enabled=True)
    olga = with_gift_ready(db, cashier)
    window = signed_in(qtbot, db, "Kolya", CASHIER_PIN)
    screen = window.till.display
    qtbot.keyClicks(window.till.scan, olga + "\r")
    rewards_line = screen.findChild(QLabel, "displayRewards")
    assert rewards_line.text() == ("Stamps 1 of 2: 1 more purchase to a gift\n"
                                   "A gift is waiting for you: Coffee")
    ctrl_g(qtbot, window)
    assert [screen.lines.item(0, col).text() for col in range(3)] == \
        ["Coffee  (gift)", "1", "RUB\u00a00.00"]
    assert rewards_line.text() == "Stamps 1 of 2: 1 more purchase to a gift"
    window.till.new_sale()
    ivan = personal(db, cashier, name="Ivan").number
    store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML))
    window.till.shown()
    qtbot.keyClicks(window.till.scan, ivan + "\r")
    assert rewards_line.isHidden()  # a program without stamps says nothing of them


def test_the_till_tells_locked_cashback_and_what_expires_soon(qtbot, db, manager, cashier,
                                                              till):
    store.load_program(db, actor=manager, program=parse_program(
        PROGRAM_TOML + "[expiry]\ndays = 20\nlock_days = 3\n"))
    olga = personal(db, cashier, name="Olga").number
    buy(db, cashier, olga, 40_000)  # 20.00 earned: locked for 3 days, lapses after 20
    t = till.till
    qtbot.keyClicks(t.scan, olga + "\r")
    assert t.customer.fields["balance"].text() == "<b>RUB\u00a00.00</b> + RUB\u00a020.00 locked"
    expiry = notice(t, "expiry")
    assert not expiry.isHidden() and expiry.text().startswith("RUB\u00a020.00 expires on ")
    qtbot.keyClicks(t.scan, TEA + "\r")
    press(qtbot, t.window(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: "Receipt 2" in t.receipt.toPlainText())
    assert "expires on" in t.receipt.toPlainText()
