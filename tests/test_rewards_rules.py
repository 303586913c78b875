"""The rewards at the till with numbers worked out by hand: stamps and their gifts, the
birthday and referral bonuses, and what refunds take back (docs/RULES-DECISIONS.md,
"Rewards"). The program is conftest's: Simple 0 % off and 5 % back up to 1000.00 of
spend, Ten (10 % off) from 1000.00; a bearer card gets 3 % off and no cashback."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from conftest import PROGRAM_TOML, card_now, line, personal
from sqlalchemy import func, select

from loyaltypos.db.models import Card, Gift, LedgerEntry, Refund
from loyaltypos.domain import clock
from loyaltypos.domain.errors import RedeemRefused, RefundTooMuch, Refused
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, products, rewards, store
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import preview_refund, refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too

COFFEE = "4600000000015"


def load(db, manager, rewards_toml: str) -> None:
    store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML + rewards_toml))


def stamps_toml(every: int, min_check: int, gift: str = 'gift = "bonus"\namount = 150') -> str:
    return f'[[reward]]\nkind = "stamps"\nevery = {every}\nmin_check = {min_check}\n{gift}\n'


def buy(db, actor, card: str | None, *prices: int, redeem=None, gift_lines=()):
    lines = [*gift_lines, *(line(f"item {n}", 1, p) for n, p in enumerate(prices, 1))]
    return checkout(db, actor=actor, sale_id=new_sale_id(), card_number=card, lines=lines,
                    redeem=redeem)


def kinds(db, number: str) -> list[tuple[str, int]]:
    with db.read() as s:
        lineage = cards.find_card(s, number).lineage_id
        return [tuple(r) for r in s.execute(
            select(LedgerEntry.kind, LedgerEntry.amount)
            .join(Card, Card.id == LedgerEntry.card_id)
            .where(Card.lineage_id == lineage).order_by(LedgerEntry.id))]


def stamps_now(db, number: str) -> int:
    with db.read() as s:
        return cards.find_card(s, number).stamps


def ready(db, number: str) -> list[rewards.ReadyGift]:
    with db.read() as s:
        return rewards.ready_gifts(s, cards.find_card(s, number).lineage_id)


# -- stamps with a bonus -------------------------------------------------------------------

def test_every_third_purchase_of_300_or_more_earns_a_150_bonus(db, manager, cashier):
    load(db, manager, stamps_toml(3, 300))
    olga = personal(db, cashier, name="Olga").number
    first = buy(db, cashier, olga, 40_000)  # due 400.00, 5 % back: 20.00
    assert (first.stamp, first.stamps_every, first.bonuses) == (1, 3, {})
    small = buy(db, cashier, olga, 29_999)  # due 299.99: below min_check, no stamp
    assert small.stamp is None and stamps_now(db, olga) == 1
    buy(db, cashier, olga, 40_000)
    third = buy(db, cashier, olga, 40_000)
    assert (third.stamp, third.gift, third.bonuses) == (3, "bonus", {"bonus_stamps": 15_000})
    # cashback 20.00 + 15.00 (5 % of 299.99, half-up) + 20.00, then 1099.99 of spend
    # reaches Ten: 400.00 - 10 % = 360.00, 5 % back 18.00; and the 150.00 bonus
    assert (third.tier, third.discount) == ("Ten", 4_000)
    assert third.balance == 2_000 + 1_500 + 2_000 + 1_800 + 15_000
    assert stamps_now(db, olga) == 0  # the gift starts a new count
    assert card_now(db, olga).spend == 40_000 + 29_999 + 40_000 + 36_000  # a bonus is no spend
    assert verify(db) == []


def test_a_bearer_card_collects_stamps_too_and_a_sale_without_a_card_none(db, manager,
                                                                         cashier):
    load(db, manager, stamps_toml(2, 100))
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    assert buy(db, cashier, bearer, 20_000).stamp == 1  # due 194.00
    assert buy(db, cashier, None, 20_000).stamp is None
    second = buy(db, cashier, bearer, 20_000)
    assert second.bonuses == {"bonus_stamps": 15_000} and second.balance == 15_000


def test_refunding_the_purchase_that_earned_the_bonus_takes_stamp_and_bonus_back(
        db, manager, cashier):
    load(db, manager, stamps_toml(3, 300))
    olga = personal(db, cashier, name="Olga").number
    sales = [buy(db, cashier, olga, 40_000) for _n in range(3)]
    assert card_now(db, olga).balance == 21_000
    done = refund(db, actor=manager, sale_id=sales[2].sale_id)
    # 400.00 back in money; 20.00 cashback and the 150.00 bonus off the balance
    assert (done.money_back, done.reversed, done.rewards_back, done.rewards_kept) == (
        40_000, 2_000, 15_000, 0)
    assert done.unstamped and done.gift == "reversed" and done.balance == 4_000
    assert stamps_now(db, olga) == 2  # the first two count again
    assert kinds(db, olga)[-2:] == [("refund_reverse", -2_000), ("reverse_stamps", -15_000)]
    again = buy(db, cashier, olga, 40_000)  # the third stamp again, and the bonus again
    assert again.stamp == 3 and again.bonuses == {"bonus_stamps": 15_000}
    assert verify(db) == []


def test_a_spent_bonus_is_kept_from_the_money_returned(db, manager, cashier):
    load(db, manager, stamps_toml(3, 300))
    olga = personal(db, cashier, name="Olga").number
    sales = [buy(db, cashier, olga, 40_000) for _n in range(3)]  # balance 210.00
    # spend 1200.00 reaches Ten: 500.00 - 10 % = 450.00, 210.00 of it from the balance,
    # 240.00 paid, 5 % back: 12.00; a stamp (450 >= 300), the first of a new count
    spent = buy(db, cashier, olga, 50_000, redeem="max")
    assert (spent.redeemed, spent.paid, spent.cashback, spent.stamp) == (21_000, 24_000,
                                                                          1_200, 1)
    preview = preview_refund(db, sale_id=sales[2].sale_id)
    done = refund(db, actor=manager, sale_id=sales[2].sale_id)
    # the cashback 20.00: 12.00 off the balance, 8.00 kept; the bonus 150.00: the balance
    # is empty, all of it kept: 400.00 - 8.00 - 150.00 = 242.00 back
    assert (done.reversed, done.shortfall, done.rewards_back, done.rewards_kept,
            done.rewards_forgiven, done.money_back) == (1_200, 800, 0, 15_000, 0, 24_200)
    assert (preview.money_back, preview.rewards_kept) == (24_200, 15_000)
    assert done.balance == 0 and card_now(db, olga).balance == 0
    # stamps 1 and 2 stand, 3 was taken back, 4 counts again: 3 since the last gift
    assert stamps_now(db, olga) == 3
    assert verify(db) == []


def test_the_customer_never_pays_at_a_refund_what_money_cannot_cover_is_forgiven(
        db, manager, cashier):
    load(db, manager, stamps_toml(2, 100))
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    buy(db, cashier, bearer, 20_000)
    second = buy(db, cashier, bearer, 10_000, 10_000)  # 2 lines: due 97.00 + 97.00
    assert second.bonuses == {"bonus_stamps": 15_000}
    buy(db, cashier, bearer, 20_000, redeem=15_000)  # the bonus spent (194.00 due)
    # returning one line brings the purchase to 97.00 < 100.00: the stamp and its bonus
    # go back; the balance is empty, the 97.00 returned keeps 97.00, 53.00 is forgiven
    done = refund(db, actor=manager, sale_id=second.sale_id, items={1: Decimal(1)})
    assert (done.money_back, done.rewards_kept, done.rewards_forgiven) == (0, 9_700, 5_300)
    assert done.unstamped
    # the rest of the purchase: no second stamp to take back, all 97.00 returned
    rest = refund(db, actor=manager, sale_id=second.sale_id)
    assert (rest.money_back, rest.unstamped, rest.rewards_kept) == (9_700, False, 0)
    assert verify(db) == []


def test_a_partial_refund_keeps_the_stamp_while_the_purchase_still_reaches_min_check(
        db, manager, cashier):
    load(db, manager, stamps_toml(5, 300))
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    sale = buy(db, cashier, bearer, 20_000, 20_000, 20_000)  # due 582.00
    first = refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    assert not first.unstamped and stamps_now(db, bearer) == 1  # 388.00 left
    second = refund(db, actor=manager, sale_id=sale.sale_id, items={2: Decimal(1)})
    assert second.unstamped and stamps_now(db, bearer) == 0  # 194.00 left
    third = refund(db, actor=manager, sale_id=sale.sale_id)
    assert not third.unstamped  # a stamp is taken back once
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Refund)
                        .where(Refund.unstamped.is_(True))) == 1
    assert verify(db) == []


# -- item gifts ------------------------------------------------------------------------------

@pytest.fixture
def coffee_gift(db, manager):
    products.save_product(db, actor=manager, code=COFFEE, name="Coffee", price=12_000)
    load(db, manager, stamps_toml(2, 100, f'gift = "item"\nproduct = "{COFFEE}"'))


def test_an_item_gift_is_handed_out_once_at_price_0(db, manager, cashier, coffee_gift):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    buy(db, cashier, bearer, 20_000)
    earned = buy(db, cashier, bearer, 20_000)
    assert earned.gift == "item" and earned.bonuses == {} and earned.balance == 0
    (gift,) = ready(db, bearer)
    assert (gift.description, gift.value) == ("Coffee", 12_000)
    other = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    with pytest.raises(Refused, match="no such gift"):
        buy(db, cashier, other, 5_000, gift_lines=[gift.line()])
    with pytest.raises(Refused, match="scan the card"):
        buy(db, cashier, None, 5_000, gift_lines=[gift.line()])
    used = buy(db, cashier, bearer, 5_000, gift_lines=[gift.line()])
    # the gift line: no discount, no cashback, no spend; 50.00 - 3 % = 48.50 paid
    assert (used.subtotal, used.discount, used.paid, used.stamp) == (5_000, 150, 4_850, None)
    assert ready(db, bearer) == []
    with pytest.raises(Refused, match="no such gift"):
        buy(db, cashier, bearer, 5_000, gift_lines=[gift.line()])
    back = refund(db, actor=manager, sale_id=used.sale_id, items={1: Decimal(1)})
    assert back.money_back == 0 and ready(db, bearer) == []  # a gift line gives nothing back
    assert verify(db) == []


def test_an_unused_item_gift_is_cancelled_and_a_used_one_paid_for(db, manager, cashier,
                                                                   coffee_gift):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0].number
    buy(db, cashier, bearer, 20_000)
    unused = buy(db, cashier, bearer, 20_000)
    cancelled = refund(db, actor=manager, sale_id=unused.sale_id)
    assert (cancelled.gift, cancelled.money_back, cancelled.rewards_kept) == (
        "cancelled", 19_400, 0)
    assert ready(db, bearer) == [] and stamps_now(db, bearer) == 1
    earned = buy(db, cashier, bearer, 20_000)  # the second stamp again: a new gift
    (gift,) = ready(db, bearer)
    buy(db, cashier, bearer, 5_000, gift_lines=[gift.line()])
    paid_for = refund(db, actor=manager, sale_id=earned.sale_id)
    # the coffee was taken: its 120.00 off an empty balance, kept from the 194.00
    assert (paid_for.gift, paid_for.rewards_kept, paid_for.money_back) == (
        "reversed", 12_000, 7_400)
    assert verify(db) == []


# -- birthday --------------------------------------------------------------------------------

BIRTHDAY = '[[reward]]\nkind = "birthday"\namount = 200\ndays = 7\n'


def born(days_from_today: int) -> dt.date:
    """A birthday ``days_from_today`` from the till's date, in a leap year."""
    return (clock.local_today() + dt.timedelta(days=days_from_today)).replace(year=1992)


def test_the_first_purchase_in_the_birthday_week_earns_the_bonus_once(db, manager, cashier):
    load(db, manager, BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(-3)).number
    far = personal(db, cashier, name="Ivan", birthday=born(30)).number
    nobody = personal(db, cashier, name="Petr").number
    first = buy(db, cashier, olga, 40_000)
    assert first.bonuses == {"bonus_birthday": 20_000} and first.balance == 22_000
    assert buy(db, cashier, olga, 40_000).bonuses == {}  # once a year
    assert buy(db, cashier, far, 40_000).bonuses == {}
    assert buy(db, cashier, nobody, 40_000).bonuses == {}
    assert verify(db) == []


def test_a_birthday_purchase_refunded_whole_gives_the_bonus_back_and_it_can_come_again(
        db, manager, cashier):
    load(db, manager, BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(5)).number
    first = buy(db, cashier, olga, 20_000, 20_000)
    part = refund(db, actor=manager, sale_id=first.sale_id, items={1: Decimal(1)})
    assert part.rewards_back == 0  # a part: the bonus stays
    rest = refund(db, actor=manager, sale_id=first.sale_id)
    assert (rest.rewards_back, rest.money_back, rest.balance) == (20_000, 20_000, 0)
    again = buy(db, cashier, olga, 40_000)
    assert again.bonuses == {"bonus_birthday": 20_000}
    assert verify(db) == []


def test_a_birthday_on_29_february_is_kept_on_28_february():
    assert rewards.birthday_occurrence(dt.date(1992, 2, 29), dt.date(2027, 3, 3), 3) == \
        dt.date(2027, 2, 28)
    assert rewards.birthday_occurrence(dt.date(1992, 2, 29), dt.date(2027, 3, 4), 3) is None
    assert rewards.birthday_occurrence(dt.date(1990, 1, 2), dt.date(2026, 12, 30), 7) == \
        dt.date(2027, 1, 2)  # across the new year


# -- referral --------------------------------------------------------------------------------

REFERRAL = '[[reward]]\nkind = "referral"\namount = 200\n'


def test_the_referrer_is_credited_at_the_newcomers_first_purchase_only(db, manager,
                                                                       cashier):
    load(db, manager, REFERRAL)
    ivan = personal(db, cashier, name="Ivan").number
    olga = cards.issue_cards(db, actor=cashier, kind="personal", referred_by=ivan,
                             customer=cards.CustomerInput(name="Olga"))[0].number
    first = buy(db, cashier, olga, 40_000)
    assert first.bonuses == {"bonus_referral": 20_000} and first.balance == 2_000
    assert kinds(db, ivan) == [("bonus_referral", 20_000)]
    assert buy(db, cashier, olga, 40_000).bonuses == {}
    assert buy(db, cashier, ivan, 40_000).bonuses == {}  # Ivan was brought by nobody
    assert verify(db) == []


def test_a_first_purchase_refunded_whole_takes_the_referral_back_without_charging_the_newcomer(
        db, manager, cashier):
    load(db, manager, REFERRAL)
    ivan = personal(db, cashier, name="Ivan").number
    olga = cards.issue_cards(db, actor=cashier, kind="personal", referred_by=ivan,
                             customer=cards.CustomerInput(name="Olga"))[0].number
    first = buy(db, cashier, olga, 40_000)
    buy(db, cashier, ivan, 15_000, redeem=15_000)  # Ivan spends 150.00 of the 200.00
    done = refund(db, actor=manager, sale_id=first.sale_id)
    # Olga gets her 400.00; Ivan gives back the 50.00 he holds; 150.00 is forgiven
    assert (done.money_back, done.referral_back, done.rewards_forgiven) == (40_000, 5_000,
                                                                            15_000)
    assert card_now(db, ivan).balance == 0
    again = buy(db, cashier, olga, 40_000)  # now the first purchase that stands
    assert again.bonuses == {"bonus_referral": 20_000}
    assert verify(db) == []


def test_a_referral_after_the_newcomer_already_bought_earns_nothing(db, manager, cashier):
    ivan = personal(db, cashier, name="Ivan").number
    olga = cards.issue_cards(db, actor=cashier, kind="personal", referred_by=ivan,
                             customer=cards.CustomerInput(name="Olga"))[0].number
    buy(db, cashier, olga, 40_000)  # before the program had the reward
    load(db, manager, REFERRAL)
    assert buy(db, cashier, olga, 40_000).bonuses == {}


# -- replacement and the recorded results ------------------------------------------------------

def test_stamps_follow_the_card_through_a_replacement(db, manager, cashier):
    load(db, manager, stamps_toml(3, 300))
    olga = personal(db, cashier, name="Olga").number
    buy(db, cashier, olga, 40_000)
    buy(db, cashier, olga, 40_000)
    new = cards.replace_card(db, actor=manager, number=olga).new.number
    assert stamps_now(db, new) == 2
    assert buy(db, cashier, new, 40_000).bonuses == {"bonus_stamps": 15_000}
    assert verify(db) == []


def test_a_retried_sale_returns_its_rewards_and_writes_them_once(db, manager, cashier):
    load(db, manager, stamps_toml(2, 100) + BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(0)).number
    buy(db, cashier, olga, 20_000)
    sale_id = new_sale_id()
    first = checkout(db, actor=cashier, sale_id=sale_id, card_number=olga,
                     lines=[line("book", 1, 20_000)])
    again = checkout(db, actor=cashier, sale_id=sale_id, card_number=olga,
                     lines=[line("book", 1, 20_000)])
    assert again.replayed and again.bonuses == first.bonuses == {"bonus_stamps": 15_000}
    assert (again.stamp, again.gift) == (2, "bonus")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Gift)) == 1


def test_verify_catches_a_stamp_count_changed_behind_the_till(db, manager, cashier):
    from sqlalchemy import text

    load(db, manager, stamps_toml(3, 300))
    olga = personal(db, cashier, name="Olga").number
    buy(db, cashier, olga, 40_000)
    with db.write() as s:
        s.execute(text("UPDATE cards SET stamps = 2 WHERE number = :n"), {"n": olga})
    assert any("stamps" in problem for problem in verify(db))


# -- all of it at random ---------------------------------------------------------------------

ALL = (stamps_toml(3, 300) + BIRTHDAY + '[[reward]]\nkind = "welcome"\namount = 100\n')


@pytest.mark.parametrize("seed", range(4))
def test_refunding_everything_leaves_the_welcome_bonus_and_what_money_paid_for(
        db, manager, cashier, seed):
    load(db, manager, ALL)
    rng = random.Random(seed)
    people = [personal(db, cashier, name=f"P{n}", birthday=born(rng.randint(-10, 10))).number
              for n in range(3)]
    sales = []
    for _step in range(30):
        number = rng.choice(people)
        if sales and rng.random() < 0.3:
            sale = rng.choice(sales)
            with contextlib.suppress(RefundTooMuch):  # that line was returned already
                refund(db, actor=manager, sale_id=sale.sale_id,
                       items={rng.randint(1, 2): Decimal(1)})
            continue
        redeem = rng.choice([None, "max", 1_000])
        try:
            sales.append(buy(db, cashier, number, rng.randint(100, 600) * 100,
                             rng.randint(1, 400) * 100, redeem=redeem))
        except RedeemRefused:  # less on the card than asked: the sale without cashback
            sales.append(buy(db, cashier, number, rng.randint(100, 600) * 100,
                             rng.randint(1, 400) * 100))
        assert verify(db) == []
    for sale in reversed(sales):  # whatever is left of every sale, newest first
        with contextlib.suppress(RefundTooMuch):  # refunded in full already
            refund(db, actor=manager, sale_id=sale.sale_id)
    assert verify(db) == []
    with db.read() as s:
        for number in people:
            card = cards.find_card(s, number)
            paid = s.execute(
                select(func.coalesce(func.sum(Refund.shortfall + Refund.rewards_kept
                                              + Refund.rewards_forgiven), 0))
                .where(Refund.card_id == card.id)).scalar()
            assert card.balance == 10_000 + paid  # the welcome bonus, and what was paid for
            assert card.stamps == 0 and card.spend == 0
            assert card.balance >= 0
        # the run went through the rules it is about
        assert s.scalar(select(func.count()).select_from(Gift)) > 0
        assert s.scalar(select(func.count()).select_from(Refund)
                        .where(Refund.unstamped.is_(True))) > 0


def test_the_card_says_where_it_stands_with_the_rewards(db, manager, cashier):
    products.save_product(db, actor=manager, code=COFFEE, name="Coffee", price=12_000)
    load(db, manager, stamps_toml(3, 100, f'gift = "item"\nproduct = "{COFFEE}"') + BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(2)).number
    fresh = cards.scan_card(db, number=olga).rewards
    assert (fresh.stamps, fresh.stamps_every, fresh.stamps_left) == (0, 3, 3)
    assert fresh.birthday_bonus == 20_000 and fresh.gifts_ready == ()
    buy(db, cashier, olga, 20_000)
    one = cards.scan_card(db, number=olga).rewards
    assert (one.stamps, one.stamps_left, one.birthday_bonus) == (1, 2, 0)  # bonus credited
    buy(db, cashier, olga, 20_000)
    buy(db, cashier, olga, 20_000)
    now = cards.scan_card(db, number=olga).rewards
    assert (now.stamps, now.stamps_left) == (0, 3)
    assert [g.description for g in now.gifts_ready] == ["Coffee"]
    assert personal(db, cashier, name="Ivan").rewards.stamps_every == 3


def test_the_command_line_tells_stamps_gifts_and_bonuses(db, manager, cashier, cli, db_path):
    from conftest import MANAGER_PIN

    products.save_product(db, actor=manager, code=COFFEE, name="Coffee", price=12_000)
    load(db, manager, stamps_toml(2, 100, f'gift = "item"\nproduct = "{COFFEE}"') + BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(1)).number

    def run(*args):
        done = cli("--db", db.url, "--json", *args, "--user", "Maria",
                   LOYALTYPOS_PIN=MANAGER_PIN)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    first = run("sale", "--card", olga, "--item", "Book", "1", "200")
    assert first["bonuses"] == {"birthday": "200.00"}
    assert first["stamps"] == {"count": 1, "every": 2, "gift": None}
    second = run("sale", "--card", olga, "--item", "Book", "1", "200")
    assert second["stamps"] == {"count": 2, "every": 2, "gift": "item"}
    shown = run("card", "show", olga)
    assert (shown["stamps"], shown["stamps_every"], shown["birthday_bonus"]) == (0, 2, "0.00")
    assert [(g["description"], g["value"]) for g in shown["gifts_ready"]] == [
        ("Coffee", "120.00")]
    gift = run("sale", "--card", olga, "--gift", "--item", "Pen", "1", "50")
    assert (gift["subtotal"], gift["stamps"]) == ("50.00", None)  # 50.00 < min_check 100
    assert run("card", "show", olga)["gifts_ready"] == []
    refused = cli("--db", db.url, "sale", "--card", olga, "--gift", "--item", "Pen",
                  "1", "50", "--user", "Maria", LOYALTYPOS_PIN=MANAGER_PIN)
    assert refused.returncode == 1 and "has no gift ready" in refused.stderr
    back = run("refund", str(second["receipt_no"]))
    # the coffee was taken: its 120.00 comes off the balance (the birthday bonus is on it)
    assert (back["unstamped"], back["gift"], back["rewards_back"], back["rewards_kept"]) == (
        True, "reversed", "120.00", "0.00")


def test_the_shop_screen_says_every_reward_in_a_sentence():
    from ui.screens.shop import reward_lines

    program = parse_program(PROGRAM_TOML + ALL + REFERRAL + "[expiry]\ndays = 365\nlock_days = 1\n")
    assert reward_lines(program) == [
        "A new personal card starts with a welcome bonus of RUB\u00a0100.00.",
        "A purchase of RUB\u00a0300.00 or more earns a stamp; 3 stamps earn a gift: "
        "RUB\u00a0150.00.",
        "A purchase within 7 days of the birthday earns RUB\u00a0200.00, once a year.",
        "A customer who brings a newcomer gets RUB\u00a0200.00 at the newcomer's first purchase.",
        "Cashback expires 365 days after it is credited.",
        "What a sale earns can be spent from the next day on.",
    ]
    assert reward_lines(parse_program(PROGRAM_TOML)) == []


# -- expiry and lock at the till -------------------------------------------------------------

def test_locked_cashback_cannot_pay_until_its_day_and_the_card_says_so(db, manager, cashier):
    from loyaltypos.domain.errors import RedeemRefused
    from loyaltypos.services import days

    load(db, manager, '[[reward]]\nkind = "welcome"\namount = 100\n'
                      "[expiry]\ndays = 365\nlock_days = 2\n")
    olga = personal(db, cashier, name="Olga").number
    with db.read() as s:
        today = store.selling_date(s)
    buy(db, cashier, olga, 40_000)  # 20.00 back, locked until today + 2
    shown = cards.scan_card(db, number=olga).rewards
    assert shown.locked == 2_000
    # the welcome bonus and the cashback were both credited today: they lapse together
    assert shown.next_expiry == (today + dt.timedelta(days=365), 12_000)
    spent = buy(db, cashier, olga, 50_000, redeem="max")  # only the welcome bonus can pay
    assert (spent.redeemed, spent.cashback) == (10_000, 2_000)  # 5 % of 400.00 paid
    with pytest.raises(RedeemRefused, match=r"at most 0\.00 of cashback can pay this bill"):
        buy(db, cashier, olga, 50_000, redeem=100)
    days.close_day(db, actor=manager)
    later = clock.now() + dt.timedelta(days=2)
    with clock.frozen_at(later):
        with db.write() as s:
            store.open_day_on(s, actor=manager, date=today + dt.timedelta(days=2))
        assert cards.scan_card(db, number=olga).rewards.locked == 0
        assert buy(db, cashier, olga, 50_000, redeem="max").redeemed == 2_000 + 2_000
    assert verify(db) == []


def test_the_day_says_what_refunds_took_back_of_the_rewards(db, manager, cashier):
    from loyaltypos.documents.z_report import figures
    from loyaltypos.services import days

    load(db, manager, stamps_toml(2, 100) + BIRTHDAY)
    olga = personal(db, cashier, name="Olga", birthday=born(0)).number
    buy(db, cashier, olga, 20_000)  # 10.00 back and the 200.00 birthday bonus
    second = buy(db, cashier, olga, 20_000)  # 10.00 back and the 150.00 stamp bonus
    refund(db, actor=manager, sale_id=second.sale_id)  # takes 10.00 and 150.00 back
    summary = days.day_summary(db)
    assert summary.rewards_taken_back == 15_000
    assert summary.bonuses == {"birthday": 20_000, "stamps": 15_000}
    cashback = next(s for s in figures(summary, "RUB") if s.title == "Cashback")
    assert ("Rewards taken back", "-RUB\u00a0150.00") in [
        (f.label, f.value) for f in cashback.figures]
    # every line of the section adds up to the change in outstanding cashback
    assert summary.liability_change == (summary.cashback_earned - summary.redeemed
                                        + summary.cashback_restored
                                        - summary.cashback_reversed
                                        + sum(summary.bonuses.values())
                                        - summary.rewards_taken_back - summary.expired)
