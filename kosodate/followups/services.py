"""Which follow-ups a user sees, and the counts the dashboard shows."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..auth.models import User
from ..core.permissions import council_scope
from ..core.time import today_tokyo
from ..extensions import db
from .models import OPEN_STATUSES, FollowUp, followup_agencies


def visible_followups_query(user: User) -> sa.Select:
    return sa.select(FollowUp).where(council_scope(user, FollowUp.council_id))


def mine_clause(user: User) -> sa.ColumnElement[bool]:
    """Owned by the user, or their agency is responsible or linked."""
    if user.agency_id is None:
        return FollowUp.owner_id == user.id
    linked = sa.select(followup_agencies.c.followup_id).where(followup_agencies.c.agency_id == user.agency_id)
    return sa.or_(
        FollowUp.owner_id == user.id,
        FollowUp.responsible_agency_id == user.agency_id,
        FollowUp.id.in_(linked),
    )


@dataclass(frozen=True)
class FollowUpCounts:
    open: int
    overdue: int
    mine_open: int
    mine_overdue: int


def followup_counts(user: User) -> FollowUpCounts:
    """Open and overdue follow-ups of the user's councils, and of those the ones that are theirs."""
    visible = visible_followups_query(user).where(FollowUp.status.in_(OPEN_STATUSES)).subquery()
    overdue = visible.c.due_date < today_tokyo()
    mine = visible.c.id.in_(sa.select(FollowUp.id).where(mine_clause(user)))
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(overdue),
            sa.func.count().filter(mine),
            sa.func.count().filter(sa.and_(mine, overdue)),
        ).select_from(visible)
    ).one()
    return FollowUpCounts(*row)
