"""nps_responses: answers to "how likely are you to recommend us?", facts like sales.

An answer is written once (no UPDATE, DELETE or REPLACE), belongs to an existing open
business day, is stamped no earlier than that day opened, and has a score from 0 to 10.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "nps_responses"
SQLITE_TRIGGERS = tuple(f"{TABLE}_{suffix}" for suffix in (
    "no_update", "no_delete", "no_replace", "open_day", "known_day", "after_opening"))


def _sqlite() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                   f"BEGIN SELECT RAISE(ABORT, '{TABLE} rows are append-only'); END")
    checks = {
        "no_replace": ("EXISTS (SELECT 1 FROM nps_responses WHERE id = NEW.id)",
                       f"{TABLE} rows are facts: a row with this key already exists and is "
                       "never replaced"),
        "open_day": ("(SELECT closed_at FROM business_days WHERE id = NEW.day_id) IS NOT NULL",
                     "that business day is closed"),
        "known_day": ("NEW.day_id IS NULL OR NOT EXISTS "
                      "(SELECT 1 FROM business_days WHERE id = NEW.day_id)",
                      f"{TABLE} rows need an existing business day"),
        "after_opening": ("NEW.created_at < (SELECT opened_at FROM business_days "
                          "WHERE id = NEW.day_id)",
                          f"{TABLE} rows are never stamped before their business day opened"),
    }
    for suffix, (condition, message) in checks.items():
        op.execute(f"CREATE TRIGGER {TABLE}_{suffix} BEFORE INSERT ON {TABLE} WHEN {condition} "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _postgresql() -> None:
    # The functions of 0002, 0005 and 0006.
    op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
               "FOR EACH ROW EXECUTE FUNCTION loyaltypos_append_only()")
    for suffix, function in (("open_day", "loyaltypos_open_day"),
                             ("known_day", "loyaltypos_known_day"),
                             ("after_opening", "loyaltypos_after_opening")):
        op.execute(f"CREATE TRIGGER {TABLE}_{suffix} BEFORE INSERT ON {TABLE} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_nps_responses_score")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name=op.f("fk_nps_responses_card_id_cards")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"],
                                name=op.f("fk_nps_responses_sale_id_sales")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_nps_responses_user_id_users")),
        sa.ForeignKeyConstraint(["day_id"], ["business_days.id"],
                                name=op.f("fk_nps_responses_day_id_business_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_responses")),
    )
    op.create_index(op.f("ix_nps_responses_card_id"), TABLE, ["card_id"])
    op.create_index(op.f("ix_nps_responses_day_id"), TABLE, ["day_id"])
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
    op.drop_index(op.f("ix_nps_responses_day_id"), table_name=TABLE)
    op.drop_index(op.f("ix_nps_responses_card_id"), table_name=TABLE)
    op.drop_table(TABLE)
