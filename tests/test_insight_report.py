"""The insight report read from the ledger: which sales are purchases, of whom, worth what."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from conftest import MANAGER_PIN, line, personal
from sqlalchemy import select

from loyaltypos.analytics import insight as figures
from loyaltypos.analytics.insight import Purchase
from loyaltypos.db.models import AuditEntry, Refund
from loyaltypos.domain import clock
from loyaltypos.domain.errors import NotAllowed
from loyaltypos.services import cards, days
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.insight import insight_report, purchases
from loyaltypos.services.refunds import refund

START = dt.datetime(2026, 5, 4, 9, 0)  # UTC


def sell(db, actor, card: str | None, *prices: int):
    result = checkout(db, actor=actor, sale_id=new_sale_id(), card_number=card,
                      lines=[line(f"item {n}", 1, price) for n, price in enumerate(prices)])
    return result, result.subtotal - result.discount


@pytest.fixture
def history(db, manager, cashier):
    """Two days of trade: Olga buys twice (one sale half refunded, one wholly refunded on
    day 2), Ivan once then his card is replaced, a bearer card buys once."""
    with clock.frozen_at(START):
        olga = personal(db, manager, name="Olga").number
        ivan = personal(db, manager, name="Ivan").number
        bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0].number
        first, first_net = sell(db, cashier, olga, 10_000, 20_000)
        gone, gone_net = sell(db, cashier, olga, 5_000)
        _i, ivan_net = sell(db, cashier, ivan, 30_000)
        _b, bearer_net = sell(db, cashier, bearer, 40_000)
        day1 = clock.local_today()
        days.close_day(db, actor=manager)
    with clock.frozen_at(START + dt.timedelta(days=1)):
        back = refund(db, actor=manager, sale_id=first.sale_id, items={2: Decimal(1)})
        refund(db, actor=manager, sale_id=gone.sale_id)
        new_ivan = cards.replace_card(db, actor=manager, number=ivan).new.number
        _i2, ivan2_net = sell(db, cashier, new_ivan, 7_000)
        day2 = clock.local_today()
    return {"olga": olga, "ivan": new_ivan, "day1": day1, "day2": day2,
            "olga_net": first_net, "gone_net": gone_net, "olga_back": back.refund_id,
            "ivan_net": ivan_net,
            "ivan2_net": ivan2_net, "bearer_net": bearer_net}


def test_purchases_are_personal_sales_net_of_refunds(db, history):
    h = history
    with db.read() as s:
        bought = purchases(s, until=h["day2"])
        refunded = s.scalar(select(Refund.spend).where(Refund.id == h["olga_back"]))
    assert refunded > 0
    olga = [p for p in bought if p.customer == h["olga"]]
    # the wholly refunded sale is not a purchase; the other is worth what was kept
    assert olga == [Purchase(h["olga"], h["day1"], h["olga_net"] - refunded)]
    # Ivan's two cards are one customer, named by the card in use now
    assert sorted((p.date, p.revenue) for p in bought if p.customer == h["ivan"]) == [
        (h["day1"], h["ivan_net"]), (h["day2"], h["ivan2_net"])]
    assert {p.customer for p in bought} == {h["olga"], h["ivan"]}  # no bearer card


def test_a_refund_after_the_end_date_is_not_taken_off_yet(db, history):
    h = history
    with db.read() as s:
        on_day1 = purchases(s, until=h["day1"])
    olga = sorted(p.revenue for p in on_day1 if p.customer == h["olga"])
    assert olga == sorted([h["olga_net"], h["gone_net"]])


def test_the_report_is_the_figures_of_those_purchases(db, manager, history):
    h = history
    report = insight_report(db, actor=manager, start=h["day1"], end=h["day2"])
    with db.read() as s:
        bought = purchases(s, until=h["day2"])
    revenue = figures.revenue_by_customer(bought, start=h["day1"], end=h["day2"])
    assert report.customers == 2
    assert report.ltv == figures.ltv(bought, until=h["day2"], margin_pct=Decimal(30))
    assert report.abc == {c: list(figures.abc(revenue).values()).count(c) for c in "ABC"}
    assert report.pareto == figures.pareto(revenue)
    assert report.retention.new == 2 and report.retention.crr_pct is None
    personal_revenue = sum(revenue.values())
    assert report.anonymous_share_pct == figures.pct(h["bearer_net"],
                                                     personal_revenue + h["bearer_net"])


def test_the_report_needs_a_manager_and_is_audited(db, manager, cashier, history):
    with pytest.raises(NotAllowed):
        insight_report(db, actor=cashier)
    insight_report(db, actor=manager, start=history["day1"], end=history["day2"])
    with db.read() as s:
        lines = list(s.execute(select(AuditEntry.user_id, AuditEntry.target)
                               .where(AuditEntry.action == "insight")))
    assert [tuple(x) for x in lines] == [
        (manager.user_id, f"{history['day1'].isoformat()}..{history['day2'].isoformat()}")]


def test_the_command_line_prints_the_figures_as_json(cli, db_path, manager, history):
    done = cli("--db", str(db_path), "--json", "insight", "--from",
               history["day1"].isoformat(), "--to", history["day2"].isoformat(), "--user",
               manager.name, LOYALTYPOS_PIN=MANAGER_PIN)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    for key in ("customers", "active_start", "active_end", "new", "crr_pct", "ltv", "abc",
                "xyz", "matrix", "pareto", "ladder", "nps", "anonymous_share_pct"):
        assert key in data, key
    assert {"s", "c", "p_pct", "t_months", "ltv"} <= set(data["ltv"])
    assert set(data["matrix"]) == {a + x for a in "ABC" for x in "XYZ"}
    assert data["customers"] == 2 and data["crr_pct"] is None


def test_a_period_backwards_is_refused(db, manager):
    with pytest.raises(Exception, match="swap the dates"):
        insight_report(db, actor=manager, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))


# ---------------------------------------------------------------- the [insight] table

INSIGHT = "\n[insight]\nmargin_pct = 40\nactive_days = 30\nregular_months = 2\n"


def test_the_insight_table_is_read_kept_and_used(db, manager, history, program_text):
    from loyaltypos.domain.program import dump_program, parse_program
    from loyaltypos.services import store

    program = parse_program(program_text + INSIGHT)
    assert (program.insight.margin_pct, program.insight.active_days,
            program.insight.regular_months, program.insight.xyz_months) == (40, 30, 2, 6)
    assert parse_program(dump_program(program)) == program
    assert "[insight]" not in dump_program(parse_program(program_text))  # defaults: unsaid
    with clock.frozen_at(START + dt.timedelta(days=1)):
        store.load_program(db, actor=manager, program=program)
    report = insight_report(db, actor=manager, start=history["day1"], end=history["day2"])
    assert report.ltv.p_pct == 40


@pytest.mark.parametrize(("table", "said"), [
    ("a_pct = 96", "0 < a_pct < b_pct"),
    ("x_cv_pct = 30", "x_cv_pct < y_cv_pct"),
    ("active_days = 0", "insight.active_days: must be a whole number of at least 1"),
    ("xyz_months = 100", "insight.xyz_months: must be at most 24"),
    ("margin_pct = 120", "insight.margin_pct: a percentage must be between 0 and 100"),
    ("churn = 5", "[insight] has unknown keys: churn"),
])
def test_a_bad_insight_table_is_refused(program_text, table, said):
    from loyaltypos.domain.errors import ProgramInvalid
    from loyaltypos.domain.program import parse_program

    with pytest.raises(ProgramInvalid) as refused:
        parse_program(program_text + "\n[insight]\n" + table + "\n")
    assert said in str(refused.value)
