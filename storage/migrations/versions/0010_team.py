"""the team: members who left, and the indexes /team reads

app_user.left_at: an offboarded member, kept for the history that names them. Indexes on
interaction (user_id, at) and audit_event (user_id, at): a member's interactions this week and
their latest activity.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.add_column("app_user", sa.Column("left_at", UtcDateTime(timezone=True), nullable=True))
    op.create_index("ix_interaction_user_at", "interaction", ["user_id", "at"])
    op.create_index("ix_audit_event_user_at", "audit_event", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_user_at", table_name="audit_event")
    op.drop_index("ix_interaction_user_at", table_name="interaction")
    with op.batch_alter_table("app_user", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_column("left_at")
