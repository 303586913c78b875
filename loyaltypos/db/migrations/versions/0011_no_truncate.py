"""PostgreSQL: TRUNCATE is refused on every table whose rows are facts or are never deleted.

TRUNCATE removes rows without firing the row-level DELETE triggers of 0002 and later; a
statement-level BEFORE TRUNCATE trigger on each such table refuses it the same way. SQLite
has no TRUNCATE (its ``DELETE FROM t`` fires the row triggers), so nothing changes there.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Copied, as a migration is frozen: the append-only tables of 0002, 0007, 0008 and 0009,
# the closed days, and the tables whose rows 0006 never lets be deleted.
TABLES = ("ledger_entries", "audit_log", "sales", "sale_lines", "payments", "refunds",
          "refund_lines", "programs", "nps_responses", "history_imports",
          "imported_purchases", "referrals", "gifts", "business_days", "users", "cards",
          "customers", "settings")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:  # the function of 0002 says which table refused
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION loyaltypos_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
