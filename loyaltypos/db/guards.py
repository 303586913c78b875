"""The ORM half of the append-only rule (the database's triggers are the other half).

Facts are written once: a flush that would change or delete a ledger entry, an audit
entry or a program version is refused before any SQL is sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyaltypos.db.models import AuditEntry, LedgerEntry, ProgramVersion
from loyaltypos.domain.errors import LedgerIsAppendOnly
from loyaltypos.domain.i18n import _


def refuse_changed_facts(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        is_fact = isinstance(obj, LedgerEntry | AuditEntry | ProgramVersion)
        if is_fact and (obj in session.deleted or session.is_modified(obj)):
            raise LedgerIsAppendOnly(
                _("{table} rows are facts: write a correcting entry instead").format(
                    table=type(obj).__name__)
            )
