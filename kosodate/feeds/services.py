"""Whose feed an address is, making a new address, and what a user's feed holds.

The feed asks the same visibility rules as every page, then narrows them to what is the user's
own: meetings her agency attends or hosts, and open follow-ups she owns or her agency is
responsible for, with a due date.
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core import audit
from ..core.access import visible
from ..core.time import now
from ..extensions import db
from ..followups.models import OPEN_STATUSES, FollowUp
from ..meetings.models import Meeting, meeting_attendees
from .models import CalendarFeed

#: calendar programs pass the address around; it must not be guessable
TOKEN_BYTES = 32


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def new_address(user: User) -> CalendarFeed:
    """Make the user's feed address, or replace it: the old one answers 404 from now on."""
    feed = feed_of(user)
    action = "calendar_feed.rotate" if feed else "calendar_feed.create"
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(TOKEN_BYTES)
    feed.created_at = now()
    audit.record(action, actor=user, obj=user)
    return feed


def user_by_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(
        sa.select(CalendarFeed).where(CalendarFeed.token == token).options(joinedload(CalendarFeed.user))
    )
    return feed.user if feed is not None and feed.user.active else None


def feed_meetings(user: User) -> list[Meeting]:
    if user.agency_id is None:
        return []
    attended = sa.select(meeting_attendees.c.meeting_id).where(
        meeting_attendees.c.agency_id == user.agency_id
    )
    since = now() - timedelta(days=current_app.config["CALENDAR_PAST_DAYS"])
    query = (
        visible(user, Meeting)
        .where(
            sa.or_(Meeting.host_agency_id == user.agency_id, Meeting.id.in_(attended)),
            Meeting.starts_at >= since,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(db.session.scalars(query))


def feed_followups(user: User) -> list[FollowUp]:
    own = FollowUp.owner_id == user.id
    if user.agency_id is not None:
        own = sa.or_(own, FollowUp.responsible_agency_id == user.agency_id)
    query = (
        visible(user, FollowUp)
        .where(own, FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_date.is_not(None))
        .options(joinedload(FollowUp.responsible_agency))
        .order_by(FollowUp.due_date, FollowUp.id)
    )
    return list(db.session.scalars(query))
