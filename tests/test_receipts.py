import datetime as dt
from dataclasses import replace
from decimal import Decimal

from conftest import PROGRAM_TOML, card_now, line, personal

from loyaltypos.documents.receipts import render_text
from loyaltypos.domain import clock
from loyaltypos.domain.money import fmt
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, products, store
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.receipts import sale_receipt


def test_receipt_shows_what_was_stored(db, cashier, manager):
    card = personal(db, cashier, name="Anna Karenina")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=1_000, reason="gift")
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("Tea", "2", 15_000), line("Lighter", 1, 9_900, eligible=False)],
                    redeem=1_000, payments=[PaymentInput("cash", tendered=50_000)])
    r = sale_receipt(db, sale_id=sale.sale_id)
    assert (r.receipt_no, r.subtotal, r.redeemed, r.total, r.change) == (
        sale.receipt_no, 39_900, 1_000, sale.paid, 50_000 - sale.paid)
    assert r.card.endswith(card.number[-4:]) and card.number not in r.card
    assert r.holder == "Anna Karenina" and r.cashier == "Kolya"
    assert r.lines[0].qty == Decimal(2) and not r.lines[1].eligible
    text = render_text(r)
    assert "Receipt 1" in text and "TOTAL" in text and "Anna Karenina" in text
    assert "2 x 150.00" in text and "not in the loyalty program" in text
    balance_row = next(row for row in text.splitlines() if row.startswith("Cashback balance"))
    assert balance_row.endswith(fmt(sale.balance, "RUB")) and len(balance_row) == 42
    assert all(len(row) <= 42 for row in text.splitlines())


# -- rewards on the receipt (issue 11) -----------------------------------------------------

STAMPS_BONUS = '[[reward]]\nkind = "stamps"\nevery = 2\nmin_check = 300\ngift = "bonus"\n' \
    'amount = 150\n'
BIRTHDAY = '[[reward]]\nkind = "birthday"\namount = 200\ndays = 7\n'
REFERRAL = '[[reward]]\nkind = "referral"\namount = 50\n'


def load(db, manager, rewards_toml: str) -> None:
    store.load_program(db, actor=manager, program=parse_program(PROGRAM_TOML + rewards_toml))


def buy(db, actor, number, *lines_):
    return checkout(db, actor=actor, sale_id=new_sale_id(), card_number=number,
                    lines=list(lines_) or [line("Book", 1, 40_000)])


def test_the_receipt_tells_the_bonuses_of_the_sale_and_its_stamp(db, cashier, manager):
    load(db, manager, STAMPS_BONUS + BIRTHDAY + REFERRAL)
    ivan = personal(db, cashier, name="Ivan").number
    birthday = (clock.local_today() + dt.timedelta(days=1)).replace(year=1992)
    olga = cards.issue_cards(db, actor=cashier, kind="personal", referred_by=ivan,
                             customer=cards.CustomerInput(name="Olga", birthday=birthday)
                             )[0].number
    first = buy(db, cashier, olga)  # 400.00: stamp 1, birthday 200.00, Ivan's referral 50.00
    assert first.bonuses == {"bonus_birthday": 20_000, "bonus_referral": 5_000}
    r = sale_receipt(db, sale_id=first.sale_id)
    assert (r.stamp, r.stamps_every, r.gift_earned) == (1, 2, False)
    assert r.bonuses == (("bonus_birthday", 20_000),)  # Ivan's bonus is not Olga's business
    text = render_text(r)
    rows = text.splitlines()
    assert "Birthday bonus" in text and "Referral" not in text
    assert rows.index("Stamp 1 of 2: 1 more purchase to a gift") > \
        next(i for i, row in enumerate(rows) if row.startswith("Cashback balance"))
    birthday_row = next(row for row in rows if row.startswith("Birthday bonus"))
    assert birthday_row.endswith(" 200.00") and len(birthday_row) == 42

    second = buy(db, cashier, olga)  # the second stamp: the 150.00 gift
    text = render_text(sale_receipt(db, sale_id=second.sale_id))
    assert "Stamp 2 of 2: gift earned" in text
    bonus_row = next(row for row in text.splitlines() if row.startswith("Stamp bonus"))
    assert bonus_row.endswith(" 150.00")
    assert "Birthday bonus" not in text  # once a year


def test_a_reprint_tells_the_stamp_as_it_was_after_the_program_changed(db, cashier, manager):
    load(db, manager, STAMPS_BONUS)
    olga = personal(db, cashier, name="Olga").number
    sale = buy(db, cashier, olga)
    first = render_text(sale_receipt(db, sale_id=sale.sale_id))
    load(db, manager, STAMPS_BONUS.replace("every = 2", "every = 5"))
    assert render_text(sale_receipt(db, sale_id=sale.sale_id)) == first
    assert "Stamp 1 of 2" in first


def test_a_gift_line_prints_as_a_gift_at_zero_and_a_narrow_roll_wraps_the_stamp(
        db, cashier, manager):
    products.save_product(db, actor=manager, code="COFFEE-1", name="Coffee", price=15_000)
    load(db, manager, STAMPS_BONUS.replace('gift = "bonus"\namount = 150',
                                           'gift = "item"\nproduct = "COFFEE-1"'))
    olga = personal(db, cashier, name="Olga").number
    buy(db, cashier, olga)
    earned = buy(db, cashier, olga)
    text = render_text(sale_receipt(db, sale_id=earned.sale_id), width=32)
    assert "Stamp 2 of 2: gift earned" in text
    assert "Your gift, Coffee, waits for\nyour next purchase" in text
    assert all(len(row) <= 32 for row in text.splitlines())
    gift = card_now(db, olga).rewards.gifts_ready[0]
    used = buy(db, cashier, olga, line("Book", 1, 40_000), gift.line())
    r = sale_receipt(db, sale_id=used.sale_id)
    assert [ln.gift for ln in r.lines] == [False, True]
    gift_row = next(row for row in render_text(r).splitlines() if row.startswith("GIFT"))
    assert gift_row.startswith("GIFT Coffee") and gift_row.endswith(" 0.00")
    assert "not in the loyalty program" not in render_text(r)  # a gift says it is a gift
    text = render_text(sale_receipt(db, sale_id=used.sale_id), width=32)
    assert "Stamp 1 of 2: 1 more purchase to\na gift" in text


def test_the_receipt_tells_the_next_expiry_when_the_card_has_one(db, cashier, monkeypatch):
    from loyaltypos.services import receipts as receipt_service

    olga = personal(db, cashier, name="Olga").number
    sale = buy(db, cashier, olga)
    assert "expires on" not in render_text(sale_receipt(db, sale_id=sale.sale_id))
    real = receipt_service.card_info

    def with_expiry(*args, **kwargs):
        info = real(*args, **kwargs)
        return replace(info, rewards=replace(info.rewards, next_expiry=(
            dt.date(2026, 12, 31), 12_000)))

    monkeypatch.setattr(receipt_service, "card_info", with_expiry)
    text = render_text(sale_receipt(db, sale_id=sale.sale_id))
    assert "120.00 expires on Dec 31, 2026" in text
