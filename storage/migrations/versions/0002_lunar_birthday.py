"""lunar birthdays as lunar numbers, not as a solar date with a flag

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.add_column(sa.Column("lunar_birthday", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE customer SET lunar_birthday = CAST(birthday AS VARCHAR(16)), birthday = NULL "
        "WHERE birthday_lunar AND birthday IS NOT NULL"
    )
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_column("birthday_lunar")


def downgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.add_column(sa.Column("birthday_lunar", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_column("lunar_birthday")
