"""This installation's identity and where its backups live.

The id names what is kept outside the database (the purge journal beside the backups), so that a
restore applies only what belongs to the data it restores, never another installation's.
"""

import uuid
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import UTCDateTime
from .time import now

ROW_ID = 1


class Installation(db.Model):
    """One row, made on first use; a restore brings it back with the data."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


def installation_id() -> str:
    """The id, added to the session when missing (two first uses at once agree on one)."""
    row = db.session.get(Installation, ROW_ID)
    if row is not None:
        return row.uuid
    try:
        with db.session.begin_nested():
            db.session.add(Installation(id=ROW_ID, uuid=str(uuid.uuid4())))
    except IntegrityError:
        pass  # another process made it first: read theirs
    return db.session.get(Installation, ROW_ID, populate_existing=True).uuid


def backup_dir() -> Path:
    """BACKUP_DIR, or instance/backups."""
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"
