"""The demo shop is made through the services and is a healthy ledger."""

import pytest

from loyaltypos.services import days, products, store, users
from loyaltypos.services.demo import CASHIER, CASHIER_PIN, build_demo
from loyaltypos.services.demo_year import PERSONAS
from loyaltypos.services.verify import verify

pytestmark = pytest.mark.slow


def test_demo_shop_has_a_catalog_cards_closed_days_and_an_open_one(db):
    demo = build_demo(db, days_back=2)
    assert demo.sales > 20
    assert len(products.list_products(db)) >= 20
    assert "PIN" in store.sign_in_hint(db)
    assert users.sign_in(db, name=CASHIER, pin=CASHIER_PIN).role == "cashier"
    today = days.day_summary(db)
    # six sales through the day, then the steady customers' monthly orders and two
    # newcomers brought in by regulars
    steady = sum(p.count for p in PERSONAS if p.habit in ("steady", "wavy"))
    assert not today.closed and today.sales == 6 + steady + 2
    closed = [days.day_summary(db, date=today.date.fromordinal(today.date.toordinal() - n))
              for n in (1, 2)]
    assert all(z.closed and z.z_number for z in closed)
    assert verify(db) == []


@pytest.mark.parametrize("today", ["2026-11-29", "2026-12-02", "2027-01-01", "2027-03-31"])
def test_the_demo_has_people_on_every_step_and_in_every_cell(tmp_path, today):
    """Whatever day the demo is made, the Insight window has someone everywhere."""
    import datetime as dt

    from loyaltypos.db import open_database
    from loyaltypos.domain import clock
    from loyaltypos.services import insight

    db = open_database(str(tmp_path / f"demo-{today}.sqlite3"))
    try:
        with clock.frozen_at(dt.datetime.fromisoformat(today + " 12:00")):
            demo = build_demo(db)
            report = insight.insight_report(db, actor=demo.manager)
        assert all(report.matrix.values()), report.matrix
        assert all(report.ladder.steps.values()), report.ladder.steps
        assert report.xyz["lapsed"] and sum(report.ladder.lapsed.values())
        assert report.retention.crr_pct is not None and report.nps.responses
        assert verify(db) == []
    finally:
        db.dispose()


def test_a_russian_demo_shop_has_russian_names_goods_tiers_and_printouts(db):
    from loyaltypos.domain.i18n import speaking
    from loyaltypos.services import cards, shops

    with speaking("ru"):
        demo = build_demo(db, days_back=1)
        hint = store.sign_in_hint(db)
    assert users.sign_in(db, name="Коля", pin=CASHIER_PIN).role == "cashier"
    assert "Мария" in hint and "PIN" in hint and "manager" not in hint
    names = {p.name for p in products.list_products(db)}
    assert "Эспрессо" in names and "Espresso" not in names
    assert {t.name for t in store.program_in_force(db).tiers} >= {"Базовый", "Золотой"}
    assert store.program_in_force(db).name == "Книги и кофе на углу"
    assert shops.print_language(db) == "ru"
    found = cards.find_cards(db, actor=demo.manager, text="Ольга")
    assert [c.holder.name for c in found] == ["Ольга Смирнова"]
    assert verify(db) == []
    # the same seed makes the same shop in English, with its English names
    assert demo.sales > 20


@pytest.mark.parametrize("now", ["2026-11-29 07:10", "2026-11-29 10:08", "2026-11-29 23:50",
                                 "2026-11-30 00:20"])
def test_the_demo_never_sells_after_now_and_has_a_customer_in_every_tier(tmp_path, now):
    import datetime as dt

    from loyaltypos.db import open_database
    from loyaltypos.domain import clock
    from loyaltypos.services import cards

    db = open_database(str(tmp_path / "demo.sqlite3"))
    moment = dt.datetime.fromisoformat(now)
    try:
        with clock.frozen_at(moment):
            demo = build_demo(db, days_back=2)
            today = days.day_summary(db)
        assert today.opened_at <= moment and all(
            f"{hour}" <= moment.strftime("%H") for hour in today.hours)
        tiers = {cards.scan_card(db, number=n).tier for n in demo.cards if n}
        assert {"Simple", "Silver", "Gold", "VIP"} <= tiers
        hint = store.sign_in_hint(db)
        assert "Cards to try:" in hint and demo.cards[0] in hint and "(VIP)" in hint
        assert verify(db) == []
    finally:
        db.dispose()
