"""Posting to the ledger: every balance change is one entry, written once.

The card's cached balance moves in the same transaction as the entry, so the
cache and the sum of entries can only disagree if something outside the
services wrote to the database; ``verify`` proves they agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from loyaltypos.db.models import LEDGER_KINDS, Card, LedgerEntry
from loyaltypos.db.places import place_of
from loyaltypos.domain import clock
from loyaltypos.domain.errors import NotEnoughBalance
from loyaltypos.domain.i18n import _

# The sign each kind of entry must have.
POSITIVE = {"earn", "refund_restore", "transfer_in", "bonus_welcome", "bonus_stamps",
            "bonus_birthday", "bonus_referral"}
NEGATIVE = {"redeem", "refund_reverse", "transfer_out", "expire", "reverse_stamps",
            "reverse_birthday", "reverse_referral"}


def entry_row(
    card_id: int,
    number: str,
    balance: int,
    kind: str,
    amount: int,
    *,
    day_id: int,
    till_id: int,
    user_id: int | None,
    sale_id: str | None = None,
    refund_id: str | None = None,
    note: str | None = None,
    corrects_id: int | None = None,
    at: dt.datetime | None = None,
) -> dict:
    """Check one entry against the rules and return its row; refuses a negative balance.

    ``at`` is the entry's stamp (the caller's day-aware stamp; the clock if None).
    """
    if kind not in LEDGER_KINDS:
        raise ValueError(f"unknown ledger kind {kind}")
    if (kind in POSITIVE and amount < 0) or (kind in NEGATIVE and amount > 0):
        raise ValueError(f"a {kind} entry cannot be {amount}")
    if balance + amount < 0:
        raise NotEnoughBalance(
            _("card {number} holds less than this takes; the balance cannot go below zero").format(
                number=number)
        )
    return {
        "card_id": card_id, "kind": kind, "amount": amount, "sale_id": sale_id,
        "refund_id": refund_id, "user_id": user_id, "day_id": day_id,
        "till_id": till_id, "created_at": at or clock.now(), "note": note,
        "corrects_id": corrects_id,
    }


def post(session: Session, card: Card, kind: str, amount: int, **where) -> LedgerEntry | None:
    """Append one entry and move the card's cached balance; a zero amount writes nothing.

    ``where`` takes the keyword arguments of :func:`entry_row` (day_id, user_id, ...);
    the till is the session's own (:func:`loyaltypos.db.places.place_of`).
    """
    if amount == 0:
        return None
    where.setdefault("till_id", place_of(session).till_id)
    entry = LedgerEntry(**entry_row(card.id, card.number, card.balance, kind, amount, **where))
    session.add(entry)
    card.balance += amount
    return entry
