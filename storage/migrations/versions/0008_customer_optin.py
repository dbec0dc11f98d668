"""customer opt-in: the link a rep gives a customer, the chat that agreed through it, and when

link_token: the current link's token (a new link replaces it). tg_chat_id: the Telegram
chat of the customer who agreed, one customer per chat. consented_at / opted_out_at:
when they agreed, when they sent /stop. On SQLite batch mode rebuilds the customer
table; the rebuilt table starts a new AUTOINCREMENT counter, so the old one is carried
over (ids only grow, see 0005).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

IDS_ONLY_GROW = {"sqlite_autoincrement": True}


def upgrade() -> None:
    seq = _sequence()
    with op.batch_alter_table("customer", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.add_column(sa.Column("link_token", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("tg_chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("consented_at", UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("opted_out_at", UtcDateTime(timezone=True), nullable=True))
        batch.create_index("uq_customer_link_token", ["link_token"], unique=True)
        batch.create_index("uq_customer_tg_chat_id", ["tg_chat_id"], unique=True,
                           sqlite_where=sa.text("tg_chat_id IS NOT NULL"),
                           postgresql_where=sa.text("tg_chat_id IS NOT NULL"))
    _restore_sequence(seq)


def downgrade() -> None:
    seq = _sequence()
    with op.batch_alter_table("customer", table_kwargs=IDS_ONLY_GROW) as batch:
        batch.drop_index("uq_customer_tg_chat_id")
        batch.drop_index("uq_customer_link_token")
        batch.drop_column("opted_out_at")
        batch.drop_column("consented_at")
        batch.drop_column("tg_chat_id")
        batch.drop_column("link_token")
    _restore_sequence(seq)


def _sequence() -> int | None:
    """The highest customer id SQLite ever handed out (None elsewhere: PostgreSQL keeps its sequence)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    found = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'customer'")).scalar()
    return found or 0


def _restore_sequence(seq: int | None) -> None:
    if seq is None:
        return
    bind = op.get_bind()
    now = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'customer'")).scalar()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'customer'"))
    bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('customer', :seq)"),
                 {"seq": max(seq, now or 0)})
