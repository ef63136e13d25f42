"""Who sees users and administers accounts: the council's members see each other's names (owners
of follow-ups); unlocking accounts and resetting two-factor sign-in is the admin's."""

import sqlalchemy as sa

from ..agencies.models import Agency
from ..core.access import Rule, council_clause, in_council, register
from ..core.roles import Role
from .models import User


@register(User)
class UserRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        if user.role is Role.ADMIN:
            return sa.true()
        agencies = sa.select(Agency.id).where(council_clause(user, Agency.council_id))
        return sa.or_(User.id == user.id, User.agency_id.in_(agencies))

    def can_view(self, user, other: User) -> bool:
        return other.id == user.id or in_council(user, other.council_id)

    def allows(self, user, action: str, other: User | None) -> bool:
        # "unlock": accounts locked after failed sign-ins, and resetting a second factor
        return action == "unlock" and user.role is Role.ADMIN
