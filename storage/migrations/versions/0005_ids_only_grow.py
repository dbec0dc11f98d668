"""ids only grow: on SQLite every table with a surrogate id is rebuilt with AUTOINCREMENT

A plain SQLite INTEGER PRIMARY KEY hands out max(id) + 1, so deleting the newest
customer (or undoing its add) gave the next one its #id: old cards, reminders,
audit rows and outbox keys then pointed at someone else. AUTOINCREMENT keeps the
highest id ever used in sqlite_sequence. The ids already lost before this
migration are recovered as far as the database still names them (the audit log,
outbox rows, links between rows), and the sequence is seeded above them.
PostgreSQL sequences never reuse a value: nothing to do there.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# parents before children, so each rebuilt child table names a parent that is already in its final form
TABLES = ("team", "app_user", "invite", "customer", "interaction", "purchase", "audit_event", "follow_up",
          "outbox_message")

# where else an id of a table may still be written down after its row was deleted
STILL_NAMED = {
    "customer": ["SELECT max(customer_id) FROM audit_event", "SELECT max(customer_id) FROM outbox_message"],
    "interaction": ["SELECT max(origin_interaction_id) FROM follow_up"],
    "follow_up": ["SELECT max(ref_id) FROM outbox_message WHERE kind = 'remind'"],
}
# the audit detail key that names an id of a table
AUDITED_AS = {"follow_up": "followup", "interaction": "interaction", "purchase": "purchase"}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
    details = _audit_details(bind)
    for table in TABLES:
        highest = [bind.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar()]  # the names are the constants above
        highest += [bind.execute(sa.text(query)).scalar() for query in STILL_NAMED.get(table, [])]
        if key := AUDITED_AS.get(table):
            highest += [_as_int(detail.get(key)) for detail in details]
        seq = max((value for value in highest if value is not None), default=0)
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": table})
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                     {"name": table, "seq": seq})


def downgrade() -> None:
    """Nothing to undo: ids that only grow are valid at 0004 too."""


def _audit_details(bind: sa.Connection) -> list[dict]:
    found = []
    for (detail,) in bind.execute(sa.text("SELECT detail FROM audit_event WHERE detail <> ''")):
        try:
            value = json.loads(detail)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
