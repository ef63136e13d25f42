"""Login throttling: an account (by e-mail, registered or not) locks after LOGIN_MAX_FAILURES failed
passwords or codes within the window, a client address after LOGIN_ADDRESS_MAX_FAILURES. Each further
lock within a day of the last doubles, up to LOGIN_LOCK_MAX_HOURS. Locks and unlocks are audited; the
owner of a locked account is told by e-mail.

An attempt on an account is counted before the password or code is checked, so that many requests
at once get no more guesses than the same requests one after another. A right password gives its
attempt back (the count is of failures, the second step's included); a completed sign-in forgets it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from ..core import audit
from ..core.time import now
from ..extensions import db
from . import throttle
from .events import account_locked
from .models import User, normalise_email

ACCOUNT = "account"
ADDRESS = "address"
#: a lock count is forgotten this long after the last lock ended
FORGET_LOCKS_AFTER = timedelta(days=1)

LOCKED_MESSAGE = (
    "ログインに続けて失敗したため、しばらくログインできません。時間をおいてからお試しください。"
    "急ぐときはシステム管理者に連絡してください。"
)


@dataclass(frozen=True)
class Attempt:
    """One counted try at signing in to an account (a password or a second-factor code)."""

    key: str
    number: int


def _config(name: str) -> int:
    return current_app.config[name]


def _window() -> timedelta:
    return timedelta(minutes=_config("LOGIN_FAILURE_WINDOW_MINUTES"))


def lock_duration(count: int) -> timedelta:
    """15 minutes, then 30, 60, 120 … for the locks that follow within a day, at most the maximum;
    never shorter than the window, so that the attempts after a lock start a new one."""
    first = max(timedelta(minutes=_config("LOGIN_LOCK_MINUTES")), _window())
    return min(first * 2 ** (count - 1), timedelta(hours=_config("LOGIN_LOCK_MAX_HOURS")))


def client_address() -> str:
    return (request.remote_addr or "unknown") if has_request_context() else "command"


def begin(email: str) -> Attempt | None:
    """Count an attempt on the account; None when signing in is closed for the account or for
    this client's address (the attempt past the last allowed one closes it)."""
    store, moment, key = throttle.store(), now(), normalise_email(email)
    if store.locked_until(ACCOUNT, key, moment) or store.locked_until(ADDRESS, client_address(), moment):
        return None
    number = store.count(ACCOUNT, key, moment, _window())
    if number > _config("LOGIN_MAX_FAILURES"):
        _lock(ACCOUNT, key)
        return None
    return Attempt(key, number)


def failed(attempt: Attempt) -> bool:
    """The attempt's password or code was wrong. True when signing in is closed now."""
    address = client_address()
    address_failures = throttle.store().count(ADDRESS, address, now(), _window())
    closed = False
    if address_failures >= _config("LOGIN_ADDRESS_MAX_FAILURES"):
        _lock(ADDRESS, address)
        closed = True
    if attempt.number >= _config("LOGIN_MAX_FAILURES"):
        _lock(ACCOUNT, attempt.key)
        closed = True
    return closed


def passed(attempt: Attempt) -> None:
    """The attempt's password was right (a second step may follow)."""
    throttle.store().give_back(ACCOUNT, attempt.key)


def succeeded(email: str) -> None:
    throttle.store().reset(ACCOUNT, normalise_email(email))


def forget_stale() -> int:
    """Drop the counts whose window is over and the locks forgotten a day after they ended."""
    moment = now()
    return throttle.store().forget_stale(moment - _window(), moment - FORGET_LOCKS_AFTER)


def _user(key: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == key))


def _lock(kind: str, key: str) -> None:
    lock = throttle.store().lock(kind, key, now(), lock_duration, FORGET_LOCKS_AFTER)
    if lock is None:  # locked already, by this worker or another
        return
    details = {"until": lock.until.isoformat(), "count": lock.count, "address": client_address()}
    if kind == ADDRESS:
        audit.record("auth.address_locked", changes={**details, "address": key})
        return
    user = _user(key)
    audit.record("auth.locked", obj=user, changes=details if user else {**details, "email": key})
    if user is not None and user.active:
        account_locked.send(user, until=lock.until, count=lock.count)


def unlock(email: str, *, actor: User | None = None) -> bool:
    """An admin (or the command) opens a locked account at once; False when it was not locked."""
    key = normalise_email(email)
    if not throttle.store().unlock(ACCOUNT, key, now()):
        return False
    user = _user(key)
    audit.record("auth.unlocked", actor=actor, obj=user, changes={} if user else {"email": key})
    return True


@dataclass(frozen=True)
class LockedAccount:
    email: str
    until: datetime
    user: User | None


def locked_accounts() -> list[LockedAccount]:
    """The accounts locked now, registered or not (an unknown e-mail being tried says something)."""
    locked = throttle.store().locked(ACCOUNT, now())
    keys = [key for key, _until in locked]
    users = (
        {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(keys)))} if keys else {}
    )
    return [LockedAccount(key, until, users.get(key)) for key, until in locked]
