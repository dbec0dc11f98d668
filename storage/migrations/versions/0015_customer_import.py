"""customer imports: a file of customers imported at once, and which customers it created

customer_import: who imported a file, for whom, how many customers it created and whether its Undo ran.
customer.import_id: the import that created the customer (NULL for any other), so Undo removes exactly those.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "customer_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        **IDS_ONLY_GROW,
    )
    op.add_column("customer", sa.Column("import_id", sa.Integer(), nullable=True))
    op.create_index("ix_customer_import_id", "customer", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_import_id", table_name="customer")
    # not in batch mode: rebuilding customer would break the triggers of 0014 that read it (SQLite ≥ 3.35 drops
    # a column in place)
    op.drop_column("customer", "import_id")
    op.drop_table("customer_import")
