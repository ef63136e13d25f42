"""The audit log: who did what to which object, and what changed. Append-only on PostgreSQL."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .db import UTCDateTime
from .time import now


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
        sa.Index("ix_audit_events_council_occurred", "council_id", "occurred_at"),
        sa.Index("ix_audit_events_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    #: None for events without a known user (a failed login with an unknown e-mail, a command)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: dotted verb, e.g. "auth.login", "auth.login_failed", "followup.update"
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    #: {"field": [old, new]} for changes, or context such as the e-mail tried at a failed login
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    #: the council the event belongs to (its object's, else its actor's), for the secretariat's view;
    #: None for events of no council (an admin's, a sign-in with an unknown e-mail)
    council_id: Mapped[int | None] = mapped_column(sa.ForeignKey("councils.id"))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"


def record(
    action: str,
    *,
    actor=None,
    obj: db.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the change it describes."""
    if obj is not None and obj.id is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        changes=changes or {},
        remote_addr=request.remote_addr if has_request_context() else None,
        council_id=council_of(obj) if obj is not None else None,
    )
    if event.council_id is None and actor is not None:
        event.council_id = actor.council_id
    db.session.add(event)
    return event


def council_of(obj) -> int | None:
    """The council an object belongs to: a council itself, or whatever has a council_id."""
    if obj.__tablename__ == "councils":
        return obj.id
    return getattr(obj, "council_id", None)


append_only(AuditEvent.__table__)
