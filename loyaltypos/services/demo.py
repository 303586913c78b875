"""A demo shop: program, users, catalog, cards and a few days of sales, made through the services.

Everything goes through the same service calls a till makes, with the clock moved
back, so the demo's ledger is as real as a shop's: ``verify`` passes on it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loyaltypos import resources
from loyaltypos.db import Database
from loyaltypos.domain import clock, i18n
from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine
from loyaltypos.domain.program import DEFAULT_PROGRAM_FILE, load_program_file
from loyaltypos.services import (
    cards,
    checkout,
    days,
    demo_year,
    nps,
    products,
    refunds,
    shops,
    store,
    users,
)

PRODUCTS_FILE = resources.path("products.csv")
MANAGER, MANAGER_PIN = "Maria", "123456"
CASHIER, CASHIER_PIN = "Kolya", "0000"
# Written to the shop's settings as a manager would type it: in the language in use.
SIGN_IN_HINT = N_("Demo shop: {manager} (manager) PIN {manager_pin},"
                  " {cashier} (cashier) PIN {cashier_pin}")


def sign_in_hint(words: DemoWords | None = None,
                 cards_to_try: list[tuple[str, str]] = ()) -> str:
    """The demo's sign-in note, in the language in use: its users and PINs, and a few
    cards to type or scan at the till, each with its tier."""
    words = words or demo_words()
    hint = _(SIGN_IN_HINT).format(manager=words.manager, manager_pin=MANAGER_PIN,
                                  cashier=words.cashier, cashier_pin=CASHIER_PIN)
    if cards_to_try:
        hint += "\n" + _("Cards to try: {cards}").format(cards=", ".join(
            f"{number} ({tier})" for number, tier in cards_to_try))
    return hint

CUSTOMERS = (
    ("Ivan Petrov", "+7 912 000-11-22"), ("Olga Smirnova", "+7 912 555-00-11"),
    ("Anna Kuznetsova", "+7 903 123-45-67"), ("Dmitry Sokolov", "+7 905 765-43-21"),
    ("Elena Popova", "+7 916 222-33-44"), ("Sergey Volkov", None),
    ("Maria Lebedeva", "+7 921 444-55-66"), ("Pavel Morozov", "+7 926 777-88-99"),
    ("Natalia Orlova", None), ("Alexei Fedorov", "+7 931 101-20-30"),
    ("Irina Belova", "+7 985 300-40-50"), ("Nikolai Egorov", "+7 999 600-70-80"),
)


@dataclass(frozen=True)
class DemoWords:
    """The demo shop's data in one language: its name, people and goods. Data, not
    messages: what a shop in that language would have typed in."""

    shop: str
    manager: str
    cashier: str
    customers: tuple[tuple[str, str | None], ...]
    newcomers: tuple[str, str]
    gift_set: str
    products: Path
    program: Path


ENGLISH = DemoWords("Corner Books & Coffee", MANAGER, CASHIER, CUSTOMERS,
                    ("Lidia Markova", "Gleb Antonov"), "Gift set", PRODUCTS_FILE,
                    DEFAULT_PROGRAM_FILE)
RUSSIAN = DemoWords(
    "Книги и кофе на углу", "Мария", "Коля",
    (("Иван Петров", "+7 912 000-11-22"), ("Ольга Смирнова", "+7 912 555-00-11"),
     ("Анна Кузнецова", "+7 903 123-45-67"), ("Дмитрий Соколов", "+7 905 765-43-21"),
     ("Елена Попова", "+7 916 222-33-44"), ("Сергей Волков", None),
     ("Мария Лебедева", "+7 921 444-55-66"), ("Павел Морозов", "+7 926 777-88-99"),
     ("Наталья Орлова", None), ("Алексей Фёдоров", "+7 931 101-20-30"),
     ("Ирина Белова", "+7 985 300-40-50"), ("Николай Егоров", "+7 999 600-70-80")),
    ("Лидия Маркова", "Глеб Антонов"), "Подарочный набор",
    resources.path("products.ru.csv"), resources.path("program.ru.toml"))
WORDS = {"en": ENGLISH, "ru": RUSSIAN}


def demo_words(language: str | None = None) -> DemoWords:
    """The demo's data in ``language`` (default: the language in use), else English."""
    return WORDS.get((language or i18n.language()).split("_")[0], ENGLISH)


@dataclass(frozen=True)
class Demo:
    manager: users.Actor
    cashier: users.Actor
    cards: tuple[str, ...]
    sales: int
    regular: str  # a steady customer who bought every month (an adherent or advocate)


def _at(date: dt.date, hour: int, minute: int) -> dt.datetime:
    """A local wall-clock time on ``date`` as the UTC stamp the clock runs on."""
    return _utc(dt.datetime.combine(date, dt.time(hour, minute)))


def _utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone().astimezone(dt.UTC).replace(tzinfo=None)


def _today_times(rng: random.Random, count: int) -> tuple[list[dt.datetime], dt.datetime]:
    """Today's sales, every one of them before now (local times, in order), and the
    moment just before now when the day's last things happen: the demo opened at 10:08
    has sold since the shop opened, never at 15:00."""
    now = clock.to_local(clock.now()).replace(tzinfo=None, second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    end = max(now - dt.timedelta(minutes=2), midnight)
    start = max(midnight, min(now.replace(hour=8, minute=30), end - dt.timedelta(hours=1)))
    span = int((end - start).total_seconds() // 60)
    return sorted(start + dt.timedelta(minutes=rng.randint(0, span)) for _n in range(count)), end


def build_demo(db: Database, *, days_back: int = 4, seed: int = 7,
               language: str | None = None) -> Demo:
    """Fill an empty database with a demo shop, its names and goods in ``language``
    (default: the language in use) and its printouts too; the last day is left open."""
    words = demo_words(language)
    rng = random.Random(seed)
    today = clock.local_today()
    first = today - dt.timedelta(days=days_back)
    with clock.frozen_at(_at(first, 8, 30)):
        done = store.initialise(db, manager_name=words.manager, manager_pin=MANAGER_PIN,
                                program=load_program_file(words.program),
                                shop_name=words.shop)
        manager = done.manager
        cashier = users.add_user(db, actor=manager, name=words.cashier, role="cashier",
                                 pin=CASHIER_PIN)
        store.set_sign_in_hint(db, actor=manager, text=sign_in_hint(words))
        if words is not ENGLISH:
            shops.set_shop(db, actor=manager, shop_id=db.place.shop_id,
                           language=i18n.known_language(language or i18n.language()))
        products.import_products_csv(db, actor=manager, path=words.products)
        numbers = [
            cards.issue_cards(db, actor=cashier, kind="personal",
                              customer=cards.CustomerInput(name=name, phone=phone,
                                                           marketing_consent=rng.random() < .5)
                              )[0].number
            for name, phone in words.customers
        ]
        numbers += [c.number for c in cards.issue_cards(db, actor=cashier, kind="bearer",
                                                        count=6)]
        regulars = demo_year.import_year(db, manager=manager, cashier=cashier, rng=rng,
                                         first_day=first, today=today,
                                         russian=words is RUSSIAN)
        # a few regulars bring balances over from the shop's old paper cards
        for number, amount in zip(numbers[:3], (2_500_000, 6_000_000, 16_000_000), strict=True):
            cards.adjust_balance(db, actor=manager, number=number, amount=amount // 50,
                                 reason=_("balance carried over from the old paper cards"))
    catalog = products.list_products(db)
    count = 0
    for offset in range(days_back, -1, -1):
        date = today - dt.timedelta(days=offset)
        # in the order of the day: a sale is never stamped before the day opened, and
        # today's never after now
        if offset:
            moments = sorted(_at(date, rng.randint(9, 19), rng.randint(0, 59))
                             for _sale in range(rng.randint(14, 22)))
        else:
            local, last = _today_times(rng, 6)
            moments = [_utc(moment) for moment in local]
        for moment in moments:
            with clock.frozen_at(moment):
                count += _one_sale(db, cashier, rng, numbers, catalog)
        if offset == days_back:
            with clock.frozen_at(_at(date, 19, 0)):  # orders big enough for every tier
                _big_orders(db, cashier, numbers, catalog)
        if offset == 0:
            with clock.frozen_at(_utc(last)):
                count += demo_year.this_month_visits(db, cashier=cashier, regulars=regulars,
                                                     rng=rng)
                _voices(db, cashier, rng, numbers, regulars, words)
        if offset:
            with clock.frozen_at(_at(date, 20, 5)):
                _refund_one(db, manager, rng)
                expected = days.day_summary(db).expected_cash
                days.close_day(db, actor=manager, counted_cash=expected)
    steady = next(r.number for r in regulars if r.habit == "steady")
    try_these = [(number, cards.scan_card(db, number=number).tier) for number in numbers[:4]]
    store.set_sign_in_hint(db, actor=manager, text=sign_in_hint(words, try_these))
    return Demo(manager, cashier, tuple(numbers), count, steady)


# Three customers whose orders climb the default program's tiers (in whole pens, at
# 3 490.00 less the simple tier's 5 %): past 20 000, 50 000 and 150 000.
BIG_ORDERS = ((2, 7), (1, 16), (0, 48))
PEN = "4014519103714"


def _big_orders(db: Database, cashier, numbers, catalog) -> None:
    """An office's pens, a school's, a company's: the demo has a customer in every tier."""
    pen = next((p for p in catalog if p.code == PEN), None)
    if pen is None:
        return
    for customer, pens in BIG_ORDERS:
        checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(),
                          card_number=numbers[customer],
                          lines=[CartLine(pen.name, Decimal(pens), pen.price, pen.eligible)],
                          payments=[checkout.PaymentInput("card")])


def _one_sale(db: Database, cashier, rng: random.Random, numbers, catalog) -> int:
    picked = rng.sample(catalog, rng.randint(1, 4))
    lines = [CartLine(p.name, Decimal(rng.choice((1, 1, 1, 2, 3))), p.price, p.eligible)
             for p in picked]
    card = rng.choice(numbers) if rng.random() < 0.7 else None
    redeem = REDEEM_MAX if card and rng.random() < 0.3 else None
    method = rng.choice(("cash", "card", "card"))
    checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(), lines=lines,
                      card_number=card, redeem=redeem,
                      payments=[checkout.PaymentInput(method)])
    return 1


def _voices(db: Database, cashier, rng: random.Random, numbers, regulars,
            words: DemoWords) -> None:
    """What customers answered to "would you recommend us?" today, and two newcomers
    brought in by regulars (who become advocates once the newcomers have bought)."""
    steady = [r.number for r in regulars if r.habit in ("steady", "wavy", "regular")]
    for number, score in zip(steady[::2], (10, 9, 10, 8, 9, 6, 10, 7, 9, 3), strict=False):
        nps.record_response(db, actor=cashier, score=score, card_number=number)
    for number in rng.sample(numbers[:12], 4):
        nps.record_response(db, actor=cashier, score=rng.choice((9, 10, 7, 5)),
                            card_number=number)
    for name, referrer in zip(words.newcomers, (steady[1], steady[3]), strict=True):
        card = cards.issue_cards(db, actor=cashier, kind="personal", referred_by=referrer,
                                 customer=cards.CustomerInput(name=name))[0].number
        checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(), card_number=card,
                          lines=[CartLine(words.gift_set, Decimal(1), 150_000, True)],
                          payments=[checkout.PaymentInput("cash")])


def _refund_one(db: Database, manager, rng: random.Random) -> None:
    recent = refunds.recent_sales(db, limit=5)
    if recent:
        sale = rng.choice(recent)
        refunds.refund(db, actor=manager, sale_id=sale.sale_id, items={1: Decimal(1)})
