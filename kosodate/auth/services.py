"""Creating users, checking credentials and second factors, ending sessions."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..agencies.models import Agency
from ..core import audit
from ..core.time import now
from ..extensions import db
from . import lockout, two_factor
from .models import Role, User, normalise_email
from .passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verification_time,
    verify_password,
)

LOGIN_FAILED = "メールアドレスまたはパスワードが正しくありません。"
PASSWORD_WRONG = "パスワードが正しくありません。"  # noqa: S105 (a message, not a password)
CODE_WRONG = "確認コードが正しくありません。認証アプリの6桁の数字か、リカバリーコードを入れてください。"


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message is for the person asking."""


class SignInRefused(Exception):
    """A password or code was not accepted; the message is the same whether or not the account
    exists. `closed`: signing in is locked now."""

    def __init__(self, message: str, *, closed: bool = False):
        super().__init__(message)
        self.closed = closed


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _failed(user: User | None, email: str, reason: str) -> None:
    changes = (
        {"reason": reason} if user is not None else {"email": normalise_email(email)[:254], "reason": reason}
    )
    audit.record("auth.login_failed", obj=user, changes=changes)


def authenticate(email: str, password: str, *, wrong_message: str = LOGIN_FAILED) -> User:
    """The active user with these credentials, or SignInRefused; every attempt is audited and
    counted towards the account's lock. An unknown e-mail takes as long and reads the same."""
    user = find_user_by_email(email)
    attempt = lockout.begin(email)
    if attempt is None:
        _failed(user, email, "locked")
        raise SignInRefused(lockout.LOCKED_MESSAGE, closed=True)
    if user is None:
        spend_verification_time(password)
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        reason = "unknown" if user is None else "inactive" if not user.active else "password"
        _failed(user, email, reason)
        closed = lockout.failed(attempt)
        raise SignInRefused(lockout.LOCKED_MESSAGE if closed else wrong_message, closed=closed)
    lockout.passed(attempt)
    if needs_rehash(user.password_hash):  # the argon2 settings changed since it was made
        user.password_hash = hash_password(password)
        audit.record("auth.password_rehashed", actor=user, obj=user)
    return user


def check_second_factor(user: User, code: str) -> str:
    """ "totp" or "recovery_code" when the code signs the user in, else SignInRefused. Wrong codes
    count towards the account's lock like wrong passwords."""
    attempt = lockout.begin(user.email)
    if attempt is None:
        _failed(user, user.email, "locked")
        raise SignInRefused(lockout.LOCKED_MESSAGE, closed=True)
    method = two_factor.verify_code(user, code)
    if method is None:
        closed = lockout.failed(attempt)
        raise SignInRefused(lockout.LOCKED_MESSAGE if closed else CODE_WRONG, closed=closed)
    return method


def signed_in(user: User, second_factor: str | None = None) -> None:
    """Every step passed: forget the failed attempts, note the time, audit the sign-in."""
    lockout.succeeded(user.email)
    user.last_login_at = now()
    audit.record(
        "auth.login", actor=user, obj=user, changes={"second_factor": second_factor} if second_factor else {}
    )


def password_confirmed(user: User) -> None:
    """The password was given again (before a sensitive change): the attempt is forgotten."""
    lockout.succeeded(user.email)
    audit.record("auth.reauthenticated", actor=user, obj=user)


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
    name = new.name or email.split("@")[0]
    problem = password_problem(new.password, email=email, name=name)
    if problem:
        raise UserError(problem)
    user = User(
        email=email,
        name=name,
        role=role,
        agency=agency,
        password_hash=hash_password(new.password),
    )
    db.session.add(user)
    audit.record("user.create", actor=actor, obj=user, changes={"role": role.value})
    return user


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
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
