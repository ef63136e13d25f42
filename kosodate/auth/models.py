"""Users and their roles, their second factor, and the counters of failed sign-ins."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..agencies.models import Agency
from ..core.db import UTCDateTime, str_enum
from ..core.roles import Role
from ..core.time import now
from ..extensions import db


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased, so uniqueness is case-insensitive on every database
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: None only for admins, who belong to no agency
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: the id Flask-Login keeps in the session; replacing it ends every session of the user
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the TOTP secret (RFC 6238, base32) once confirmed; None: the user signs in with a password only
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: a secret shown for enrolment and not confirmed yet by a code
    totp_pending_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the time step of the last code accepted: each code is accepted once
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    agency: Mapped[Agency | None] = relationship()

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    @property
    def council_id(self) -> int | None:
        return self.agency.council_id if self.agency else None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


def normalise_email(value: str) -> str:
    return value.strip().lower()


class RecoveryCode(db.Model):
    """One of the ten single-use codes that stand in for the authenticator app."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code: the codes are random (80 bits), so a slow hash adds nothing
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id} used={self.used_at is not None}>"


class Invitation(db.Model):
    """A link to set the first password, e-mailed to an invited user: usable once, until it expires;
    sending a new one deletes the earlier ones."""

    __tablename__ = "invitations"
    #: ids are never reused (SQLite would reuse a deleted one): an e-mail names its invitation's id
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the link's random token (256 bits): the database alone cannot open the link
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} user={self.user_id} used={self.used_at is not None}>"


class LoginThrottle(db.Model):
    """Failed sign-ins and locks of one account or client address (the database store; Redis
    holds the same when REDIS_URL is set)."""

    __tablename__ = "login_throttles"

    #: "account" (a normalised e-mail, registered or not) or "address" (a client IP address)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    #: attempts counted in the window that started at window_started_at
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: locks in a row: each one doubles the next; forgotten a day after the last one ends
    lock_count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.kind}:{self.key} {self.failures} until={self.locked_until}>"
