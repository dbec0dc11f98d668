"""Who may see which customers. Every customer query goes through `visible_customers` (or `visible_to_role`, its
form for a statement built once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, true
from sqlmodel import col

from storage.models import Customer, Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    team_id: int
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_invite(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)

    @property
    def sees_team(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)


def reach(actor: Actor) -> ColumnElement[bool]:
    """A rep: own customers; a manager: the team's; an admin: all — erased ones too (for counting them)."""
    return _reach(actor.role, team_id=actor.team_id, user_id=actor.user_id)


def _reach(role: str, *, team_id: int | BindParameter, user_id: int | BindParameter) -> ColumnElement[bool]:
    if role == Role.ADMIN:
        return true()
    if role == Role.MANAGER:
        return Customer.team_id == team_id
    return Customer.owner_id == user_id


def visible_customers(actor: Actor) -> ColumnElement[bool]:
    """The customers in the actor's reach whose data was not erased (storage/erasure.py): an erased customer
    is nobody's to see, change or log on; only the summaries still count its rows."""
    return and_(reach(actor), col(Customer.erased_at).is_(None))


def visible_to_role(role: str) -> ColumnElement[bool]:
    """`visible_customers` for a statement built once per role (storage/db.py, "Statements on the hot path"):
    the actor's ids are parameters, given by `actor_params`."""
    return and_(_reach(role, team_id=bindparam("actor_team_id"), user_id=bindparam("actor_user_id")),
                col(Customer.erased_at).is_(None))


def actor_params(actor: Actor) -> dict[str, Any]:
    return {"actor_team_id": actor.team_id, "actor_user_id": actor.user_id}
