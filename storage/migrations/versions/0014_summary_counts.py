"""summary counts: interactions per team, person and UTC day (kept by triggers); sales from an index alone

A team's month summary used to read every interaction of the month and the one before (65,000 index entries
for 200 reps); it now reads a row per person and day here, and only the partial days at a period's edges from
interaction itself (storage/summaries.py). The counts are kept by the database, not by the code that writes
interactions, so no path can miss them: logging, editing (time, channel, who, customer), undoing, deleting
and future bulk imports alike.

- team_id is the customer's team, so a team's counts need no join; user_id is who logged the interaction;
  day is the UTC date of `at`. The key (team, user, day) is read one person at a time on SQLite; PostgreSQL
  reads a team's days by (team, day).
- A customer's interactions are deleted just before the customer is (a BEFORE DELETE trigger on customer):
  the foreign key's cascade would delete them after the customer row is gone, when the triggers can no longer
  find the team the counts were kept under.
- Existing interactions are counted here once.

purchase's index on `at` becomes one on (at, user_id, currency, amount_minor): a period's sales by person,
amount and currency are read from the index without visiting each sale; what read the old one reads this.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# column per channel (storage.models.Channel); a row whose channel is none of these counts in none
CHANNEL_COLUMNS = {"call": "calls", "visit": "visits", "email": "emails", "message": "messages",
                   "meeting": "meetings"}


def _flags(row: str, cast: str) -> str:
    return ", ".join(f"{cast.format(f'{row}.channel = {value!r}')}" for value in CHANNEL_COLUMNS)


def _sums(cast: str) -> str:
    return ", ".join(f"sum({cast.format(f'channel = {value!r}')})" for value in CHANNEL_COLUMNS)


COLUMNS = ", ".join(CHANNEL_COLUMNS.values())
ADD = ", ".join(f"{name} = interaction_day.{name} + excluded.{name}" for name in CHANNEL_COLUMNS.values())


def _subtract(cast: str) -> str:
    return ", ".join(f"{name} = {name} - {cast.format(f'OLD.channel = {value!r}')}"
                     for value, name in CHANNEL_COLUMNS.items())


def _sqlite() -> list[str]:
    def count_new() -> str:
        return (f"INSERT INTO interaction_day (team_id, user_id, day, {COLUMNS}) "
                f"SELECT team_id, NEW.user_id, date(NEW.at), {_flags('NEW', '({})')} "
                f"FROM customer WHERE id = NEW.customer_id "
                f"ON CONFLICT (team_id, user_id, day) DO UPDATE SET {ADD};")

    def uncount_old() -> str:
        return (f"UPDATE interaction_day SET {_subtract('({})')} "
                f"WHERE team_id = (SELECT team_id FROM customer WHERE id = OLD.customer_id) "
                f"AND user_id = OLD.user_id AND day = date(OLD.at);")

    return [
        f"CREATE TRIGGER interaction_day_insert AFTER INSERT ON interaction BEGIN {count_new()} END",
        f"CREATE TRIGGER interaction_day_delete AFTER DELETE ON interaction BEGIN {uncount_old()} END",
        "CREATE TRIGGER interaction_day_update AFTER UPDATE OF customer_id, user_id, channel, at ON interaction "
        f"BEGIN {uncount_old()} {count_new()} END",
        "CREATE TRIGGER customer_interactions_first BEFORE DELETE ON customer "
        "BEGIN DELETE FROM interaction WHERE customer_id = OLD.id; END",
        f"INSERT INTO interaction_day (team_id, user_id, day, {COLUMNS}) "
        f"SELECT customer.team_id, user_id, date(at), {_sums('({})')} "
        "FROM interaction JOIN customer ON customer.id = interaction.customer_id "
        "GROUP BY customer.team_id, user_id, date(at)",
    ]


def _postgresql() -> list[str]:
    day = "({}.at AT TIME ZONE 'UTC')::date"
    cast = "({})::int"
    return [
        f"""CREATE FUNCTION interaction_day_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                UPDATE interaction_day SET {_subtract(cast)}
                WHERE team_id = (SELECT team_id FROM customer WHERE id = OLD.customer_id)
                  AND user_id = OLD.user_id AND day = {day.format('OLD')};
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO interaction_day (team_id, user_id, day, {COLUMNS})
                SELECT team_id, NEW.user_id, {day.format('NEW')}, {_flags('NEW', cast)}
                FROM customer WHERE id = NEW.customer_id
                ON CONFLICT (team_id, user_id, day) DO UPDATE SET {ADD};
            END IF;
            RETURN NULL;
        END $$""",
        "CREATE TRIGGER interaction_day_count AFTER INSERT OR DELETE OR UPDATE OF customer_id, user_id, channel, at "
        "ON interaction FOR EACH ROW EXECUTE FUNCTION interaction_day_count()",
        """CREATE FUNCTION customer_interactions_first() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM interaction WHERE customer_id = OLD.id;
            RETURN OLD;
        END $$""",
        "CREATE TRIGGER customer_interactions_first BEFORE DELETE ON customer "
        "FOR EACH ROW EXECUTE FUNCTION customer_interactions_first()",
        f"INSERT INTO interaction_day (team_id, user_id, day, {COLUMNS}) "
        f"SELECT customer.team_id, user_id, {day.format('interaction')}, {_sums(cast)} "
        "FROM interaction JOIN customer ON customer.id = interaction.customer_id "
        f"GROUP BY customer.team_id, user_id, {day.format('interaction')}",
    ]


def upgrade() -> None:
    op.create_table(
        "interaction_day",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in CHANNEL_COLUMNS.values()),
        sa.PrimaryKeyConstraint("team_id", "user_id", "day"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_interaction_day_team_day", "interaction_day", ["team_id", "day"])
    for statement in _sqlite() if op.get_bind().dialect.name == "sqlite" else _postgresql():
        op.execute(statement)
    op.create_index("ix_purchase_at_user_amount", "purchase", ["at", "user_id", "currency", "amount_minor"])
    op.drop_index("ix_purchase_at", "purchase")


def downgrade() -> None:
    op.create_index("ix_purchase_at", "purchase", ["at"])
    op.drop_index("ix_purchase_at_user_amount", "purchase")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("interaction_day_insert", "interaction_day_delete", "interaction_day_update",
                        "customer_interactions_first"):
            op.execute(f"DROP TRIGGER {trigger}")
    else:
        op.execute("DROP TRIGGER interaction_day_count ON interaction")
        op.execute("DROP TRIGGER customer_interactions_first ON customer")
        op.execute("DROP FUNCTION interaction_day_count()")
        op.execute("DROP FUNCTION customer_interactions_first()")
    op.drop_table("interaction_day")
