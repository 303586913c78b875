"""Numbers, money and dates as each language writes them; amounts typed either way; a
language per user and per shop that changes no stored figure."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from conftest import line

from loyaltypos.domain import i18n
from loyaltypos.domain.errors import BadAmount, Refused
from loyaltypos.domain.i18n import _, date_text, datetime_text, ngettext, speaking
from loyaltypos.domain.money import fmt, fmt_amount, fmt_display, parse_amount
from loyaltypos.services import days, shops, users, verify
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id

pytestmark = pytest.mark.postgresql_too  # the language columns and their audit lines

NB = "\u00a0"
DAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(("language", "money", "amount", "date", "moment"), [
    ("ru", f"10{NB}150,00{NB}₽", f"10{NB}150,00", "28.11.2026", "28.11.2026 09:05"),
    ("en", f"RUB{NB}10,150.00", "10,150.00", "Nov 28, 2026", "Nov 28, 2026 9:05\u202fAM"),
])
def test_money_and_dates_as_each_language_writes_them(language, money, amount, date, moment):
    with speaking(language):
        assert fmt_display(1_015_000, "RUB") == money
        assert fmt_amount(1_015_000, "RUB") == amount
        assert date_text(DAY) == date
        assert datetime_text(dt.datetime(2026, 11, 28, 9, 5)) == moment
    assert fmt(1_015_000, "RUB") == "10150.00"  # the files' and the database's form: one


def test_other_currencies_keep_their_own_decimals_and_symbol():
    with speaking("ru"):
        assert fmt_display(-500, "RUB") == f"-5,00{NB}₽"
        assert fmt_display(1_234_567, "KWD") == f"1{NB}234,567{NB}KWD"
        assert fmt_display(1234, "JPY") == f"1{NB}234{NB}¥"
    with speaking("en"):
        assert fmt_display(1234, "JPY") == "¥1,234"
        assert fmt_display(-500, "EUR") == "-€5.00"


def test_russian_counts_with_three_plural_forms():
    with speaking("ru"):
        said = [ngettext("{n} sale", "{n} sales", n).format(n=n) for n in (1, 2, 5, 11, 22)]
    assert said == ["1 продажа", "2 продажи", "5 продаж", "11 продаж", "22 продажи"]


@pytest.mark.parametrize("typed", ["1 234,50", "1234.50", "1234,50", "1,234.50", "1.234,50",
                                   f"1{NB}234,50", "1\u202f234.50", " 1234.5 "])
def test_an_amount_is_read_whichever_way_it_is_written(typed):
    for language in ("ru", "en"):
        with speaking(language):
            assert parse_amount(typed, "RUB") == 123_450


@pytest.mark.parametrize(("typed", "says"), [
    ("1,234", "for 1234, type it without a thousands mark"),
    ("12.345", "for 12345, type it without a thousands mark"),
    ("1,23.50", "is not an amount"),
    ("1.234.5", "is not an amount"),
    ("1,234,56", "is not an amount"),
    ("0,500", "more than 2 decimals"),
])
def test_an_amount_that_could_mean_two_things_is_refused_never_guessed(typed, says):
    with pytest.raises(BadAmount, match=says):
        parse_amount(typed, "RUB")


def test_a_three_decimal_currency_names_both_readings():
    with pytest.raises(BadAmount, match=r"could be 1234 or 1\.234"):
        parse_amount("1,234", "KWD")
    assert parse_amount("1,234,567", "RUB") == 123_456_700  # repeated: thousands only
    assert parse_amount("0,234", "KWD") == 234


def test_speaking_is_the_blocks_and_its_threads_own():
    heard = {}

    def other_thread():
        heard["other"] = _("Thank you!")

    with speaking("ru"):
        heard["here"] = _("Thank you!")
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert heard["here"] != "Thank you!" and heard["other"] == "Thank you!"
    assert i18n.language() == "en"


def test_a_language_without_a_catalog_is_refused_when_stored():
    assert i18n.known_language("ru") == "ru" and i18n.known_language(" ") is None
    with pytest.raises(Refused, match=r"there is no 'xx' translation; the product speaks: en, ru"):
        i18n.known_language("xx")


def test_a_users_language_is_audited_and_changes_no_figure(db, cashier, manager):
    checkout(db, actor=cashier, sale_id=new_sale_id(), lines=[line("Tea", 1, 1_234_50)],
             payments=[PaymentInput("cash", 1_234_50)])
    before = days.day_summary(db)
    assert users.set_language(db, actor=cashier, language="ru").language == "ru"
    shops.set_shop(db, actor=manager, shop_id=1, language="ru")
    with speaking("ru"):
        assert days.day_summary(db) == before
    assert [u.language for u in users.list_users(db) if u.name == cashier.name] == ["ru"]
    assert shops.print_language(db) == "ru"
    assert verify.verify(db) == []
    shops.set_shop(db, actor=manager, shop_id=1, language="")  # back to the computer's
    assert shops.print_language(db) is None
    with pytest.raises(Refused):
        shops.set_shop(db, actor=cashier, shop_id=1, language="en")


def test_a_manager_resets_a_pin_and_disables_a_user_with_audit_lines(db, manager, cashier):
    # (with the language columns, the other user columns a manager changes in the app)
    users.reset_pin(db, actor=manager, name=cashier.name, new_pin="8642")
    assert users.sign_in(db, name=cashier.name, pin="8642").user_id == cashier.user_id
    users.set_enabled(db, actor=manager, name=cashier.name, enabled=False)
    with pytest.raises(Refused, match="is disabled"):
        users.sign_in(db, name=cashier.name, pin="8642")
    with pytest.raises(Refused):
        users.reset_pin(db, actor=cashier, name=manager.name, new_pin="123456")
    other = users.add_user(db, actor=manager, name="Boss", role="manager", pin="975310")
    users.set_enabled(db, actor=manager, name="Boss", enabled=False)
    with pytest.raises(Refused, match="last manager"):  # Boss, disabled, cannot sign in
        users.set_enabled(db, actor=other, name=manager.name, enabled=False)
    assert verify.verify(db) == []
