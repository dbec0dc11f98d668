"""Who may see which customers. Every customer query goes through `visible_customers`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true
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
    if actor.role == Role.ADMIN:
        return true()
    if actor.role == Role.MANAGER:
        return Customer.team_id == actor.team_id
    return Customer.owner_id == actor.user_id


def visible_customers(actor: Actor) -> ColumnElement[bool]:
    """The customers in the actor's reach whose data was not erased (storage/erasure.py): an erased customer
    is nobody's to see, change or log on; only the summaries still count its rows."""
    return and_(reach(actor), col(Customer.erased_at).is_(None))
