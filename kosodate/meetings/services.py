"""Which meetings a user sees and may change; the list with its filters."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from ..auth.models import Role, User
from ..core.permissions import can_see_council, council_scope
from ..core.time import TOKYO, fiscal_year_bounds, now, to_tokyo
from ..extensions import db
from .models import Meeting, MeetingKind

PAGE_SIZE = 50


def visible_meetings_query(user: User) -> sa.Select:
    return sa.select(Meeting).where(council_scope(user, Meeting.council_id))


def can_edit_meeting(user: User, meeting: Meeting) -> bool:
    """Staff of the council; an agency member only for meetings their agency hosts."""
    if not can_see_council(user, meeting.council_id):
        return False
    return user.role is not Role.AGENCY_MEMBER or meeting.host_agency_id == user.agency_id


def get_meeting_or_404(user: User, meeting_id: int, *options) -> Meeting:
    """The meeting, with `options` (loader options) applied, or 404 for those who may not see it."""
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id).options(*options))
    if meeting is None or not can_see_council(user, meeting.council_id):
        abort(404)
    return meeting


def get_editable_meeting(user: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_or_404(user, meeting_id)
    if not can_edit_meeting(user, meeting):
        abort(403)
    return meeting


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
    query = visible_meetings_query(user)
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
    query = visible_meetings_query(user).where(Meeting.starts_at >= now())
    return db.session.scalar(query.order_by(Meeting.starts_at).limit(1))


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The meeting of the same council and kind just before this one."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.council_id == meeting.council_id,
            Meeting.kind == meeting.kind,
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def meeting_date(meeting: Meeting):
    return to_tokyo(meeting.starts_at).date()
