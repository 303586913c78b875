"""Referrals: who recommended the shop to a new personal card's customer
(loyaltypos/services/referrals.py states the rules)."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from conftest import CASHIER_PIN, line, personal, snapshot
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from loyaltypos.db.models import (
    AuditEntry,
    Card,
    HistoryImport,
    ImportedPurchase,
    Referral,
)
from loyaltypos.domain import clock
from loyaltypos.domain.errors import CardKindWrong, PhoneTaken, Refused
from loyaltypos.services import cards, referrals
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


def card_row(db, number: str) -> tuple[int, int]:
    """(id, lineage id) of a card."""
    with db.read() as s:
        return tuple(s.execute(select(Card.id, Card.lineage_id).where(Card.number == number))
                     .one())


def referral_rows(db) -> list[tuple[int, int, int]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(select(Referral.card_id, Referral.referrer_card_id,
                                                   Referral.user_id).order_by(Referral.id))]


def referred(db, actor, name: str, by: str, **customer):
    return cards.issue_cards(db, actor=actor, kind="personal", referred_by=by,
                             customer=cards.CustomerInput(name=name, **customer))[0]


def profile(db, number: str) -> referrals.CustomerReferrals:
    with db.read() as s:
        return referrals.referrals_for(s, card_row(db, number)[1])


def buying_referrers(db, until: dt.date) -> set[int]:
    with db.read() as s:
        return referrals.referrers_with_buying_newcomers(s, until)


def test_a_card_issued_with_the_referrers_card_number_records_who_and_by_whom(db, cashier):
    olga = personal(db, cashier, name="Olga")
    ivan = referred(db, cashier, "Ivan", f" {olga.number} ")
    assert referral_rows(db) == [(card_row(db, ivan.number)[0], card_row(db, olga.number)[0],
                                  cashier.user_id)]
    assert profile(db, ivan.number) == (olga.number, [])
    assert profile(db, olga.number) == (None, [ivan.number])
    with db.read() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (last.action, last.target, last.user_id) == ("referral", ivan.number,
                                                        cashier.user_id)
    assert json.loads(last.detail) == {"referrer": olga.number}
    assert verify(db) == []


def test_the_referrer_is_found_by_the_phone_however_it_is_typed(db, cashier):
    olga = personal(db, cashier, name="Olga", phone="8 900 123 45 67")
    anna = personal(db, cashier, name="Anna", phone="+7 912 000 11 22")
    ivan = referred(db, cashier, "Ivan", "8 (900) 123-45-67")
    petr = referred(db, cashier, "Petr", "7 912 000-11-22")  # stored with "+"
    sofia = referred(db, cashier, "Sofia", "8 912 000 11 22")  # national form of +7 912...
    assert profile(db, ivan.number).referred_by == olga.number
    assert profile(db, petr.number).referred_by == anna.number
    assert profile(db, sofia.number).referred_by == anna.number


def test_a_phone_ending_like_two_customers_phones_asks_for_the_card(db, cashier):
    personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    personal(db, cashier, name="Olga abroad", phone="+49 900 123 45 67")
    before = snapshot(db)
    with pytest.raises(Refused, match="more than one customer has a phone ending in "
                                      "9001234567; type the card number"):
        referred(db, cashier, "Ivan", "8 900 123 45 67")
    assert snapshot(db) == before
    assert referred(db, cashier, "Petr", "+49 900 123 45 67").number  # the exact phone is one


@pytest.mark.parametrize("typed", ["+7 999 999 99 99", "2700000000007", "Olga", "12"])
def test_an_unknown_referrer_is_refused_and_no_card_is_issued(db, cashier, typed):
    personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    before = snapshot(db)
    wanted = re.escape(f"no customer with card or phone {typed};")
    with pytest.raises(Refused, match=wanted) as refused:
        referred(db, cashier, "Ivan", typed, phone="+7 901 000 00 00")
    assert type(refused.value) is Refused
    assert snapshot(db) == before


def test_a_bearer_card_cannot_be_referred(db, cashier):
    olga = personal(db, cashier, name="Olga")
    before = snapshot(db)
    with pytest.raises(CardKindWrong, match="only a personal card"):
        cards.issue_cards(db, actor=cashier, kind="bearer", count=3, referred_by=olga.number)
    assert snapshot(db) == before
    cards.issue_cards(db, actor=cashier, kind="bearer", referred_by="  ")  # blank: none


def test_a_bearer_card_cannot_refer(db, cashier):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    before = snapshot(db)
    with pytest.raises(CardKindWrong, match=f"card {bearer.number} is a bearer card"):
        referred(db, cashier, "Ivan", bearer.number)
    assert snapshot(db) == before


def test_a_replaced_referrer_card_stands_for_the_card_that_replaced_it(db, cashier, manager):
    olga = personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    new = cards.replace_card(db, actor=manager, number=olga.number).new
    ivan = referred(db, cashier, "Ivan", olga.number)
    petr = referred(db, cashier, "Petr", "+7 900 123 45 67")
    new_id, lineage = card_row(db, new.number)
    assert [r[1] for r in referral_rows(db)] == [new_id, new_id]
    assert lineage == card_row(db, olga.number)[1]
    assert profile(db, new.number) == (None, [ivan.number, petr.number])
    # Replaced after the referral: the profile names the card in use now.
    newest = cards.replace_card(db, actor=manager, number=new.number).new
    assert profile(db, ivan.number).referred_by == newest.number


def test_a_blocked_referrer_card_is_still_the_person_and_is_accepted(db, cashier, manager):
    olga = personal(db, cashier, name="Olga")
    cards.block_card(db, actor=manager, number=olga.number)
    ivan = referred(db, cashier, "Ivan", olga.number)
    assert profile(db, ivan.number).referred_by == olga.number


def test_registering_a_bearer_card_can_name_the_referrer(db, cashier):
    olga = personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    info = cards.register_card(db, actor=cashier, number=bearer.number,
                               customer=cards.CustomerInput(name="Pavel"),
                               referred_by="+7 900 123 45 67")
    assert info.kind == "personal"
    assert profile(db, bearer.number) == (olga.number, [])
    with db.read() as s:
        actions = [(a.action, a.target) for a in s.scalars(select(AuditEntry)
                                                             .order_by(AuditEntry.id))][-2:]
    assert actions == [("card_register", bearer.number), ("referral", bearer.number)]
    assert verify(db) == []


def test_a_card_cannot_refer_itself_nor_its_own_customers_cards(db, cashier, manager):
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    new = cards.replace_card(db, actor=manager, number=bearer.number).new
    before = snapshot(db)
    for typed in (new.number, bearer.number):  # itself, and its replaced number
        with pytest.raises(Refused, match="cannot recommend itself"):
            cards.register_card(db, actor=cashier, number=new.number,
                                customer=cards.CustomerInput(name="Pavel"), referred_by=typed)
        assert snapshot(db) == before
    olga = personal(db, cashier, name="Olga")
    with db.write() as s:  # the rule holds for any caller of record_referral too
        card = s.scalar(select(Card).where(Card.number == olga.number))
        with pytest.raises(Refused, match="cannot recommend itself"):
            referrals.record_referral(s, actor=cashier, card=card, referrer=card)


def test_the_referrers_phone_as_the_newcomers_phone_is_a_taken_phone(db, cashier):
    personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    before = snapshot(db)
    with pytest.raises(PhoneTaken):
        referred(db, cashier, "Olga again", "+7 900 123 45 67", phone="+7 900 123 45 67")
    assert snapshot(db) == before


def test_a_customer_is_referred_once(db, cashier):
    olga = personal(db, cashier, name="Olga")
    anna = personal(db, cashier, name="Anna")
    ivan = referred(db, cashier, "Ivan", olga.number)
    with db.write() as s:
        card = s.scalar(select(Card).where(Card.number == ivan.number))
        other = s.scalar(select(Card).where(Card.number == anna.number))
        with pytest.raises(Refused, match=f"already recommended by card {olga.number}"):
            referrals.record_referral(s, actor=cashier, card=card, referrer=other)
    assert len(referral_rows(db)) == 1
    with pytest.raises(IntegrityError), db.write() as s:  # and the database keeps one row
        s.add(Referral(card_id=card_row(db, ivan.number)[0],
                       referrer_card_id=card_row(db, anna.number)[0],
                       user_id=cashier.user_id, created_at=clock.now()))
    assert len(referral_rows(db)) == 1


def test_a_failing_referral_leaves_no_card_either(db, cashier, monkeypatch):
    olga = personal(db, cashier, name="Olga")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    before = snapshot(db)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(referrals, "record_referral", broken)
    with pytest.raises(RuntimeError):
        referred(db, cashier, "Ivan", olga.number, phone="+7 901 000 00 00")
    with pytest.raises(RuntimeError):
        cards.register_card(db, actor=cashier, number=bearer.number,
                            customer=cards.CustomerInput(name="Pavel"), referred_by=olga.number)
    assert snapshot(db) == before
    assert cards.find_cards(db, actor=cashier, text="+7 901") == []


def test_referrals_of_finds_a_lineage_on_either_side(db, cashier, manager):
    olga = personal(db, cashier, name="Olga")
    ivan = referred(db, cashier, "Ivan", olga.number)
    petr = referred(db, cashier, "Petr", ivan.number)
    cards.replace_card(db, actor=manager, number=ivan.number)
    o, i, p = (card_row(db, c.number)[1] for c in (olga, ivan, petr))
    with db.read() as s:
        assert [(x.newcomer, x.referrer) for x in referrals.referrals_of(s, i)] == [(i, o),
                                                                                   (p, i)]
        assert [(x.newcomer, x.referrer) for x in referrals.referrals_of(s, o)] == [(i, o)]
        assert [(x.newcomer, x.referrer) for x in referrals.referrals_of(s, p, o)] == [
            (i, o), (p, i)]
        assert referrals.referrals_of(s) == []


# ---------------------------------------------------------------- buying newcomers

def buy(db, cashier, number: str, price: int = 100_000):
    return checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=number,
                    lines=[line("x", 1, price)])


def test_a_referrer_counts_once_their_newcomer_bought(db, cashier, manager):
    olga = personal(db, cashier, name="Olga")
    ivan = referred(db, cashier, "Ivan", olga.number)
    today = clock.local_today()
    buy(db, cashier, olga.number)  # the referrer's own purchase is not the newcomer's
    assert buying_referrers(db, today) == set()
    new = cards.replace_card(db, actor=manager, number=ivan.number).new
    buy(db, cashier, new.number)  # on the newcomer's replacement card: same customer
    olga_lineage = card_row(db, olga.number)[1]
    assert buying_referrers(db, today) == {olga_lineage}
    assert buying_referrers(db, today - dt.timedelta(days=1)) == set()  # dated by business day
    cards.replace_card(db, actor=manager, number=olga.number)  # still Olga's lineage
    assert buying_referrers(db, today) == {olga_lineage}


def test_a_wholly_refunded_sale_is_no_buying_a_partly_refunded_one_is(db, cashier, manager):
    olga = personal(db, cashier, name="Olga")
    ivan = referred(db, cashier, "Ivan", olga.number)
    today = clock.local_today()
    sale = buy(db, cashier, ivan.number)
    refund(db, actor=manager, sale_id=sale.sale_id)
    assert buying_referrers(db, today) == set()
    two = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=ivan.number,
                   lines=[line("a", 1, 50_000), line("b", 1, 50_000)])
    refund(db, actor=manager, sale_id=two.sale_id, items={1: Decimal(1)})
    assert buying_referrers(db, today) == {card_row(db, olga.number)[1]}


def test_an_imported_purchase_counts_as_buying_by_its_date(db, cashier, manager):
    olga = personal(db, cashier, name="Olga")
    ivan = referred(db, cashier, "Ivan", olga.number)
    when = dt.date(2024, 3, 1)
    with db.write() as s:
        batch = HistoryImport(sha256="0" * 64, file_name="old-till.csv", rows=1,
                              user_id=manager.user_id, created_at=clock.now())
        s.add(batch)
        s.flush()
        s.add(ImportedPurchase(import_id=batch.id, line_no=1, business_date=when, amount=5_000,
                               card_id=card_row(db, ivan.number)[0]))
    assert buying_referrers(db, when) == {card_row(db, olga.number)[1]}
    assert buying_referrers(db, when - dt.timedelta(days=1)) == set()


# ---------------------------------------------------------------- the command line

def test_the_command_line_issues_and_registers_with_referred_by(db_path, db, cashier, cli):
    olga = personal(db, cashier, name="Olga", phone="+7 900 123 45 67")
    bearer = cards.issue_cards(db, actor=cashier, kind="bearer")[0]
    base = ("--db", db.url, "--json")
    done = cli(*base, "card", "issue", "--personal", "--name", "Ivan", "--referred-by",
               "+7 900 123 45 67", "--user", cashier.name, LOYALTYPOS_PIN=CASHIER_PIN)
    assert done.returncode == 0, done.stderr
    ivan = json.loads(done.stdout)
    assert ivan["referred_by"] == olga.number
    done = cli(*base, "card", "register", bearer.number, "--name", "Pavel", "--referred-by",
               ivan["number"], "--user", cashier.name, LOYALTYPOS_PIN=CASHIER_PIN)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["referred_by"] == ivan["number"]
    before = snapshot(db)
    refused = cli("--db", db.url, "card", "issue", "--personal", "--name", "Petr",
                  "--referred-by", "+7 999 000 00 00", "--user", cashier.name,
                  LOYALTYPOS_PIN=CASHIER_PIN)
    assert refused.returncode != 0
    assert "no customer with card or phone +7 999 000 00 00" in refused.stderr
    assert snapshot(db) == before
