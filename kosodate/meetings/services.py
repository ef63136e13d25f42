"""Which meetings a user sees."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.permissions import council_scope
from ..core.time import now
from ..extensions import db
from .models import Meeting


def visible_meetings_query(user: User) -> sa.Select:
    return sa.select(Meeting).where(council_scope(user, Meeting.council_id))


def list_meetings(user: User) -> list[Meeting]:
    query = visible_meetings_query(user).options(
        selectinload(Meeting.host_agency), selectinload(Meeting.secretariat_agency)
    )
    return list(db.session.scalars(query.order_by(Meeting.starts_at.desc())))


def next_meeting(user: User) -> Meeting | None:
    query = visible_meetings_query(user).where(Meeting.starts_at >= now())
    return db.session.scalar(query.order_by(Meeting.starts_at).limit(1))
