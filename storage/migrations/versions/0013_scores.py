"""scores: nightly RFM snapshots

score_snapshot: a buyer's recency, frequency and monetary numbers, their 1–5 scores, segment, historic and
predicted CLV on one day (bot/rules/rfm.py). Unique per customer and day, so taking a day's snapshot again
replaces it; (team_id, day) finds a team's day.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary_minor", sa.BigInteger(), nullable=False),
        sa.Column("r", sa.Integer(), nullable=False),
        sa.Column("f", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=12), nullable=False),
        sa.Column("clv_minor", sa.BigInteger(), nullable=False),
        sa.Column("predicted_clv_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_score_snapshot_customer_day", "score_snapshot", ["customer_id", "day"], unique=True)
    op.create_index("ix_score_snapshot_team_day", "score_snapshot", ["team_id", "day"])


def downgrade() -> None:
    op.drop_table("score_snapshot")
