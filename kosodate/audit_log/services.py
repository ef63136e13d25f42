"""Which audit events a reader sees (an admin all, the secretariat its council's), the filters, a
page of them and the CSV."""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..core.access import visible, visible_clause
from ..core.audit import AuditEvent
from ..core.spreadsheet import csv_escape
from ..core.time import TOKYO, date_ja, to_tokyo
from ..extensions import db
from .labels import action_label, object_label

PAGE_SIZE = 50
CSV_BATCH = 1000
CSV_COLUMNS = (
    "日時（日本時間）", "操作", "操作コード", "利用者", "利用者のメールアドレス",
    "対象", "対象ID", "内容", "接続元",
)  # fmt: skip


@dataclass(frozen=True)
class AuditFilter:
    #: part of the e-mail or name of the user who acted or was acted on
    user: str = ""
    object_type: str = ""
    object_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), TOKYO)


def filtered(reader: User, filters: AuditFilter) -> sa.Select:
    query = visible(reader, AuditEvent)
    if filters.user:
        pattern = f"%{_escape_like(filters.user.lower())}%"
        users = sa.select(User.id).where(
            sa.or_(User.email.like(pattern, escape="\\"), User.name.like(pattern, escape="\\"))
        )
        query = query.where(
            sa.or_(
                AuditEvent.actor_id.in_(users),
                sa.and_(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id.in_(users)),
            )
        )
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(AuditEvent.occurred_at < _start_of(filters.until + timedelta(days=1)))
    return query


def choices(reader: User) -> tuple[list[str], list[str]]:
    """The actions and object types that occur in what the reader sees, for the filters' lists."""
    scope = visible_clause(reader, AuditEvent)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(scope).distinct().order_by(AuditEvent.action)
    )
    types = db.session.scalars(
        sa.select(AuditEvent.object_type)
        .where(scope, AuditEvent.object_type.is_not(None))
        .distinct()
        .order_by(AuditEvent.object_type)
    )
    return list(actions), list(types)


@dataclass
class Row:
    event: AuditEvent
    actor_name: str | None
    actor_email: str | None

    @property
    def when(self) -> str:
        local = to_tokyo(self.event.occurred_at)
        return f"{date_ja(local)} {local:%H:%M:%S}"

    @property
    def action_label(self) -> str:
        return action_label(self.event.action)

    @property
    def object_label(self) -> str:
        return object_label(self.event.object_type)

    @property
    def details(self) -> str:
        return json.dumps(self.event.changes, ensure_ascii=False) if self.event.changes else ""


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _with_actor(query: sa.Select) -> sa.Select:
    actor = aliased(User)
    events = query.subquery()
    event = aliased(AuditEvent, events)
    return (
        sa.select(event, actor.name, actor.email)
        .outerjoin(actor, actor.id == event.actor_id)
        .order_by(event.id.desc())
    )


def audit_page(reader: User, filters: AuditFilter) -> Page:
    query = filtered(reader, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = min(filters.page, max(1, -(-total // PAGE_SIZE)))
    rows = db.session.execute(
        _with_actor(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    )
    return Page([Row(*row) for row in rows], total, page)


def csv_query(reader: User, filters: AuditFilter) -> sa.Select:
    """Built while the request is there: the reader's scope is in it as plain values."""
    return _with_actor(filtered(reader, filters))


def csv_lines(app: Flask, query: sa.Select) -> Iterator[str]:
    """The events as CSV, newest first, streamed in batches in an app context of their own (the
    request has ended when the body is sent): UTF-8 with a BOM (Excel reads it as such), user
    text written so that Excel never runs it as a formula."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    with app.app_context():
        rows = db.session.execute(query.execution_options(yield_per=CSV_BATCH))
        for number, (event, name, email) in enumerate(rows, start=1):
            writer.writerow(_csv_row(Row(event, name, email)))
            if number % CSV_BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _csv_row(row: Row) -> list:
    event = row.event
    return [
        to_tokyo(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
        row.action_label,
        event.action,
        csv_escape(row.actor_name or ""),
        csv_escape(row.actor_email or ""),
        row.object_label,
        event.object_id if event.object_id is not None else "",
        csv_escape(row.details),
        csv_escape(event.remote_addr or ""),
    ]
