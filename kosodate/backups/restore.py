"""Restoring an archive into an empty database: everything is checked before anything is written.

Checked first: the key, every member's size and checksum, the database kind, the schema revision,
the archive's age, that the target is empty (or --force), and that every purge to re-apply has a
handler. Then the database is loaded, its row counts compared with the manifest, migrated forward
when older, the instance files put in place, and purges made since the backup applied again.
"""

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from ..core import audit, purge
from ..core.installation import backup_dir, installation_id
from ..core.time import now
from ..extensions import db, migrate
from . import crypto
from .archive import ArchiveRefused, extract_verified
from .services import retention_cutoff
from .snapshot import SnapshotError, describe, load_postgres, load_sqlite, restore_client, sqlite_row_counts


class RestoreRefused(Exception):
    """Refused before anything was written; the message is for the user."""


class RestoreFailed(Exception):
    """Went wrong after writing began: the database must not be used as it is."""


@dataclass
class RestoreResult:
    manifest: dict
    rows: int
    tables: int
    files: int
    migrated_from: str | None
    reapplied: int
    foreign_purges: int
    moved_aside: list[Path] = field(default_factory=list)


def verify_archive(archive: Path) -> dict:
    """Decrypt and check every member against the manifest, writing nothing; returns the manifest."""
    with _workdir(".verify-") as work:
        return _extract(archive, work)


@contextmanager
def _workdir(prefix: str):
    """A private folder in the instance (beside the data, not in a /tmp that may be memory)."""
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=prefix) as work:
        yield Path(work)


def restore_backup(
    archive: Path, *, force: bool = False, journals: tuple[Path, ...] = (), moment: datetime | None = None
) -> RestoreResult:
    moment = moment or now()
    with _workdir(".restore-") as work:
        members = work / "members"
        manifest = _extract(archive, work)
        _check_manifest(manifest, moment)
        snapshot = members / manifest["database"]["member"]
        if (
            manifest["database"]["dialect"] == "sqlite"
            and sqlite_row_counts(snapshot) != manifest["row_counts"]
        ):
            raise RestoreRefused("バックアップのデータベースの行数がマニフェストと一致しません。")
        target_rows, target_journal = _target_state()
        _check_empty(target_rows, manifest, force)
        entries, foreign = _journal_entries(
            manifest.get("installation"), target_journal, (*journals, archive.parent / purge.JOURNAL_FILE)
        )
        try:
            if manifest["database"]["dialect"] == "postgresql":
                restore_client(db.engine)
        except SnapshotError as error:
            raise RestoreRefused(str(error)) from None
        try:
            return _write(manifest, members, snapshot, entries, foreign)
        except SnapshotError as error:
            raise RestoreFailed(str(error)) from None


def _extract(archive: Path, work: Path) -> dict:
    try:
        identity = crypto.configured_identity() if crypto.is_encrypted(archive) else None
        return extract_verified(archive, work, identity)
    except (ArchiveRefused, crypto.KeyProblem) as error:
        raise RestoreRefused(str(error)) from None
    except OSError as error:
        raise RestoreRefused(f"バックアップファイルを読めません（{error}）。") from None


def _check_manifest(manifest: dict, moment: datetime) -> None:
    dialect = manifest["database"]["dialect"]
    if dialect != db.engine.dialect.name:
        raise RestoreRefused(
            f"このバックアップは {dialect} のものです。{db.engine.dialect.name} には復元できません。"
        )
    revision = manifest["database"]["alembic_revision"]
    try:
        known = revision is not None and _scripts().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise RestoreRefused(
            f"このバックアップのスキーマ（{revision}）をこのアプリは知りません。"
            "バックアップを作ったのと同じか新しい版のアプリで復元してください。"
        )
    created = datetime.fromisoformat(manifest["created_at"])
    if created < retention_cutoff(moment):
        raise RestoreRefused(
            f"このバックアップは保存期間（{current_app.config['CASE_RETENTION_YEARS']}年）より古いため"
            "復元できません（期限を過ぎた個人データを戻さないため）。"
        )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.get_config())


def _target_state() -> tuple[dict[str, int], list[dict]]:
    """The rows of the target database, and the purge journal it holds (read before it is replaced)."""
    with db.engine.connect() as connection:
        counts, _revision, installation = describe(connection)
        journal = []
        if counts.get("purge_journal"):
            rows = connection.execute(sa.text("SELECT object_type, object_id, purged_at FROM purge_journal"))
            journal = [
                {"installation": installation, "object_type": row[0], "object_id": row[1],
                 "purged_at": _iso(row[2])}
                for row in rows
            ]  # fmt: skip
    return counts, journal


def _iso(value) -> str:
    """A purged_at read without the models: stored as naive UTC (see core.db.UTCDateTime)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _check_empty(target_rows: dict[str, int], manifest: dict, force: bool) -> None:
    if force:
        return
    filled = sorted(name for name, count in target_rows.items() if count and name != "alembic_version")
    if filled:
        raise RestoreRefused(
            f"復元先のデータベースが空ではありません（{', '.join(filled[:5])} など）。"
            "置き換えてよければ --force を付けてください。"
        )
    instance = Path(current_app.instance_path)
    for folder in manifest["folders"]:
        if (instance / folder).is_dir() and any((instance / folder).iterdir()):
            raise RestoreRefused(
                f"復元先の {instance / folder} にファイルがあります。"
                "置き換えてよければ --force を付けてください。"
            )


def _journal_entries(
    installation: str | None, target_journal: list[dict], paths: tuple[Path, ...]
) -> tuple[list[dict], int]:
    """Purges recorded outside the archive: in the database being replaced and in the journal files
    beside the backups; and how many of them belong to another installation, whose ids mean other
    objects (those are left out)."""
    files = {backup_dir() / purge.JOURNAL_FILE, *paths}
    entries = target_journal + [entry for path in sorted(files) for entry in purge.read_journal(path)]
    ours = {
        (entry["object_type"], entry["object_id"]): entry
        for entry in entries
        if installation and entry["installation"] == installation
    }
    foreign = {
        (e["installation"], e["object_type"], e["object_id"])
        for e in entries
        if e["installation"] != installation
    }
    missing = purge.missing_handlers(list(ours.values()))
    if missing:
        raise RestoreRefused(
            f"削除（purge）の記録を再適用する処理がこのアプリにありません: {', '.join(sorted(missing))}"
        )
    return list(ours.values()), len(foreign)


def reapply_purges(journals: tuple[Path, ...] = ()) -> tuple[int, int]:
    """After a point-in-time recovery of PostgreSQL, which knows nothing of the purges made after its
    target time: apply again those the journal files record. Returns (applied, of another installation)."""
    installation = installation_id()
    entries, foreign = _journal_entries(installation, [], journals)
    applied = purge.reapply(entries)
    db.session.commit()
    return applied, foreign


def _write(manifest: dict, members: Path, snapshot: Path, entries: list[dict], foreign: int) -> RestoreResult:
    engine = db.engine
    db.session.remove()
    if manifest["database"]["dialect"] == "sqlite":
        load_sqlite(engine, snapshot)
    else:
        load_postgres(engine, snapshot)
    with engine.connect() as connection:
        counts, revision, _installation = describe(connection)
    expected = manifest["row_counts"]
    if {name: counts.get(name) for name in expected} != expected:
        wrong = sorted(name for name in expected if counts.get(name) != expected[name])
        raise RestoreFailed(f"復元した行数がマニフェストと一致しません: {', '.join(wrong)}")
    head = _scripts().get_current_head()
    migrated_from = None
    if revision != head:
        command.upgrade(migrate.get_config(), "head")
        migrated_from = revision
    moved = _put_files(manifest, members)
    reapplied = purge.reapply(entries)
    rows = sum(expected.values())
    audit.record(
        "backup.restore",
        changes={
            "archive": [None, manifest["created_at"]],
            "rows": [None, rows],
            "reapplied": [None, reapplied],
        },
    )
    db.session.commit()
    files = sum(1 for name in manifest["files"] if name.startswith("files/"))
    return RestoreResult(manifest, rows, len(expected), files, migrated_from, reapplied, foreign, moved)


def _put_files(manifest: dict, members: Path) -> list[Path]:
    """Move each folder of the archive into the instance; with --force the old one is kept aside."""
    instance = Path(current_app.instance_path)
    moved = []
    for folder in manifest["folders"]:
        target = instance / folder
        if target.exists() and any(target.iterdir()):
            aside = instance / f"{folder}.before-restore-{now():%Y%m%d%H%M%S}"
            target.rename(aside)
            moved.append(aside)
        elif target.exists():
            target.rmdir()
        source = members / "files" / folder
        if source.is_dir():
            shutil.move(source, target)
        else:
            target.mkdir(parents=True)
    return moved
