"""The manager's Insight window and the customer profile, driven as a manager would: Ctrl+I,
a click on the matrix, a click on a column's header, Enter on a customer."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from conftest import MANAGER_PIN, line, personal, snapshot
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel
from uitools import on_dialog, press, signed_in

from loyaltypos.domain import clock
from loyaltypos.domain.money import fmt_display
from loyaltypos.services import cards, days, history, insight, nps
from loyaltypos.services.checkout import checkout, new_sale_id
from ui.dialogs.profile import ProfileDialog
from ui.windows.insight import InsightWindow
from ui.windows.insight_views import ProblemsDialog, percent

pytest_plugins = ["uitools"]
pytestmark = [pytest.mark.qt, pytest.mark.usefixtures("isolated_settings")]

TODAY = dt.date(2026, 6, 30)
MONTHLY = [dt.date(2026, month, 10) for month in range(1, 7)]


def trade(db, manager, cashier, date: dt.date, sales=(), answers=()) -> None:
    """One business day: opened, the sales (card, price) and NPS answers (card, score),
    closed (which refreshes the till's snapshot)."""
    with clock.frozen_at(dt.datetime.combine(date, dt.time(12))):
        days.open_business_day(db, actor=manager, date=date)
        for card, price in sales:
            checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card,
                     lines=[line("goods", 1, price)])
        for card, score in answers:
            nps.record_response(db, actor=cashier, score=score, card_number=card)
        days.close_day(db, actor=manager)


def build_history(db, manager, cashier) -> dict[str, str]:
    """Anna (agrees to offers) and Egor (does not) buy every month of 2026: both AX. Boris
    (agrees) buys twice in May-June, Dmitri (agrees) once in June, Clara (does not) once
    in December; a bearer card buys in June. NPS in June: Anna 10, Egor 9, Boris 6 and an
    anonymous 8."""
    with clock.frozen_at(dt.datetime(2025, 11, 20, 12)):
        who = {
            "anna": personal(db, manager, name="Anna Petrova", phone="+7 912 000-00-01",
                             email="anna@example.com", marketing_consent=True),
            "egor": personal(db, manager, name="Egor Sidorov", phone="+7 912 000-00-02",
                             email="egor@example.com"),
            "boris": personal(db, manager, name="Boris Orlov", email="boris@example.com",
                              marketing_consent=True),
            "clara": personal(db, manager, name="Clara Lind"),
            "dmitri": personal(db, manager, name="Dmitri Volkov", phone="+7 912 000-00-04",
                               marketing_consent=True),
            "bearer": cards.issue_cards(db, actor=manager, kind="bearer")[0],
        }
        days.close_day(db, actor=manager)  # the shop's first business day: cards, no sales
    n = {key: card.number for key, card in who.items()}
    plan: dict[dt.date, list] = {dt.date(2025, 12, 1): [(n["clara"], 50_000)]}
    for date in MONTHLY:
        plan.setdefault(date, []).extend([(n["anna"], 100_000), (n["egor"], 120_000)])
    plan.setdefault(dt.date(2026, 5, 5), []).append((n["boris"], 300_000))
    plan.setdefault(dt.date(2026, 6, 20), []).append((n["boris"], 100_000))
    plan.setdefault(dt.date(2026, 6, 25), []).extend([(n["dmitri"], 200_000),
                                                      (n["bearer"], 40_000)])
    answers = {dt.date(2026, 6, 25): [(n["anna"], 10), (n["egor"], 9), (n["boris"], 6),
                                      (None, 8)]}
    for date in sorted(plan):
        trade(db, manager, cashier, date, plan[date], answers.get(date, ()))
    return n


@pytest.fixture
def numbers(db, manager, cashier):
    return build_history(db, manager, cashier)


@pytest.fixture
def opened(qtbot, db, numbers):
    """The manager signed in on 30 June 2026 and the Insight window opened with Ctrl+I."""
    with clock.frozen_at(dt.datetime.combine(TODAY, dt.time(15))):
        window = signed_in(qtbot, db, "Maria", MANAGER_PIN)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_I,
                       Qt.KeyboardModifier.ControlModifier)
        shown = window.findChild(InsightWindow)
        assert shown is not None and shown.isVisible()
        qtbot.waitUntil(lambda: shown.computed is not None)
        yield window, shown


def tile(window: InsightWindow, name: str) -> str:
    return window.findChild(QLabel, name).text()


def listed(window: InsightWindow, column: int = 0) -> list[str]:
    model = window.list.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def click_cell(qtbot, window: InsightWindow, cell: str) -> None:
    matrix = window.matrix
    rect = matrix.visualRect(matrix.model().index("ABC".index(cell[0]), "XYZ".index(cell[1])))
    qtbot.mouseClick(matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_ctrl_i_shows_the_years_figures_as_the_report_counts_them(db, manager, opened):
    _main, window = opened
    start = TODAY - dt.timedelta(days=364)
    assert window.period() == (start, TODAY)
    report = insight.analyse(db, actor=manager, start=start, end=TODAY).report
    money = lambda units: fmt_display(units, "RUB")  # noqa: E731
    assert tile(window, "insightCustomers") == str(report.customers) == "5"
    assert tile(window, "insightLtv") == money(round(report.ltv.ltv))
    note = tile(window, "insightLtvNote")
    # a figure and its unit stay together when the tile wraps the line
    assert f"C {report.ltv.c:.2f}" in note and "P 30\u00a0%" in note
    assert f"T {report.ltv.t_months:.1f}\u00a0months" in note
    # nobody bought in the year before 1 July 2025
    assert report.retention.crr_pct is None
    assert tile(window, "insightCrr") == "not enough history"
    # Anna 10 and Egor 9 promote, the anonymous 8 is passive, Boris 6 detracts
    assert (report.nps.promoters, report.nps.passives, report.nps.detractors) == (2, 1, 1)
    assert tile(window, "insightNps") == "+25"
    assert tile(window, "insightNpsNote") == "promoters 2, passives 1, detractors 1 (4 answers)"
    assert tile(window, "insightPareto") == percent(report.pareto.top20_share_pct)
    assert tile(window, "insightAnonymous") == percent(report.anonymous_share_pct)
    assert report.anonymous_share_pct > 0
    assert window.ladder_chart.series() and window.month_chart.series()
    assert window.pareto_chart.series()


def test_a_months_period_shows_its_crr(qtbot, db, manager, opened):
    _main, window = opened
    window.date_from.setDate(dt.date(2026, 6, 1))
    qtbot.mouseClick(window.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.computed.analysis.report.start == dt.date(2026, 6, 1))
    # active on 31 May: Anna, Egor, Boris; on 30 June also Dmitri, who is new
    retention = window.computed.analysis.report.retention
    assert (retention.active_start, retention.active_end, retention.new) == (3, 4, 1)
    assert tile(window, "insightCrr") == "100\u00a0%" == percent(retention.crr_pct)
    assert tile(window, "insightCrrNote").startswith("churn 0\u00a0%; active before 3")


def test_a_click_on_a_matrix_cell_lists_its_customers_and_exports_who_agreed(
        qtbot, db, numbers, opened, tmp_path):
    _main, window = opened
    analysis = window.computed.analysis
    cell = analysis.customers[numbers["anna"]].segment
    assert cell == "AX" and window.computed.analysis.report.matrix[cell] == 2
    click_cell(qtbot, window, cell)
    assert window.key == cell
    expected = [c.number for c in insight.customer_list(analysis, segment=cell)]
    assert sorted(listed(window)) == sorted(expected) == sorted([numbers["anna"],
                                                                 numbers["egor"]])
    assert window.list_title.text() == "Cell AX: 2 customers"

    target = tmp_path / "ax.csv"
    window.ask_path = lambda: str(target)
    qtbot.mouseClick(window.findChild(type(window.refresh_button), "insightExport"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "written to" in window.message.text())
    assert window.message.text() == (f"1 of 2 customers agreed to marketing: written to "
                                     f"{target}.")
    with open(target, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["card"], r["name"], r["phone"], r["email"]) for r in rows] == [
        (numbers["anna"], "Anna Petrova", "+79120000001", "anna@example.com")]


def test_the_ladder_and_the_lapsed_button_choose_the_list(qtbot, numbers, opened):
    _main, window = opened
    qtbot.mouseClick(window.lapsed_button, Qt.MouseButton.LeftButton)
    assert listed(window) == [numbers["clara"]]
    active, lapsed = window.ladder_chart.series()[0].barSets()
    steps = [window.ladder_chart.axes(Qt.Orientation.Vertical)[0].at(i) for i in range(5)]
    assert steps == ["advocate", "adherent", "regular", "client", "buyer"]  # a funnel
    # Anna and Egor buy every month and promote the shop
    assert (active.at(0), lapsed.at(0)) == (2, 0) and (active.at(4), lapsed.at(4)) == (1, 1)
    active.clicked.emit(0)
    assert window.list_title.text() == "Step: advocate: 2 customers"
    assert sorted(listed(window)) == sorted([numbers["anna"], numbers["egor"]])
    lapsed.clicked.emit(4)
    assert listed(window) == [numbers["clara"]]
    assert window.choice.currentText() == "Lapsed, step: buyer"


def test_sorting_by_revenue_sorts_amounts_as_money_not_as_text(qtbot, opened):
    _main, window = opened
    header = window.list.horizontalHeader()
    assert window.key == "all" and window.list.model().rowCount() == 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(2) + 10, header.height() // 2))
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    revenue = sorted(c.revenue for c in window.computed.analysis.customers.values())
    shown = listed(window, 2)
    assert shown == [fmt_display(units, "RUB") for units in revenue]
    assert shown != sorted(shown)  # as text "1 800.00" would come before "450.00"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(2) + 10, header.height() // 2))
    assert listed(window, 2) == shown[::-1]


def test_enter_on_a_customer_opens_their_profile(qtbot, numbers, opened):
    _main, window = opened
    row = listed(window).index(numbers["anna"])
    view = window.list
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(view.model().index(row, 1)).center())
    seen = []

    def read(dialog):
        seen.append((dialog.header.text(), dialog.values["purchases"].text(),
                     dialog.values["step"].text(), dialog.ledger.rowCount()))
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

    on_dialog(qtbot, read, ProfileDialog)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    ((header, purchases, step, ledger_rows),) = seen
    assert "Anna Petrova" in header and "anna@example.com" in header
    assert "agrees to offers" in header
    assert purchases.startswith("6 purchases, ")
    assert step == "advocate" and ledger_rows == 6  # cashback earned on each
    assert QApplication.activeModalWidget() is None


def test_a_bad_history_file_lists_its_problems_and_imports_nothing(qtbot, db, numbers,
                                                                   opened, tmp_path):
    _main, window = opened
    bad = tmp_path / "old-till.csv"
    bad.write_text("date,card,amount\n"
                   f"2025-11-15,{numbers['anna']},100.00\n"
                   f"2025-11-16,{numbers['bearer']},50.00\n"
                   f"2031-01-01,{numbers['anna']},10.00\n"
                   f"2025-11-17,{numbers['anna']},-5\n")
    window.ask_history_path = lambda: str(bad)
    before = snapshot(db)
    seen = []

    def read(dialog):
        items = dialog.problems
        seen.append([items.item(i).text() for i in range(items.count())])
        dialog.reject()

    on_dialog(qtbot, read, ProblemsDialog)
    qtbot.mouseClick(window.findChild(type(window.refresh_button), "insightImport"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    ((problems,),) = [seen]
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5"]
    assert "bearer" in problems[0]
    assert window.message.text() == "Old-till.csv was not imported: nothing was written."
    assert snapshot(db) == before
    assert history.imports(db, actor=window.actor) == []


def test_a_good_history_file_is_imported_after_the_manager_agrees(qtbot, db, numbers, opened,
                                                                  tmp_path):
    main, window = opened
    good = tmp_path / "old.csv"
    good.write_text(f"date,card,amount\n2025-11-15,{numbers['clara']},100.00\n")
    window.ask_history_path = lambda: str(good)
    asked = []
    main.ops.ask_yes = lambda _parent, question: asked.append(question) or True
    window.import_history()
    qtbot.waitUntil(lambda: window.message.text().startswith("Imported old.csv"))
    assert asked == ["old.csv holds 1 new purchases of 1 customers, Nov 15, 2025 .. Nov 15, 2025,"
                     " total RUB\u00a0100.00 (0 already imported). Import them?"]
    qtbot.waitUntil(lambda: window.computed is not None
                    and window.computed.analysis.customers[numbers["clara"]].purchases == 2)


def test_signing_out_closes_the_window_and_drops_the_figures(qtbot, opened):
    main, window = opened
    main.lock()
    assert not window.isVisible()
    assert window.computed is None and window.list.model().rowCount() == 0


def test_f2_at_the_till_opens_the_attached_customers_profile(qtbot, numbers, opened):
    main, window = opened
    window.close()
    main.activateWindow()
    press(qtbot, main, Qt.Key.Key_Escape)  # back on the till, nothing attached
    qtbot.keyClicks(QApplication.focusWidget(), numbers["boris"] + "\r")
    assert main.till.sale.card.number == numbers["boris"]
    seen = []

    def read(dialog):
        seen.append((dialog.header.text(), dialog.values["purchases"].text()))
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

    on_dialog(qtbot, read, ProfileDialog)
    press(qtbot, main, Qt.Key.Key_F2)
    ((header, purchases),) = seen
    assert "Boris Orlov" in header and purchases.startswith("2 purchases, ")


def test_a_manager_day_a_score_on_the_keypad_then_insight_a_cell_and_its_mailing_list(
        qtbot, db, manager, goods, tmp_path):
    """The whole path at once, by keyboard and mouse: a card sale, the customer's 10 on
    the keypad, Ctrl+I, a click on the customer's cell, the consented export."""
    from uitools import TEA

    nps.set_ask_policy(db, actor=manager, policy="every")
    with clock.frozen_at(dt.datetime.combine(TODAY, dt.time(11))):
        olga = personal(db, manager, name="Olga", phone="+7 912 555-00-11",
                        email="olga@example.com", marketing_consent=True).number
        ivan = personal(db, manager, name="Ivan").number
        old = tmp_path / "old-till.csv"
        old.write_text("date,card,amount\n" + "".join(
            f"2026-0{m}-12,{number},{amount}\n" for m in range(1, 6)
            for number, amount in ((olga, "1000.00"), (ivan, "1000.00"))))
        history.import_history_csv(db, actor=manager, path=old)
        window = signed_in(qtbot, db, "Maria", MANAGER_PIN)

        def answer_ten(dialog):
            qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
            for key in (Qt.Key.Key_1, Qt.Key.Key_0, Qt.Key.Key_Return):
                qtbot.keyClick(QApplication.focusWidget(), key)

        on_dialog(qtbot, answer_ten)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
        qtbot.keyClicks(QApplication.focusWidget(), olga + "\r")
        qtbot.keyClicks(QApplication.focusWidget(), TEA + "\r")
        press(qtbot, window, Qt.Key.Key_F10)
        qtbot.waitUntil(lambda: "paid" in window.till.last_paid.text())
        with db.read() as s:
            from sqlalchemy import select

            from loyaltypos.db.models import NpsResponse
            assert list(s.scalars(select(NpsResponse.score))) == [10]

        qtbot.waitUntil(lambda: QApplication.activeWindow() is window
                        and QApplication.focusWidget() is not None)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_I,
                       Qt.KeyboardModifier.ControlModifier)
        board = window.findChild(InsightWindow)
        qtbot.waitUntil(lambda: board.computed is not None)
    analysis = board.computed.analysis
    cell = analysis.customers[olga].segment
    assert cell == analysis.customers[ivan].segment  # both bought alike: one cell
    assert analysis.customers[olga].step == "advocate"  # a regular who said 10
    click_cell(qtbot, board, cell)
    assert sorted(listed(board)) == sorted([olga, ivan])
    target = tmp_path / "mailing.csv"
    board.ask_path = lambda: str(target)
    qtbot.mouseClick(board.findChild(type(board.refresh_button), "insightExport"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "written to" in board.message.text())
    with open(target, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["card"], r["name"], r["phone"], r["email"]) for r in rows] == [
        (olga, "Olga", "+79125550011", "olga@example.com")]
