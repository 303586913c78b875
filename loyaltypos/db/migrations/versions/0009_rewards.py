"""Rewards: stamps and gifts, and what a refund takes back of them.

- ``sales.stamp``: the card's stamp count after this sale, when the sale was a qualifying
  purchase of a program with stamps (1 .. every; ``every`` means it earned a gift);
  ``sales.stamp_min``: the ``min_check`` it qualified at, which a refund compares with.
- ``gifts``: a gift a stamp earned (a bonus credited at once, or one unit of a product
  for a later sale). A fact, one per sale at most.
- ``sale_lines.gift_id``: the gift a line handed out (at price 0).
- ``refunds``: ``unstamped`` (the refund took the sale's stamp back), ``gift_id`` (the
  gift it took back), ``rewards_back`` (bonuses and used gifts taken from the balance of
  the sale's card), ``rewards_kept`` (what the balance lacked, kept from the money
  returned) and ``rewards_forgiven`` (what neither covered: the shop's loss, since a
  refund never asks the customer to pay).
- ``cards.stamps``: a cache of the live card's stamp count, like ``balance``; ``verify``
  counts it again from the sales.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = tuple(f"gifts_{s}" for s in ("no_update", "no_delete", "no_replace"))


def upgrade() -> None:
    op.create_table(
        "gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("lineage_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_gifts_value")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_gifts_sale_id_sales")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_gifts_card_id_cards")),
        sa.ForeignKeyConstraint(["day_id"], ["business_days.id"],
                                name=op.f("fk_gifts_day_id_business_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gifts")),
        sa.UniqueConstraint("sale_id", name=op.f("uq_gifts_sale_id")),
    )
    op.create_index(op.f("ix_gifts_lineage_id"), "gifts", ["lineage_id"])
    # Plain ADD COLUMN: a batch rebuild would drop the tables' guard triggers.
    op.add_column("sales", sa.Column("stamp", sa.Integer(), nullable=True))
    op.add_column("sales", sa.Column("stamp_min", sa.BigInteger(), nullable=True))
    op.add_column("sale_lines", sa.Column("gift_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_sale_lines_gift_id"), "sale_lines", ["gift_id"])
    op.add_column("refunds", sa.Column("unstamped", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("refunds", sa.Column("gift_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_refunds_gift_id"), "refunds", ["gift_id"])
    for name in ("rewards_back", "rewards_kept", "rewards_forgiven"):
        op.add_column("refunds", sa.Column(name, sa.BigInteger(), nullable=False,
                                           server_default="0"))
    op.add_column("cards", sa.Column("stamps", sa.Integer(), nullable=False,
                                     server_default="0"))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER gifts_no_{verb.lower()} BEFORE {verb} ON gifts "
                       "BEGIN SELECT RAISE(ABORT, 'gifts rows are append-only'); END")
        op.execute("CREATE TRIGGER gifts_no_replace BEFORE INSERT ON gifts WHEN EXISTS "
                   "(SELECT 1 FROM gifts WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, "
                   "'gifts rows are facts: a row with this key already exists and is never "
                   "replaced'); END")
    elif dialect == "postgresql":  # the function of 0002
        op.execute("CREATE TRIGGER gifts_append_only BEFORE UPDATE OR DELETE ON gifts "
                   "FOR EACH ROW EXECUTE FUNCTION loyaltypos_append_only()")
    else:
        raise RuntimeError(f"no guards written for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_refunds_gift_id"), table_name="refunds")
    op.drop_index(op.f("ix_sale_lines_gift_id"), table_name="sale_lines")
    for table, column in (("cards", "stamps"), ("refunds", "rewards_forgiven"),
                          ("refunds", "rewards_kept"), ("refunds", "rewards_back"),
                          ("refunds", "gift_id"), ("refunds", "unstamped"),
                          ("sale_lines", "gift_id"), ("sales", "stamp_min"),
                          ("sales", "stamp")):
        op.drop_column(table, column)
    op.drop_index(op.f("ix_gifts_lineage_id"), table_name="gifts")
    op.drop_table("gifts")
