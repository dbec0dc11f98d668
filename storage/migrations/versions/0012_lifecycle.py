"""lifecycle: per-team thresholds, the recorded stage, stage changes and the nightly job's runs

team.silent_days / churned_days: days without a touch or purchase until a customer is silent, churned
(90 and 180, as before). customer.stage: the stage last recorded; NULL here, because a migration cannot know
the bot's "now" (the clock is the bot's, not the database's): the first nightly pass fills it, writing no
events for that fill. stage_change: one row per change, shown in History. nightly_run: which night's step
ran for which team.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.add_column("team", sa.Column("silent_days", sa.Integer(), server_default="90", nullable=False))
    op.add_column("team", sa.Column("churned_days", sa.Integer(), server_default="180", nullable=False))
    op.add_column("customer", sa.Column("stage", sa.String(length=10), nullable=True))
    op.create_table(
        "stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("from_stage", sa.String(length=10), nullable=False),
        sa.Column("to_stage", sa.String(length=10), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("ix_stage_change_customer_id", "stage_change", ["customer_id"])
    op.create_index("ix_stage_change_team_at", "stage_change", ["team_id", "at"])
    op.create_table(
        "nightly_run",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("after_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", "team_id", "step"),
    )


def downgrade() -> None:
    op.drop_table("nightly_run")
    op.drop_table("stage_change")
    with op.batch_alter_table("customer", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("stage")
    with op.batch_alter_table("team", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("churned_days")
        batch.drop_column("silent_days")
