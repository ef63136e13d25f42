"""The users an admin or the secretariat administers: searched, with what each row shows (locked,
invited, two-factor) in a fixed number of queries."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..agencies.models import Agency
from ..core.access import visible
from ..extensions import db
from . import lockout
from .invitations import open_invitation_user_ids
from .models import Role, User

#: more than any council has; the search narrows it
LIST_LIMIT = 500


@dataclass(frozen=True)
class UserFilter:
    text: str = ""
    role: Role | None = None
    agency_id: int | None = None
    #: "active", "inactive", or "" for both
    state: str = ""


@dataclass(frozen=True)
class UserRow:
    user: User
    locked: bool
    invited: bool


@dataclass(frozen=True)
class UserList:
    rows: list[UserRow]
    truncated: bool
    #: locked e-mails no user has (someone is trying addresses): shown to admins only
    locked_unknown: list[lockout.LockedAccount]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_users(actor: User, filters: UserFilter) -> UserList:
    query = (
        visible(actor, User)
        .outerjoin(User.agency)
        .options(joinedload(User.agency).joinedload(Agency.council))
        .order_by(Agency.council_id.nulls_first(), Agency.sort_order.nulls_first(), User.name, User.id)
    )
    if filters.text:
        pattern = _like(filters.text.strip().lower())
        query = query.where(
            sa.or_(User.email.like(pattern, escape="\\"), sa.func.lower(User.name).like(pattern, escape="\\"))
        )
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.agency_id is not None:
        query = query.where(User.agency_id == filters.agency_id)
    if filters.state:
        query = query.where(User.active.is_(filters.state == "active"))
    users = list(db.session.scalars(query.limit(LIST_LIMIT + 1)).unique())
    locked = lockout.locked_accounts()
    locked_emails = {account.email for account in locked}
    invited = open_invitation_user_ids([user.id for user in users])
    rows = [UserRow(user, user.email in locked_emails, user.id in invited) for user in users[:LIST_LIMIT]]
    unknown = [account for account in locked if account.user is None] if actor.role is Role.ADMIN else []
    return UserList(rows, len(users) > LIST_LIMIT, unknown)


def is_locked(user: User) -> bool:
    return any(account.email == user.email for account in lockout.locked_accounts())
