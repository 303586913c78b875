"""Insight where it is used: the snapshot the till reads (refreshed at day close), the
advice line, the customer lists and the mailing file, a customer's profile, imported
history and referrals counted in the figures, and their command lines."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging

import pytest
from conftest import MANAGER_PIN, line, personal
from sqlalchemy import select

from loyaltypos.analytics.insight import Rules, Snapshot, advice
from loyaltypos.db.models import AuditEntry, BusinessDay
from loyaltypos.domain import clock
from loyaltypos.domain.errors import CardKindWrong, CardNotFound, NotAllowed
from loyaltypos.services import cards, days, history, insight, nps, profiles
from loyaltypos.services.checkout import checkout, new_sale_id

START = dt.datetime(2026, 5, 4, 9, 0)  # UTC


def sell(db, actor, card: str, price: int) -> None:
    checkout(db, actor=actor, sale_id=new_sale_id(), card_number=card,
             lines=[line("goods", 1, price)])


@pytest.fixture
def shop_year(db, manager, cashier, tmp_path):
    """Olga bought in February, March and April before the program (imported) and buys on
    day one; Pavel, whom she recommended, buys on day one too; Ivan buys without consent;
    Nina has a card and has bought nothing. Day one is closed (the snapshot is made)."""
    with clock.frozen_at(START):
        olga = personal(db, manager, name="Olga", phone="+7 912 555-00-11",
                        email="olga@example.com", marketing_consent=True).number
        pavel = cards.issue_cards(
            db, actor=manager, kind="personal", referred_by="+7 912 555-00-11",
            customer=cards.CustomerInput(name="Pavel", phone="+7 926 777-88-99",
                                         marketing_consent=True))[0].number
        ivan = personal(db, manager, name="Ivan", email="ivan@example.com").number
        nina = personal(db, manager, name="Nina").number
        bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0].number
        old = tmp_path / "old-till.csv"
        bought = (("2026-02-10", "900.00"), ("2026-03-12", "1100.00"), ("2026-04-15", "1000.00"))
        old.write_text("date,card,amount\n" + "".join(f"{date},{olga},{amount}\n"
                                                       for date, amount in bought))
        history.import_history_csv(db, actor=manager, path=old)
        sell(db, cashier, olga, 100_000)
        sell(db, cashier, pavel, 50_000)
        sell(db, cashier, ivan, 20_000)
        sell(db, cashier, bearer, 30_000)
        days.close_day(db, actor=manager)
        day1 = clock.local_today()
    return {"olga": olga, "pavel": pavel, "ivan": ivan, "nina": nina, "bearer": bearer,
            "day1": day1}


def standing(db, number: str):
    """The customer's standing as the till's scan reads it."""
    return cards.scan_card(db, number=number).standing


def next_day():
    return clock.frozen_at(START + dt.timedelta(days=1))


def test_day_close_leaves_each_customer_s_standing_for_the_till(db, shop_year):
    with next_day():
        olga, pavel, nina, bearer = (standing(db, shop_year[who])
                                     for who in ("olga", "pavel", "nina", "bearer"))
    # Olga bought in Feb, Mar, Apr (imported) and May: 4 of the last 6 months, a regular,
    # and Pavel, whom she brought in, has bought: an advocate.
    assert (olga.step, olga.as_of) == ("advocate", shop_year["day1"])
    assert olga.advice == "recommends the shop: thank them"
    # Pavel: one purchase, the only one of the last 6 months: Z; Olga alone brings more
    # than 80 % of the year's revenue (she is A), he comes before 95 %: B.
    assert (pavel.step, pavel.segment) == ("buyer", "BZ")
    assert pavel.advice == "second visit: thank them for coming back"
    assert (nina.step, nina.segment) == (None, None)
    assert nina.advice == "first visit: ask for an NPS score after paying"
    assert bearer is None


def test_the_advice_line_for_each_standing():
    rules = Rules()
    today = dt.date(2026, 6, 30)

    def snap(step, last, purchases=3, months=3):
        return Snapshot(today, step, None, purchases, dt.date(2025, 1, 1), last, months)

    assert advice(snap("regular", today - dt.timedelta(days=95)), today, rules) == \
        "lapsed for 95 days: welcome back"
    assert advice(snap("regular", today - dt.timedelta(days=89), months=5), today, rules) == \
        "regular for 5 months"
    assert advice(snap("adherent", today, months=6), today, rules) == \
        "bought every month for 6 months: thank them"
    assert advice(snap("client", today - dt.timedelta(days=20), purchases=4), today, rules) == \
        "4 visits, the last 20 days ago: invite them back"
    assert advice(snap("buyer", today, purchases=1), today, rules) == \
        "second visit: thank them for coming back"
    assert advice(None, today, rules) == "first visit: ask for an NPS score after paying"


def test_the_snapshot_is_replaced_whole_at_each_refresh(db, manager, cashier, shop_year):
    with next_day():
        sell(db, cashier, shop_year["nina"], 10_000)
        assert standing(db, shop_year["nina"]).step is None  # not yet
        days.close_day(db, actor=manager)
        nina = standing(db, shop_year["nina"])
    assert (nina.step, nina.as_of) == ("buyer", shop_year["day1"] + dt.timedelta(days=1))


def test_a_failed_refresh_does_not_undo_the_close(db, manager, cashier, shop_year,
                                                 monkeypatch, caplog):
    def broken(*_a, **_k):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(insight, "refresh_snapshot", broken)
    with next_day(), caplog.at_level(logging.ERROR):
        sell(db, cashier, shop_year["nina"], 10_000)
        summary = days.close_day(db, actor=manager)
        stale = standing(db, shop_year["olga"])
    assert summary.closed
    with db.read() as s:
        assert s.scalar(select(BusinessDay.closed_at).where(
            BusinessDay.business_date == shop_year["day1"] + dt.timedelta(days=1))) is not None
    assert "could not be refreshed" in caplog.text and "disk trouble" in caplog.text
    assert stale.as_of == shop_year["day1"]  # the panel says how old its figures are


def test_lists_of_a_cell_a_step_and_the_lapsed(db, manager, shop_year):
    with next_day():
        analysis = insight.analyse(db, actor=manager)
    assert [c.number for c in insight.customer_list(analysis, segment="az")] == \
        [shop_year["olga"]]
    buyers = [c.number for c in insight.customer_list(analysis, step="buyer")]
    assert buyers == [shop_year["pavel"], shop_year["ivan"]]  # by revenue in the period
    assert [c.number for c in insight.customer_list(analysis, step="advocate")] == \
        [shop_year["olga"]]
    assert insight.customer_list(analysis, lapsed=True) == []
    with pytest.raises(Exception, match="a segment is one of"):
        insight.customer_list(analysis, segment="AQ")


def test_the_mailing_file_holds_only_customers_who_agreed(db, manager, cashier, shop_year,
                                                         tmp_path):
    with next_day():
        analysis = insight.analyse(db, actor=manager)
        chosen = insight.customer_list(analysis, step="buyer")
        target = tmp_path / "mailing.csv"
        with pytest.raises(NotAllowed):
            insight.export_customers(db, actor=cashier, chosen=chosen, path=target, what="buyer")
        assert not target.exists()
        written = insight.export_customers(db, actor=manager, chosen=chosen, path=target,
                                           what="buyer")
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert written == 1
    assert [(r["card"], r["name"], r["phone"], r["email"]) for r in rows] == [
        (shop_year["pavel"], "Pavel", "+79267778899", "")]
    with db.read() as s:
        audit_line = s.execute(select(AuditEntry.target, AuditEntry.detail)
                               .where(AuditEntry.action == "customers_export")).one()
    assert audit_line.target == "buyer" and '"rows": 1' in audit_line.detail


def test_a_profile_by_phone_shows_visits_worth_answers_referrals_and_ledger(
        db, manager, cashier, shop_year):
    with next_day():
        nps.record_response(db, actor=cashier, score=10, card_number=shop_year["olga"],
                            reason="kind staff")
        profile = profiles.customer_profile(db, actor=cashier, text="+7 912 555-00-11")
    assert (profile.number, profile.name, profile.consent) == (shop_year["olga"], "Olga", True)
    assert profile.purchases == 4  # three imported, one on day one
    may = profile.by_month[-1]
    assert (may.first, may.purchases) == (dt.date(2026, 5, 1), 1)
    assert 0 < may.revenue <= 100_000  # the day-one sale, after her tier's discount
    assert profile.revenue == 90_000 + 110_000 + 100_000 + may.revenue
    assert profile.first_visit == dt.date(2026, 2, 10)
    assert profile.lifetime.revenue_per_customer == profile.revenue
    assert [(m.first.month, m.purchases) for m in profile.by_month[-4:]] == \
        [(2, 1), (3, 1), (4, 1), (5, 1)]
    assert profile.snapshot.step == "advocate" and profile.rfm
    assert [(a.score, a.reason) for a in profile.answers] == [(10, "kind staff")]
    assert profile.referred == [shop_year["pavel"]] and profile.referred_by is None
    assert [e.kind for e in profile.ledger] == ["earn"]
    with db.read() as s:
        assert s.scalar(select(AuditEntry.target).where(
            AuditEntry.action == "customer_profile")) == "+7 912 555-00-11"


def test_a_profile_of_no_one_or_of_a_bearer_card_is_refused(db, cashier, shop_year):
    with pytest.raises(CardNotFound):
        profiles.customer_profile(db, actor=cashier, text="+7 000 000-00-00")
    with pytest.raises(CardKindWrong):
        profiles.customer_profile(db, actor=cashier, text=shop_year["bearer"])


def test_the_report_counts_imported_history_and_the_referrer(db, manager, shop_year):
    with next_day():
        report = insight.insight_report(db, actor=manager)
    assert report.customers == 3  # Nina has not bought
    assert report.ladder.steps["advocate"] == 1
    assert report.ltv.purchases == 6  # Olga's three imported and one, Pavel's, Ivan's
    assert report.anonymous_share_pct > 0


def test_the_command_lines(cli, db_path, manager, shop_year, tmp_path):
    def run(*args):
        with next_day():
            return cli("--db", str(db_path), "--json", *args, "--user", manager.name,
                       LOYALTYPOS_PIN=MANAGER_PIN)

    listed = run("insight", "customers", "--step", "buyer")
    assert listed.returncode == 0, listed.stderr
    assert [r["card"] for r in json.loads(listed.stdout)["customers"]] == \
        [shop_year["pavel"], shop_year["ivan"]]
    consented = json.loads(run("insight", "customers", "--step", "buyer",
                               "--consented").stdout)
    assert [r["name"] for r in consented["customers"]] == ["Pavel"]
    target = tmp_path / "buyers.csv"
    done = json.loads(run("insight", "customers", "--step", "buyer", "--csv",
                          str(target)).stdout)
    assert (done["customers"], done["written"]) == (2, 1) and target.exists()
    shown = run("customer", "show", shop_year["olga"])
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["name"], data["purchases"], data["step"]) == ("Olga", 4, "advocate")
    assert data["referred"] == [shop_year["pavel"]]
    report = json.loads(run("insight").stdout)
    assert len(report["crr_by_month"]) == 12 and len(report["nps_by_month"]) == 12
    assert report["crr_by_month"][-1]["month"] == "2026-05"


def test_the_report_says_how_far_it_is_and_stops_when_told(db, manager, shop_year):
    seen = []
    with next_day():
        insight.analyse(db, actor=manager, progress=lambda done, of: seen.append((done, of)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]

    class Stop(Exception):
        pass

    def stop_after_reading(done, _of):
        if done == 1:
            raise Stop

    with next_day(), pytest.raises(Stop):
        insight.analyse(db, actor=manager, progress=stop_after_reading)
