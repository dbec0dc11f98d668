"""Who may see which customers. Every customer query goes through `visible_customers`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

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


def visible_customers(actor: Actor) -> ColumnElement[bool]:
    """A rep: own customers; a manager: the team's; an admin: all."""
    if actor.role == Role.ADMIN:
        return true()
    if actor.role == Role.MANAGER:
        return Customer.team_id == actor.team_id
    return Customer.owner_id == actor.user_id
