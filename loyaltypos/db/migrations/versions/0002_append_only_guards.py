"""Database guards: facts are append-only and a closed day takes nothing new.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FACT_TABLES = (
    "ledger_entries",
    "audit_log",
    "sales",
    "sale_lines",
    "payments",
    "refunds",
    "refund_lines",
    "programs",
)
DAY_TABLES = ("sales", "refunds", "payments", "ledger_entries")


def _sqlite() -> None:
    for table in FACT_TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
            )
    for table in DAY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_open_day BEFORE INSERT ON {table} "
            "WHEN (SELECT closed_at FROM business_days WHERE id = NEW.day_id) IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'that business day is closed'); END"
        )
    op.execute(
        "CREATE TRIGGER business_days_frozen BEFORE UPDATE ON business_days "
        "WHEN OLD.closed_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'a closed business day cannot change'); END"
    )
    op.execute(
        "CREATE TRIGGER business_days_no_delete BEFORE DELETE ON business_days "
        "BEGIN SELECT RAISE(ABORT, 'business days are never deleted'); END"
    )


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION loyaltypos_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_open_day() RETURNS trigger AS $$ BEGIN "
        "IF (SELECT closed_at FROM business_days WHERE id = NEW.day_id) IS NOT NULL THEN "
        "RAISE EXCEPTION 'that business day is closed'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_day_frozen() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' OR OLD.closed_at IS NOT NULL THEN "
        "RAISE EXCEPTION 'a closed business day cannot change'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql"
    )
    for table in FACT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION loyaltypos_append_only()"
        )
    for table in DAY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_open_day BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION loyaltypos_open_day()"
        )
    op.execute(
        "CREATE TRIGGER business_days_frozen BEFORE UPDATE OR DELETE ON business_days "
        "FOR EACH ROW EXECUTE FUNCTION loyaltypos_day_frozen()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite()
    elif dialect == "postgresql":
        _postgresql()
    else:
        raise RuntimeError(f"no append-only guards written for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        names = [f"{t}_no_{v}" for t in FACT_TABLES for v in ("update", "delete")]
        names += [f"{t}_open_day" for t in DAY_TABLES]
        names += ["business_days_frozen", "business_days_no_delete"]
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in FACT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for table in DAY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_open_day ON {table}")
        op.execute("DROP TRIGGER IF EXISTS business_days_frozen ON business_days")
        for fn in ("loyaltypos_append_only", "loyaltypos_open_day", "loyaltypos_day_frozen"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
