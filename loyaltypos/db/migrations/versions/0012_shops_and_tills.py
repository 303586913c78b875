"""Shops and tills: every sale, refund, payment, ledger entry and business day says where.

- ``shops``: a shop of the program (its name and address lines for receipts, its time
  zone; NULL name and address mean the program's own settings, NULL zone the till
  computer's). ``tills``: a till of a shop, by a name unique in the program.
- The data already stored was made at one till of one shop: shop 1 and its till 1
  ("Till 1") are made here, and every existing row is recorded there.
- ``sales`` and ``refunds`` get ``shop_id`` and ``till_id``; ``payments`` and
  ``ledger_entries`` get ``till_id`` (the till says its shop); ``business_days`` get
  ``shop_id``: a day is a shop's day, shared by its tills.
- Receipt and refund numbers, business dates and Z numbers are unique per shop, not per
  program: each shop numbers its own documents without gaps.

On SQLite a unique constraint lives in the table's definition, so the three tables whose
constraints change are rebuilt (the documented way: new table, copy, drop, rename, with
their indexes and triggers made again); on PostgreSQL the constraints are swapped in
place. Nothing is updated, so the append-only triggers never see a change.

Revision ID: 0012
Revises: 0011
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# table -> (columns added, {old unique constraint: (new name, its columns)})
REBUILT = {
    "business_days": (("shop_id",), {
        "uq_business_days_business_date": ("uq_business_days_shop_date",
                                           ("shop_id", "business_date")),
        "uq_business_days_z_number": ("uq_business_days_shop_z", ("shop_id", "z_number")),
    }),
    "sales": (("shop_id", "till_id"), {
        "uq_sales_receipt_no": ("uq_sales_shop_receipt", ("shop_id", "receipt_no")),
    }),
    "refunds": (("shop_id", "till_id"), {
        "uq_refunds_refund_no": ("uq_refunds_shop_refund", ("shop_id", "refund_no")),
    }),
}
TILL_ONLY = ("payments", "ledger_entries")
REFERS = {"shop_id": "shops", "till_id": "tills"}

# SQLite: the "no replace" triggers compare the keys that are unique; now per shop.
NO_REPLACE = {
    "business_days": ("EXISTS (SELECT 1 FROM business_days WHERE id = NEW.id)"
                      " OR EXISTS (SELECT 1 FROM business_days WHERE shop_id = NEW.shop_id"
                      " AND business_date = NEW.business_date)"
                      " OR EXISTS (SELECT 1 FROM business_days WHERE shop_id = NEW.shop_id"
                      " AND z_number = NEW.z_number)"),
    "sales": ("EXISTS (SELECT 1 FROM sales WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM sales"
              " WHERE shop_id = NEW.shop_id AND receipt_no = NEW.receipt_no)"),
    "refunds": ("EXISTS (SELECT 1 FROM refunds WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM"
                " refunds WHERE shop_id = NEW.shop_id AND refund_no = NEW.refund_no)"),
}


def upgrade() -> None:
    op.create_table(
        "shops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shops")),
    )
    op.create_table(
        "tills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_tills_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tills")),
        sa.UniqueConstraint("name", name=op.f("uq_tills_name")),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored stamps are UTC
    bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO shops (id, created_at) VALUES (1, :now)"), {"now": now})
    bind.execute(sa.text("INSERT INTO tills (id, shop_id, name, created_at)"
                         " VALUES (1, 1, 'Till 1', :now)"), {"now": now})
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_server()
    for table, column in (("sales", "till_id"), ("refunds", "till_id"),
                          ("payments", "till_id"), ("ledger_entries", "till_id"),
                          ("business_days", "shop_id")):
        op.create_index(f"ix_{table}_{column}", table, [column])


def _upgrade_server() -> None:
    op.execute("SELECT setval(pg_get_serial_sequence('shops', 'id'), 1)")
    op.execute("SELECT setval(pg_get_serial_sequence('tills', 'id'), 1)")
    for table, (columns, uniques) in REBUILT.items():
        for column in columns:
            _add_server_column(table, column)
        for old, (new, columns_) in uniques.items():
            op.drop_constraint(old, table, type_="unique")
            op.create_unique_constraint(new, table, list(columns_))
    for table in TILL_ONLY:
        _add_server_column(table, "till_id")
    # A business day's shop never changes, open or closed (0002 freezes a closed day).
    op.execute("""
        CREATE FUNCTION loyaltypos_day_shop_fixed() RETURNS trigger AS $$
        BEGIN
            IF NEW.shop_id IS DISTINCT FROM OLD.shop_id THEN
                RAISE EXCEPTION 'a business day stays the day of its shop';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER business_days_shop_fixed BEFORE UPDATE ON business_days"
               " FOR EACH ROW EXECUTE FUNCTION loyaltypos_day_shop_fixed()")
    for table in ("shops", "tills"):
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}"
                   " FOR EACH ROW EXECUTE FUNCTION loyaltypos_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                   " FOR EACH STATEMENT EXECUTE FUNCTION loyaltypos_append_only()")


def _add_server_column(table: str, column: str) -> None:
    """Recorded at shop 1 / till 1 by a default that is then dropped: from now on the
    program says where each row was made, and a row that does not say is refused."""
    refers = REFERS[column]
    op.add_column(table, sa.Column(
        column, sa.Integer(),
        sa.ForeignKey(f"{refers}.id", name=f"fk_{table}_{column}_{refers}"),
        nullable=False, server_default="1"))
    op.alter_column(table, column, server_default=None)


def _upgrade_sqlite() -> None:
    bind = op.get_bind()
    # The other tables' triggers name these tables; the legacy rename leaves them as
    # written (the names are the same after the rebuild) instead of re-reading them
    # while a table they name is dropped.
    op.execute("PRAGMA legacy_alter_table=ON")
    for table, (columns, uniques) in REBUILT.items():
        _rebuild(bind, table, columns, uniques)
    op.execute("PRAGMA legacy_alter_table=OFF")
    for table in TILL_ONLY:
        # foreign keys are off while a SQLite database migrates (env.py), so the column
        # can refer to tills with a default that is not NULL
        op.execute(f"ALTER TABLE {table} ADD COLUMN till_id INTEGER NOT NULL DEFAULT 1"
                   f" CONSTRAINT fk_{table}_till_id_tills REFERENCES tills (id)")
    op.execute("CREATE TRIGGER business_days_shop_fixed BEFORE UPDATE ON business_days"
               " WHEN NEW.shop_id IS NOT OLD.shop_id BEGIN SELECT RAISE(ABORT,"
               " 'a business day stays the day of its shop'); END")
    for table in ("shops", "tills"):
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN"
                   f" SELECT RAISE(ABORT, '{table} rows are never deleted'); END")


def _rebuild(bind, table: str, columns: tuple[str, ...], uniques: dict) -> None:
    """Shop and till columns in, and the unique constraints per shop."""
    def define(create: str) -> str:
        return _with_shop(table, create, columns, uniques)
    _recreate(bind, table, define, dropped=(), no_replace=NO_REPLACE.get(table))


def _recreate(bind, table: str, define, dropped: tuple[str, ...],
              no_replace: str | None) -> None:
    """SQLite's way to change a table's constraints: a new table with the new definition
    (``define`` of the old one), the rows copied into it (less the ``dropped`` columns),
    the old one dropped and the new one renamed, its indexes and triggers made again (the
    "no replace" trigger with the keys ``no_replace`` compares, when given)."""
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    create = create.replace(f'CREATE TABLE "{table}" (', f"CREATE TABLE {table} (", 1)
    kept = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " AND type IN ('index', 'trigger')", (table,)).all()
    old_columns = [row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")
                   if row[1] not in dropped]
    new = define(create).replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_0012 (", 1)
    op.execute(new)
    listed = ", ".join(old_columns)
    op.execute(f"INSERT INTO {table}_0012 ({listed}) SELECT {listed} FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_0012 RENAME TO {table}")
    for _kind, name, sql in kept:
        if name == f"{table}_no_replace" and no_replace is not None:
            sql = (f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {no_replace}"
                   f" BEGIN SELECT RAISE(ABORT, '{table} rows are facts: a row with this key"
                   " already exists and is never replaced'); END")
        op.execute(sql)


def _with_shop(table: str, create: str, columns: tuple[str, ...], uniques: dict) -> str:
    new = create
    for old, (name, on) in uniques.items():
        before = f"CONSTRAINT {old} UNIQUE ({on[-1]})"
        if before not in new:
            raise RuntimeError(f"{table}: constraint {old} not found as expected")
        new = new.replace(before, f"CONSTRAINT {name} UNIQUE ({', '.join(on)})")
    added = "".join(f"{column} INTEGER DEFAULT 1 NOT NULL, " for column in columns)
    links = "".join(
        f", CONSTRAINT fk_{table}_{column}_{REFERS[column]} FOREIGN KEY({column})"
        f" REFERENCES {REFERS[column]} (id)" for column in columns)
    anchor = f"CONSTRAINT pk_{table} PRIMARY KEY (id)"
    if anchor not in new:
        raise RuntimeError(f"{table}: primary key not found as expected")
    return new.replace(anchor, added + anchor + links)


def _without_shop(table: str, create: str, columns: tuple[str, ...], uniques: dict) -> str:
    """The definition before this migration: what :func:`_with_shop` and the added
    ``till_id`` column put in, taken out again."""
    new = create
    for column in columns:
        refers = REFERS[column]
        for text in (f"{column} INTEGER DEFAULT 1 NOT NULL, ",
                     f", CONSTRAINT fk_{table}_{column}_{refers} FOREIGN KEY({column})"
                     f" REFERENCES {refers} (id)",
                     f", {column} INTEGER NOT NULL DEFAULT 1"
                     f" CONSTRAINT fk_{table}_{column}_{refers} REFERENCES {refers} (id)"):
            new = new.replace(text, "")
    for old, (name, on) in uniques.items():
        new = new.replace(f"CONSTRAINT {name} UNIQUE ({', '.join(on)})",
                          f"CONSTRAINT {old} UNIQUE ({on[-1]})")
    if any(f" {column} " in new for column in columns):
        raise RuntimeError(f"{table}: the shop's columns not found as expected")
    return new


# The "no replace" triggers of 0005, for a downgrade.
OLD_NO_REPLACE = {
    "business_days": ("EXISTS (SELECT 1 FROM business_days WHERE id = NEW.id)"
                      " OR EXISTS (SELECT 1 FROM business_days WHERE business_date ="
                      " NEW.business_date) OR EXISTS (SELECT 1 FROM business_days WHERE"
                      " z_number = NEW.z_number)"),
    "sales": ("EXISTS (SELECT 1 FROM sales WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM sales"
              " WHERE receipt_no = NEW.receipt_no)"),
    "refunds": ("EXISTS (SELECT 1 FROM refunds WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM"
                " refunds WHERE refund_no = NEW.refund_no)"),
}


def downgrade() -> None:
    """Only a database of one shop can go back: its numbers are unique as they were."""
    bind = op.get_bind()
    for table, column in (("sales", "till_id"), ("refunds", "till_id"),
                          ("payments", "till_id"), ("ledger_entries", "till_id"),
                          ("business_days", "shop_id")):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    sqlite = bind.dialect.name == "sqlite"
    op.execute("DROP TRIGGER IF EXISTS business_days_shop_fixed"
               + ("" if sqlite else " ON business_days"))
    for table in ("shops", "tills"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete" + ("" if sqlite else f" ON {table}"))
    if sqlite:
        op.execute("PRAGMA legacy_alter_table=ON")
        for table, (columns, uniques) in REBUILT.items():
            _recreate(bind, table,
                      lambda create, t=table, c=columns, u=uniques: _without_shop(t, create, c, u),
                      dropped=columns, no_replace=OLD_NO_REPLACE[table])
        for table in TILL_ONLY:
            _recreate(bind, table,
                      lambda create, t=table: _without_shop(t, create, ("till_id",), {}),
                      dropped=("till_id",), no_replace=None)
        op.execute("PRAGMA legacy_alter_table=OFF")
    else:
        op.execute("DROP FUNCTION IF EXISTS loyaltypos_day_shop_fixed()")
        for table in ("shops", "tills"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        for table, (columns, uniques) in REBUILT.items():
            for old, (new, on) in uniques.items():
                op.drop_constraint(new, table, type_="unique")
                op.create_unique_constraint(old, table, [on[-1]])
            for column in columns:
                op.drop_column(table, column)
        for table in TILL_ONLY:
            op.drop_column(table, "till_id")
    op.drop_table("tills")
    op.drop_table("shops")
