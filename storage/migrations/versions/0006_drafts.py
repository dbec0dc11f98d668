"""drafts: a dialogue interrupted by another command or button is kept to resume

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("user_tg_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("flow", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("set_aside_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("pending", sa.Text(), nullable=True),
        sa.Column("text_is_search", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_tg_id", "flow"),
    )


def downgrade() -> None:
    op.drop_table("draft")
