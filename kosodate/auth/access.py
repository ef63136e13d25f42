"""Who sees users and administers them: the council's members see each other's names (owners of
follow-ups); admins administer every user, the secretariat the users of its own council's agencies
(never an admin) — /admin/users."""

import sqlalchemy as sa

from ..agencies.models import Agency
from ..core.access import Rule, council_clause, in_council, register
from ..core.roles import SECRETARIAT_ROLES, Role
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
        # "manage": invite, change, deactivate, unlock, reset two-factor sign-in (on the kind: the list)
        if action != "manage":
            return False
        if other is None or user.role is Role.ADMIN:
            return user.role in SECRETARIAT_ROLES
        return (
            user.role is Role.SECRETARIAT
            and other.role is not Role.ADMIN
            and other.council_id is not None
            and other.council_id == user.council_id
        )
