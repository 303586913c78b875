"""Where a customer stands, read from the insight snapshot: one primary-key read, so a
card scan never sums a customer's sales (the snapshot is refreshed at day close and by the
Insight window; see services/insight.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from loyaltypos.analytics import insight as figures
from loyaltypos.db.models import InsightSnapshot
from loyaltypos.domain import clock
from loyaltypos.domain.cards import Standing
from loyaltypos.domain.program import InsightRules

_ROW = (select(InsightSnapshot.as_of, InsightSnapshot.step, InsightSnapshot.segment,
               InsightSnapshot.purchases, InsightSnapshot.first_date, InsightSnapshot.last_date,
               InsightSnapshot.months_bought)
        .where(InsightSnapshot.lineage_id == bindparam("lineage")))


def snapshot_of(session: Session, lineage_id: int) -> figures.Snapshot | None:
    """The customer's snapshot row, if they had bought by its last refresh (a plain row:
    this is on the scan's path, where an ORM object costs more than the read)."""
    row = session.connection().execute(_ROW, {"lineage": lineage_id}).first()
    return None if row is None else figures.Snapshot(*row)


def standing_of(session: Session, lineage_id: int, rules: InsightRules,
                today: dt.date | None = None) -> Standing:
    """The customer's step, segment and advice for the till."""
    snap = snapshot_of(session, lineage_id)
    advice = figures.advice(snap, today or clock.local_today(), rules)
    if snap is None:
        return Standing(None, None, advice, None)
    return Standing(snap.step, snap.segment, advice, snap.as_of)
