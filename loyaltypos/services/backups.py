"""Copying the shop's database: a manager's act, audited, since the copy holds every
customer's details and every user's PIN hash."""

from __future__ import annotations

from pathlib import Path

from loyaltypos.db import Database
from loyaltypos.db.backup import backup
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services.audit import audit


def back_up(db: Database, *, actor: Actor, target: str | Path) -> Path:
    """Write a checked copy of the database to ``target`` (manager; audited).

    The audit line is written once the copy is in place: a refused or failed copy
    changes nothing (the copy itself does not hold the line that made it).
    """
    require_manager(actor, _("copying the database"))
    written = backup(db, target)
    with db.write() as s:
        audit(s, actor, "backup", written.name[:120], path=str(written))
    return written
