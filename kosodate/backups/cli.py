"""`backup create`, `backup restore`, `backup verify`, `backup keygen`."""

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from ..core.time import datetime_ja
from ..extensions import db
from . import crypto
from .archive import ArchiveRefused
from .restore import RestoreFailed, RestoreRefused, reapply_purges, restore_backup, verify_archive
from .services import create_backup, record_failure
from .snapshot import SnapshotError

backup_cli = AppGroup("backup", help="バックアップと復元 / backups and restores")
ARCHIVE = click.Path(exists=True, dir_okay=False, path_type=Path)


@backup_cli.command("create")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="書き出すフォルダ（既定: BACKUP_DIR）"
)
def create_command(out):
    """One archive: a consistent copy of the database, the instance files and a manifest."""
    try:
        result = create_backup(out)
        db.session.commit()
    except (SnapshotError, ArchiveRefused, crypto.KeyProblem, OSError) as error:
        db.session.rollback()
        record_failure(error)
        db.session.commit()
        raise click.ClickException(f"バックアップを作れませんでした: {error}") from None
    click.echo(f"wrote {result.path} ({result.size / 1_000_000:.1f} MB)")
    click.echo(f"{result.tables} tables, {result.rows} rows, {result.files} files")
    if result.encrypted:
        click.echo("encrypted with BACKUP_KEY (age)")
    else:
        click.echo("注意: BACKUP_KEY が未設定のため暗号化していません / not encrypted: BACKUP_KEY is not set")
    for path in result.pruned:
        click.echo(f"deleted {path.name} (older than the retention or beyond BACKUP_KEEP)")


@backup_cli.command("restore")
@click.argument("archive", type=ARCHIVE)
@click.option("--force", is_flag=True, help="空でないデータベースも置き換える")
@click.option(
    "--journal", "journals", multiple=True, type=ARCHIVE,
    help="削除（purge）の記録ファイル purge-journal.jsonl を追加で読む（元のサーバーからコピーしたもの）",
)  # fmt: skip
def restore_command(archive, force, journals):
    """Restore an archive into an empty database (stop the app first)."""
    try:
        result = restore_backup(archive, force=force, journals=journals)
    except RestoreRefused as refusal:
        raise click.ClickException(f"復元できません: {refusal} 何も書き込んでいません。") from None
    except RestoreFailed as failure:
        raise click.ClickException(
            f"復元の途中で失敗しました: {failure} このデータベースは使わず、もう一度復元してください。"
        ) from None
    manifest = result.manifest
    made = datetime_ja(datetime.fromisoformat(manifest["created_at"]))
    click.echo(f"restored {archive.name}, made {made} by kosodate {manifest['app_version']}")
    click.echo(
        f"{result.tables} tables, {result.rows} rows, {result.files} files: checksums and row counts verified"
    )
    if result.migrated_from:
        click.echo(f"schema migrated forward from {result.migrated_from} to the current revision")
    click.echo(f"purges made after the backup applied again: {result.reapplied}")
    if result.foreign_purges:
        click.echo(f"purge records of another installation ignored: {result.foreign_purges}")
    for path in result.moved_aside:
        click.echo(f"the files that were there are kept in {path}")


@backup_cli.command("reapply-purges")
@click.option("--journal", "journals", multiple=True, type=ARCHIVE, help="追加で読む purge-journal.jsonl")
def reapply_purges_command(journals):
    """After a point-in-time recovery: purge again what the journal beside the backups says was purged."""
    try:
        applied, foreign = reapply_purges(journals)
    except RestoreRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"purges applied again: {applied}")
    if foreign:
        click.echo(f"purge records of another installation ignored: {foreign}")


@backup_cli.command("verify")
@click.argument("archive", type=ARCHIVE)
def verify_command(archive):
    """Decrypt and check every file of an archive against its manifest, writing nothing."""
    try:
        manifest = verify_archive(archive)
    except RestoreRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    rows, database = sum(manifest["row_counts"].values()), manifest["database"]
    click.echo(
        f"{archive.name}: OK — {database['dialect']}, revision {database['alembic_revision']}, "
        f"{len(manifest['row_counts'])} tables, {rows} rows, {len(manifest['files']) - 1} instance files"
    )


@backup_cli.command("keygen")
def keygen_command():
    """Print a new key for BACKUP_KEY."""
    identity = crypto.new_identity()
    click.echo(f"# public key: {identity.to_public()}")
    click.echo(
        "# BACKUP_KEY に設定し、バックアップとは別の場所（金庫・パスワード管理）にも保管してください。"
    )
    click.echo("# 鍵をなくすと、暗号化したバックアップは誰にも戻せません。")
    click.echo(str(identity))
