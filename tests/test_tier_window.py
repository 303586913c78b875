"""A program with a spend window: only the last N days of spend count for tiers."""

import datetime as dt
from dataclasses import replace

from conftest import card_now, line

from loyaltypos.domain import clock
from loyaltypos.domain.program import parse_program
from loyaltypos.services import cards, store
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.refunds import refund


def test_spend_older_than_the_window_no_longer_counts(db, manager, program_text):
    windowed = replace(parse_program(program_text), tier_window_days=30)
    start = clock.now()
    with clock.frozen_at(start - dt.timedelta(days=45)):  # the day opens 45 days ago
        store.load_program(db, actor=manager, program=windowed)
        card = cards.issue_cards(db, actor=manager, kind="personal",
                                 customer=cards.CustomerInput(name="Window"))[0]
        old = checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                       lines=[line("x", 1, 150_000)])
    assert card_now(db, card.number).tier == "Simple"  # 45 days ago
    with clock.frozen_at(start - dt.timedelta(days=10)):
        checkout(db, actor=manager, sale_id=new_sale_id(), card_number=card.number,
                 lines=[line("x", 1, 100_000)])
    info = card_now(db, card.number)
    assert (info.spend, info.tier) == (100_000, "Ten")
    # refunding a sale outside the window leaves the windowed spend alone
    refund(db, actor=manager, sale_id=old.sale_id)
    assert card_now(db, card.number).spend == 100_000
