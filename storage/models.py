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


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    currency: str = Field(default="CNY", max_length=3)
    is_default: bool = Field(default=False)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    tg_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    team_id: int = Field(foreign_key="team.id", index=True)
    role: str = Field(max_length=10)
    name: str = Field(default="", max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=5)
    tz: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Invite(SQLModel, table=True):
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
    lunar_birthday: str | None = Field(default=None, max_length=16)  # see bot/birthdays.py
    tz: str | None = Field(default=None, max_length=64)
    archived_at: datetime | None = Field(default=None, sa_column=utc_column())
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    # kept up to date in SQL by storage.activity so lists and stages need no joins
    last_interaction_at: datetime | None = Field(default=None, sa_column=utc_column())
    first_purchase_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_purchase_at: datetime | None = Field(default=None, sa_column=utc_column())


class Interaction(SQLModel, table=True):
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


class Purchase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(foreign_key="app_user.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    note: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

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
