"""Receipt, refund and Z numbers: gapless, in the order they were written."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def next_number(session: Session, column) -> int:
    """The next number of ``column``; write transactions are serialised, so max + 1 is safe."""
    return (session.connection().execute(select(func.max(column))).scalar() or 0) + 1


def storable(number: int) -> bool:
    """``number`` fits the database's 64-bit integers: anything else matches no row (and
    would make the driver fail instead of finding nothing)."""
    return isinstance(number, int) and -(2**63) <= number < 2**63
