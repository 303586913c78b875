"""The time the shop runs on: UTC for stored stamps, the till's local zone for days and hours.

Tests and data generators move time with :func:`frozen_at`; nothing else
reads the system clock directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time in UTC, without a zone, as the database stores it."""
    if _fixed is not None:
        return _fixed
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_local(stamp: dt.datetime) -> dt.datetime:
    """A stored UTC stamp in the till's local zone."""
    return stamp.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def to_zone(stamp: dt.datetime, zone: str | None) -> dt.datetime:
    """A stored UTC stamp as a clock in time zone ``zone`` shows it (None: the till's)."""
    if zone is None:
        return to_local(stamp)
    return stamp.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def local_today() -> dt.date:
    return to_local(now()).date()


@contextmanager
def frozen_at(stamp: dt.datetime) -> Iterator[None]:
    """Run the block as if the clock showed ``stamp`` (UTC, naive)."""
    global _fixed
    previous, _fixed = _fixed, stamp
    try:
        yield
    finally:
        _fixed = previous
