"""Invitations: a new user is sent a link to set their first password; the link works once, for
INVITATION_HOURS, and sending another one ends the earlier ones.

The token is random and only its hash is stored. Using it is one UPDATE guarded by "not used yet and
not expired", so two requests with the same link cannot both set a password.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import sqlalchemy as sa

from ..core import audit
from ..core.time import now
from ..extensions import db
from .events import user_invited
from .models import Invitation, User
from .passwords import hash_password, password_problem

INVITATION_HOURS = 72
#: a token is 43 characters (32 random bytes, base64url); anything much longer is not one
TOKEN_MAX_LENGTH = 64


class InvitationState(Enum):
    OPEN = "open"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class FoundInvitation:
    state: InvitationState
    invitation: Invitation | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unusable_password_hash() -> str:
    """What an invited user's password hash is until they set one: no password matches it."""
    return "!invited:" + secrets.token_hex(16)


def invite(user: User, *, actor: User | None) -> str:
    """A new link for the user (the earlier ones stop working); the e-mail is queued with it.
    Returns the token (for the e-mail and for tests; never stored or logged as it is)."""
    db.session.execute(
        sa.delete(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id,
        token_hash=_hash(token),
        invited_by_id=actor.id if actor is not None else None,
        expires_at=now() + timedelta(hours=INVITATION_HOURS),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "user.invite", actor=actor, obj=user, changes={"expires_at": invitation.expires_at.isoformat()}
    )
    user_invited.send(user, token=token, expires_at=invitation.expires_at, invitation_id=invitation.id)
    return token


def find(token: str) -> FoundInvitation:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return FoundInvitation(InvitationState.UNKNOWN)
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or not invitation.user.active:
        return FoundInvitation(InvitationState.UNKNOWN)
    if invitation.used_at is not None:
        return FoundInvitation(InvitationState.USED, invitation)
    if invitation.expires_at <= now():
        return FoundInvitation(InvitationState.EXPIRED, invitation)
    return FoundInvitation(InvitationState.OPEN, invitation)


class InvitationRefused(ValueError):
    """The password is not acceptable (the message says why), or the link was used meanwhile."""


def accept(invitation: Invitation, password: str) -> User:
    """Set the invited user's password with the link: once, while it is valid. Their sessions (none
    yet, or an earlier password's) end; they sign in next, with two-factor set-up if their role asks."""
    user = invitation.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise InvitationRefused(problem)
    moment = now()
    spent = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > moment)
        .values(used_at=moment),
        execution_options={"synchronize_session": False},
    )
    if spent.rowcount != 1:
        raise InvitationRefused("この招待のリンクはすでに使われたか、期限が切れています。")
    user.password_hash = hash_password(password)
    user.end_all_sessions()
    audit.record("user.invitation_accepted", actor=user, obj=user)
    return user


def open_invitation_user_ids(user_ids: list[int]) -> set[int]:
    """Which of these users have an invitation not used yet (expired or not): they have never set
    a password."""
    if not user_ids:
        return set()
    query = sa.select(Invitation.user_id).where(
        Invitation.user_id.in_(user_ids), Invitation.used_at.is_(None)
    )
    return set(db.session.scalars(query))
