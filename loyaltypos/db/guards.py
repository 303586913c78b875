"""The ORM half of the append-only rule (the database's triggers are the other half).

Facts are written once: a flush that would change or delete a ledger entry, an audit
entry or a program version is refused before any SQL is sent.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from loyaltypos.db.models import (
    AuditEntry,
    HistoryImport,
    ImportedPurchase,
    LedgerEntry,
    NpsResponse,
    ProgramVersion,
    Referral,
)
from loyaltypos.domain.errors import LedgerIsAppendOnly
from loyaltypos.domain.i18n import _


def refuse_changed_facts(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        is_fact = isinstance(obj, LedgerEntry | AuditEntry | ProgramVersion | NpsResponse
                                   | HistoryImport | ImportedPurchase | Referral)
        if is_fact and (obj in session.deleted or session.is_modified(obj)):
            raise LedgerIsAppendOnly(
                _("{table} rows are facts: write a correcting entry instead").format(
                    table=type(obj).__name__)
            )


# The triggers migrations 0002, 0005 and 0006 install (copied here: a migration is frozen,
# this list is what `verify` proves is still in place).
FACT_TABLES = ("ledger_entries", "audit_log", "sales", "sale_lines", "payments", "refunds",
               "refund_lines", "programs")
DAY_TABLES = ("sales", "refunds", "payments", "ledger_entries")
STAMPED_TABLES = ("sales", "refunds", "ledger_entries")
# Tables the services change, each change only right after its audit line (0006).
AUDITED_TABLES = ("users", "cards", "customers", "settings")


def expected_triggers(dialect: str) -> set[str]:
    """The names of the append-only and closed-day triggers a database must have."""
    if dialect == "sqlite":
        names = {f"{t}_no_{verb}" for t in FACT_TABLES for verb in ("update", "delete")}
        names.add("business_days_no_delete")
        names |= {f"{t}_no_replace" for t in (*FACT_TABLES, "business_days")}
        names |= {"users_add_audited", "users_change_audited", "cards_new_clean",
                  "cards_change_audited", "customers_change_audited", "settings_add_audited",
                  "settings_change_audited", "business_days_open_fixed"}
    else:
        names = {f"{t}_append_only" for t in FACT_TABLES}
        names |= {f"{t}_audited" for t in (*AUDITED_TABLES, "business_days")}
    names |= {f"{t}_no_delete" for t in AUDITED_TABLES}
    names |= {f"{t}_after_opening" for t in STAMPED_TABLES}
    # 0007: NPS answers are facts of a day, like sales
    nps = "nps_responses"
    if dialect == "sqlite":
        names |= {f"{nps}_{s}" for s in ("no_update", "no_delete", "no_replace")}
    else:
        names.add(f"{nps}_append_only")
    names |= {f"{nps}_{s}" for s in ("open_day", "known_day", "after_opening")}
    # 0008: imported history and referrals are written once
    # 0009: gifts a stamp earned, likewise
    for table in ("history_imports", "imported_purchases", "referrals", "gifts"):
        if dialect == "sqlite":
            names |= {f"{table}_{s}" for s in ("no_update", "no_delete", "no_replace")}
        else:
            names.add(f"{table}_append_only")
    names |= {f"{t}_open_day" for t in DAY_TABLES}
    names |= {f"{t}_known_day" for t in DAY_TABLES}
    names.add("business_days_frozen")
    if dialect != "sqlite":  # 0011: no TRUNCATE of any of those tables
        names |= {f"{t}_no_truncate" for t in (
            *FACT_TABLES, nps, "history_imports", "imported_purchases", "referrals", "gifts",
            "business_days", *AUDITED_TABLES)}
    return names


def installed_triggers(session: Session) -> set[str]:
    """The names of the triggers the database has now."""
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return set(session.execute(text(query)).scalars())


def missing_triggers(session: Session) -> set[str]:
    """The guards that are gone: empty on a sound database."""
    return expected_triggers(session.get_bind().dialect.name) - installed_triggers(session)
