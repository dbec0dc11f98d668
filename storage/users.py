"""Teams, users, invites and the one-time setup link."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import bindparam, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor
from storage.models import BotSetting, Invite, Role, Team, User

INVITE_LIFETIME = timedelta(days=7)
SETUP_KEY = "setup_token"


class JoinResult(StrEnum):
    JOINED = "joined"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    ALREADY_MEMBER = "already_member"


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, team_id=user.team_id, role=user.role)  # type: ignore[arg-type]


async def default_team(session: AsyncSession, *, now: datetime, currency: str) -> Team:
    team = (await session.exec(select(Team).where(Team.is_default == True))).first()  # noqa: E712
    if team is None:
        team = Team(name="Default team", currency=currency, is_default=True, created_at=now)
        session.add(team)
        await session.flush()
    return team


async def ensure_admins(session: AsyncSession, *, tg_ids: list[int], now: datetime, currency: str) -> None:
    """Admins listed in the settings exist, in the default team, with the admin role."""
    team = await default_team(session, now=now, currency=currency)
    for tg_id in tg_ids:
        user = await user_by_tg(session, tg_id, left_too=True)
        if user is None:
            session.add(User(tg_id=tg_id, team_id=team.id, role=Role.ADMIN, created_at=now))
        elif user.role != Role.ADMIN or user.left_at is not None:
            if user.left_at is not None:  # someone who left comes back as an admin, in the default team
                user.team_id = team.id
            user.role, user.left_at = Role.ADMIN, None
    await session.flush()


# read on every update: built once (storage/db.py, "Statements on the hot path")
BY_TG = select(User).where(col(User.tg_id) == bindparam("tg_id"))
MEMBER_BY_TG = BY_TG.where(col(User.left_at).is_(None))


async def user_by_tg(session: AsyncSession, tg_id: int, *, left_too: bool = False) -> User | None:
    """The member with this Telegram id; one who left the team is no member (None) unless `left_too`."""
    return (await session.exec(BY_TG if left_too else MEMBER_BY_TG, params={"tg_id": tg_id})).first()


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    """The user with this id, also one who left (History and notices still name them)."""
    return await session.get(User, user_id)


async def has_left(session: AsyncSession, *, user_id: int) -> bool:
    return (await session.exec(select(User.left_at).where(col(User.id) == user_id))).first() is not None


async def team_users(session: AsyncSession, *, team_id: int) -> list[User]:
    return list(await session.exec(select(User).where(User.team_id == team_id).order_by(col(User.id))))


async def managers(session: AsyncSession) -> list[User]:
    """Every manager still in a team and not known to have blocked the bot: the weekly digest's."""
    return list(await session.exec(select(User).where(
        col(User.role) == Role.MANAGER, col(User.left_at).is_(None),
        col(User.unreachable_at).is_(None)).order_by(col(User.id))))


async def team_of(session: AsyncSession, actor: Actor) -> Team:
    team = await session.get(Team, actor.team_id)
    assert team is not None
    return team


async def refresh_profile(session: AsyncSession, user: User, *, name: str, username: str | None,
                          telegram_language: str | None = None) -> None:
    """Keep the display name and Telegram language current; write only when something changed.

    A user who writes to the bot can be reached again, whatever a past send was told.
    """
    telegram_language = (telegram_language or "")[:10] or user.telegram_language
    if (user.name, user.username, user.telegram_language) != (name, username, telegram_language) \
            or user.unreachable_at is not None:
        user.name, user.username, user.telegram_language = name[:200], username, telegram_language
        user.unreachable_at = None
        await session.flush()


async def mark_unreachable(session: AsyncSession, *, tg_id: int, now: datetime) -> None:
    """The person blocked the bot: nothing proactive goes to them until they write again (refresh_profile)."""
    await session.exec(  # type: ignore[call-overload]
        update(User).where(col(User.tg_id) == tg_id).values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )


async def set_language(session: AsyncSession, *, user_id: int, language: str | None) -> None:
    await session.exec(update(User).where(col(User.id) == user_id).values(language=language))  # type: ignore[call-overload]


async def set_timezone(session: AsyncSession, *, user_id: int, tz: str) -> None:
    await session.exec(update(User).where(col(User.id) == user_id).values(tz=tz))  # type: ignore[call-overload]


async def create_invite(session: AsyncSession, *, actor: Actor, role: str, token: str, now: datetime) -> Invite:
    invite = Invite(token=token, team_id=actor.team_id, role=role, created_by=actor.user_id,
                    created_at=now, expires_at=now + INVITE_LIFETIME)
    session.add(invite)
    await session.flush()
    return invite


async def accept_invite(
    session: AsyncSession, *, token: str, tg_id: int, name: str, username: str | None, now: datetime,
) -> tuple[JoinResult, User | None]:
    """Join the inviter's team. Someone who left a team joins again as the same user (their row is kept for
    the history that names them), with the invite's team and role."""
    returning = await user_by_tg(session, tg_id, left_too=True)
    if returning is not None and returning.left_at is None:
        return JoinResult.ALREADY_MEMBER, None
    invite = (await session.exec(select(Invite).where(Invite.token == token))).first()
    if invite is None:
        return JoinResult.UNKNOWN, None
    if invite.used_at is not None:
        return JoinResult.USED, None
    if invite.expires_at <= now:
        return JoinResult.EXPIRED, None
    user = returning or User(tg_id=tg_id, team_id=invite.team_id, role=invite.role, name=name[:200],
                             username=username, created_at=now)
    if returning is None:
        session.add(user)
        await session.flush()
    # conditional: of two people opening one link at once, only one gets it
    claimed = await session.exec(  # type: ignore[call-overload]
        update(Invite).where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now, used_by=user.id)
    )
    if claimed.rowcount != 1:
        if returning is None:
            await session.delete(user)
            await session.flush()
        return JoinResult.USED, None
    if returning is not None:
        # a digest that is on is armed afresh by the digest producer (digest_at NULL)
        user.team_id, user.role, user.left_at, user.digest_on = invite.team_id, invite.role, None, True
        user.name, user.username = name[:200], username
        await session.flush()
    return JoinResult.JOINED, user


async def setup_token(session: AsyncSession, *, new_token: str) -> str | None:
    """The pending setup token, created on first call; None once an admin exists."""
    admin = (await session.exec(select(User).where(User.role == Role.ADMIN))).first()
    if admin is not None:
        return None
    setting = await session.get(BotSetting, SETUP_KEY)
    if setting is None:
        setting = BotSetting(key=SETUP_KEY, value=new_token)
        session.add(setting)
        await session.flush()
    return setting.value


async def claim_setup(
    session: AsyncSession, *, token: str, tg_id: int, name: str, username: str | None, now: datetime, currency: str,
) -> User | None:
    """Whoever opens the setup link first becomes the first admin; the link then dies."""
    removed = await session.exec(  # type: ignore[call-overload]
        delete(BotSetting).where(col(BotSetting.key) == SETUP_KEY, col(BotSetting.value) == token)
    )
    if removed.rowcount != 1:
        return None
    team = await default_team(session, now=now, currency=currency)
    user = await user_by_tg(session, tg_id, left_too=True)
    if user is None:
        user = User(tg_id=tg_id, team_id=team.id, role=Role.ADMIN, name=name[:200], username=username,
                    created_at=now)
        session.add(user)
    else:
        user.role, user.team_id, user.left_at = Role.ADMIN, team.id, None
    await session.flush()
    return user


async def set_quiet_hours(session: AsyncSession, *, user_id: int, start: int, end: int) -> None:
    """Quiet hours as minutes after local midnight; start == end means none."""
    await session.exec(  # type: ignore[call-overload]
        update(User).where(col(User.id) == user_id).values(quiet_start=start, quiet_end=end)
    )


async def set_digest(session: AsyncSession, *, user_id: int, on: bool) -> None:
    """Morning digest on or off; off also forgets when the next one was due."""
    values: dict = {"digest_on": on} if on else {"digest_on": False, "digest_at": None}
    await session.exec(update(User).where(col(User.id) == user_id).values(**values))  # type: ignore[call-overload]


CADENCE_COLUMNS = {"vip": "cadence_vip", "quality": "cadence_quality", "regular": "cadence_regular",
                   "prospect": "cadence_prospect"}


async def set_cadence(session: AsyncSession, *, actor: Actor, tier: str, days: int) -> bool:
    """A manager or admin sets their team's contact cadence for a tier; False (nothing changed) for anyone else."""
    column = CADENCE_COLUMNS.get(tier)
    if column is None or not actor.sees_team or not 1 <= days <= 365:
        return False
    await session.exec(  # type: ignore[call-overload]
        update(Team).where(col(Team.id) == actor.team_id).values({column: days})
    )
    return True


async def set_complaint_hours(session: AsyncSession, *, actor: Actor, hours: int) -> bool:
    """A manager or admin sets how long their team's complaints may wait for the rep; False for anyone else."""
    if not actor.sees_team or not 1 <= hours <= 24 * 14:
        return False
    await session.exec(  # type: ignore[call-overload]
        update(Team).where(col(Team.id) == actor.team_id).values(complaint_hours=hours)
    )
    return True


async def names_of(session: AsyncSession, *, user_ids: set[int]) -> dict[int, str]:
    """Display names by user id (the Telegram name, else the @username), for showing who owns or logged what."""
    if not user_ids:
        return {}
    rows = await session.exec(select(User).where(col(User.id).in_(user_ids)))
    return {user.id: display_name(user) for user in rows}  # type: ignore[misc]


class Named(Protocol):
    """What a name is made of: a User, or a row of just these columns."""

    id: int | None
    name: str | None
    username: str | None


def display_name(user: Named) -> str:
    """The Telegram name, else the @username, else the #id: how the bot names a colleague."""
    return user.name or (f"@{user.username}" if user.username else f"#{user.id}")
