"""customer.erased_at: a customer whose personal data was erased on request (storage/erasure.py)

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.add_column("customer", sa.Column("erased_at", storage.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose its triggers (0014)
    op.drop_column("customer", "erased_at")
