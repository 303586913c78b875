"""Cards: issue, find, register, block, replace, pin, adjust (RULES.md "Cards", "The ledger")."""

import datetime as dt

import pytest
from conftest import card_now, line, personal, reader, snapshot
from sqlalchemy import select

from loyaltypos.db.models import AuditEntry, LedgerEntry
from loyaltypos.domain.errors import (
    BadCustomer,
    CardKindWrong,
    CardReplaced,
    NotAllowed,
    NotEnoughBalance,
    PhoneTaken,
    Refused,
)
from loyaltypos.services import cards
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


def test_personal_card_needs_a_name_and_starts_on_the_first_tier(db, cashier):
    card = personal(db, cashier, phone="+7 (912) 000-11-22", email="olga@example.org",
                    birthday=dt.date(1990, 5, 1), marketing_consent=True)
    assert (card.kind, card.status, card.tier, card.balance) == ("personal", "active",
                                                                "Simple", 0)
    assert card.holder.phone == "+79120001122"
    with pytest.raises(BadCustomer):
        personal(db, cashier, name="  ")


def test_phone_is_unique_when_given(db, cashier):
    personal(db, cashier, phone="8 900 123 45 67")
    before = snapshot(db)
    with pytest.raises(PhoneTaken):
        personal(db, cashier, name="Other", phone="8-900-123-45-67")
    assert snapshot(db) == before
    personal(db, cashier, name="No phone")  # no phone is fine, many times
    personal(db, cashier, name="No phone either")


@pytest.mark.parametrize("field,value", [("phone", "call me"), ("email", "not-an-email"),
                                         ("birthday", dt.date(2999, 1, 1))])
def test_bad_customer_details_are_refused(db, cashier, field, value):
    with pytest.raises(BadCustomer):
        personal(db, cashier, **{field: value})


def test_bearer_cards_in_a_batch_are_unique_and_on_the_bearer_tier(db, cashier):
    batch = cards.issue_cards(db, actor=cashier, kind="bearer", count=50)
    assert len({c.number for c in batch}) == 50
    assert {c.tier for c in batch} == {"Bearer"}
    assert all(c.holder is None for c in batch)


def test_find_by_phone_digits_or_name_part(db, cashier):
    card = personal(db, cashier, name="Olga Smirnova", phone="+7 912 555 00 11")
    personal(db, cashier, name="Boris")
    found = cards.find_cards(db, actor=reader(db), text="555 00")
    assert [c.number for c in found] == [card.number]
    assert [c.number for c in cards.find_cards(db, actor=reader(db), text="smirn")] == [card.number]
    assert cards.find_cards(db, actor=reader(db), text="nobody") == []


def test_registering_a_bearer_card_keeps_balance_and_spend(db, cashier, manager):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    cards.adjust_balance(db, actor=manager, number=bearer.number, amount=700, reason="promo")
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=bearer.number,
             lines=[line("x", 1, 200_000)])
    spend = card_now(db, bearer.number).spend
    assert spend == 194_000
    info = cards.register_card(db, actor=cashier, number=bearer.number,
                               customer=cards.CustomerInput(name="Pavel"))
    assert (info.kind, info.balance, info.spend) == ("personal", 700, spend)
    assert info.tier == "Ten"  # the bearer spend now counts for tiers
    with pytest.raises(CardKindWrong):
        cards.register_card(db, actor=cashier, number=bearer.number,
                            customer=cards.CustomerInput(name="Again"))


def test_replacing_moves_balance_and_spend_through_ledger_entries(db, cashier, manager):
    card = personal(db, cashier)
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
             lines=[line("x", 1, 200_000)])
    old = card_now(db, card.number)
    done = cards.replace_card(db, actor=manager, number=card.number)
    assert (done.new.balance, done.new.spend) == (old.balance, old.spend)
    assert done.old.status == "replaced" and done.old.balance == 0
    assert done.new.holder.name == old.holder.name
    with db.read() as s:
        kinds = sorted(e.kind for e in s.scalars(
            select(LedgerEntry).where(LedgerEntry.kind.like("transfer%"))))
    assert kinds == ["transfer_in", "transfer_out"]
    with pytest.raises(CardReplaced, match=done.new.number):
        cards.scan_card(db, number=card.number)
    assert verify(db) == []


def test_manager_actions_are_refused_to_a_cashier_and_audited_for_a_manager(db, cashier,
                                                                             manager):
    card = personal(db, cashier)
    before = snapshot(db)
    for call in (
        lambda a: cards.block_card(db, actor=a, number=card.number),
        lambda a: cards.replace_card(db, actor=a, number=card.number),
        lambda a: cards.pin_tier(db, actor=a, number=card.number, tier="Gold"),
        lambda a: cards.adjust_balance(db, actor=a, number=card.number, amount=5, reason="x"),
    ):
        with pytest.raises(NotAllowed):
            call(cashier)
    assert snapshot(db) == before
    cards.pin_tier(db, actor=manager, number=card.number, tier="Gold")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="apology")
    cards.block_card(db, actor=manager, number=card.number, reason="lost")
    with db.read() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-3:] == ["card_pin_tier", "card_adjust", "card_block"]


def test_pinned_tier_overrides_spend_until_unpinned(db, cashier, manager):
    card = personal(db, cashier)
    info = cards.pin_tier(db, actor=manager, number=card.number, tier="gold")
    assert (info.tier, info.pinned) == ("Gold", True)
    result = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                      lines=[line("x", 1, 10_000)])
    assert result.tier == "Gold" and result.discount == 2_000
    assert cards.pin_tier(db, actor=manager, number=card.number, tier=None).tier == "Simple"
    with pytest.raises(Refused, match="no personal tier"):
        cards.pin_tier(db, actor=manager, number=card.number, tier="Bearer")


def test_adjustment_needs_a_reason_and_never_makes_a_balance_negative(db, cashier, manager):
    card = personal(db, cashier)
    with pytest.raises(Refused, match="reason"):
        cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason=" ")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=100, reason="gift")
    before = snapshot(db)
    with pytest.raises(NotEnoughBalance):
        cards.adjust_balance(db, actor=manager, number=card.number, amount=-101, reason="fix")
    assert snapshot(db) == before
    assert cards.adjust_balance(db, actor=manager, number=card.number, amount=-100,
                                reason="fix").balance == 0


def test_blocked_card_can_still_be_looked_up_but_not_scanned(db, cashier, manager):
    card = personal(db, cashier)
    cards.block_card(db, actor=manager, number=card.number, reason="stolen")
    assert card_now(db, card.number).status == "blocked"
    with pytest.raises(Refused, match="blocked"):
        cards.scan_card(db, number=card.number)
    # a blocked card is replaced, and the balance follows
    assert cards.replace_card(db, actor=manager, number=card.number).new.status == "active"


def test_manager_actions_elsewhere_are_audited_too(db, cashier, manager, program_text):
    from decimal import Decimal

    from loyaltypos.domain.program import parse_program
    from loyaltypos.services import store
    from loyaltypos.services.days import close_day
    from loyaltypos.services.refunds import refund

    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("x", 2, 100)])
    refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
    store.load_program(db, actor=manager, program=parse_program(program_text))
    close_day(db, actor=manager, counted_cash=0)
    with db.read() as s:
        rows = [(a.action, a.user_id) for a in s.scalars(select(AuditEntry))]
    for action in ("refund", "program_load", "day_close", "user_add", "init"):
        assert (action, manager.user_id) in rows, action


def test_the_shops_currency_is_fixed_once_set_up(db, manager, program_text):
    from loyaltypos.domain.errors import ProgramInvalid
    from loyaltypos.domain.program import parse_program
    from loyaltypos.services import store

    euro = parse_program(program_text.replace('currency = "RUB"', 'currency = "EUR"'))
    with pytest.raises(ProgramInvalid, match="currency is RUB"):
        store.load_program(db, actor=manager, program=euro)
    with pytest.raises(NotAllowed):
        store.load_program(db, actor=cashier_actor(db, manager), program=euro)


def cashier_actor(db, manager):
    from loyaltypos.services.users import add_user

    return add_user(db, actor=manager, name="Temp", role="cashier", pin="5555")


def test_find_by_a_cyrillic_name_in_any_case(db, cashier):
    card = personal(db, cashier, name="Ольга Смирнова")
    assert [c.number for c in cards.find_cards(db, actor=reader(db), text="ольга")] == [card.number]
    assert [c.number for c in cards.find_cards(db, actor=reader(db), text="СМИРН")] == [card.number]
