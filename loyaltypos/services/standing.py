"""Where a customer stands, read from the insight snapshot: one primary-key read, so a
card scan never sums a customer's sales (the snapshot is refreshed at day close and by the
Insight window; see services/insight.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from loyaltypos.analytics import insight as figures
from loyaltypos.domain import clock
from loyaltypos.domain.cards import Standing
from loyaltypos.domain.program import InsightRules

_COLUMNS = ("SELECT as_of, step, segment, purchases, first_date, last_date, months_bought"
            " FROM insight_snapshot WHERE lineage_id = ")
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":1"}


def snapshot_of(session: Session, lineage_id: int) -> figures.Snapshot | None:
    """The customer's snapshot row, if they had bought by its last refresh.

    This is on the card scan's path, so it is one primary-key read on the driver's own
    cursor (a sixth of the cost of a SQLAlchemy statement, measured)."""
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_COLUMNS + _MARKS[connection.dialect.paramstyle], (lineage_id,))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    as_of, step, segment, purchases, first, last, months = row
    return figures.Snapshot(_date(as_of), step, segment, purchases, _date(first), _date(last),
                            months)


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def standing_of(session: Session, lineage_id: int, rules: InsightRules,
                today: dt.date | None = None) -> Standing:
    """The customer's step, segment and advice for the till."""
    snap = snapshot_of(session, lineage_id)
    advice = figures.advice(snap, today or clock.local_today(), rules)
    if snap is None:
        return Standing(None, None, advice, None)
    return Standing(snap.step, snap.segment, advice, snap.as_of)
