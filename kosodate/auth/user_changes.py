"""Administering users from /admin/users: invite, change role and agency, deactivate and
reactivate, unlock, reset two-factor sign-in, send the invitation again. Each change is audited;
nothing here commits (the view does).

Who may touch which user is the UserRule's (auth/access.py); what they may make of them is here: the
secretariat gives no one the admin role and places users only in its own council's agencies, and
nobody deactivates themself or changes their own role (the last admin cannot lock everyone out).
"""

from dataclasses import dataclass

import sqlalchemy as sa

from ..agencies.models import Agency
from ..core import audit
from ..core.refusals import Refused
from ..extensions import db
from . import invitations, lockout
from .models import Role, User, normalise_email
from .services import find_user_by_email, set_active
from .two_factor import reset_two_factor


class UserRefused(Refused):
    """A change the rules do not allow; the message is for the asker (next to the role unless told)."""

    field = "role"


@dataclass(frozen=True)
class UserData:
    """What the form gives, checked for type and choice."""

    name: str
    role: Role
    agency: Agency | None


def grantable_roles(actor: User) -> list[Role]:
    """The roles the actor may give: all for an admin; the secretariat all but admin."""
    return [role for role in Role if actor.role is Role.ADMIN or role is not Role.ADMIN]


def assignable_agencies(actor: User) -> list[Agency]:
    """The agencies the actor may place users in: all for an admin, the own council's for the
    secretariat; active ones only."""
    query = (
        sa.select(Agency)
        .where(Agency.active.is_(True))
        .order_by(Agency.council_id, Agency.sort_order, Agency.id)
    )
    if actor.role is not Role.ADMIN:
        query = query.where(Agency.council_id == actor.council_id)
    return list(db.session.scalars(query))


def _check(actor: User, data: UserData, user: User | None = None) -> None:
    if data.role not in grantable_roles(actor):
        raise UserRefused("この役割は付与できません。システム管理者に依頼してください。")
    if data.role is not Role.ADMIN and data.agency is None:
        raise UserRefused("システム管理者以外は所属機関が必要です。", "agency")
    unchanged_agency = user is not None and data.agency is not None and data.agency.id == user.agency_id
    if data.agency is not None and not unchanged_agency and data.agency not in assignable_agencies(actor):
        raise UserRefused("この機関には登録できません。", "agency")
    if user is not None and user.id == actor.id and data.role is not user.role:
        raise UserRefused("自分の役割は変更できません。ほかのシステム管理者に依頼してください。")


def invite_user(actor: User, email: str, data: UserData) -> tuple[User, str]:
    """Register the user without a password and e-mail them the link to set one. Returns the user
    and the link's token."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise UserRefused(f"このメールアドレスは既に登録されています: {email}", "email")
    _check(actor, data)
    user = User(
        email=email,
        name=data.name,
        role=data.role,
        agency=data.agency,
        password_hash=invitations.unusable_password_hash(),
    )
    db.session.add(user)
    changes = {"role": data.role.value, "agency": data.agency.name if data.agency else None, "invited": True}
    audit.record("user.create", actor=actor, obj=user, changes=changes)
    return user, invitations.invite(user, actor=actor)


def update_user(actor: User, user: User, data: UserData) -> dict[str, list]:
    """Change name, role and agency; returns the changes ({field: [old, new]}, empty if none)."""
    _check(actor, data, user)
    agency_name = user.agency.name if user.agency else None
    changes = {}
    if data.name != user.name:
        changes["name"] = [user.name, data.name]
    if data.role is not user.role:
        changes["role"] = [user.role.value, data.role.value]
    if (data.agency.id if data.agency else None) != user.agency_id:
        changes["agency"] = [agency_name, data.agency.name if data.agency else None]
    if changes:
        user.name, user.role, user.agency = data.name, data.role, data.agency
        audit.record("user.update", actor=actor, obj=user, changes=changes)
    return changes


def deactivate(actor: User, user: User) -> None:
    """The user can no longer sign in, and every session of theirs ends now."""
    if user.id == actor.id:
        raise UserRefused("自分自身を利用停止にはできません。")
    if user.active:
        set_active(user, False, actor=actor)


def reactivate(actor: User, user: User) -> None:
    if not user.active:
        set_active(user, True, actor=actor)


def unlock(actor: User, user: User) -> bool:
    """Open the account now if it is locked after failed sign-ins; False when it was not locked."""
    return lockout.unlock(user.email, actor=actor)


def reset_second_factor(actor: User, user: User) -> None:
    reset_two_factor(user, actor=actor)


def invite_again(actor: User, user: User) -> str:
    """A new link for a user who has not set a password yet; the earlier link stops working."""
    if not invitations.open_invitation_user_ids([user.id]):
        raise UserRefused("この利用者はパスワードを設定済みです。招待は送り直せません。")
    return invitations.invite(user, actor=actor)
