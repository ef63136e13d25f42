"""A user's calendar feed address."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime
from ..core.time import now
from ..extensions import db


class CalendarFeed(db.Model):
    """The secret part of a user's /calendar/<token>.ics. Calendar programs cannot log in, so the
    address is the key: it is kept (not hashed) so the settings page can show it again, and making a
    new one replaces it, after which the old address answers 404."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarFeed user={self.user_id}>"
