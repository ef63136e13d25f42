"""Where failed sign-ins and locks are kept, so that every worker and node sees them: the database
(the default) or Redis (REDIS_URL). One small interface, two stores; the policy is in lockout.py."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.db import UTCDateTime
from ..extensions import db
from .models import LoginThrottle

if TYPE_CHECKING:
    import redis


class ThrottleUnavailable(RuntimeError):
    """The shared store does not answer: signing in is refused rather than left unthrottled."""


@dataclass(frozen=True)
class Lock:
    #: the how-manieth lock in a row (each doubles the next)
    count: int
    until: datetime


#: the length of the n-th lock in a row
Durations = Callable[[int], timedelta]


class ThrottleStore(Protocol):
    def count(self, kind: str, key: str, moment: datetime, window: timedelta) -> int:
        """Add one to the counter of the window that is open (a new one when none is) and
        return the count: the same answer to every worker asking at once."""

    def locked_until(self, kind: str, key: str, moment: datetime) -> datetime | None: ...

    def lock(
        self, kind: str, key: str, moment: datetime, durations: Durations, forget: timedelta
    ) -> Lock | None:
        """Lock unless locked already: None then, so one lock is reported (and mailed) once.
        The lock count goes on from the previous lock unless that ended `forget` ago. The failures
        stay counted: an attempt that slipped past the check as the lock was set still finds too
        many (a lock outlasts the window, so the next attempt after it opens a new one)."""

    def give_back(self, kind: str, key: str) -> None:
        """Take back one counted attempt (it turned out right)."""

    def reset(self, kind: str, key: str) -> None:
        """Forget the failures (a successful sign-in), not the lock count."""

    def unlock(self, kind: str, key: str, moment: datetime) -> bool: ...

    def locked(self, kind: str, moment: datetime) -> list[tuple[str, datetime]]:
        """The keys locked now, with the end of their lock, soonest first."""

    def forget_stale(self, window_started_before: datetime, locked_until_before: datetime) -> int:
        """Remove what no longer counts (a window that is over, a lock that is forgotten); how many."""


class DatabaseStore:
    """Rows of `login_throttles`, written in the request's transaction."""

    def count(self, kind: str, key: str, moment: datetime, window: timedelta) -> int:
        table = LoginThrottle.__table__
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        started = sa.literal(moment, UTCDateTime)
        expired = table.c.window_started_at <= sa.literal(moment - window, UTCDateTime)
        statement = (
            insert(table)
            .values(kind=kind, key=key, failures=1, window_started_at=moment, lock_count=0)
            .on_conflict_do_update(
                index_elements=["kind", "key"],
                set_={
                    "failures": sa.case((expired, 1), else_=table.c.failures + 1),
                    "window_started_at": sa.case((expired, started), else_=table.c.window_started_at),
                },
            )
            .returning(table.c.failures)
        )
        return db.session.scalar(statement)

    def locked_until(self, kind: str, key: str, moment: datetime) -> datetime | None:
        return db.session.scalar(
            sa.select(LoginThrottle.locked_until).where(
                LoginThrottle.kind == kind, LoginThrottle.key == key, LoginThrottle.locked_until > moment
            )
        )

    def lock(
        self, kind: str, key: str, moment: datetime, durations: Durations, forget: timedelta
    ) -> Lock | None:
        row = db.session.execute(
            sa.select(LoginThrottle.locked_until, LoginThrottle.lock_count).where(
                LoginThrottle.kind == kind, LoginThrottle.key == key
            )
        ).one_or_none()
        if row is None:
            self.count(kind, key, moment, timedelta(0))
            return self.lock(kind, key, moment, durations, forget)
        if row.locked_until is not None and row.locked_until > moment:
            return None
        remembered = row.locked_until is not None and row.locked_until + forget > moment
        count = (row.lock_count if remembered else 0) + 1
        until = moment + durations(count)
        changed = db.session.execute(
            sa.update(LoginThrottle)
            .where(
                LoginThrottle.kind == kind,
                LoginThrottle.key == key,
                LoginThrottle.lock_count == row.lock_count,
                sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= moment),
            )
            .values(locked_until=until, lock_count=count),
            execution_options={"synchronize_session": False},
        )
        return Lock(count, until) if changed.rowcount == 1 else None

    def give_back(self, kind: str, key: str) -> None:
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.kind == kind, LoginThrottle.key == key, LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1),
            execution_options={"synchronize_session": False},
        )

    def reset(self, kind: str, key: str) -> None:
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.kind == kind, LoginThrottle.key == key, LoginThrottle.failures != 0)
            .values(failures=0),
            execution_options={"synchronize_session": False},
        )

    def unlock(self, kind: str, key: str, moment: datetime) -> bool:
        changed = db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.kind == kind, LoginThrottle.key == key, LoginThrottle.locked_until > moment)
            .values(locked_until=None, failures=0),
            execution_options={"synchronize_session": False},
        )
        return changed.rowcount == 1

    def locked(self, kind: str, moment: datetime) -> list[tuple[str, datetime]]:
        rows = db.session.execute(
            sa.select(LoginThrottle.key, LoginThrottle.locked_until)
            .where(LoginThrottle.kind == kind, LoginThrottle.locked_until > moment)
            .order_by(LoginThrottle.locked_until, LoginThrottle.key)
        )
        return [(row.key, row.locked_until) for row in rows]

    def forget_stale(self, window_started_before: datetime, locked_until_before: datetime) -> int:
        # each address a password was ever guessed from would otherwise stay a row for ever
        removed = db.session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.window_started_at <= window_started_before,
                sa.or_(
                    LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= locked_until_before
                ),
            ),
            execution_options={"synchronize_session": False},
        )
        return removed.rowcount


def _guarded(method):
    """ThrottleUnavailable when Redis does not answer (a clear page, not a 500)."""

    @wraps(method)
    def wrapped(*args, **kwargs):
        from redis import RedisError  # imported with the first use: only with REDIS_URL set

        try:
            return method(*args, **kwargs)
        except RedisError as error:
            raise ThrottleUnavailable(str(error)) from error

    return wrapped


class RedisStore:
    """Keys under REDIS_KEY_PREFIX; each counter and lock expires by itself. Times are compared
    with the app's clock (stored as timestamps), the expiry only cleans up."""

    def __init__(self, client: "redis.Redis", prefix: str):
        self.redis = client
        self.prefix = f"{prefix}:login"

    def _key(self, kind: str, key: str, part: str) -> str:
        return f"{self.prefix}:{kind}:{part}:{key}"

    def _locked_set(self, kind: str) -> str:
        return f"{self.prefix}:{kind}:locked"

    @_guarded
    def count(self, kind: str, key: str, moment: datetime, window: timedelta) -> int:
        counter = self._key(kind, key, "failures")
        with self.redis.pipeline() as pipe:  # MULTI/EXEC: the window opens and counts at once
            pipe.set(counter, 0, px=_milliseconds(window), nx=True)
            pipe.incr(counter)
            return int(pipe.execute()[1])

    @_guarded
    def locked_until(self, kind: str, key: str, moment: datetime) -> datetime | None:
        value = self.redis.get(self._key(kind, key, "lock"))
        until = _from_timestamp(value)
        return until if until is not None and until > moment else None

    @_guarded
    def lock(
        self, kind: str, key: str, moment: datetime, durations: Durations, forget: timedelta
    ) -> Lock | None:
        from redis import WatchError

        lock_key, count_key = self._key(kind, key, "lock"), self._key(kind, key, "locks")
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(lock_key, count_key)  # another worker locking at once retries here
                    current = _from_timestamp(pipe.get(lock_key))
                    if current is not None and current > moment:
                        return None
                    count = int(pipe.get(count_key) or 0) + 1
                    duration = durations(count)
                    until = moment + duration
                    pipe.multi()
                    pipe.set(lock_key, until.timestamp(), px=_milliseconds(duration))
                    pipe.set(count_key, count, px=_milliseconds(duration + forget))
                    pipe.zadd(self._locked_set(kind), {key: until.timestamp()})
                    pipe.execute()
                    return Lock(count, until)
                except WatchError:
                    continue

    @_guarded
    def give_back(self, kind: str, key: str) -> None:
        counter = self._key(kind, key, "failures")
        if int(self.redis.get(counter) or 0) > 0:
            self.redis.decr(counter)

    @_guarded
    def reset(self, kind: str, key: str) -> None:
        self.redis.delete(self._key(kind, key, "failures"))

    @_guarded
    def unlock(self, kind: str, key: str, moment: datetime) -> bool:
        was_locked = self.locked_until(kind, key, moment) is not None
        with self.redis.pipeline() as pipe:
            pipe.delete(self._key(kind, key, "lock"), self._key(kind, key, "failures"))
            pipe.zrem(self._locked_set(kind), key)
            pipe.execute()
        return was_locked

    @_guarded
    def locked(self, kind: str, moment: datetime) -> list[tuple[str, datetime]]:
        name = self._locked_set(kind)
        self.redis.zremrangebyscore(name, "-inf", moment.timestamp())
        return [
            (key, datetime.fromtimestamp(score, UTC))
            for key, score in self.redis.zrange(name, 0, -1, withscores=True)
        ]

    def forget_stale(self, window_started_before: datetime, locked_until_before: datetime) -> int:
        return 0  # each key expires by itself


def _milliseconds(span: timedelta) -> int:
    return max(1, int(span.total_seconds() * 1000))


def _from_timestamp(value) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def configure(app: Flask) -> None:
    """Choose the store, and point Flask-Limiter's request counters at the same place."""
    url = app.config.get("REDIS_URL")
    if url:
        import redis  # only then: 6 MB in every web worker

        prefix = app.config["REDIS_KEY_PREFIX"]
        client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5)
        app.extensions["kosodate_throttle"] = RedisStore(client, prefix)
        app.config.setdefault("RATELIMIT_STORAGE_URI", url)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"key_prefix": f"{prefix}:limits"})
    else:
        app.extensions["kosodate_throttle"] = DatabaseStore()
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")


def store() -> ThrottleStore:
    return current_app.extensions["kosodate_throttle"]
