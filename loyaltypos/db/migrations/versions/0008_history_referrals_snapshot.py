"""Imported purchase history, referrals, and the per-customer insight snapshot.

- ``history_imports`` / ``imported_purchases``: purchases from before the program (an
  old till's export, bank statements), imported from a CSV file. They earn nothing and
  never touch the ledger or tiers; the insight figures count them. Facts: written once.
  A file is known by its SHA-256, so the same file is never imported twice.
- ``referrals``: who recommended the shop to a new personal card's customer. A fact,
  one per card, never naming the card itself.
- ``insight_snapshot``: each customer's step, segment and visit figures as of the last
  refresh (day close, or the Insight window). A cache the till's panel reads so a scan
  never sums a year of sales; rewritten whole at every refresh, never a source of truth.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FACTS = ("history_imports", "imported_purchases", "referrals")
SQLITE_TRIGGERS = tuple(f"{t}_{s}" for t in FACTS for s in ("no_update", "no_delete",
                                                               "no_replace"))


def _sqlite() -> None:
    for table in FACTS:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END")
        op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN EXISTS "
                   f"(SELECT 1 FROM {table} WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, "
                   f"'{table} rows are facts: a row with this key already exists and is never "
                   "replaced'); END")


def _postgresql() -> None:
    for table in FACTS:  # the function of 0002
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION loyaltypos_append_only()")


def upgrade() -> None:
    op.create_table(
        "history_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_history_imports_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_history_imports_sha256")),
    )
    op.create_table(
        "imported_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_imported_purchases_amount")),
        sa.ForeignKeyConstraint(["import_id"], ["history_imports.id"],
                                name=op.f("fk_imported_purchases_import_id_history_imports")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name=op.f("fk_imported_purchases_card_id_cards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_purchases")),
    )
    op.create_index(op.f("ix_imported_purchases_card_id"), "imported_purchases", ["card_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("referrer_card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("card_id <> referrer_card_id", name=op.f("ck_referrals_not_self")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name=op.f("fk_referrals_card_id_cards")),
        sa.ForeignKeyConstraint(["referrer_card_id"], ["cards.id"],
                                name=op.f("fk_referrals_referrer_card_id_cards")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_referrals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("card_id", name=op.f("uq_referrals_card_id")),
    )
    op.create_index(op.f("ix_referrals_referrer_card_id"), "referrals", ["referrer_card_id"])
    op.create_table(
        "insight_snapshot",
        sa.Column("lineage_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=8), nullable=True),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("months_bought", sa.Integer(), nullable=False),
        sa.Column("rfm", sa.String(length=3), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lineage_id", name=op.f("pk_insight_snapshot")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite()
    elif dialect == "postgresql":
        _postgresql()
    else:
        raise RuntimeError(f"no guards written for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("insight_snapshot")
    op.drop_index(op.f("ix_referrals_referrer_card_id"), table_name="referrals")
    op.drop_table("referrals")
    op.drop_index(op.f("ix_imported_purchases_card_id"), table_name="imported_purchases")
    op.drop_table("imported_purchases")
    op.drop_table("history_imports")
