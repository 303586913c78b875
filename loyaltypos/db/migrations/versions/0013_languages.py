"""Languages: each user's screen language, each shop's language for printouts.

- ``users.language``: the language the screen speaks while this user is signed in
  ("ru", "en"); NULL: the till computer's language.
- ``shops.language``: the language of the shop's receipts, cards, reports and customer
  display, whoever is signed in; NULL: the till computer's language.

Both are words only: no stored amount, number or date depends on them.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(length=16), nullable=True))
    op.add_column("shops", sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("shops", "language")
    op.drop_column("users", "language")
