"""The tables. Times are aware UTC (see UtcDateTime); money is integer minor units."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class Tier(StrEnum):
    PROSPECT = "prospect"  # 潜在
    REGULAR = "regular"  # 普通
    QUALITY = "quality"  # 优质
    VIP = "vip"


class Source(StrEnum):
    ADS = "ads"
    SOCIAL = "social"
    REFERRAL = "referral"
    EVENT = "event"
    ONLINE = "online"
    OTHER = "other"


class Urgency(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Kind(StrEnum):
    PERSON = "person"
    BUSINESS = "business"


class Channel(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    MESSAGE = "message"
    MEETING = "meeting"


class Stage(StrEnum):
    LEAD = "lead"
    NEW = "new"
    ACTIVE = "active"
    SILENT = "silent"
    CHURNED = "churned"


def utc_column(nullable: bool = True, index: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable, index=index)


# ids a user, a card or an outbox key sees are never given out again: on SQLite a plain INTEGER PRIMARY KEY
# reuses the highest id once its row is deleted, AUTOINCREMENT does not (PostgreSQL sequences never reuse)
IDS_ONLY_GROW = {"sqlite_autoincrement": True}

DEFAULT_QUIET_START = 21 * 60
DEFAULT_QUIET_END = 8 * 60


class Team(SQLModel, table=True):
    # a group chat is one team's (NULL, no group registered, doesn't collide)
    __table_args__ = (Index("uq_team_group_chat_id", "group_chat_id", unique=True), IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    currency: str = Field(default="CNY", max_length=3)
    is_default: bool = Field(default=False)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # days without a touch after which a customer of a tier is due one (changeable by a manager)
    cadence_vip: int = Field(default=14, sa_column_kwargs={"server_default": "14"})
    cadence_quality: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
    cadence_regular: int = Field(default=60, sa_column_kwargs={"server_default": "60"})
    cadence_prospect: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
    # customer care: the country whose holidays are greeted (None: SALESBOT_PHONE_REGION), how long a
    # complaint may wait for its rep, and how many days after a sale the survey goes (None: not automatic)
    country: str | None = Field(default=None, max_length=2)
    complaint_hours: int = Field(default=24, sa_column_kwargs={"server_default": "24"})
    survey_after_days: int | None = Field(default=None)
    # lifecycle (storage/lifecycle.py): days without a touch or purchase until a customer is silent, churned
    silent_days: int = Field(default=90, sa_column_kwargs={"server_default": "90"})
    churned_days: int = Field(default=180, sa_column_kwargs={"server_default": "180"})
    # the team's group chat, registered by a manager's /register there: /summary answers the team's members in it
    group_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))

    def cadence(self) -> dict[str, int]:
        return {Tier.VIP: self.cadence_vip, Tier.QUALITY: self.cadence_quality,
                Tier.REGULAR: self.cadence_regular, Tier.PROSPECT: self.cadence_prospect}


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = IDS_ONLY_GROW

    id: int | None = Field(default=None, primary_key=True)
    tg_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    team_id: int = Field(foreign_key="team.id", index=True)
    role: str = Field(max_length=10)
    name: str = Field(default="", max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=5)
    tz: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # the language Telegram last reported, for messages the bot starts (there is no update to read it from)
    telegram_language: str | None = Field(default=None, max_length=10)
    # quiet hours as minutes after local midnight; equal start and end means none
    quiet_start: int = Field(default=DEFAULT_QUIET_START,
                             sa_column_kwargs={"server_default": str(DEFAULT_QUIET_START)})
    quiet_end: int = Field(default=DEFAULT_QUIET_END, sa_column_kwargs={"server_default": str(DEFAULT_QUIET_END)})
    digest_on: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # when the next morning digest is due (UTC); NULL until first armed or when the digest is off
    digest_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    # Telegram said the user blocked the bot: nothing proactive goes there until they write again
    unreachable_at: datetime | None = Field(default=None, sa_column=utc_column())
    # offboarded: no longer a member (storage.users.user_by_tg does not find them), the row kept because
    # interactions, sales and the audit log name them; a new invite makes them a member again
    left_at: datetime | None = Field(default=None, sa_column=utc_column())


class Invite(SQLModel, table=True):
    __table_args__ = IDS_ONLY_GROW

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=40, unique=True)
    team_id: int = Field(foreign_key="team.id")
    role: str = Field(max_length=10)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    used_by: int | None = Field(default=None, foreign_key="app_user.id")
    used_at: datetime | None = Field(default=None, sa_column=utc_column())


class BotSetting(SQLModel, table=True):
    """Small key/value facts of the installation, e.g. the one-time setup token."""

    __tablename__ = "bot_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Customer(SQLModel, table=True):
    __table_args__ = (
        # a phone is unique within a team; NULL phones don't collide
        Index(
            "uq_customer_team_phone",
            "team_id",
            "phone",
            unique=True,
            sqlite_where=text("phone IS NOT NULL"),
            postgresql_where=text("phone IS NOT NULL"),
        ),
        Index("uq_customer_link_token", "link_token", unique=True),
        # a summary's new customers and leads converted in a period, with their owners, from the index alone
        Index("ix_customer_team_created", "team_id", "created_at", "owner_id"),
        Index("ix_customer_team_first_purchase", "team_id", "first_purchase_at", "owner_id"),
        # one Telegram chat is one customer's; NULL (not linked) doesn't collide
        Index(
            "uq_customer_tg_chat_id",
            "tg_chat_id",
            unique=True,
            sqlite_where=text("tg_chat_id IS NOT NULL"),
            postgresql_where=text("tg_chat_id IS NOT NULL"),
        ),
        IDS_ONLY_GROW,
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=100)
    kind: str = Field(default=Kind.PERSON, max_length=10)
    company: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    phone_digits: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    wechat: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=10)
    tier: str = Field(default=Tier.PROSPECT, max_length=10)
    urgency: str | None = Field(default=None, max_length=10)
    tags: str = Field(default="", max_length=500)  # ",tag1,tag2," so one LIKE finds a whole tag
    notes: str | None = Field(default=None, sa_column=Column(Text))
    birthday: date | None = None
    lunar_birthday: str | None = Field(default=None, max_length=16)  # see bot/rules/birthdays.py
    tz: str | None = Field(default=None, max_length=64)
    archived_at: datetime | None = Field(default=None, sa_column=utc_column())
    # the customer blocked the bot: nothing more is queued for them
    unreachable_at: datetime | None = Field(default=None, sa_column=utc_column())
    # opt-in (handlers/customers/optin.py): the link's token, and the chat of whoever agreed through it
    link_token: str | None = Field(default=None, max_length=40)
    tg_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    consented_at: datetime | None = Field(default=None, sa_column=utc_column())
    opted_out_at: datetime | None = Field(default=None, sa_column=utc_column())
    # the language the customer's messages are written in, from their Telegram app when they agreed
    language: str | None = Field(default=None, max_length=5)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    # kept up to date in SQL by storage.activity so lists and stages need no joins
    last_interaction_at: datetime | None = Field(default=None, sa_column=utc_column())
    first_purchase_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_purchase_at: datetime | None = Field(default=None, sa_column=utc_column())
    # the lifecycle stage last recorded (storage/lifecycle.py): what a stage change is measured against.
    # NULL until first settled (customers from before it was kept): filled then without an event
    stage: str | None = Field(default=None, max_length=10)
    # the customer's personal data was erased on request (storage/erasure.py): the row stays, anonymous and
    # hidden from everyone, only so its interactions and sales keep counting in the summaries
    erased_at: datetime | None = Field(default=None, sa_column=utc_column())
    # the file import that created the customer (storage/imports.py), so its Undo removes exactly those
    import_id: int | None = Field(default=None, index=True)


class Interaction(SQLModel, table=True):
    # /team counts a member's interactions this week and finds their latest; a summary counts a period's
    # interactions per person and channel from the second index alone (storage/summaries.py)
    __table_args__ = (Index("ix_interaction_user_at", "user_id", "at"),
                      Index("ix_interaction_user_channel_at", "user_id", "channel", "at"), IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(foreign_key="app_user.id")
    channel: str = Field(default=Channel.CALL, max_length=10)
    direction: str = Field(default="out", max_length=3)
    outcome: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, sa_column=Column(Text))
    voice_file_id: str | None = Field(default=None, max_length=200)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


# InteractionDay's column for each channel (the triggers of migration 0014 name them the same)
CHANNEL_COLUMNS = {Channel.CALL: "calls", Channel.VISIT: "visits", Channel.EMAIL: "emails",
                   Channel.MESSAGE: "messages", Channel.MEETING: "meetings"}


class InteractionDay(SQLModel, table=True):
    """Interactions per team (the customer's), person (who logged them) and UTC day, a column per channel:
    kept by the database's triggers on every insert, change and delete of an interaction (migration 0014), so
    a team's summary reads a row per person and day instead of each interaction (storage/summaries.py).
    A later migration that rebuilds `interaction` or `customer` on SQLite (batch mode copies the table) drops
    their triggers and must create them again; tests/test_interaction_day.py fails without them."""

    __tablename__ = "interaction_day"
    # the key serves SQLite, read one person at a time; PostgreSQL reads a team's days by this index
    __table_args__ = (Index("ix_interaction_day_team_day", "team_id", "day"), {"sqlite_with_rowid": False})

    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), primary_key=True))
    day: date = Field(primary_key=True)
    calls: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    visits: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    emails: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    messages: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    meetings: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Purchase(SQLModel, table=True):
    # a period's sales by person, amount and currency (summaries, their charts) from the index alone
    __table_args__ = (Index("ix_purchase_at_user_amount", "at", "user_id", "currency", "amount_minor"),
                      IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(foreign_key="app_user.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    note: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(sa_column=utc_column(nullable=False))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # a refund made from History's Refund button: the sale it comes out of (NULL for /sale's refunds).
    # storage.sales refuses to remove a sale its refunds name; SET NULL, not RESTRICT, because RESTRICT
    # fires mid-statement and would stop deleting a customer whose sale and refund go in one cascade
    refund_of: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("purchase.id", ondelete="SET NULL", name="fk_purchase_refund_of"), index=True))


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # /team's "last active": a member's latest event
    __table_args__ = (Index("ix_audit_event_user_at", "user_id", "at"), IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    user_id: int | None = Field(default=None)
    team_id: int | None = Field(default=None)
    action: str = Field(max_length=40)
    customer_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Dialogue(SQLModel, table=True):
    """A half-finished guided flow, kept here so it survives restarts and is shared by instances."""

    user_tg_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    flow: str = Field(max_length=40)
    step: str = Field(max_length=40)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class Draft(SQLModel, table=True):
    """A dialogue set aside when something else interrupted it: one per flow and user, to resume later."""

    user_tg_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    flow: str = Field(max_length=40, primary_key=True)
    step: str = Field(max_length=40)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    set_aside_at: datetime = Field(sa_column=utc_column(nullable=False))
    # plain text typed after the interruption, held while the user says whether it answers this draft
    pending: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # the user chose "search" for such a text: later texts are searches again without asking
    text_is_search: bool = False


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    # closed because its customer was archived; Unarchive can reopen exactly these
    ARCHIVED = "archived"


class FollowUp(SQLModel, table=True):
    """A promise to get back to a customer; the reminder is materialised into the outbox at `remind_at`."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_owner_status_due", "owner_id", "status", "due_at"),
        # a summary's follow-ups done in a period, and those overdue now, with their owners, from the index alone
        Index("ix_follow_up_status_done", "status", "done_at", "owner_id"),
        Index("ix_follow_up_status_due", "status", "due_at", "owner_id"),
        IDS_ONLY_GROW,
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    owner_id: int = Field(foreign_key="app_user.id")
    created_by: int = Field(foreign_key="app_user.id")
    due_at: datetime = Field(sa_column=utc_column(nullable=False))
    # the rep typed a clock time or an offset: quiet hours leave it alone
    exact: bool = Field(default=True)
    # when the reminder is to be queued; NULL once queued (or when closed) — the due-query reads only this
    remind_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    note: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=FollowUpStatus.OPEN, max_length=10)
    repeat_unit: str | None = Field(default=None, max_length=5)  # day | week | month
    repeat_every: int | None = Field(default=None)
    origin_interaction_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("interaction.id", ondelete="SET NULL"))
    )
    # bumped on every change: buttons carry it, so a press on an older state does nothing
    version: int = Field(default=1)
    # the last reminder message, edited when the follow-up changes so no stale button stays in the chat
    reminder_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    reminder_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    done_at: datetime | None = Field(default=None, sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # the recipient cannot be reached (blocked the bot)
    DEAD = "dead"  # gave up after repeated errors; last_error says why
    SKIPPED = "skipped"  # nothing left to say (the follow-up was closed or changed before sending)


class OutboxMessage(SQLModel, table=True):
    """One proactive message. The unique dedupe key makes queueing it twice a no-op."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        # the claim takes reminders and replies before greetings and other bulk messages
        Index("ix_outbox_status_priority_not_before", "status", "priority", "not_before"),
        IDS_ONLY_GROW,
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=20)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    # the recipient: a rep (user_id), a customer (customer_id), or neither for a group chat
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    customer_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("customer.id", ondelete="SET NULL", name="fk_outbox_message_customer_id"), index=True))
    ref_id: int | None = Field(default=None, index=True)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    # 0 goes first (reminders, notices, relayed messages); BULK (greetings) fills the rate that is left
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    late: bool = Field(default=False)
    not_before: datetime = Field(sa_column=utc_column(nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=utc_column())
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())


BULK = 1  # OutboxMessage.priority of messages that may wait for everything else


class GreetingOccasion(SQLModel, table=True):
    """A team's choice about one occasion: a built-in one switched on or off (`key` from
    bot/rules/occasions.py), or a custom yearly one (`key` "custom:<n>", its name and date here)."""

    __tablename__ = "greeting_occasion"
    __table_args__ = (Index("uq_greeting_occasion_team_key", "team_id", "key", unique=True), IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False))
    key: str = Field(max_length=40)
    enabled: bool = Field(default=True)
    name: str | None = Field(default=None, max_length=100)
    month: int | None = Field(default=None)
    day: int | None = Field(default=None)
    lunar: bool = Field(default=False)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class GreetingTemplate(SQLModel, table=True):
    """A team's own wording for an occasion in one language; without one the catalog's default is used."""

    __tablename__ = "greeting_template"
    __table_args__ = (
        Index("uq_greeting_template_team_occasion_language", "team_id", "occasion", "language", unique=True),
        IDS_ONLY_GROW,
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False))
    occasion: str = Field(max_length=40)
    language: str = Field(max_length=5)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class Greeting(SQLModel, table=True):
    """One occasion greeted (or skipped) for one customer in one year: never a second time."""

    __tablename__ = "greeting"
    __table_args__ = (Index("uq_greeting_customer_occasion_year", "customer_id", "occasion", "year", unique=True),
                      IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False)
    )
    occasion: str = Field(max_length=40)
    year: int
    day: date
    skipped_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Survey(SQLModel, table=True):
    """A 1–5 satisfaction question sent to a customer; one answer, and an optional comment."""

    __table_args__ = IDS_ONLY_GROW

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    sent_by: int | None = Field(default=None, foreign_key="app_user.id")  # None: sent after a sale, automatically
    purchase_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("purchase.id", ondelete="SET NULL"), nullable=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    score: int | None = Field(default=None)
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    comment: str | None = Field(default=None, sa_column=Column(Text))


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "ack"
    RESOLVED = "resolved"


class Complaint(SQLModel, table=True):
    """A customer's complaint: assigned to their rep with a deadline; escalated once to the managers when
    nobody acknowledged it in time; resolved when the customer says they are satisfied or does not answer."""

    __table_args__ = IDS_ONLY_GROW

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    assignee_id: int = Field(foreign_key="app_user.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=ComplaintStatus.OPEN, max_length=10)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    deadline_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column())
    escalated_at: datetime | None = Field(default=None, sa_column=utc_column())
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column())
    satisfied: bool | None = Field(default=None)
    reopened_at: datetime | None = Field(default=None, sa_column=utc_column())


class ScoreSnapshot(SQLModel, table=True):
    """A buyer's RFM scores, segment and value on one day (the rules: bot/rules/rfm.py), taken each night so a
    summary can tell how many customers moved between segments. One row per customer and day."""

    __tablename__ = "score_snapshot"
    __table_args__ = (
        Index("uq_score_snapshot_customer_day", "customer_id", "day", unique=True),
        Index("ix_score_snapshot_team_day", "team_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False)
    )
    day: date
    recency_days: int
    frequency: int
    monetary_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    r: int
    f: int
    m: int
    segment: str = Field(max_length=12)
    clv_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    predicted_clv_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class StageChange(SQLModel, table=True):
    """A customer's lifecycle stage moved: by time passing (found by the nightly job), or by a touch, a sale,
    an undo, a deleted entry or the team's thresholds (written with the change that caused it)."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_team_at", "team_id", "at"), IDS_ONLY_GROW)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    team_id: int = Field(foreign_key="team.id")
    from_stage: str = Field(max_length=10)
    to_stage: str = Field(max_length=10)
    at: datetime = Field(sa_column=utc_column(nullable=False))
    cause: str = Field(max_length=12)  # storage.lifecycle.Cause
    # the threshold in days that time crossed (a change caused by time), for History's "90 days without contact"
    days: int | None = Field(default=None)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")  # who caused it; None: time


class NightlyRun(SQLModel, table=True):
    """One step of the nightly job (bot/outbound/nightly.py) for one team and night: the row is claimed before
    the step's work, in the same transaction, and `done_at` set once the team is done, so every instance and
    every restart runs each step once a night (storage/nightly.py)."""

    __tablename__ = "nightly_run"

    day: date = Field(primary_key=True)  # the night's date, in SALESBOT_TIMEZONE
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), primary_key=True))
    step: str = Field(primary_key=True, max_length=20)
    # a step that works in batches: the id its next batch goes on after (batches commit one by one)
    after_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    done_at: datetime | None = Field(default=None, sa_column=utc_column())


class BackupRun(SQLModel, table=True):
    """The daily backup of one day (bot/outbound/backup.py): claimed for a while before the copy starts, so a
    second instance leaves it alone, and done once the file is written (storage/backup_runs.py)."""

    __tablename__ = "backup_run"

    day: date = Field(primary_key=True)  # in SALESBOT_TIMEZONE
    # until then the day is another instance's to finish; after it, a crashed copy is taken over
    claimed_until: datetime = Field(sa_column=utc_column(nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=utc_column())
    file: str | None = Field(default=None, max_length=500)


class UpdateInbox(SQLModel, table=True):
    """An update the webhook received, stored before Telegram is answered (storage/inbox.py): an instance that
    dies after answering loses nothing, a delivery Telegram repeats finds its id taken, and whichever instance
    holds a chat's lock handles that chat's updates in id order."""

    __tablename__ = "update_inbox"
    __table_args__ = (
        # what is still to be handled, per chat in order; handled rows stay a day for repeats to find
        Index("ix_update_inbox_pending", "chat_key", "update_id", sqlite_where=text("handled_at IS NULL"),
              postgresql_where=text("handled_at IS NULL")),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # the chat (else the user) whose updates go one at a time
    chat_key: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the update's JSON as Telegram sent it
    received_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    handled_at: datetime | None = Field(default=None, sa_column=utc_column())


class CustomerImport(SQLModel, table=True):
    """A file of customers imported at once (handlers/customers/imports.py): who imported it, for whom, and
    whether its Undo ran; the customers it created carry its id."""

    __tablename__ = "customer_import"
    __table_args__ = IDS_ONLY_GROW

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    user_id: int = Field(foreign_key="app_user.id")  # who sent the file and confirmed it
    owner_id: int = Field(foreign_key="app_user.id")  # who got the customers
    file_name: str = Field(default="", max_length=200)
    created: int = Field(default=0)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    undone_at: datetime | None = Field(default=None, sa_column=utc_column())


class ImportPreview(SQLModel, table=True):
    """A customer file read and shown, waiting for Confirm (handlers/customers/imports.py): one a person, in the
    database so that whichever instance gets the press, and a restarted one, finds it (storage/import_previews.py).
    `body` is the preview as JSON text (bot/views/imports.py), up to a file's 20,000 rows; the owner is a column
    of its own, so picking another one does not rewrite the body."""

    __tablename__ = "import_preview"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False))
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False))
    # in the buttons' data: a press on an older preview's button does not reach a newer one
    token: str = Field(max_length=10)
    owner_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False))
    owner_name: str = Field(default="", max_length=200)  # "" while the sender imports for themselves
    created_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
