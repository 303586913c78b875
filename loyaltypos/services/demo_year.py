"""The demo shop's year before the program: regular customers of every kind, so that the
Insight window has people on every step of the ladder and in every cell of the matrix.

The story is the one a real shop lives: it started LoyaltyPOS a few days ago and imported
a year and a half of purchases from its old till (``history import``); its regulars keep coming, and
this month's visits of the steadiest are real sales at the till, rung up on the last day.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loyaltypos.analytics.insight import months_back
from loyaltypos.db import Database
from loyaltypos.domain.people import Actor
from loyaltypos.domain.pricing import CartLine
from loyaltypos.services import cards, checkout, history

FIRST_NAMES = ("Alexander", "Svetlana", "Mikhail", "Tatiana", "Andrei", "Yulia", "Roman",
               "Ekaterina", "Viktor", "Galina", "Oleg", "Ksenia", "Boris", "Lyudmila", "Artem",
               "Vera", "Denis", "Polina", "Igor", "Daria", "Maxim", "Alla", "Stepan", "Zoya")
SURNAMES = ("Ivanov", "Kozlov", "Novikov", "Pavlov", "Semenov", "Golubev", "Vinogradov",
            "Bogdanov", "Vorobyov", "Frolov", "Zaitsev", "Solovyov", "Vasiliev", "Zakharov",
            "Romanov", "Kovalev", "Ilyin", "Gusev", "Titov", "Kuzmin", "Kudryavtsev", "Baranov")
# The same names as a Russian shop writes them; a woman's surname takes -а (Иванова).
RUSSIAN_FIRST_NAMES = ("Александр", "Светлана", "Михаил", "Татьяна", "Андрей", "Юлия",
                       "Роман", "Екатерина", "Виктор", "Галина", "Олег", "Ксения", "Борис",
                       "Людмила", "Артём", "Вера", "Денис", "Полина", "Игорь", "Дарья",
                       "Максим", "Алла", "Степан", "Зоя")
RUSSIAN_SURNAMES = ("Иванов", "Козлов", "Новиков", "Павлов", "Семёнов", "Голубев",
                    "Виноградов", "Богданов", "Воробьёв", "Фролов", "Зайцев", "Соловьёв",
                    "Васильев", "Захаров", "Романов", "Ковалёв", "Ильин", "Гусев", "Титов",
                    "Кузьмин", "Кудрявцев", "Баранов")


HISTORY_MONTHS = 18  # a year and a half: enough for a year's retention to have a start


@dataclass(frozen=True)
class Persona:
    habit: str  # steady | wavy | regular | client | buyer | lapsed
    monthly: int  # minor units a month (steady, wavy), or a visit's usual amount
    count: int  # customers like this


# Big, middling and small spenders of each habit: steady and wavy customers buy every
# month (X and Y: adherents), regulars most months, clients now and then, buyers once;
# the lapsed stopped coming more than half a year ago.
PERSONAS = (
    Persona("steady", 1_400_000, 2), Persona("steady", 120_000, 3), Persona("steady", 15_000, 3),
    Persona("wavy", 1_300_000, 2), Persona("wavy", 110_000, 3), Persona("wavy", 15_000, 3),
    Persona("regular", 900_000, 2), Persona("regular", 250_000, 3), Persona("regular", 70_000, 3),
    Persona("client", 500_000, 2), Persona("client", 150_000, 3), Persona("client", 40_000, 3),
    Persona("buyer", 300_000, 2), Persona("buyer", 60_000, 3),
    Persona("lapsed", 600_000, 2), Persona("lapsed", 90_000, 3),
)


@dataclass(frozen=True)
class Regular:
    number: str
    habit: str
    monthly: int


def _visits(rng: random.Random, persona: Persona, months: list[dt.date], last_day: dt.date,
            this_month: dt.date) -> list[tuple[dt.date, int]]:
    """(date, amount) of one customer's visits before the program."""
    def day_in(first: dt.date) -> dt.date:
        end = min(last_day, (first + dt.timedelta(days=31)).replace(day=1)
                  - dt.timedelta(days=1))
        return first + dt.timedelta(days=rng.randrange((end - first).days + 1))

    def amount(base: int, spread: float) -> int:
        return max(1_000, round(base * (1 + rng.uniform(-spread, spread)), -2))

    past = [m for m in months if m < this_month and m <= last_day]
    visits: list[tuple[dt.date, int]] = []
    if persona.habit in ("steady", "wavy"):
        spread = 0.04 if persona.habit == "steady" else 0.3
        for first in past:
            visits.append((day_in(first), amount(persona.monthly, spread)))
    elif persona.habit == "regular":  # 3 to 5 of the last 6 months, and earlier ones
        recent = past[-5:]
        for first in past[:-5] + rng.sample(recent, rng.randint(3, min(4, len(recent)))):
            visits.append((day_in(first), amount(persona.monthly, 0.5)))
    elif persona.habit == "client":  # a few visits, months apart, within the last year
        for first in rng.sample(past[-12:], min(len(past), rng.randint(2, 4))):
            visits.append((day_in(first), amount(persona.monthly, 0.6)))
    elif persona.habit == "buyer":  # one visit, lately
        visits.append((day_in(rng.choice(past[-3:])), amount(persona.monthly, 0.3)))
    else:  # lapsed: came for a while, more than a year ago, then stopped
        for first in past[:rng.randint(2, 4)]:
            visits.append((day_in(first), amount(persona.monthly, 0.3)))
    return sorted(visits)


def _names(russian: bool) -> list[tuple[str, str]]:
    """Every (name, e-mail name) pair: the name as the shop writes it, the e-mail in
    Latin letters as addresses are."""
    pairs = []
    for i, first in enumerate(FIRST_NAMES):
        for j, last in enumerate(SURNAMES):
            latin = f"{first} {last}"
            if russian:
                surname = RUSSIAN_SURNAMES[j] + ("а" if RUSSIAN_FIRST_NAMES[i][-1] in "аяи"
                                                 else "")
                pairs.append((f"{RUSSIAN_FIRST_NAMES[i]} {surname}", latin))
            else:
                pairs.append((latin, latin))
    return pairs


def import_year(db: Database, *, manager: Actor, cashier: Actor, rng: random.Random,
                first_day: dt.date, today: dt.date, russian: bool = False) -> list[Regular]:
    """Issue the regulars' cards and import their purchases before ``first_day`` (the
    program's first business day; run on that day, before any sale). This month's (the
    month of ``today``) visits of the steady are sales on the last day instead."""
    last_day = first_day - dt.timedelta(days=1)
    months = months_back(last_day, HISTORY_MONTHS)
    this_month = today.replace(day=1)
    names = _names(russian)
    rng.shuffle(names)
    regulars, rows, used = [], [], set()
    for persona in PERSONAS:
        for _n in range(persona.count):
            name, latin = next(n for n in names if n not in used)
            used.add((name, latin))
            number = cards.issue_cards(
                db, actor=cashier, kind="personal",
                customer=cards.CustomerInput(
                    name=name, phone=f"+7 9{rng.randrange(10**8, 10**9)}",
                    email=f"{latin.lower().replace(' ', '.')}@example.com",
                    marketing_consent=rng.random() < 0.6))[0].number
            regulars.append(Regular(number, persona.habit, persona.monthly))
            for date, amount in _visits(rng, persona, months, last_day, this_month):
                rows.append(f"{date.isoformat()},{number},{Decimal(amount) / 100:.2f}")
    with tempfile.TemporaryDirectory(prefix="loyaltypos-demo-") as folder:
        path = Path(folder) / "old-till-export.csv"
        path.write_text("date,card,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
        history.import_history_csv(db, actor=manager, path=path)
    return regulars


def this_month_visits(db: Database, *, cashier: Actor, regulars: list[Regular],
                      rng: random.Random) -> int:
    """The steady and wavy customers' visit of this month: real sales at the till, one
    line of their usual monthly amount."""
    count = 0
    for regular in regulars:
        if regular.habit not in ("steady", "wavy"):
            continue
        spread = 0.04 if regular.habit == "steady" else 0.3
        price = round(regular.monthly * (1 + rng.uniform(-spread, spread)), -2)
        checkout.checkout(db, actor=cashier, sale_id=checkout.new_sale_id(),
                          card_number=regular.number,
                          lines=[CartLine("Monthly order", Decimal(1), int(price), True)],
                          payments=[checkout.PaymentInput("card")])
        count += 1
    return count
