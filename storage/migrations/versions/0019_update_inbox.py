"""update_inbox: webhook updates stored before Telegram is answered, each id once, handled per chat in order

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_update_inbox_pending", "update_inbox", ["chat_key", "update_id"],
                    sqlite_where=sa.text("handled_at IS NULL"), postgresql_where=sa.text("handled_at IS NULL"))
    op.create_index("ix_update_inbox_received_at", "update_inbox", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_update_inbox_received_at", table_name="update_inbox")
    op.drop_index("ix_update_inbox_pending", table_name="update_inbox")
    op.drop_table("update_inbox")
