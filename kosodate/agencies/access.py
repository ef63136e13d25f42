"""Who sees councils and agencies: the members of the council (admins: all). Who administers them:
admins create councils and their plan items; admins and the council's secretariat its agencies."""

import sqlalchemy as sa

from ..core.access import Rule, council_clause, in_council, register, runs_council
from ..core.roles import SECRETARIAT_ROLES, Role
from .models import Agency, Council


@register(Council)
class CouncilRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Council.id)

    def can_view(self, user, council: Council) -> bool:
        return in_council(user, council.id)

    def allows(self, user, action: str, council: Council | None) -> bool:
        # "administer": create councils (on the kind), edit one and its plan items: admins only
        if action == "administer":
            return user.role is Role.ADMIN
        # "run": report rounds, imports and administration; "export": all its data as a ZIP
        return action in ("run", "export") and council is not None and runs_council(user, council.id)


@register(Agency)
class AgencyRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Agency.council_id)

    def can_view(self, user, agency: Agency) -> bool:
        return in_council(user, agency.council_id)

    def allows(self, user, action: str, agency: Agency | None) -> bool:
        # "manage": the list of /admin/agencies and adding one (on the kind); "edit": one agency
        if action == "manage":
            return agency is None and user.role in SECRETARIAT_ROLES
        return action == "edit" and agency is not None and runs_council(user, agency.council_id)
