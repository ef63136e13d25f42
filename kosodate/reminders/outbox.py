"""The outbox: reminders stored once (the dedupe key), then delivered, retried, leased, measured.

Producing writes rows in the caller's transaction. Delivering claims rows as a lease, renders them
(composing), sends them over one connection per batch and records the batch's outcomes in one commit,
so a crash re-sends at most the claimed batch — and those are counted as `uncertain`.
"""

import fcntl
import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..auth.models import User
from ..core.time import now, to_tokyo
from ..extensions import db
from .backends import PermanentFailure, TemporaryFailure, backend
from .composing import RENDERED_WHEN_SENT, Batch, compose, load_targets, still_valid, with_context
from .messages import new_message_id, render
from .models import DIGESTIBLE, NotificationSetting, OutboxMessage, OutboxStatus, ReminderKind
from .rules import Reminder

#: waits after the 1st, 2nd, … temporary failure; the last one repeats (a day's outage loses nothing)
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
EXISTING_CHUNK = 1000


# --- producing -----------------------------------------------------------------------------------


def _settings(user_ids: set[int]) -> dict[int, NotificationSetting]:
    if not user_ids:
        return {}
    rows = db.session.scalars(sa.select(NotificationSetting).where(NotificationSetting.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}


def _existing(keys: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(keys), EXISTING_CHUNK):
        chunk = keys[start : start + EXISTING_CHUNK]
        found |= set(
            db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk)))
        )
    return found


def _insert_ignoring_duplicates(rows: list[dict]) -> set[str]:
    """Insert the rows whose key is not stored yet; returns the keys this call stored (another run
    at the same moment may have stored some of them first)."""
    if not rows:
        return set()
    if db.session.get_bind().dialect.name == "postgresql":
        return _insert_postgresql(rows)
    statement = (
        sqlite_insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.dedupe_key)
    )
    stored: set[str] = set()
    for start in range(0, len(rows), EXISTING_CHUNK):
        stored.update(db.session.scalars(statement, rows[start : start + EXISTING_CHUNK]))
    return stored


def _insert_postgresql(rows: list[dict]) -> set[str]:
    """The same through psycopg's pipelined executemany: SQLAlchemy's one INSERT of a thousand VALUES
    rows makes psycopg rewrite 19,000 placeholders per statement (3 of a pass's 4 seconds)."""
    table = OutboxMessage.__table__
    dialect = db.session.get_bind().dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    # the names are the table's own columns (the keys of _values), never input
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) "  # noqa: S608
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key"
    )
    pairs = list(zip(names, processors, strict=True))
    values = [[process(row[name]) if process else row[name] for name, process in pairs] for row in rows]
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.executemany(sql, values, returning=True)
    stored: set[str] = set()
    while True:
        stored.update(key for (key,) in cursor.fetchall())
        if not cursor.nextset():
            return stored


def _values(
    key: str, kind: ReminderKind, recipient: tuple[User | None, str], moment: datetime, **fields
) -> dict:
    user, email = recipient
    return {
        "dedupe_key": key,
        "kind": kind,
        "recipient_user_id": user.id if user else None,
        "recipient_email": email,
        "message_id": new_message_id(),
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        # due at once: `moment` only says which reminders are due (reminders run --now)
        "next_attempt_at": now(),
        "created_at": now(),
        "uncertain": False,
        "claimed_by": "",
        "last_error": "",
        "body_html": "",
        "valid_for": "",
        **fields,
    }


def _row(reminder: Reminder, status: OutboxStatus, moment: datetime) -> dict:
    """A reminder of the rules is stored without its text (rendered when sent, see composing);
    one that announces a change now is rendered now."""
    subject, text, html = ("", "", "") if reminder.kind in RENDERED_WHEN_SENT else render(reminder)
    return _values(
        reminder.key, reminder.kind, (reminder.user, reminder.email), moment,
        object_type=reminder.object_type, object_id=reminder.object_id, valid_for=reminder.valid_for,
        subject=subject[:300], body_text=text, body_html=html, status=status,
    )  # fmt: skip


def enqueue(reminders: list[Reminder], moment: datetime | None = None) -> dict[ReminderKind, int]:
    """Store the reminders not stored yet, as the recipients asked (off, single, daily digest).
    Returns how many of each kind were new."""
    moment = moment or now()
    keys = [reminder.key for reminder in reminders]
    existing = _existing(list(dict.fromkeys(keys)))
    settings = _settings({r.user.id for r in reminders if r.user is not None})
    rows, digests, counts, kinds = [], {}, {}, {}
    seen = set(existing)
    for reminder in reminders:
        if reminder.key in seen:
            continue
        seen.add(reminder.key)
        setting = settings.get(reminder.user.id) if reminder.user else None
        if setting is not None and reminder.kind.value in setting.disabled_kinds:
            continue
        status = OutboxStatus.QUEUED
        if setting is not None and setting.daily_digest and reminder.kind in DIGESTIBLE:
            status = OutboxStatus.DIGESTED
            digests.setdefault(reminder.user.id, (reminder.user, []))[1].append(reminder)
        rows.append(_row(reminder, status, moment))
        kinds[reminder.key] = reminder.kind
    if digests:
        targets = load_targets(item for _user, items in digests.values() for item in items)
        for user, items in digests.values():
            rows.append(_digest_row(user, [with_context(item, targets) for item in items], moment))
    for key in _insert_ignoring_duplicates(rows) & kinds.keys():
        counts[kinds[key]] = counts.get(kinds[key], 0) + 1
    return counts


def enqueue_message(
    key: str,
    kind: ReminderKind,
    user: User,
    subject: str,
    body_text: str,
    about: tuple[str, int] | None = None,
) -> bool:
    """A message its sender wrote in full (not a reminder rule), e.g. the notice of a locked account:
    stored once per key, whatever the user's notification settings. `about`: the (type, id) of the
    object it is about, when not the user. True when stored now."""
    object_type, object_id = about or ("user", user.id)
    row = _values(
        key, kind, (user, user.email), now(), object_type=object_type, object_id=object_id,
        subject=subject[:300], body_text=body_text,
    )  # fmt: skip
    return bool(_insert_ignoring_duplicates([row]))


def _digest_row(user: User, items: list[Reminder], moment: datetime) -> dict:
    """One e-mail with the day's reminders of a user who asked for a daily digest."""
    local = to_tokyo(moment)
    key = Reminder(ReminderKind.DAILY_DIGEST, "user", user.id, f"{local:%Y-%m-%dT%H%M}", user.email, user).key
    parts = [f"{user.name} 様\n\n今日のお知らせ（{len(items)}件）です。\n"]
    for item in items:
        subject, text, _html = render(item)
        parts.append(f"■ {subject}\n{text.split(chr(10), 2)[-1]}")
    return _values(
        key, ReminderKind.DAILY_DIGEST, (user, user.email), moment, object_type="user", object_id=user.id,
        subject=f"【小児等在宅医療 連携支援】今日のお知らせ（{len(items)}件）", body_text="\n".join(parts),
    )  # fmt: skip


# --- delivering ----------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def sender_lock():
    """SQLite has no row locks to skip: one sender at a time (the command's and the scheduler's),
    by a file lock. PostgreSQL's senders run side by side, each skipping the rows others hold."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    path = Path(current_app.instance_path) / "outbox.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        yield


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(batch_size: int, worker: str) -> list[OutboxMessage]:
    """Rows due for sending, leased to this worker; on PostgreSQL concurrent senders skip each
    other's rows (FOR UPDATE SKIP LOCKED). A row whose lease ran out is taken again, as uncertain."""
    moment = now()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= moment),
        sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < moment),
    )
    query = sa.select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(batch_size)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.scalars(query).all()
    for row in rows:
        if row.status is OutboxStatus.SENDING:
            row.uncertain = True
        row.status = OutboxStatus.SENDING
        row.lease_until = moment + lease
        row.claimed_by = worker
        row.attempts += 1
    ids = [row.id for row in rows]
    db.session.commit()
    # the commit expired them: read them back in one query, not one per row
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ).all()


def _retry_later(row: OutboxMessage, error: str) -> None:
    row.status = OutboxStatus.QUEUED
    row.lease_until = None
    row.last_error = error[:2000]
    row.next_attempt_at = now() + RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS)) - 1]


def send_batch(batch_size: int | None = None, worker: str | None = None) -> SendResult:
    """Claim one batch and deliver it over one connection.

    The outcomes are recorded together, in one commit after the batch: a sender killed before it
    re-sends its claimed batch once the lease runs out (as `uncertain`), which the lease allowed anyway."""
    result = SendResult()
    rows = claim(batch_size or current_app.config["OUTBOX_BATCH_SIZE"], worker or worker_name())
    if not rows:
        return result
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    batch = Batch.load(rows)
    pending = []
    for row in rows:
        if still_valid(row, batch.targets, batch.recipients):
            pending.append(row)
        else:
            row.status, row.lease_until = OutboxStatus.CANCELLED, None
            result.cancelled += 1
    try:
        with backend() as connection:
            for row in pending:
                _deliver(connection, row, compose_or_fail(row, sender, batch), result)
    except TemporaryFailure as failure:  # the server could not be reached: nothing of the rest is lost
        for row in pending:
            if row.status is OutboxStatus.SENDING:
                _retry_later(row, str(failure))
                result.retried += 1
        result.errors.append(str(failure))
    db.session.commit()
    return result


def compose_or_fail(row: OutboxMessage, sender: str, batch: Batch) -> Message | None:
    """The e-mail, or None with the row marked failed: one that cannot be written must not hold up the
    batch, nor come back after every lease."""
    try:
        return compose(row, sender, batch)
    except Exception as error:  # a bug in a template or a rule: shown on /admin/outbox
        current_app.logger.exception("outbox %s: the e-mail could not be written", row.id)
        row.status, row.lease_until = OutboxStatus.FAILED, None
        row.last_error = f"作成できません: {error!r}"[:2000]
        return None


def _deliver(connection, row: OutboxMessage, message: Message | None, result: SendResult) -> None:
    if message is None:
        result.failed += 1
        return
    try:
        connection.send(message)
    except TemporaryFailure as failure:
        _retry_later(row, str(failure))
        result.retried += 1
    except PermanentFailure as failure:
        row.status, row.lease_until, row.last_error = OutboxStatus.FAILED, None, str(failure)[:2000]
        result.failed += 1
    else:
        row.status, row.lease_until, row.sent_at = OutboxStatus.SENT, None, now()
        result.sent += 1
        result.uncertain += int(row.uncertain)


def send_all(worker: str | None = None, max_batches: int = 1000) -> SendResult:
    """Send batch after batch until nothing is due (or the server is unreachable)."""
    total = SendResult()
    for _ in range(max_batches):
        result = send_batch(worker=worker)
        for name in ("sent", "retried", "failed", "cancelled", "uncertain"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.errors += result.errors
        if result.errors or not (result.sent or result.failed or result.cancelled or result.retried):
            break
        if result.retried and not result.sent:
            break
    return total


def retry(row: OutboxMessage) -> None:
    """An admin sends a failed message again."""
    row.status, row.next_attempt_at, row.last_error = OutboxStatus.QUEUED, now(), ""
