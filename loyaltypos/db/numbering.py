"""Receipt, refund and Z numbers: gapless, in the order they were written."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def next_number(session: Session, column) -> int:
    """The next number of ``column``; write transactions are serialised, so max + 1 is safe."""
    return (session.connection().execute(select(func.max(column))).scalar() or 0) + 1
