"""NPS answers: recorded as facts of the day, counted in the insight report."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import CASHIER_PIN, line, personal, snapshot

from loyaltypos.domain.errors import Refused
from loyaltypos.services import cards
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.insight import insight_report
from loyaltypos.services.nps import record_response
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.postgresql_too


@pytest.mark.parametrize("score", [-1, 11, "1e1", "²", "", None, 7.5, True, "ten"])
def test_a_score_is_a_whole_number_from_0_to_10(db, cashier, score):
    before = snapshot(db)
    with pytest.raises(Refused, match="from 0 to 10"):
        record_response(db, actor=cashier, score=score)
    assert snapshot(db) == before


def test_answers_count_in_the_report_each_customers_latest_once(db, manager, cashier):
    olga = personal(db, manager, name="Olga").number
    ivan = personal(db, manager, name="Ivan").number
    bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0].number
    for card in (olga, ivan):
        sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card,
                        lines=[line("Tea", 1, 10_000)])
    record_response(db, actor=cashier, score=10, card_number=olga)
    record_response(db, actor=cashier, score=6, card_number=olga)  # her latest: a detractor
    record_response(db, actor=cashier, score="9", card_number=ivan, sale_id=sale.sale_id,
                    reason="quick service")
    record_response(db, actor=cashier, score=8, card_number=bearer)  # anonymous
    record_response(db, actor=cashier, score=3)  # anonymous, no card
    report = insight_report(db, actor=manager)
    n = report.nps
    assert (n.promoters, n.passives, n.detractors, n.responses) == (1, 1, 2, 4)
    assert str(n.score) == "-25.00"
    assert verify(db) == []


@pytest.mark.sqlite_only("writes the file around the app with sqlite3")
def test_an_answer_is_a_fact(db, db_path, cashier):
    record_response(db, actor=cashier, score=9)
    con = sqlite3.connect(db_path)
    try:
        for edit in ("UPDATE nps_responses SET score = 10", "DELETE FROM nps_responses",
                     "INSERT INTO nps_responses (id, user_id, day_id, score, created_at) "
                     "SELECT id, user_id, day_id, 0, created_at FROM nps_responses",
                     "INSERT INTO nps_responses (user_id, day_id, score, created_at) "
                     "SELECT user_id, day_id, 11, '2999-01-01' FROM nps_responses"):
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(edit)
    finally:
        con.close()


def test_the_command_line_records_an_answer(cli, db_path, db, manager, cashier):
    card = personal(db, manager, name="Olga").number
    done = cli("--db", db.url, "--json", "nps", "record", "--card", card, "--score",
               "10", "--user", cashier.name, LOYALTYPOS_PIN=CASHIER_PIN)
    assert done.returncode == 0, done.stderr
    assert '"score": 10' in done.stdout
    refused = cli("--db", db.url, "nps", "record", "--score", "11", "--user",
                  cashier.name, LOYALTYPOS_PIN=CASHIER_PIN)
    assert refused.returncode == 1 and "from 0 to 10" in refused.stderr
