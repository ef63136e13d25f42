"""Signed-in sessions: the idle timeout and the absolute lifetime, checked on the server at every
request; the half-signed-in state between the password and the second factor; asking for the
password again before changing two-factor sign-in or users.

Flask-Login's user id is put in the session only when every step is done, so a half-signed-in
visitor is anonymous to every page but the second step's own.
"""

from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..core.time import now
from ..extensions import db
from .models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
PASSWORD_AT = "password_at"  # noqa: S105 (a session key)
PENDING = "pending_sign_in"
#: the last-seen time is written at most this often (each write is a new cookie)
SEEN_WRITE_SECONDS = 60

IDLE_MESSAGE = "{minutes}分以上操作がなかったため、ログアウトしました。もう一度ログインしてください。"
LIFETIME_MESSAGE = "ログインから{hours}時間たったため、ログアウトしました。もう一度ログインしてください。"


def _stamp() -> int:
    return int(now().timestamp())


def _minutes(name: str) -> int:
    return current_app.config[name]


def sign_in(user: User) -> None:
    """A fresh session (no fixation) for a user who passed every step."""
    session.clear()
    login_user(user)
    stamp = _stamp()
    session[SIGNED_IN_AT] = session[SEEN_AT] = session[PASSWORD_AT] = stamp


def sign_out() -> None:
    logout_user()
    session.clear()


# --- half signed in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    next_path: str
    #: True: the user must enrol first (/account/2fa); False: asked for a code (/login/2fa)
    enrol: bool


def begin_second_step(user: User, next_path: str | None, *, enrol: bool) -> None:
    session.clear()
    session[PENDING] = {"token": user.session_token, "at": _stamp(), "next": next_path or "", "enrol": enrol}
    session[PASSWORD_AT] = _stamp()


def pending() -> PendingSignIn | None:
    """The half-signed-in user of this session; it lapses after REAUTH_MINUTES, and when the user's
    sessions are ended (logout elsewhere, a 2FA reset) or the user is deactivated."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    if _stamp() - data.get("at", 0) > _minutes("REAUTH_MINUTES") * 60:
        session.pop(PENDING)
        return None
    user = db.session.scalar(
        sa.select(User).where(User.session_token == str(data.get("token")), User.active.is_(True))
    )
    return PendingSignIn(user, data.get("next", ""), bool(data.get("enrol"))) if user else None


def enrolling_user() -> User | None:
    """Who may use /account/2fa: a signed-in user, or one who must enrol before signing in."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    step = pending()
    return step.user if step is not None and step.enrol else None


# --- asking for the password again ----------------------------------------------------------------


def password_recent() -> bool:
    return _stamp() - session.get(PASSWORD_AT, 0) <= _minutes("REAUTH_MINUTES") * 60


def confirm_password_given() -> None:
    session[PASSWORD_AT] = _stamp()


def recent_password_required(view):
    """A view decorator: the password must have been given within REAUTH_MINUTES, else it is asked
    again (/account/reauth) and the user comes back here. A view using it answers GET on its URL."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not password_recent():
            target = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return redirect(url_for("account.reauth", next=target))
        return view(*args, **kwargs)

    return wrapped


# --- lifetime -------------------------------------------------------------------------------------


def _expiry_message() -> str | None:
    stamp = _stamp()
    hours, minutes = _minutes("SESSION_MAX_HOURS"), _minutes("SESSION_IDLE_MINUTES")
    if stamp - session.get(SIGNED_IN_AT, 0) > hours * 3600:
        return LIFETIME_MESSAGE.format(hours=hours)
    if stamp - session.get(SEEN_AT, 0) > minutes * 60:
        return IDLE_MESSAGE.format(minutes=minutes)
    return None


def enforce_session_lifetime(app: Flask, public_endpoints: set[str]) -> None:
    """Register, before the login check, the hook that ends a signed-in session which was idle too
    long or is older than its lifetime; the login page then says why."""

    @app.before_request
    def _end_expired_session():
        if request.endpoint == "static" or "_user_id" not in session:
            return None
        message = _expiry_message()
        if message is None:
            if _stamp() - session.get(SEEN_AT, 0) >= SEEN_WRITE_SECONDS:
                session[SEEN_AT] = _stamp()
            return None
        sign_out()
        flash(message, "warning")
        if request.endpoint in public_endpoints:
            return None
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
