"""The meeting list with its filters, the next and previous meetings, a meeting's outcomes."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..agencies.models import Agency
from ..auth.models import User
from ..core.access import visible, visible_clause
from ..core.time import TOKYO, fiscal_year_bounds, now, to_tokyo
from ..extensions import db
from ..followups.models import OPEN_STATUSES, FollowUp
from .models import Meeting, MeetingKind

PAGE_SIZE = 50


@dataclass(frozen=True)
class MeetingFilter:
    council_id: int | None = None
    kind: MeetingKind | None = None
    fiscal_year: int | None = None
    #: "upcoming", "past" or None for both
    when: str | None = None
    page: int = 1


def list_meetings(user: User, filters: MeetingFilter | None = None) -> tuple[list[Meeting], int]:
    """A page of meetings (upcoming ones soonest first, past ones latest first) and the total."""
    filters = filters or MeetingFilter()
    query = visible(user, Meeting)
    if filters.council_id is not None:
        query = query.where(Meeting.council_id == filters.council_id)
    if filters.kind is not None:
        query = query.where(Meeting.kind == filters.kind)
    if filters.fiscal_year is not None:
        first, last = fiscal_year_bounds(filters.fiscal_year)
        query = query.where(Meeting.starts_at >= _start_of(first), Meeting.starts_at < _start_of(last, 1))
    moment = now()
    if filters.when == "upcoming":
        query = query.where(Meeting.starts_at >= moment).order_by(Meeting.starts_at)
    elif filters.when == "past":
        query = query.where(Meeting.starts_at < moment).order_by(Meeting.starts_at.desc())
    else:
        query = query.order_by(Meeting.starts_at.desc())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    meetings = db.session.scalars(
        query.options(selectinload(Meeting.host_agency), selectinload(Meeting.secretariat_agency))
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(meetings), total


def _start_of(day: date, plus_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(0, 0), TOKYO)


def next_meeting(user: User) -> Meeting | None:
    query = visible(user, Meeting).where(Meeting.starts_at >= now(), Meeting.cancelled_at.is_(None))
    return db.session.scalar(query.order_by(Meeting.starts_at).limit(1))


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The meeting of the same council and kind (and case) held just before this one."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.council_id == meeting.council_id,
            Meeting.kind == meeting.kind,
            Meeting.case_id.is_(None) if meeting.case_id is None else Meeting.case_id == meeting.case_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.cancelled_at.is_(None),  # a meeting that was not held is no point of comparison
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def meeting_date(meeting: Meeting):
    return to_tokyo(meeting.starts_at).date()


@dataclass
class MeetingOutcomes:
    """The follow-ups a meeting gave: those the viewer may open, and the others as numbers."""

    listed: list
    #: (agency name, follow-ups, of which open) for the follow-ups the viewer may not open
    others: list[tuple[str, int, int]]


def meeting_outcomes(user: User, meeting: Meeting) -> MeetingOutcomes:
    from_meeting = FollowUp.source_meeting_id == meeting.id
    listed = db.session.scalars(
        visible(user, FollowUp)
        .where(from_meeting)
        .options(selectinload(FollowUp.responsible_agency), selectinload(FollowUp.owner))
        .order_by(FollowUp.id)
    ).all()
    others = db.session.execute(
        sa.select(Agency.name, sa.func.count(), sa.func.count().filter(FollowUp.status.in_(OPEN_STATUSES)))
        .join(Agency, Agency.id == FollowUp.responsible_agency_id)
        # IS NOT TRUE: a clause that is NULL (no owner) is "not visible" too
        .where(from_meeting, visible_clause(user, FollowUp).is_not(sa.true()))
        .group_by(Agency.id, Agency.name, Agency.sort_order)
        .order_by(Agency.sort_order, Agency.id)
    ).all()
    return MeetingOutcomes(list(listed), [tuple(row) for row in others])
