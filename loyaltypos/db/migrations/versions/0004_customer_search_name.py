"""Customers get a case-folded copy of their name, so searches work beyond A-Z.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.create_index(batch_op.f("ix_customers_search_name"), ["search_name"],
                              unique=False)
    conn = op.get_bind()
    customers = sa.table("customers", sa.column("id", sa.Integer),
                         sa.column("name", sa.String), sa.column("search_name", sa.String))
    rows = conn.execute(sa.select(customers.c.id, customers.c.name)).all()
    for start in range(0, len(rows), 1000):
        conn.execute(
            customers.update().where(customers.c.id == sa.bindparam("cid"))
            .values(search_name=sa.bindparam("key")),
            [{"cid": cid, "key": " ".join(name.casefold().split())}
             for cid, name in rows[start:start + 1000]],
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_search_name"))
        batch_op.drop_column("search_name")
