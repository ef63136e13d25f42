"""Making backups, keeping the right ones, and telling an admin when they stopped."""

import fcntl
import tempfile
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for

from .. import PROJECT_ROOT
from ..core import audit
from ..core.access import can
from ..core.audit import AuditEvent
from ..core.installation import backup_dir, installation_id
from ..core.time import now
from ..dashboard.warnings import DashboardWarning, dashboard_warning
from ..extensions import db
from . import crypto
from .access import BackupArchive
from .archive import FORMAT, FORMAT_VERSION, ArchiveFile, file_digest, list_archives, write_archive
from .snapshot import SnapshotError, take_snapshot

#: the dashboard warns an admin when the newest backup is older than this
STALE_AFTER = timedelta(days=2)


@dataclass
class BackupResult:
    path: Path
    size: int
    encrypted: bool
    tables: int
    rows: int
    files: int
    pruned: list[Path]


def create_backup(out_dir: Path | None = None, *, keep: int | None = None, moment=None) -> BackupResult:
    """Snapshot the database, then the instance files, into one archive; prune what is too old.

    The database goes first: a file uploaded meanwhile is in the archive without its row (harmless),
    never a row without its file. Records the outcome in the audit log; the caller commits.
    """
    moment = moment or now()
    identity = crypto.configured_identity()
    out_dir = Path(out_dir) if out_dir else backup_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with _lock(out_dir), tempfile.TemporaryDirectory(dir=instance, prefix=".backup-") as work:
        if sa.inspect(db.engine).has_table("installation"):
            installation_id()  # so that the archive names its installation
            db.session.commit()
        snapshot = take_snapshot(db.engine, Path(work))
        if snapshot.revision is None:  # a restore could neither check nor migrate it
            raise SnapshotError("データベースにスキーマの版がありません。flask db upgrade で作ってください。")
        members = [(snapshot.member, snapshot.path), *instance_files()]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "created_at": moment.isoformat(),
            "installation": snapshot.installation,
            "database": {
                "dialect": snapshot.dialect,
                "server_version": snapshot.server_version,
                "member": snapshot.member,
                "alembic_revision": snapshot.revision,
            },
            "row_counts": snapshot.row_counts,
            "folders": list(current_app.config["BACKUP_FOLDERS"]),
            "files": {name: file_digest(path) for name, path in members},
        }
        path = write_archive(out_dir, Path(work), manifest, members, identity, moment)
        pruned = prune(out_dir, moment, keep)
    size = path.stat().st_size
    audit.record("backup.create", changes={"file": [None, path.name], "size": [None, size]})
    return BackupResult(
        path, size, identity is not None, len(snapshot.row_counts), sum(snapshot.row_counts.values()),
        len(members) - 1, pruned,
    )  # fmt: skip


def record_failure(error: Exception) -> None:
    audit.record("backup.failed", changes={"error": [None, str(error)[:2000]]})


def instance_files() -> list[tuple[str, Path]]:
    """(name in the archive, path) of every file in the backed-up folders of the instance."""
    instance = Path(current_app.instance_path)
    members = []
    for folder in current_app.config["BACKUP_FOLDERS"]:
        root = instance / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    members.append((f"files/{path.relative_to(instance).as_posix()}", path))
    return members


def app_version() -> str:
    try:
        with (PROJECT_ROOT / "pyproject.toml").open("rb") as stream:
            return tomllib.load(stream)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


@contextmanager
def _lock(directory: Path):
    """One backup at a time per folder (the scheduler's and a command's), so pruning never races."""
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- what to keep --------------------------------------------------------------------------------


def retention_cutoff(moment: datetime) -> datetime:
    """CASE_RETENTION_YEARS before the moment: data older than this must no longer exist anywhere."""
    years = current_app.config["CASE_RETENTION_YEARS"]
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def prune(directory: Path, moment: datetime, keep: int | None = None) -> list[Path]:
    """Delete archives older than the retention, and beyond the newest `keep` when given."""
    archives = list_archives(directory)
    cutoff = retention_cutoff(moment)
    doomed = [archive for archive in archives if archive.created_at < cutoff]
    if keep is not None:
        doomed += [archive for archive in archives[keep:] if archive not in doomed]
    for archive in doomed:
        archive.path.unlink(missing_ok=True)
    return [archive.path for archive in doomed]


# --- status ----------------------------------------------------------------------------------------


@dataclass
class BackupStatus:
    archives: list[ArchiveFile]
    last_failure: AuditEvent | None

    @property
    def newest(self) -> ArchiveFile | None:
        return self.archives[0] if self.archives else None

    def warning(self, moment: datetime) -> str | None:
        """What an admin must hear about, in Japanese; None when backups are fine."""
        newest = self.newest
        failure = self.last_failure
        if failure is not None and (newest is None or failure.occurred_at > newest.created_at):
            return "前回のバックアップに失敗しました。"
        if newest is None:
            return "バックアップがまだありません。"
        if moment - newest.created_at > STALE_AFTER:
            return f"最後のバックアップから{(moment - newest.created_at).days}日たっています。"
        return None


def backup_status() -> BackupStatus:
    failure = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "backup.failed")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return BackupStatus(list_archives(backup_dir()), failure)


@dashboard_warning
def backup_warning(user) -> list[DashboardWarning]:
    """On an admin's home page, when the scheduler is meant to back up daily and the last backup is
    too old or failed."""
    if not can(user, "administer", BackupArchive) or not current_app.config["BACKUP_DAILY"]:
        return []
    message = backup_status().warning(now())
    if message is None:
        return []
    return [
        DashboardWarning(message, url_for("backups.index"), "バックアップを確認する", key="backup-warning")
    ]
