"""Receipt, refund and Z numbers: each shop's own, gapless, in the order they were written.

Numbered per shop, not per till: a shop's receipts, refunds and Z reports make one run
of numbers, as its books and an inspector expect, whatever till printed them; the
receipt's barcode says the shop too, so it is unique in the program
(:mod:`loyaltypos.domain.scan`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def next_number(session: Session, column, *where) -> int:
    """The next number of ``column`` among the rows ``where`` picks (a shop's); write
    transactions are serialised (SQLite's write lock, the advisory lock on a server), so
    max + 1 read inside one is safe."""
    query = select(func.max(column)).where(*where)
    return (session.connection().execute(query).scalar() or 0) + 1


def storable(number: int) -> bool:
    """``number`` fits the database's 64-bit integers: anything else matches no row (and
    would make the driver fail instead of finding nothing)."""
    return isinstance(number, int) and -(2**63) <= number < 2**63
