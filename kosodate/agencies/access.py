"""Who sees councils and agencies: the members of the council (admins: all)."""

import sqlalchemy as sa

from ..core.access import Rule, council_clause, in_council, register, runs_council
from .models import Agency, Council


@register(Council)
class CouncilRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Council.id)

    def can_view(self, user, council: Council) -> bool:
        return in_council(user, council.id)

    def allows(self, user, action: str, council: Council | None) -> bool:
        # "run": report rounds, imports and administration; "export": all its data as a ZIP
        return action in ("run", "export") and council is not None and runs_council(user, council.id)


@register(Agency)
class AgencyRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Agency.council_id)

    def can_view(self, user, agency: Agency) -> bool:
        return in_council(user, agency.council_id)
