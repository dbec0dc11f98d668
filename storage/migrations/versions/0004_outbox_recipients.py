"""outbox rows may go to a customer; a customer who blocked the bot is marked unreachable

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.add_column(sa.Column("unreachable_at", storage.types.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        # a deleted customer's queued rows lose their recipient and are skipped when their turn comes
        batch_op.create_foreign_key("fk_outbox_message_customer_id", "customer", ["customer_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_outbox_message_customer_id", ["customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_index("ix_outbox_message_customer_id")
        batch_op.drop_constraint("fk_outbox_message_customer_id", type_="foreignkey")
        batch_op.drop_column("customer_id")
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_column("unreachable_at")
