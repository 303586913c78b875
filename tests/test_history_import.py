"""Importing past purchases (``loyaltypos.services.history``): the rules of its docstring."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import MANAGER_PIN, card_now, line, personal, snapshot
from sqlalchemy import func, select

from loyaltypos.db.models import AuditEntry, HistoryImport, ImportedPurchase, LedgerEntry
from loyaltypos.domain import cardnumbers, clock
from loyaltypos.domain.errors import NotAllowed
from loyaltypos.domain.i18n import date_text
from loyaltypos.services import cards
from loyaltypos.services.checkout import checkout, new_sale_id
from loyaltypos.services.history import (
    HistoryAlreadyImported,
    HistoryFileWrong,
    HistoryImportResult,
    check_history_csv,
    import_history_csv,
    imports,
)
from loyaltypos.services.verify import verify

HEADER = "date,card,amount,receipt\n"
PHONE = "+7 912 345-67-89"


def write(tmp_path, text: str, name: str = "history.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def stored(db) -> list[tuple]:
    """Every imported purchase: (line, card number, date, amount, receipt)."""
    from loyaltypos.db.models import Card

    with db.read() as s:
        return [tuple(r) for r in s.execute(
            select(ImportedPurchase.line_no, Card.number, ImportedPurchase.business_date,
                   ImportedPurchase.amount, ImportedPurchase.receipt)
            .join(Card, Card.id == ImportedPurchase.card_id).order_by(ImportedPurchase.id))]


def refusal(db, manager, path) -> HistoryFileWrong:
    """Import ``path``, which must be refused with nothing written; the refusal."""
    before = snapshot(db)
    with pytest.raises(HistoryFileWrong) as refused:
        import_history_csv(db, actor=manager, path=path)
    assert snapshot(db) == before
    return refused.value


@pytest.fixture
def ivan(db, manager):
    """Ivan's personal card, with a phone; issuing it opens today's business day."""
    return personal(db, manager, name="Ivan", phone=PHONE)


# ---------------------------------------------------------------- good files


def test_a_good_file_is_imported_exactly_and_audited(db, manager, ivan, tmp_path):
    olga = personal(db, manager, name="Olga")
    path = write(tmp_path, HEADER + f"2025-03-05,{ivan.number},1250.50,A-17\n"
                 f"2025-01-20,{olga.number},99.99,\n\n"
                 f"2025-04-30,{ivan.number},0.01,A-99\n")
    done = import_history_csv(db, actor=manager, path=path)
    assert done == HistoryImportResult(
        file_name="history.csv", rows_in_file=3, imported=3, already_known=0, customers=2,
        first_date=dt.date(2025, 1, 20), last_date=dt.date(2025, 4, 30),
        total=125050 + 9999 + 1)
    assert not done.nothing_new
    assert stored(db) == [(2, ivan.number, dt.date(2025, 3, 5), 125050, "A-17"),
                          (3, olga.number, dt.date(2025, 1, 20), 9999, None),
                          (5, ivan.number, dt.date(2025, 4, 30), 1, "A-99")]
    with db.read() as s:
        record = s.scalars(select(HistoryImport)).one()
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (record.file_name, record.rows, record.user_id) == ("history.csv", 3, manager.user_id)
    assert len(record.sha256) == 64
    assert (last.action, last.target, last.user_id) == ("history_import", "history.csv",
                                                       manager.user_id)
    assert json.loads(last.detail)["sha256"] == record.sha256
    assert json.loads(last.detail)["imported"] == 3


def test_a_phone_row_goes_on_the_customers_card_in_use(db, manager, ivan, tmp_path):
    new = cards.replace_card(db, actor=manager, number=ivan.number).new
    path = write(tmp_path, HEADER + f"2025-03-05,{PHONE},100.00,\n"
                 f"2025-03-06,+79123456789,200.00,\n"
                 f"2025-03-07,{ivan.number},300.00,\n")  # the replaced card: its own row
    done = import_history_csv(db, actor=manager, path=path)
    assert (done.imported, done.customers) == (3, 1)  # one lineage
    assert [r[1] for r in stored(db)] == [new.number, new.number, ivan.number]


def test_a_phone_typed_with_8_finds_the_customer_saved_with_plus_7(db, manager, ivan, tmp_path):
    """The same number written the Russian way and the international way: the last ten
    digits decide, when they name one customer only."""
    path = write(tmp_path, HEADER + "2025-03-05,8 912 345-67-89,100.00,\n")
    assert import_history_csv(db, actor=manager, path=path).imported == 1
    assert [r[1] for r in stored(db)] == [ivan.number]


def test_a_phone_ending_like_two_customers_phones_is_a_problem(db, manager, ivan, tmp_path):
    personal(db, manager, name="Ivan's namesake", phone="+1 912 345 6789")
    problem = refusal(db, manager, write(tmp_path, HEADER + "2025-03-05,8 912 345-67-89,1,\n"))
    assert "more than one customer's phone ends in 9123456789" in str(problem)


def test_day_first_dates_comma_decimals_any_case_header_and_a_bom(db, manager, ivan,
                                                                  tmp_path):
    semicolons = write(tmp_path, "\ufeffDATE; Card ;Amount\r\n"
                       f"05.03.2025;{ivan.number};1 250,50\r\n"
                       f"5.3.2025;{PHONE};\"2\u00a0000,5\"\r\n", name="semicolons.csv")
    done = import_history_csv(db, actor=manager, path=semicolons)
    assert (done.imported, done.total) == (2, 125050 + 200050)
    commas = write(tmp_path, "Receipt,AMOUNT,Card,Date\n"
                   f"7,\"1\u202f250,50\",{ivan.number},31.12.2024\n", name="commas.csv")
    assert import_history_csv(db, actor=manager, path=commas).total == 125050
    assert [r[2:] for r in stored(db)] == [(dt.date(2025, 3, 5), 125050, None),
                                           (dt.date(2025, 3, 5), 200050, None),
                                           (dt.date(2024, 12, 31), 125050, "7")]


def test_the_check_says_what_the_import_will_do_and_writes_nothing(db, manager, ivan,
                                                                   tmp_path):
    path = write(tmp_path, HEADER + f"2025-03-05,{ivan.number},10,\n2025-03-06,{PHONE},20,\n")
    before = snapshot(db)
    preview = check_history_csv(db, path)
    assert snapshot(db) == before
    assert preview == import_history_csv(db, actor=manager, path=path)
    assert preview.imported == 2
    with pytest.raises(HistoryAlreadyImported):
        check_history_csv(db, path)


# ---------------------------------------------------------------- bad rows


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_written(db, manager, ivan,
                                                                      tmp_path):
    bearer = cards.issue_cards(db, actor=manager, kind="bearer")[0].number
    stranger = cardnumbers.generate("29")
    wrong_digit = ivan.number[:12] + str((int(ivan.number[12]) + 1) % 10)
    today = clock.local_today()
    good = f"2025-03-05,{ivan.number},100.00,A1\n"
    rows = {
        3: (f"2025/03/05,{ivan.number},100.00,", "'2025/03/05' is not a date; write it as"
                                                 " YYYY-MM-DD or DD.MM.YYYY"),
        4: (f"2025-02-30,{ivan.number},100.00,", "'2025-02-30' is not a day of the calendar"),
        5: (f",{ivan.number},100.00,", "no date"),
        6: ("2025-03-05,,100.00,", "no card number or phone"),
        7: (f"2025-03-05,{stranger},100.00,", f"no card or customer's phone '{stranger}'"),
        8: ("2025-03-05,hello,100.00,", "'hello' is neither a card number (13 digits) nor a"
                                        " phone number"),
        9: (f"2025-03-05,{bearer},100.00,", f"card {bearer} is a bearer card: it is"
                                            " anonymous"),
        10: ("2025-03-05,+7 999 000-00-00,100.00,", "no card or customer's phone"
                                                    " '+7 999 000-00-00'"),
        11: (f"2025-03-05,{ivan.number},0,", "the amount '0' is not more than zero"),
        12: (f"2025-03-05,{ivan.number},-5.00,", "the amount '-5.00' is not more than zero"),
        13: (f"2025-03-05,{ivan.number},1.005,", "more than 2 decimals for RUB"),
        14: (f"2025-03-05,{ivan.number},ten,", "'ten' is not an amount"),
        15: (f"2025-03-05,{ivan.number},,", "no amount"),
        16: (f"2025-03-05,{ivan.number},1 250,50,R9", "5 values for 4 columns; put an amount"
                                                      " with a ',' in \"double quotes\""),
        17: (f"2025-03-05,{ivan.number},100.00,{'R' * 65}", "the receipt 'RRRR"),
        18: (f"1999-12-31,{ivan.number},100.00,", "1999-12-31 is before 2000-01-01; check"
                                                  " the year"),
        19: (f"{today + dt.timedelta(days=1)},{ivan.number},100.00,", "is in the future"),
        20: (f"{today},{ivan.number},100.00,", "is on or after the shop's first business"
                                               " day"),
        21: (f"2025-03-05,{wrong_digit},100.00,", "check digit wrong"),
    }
    text = HEADER + good + "".join(row + "\n" for row, _says in rows.values()) + good
    problem = refusal(db, manager, write(tmp_path, text))
    message = str(problem).splitlines()
    assert message[0] == ("history.csv: 19 problems; nothing was imported. Correct the file"
                          " and import it again:")
    assert len(message) == 20 and len(problem.problems) == 19
    for (number, (_row, says)), listed in zip(rows.items(), message[1:], strict=True):
        assert listed.startswith(f"  line {number}: ") and says in listed, (number, listed)


def test_problems_of_one_row_are_all_listed(db, manager, ivan, tmp_path):
    problem = refusal(db, manager, write(tmp_path, HEADER + "2025-13-01,nobody,0,\n"))
    assert [p.split(":")[0] for p in problem.problems] == ["line 2"] * 3
    assert "not a day of the calendar" in problem.problems[0]
    assert "not more than zero" in problem.problems[1]
    assert "'nobody' is neither a card number" in problem.problems[2]


def test_past_twenty_problems_the_rest_are_counted(db, manager, ivan, tmp_path):
    text = HEADER + "".join(f"2025-03-05,{ivan.number},0,\n" for _row in range(25))
    problem = refusal(db, manager, write(tmp_path, text))
    message = str(problem).splitlines()
    assert len(message) == 22 and message[-1] == "  and 5 more"
    assert message[-2].startswith("  line 21: ")
    assert len(problem.problems) == 25 and problem.problems[-1].startswith("line 26: ")


@pytest.mark.parametrize(("text", "says"), [
    ("", "history.csv is empty"),
    ("\n  \n", "history.csv is empty"),
    ("date,card\n2025-03-05,x\n", "line 1: the first line must name the columns"
                                  " date,card,amount,receipt (receipt may be left out);"
                                  " amount is missing"),
    ("date,card,amount,shop\n", "line 1: unknown column 'shop'; the columns are date, card,"
                                " amount, receipt"),
    ("date,card,amount,Amount\n", "line 1: the column 'amount' is there twice"),
    (HEADER, "history.csv has no purchases under its first line"),
    (HEADER + '2025-03-05,1,1,\n2025-03-05,"2,1,\n', "line 3: a quote is not closed"),
])
def test_a_file_that_is_not_a_history_is_refused(db, manager, ivan, tmp_path, text, says):
    problem = refusal(db, manager, write(tmp_path, text))
    assert says in str(problem) and "nothing was imported" in str(problem)


def test_a_file_that_is_not_utf8_or_not_there_is_refused(db, manager, ivan, tmp_path):
    path = write(tmp_path, HEADER + f"2025-03-05,{ivan.number},1,\n2025-03-05,{ivan.number},"
                 "1,Чек\n", encoding="cp1251")
    assert "history.csv line 3: not UTF-8 text" in str(refusal(db, manager, path))
    assert "no file" in str(refusal(db, manager, tmp_path / "missing.csv"))
    assert "is a folder" in str(refusal(db, manager, tmp_path))


# ---------------------------------------------------------------- dates


def test_a_future_date_is_refused(db, manager, tmp_path):
    with clock.frozen_at(dt.datetime(2025, 6, 1, 12)):
        card = personal(db, manager).number  # the first business day: 1 June 2025
    tomorrow = clock.local_today() + dt.timedelta(days=1)
    problem = refusal(db, manager, write(tmp_path, HEADER + f"{tomorrow},{card},10,\n"))
    assert problem.problems == (f"line 2: {tomorrow} is in the future (today is"
                                f" {clock.local_today()})",)


def test_dates_from_the_first_business_day_on_are_refused(db, manager, tmp_path):
    first = clock.local_today() - dt.timedelta(days=30)
    with clock.frozen_at(dt.datetime.combine(first, dt.time(12))):
        card = personal(db, manager).number
    day_before, later = first - dt.timedelta(days=1), first + dt.timedelta(days=5)
    text = HEADER + f"{day_before},{card},10,\n{first},{card},20,\n{later},{card},30,\n"
    problem = refusal(db, manager, write(tmp_path, text))
    assert problem.problems == tuple(
        f"line {n}: {date} is on or after the shop's first business day, {first}: purchases"
        " from then on are on the ledger already and would be counted twice"
        for n, date in ((3, first), (4, later)))
    done = import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + f"{day_before},{card},10,\n", name="before.csv"))
    assert done.last_date == day_before


# ---------------------------------------------------------------- twice


def test_the_same_file_twice_is_refused_by_its_bytes(db, manager, ivan, tmp_path):
    text = HEADER + f"2025-03-05,{ivan.number},10,\n2025-03-06,{ivan.number},20,\n"
    import_history_csv(db, actor=manager, path=write(tmp_path, text))
    problem = refusal(db, manager, write(tmp_path, text, name="copy.csv"))
    assert isinstance(problem, HistoryAlreadyImported)
    today = date_text(clock.local_today())
    assert str(problem) == (f"copy.csv: this file was imported on {today} by"
                            " Maria (2 purchases); nothing was imported again")


def test_an_overlapping_file_imports_only_its_new_rows(db, manager, ivan, tmp_path):
    import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + f"2025-03-05,{ivan.number},10,R1\n2025-03-06,{ivan.number},20,\n"))
    # the second row again, named by phone (same lineage), and a new one
    done = import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + f"2025-03-06,{PHONE},20,\n2025-03-05,{ivan.number},10,R2\n",
        name="more.csv"))
    assert (done.rows_in_file, done.imported, done.already_known) == (2, 1, 1)
    assert stored(db)[-1] == (3, ivan.number, dt.date(2025, 3, 5), 1000, "R2")
    with pytest.raises(HistoryAlreadyImported, match=r"by Maria \(1 purchase\);"):
        import_history_csv(db, actor=manager, path=tmp_path / "more.csv")


def test_identical_rows_are_separate_purchases(db, manager, ivan, tmp_path):
    coffee = f"2025-03-05,{ivan.number},3.50,\n"
    assert import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + coffee * 2)).imported == 2
    done = import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + coffee * 3, name="three.csv"))
    assert (done.imported, done.already_known) == (1, 2)


def test_a_file_with_nothing_new_writes_nothing(db, manager, ivan, tmp_path):
    rows = f"2025-03-05,{ivan.number},10,\n2025-03-06,{ivan.number},20,\n"
    import_history_csv(db, actor=manager, path=write(tmp_path, HEADER + rows))
    before = snapshot(db)
    done = import_history_csv(db, actor=manager, path=write(
        tmp_path, "date;card;amount;receipt\r\n" + rows.replace(",", ";"), name="again.csv"))
    assert done.nothing_new and (done.imported, done.already_known) == (0, 2)
    assert (done.customers, done.first_date, done.total) == (0, None, 0)
    assert snapshot(db) == before


# ---------------------------------------------------------------- who, and what it touches


def test_a_cashier_cannot_import_or_list(db, manager, cashier, ivan, tmp_path):
    path = write(tmp_path, HEADER + f"2025-03-05,{ivan.number},10,\n")
    before = snapshot(db)
    with pytest.raises(NotAllowed, match="importing past purchases needs a manager"):
        import_history_csv(db, actor=cashier, path=path)
    with pytest.raises(NotAllowed):
        imports(db, actor=cashier)
    assert snapshot(db) == before


def test_imported_purchases_touch_no_balance_spend_tier_or_ledger(db, manager, cashier, ivan,
                                                                  tmp_path):
    checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=ivan.number,
             lines=[line("goods", 1, 200_000)])
    before = card_now(db, ivan.number)
    assert before.balance > 0 and before.tier == "Ten"
    with db.read() as s:
        entries = s.scalar(select(func.count()).select_from(LedgerEntry))
    # counted as spend, these would lift Ivan to Gold (50,000.00)
    text = HEADER + "".join(f"2025-0{m}-10,{ivan.number},60000.00,\n" for m in range(1, 10))
    assert import_history_csv(db, actor=manager, path=write(tmp_path, text)).imported == 9
    assert card_now(db, ivan.number) == before
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == entries
    assert verify(db) == []


def test_the_imports_are_listed(db, manager, ivan, tmp_path):
    assert imports(db, actor=manager) == []
    import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + f"2025-03-05,{ivan.number},10,\n2025-01-02,{ivan.number},5,\n"))
    import_history_csv(db, actor=manager, path=write(
        tmp_path, HEADER + f"2024-03-05,{ivan.number},1,\n", name="old.csv"))
    listed = imports(db, actor=manager)
    assert [(i.file_name, i.user, i.purchases, i.first_date, i.last_date, i.total)
            for i in listed] == [
        ("history.csv", "Maria", 2, dt.date(2025, 1, 2), dt.date(2025, 3, 5), 1500),
        ("old.csv", "Maria", 1, dt.date(2024, 3, 5), dt.date(2024, 3, 5), 100)]


# ---------------------------------------------------------------- the command line


def test_the_command_line_imports_lists_and_refuses(cli, db, db_path, manager, ivan, tmp_path):
    path = write(tmp_path, HEADER + f"2025-03-05,{ivan.number},1250.50,\n"
                 f"2025-03-06,{PHONE},100,\n")
    pin = {"LOYALTYPOS_PIN": MANAGER_PIN}
    done = cli("--db", str(db_path), "--json", "history", "import", str(path), "--user",
               "Maria", **pin)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "file": "history.csv", "rows_in_file": 2, "imported": 2, "already_known": 0,
        "customers": 1, "first_date": "2025-03-05", "last_date": "2025-03-06",
        "total": "1350.50", "nothing_new": False}

    listed = cli("--db", str(db_path), "--json", "history", "list", "--user", "Maria", **pin)
    assert [(i["file"], i["purchases"], i["total"]) for i in json.loads(listed.stdout)] == [
        ("history.csv", 2, "1350.50")]

    again = cli("--db", str(db_path), "history", "import", str(path), "--user", "Maria", **pin)
    assert again.returncode == 1 and again.stdout == ""
    assert "this file was imported on" in again.stderr

    known = write(tmp_path, HEADER + f"2025-03-06,{PHONE},100,\n", name="known.csv")
    text = cli("--db", str(db_path), "history", "import", str(known), "--user", "Maria", **pin)
    assert text.stdout == "known.csv: nothing new; its 1 purchase was imported before\n"

    bad = write(tmp_path, HEADER + f"2025-03-07,{ivan.number},0,\n", name="bad.csv")
    refused = cli("--db", str(db_path), "history", "import", str(bad), "--user", "Maria", **pin)
    assert refused.returncode == 1
    assert "bad.csv: 1 problem; nothing was imported" in refused.stderr
    assert "line 2: the amount '0' is not more than zero" in refused.stderr
