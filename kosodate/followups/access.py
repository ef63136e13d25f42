"""Who sees and changes which follow-ups (DESIGN.md §4).

Staff (admin, secretariat, coordinators) see and change every follow-up of their council. An agency
member sees those she owns, those of her agency and those her agency is linked to; she changes the
first two and comments on all three. A case's follow-ups are also seen (and commented on) by every
agency of the case's care team: they work on the child together.
"""

import sqlalchemy as sa

from ..cases.access import on_team, on_team_clause
from ..core.access import Rule, council_clause, in_council, is_staff, register
from .models import FollowUp, followup_agencies


def mine_clause(user, columns=FollowUp) -> sa.ColumnElement[bool]:
    """Owned by the user, or their agency is responsible or linked; `columns` may be a subquery's."""
    if user.agency_id is None:
        return columns.owner_id == user.id
    linked = sa.select(followup_agencies.c.followup_id).where(followup_agencies.c.agency_id == user.agency_id)
    return sa.or_(
        columns.owner_id == user.id,
        columns.responsible_agency_id == user.agency_id,
        columns.id.in_(linked),
    )


def is_mine(user, followup: FollowUp) -> bool:
    return (
        followup.owner_id == user.id
        or (user.agency_id is not None and followup.responsible_agency_id == user.agency_id)
        or any(agency.id == user.agency_id for agency in followup.linked_agencies)
    )


@register(FollowUp)
class FollowUpRule(Rule):
    def visible(self, user, columns=FollowUp) -> sa.ColumnElement[bool]:
        in_scope = council_clause(user, columns.council_id)
        if is_staff(user):
            return in_scope
        return sa.and_(in_scope, sa.or_(mine_clause(user, columns), on_team_clause(user, columns.case_id)))

    def can_view(self, user, followup: FollowUp) -> bool:
        if not in_council(user, followup.council_id):
            return False
        on_its_team = followup.case_id is not None and on_team(user, followup.case)
        return is_staff(user) or is_mine(user, followup) or on_its_team

    def allows(self, user, action: str, followup: FollowUp | None) -> bool:
        if followup is None:
            # "create": anyone with a council (an agency member for her own agency only);
            # "bulk": reassign, re-date and close many at once; "see_council": every follow-up
            if action == "create":
                return user.agency_id is not None or is_staff(user)
            return action in ("bulk", "see_council") and is_staff(user)
        if action == "comment":
            return True
        if action == "change":  # edit, status
            return (
                is_staff(user)
                or followup.owner_id == user.id
                or (user.agency_id is not None and followup.responsible_agency_id == user.agency_id)
            )
        return False
