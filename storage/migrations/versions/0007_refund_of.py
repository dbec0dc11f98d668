"""refund_of: a refund made from a sale in History names that sale, so it is refunded at most once in full

Refunds recorded before this (and /sale's refunds) stay unlinked: NULL.
On SQLite batch mode rebuilds the purchase table; the rebuilt table starts a new
AUTOINCREMENT counter, so the old one is carried over (ids only grow, see 0005).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    seq = _sequence()
    with op.batch_alter_table("purchase", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.add_column(sa.Column("refund_of", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_purchase_refund_of", "purchase", ["refund_of"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_purchase_refund_of", ["refund_of"])
    _restore_sequence(seq)


def downgrade() -> None:
    seq = _sequence()
    with op.batch_alter_table("purchase", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_index("ix_purchase_refund_of")
        batch.drop_constraint("fk_purchase_refund_of", type_="foreignkey")
        batch.drop_column("refund_of")
    _restore_sequence(seq)


def _sequence() -> int | None:
    """The highest purchase id SQLite ever handed out (None elsewhere: PostgreSQL keeps its sequence)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    found = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'purchase'")).scalar()
    return found or 0


def _restore_sequence(seq: int | None) -> None:
    if seq is None:
        return
    bind = op.get_bind()
    now = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'purchase'")).scalar()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'purchase'"))
    bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('purchase', :seq)"),
                 {"seq": max(seq, now or 0)})
