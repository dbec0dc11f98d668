"""the team's group chat, and the indexes the summaries read by

team.group_chat_id: the group a manager registered with /register (one team per group).
Indexes the summary's queries read (storage/summaries.py; their plans are printed by bench/summary.py):
a period's interactions per person and channel, follow-ups done and overdue, new customers and leads
converted with their owners, and survey answers, each as a range of an index.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.add_column("team", sa.Column("group_chat_id", sa.BigInteger(), nullable=True))
    op.create_index("uq_team_group_chat_id", "team", ["group_chat_id"], unique=True)
    op.create_index("ix_interaction_user_channel_at", "interaction", ["user_id", "channel", "at"])
    op.create_index("ix_follow_up_status_done", "follow_up", ["status", "done_at", "owner_id"])
    op.create_index("ix_follow_up_status_due", "follow_up", ["status", "due_at", "owner_id"])
    op.create_index("ix_customer_team_created", "customer", ["team_id", "created_at", "owner_id"])
    op.create_index("ix_customer_team_first_purchase", "customer", ["team_id", "first_purchase_at", "owner_id"])
    op.create_index("ix_survey_answered_at", "survey", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_survey_answered_at", table_name="survey")
    op.drop_index("ix_customer_team_first_purchase", table_name="customer")
    op.drop_index("ix_customer_team_created", table_name="customer")
    op.drop_index("ix_follow_up_status_due", table_name="follow_up")
    op.drop_index("ix_follow_up_status_done", table_name="follow_up")
    op.drop_index("ix_interaction_user_channel_at", table_name="interaction")
    op.drop_index("uq_team_group_chat_id", table_name="team")
    with op.batch_alter_table("team", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("group_chat_id")
