"""Creating users, checking credentials, ending sessions."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..agencies.models import Agency
from ..core import audit
from ..core.time import now
from ..extensions import db
from .models import Role, User, normalise_email
from .passwords import hash_password, password_problem, spend_verification_time, verify_password


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message is for the person asking."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; every attempt is audited."""
    user = find_user_by_email(email)
    if user is None:
        spend_verification_time(password)
        audit.record("auth.login_failed", changes={"email": normalise_email(email)[:254]})
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        reason = "inactive" if user.active is False else "password"
        audit.record("auth.login_failed", obj=user, changes={"reason": reason})
        return None
    user.last_login_at = now()
    audit.record("auth.login", actor=user, obj=user)
    return user


def log_out(user: User) -> None:
    """Logging out ends the user's sessions everywhere, not only in this browser."""
    user.end_all_sessions()
    audit.record("auth.logout", actor=user, obj=user)


@dataclass
class NewUser:
    email: str
    role: str
    agency_name: str | None
    name: str | None
    password: str


def create_user(new: NewUser, *, actor: User | None = None) -> User:
    """Validate and add a user; raises UserError with a message fit to show."""
    try:
        role = Role(new.role)
    except ValueError:
        raise UserError(
            f"不明な役割です: {new.role} (使える値: {', '.join(r.value for r in Role)})"
        ) from None
    email = normalise_email(new.email)
    if "@" not in email or len(email) > 254:
        raise UserError(f"メールアドレスの形式が正しくありません: {new.email}")
    if find_user_by_email(email) is not None:
        raise UserError(f"このメールアドレスは既に登録されています: {email}")
    agency = None
    if new.agency_name:
        matches = db.session.scalars(sa.select(Agency).where(Agency.name == new.agency_name)).all()
        if not matches:
            raise UserError(f"関係機関が見つかりません: {new.agency_name}")
        if len(matches) > 1:
            raise UserError(f"同じ名前の関係機関が複数の連絡会議にあります: {new.agency_name}")
        agency = matches[0]
    elif role is not Role.ADMIN:
        raise UserError("システム管理者以外は所属機関 (--agency) が必要です。")
    problem = password_problem(new.password)
    if problem:
        raise UserError(problem)
    user = User(
        email=email,
        name=new.name or email.split("@")[0],
        role=role,
        agency=agency,
        password_hash=hash_password(new.password),
    )
    db.session.add(user)
    audit.record("user.create", actor=actor, obj=user, changes={"role": role.value})
    return user


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user.password_hash = hash_password(password)
    user.end_all_sessions()
    audit.record("user.password_changed", actor=actor, obj=user)


def set_active(user: User, active: bool, *, actor: User | None = None) -> None:
    user.active = active
    if not active:
        user.end_all_sessions()
    audit.record("user.update", actor=actor, obj=user, changes={"active": [not active, active]})
