"""The purge journal: a record of every object whose personal data was purged, and the handlers
that purge each kind, so that a restore of an older backup purges them again.

A domain registers its handler (`register_purge_handler("cases", purge_case)`) and purges through
`purge()`. Each purge is a row of `purge_journal` and, once committed, a line of
`purge-journal.jsonl` beside the backups: the database being restored may be lost, the line is not.
"""

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from . import audit
from .db import UTCDateTime
from .installation import backup_dir, installation_id
from .time import now

log = logging.getLogger(__name__)
JOURNAL_FILE = "purge-journal.jsonl"
PENDING = "kosodate_purge_lines"

#: object type (a table name, e.g. "cases") → a function purging that object's personal data by id
HANDLERS: dict[str, Callable[[int], None]] = {}


class PurgeRecord(db.Model):
    __tablename__ = "purge_journal"
    __table_args__ = (sa.UniqueConstraint("object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int]
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<PurgeRecord {self.object_type}:{self.object_id} {self.purged_at:%Y-%m-%d}>"


class UnknownPurgeKind(LookupError):
    """No handler is registered for the object type."""


def register_purge_handler(object_type: str, handler: Callable[[int], None]) -> None:
    HANDLERS[object_type] = handler


def purge(object_type: str, object_id: int, *, actor=None) -> PurgeRecord:
    """Purge an object's personal data and journal it; the caller commits. Purging twice is harmless."""
    _handler(object_type)(object_id)
    record = db.session.scalar(sa.select(PurgeRecord).filter_by(object_type=object_type, object_id=object_id))
    if record is None:
        record = PurgeRecord(object_type=object_type, object_id=object_id, purged_at=now())
        db.session.add(record)
        line = {
            "installation": installation_id(),
            "object_type": object_type,
            "object_id": object_id,
            "purged_at": record.purged_at.isoformat(),
        }
        db.session.info.setdefault(PENDING, []).append((journal_path(), line))
    _audit("purge.apply", actor, object_type, object_id)
    return record


def reapply(entries: list[dict]) -> int:
    """Purge again what the journal lines say was purged and this database does not record (a
    restore of an older backup); returns how many. The caller commits."""
    done = set(db.session.execute(sa.select(PurgeRecord.object_type, PurgeRecord.object_id)))
    entries = [entry for entry in entries if (entry["object_type"], entry["object_id"]) not in done]
    for entry in entries:
        _handler(entry["object_type"])(entry["object_id"])
        purged_at = datetime.fromisoformat(entry["purged_at"])
        db.session.add(
            PurgeRecord(object_type=entry["object_type"], object_id=entry["object_id"], purged_at=purged_at)
        )
        _audit("purge.reapply", None, entry["object_type"], entry["object_id"])
    return len(entries)


def missing_handlers(entries: list[dict]) -> set[str]:
    return {entry["object_type"] for entry in entries} - set(HANDLERS)


def journal_path() -> Path:
    return backup_dir() / JOURNAL_FILE


def read_journal(path: Path) -> list[dict]:
    """The lines of a journal file; a line cut short by a crash is skipped."""
    if not path.exists():
        return []
    entries = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            entry = json.loads(text)
            entries.append(
                {key: entry[key] for key in ("installation", "object_type", "object_id", "purged_at")}
            )
        except (ValueError, KeyError, TypeError):
            log.warning("%s line %s is not a journal entry: skipped", path, number)
    return entries


def _handler(object_type: str) -> Callable[[int], None]:
    try:
        return HANDLERS[object_type]
    except KeyError:
        raise UnknownPurgeKind(f"no purge handler registered for {object_type!r}") from None


def _audit(action: str, actor, object_type: str, object_id: int) -> None:
    event = audit.record(action, actor=actor)
    event.object_type, event.object_id = object_type, object_id


@sa.event.listens_for(Session, "after_commit")
def _write_journal_lines(session: Session) -> None:
    """Only what was committed reaches the file: a rolled-back purge never happened."""
    for path, line in session.info.pop(PENDING, []):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(line, ensure_ascii=False) + "\n")
                stream.flush()
        except OSError:
            # the row is committed and goes into the next backup; only the copy outside is missing
            log.exception("could not append to the purge journal %s", path)


@sa.event.listens_for(Session, "after_rollback")
def _forget_journal_lines(session: Session) -> None:
    session.info.pop(PENDING, None)
