"""The audit log: who did which manager action, when, to what."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from loyaltypos.db.models import AuditEntry
from loyaltypos.domain import clock

if TYPE_CHECKING:
    from loyaltypos.domain.people import Actor


def audit(session: Session, actor: Actor | None, action: str, target: str | None,
          **detail: object) -> None:
    """Append one audit row inside the caller's transaction, written at once.

    The database lets a user, card, customer, setting or open day change only right
    after the audit line that says so (migration 0006): call this first, then make the
    change. Changes still pending when it is called are written with it.
    """
    session.add(
        AuditEntry(
            user_id=actor.user_id if actor else None,
            action=action,
            target=target,
            detail=json.dumps(detail, default=str, ensure_ascii=False) if detail else None,
            created_at=clock.now(),
        )
    )
    session.flush()
