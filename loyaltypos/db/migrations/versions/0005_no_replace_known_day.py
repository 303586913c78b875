"""Facts cannot be replaced, and every fact names a business day that exists.

SQLite's ``INSERT OR REPLACE`` / ``REPLACE INTO`` deletes the row in the way without
firing DELETE triggers (unless ``recursive_triggers`` is on, which a plain sqlite3 shell
does not set), and ``INSERT ... ON CONFLICT DO UPDATE`` rewrites it: 0002's UPDATE and
DELETE triggers never see either. A BEFORE INSERT trigger fires before the conflict is
resolved, so refusing an insert whose primary key or UNIQUE value is already taken
stops all three at the root. An ordinary insert that collides fails either way (it is a
constraint error in both cases), so the application sees no difference.

0002's closed-day trigger looks the day up and lets a NULL or unknown ``day_id`` through
(the look-up yields NULL); these refuse both. PostgreSQL has no REPLACE and its
``ON CONFLICT DO UPDATE`` fires 0002's UPDATE trigger, so there only the day guard is new.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The tables 0002 guards (copied: a migration is frozen), plus business_days, whose closed
# rows 0002 freezes against UPDATE and DELETE and so must not be replaceable either.
# Each maps to the keys a row must not share with an existing one: the primary key and
# every UNIQUE constraint.
KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ledger_entries": (("id",),),
    "audit_log": (("id",),),
    "sales": (("id",), ("receipt_no",)),
    "sale_lines": (("id",), ("sale_id", "line_no")),
    "payments": (("id",),),
    "refunds": (("id",), ("refund_no",)),
    "refund_lines": (("id",),),
    "programs": (("id",),),
    "business_days": (("id",), ("business_date",), ("z_number",)),
}
DAY_TABLES = ("sales", "refunds", "payments", "ledger_entries")


def _taken(table: str, columns: tuple[str, ...]) -> str:
    where = " AND ".join(f"{c} = NEW.{c}" for c in columns)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {where})"


def _sqlite() -> None:
    for table, keys in KEYS.items():
        taken = " OR ".join(_taken(table, cols) for cols in keys)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {taken} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are facts: a row with this key "
            "already exists and is never replaced'); END"
        )
    for table in DAY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_known_day BEFORE INSERT ON {table} "
            "WHEN NEW.day_id IS NULL "
            "OR NOT EXISTS (SELECT 1 FROM business_days WHERE id = NEW.day_id) "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows need an existing business day'); END"
        )


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION loyaltypos_known_day() RETURNS trigger AS $$ BEGIN "
        "IF NEW.day_id IS NULL OR NOT EXISTS "
        "(SELECT 1 FROM business_days WHERE id = NEW.day_id) THEN "
        "RAISE EXCEPTION '% rows need an existing business day', TG_TABLE_NAME; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    for table in DAY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_known_day BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION loyaltypos_known_day()"
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
        for table in KEYS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        for table in DAY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_known_day")
    else:
        for table in DAY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_known_day ON {table}")
        op.execute("DROP FUNCTION IF EXISTS loyaltypos_known_day()")
