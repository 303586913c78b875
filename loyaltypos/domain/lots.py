"""Cashback lots: when each part of a balance was credited, when it lapses, what took it.

Lots are not stored. They are worked out by replaying a card lineage's ledger entries in
id order (the append-only ledger stays the one source of truth), with the program's
``[expiry]`` days and lock days (docs/RULES-DECISIONS.md, "Cashback expiry"):

- every credit makes a lot: credited on business date C, it can be spent up to and
  including E = C + days (never lapses when days is 0); an ``earn`` lot is locked until
  U = C + lock_days, any other credit is spendable at once;
- ``transfer_in`` and ``transfer_out`` move a balance inside the lineage (a replaced
  card): the lots move with their dates, so the replay leaves them out;
- ``redeem`` takes from the lots it may spend on its date (U reached, E not passed),
  earliest E first, ties in credit order, and remembers what it took from which lot;
- ``refund_restore`` puts the amount back where that sale's redemption took it from,
  last-taken first, with the lots' own dates (a refund never extends a date); what is
  beyond that is a new lot;
- ``refund_reverse`` takes from the ``earn`` lot of its sale first, then from locked
  lots newest first, then first-in first-out; ``reverse_X`` from the ``bonus_X`` lot of
  its sale first, then first-in first-out; ``expire`` from the lots whose E is not after
  its date; a negative ``adjust`` (and any other debit) first-in first-out.

First-in first-out is earliest E first, ties in credit order, locked lots last. A debit
whose own lots do not hold enough takes the rest first-in first-out from any lot: the
program's expiry may have changed since the entry was written. Only when the lineage's
lots together hold less than a debit takes is that a :class:`Shortfall`; a lot never goes
below zero.

Dates are day ordinals inside (``date.toordinal()``): a million entries are replayed in
seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

NEVER = 1 << 40  # the last day of cashback that never lapses: after every real date
REVERSALS = {"reverse_stamps": "bonus_stamps", "reverse_birthday": "bonus_birthday",
             "reverse_referral": "bonus_referral"}
# A lot inside the replay: [amount left, last day, unlock day, credit order, kind, sale id,
# credited], dates as ordinals; the credit order is also the lot's index.
_AMOUNT, _LAST, _UNLOCK, _SEQ, _KIND, _SALE, _CREDITED = range(7)
_by_expiry = itemgetter(_LAST, _SEQ)


class Entry(NamedTuple):
    """One ledger entry as the replay needs it; ``date`` is its business date."""

    id: int
    kind: str
    amount: int  # signed minor units
    sale_id: str | None
    date: dt.date


class Shortfall(NamedTuple):
    """A debit that found less in the lineage's lots than it takes."""

    entry_id: int
    kind: str
    missing: int  # minor units the lots lacked


class Lot(NamedTuple):
    """Money credited together: its source, its dates, what is left of it."""

    seq: int  # credit order
    kind: str
    sale_id: str | None
    credited: dt.date
    expires: dt.date | None  # the last day it can be spent; None: never lapses
    unlocks: dt.date  # the first day it can be spent
    amount: int


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


class Lots:
    """The lots of one lineage after a replay, and what they hold on a given date."""

    def __init__(self, lots: list[list], shortfalls: list[Shortfall]) -> None:
        self._lots = lots
        self.shortfalls = tuple(shortfalls)

    def copy(self) -> Lots:
        """The lots with money left, copied: a replay carried on leaves them as they are."""
        return Lots([lot[:] for lot in self._lots if lot[_AMOUNT]], list(self.shortfalls))

    @property
    def lots(self) -> tuple[Lot, ...]:
        """The lots with money left, in credit order."""
        return tuple(Lot(lot[_SEQ], lot[_KIND], lot[_SALE], _day(lot[_CREDITED]),
                         None if lot[_LAST] == NEVER else _day(lot[_LAST]), _day(lot[_UNLOCK]),
                         lot[_AMOUNT]) for lot in self._lots if lot[_AMOUNT])

    @property
    def total(self) -> int:
        """Everything the lots hold: the lineage's balance, when the ledger is whole."""
        return sum(lot[_AMOUNT] for lot in self._lots)

    def spendable(self, on: dt.date) -> int:
        """What a sale on business date ``on`` may spend: unlocked lots whose last day is
        ``on`` or later."""
        day = on.toordinal()
        return sum(lot[_AMOUNT] for lot in self._lots
                   if lot[_UNLOCK] <= day <= lot[_LAST])

    def locked(self, on: dt.date) -> int:
        """What is still locked on ``on`` (earned, not spendable before its unlock date)."""
        day = on.toordinal()
        return sum(lot[_AMOUNT] for lot in self._lots if lot[_UNLOCK] > day)

    def expired(self, as_of: dt.date, *, inclusive: bool = False) -> int:
        """What an expiry run as of ``as_of`` writes off: lots whose last day is before it
        (``inclusive``: on or before it, as the close of business day ``as_of`` does)."""
        day = as_of.toordinal() + (1 if inclusive else 0)
        return sum(lot[_AMOUNT] for lot in self._lots if lot[_LAST] < day)

    def next_expiry(self, on: dt.date) -> tuple[dt.date, int] | None:
        """The earliest last day on or after ``on`` of a lot with money left, and how much
        lapses after it; None when nothing will."""
        return self.expiring(on, None)

    def expiring(self, on: dt.date, until: dt.date | None) -> tuple[dt.date, int] | None:
        """The earliest last day from ``on`` to ``until`` (None: any) of a lot with money
        left, and everything lapsing in that span (with ``until`` None: on that first day)."""
        first, last = on.toordinal(), (until.toordinal() if until else NEVER - 1)
        within = [lot for lot in self._lots if lot[_AMOUNT] and first <= lot[_LAST] <= last]
        if not within:
            return None
        soonest = min(lot[_LAST] for lot in within)
        return _day(soonest), sum(lot[_AMOUNT] for lot in within
                                  if until is not None or lot[_LAST] == soonest)


def _take(lots: Iterable[list], need: int, record: list | None = None) -> int:
    """Take up to ``need`` from ``lots`` in their order; returns what is still needed."""
    for lot in lots:
        have = lot[_AMOUNT]
        if have <= 0:
            continue
        part = have if have < need else need
        lot[_AMOUNT] = have - part
        if record is not None:
            record.append([lot, part])
        need -= part
        if not need:
            return 0
    return need


def _fifo(live: Iterable[list], on: int, need: int, record: list | None = None) -> int:
    """First-in first-out: unlocked lots earliest E first, then the locked ones."""
    locked: list[list] = []

    def unlocked() -> Iterator[list]:
        for lot in live:
            if lot[_UNLOCK] > on:
                locked.append(lot)
            else:
                yield lot

    need = _take(unlocked(), need, record)
    return _take(locked, need, record) if need and locked else need


class Replay:
    """A lineage's replay that can be carried on: feed it the lineage's entries in id
    order, in as many batches as they come, and read its lots after any batch.

    ``ordinal[day]`` is the day ordinal of an entry's business date. ``count`` and
    ``last_id`` say how many entries were fed and the last one's id.
    """

    def __init__(self, *, days: int, lock_days: int, ordinal: Mapping) -> None:
        self.days, self.lock_days, self.ordinal = days, lock_days, ordinal
        self.count, self.last_id = 0, None
        self._lots: list[list] = []
        self._head = 0  # lots before this index are empty
        self._in_order = True  # credit order is also earliest-E order: dates never went back
        self._latest = 0
        self._source: dict[tuple[str, str], list] = {}  # (kind, sale id) -> its lot
        self._taken: dict[str, list[list]] = {}  # sale id -> [[lot, amount], ...] it took
        self._shortfalls: list[Shortfall] = []
        # What spendable() last answered, for which day: kept up to date by every batch
        # fed since (a lot's dates never change, only its amount), so a till asking at
        # every sale does not sum every lot again.
        self._spend_day: int | None = None
        self._spend_value = 0

    def spendable(self, on: dt.date) -> int:
        """What a sale on business date ``on`` may spend (as :meth:`Lots.spendable`)."""
        day = on.toordinal()
        if self._spend_day != day:
            self._spend_value = self.lots().spendable(on)
            self._spend_day = day
        return self._spend_value

    def lots(self) -> Lots:
        """The lots now, as a view that later batches change."""
        return Lots(self._lots, self._shortfalls)

    def feed(self, rows: Iterable[tuple]) -> Replay:
        """Replay rows of ``(key, id, kind, amount, sale_id, day)`` in id order, as a
        database cursor gives them (``key`` is not read)."""
        lots, head, in_order, latest = self._lots, self._head, self._in_order, self._latest
        source, taken, shortfalls = self._source, self._taken, self._shortfalls
        days, lock_days, ordinal = self.days, self.lock_days, self.ordinal
        count, last_id = self.count, self.last_id
        track, value = self._spend_day, self._spend_value  # track: None, or a day ordinal
        moved: list | None = None
        for _key, entry_id, kind, amount, sale_id, day in rows:
            count += 1
            last_id = entry_id
            if amount > 0:
                if kind == "transfer_in":
                    continue  # a replacement: the lots moved with their dates
                on = ordinal[day]
                if kind == "refund_restore" and sale_id in taken:
                    for record in reversed(taken[sale_id]):
                        lot, part = record
                        back = part if part < amount else amount
                        if back:
                            lot[_AMOUNT] += back
                            record[1] = part - back
                            amount -= back
                            head = min(head, lot[_SEQ])
                            if track is not None and lot[_UNLOCK] <= track <= lot[_LAST]:
                                value += back
                            if not amount:
                                break
                    if not amount:
                        continue
                lot = [amount, on + days if days else NEVER,
                       on + lock_days if kind == "earn" else on, len(lots), kind, sale_id, on]
                lots.append(lot)
                if track is not None and lot[_UNLOCK] <= track <= lot[_LAST]:
                    value += amount
                if on < latest:
                    in_order = False
                else:
                    latest = on
                if sale_id is not None and (kind, sale_id) not in source:
                    source[kind, sale_id] = lot
                continue
            if not amount or kind == "transfer_out":
                continue
            on = ordinal[day]
            need = -amount
            while head < len(lots) and not lots[head][_AMOUNT]:
                head += 1
            live = islice(lots, head, None) if in_order else sorted(lots[head:], key=_by_expiry)
            if track is not None:
                moved = []
            if kind == "redeem":
                record = taken.setdefault(sale_id, []) if sale_id is not None else moved
                before = len(record) if record is not None else 0
                spendable = []
                for lot in live:
                    if lot[_AMOUNT] and lot[_UNLOCK] <= on <= lot[_LAST]:
                        spendable.append(lot)
                        if lot[_AMOUNT] >= need:
                            break
                        need -= lot[_AMOUNT]  # only counted here; taken below
                need = _take(spendable, -amount, record)
                if need:
                    need = _fifo(_ordered(lots, head, in_order), on, need, record)
                if track is not None and record is not moved:
                    moved = record[before:]
            else:
                if kind == "refund_reverse":
                    own = source.get(("earn", sale_id)) if sale_id is not None else None
                    if own is not None:
                        need = _take((own,), need, moved)
                    if need:
                        locked = [lot for lot in live if lot[_AMOUNT] and lot[_UNLOCK] > on]
                        need = _take(reversed(locked), need, moved)  # newest first
                elif kind in REVERSALS:
                    own = source.get((REVERSALS[kind], sale_id)) if sale_id is not None else None
                    if own is not None:
                        need = _take((own,), need, moved)
                elif kind == "expire":
                    need = _take((lot for lot in live if lot[_LAST] <= on), need, moved)
                if need:
                    need = _fifo(_ordered(lots, head, in_order), on, need, moved)
            if moved:
                for lot, part in moved:
                    if lot[_UNLOCK] <= track <= lot[_LAST]:
                        value -= part
            if need:
                shortfalls.append(Shortfall(entry_id, kind, need))
        self._head, self._in_order, self._latest = head, in_order, latest
        self.count, self.last_id = count, last_id
        self._spend_value = value
        return self


def replay_rows(rows: Iterable[tuple], *, days: int, lock_days: int,
                ordinal: Mapping) -> Lots:
    """The lots of one lineage from rows of ``(key, id, kind, amount, sale_id, day)`` in id
    order, as a database cursor gives them (``key`` is not read); ``ordinal[day]`` is the
    day ordinal of an entry's business date."""
    return Replay(days=days, lock_days=lock_days, ordinal=ordinal).feed(rows).lots()


def _ordered(lots: list[list], head: int, in_order: bool) -> Iterable[list]:
    return islice(lots, head, None) if in_order else sorted(lots[head:], key=_by_expiry)


class _Ordinals(dict):
    def __missing__(self, date: dt.date) -> int:
        self[date] = value = date.toordinal()
        return value


def replay(entries: Iterable[Entry], *, days: int, lock_days: int = 0) -> Lots:
    """The lots of one lineage: its entries replayed in the order given (id order)."""
    return replay_rows(((None, *entry) for entry in entries), days=days, lock_days=lock_days,
                       ordinal=_Ordinals())
