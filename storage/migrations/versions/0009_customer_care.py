"""customer care: greetings, surveys, complaints, and greetings after reminders in the outbox

team.country / complaint_hours / survey_after_days: a team's care settings. customer.language:
the language a customer's messages are written in. outbox_message.priority: bulk messages
(greetings) are claimed after everything else. greeting_occasion / greeting_template: a team's
occasions and wording. greeting: one per customer, occasion and year. survey, complaint.

Columns are added with ALTER TABLE (no table is rebuilt, so SQLite's id counters stay).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.add_column("team", sa.Column("country", sa.String(length=2), nullable=True))
    op.add_column("team", sa.Column("complaint_hours", sa.Integer(), server_default="24", nullable=False))
    op.add_column("team", sa.Column("survey_after_days", sa.Integer(), nullable=True))
    op.add_column("customer", sa.Column("language", sa.String(length=5), nullable=True))
    op.add_column("outbox_message", sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_outbox_status_priority_not_before", "outbox_message", ["status", "priority", "not_before"])

    op.create_table(
        "greeting_occasion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("lunar", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("uq_greeting_occasion_team_key", "greeting_occasion", ["team_id", "key"], unique=True)
    op.create_table(
        "greeting_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("uq_greeting_template_team_occasion_language", "greeting_template",
                    ["team_id", "occasion", "language"], unique=True)
    op.create_table(
        "greeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("skipped_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("uq_greeting_customer_occasion_year", "greeting", ["customer_id", "occasion", "year"],
                    unique=True)
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sent_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("purchase_id", sa.Integer(), sa.ForeignKey("purchase.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("ix_survey_customer_id", "survey", ["customer_id"])
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("reopened_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.create_index("ix_complaint_team_id", "complaint", ["team_id"])
    op.create_index("ix_complaint_customer_id", "complaint", ["customer_id"])
    op.create_index("ix_complaint_assignee_id", "complaint", ["assignee_id"])
    op.create_index("ix_complaint_deadline_at", "complaint", ["deadline_at"])


def downgrade() -> None:
    for table in ("complaint", "survey", "greeting", "greeting_template", "greeting_occasion"):
        op.drop_table(table)
    op.drop_index("ix_outbox_status_priority_not_before", table_name="outbox_message")
    with op.batch_alter_table("outbox_message", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("customer", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("language")
    with op.batch_alter_table("team", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("survey_after_days")
        batch.drop_column("complaint_hours")
        batch.drop_column("country")
