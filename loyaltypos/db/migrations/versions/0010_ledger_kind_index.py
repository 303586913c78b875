"""An index of ledger entries by kind and card.

The rewards ask at every sale of a card whether its lineage holds a birthday bonus or a
referral bonus already: rare kinds among many entries. By (kind, card_id) that is a look-up
of a few rows, whatever the length of the card's history.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_kind_card", "ledger_entries", ["kind", "card_id"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_kind_card", table_name="ledger_entries")
