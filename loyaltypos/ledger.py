"""Posting to the ledger: every balance change is one entry, written once.

The card's cached balance moves in the same transaction as the entry, so the
cache and the sum of entries can only disagree if something outside the
services wrote to the database; ``verify`` proves they agree.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyaltypos import clock
from loyaltypos.errors import NotEnoughBalance
from loyaltypos.models import LEDGER_KINDS, Card, LedgerEntry

# The sign each kind of entry must have.
POSITIVE = {"earn", "refund_restore", "transfer_in"}
NEGATIVE = {"redeem", "refund_reverse", "transfer_out", "expire"}


def post(
    session: Session,
    card: Card,
    kind: str,
    amount: int,
    *,
    day_id: int,
    user_id: int | None,
    sale_id: str | None = None,
    refund_id: str | None = None,
    note: str | None = None,
    corrects_id: int | None = None,
) -> LedgerEntry | None:
    """Append one entry and move the card's cached balance; a zero amount writes nothing."""
    if kind not in LEDGER_KINDS:
        raise ValueError(f"unknown ledger kind {kind}")
    if amount == 0:
        return None
    if (kind in POSITIVE and amount < 0) or (kind in NEGATIVE and amount > 0):
        raise ValueError(f"a {kind} entry cannot be {amount}")
    if card.balance + amount < 0:
        raise NotEnoughBalance(
            f"card {card.number} holds less than this takes; the balance cannot go below zero"
        )
    entry = LedgerEntry(
        card_id=card.id,
        kind=kind,
        amount=amount,
        sale_id=sale_id,
        refund_id=refund_id,
        user_id=user_id,
        day_id=day_id,
        created_at=clock.now(),
        note=note,
        corrects_id=corrects_id,
    )
    session.add(entry)
    card.balance += amount
    return entry
