"""Personal access tokens: a user's keys to the JSON API, stored only as a keyed hash."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, str_enum
from ..core.time import now
from ..extensions import db


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"

    @property
    def label(self) -> str:
        return {"read": "読み取りのみ", "write": "読み取りと書き込み"}[self.value]


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: what the user called it ("kintone 連携")
    name: Mapped[str] = mapped_column(sa.String(100))
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope))
    #: HMAC-SHA256 of the token under the app's secret key; the token itself is shown once
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    #: updated at most once a minute, not at every request
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name} {self.scope} user={self.user_id}>"
