"""Initiatives and plan items are the council's shared plan: every member of the council sees them."""

import sqlalchemy as sa

from ..core.access import Rule, council_clause, in_council, register
from .models import Initiative, PlanItem


@register(Initiative)
class InitiativeRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, Initiative.council_id)

    def can_view(self, user, initiative: Initiative) -> bool:
        return in_council(user, initiative.council_id)


@register(PlanItem, name="plan_item")
class PlanItemRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, PlanItem.council_id)

    def can_view(self, user, plan_item: PlanItem) -> bool:
        return in_council(user, plan_item.council_id)
