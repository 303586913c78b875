"""Cashback expiry: the lots of a card lineage, writing off what has lapsed, and reminders.

Lots are never stored: :mod:`loyaltypos.domain.lots` replays a lineage's ledger entries
(docs/RULES-DECISIONS.md, "Cashback expiry"). An entry's date is its business day's date.

Who calls what:

- the till and the card screens ask :func:`spendable_balance` and :func:`next_expiry`
  (or :func:`lots_now` for both and the locked part at once) with ``on`` = the business
  date of the open day, never the clock's date: a sale of business day T spends only
  lots whose last day is T or later;
- :func:`run_expiry` writes ``expire`` entries inside a caller's transaction: the close
  of business day D (``inclusive``: lots whose last day is D or before) and :func:`expire`
  (the command line and the app's start, as of the open day's date T: lots whose last day
  is before T). A second run finds nothing more and writes nothing;
- :func:`expiring_customers` and :func:`write_reminders`: the customers who agreed to
  marketing whose cashback lapses soon.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import datetime as dt
import io
import itertools
import logging
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.engine import transaction_wrote
from loyaltypos.db.ledger import entry_row
from loyaltypos.db.models import BusinessDay, Card, Customer, LedgerEntry
from loyaltypos.db.places import place_of
from loyaltypos.db.raw import Driver
from loyaltypos.documents.files import write_atomic
from loyaltypos.domain import clock
from loyaltypos.domain.errors import DayNeedsConfirmation, Refused
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.lots import Lots, Replay, replay_rows
from loyaltypos.domain.money import fmt
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.program import Program
from loyaltypos.services import store
from loyaltypos.services.audit import audit
from loyaltypos.services.export import _text as csv_text

log = logging.getLogger(__name__)

MAX_REMINDER_DAYS = 366


@dataclass(frozen=True)
class ExpiryResult:
    """What one expiry run wrote off: on how many cards, how much, as of which date."""

    cards: int
    amount: int  # minor units, positive
    as_of: dt.date


@dataclass(frozen=True)
class LotsNow:
    """A lineage's balance on a business date: spendable now, locked, and what lapses next."""

    spendable: int
    locked: int
    next_expiry: tuple[dt.date, int] | None  # (last day, amount)


@dataclass(frozen=True)
class Expiring:
    """A customer whose cashback lapses soon: their card in use, contacts, amount, date."""

    card: str
    name: str
    phone: str | None
    email: str | None
    amount: int  # lapsing within the span asked for
    date: dt.date  # the first last day within it


# ---------------------------------------------------------------- one lineage


def _local_date(stamp: dt.datetime | str) -> dt.date:
    """The business date of an entry with no day (older than the days' table): its stamp's
    local date."""
    if isinstance(stamp, str):
        stamp = dt.datetime.fromisoformat(stamp)
    return clock.to_local(stamp).date()


# One lineage's entries as the driver's cursor gives them (the till reads them at every
# scan and every redeeming sale: no result objects around the rows). The first column,
# which the replay does not read, carries the stamp that dates an entry without a business
# day (none is written so now).
_LINEAGE_ENTRIES = (
    "SELECT e.created_at, e.id, e.kind, e.amount, e.sale_id, b.business_date"
    " FROM ledger_entries e JOIN cards c ON c.id = e.card_id"
    " LEFT JOIN business_days b ON b.id = e.day_id"
    " WHERE (c.lineage_id = :lineage OR (c.lineage_id IS NULL AND c.id = :lineage))"
    " ORDER BY e.id")


class _DayOrdinals(dict):
    """A business date, as the driver gives it (SQLite: text), to its day ordinal."""

    def __missing__(self, value) -> int:
        date = dt.date.fromisoformat(value) if isinstance(value, str) else value
        self[value] = ordinal = date.toordinal()
        return ordinal


# What tells whether a lineage's cached replay still holds: its last entry's id and the
# balance of its cards (kept with every entry, in its transaction); on a server, where
# another till's entry can commit after one with a higher id, its count of entries too.
_LINEAGE_CARDS = ("SELECT id FROM cards WHERE lineage_id = :lineage"
                  " OR (lineage_id IS NULL AND id = :lineage)")
_LINEAGE_BALANCE = "(SELECT COALESCE(SUM(balance), 0) FROM cards WHERE id IN (" + _LINEAGE_CARDS \
    + "))"
_MARK_SQLITE = ("SELECT NULL, (SELECT max(id) FROM ledger_entries WHERE card_id IN ("
                + _LINEAGE_CARDS + ")), " + _LINEAGE_BALANCE)
_MARK_SERVER = ("SELECT count(*), max(id), " + _LINEAGE_BALANCE
                + " FROM ledger_entries WHERE card_id IN (" + _LINEAGE_CARDS + ")")
_AFTER = " AND e.id > :after ORDER BY"
CACHED_LINEAGES = 512


class _Replays:
    """The till's replays of the lineages it met lately, carried on with the entries
    written since (docs/RULES-DECISIONS.md, "Cashback expiry": a card scanned at every
    sale is not replayed from its first entry each time).

    A cached replay is used only when the lineage's entries up to its last one are still
    the ones it fed on: the last id is not lower, the balance is the same once the newer
    entries are added, and on a server the count of entries too (an entry committed late
    with a lower id by another till). Anything else replays the lineage from the start.
    A replay read inside a transaction that has written already is not kept: what it
    fed on may be rolled back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_db: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @contextlib.contextmanager
    def replay(self, db: Session | Connection | Driver, lineage_id: int,
               program: Program) -> Iterator[Replay]:
        """The lineage's replay, brought up to date, to read inside the ``with`` (no copy):
        while it is read, it is out of the cache, so no other thread carries it on. ``db``
        is a session, or a sale's connection or its driver-level cursor."""
        given = db if isinstance(db, Driver) else None
        conn = given.conn if given is not None else \
            db.connection() if isinstance(db, Session) else db
        engine = conn.engine
        pool = engine.pool  # one for the reading and the writing sessions of a database
        key = (lineage_id, program.expiry.days, program.expiry.lock_days)
        keep = not transaction_wrote(conn)
        # the driver-level cursor: its errors are SQLAlchemy's, so a sale's retry sees them
        with contextlib.nullcontext(given) if given is not None else Driver(conn) as raw:
            count, last_id, balance = raw.execute(
                _MARK_SQLITE if engine.dialect.name == "sqlite" else _MARK_SERVER,
                {"lineage": lineage_id}).one()
            with self._lock:
                cache = self._by_db.setdefault(pool, collections.OrderedDict())
                cached = cache.pop(key, None)
            replay = None
            if cached is not None and cached[0].last_id is not None \
                    and last_id is not None and last_id >= cached[0].last_id:
                replay, seen_balance = cached
                if last_id > replay.last_id:
                    rows = _entries(raw, lineage_id, after=replay.last_id)
                    replay.feed(rows)
                    seen_balance += sum(row[3] for row in rows)
                if seen_balance != balance or count not in (None, replay.count):
                    replay = None
            if replay is None:
                replay = Replay(days=program.expiry.days, lock_days=program.expiry.lock_days,
                                ordinal=_DayOrdinals())
                replay.feed(_entries(raw, lineage_id))
        yield replay
        if not keep:
            return
        with self._lock:
            cache = self._by_db.setdefault(pool, collections.OrderedDict())
            cache[key] = (replay, int(balance))
            while len(cache) > CACHED_LINEAGES:
                cache.popitem(last=False)


def _entries(raw: Driver, lineage_id: int, *, after: int | None = None) -> list[tuple]:
    if after is None:
        rows = raw.execute(_LINEAGE_ENTRIES, {"lineage": lineage_id}).all()
    else:
        rows = raw.execute(_LINEAGE_ENTRIES.replace(" ORDER BY", _AFTER),
                           {"lineage": lineage_id, "after": after}).all()
    if any(row[5] is None for row in rows):
        rows = [row if row[5] is not None else (*row[:5], _local_date(row[0])) for row in rows]
    return rows


_REPLAYS = _Replays()


def lineage_lots(session: Session, lineage_id: int, program: Program) -> Lots:
    """The lots of one card lineage (``Card.lineage_id``), replayed from its ledger
    entries with the program's ``[expiry]``: the entries since the till last replayed
    it, or all of them. A copy: the caller may keep it."""
    with _REPLAYS.replay(session, lineage_id, program) as replay:
        return replay.lots().copy()


def _lineage_balance(session: Session | Connection | Driver, lineage_id: int) -> int:
    if isinstance(session, Driver):
        session = session.conn
    return int(session.scalar(select(func.coalesce(func.sum(Card.balance), 0)).where(
        or_(Card.lineage_id == lineage_id, and_(Card.lineage_id.is_(None),
                                                Card.id == lineage_id)))))


def spendable_balance(session: Session | Connection | Driver, lineage_id: int,
                      program: Program, on: dt.date) -> int:
    """What a sale on business date ``on`` may spend of a lineage's cashback (minor units):
    the balance less what is locked and what lapsed before ``on`` and is not written off
    yet. Without ``[expiry]`` it is the balance itself, read without a replay."""
    if not program.expiry.days and not program.expiry.lock_days:
        return _lineage_balance(session, lineage_id)
    with _REPLAYS.replay(session, lineage_id, program) as replay:
        return replay.spendable(on)


def next_expiry(session: Session, lineage_id: int, program: Program,
                on: dt.date) -> tuple[dt.date, int] | None:
    """(the last day, the amount) of the lineage's cashback that lapses first on or after
    business date ``on``, e.g. (2026-12-31, 12000): "120.00 expires on 2026-12-31"; None
    when the program lets nothing expire or the lineage holds nothing that will."""
    if not program.expiry.days:
        return None
    with _REPLAYS.replay(session, lineage_id, program) as replay:
        return replay.lots().next_expiry(on)


def lots_now(session: Session, lineage_id: int, program: Program, on: dt.date) -> LotsNow:
    """Spendable, locked and next expiry of a lineage on business date ``on``, from one
    replay (for a balance shown as "available + locked")."""
    if not program.expiry.days and not program.expiry.lock_days:
        return LotsNow(_lineage_balance(session, lineage_id), 0, None)
    with _REPLAYS.replay(session, lineage_id, program) as replay:
        lots = replay.lots()
        return LotsNow(replay.spendable(on), lots.locked(on),
                       lots.next_expiry(on) if program.expiry.days else None)


# ---------------------------------------------------------------- many lineages


def _day_dates(session: Session) -> dict[int, dt.date]:
    return dict(session.connection().execute(select(BusinessDay.id, BusinessDay.business_date))
                .all())


def _ordinals(session: Session) -> dict[int, int]:
    """Day ordinals by the key :func:`_stream` gives an entry's day: its business day's id,
    or minus the entry's id for an entry without a day (its stamp's local date)."""
    ordinals = {day: date.toordinal() for day, date in _day_dates(session).items()}
    undated = session.connection().execute(select(LedgerEntry.id, LedgerEntry.created_at)
                                           .where(LedgerEntry.day_id.is_(None)))
    ordinals.update((-entry, _local_date(at).toordinal()) for entry, at in undated)
    return ordinals


def _stream(session: Session, program: Program,
            lineages: str | None) -> Iterator[tuple[int, Lots]]:
    """(lineage id, its lots) of the lineages the SQL ``lineages`` selects (None: all).

    A million entries are read and replayed in seconds: one pass over the ledger in the
    table's own order, sorted by card and id by the database (no join, no look-up through
    an index), read with the driver's own cursor and replayed card by card as they come.
    The few lineages of more than one card (a replaced card) are kept until the end, then
    replayed with their cards' entries in id order.
    """
    ordinal = _ordinals(session)
    conn = session.connection()
    chain = func.coalesce(Card.lineage_id, Card.id)
    lineage_of = dict(conn.execute(select(Card.id, chain)).all())
    cards = collections.Counter(lineage_of.values())
    chosen = (f" WHERE +card_id IN (SELECT id FROM cards WHERE COALESCE(lineage_id, id)"
              f" IN ({lineages}))" if lineages else "")
    # The unary + keeps the card_id index out of it: reading in table order and sorting is
    # several times faster than a million look-ups through the index.
    query = ("SELECT card_id, id, kind, amount, sale_id, COALESCE(day_id, -id)"
             f" FROM ledger_entries{chosen} ORDER BY +card_id, id")
    days, lock_days = program.expiry.days, program.expiry.lock_days
    shared: dict[int, list] = {}  # lineage of several cards -> its rows so far
    cursor = conn.connection.cursor()
    try:
        cursor.execute(query)
        for card, rows in itertools.groupby(cursor, key=itemgetter(0)):
            lineage = lineage_of[card]
            if cards[lineage] > 1:
                shared.setdefault(lineage, []).extend(rows)
                continue
            yield lineage, replay_rows(rows, days=days, lock_days=lock_days, ordinal=ordinal)
    finally:
        cursor.close()
    for lineage, rows in shared.items():
        rows.sort(key=itemgetter(1))
        yield lineage, replay_rows(rows, days=days, lock_days=lock_days, ordinal=ordinal)


def _issued_by(session: Session, date: dt.date, day_column: str = "day_id") -> str:
    """A HAVING condition over a lineage's cards: its first card was issued on business
    date ``date`` or before (a credit that old needs a card that old). Business days are
    numbered in date order; a card with no day counts as old."""
    old_days = [day for day, day_date in _day_dates(session).items() if day_date <= date]
    last = int(max(old_days)) if old_days else 0
    return f"MIN(COALESCE({day_column}, 0)) <= {last}"


def _lapsed(session: Session, program: Program, as_of: dt.date,
            inclusive: bool) -> dict[int, int]:
    """Lineage id -> what its lots hold past their last day as of ``as_of``. Only lineages
    that can hold some are read: a balance above zero, and a first card issued before the
    last credit date that could have lapsed by then."""
    days = program.expiry.days
    if not days:
        return {}
    # A lot credited on C lapses after C + days: only older credits can have.
    last_credit = as_of - dt.timedelta(days=days if inclusive else days + 1)
    lineages = ("SELECT COALESCE(lineage_id, id) FROM cards GROUP BY COALESCE(lineage_id, id)"
                f" HAVING SUM(balance) > 0 AND {_issued_by(session, last_credit)}")
    lapsed = {}
    for lineage, lots in _stream(session, program, lineages):
        amount = lots.expired(as_of, inclusive=inclusive)
        if amount > 0:
            lapsed[lineage] = amount
    return lapsed


_LIVE_CARDS = ("SELECT COALESCE(lineage_id, id), id, number, balance FROM cards"
               " WHERE replaced_by_id IS NULL AND balance > 0")


def _write_off(session: Session, lapsed: dict[int, int], *, day_id: int,
               user_id: int | None) -> tuple[int, int]:
    """One ``expire`` entry per lineage on its card in use, in one bulk insert, and the
    cards' balances moved by one bulk update; returns (cards, amount)."""
    if not lapsed:
        return 0, 0
    at = store.day_stamp(session, day_id)
    till = place_of(session).till_id
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_LIVE_CARDS)
        live = {lineage: (card, number, balance) for lineage, card, number, balance
                in cursor if lineage in lapsed}
    finally:
        cursor.close()
    rows = []
    for lineage, amount in lapsed.items():
        if lineage not in live:
            continue  # the ledger and the balances disagree; verify reports it
        card, number, balance = live[lineage]
        amount = min(amount, balance)  # a lineage's balance sits on its card in use
        rows.append(entry_row(card, number, balance, "expire", -amount, day_id=day_id,
                              till_id=till, user_id=user_id, at=at))
    if rows:
        conn = session.connection()
        entries, cards = LedgerEntry.__table__, Card.__table__
        # The write transaction holds the database: the entries of this run are the ones
        # after the last id now, and one UPDATE moves every balance by its entry.
        last = conn.execute(select(func.coalesce(func.max(entries.c.id), 0))).scalar_one()
        conn.execute(insert(entries), rows)
        conn.execute(update(cards).values(balance=cards.c.balance + entries.c.amount)
                     .where(entries.c.card_id == cards.c.id, entries.c.id > last,
                            entries.c.kind == "expire"))
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Card):  # loaded before the bulk update: read it again
                session.expire(obj)
    return len(rows), -sum(row["amount"] for row in rows)


def run_expiry(session: Session, *, as_of: dt.date, day_id: int, user_id: int | None,
               inclusive: bool, program: Program | None = None) -> ExpiryResult:
    """Write off, inside the caller's transaction and into open business day ``day_id``,
    what every lineage's lots hold past their last day as of ``as_of``: lots whose last
    day is before ``as_of``, or (``inclusive``, at the close of day ``as_of``) on or
    before it. One ``expire`` entry per card in use; running it again writes nothing."""
    program = program or store.current_program(session)
    cards, amount = _write_off(session, _lapsed(session, program, as_of, inclusive),
                               day_id=day_id, user_id=user_id)
    return ExpiryResult(cards, amount, as_of)


def _plan(session: Session, as_of: dt.date | None) -> tuple[Program, dt.date, dt.date]:
    """The program, the business date, and the date to expire as of (refused when later
    than the business date)."""
    program = store.current_program(session)
    today = store.selling_date(session)
    as_of = as_of or today
    if as_of > today:
        raise Refused(_("cashback cannot be expired as of {date}: the business day is"
                        " {today}").format(date=date_text(as_of), today=date_text(today)))
    return program, today, as_of


_LAST_ENTRY = select(func.coalesce(func.max(LedgerEntry.id), 0))


def expire(db: Database, *, actor: Actor | None, as_of: dt.date | None = None) -> ExpiryResult:
    """Write off lapsed cashback as of ``as_of`` (default: the business date of the open
    day, or of the day the next entry opens), into the open business day.

    Lots whose last day is before ``as_of`` are written off; lots whose last day is
    ``as_of`` itself can still be spent that day and go at its close. Nothing to write off
    writes nothing and opens no day; a program without ``[expiry]`` days never expires
    anything. ``actor`` is None when the app runs it at its start.

    The ledger is read and replayed in a read transaction, so the other tills keep
    selling meanwhile; the write transaction then replays again only the lineages that
    got entries since, and writes.
    """
    with db.read() as s:
        program, today, as_of = _plan(s, as_of)
        if not program.expiry.days:
            return ExpiryResult(0, 0, as_of)
        seen = s.connection().execute(_LAST_ENTRY).scalar_one()
        lapsed = _lapsed(s, program, as_of, inclusive=False)
    if not lapsed:
        return ExpiryResult(0, 0, as_of)  # a restore since then waits for the next run
    with db.write() as s:
        now_program, now_today, _as_of = _plan(s, as_of)
        if (now_program, now_today) != (program, today):  # the program or the day moved on
            lapsed = _lapsed(s, now_program, as_of, inclusive=False)
        else:
            _catch_up(s, program, as_of, lapsed, seen)
        if not lapsed:
            return ExpiryResult(0, 0, as_of)
        day_id = store.open_day(s)
        cards, amount = _write_off(s, lapsed, day_id=day_id,
                                   user_id=actor.user_id if actor else None)
    return ExpiryResult(cards, amount, as_of)


def _catch_up(session: Session, program: Program, as_of: dt.date, lapsed: dict[int, int],
              seen: int) -> None:
    """Replay again the lineages with entries after entry ``seen`` (sales, refunds, runs
    made while ``lapsed`` was worked out) and correct ``lapsed`` for them."""
    chain = func.coalesce(Card.lineage_id, Card.id)
    touched = session.connection().execute(
        select(chain).distinct().join(LedgerEntry, LedgerEntry.card_id == Card.id)
        .where(LedgerEntry.id > seen)).scalars().all()
    for lineage in touched:
        with _REPLAYS.replay(session, lineage, program) as replay:
            amount = replay.lots().expired(as_of)
        if amount > 0:
            lapsed[lineage] = amount
        else:
            lapsed.pop(lineage, None)


def expire_on_start(db: Database) -> ExpiryResult | None:
    """The app's expiry run when it starts: None when there is no shop yet, or when the
    day the entries would go into needs a manager to open it first (the close of that
    day, or the next start, writes them off then)."""
    if not store.is_initialised(db):
        return None
    try:
        return expire(db, actor=None)
    except DayNeedsConfirmation as waiting:
        log.info("cashback expiry waits for a manager to open the day: %s", waiting)
        return None


# ---------------------------------------------------------------- verify


CHECK_LIMIT = 20  # problems reported, as verify's other checks


def lots_match_balances(session: Session) -> list[str]:
    """Every lineage's cashback lots, replayed from its ledger entries, add up to the
    balances of its cards, and no debit took more than the lots held (no lot below zero).
    Without ``[expiry]`` the lots are the ledger sums the other checks compare already."""
    try:
        program = store.current_program(session)
    except Refused:
        return []  # no shop, or a program that does not read: other checks say so
    if not program.expiry.days and not program.expiry.lock_days:
        return []
    conn = session.connection()
    chain = func.coalesce(Card.lineage_id, Card.id)
    balances = dict(conn.execute(select(chain, func.sum(Card.balance)).group_by(chain)).all())
    numbers = dict(conn.execute(select(chain, func.max(Card.number))
                                .where(Card.replaced_by_id.is_(None)).group_by(chain)).all())
    problems = []
    for lineage, lots in _stream(session, program, None):
        number = numbers.get(lineage, lineage)
        total, balance = lots.total, int(balances.get(lineage) or 0)
        if total != balance:
            problems.append(_("card {number}: its cashback lots add up to {lots} but its"
                              " balance is {balance}").format(number=number, lots=total,
                                                              balance=balance))
        problems += [_("card {number}: ledger entry {entry} ({kind}) takes {missing} more"
                       " than its cashback lots hold").format(
            number=number, entry=short.entry_id, kind=short.kind, missing=short.missing)
            for short in lots.shortfalls]
        if len(problems) >= CHECK_LIMIT:
            break
    return problems[:CHECK_LIMIT]


# ---------------------------------------------------------------- reminders


def expiring_customers(db: Database, *, actor: Actor, within_days: int,
                       on: dt.date | None = None) -> list[Expiring]:
    """The customers who agreed to marketing whose cashback lapses from business date
    ``on`` (default: today's business date) to ``within_days`` days later, that day
    included, soonest first (manager; audited). Bearer cards and customers without
    consent are never listed."""
    require_manager(actor, _("the list of expiring cashback"))
    if isinstance(within_days, bool) or not 0 <= within_days <= MAX_REMINDER_DAYS:
        raise Refused(_("the reminder covers 0 to {most} days, not {days}").format(
            most=MAX_REMINDER_DAYS, days=within_days))
    with db.read() as s:
        program = store.current_program(s)
        on = on or store.selling_date(s)
        found = _expiring(s, program, on, on + dt.timedelta(days=within_days))
    with db.write() as s:
        audit(s, actor, "expiry_reminders", on.isoformat(), days=within_days, rows=len(found))
    return found


def _expiring(session: Session, program: Program, on: dt.date,
              until: dt.date) -> list[Expiring]:
    days = program.expiry.days
    if not days:
        return []
    last_credit = until - dt.timedelta(days=days)
    consenting = ("SELECT COALESCE(c.lineage_id, c.id) FROM cards c"
                  " LEFT JOIN customers p ON p.id = c.customer_id"
                  " GROUP BY COALESCE(c.lineage_id, c.id)"
                  " HAVING SUM(c.balance) > 0"
                  " AND MAX(CASE WHEN c.replaced_by_id IS NULL AND p.marketing_consent"
                  " THEN 1 ELSE 0 END) = 1"
                  f" AND {_issued_by(session, last_credit, 'c.day_id')}")
    due = {}
    for lineage, lots in _stream(session, program, consenting):
        soon = lots.expiring(on, until)
        if soon is not None:
            due[lineage] = soon
    if not due:
        return []
    found = []
    chain = func.coalesce(Card.lineage_id, Card.id)
    lineages = list(due)
    for first in range(0, len(lineages), 500):
        rows = session.execute(
            select(chain, Card.number, Customer.name, Customer.phone, Customer.email)
            .join(Customer, Customer.id == Card.customer_id)
            .where(chain.in_(lineages[first:first + 500]), Card.replaced_by_id.is_(None),
                   Customer.marketing_consent.is_(True)))
        for lineage, number, name, phone, email in rows:
            date, amount = due[lineage]
            found.append(Expiring(number, name, phone, email, amount, date))
    found.sort(key=lambda row: (row.date, row.card))
    return found


CSV_COLUMNS = ("card", "name", "phone", "email", "amount", "expires_on")


def write_reminders(db: Database, *, actor: Actor, rows: list[Expiring], path: str | Path,
                    within_days: int) -> int:
    """Write the customers of :func:`expiring_customers` to a CSV file for a reminder
    (manager; audited as ``customers_export`` once the file is in place); returns how many.
    A name or e-mail that starts like a spreadsheet formula gets a leading apostrophe."""
    require_manager(actor, _("exporting customers"))
    currency = store.program_in_force(db).currency

    def write(handle) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        out = csv.writer(text)
        out.writerow(CSV_COLUMNS)
        for row in rows:
            # A phone is digits and a leading + (stored so): written as it is.
            out.writerow([row.card, csv_text(row.name), row.phone or "",
                          csv_text(row.email), fmt(row.amount, currency), row.date.isoformat()])
        text.flush()
        text.detach()

    write_atomic(path, write)
    with db.write() as s:
        audit(s, actor, "customers_export", f"expiring within {within_days} days",
              rows=len(rows), file=str(path))
    return len(rows)
