"""Backups restored as a secretariat would after a broken disk or a bad upgrade: the drill of the
issue (everything back, byte for byte, while another process was writing), then every way an
archive can be refused, an older schema, and purges that must stay purged."""

import json
import subprocess
import sys
import tarfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from kosodate.auth.models import User
from kosodate.backups.archive import list_archives
from kosodate.backups.services import create_backup
from kosodate.cases.models import Case, CaseStatus
from kosodate.cases.retention import purge_expired_cases
from kosodate.core import purge
from kosodate.core.installation import Installation
from kosodate.core.time import now, today_tokyo
from kosodate.demo.generate import GenerateSpec, generate
from kosodate.demo.loader import load_demo
from kosodate.extensions import db, migrate
from kosodate.followups.models import FollowUp, FollowUpComment
from kosodate.meetings.models import Attachment, Meeting

from ..conftest import DEMO_PASSWORD, make_app
from .conftest import (
    ENVIRONMENT,
    PDF,
    PNG,
    PROJECT_ROOT,
    attach,
    cli,
    file_sha256,
    new_key,
    no_tables,
    review_page,
    table_checksums,
)
from .editor import target

SMALL = {"councils": 2, "agencies": 20, "users": 60, "followups": 2000, "meetings": 100, "seed": 5}


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def drill_edits() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(FollowUpComment.body.like("drill %")))


#: the demo's follow-ups: nine from the FY2017 texts, six of its fictional cases
DEMO_FOLLOWUPS = 9 + 6


def only_archive(folder: Path) -> Path:
    (archive,) = list_archives(folder)
    return archive.path


def second_liaison_meeting() -> Meeting:
    return db.session.scalar(sa.select(Meeting).where(Meeting.title.like("第２回%")))


# --- the drill -----------------------------------------------------------------------------------


def test_restore_drill_brings_back_every_row_and_file_while_another_process_writes(
    stamped, database_url, scratch_url, tmp_path
):
    source = stamped
    generate(GenerateSpec(**SMALL, today=today_tokyo()))
    load_demo(password=DEMO_PASSWORD, force=True)
    meeting = second_liaison_meeting()
    secretariat = db.session.scalar(sa.select(User).where(User.email == "jimukyoku@example.org"))
    attach(meeting, secretariat, "資料２－２ 進捗状況一覧.pdf", PDF, 3_000_000)
    attach(meeting, secretariat, "会場の地図.png", PNG, 200_000)
    db.session.commit()
    edited = list(db.session.scalars(sa.select(FollowUp.id).where(FollowUp.council_id == meeting.council_id)))
    backups = tmp_path / "backups"

    # another process edits follow-ups all through the backup
    stop = tmp_path / "stop-editing"
    editor = subprocess.Popen(
        [sys.executable, "-m", "tests.backups.editor", database_url, str(stop), *map(str, edited)],
        cwd=PROJECT_ROOT, env=ENVIRONMENT,
    )  # fmt: skip
    try:
        wait_for(lambda: drill_edits() >= 20)
        created = cli(source, "backup", "create", "--out", backups)
        assert created.exit_code == 0, created.output
        after_backup = drill_edits()
        wait_for(lambda: drill_edits() > after_backup + 5)
    finally:
        stop.touch()
        editor.wait(timeout=30)
    assert editor.returncode == 0
    during = only_archive(backups)

    restored = make_app(scratch_url("restore"), tmp_path / "restored")
    result = cli(restored, "backup", "restore", during)
    assert result.exit_code == 0, result.output
    assert "checksums and row counts verified" in result.output
    with restored.app_context():
        # the snapshot holds edits 1..k, each whole: never a description without its comment
        bodies = set(
            db.session.scalars(sa.select(FollowUpComment.body).where(FollowUpComment.body.like("drill %")))
        )
        k = len(bodies)
        assert bodies == {f"drill {n}" for n in range(1, k + 1)}
        latest = {target(edited, n): f"drill {n}" for n in range(1, k + 1)}
        descriptions = dict(
            db.session.execute(
                sa.select(FollowUp.id, FollowUp.description).where(FollowUp.id.in_(latest))
            ).all()
        )
        assert descriptions == latest
    assert 20 <= k <= after_backup < drill_edits()

    # now quiet: a second backup, restored over the first, equals the source table by table
    during.unlink()
    created = cli(source, "backup", "create", "--out", backups)
    assert created.exit_code == 0, created.output
    result = cli(restored, "backup", "restore", only_archive(backups), "--force")
    assert result.exit_code == 0, result.output
    with restored.app_context():
        restored_sums = table_checksums(db.engine)
        restored_files = {a.stored_name: a for a in db.session.scalars(sa.select(Attachment))}
    assert table_checksums(db.engine) == restored_sums

    attachments = db.session.scalars(sa.select(Attachment)).all()
    assert len(attachments) == 2 and set(restored_files) == {a.stored_name for a in attachments}
    for attachment in attachments:
        original = Path(source.instance_path) / "attachments" / attachment.stored_name
        copy = tmp_path / "restored" / "attachments" / attachment.stored_name
        assert file_sha256(copy) == file_sha256(original)

    # the restored app signs the secretariat in and shows the same pre-meeting review
    same = review_page(restored, meeting.id, "jimukyoku@example.org", DEMO_PASSWORD)
    assert same == review_page(source, meeting.id, "jimukyoku@example.org", DEMO_PASSWORD)
    assert meeting.title in same


# --- refusals: nothing written -------------------------------------------------------------------


@pytest.fixture
def demo_backup(stamped, demo, tmp_path):
    """The demo data backed up, optionally encrypted: demo_backup(key=None) -> archive path."""

    def make(key: str | None = None) -> Path:
        folder = tmp_path / f"backups-{len(list(tmp_path.glob('backups-*')))}"
        stamped.config["BACKUP_KEY"] = key
        result = cli(stamped, "backup", "create", "--out", folder)
        stamped.config["BACKUP_KEY"] = None
        assert result.exit_code == 0, result.output
        return only_archive(folder)

    return make


def refused(target_app, archive: Path, message: str) -> None:
    result = cli(target_app, "backup", "restore", archive)
    assert result.exit_code == 1
    assert message in result.output
    assert "何も書き込んでいません" in result.output
    with target_app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.engine.dispose()
    assert not (Path(target_app.instance_path) / "attachments").exists()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_truncated_archive_is_refused(demo_backup, scratch_url, tmp_path, encrypted):
    key = new_key() if encrypted else None
    archive = demo_backup(key)
    cut = tmp_path / archive.name.replace("kosodate-", "kosodate-cut-")
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    target_app = make_app(scratch_url("restore"), tmp_path / "restored", BACKUP_KEY=key)
    refused(target_app, cut, "壊れているか、途中で切れています")


def test_verify_reads_an_archive_through_and_writes_nothing(demo_backup, stamped, tmp_path):
    archive = demo_backup()
    result = cli(stamped, "backup", "verify", archive)
    assert result.exit_code == 0, result.output
    assert f"{archive.name}: OK — " in result.output
    assert f", {len(db.metadata.tables) + 1} tables, " in result.output  # and alembic_version
    cut = tmp_path / "kosodate-20180228-140000.tar.gz"
    cut.write_bytes(archive.read_bytes()[:-100])
    result = cli(stamped, "backup", "verify", cut)
    assert result.exit_code == 1
    assert "途中で切れています" in result.output


def test_a_wrong_or_missing_key_is_refused(demo_backup, scratch_url, tmp_path):
    archive = demo_backup(new_key())
    url = scratch_url("restore")
    refused(make_app(url, tmp_path / "wrong", BACKUP_KEY=new_key()), archive, "鍵が違います")
    refused(make_app(url, tmp_path / "none"), archive, "暗号化されています")
    refused(
        make_app(url, tmp_path / "bad", BACKUP_KEY="my password"),
        archive,
        "BACKUP_KEY の形式が正しくありません",
    )


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_an_altered_archive_is_refused(demo_backup, scratch_url, tmp_path, encrypted):
    key = new_key() if encrypted else None
    archive = demo_backup(key)
    content = bytearray(archive.read_bytes())
    content[len(content) // 2] ^= 0x01
    archive.write_bytes(bytes(content))
    target_app = make_app(scratch_url("restore"), tmp_path / "restored", BACKUP_KEY=key)
    result = cli(target_app, "backup", "restore", archive)
    assert result.exit_code == 1
    assert "何も書き込んでいません" in result.output
    assert no_tables(target_app.config["SQLALCHEMY_DATABASE_URI"])


def test_a_database_holding_data_is_replaced_only_with_force(demo_backup, scratch_url, tmp_path):
    archive = demo_backup()
    target_app = make_app(scratch_url("restore"), tmp_path / "restored")
    assert cli(target_app, "backup", "restore", archive).exit_code == 0
    again = cli(target_app, "backup", "restore", archive)
    assert again.exit_code == 1
    assert "空ではありません" in again.output and "--force" in again.output
    forced = cli(target_app, "backup", "restore", archive, "--force")
    assert forced.exit_code == 0, forced.output
    with target_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == DEMO_FOLLOWUPS


# --- an older schema -----------------------------------------------------------------------------


def test_an_archive_of_an_older_schema_is_migrated_forward(database_url, scratch_url, tmp_path):
    older = make_app(scratch_url("older"), tmp_path / "older")
    with older.app_context():
        scripts = ScriptDirectory.from_config(migrate.get_config())
        head = scripts.get_current_head()
        previous = scripts.get_revision(head).down_revision
        # the demo is loaded with today's models, then the newest migration is undone
        command.upgrade(migrate.get_config(), "head")
        load_demo(password=DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
        command.downgrade(migrate.get_config(), previous)
        # the archive as the older code made it: today's audit row of it may not fit the older table
        create_backup(tmp_path / "backups")
        db.session.rollback()

    restored = make_app(scratch_url("restore"), tmp_path / "restored")
    result = cli(restored, "backup", "restore", only_archive(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert f"migrated forward from {previous}" in result.output
    with restored.app_context():
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == DEMO_FOLLOWUPS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(purge.PurgeRecord)) == 0
        db.engine.dispose()
    with older.app_context():
        db.engine.dispose()


# --- purges stay purged --------------------------------------------------------------------------


@pytest.fixture
def purgeable_followups(monkeypatch):
    """A test-only purge handler: a follow-up's free texts stand in for a closed case's personal data."""

    def purge_followup(followup_id: int) -> None:
        followup = db.session.get(FollowUp, followup_id)
        followup.description = followup.completion_note = ""

    monkeypatch.setitem(purge.HANDLERS, "followups", purge_followup)


def journal_line(installation: str, object_type: str, object_id: int) -> str:
    entry = {"installation": installation, "object_type": object_type, "object_id": object_id}
    return json.dumps({**entry, "purged_at": "2026-01-01T00:00:00+00:00"}) + "\n"


def described_followup() -> FollowUp:
    return db.session.scalars(
        sa.select(FollowUp).where(FollowUp.description != "").order_by(FollowUp.id)
    ).first()


def test_the_journal_outside_the_database_names_this_installation(purgeable_followups, stamped, demo):
    followup_id = described_followup().id
    purge.purge("followups", followup_id)
    db.session.rollback()  # a purge rolled back never happened: no line
    journal = Path(stamped.instance_path) / "backups" / purge.JOURNAL_FILE
    assert purge.read_journal(journal) == []
    purge.purge("followups", followup_id)
    db.session.commit()
    (line,) = purge.read_journal(journal)
    assert (line["object_type"], line["object_id"]) == ("followups", followup_id)
    assert line["installation"] == db.session.scalar(sa.select(Installation.uuid))
    assert cli(stamped, "backup", "create").exit_code == 0
    with tarfile.open(list_archives(journal.parent)[0].path) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest["installation"] == line["installation"]


def test_a_purge_made_after_the_backup_is_applied_again_on_restore(
    purgeable_followups, demo_backup, stamped, scratch_url, tmp_path
):
    backups = tmp_path / "backups"
    stamped.config["BACKUP_DIR"] = str(backups)
    archive = demo_backup()
    followup_id = described_followup().id
    purge.purge("followups", followup_id)
    db.session.commit()
    assert (backups / purge.JOURNAL_FILE).exists()
    # a line of another installation (its ids are other objects) is never applied
    with (backups / purge.JOURNAL_FILE).open("a") as journal:
        journal.write(journal_line("someone-else", "followups", 1))

    restored = make_app(scratch_url("restore"), tmp_path / "restored", BACKUP_DIR=str(backups))
    result = cli(restored, "backup", "restore", archive)
    assert result.exit_code == 0, result.output
    assert "purges made after the backup applied again: 1" in result.output
    assert "purge records of another installation ignored: 1" in result.output
    with restored.app_context():  # (objects of the test's session would load from the restored app here)
        assert db.session.get(FollowUp, followup_id).description == ""
        assert db.session.scalar(sa.select(sa.func.count()).select_from(purge.PurgeRecord)) == 1
        others = db.session.scalars(
            sa.select(FollowUp).where(FollowUp.id != followup_id, FollowUp.description != "")
        )
        assert len(others.all()) > 0
        db.engine.dispose()


def test_a_case_purged_after_the_backup_stays_purged_when_the_backup_is_restored(
    demo_backup, stamped, scratch_url, tmp_path
):
    backups = tmp_path / "backups"
    stamped.config["BACKUP_DIR"] = str(backups)
    archive = demo_backup()
    closed = db.session.scalar(sa.select(Case).where(Case.status == CaseStatus.CLOSED))
    years = stamped.config["CASE_RETENTION_YEARS"]
    (purged,) = purge_expired_cases(today=closed.closed_on.replace(year=closed.closed_on.year + years))
    db.session.commit()
    assert purged.case_id == closed.id

    restored = make_app(scratch_url("restore"), tmp_path / "restored", BACKUP_DIR=str(backups))
    result = cli(restored, "backup", "restore", archive)
    assert result.exit_code == 0, result.output
    assert "purges made after the backup applied again: 1" in result.output
    with restored.app_context():
        case = db.session.get(Case, purged.case_id)
        assert case.purged_at is not None and case.child_name == "" and case.birth_date is None
        assert case.code == purged.code  # the code and the dates stay
        others = db.session.scalars(sa.select(Case).where(Case.id != purged.case_id)).all()
        assert all(other.child_name.startswith("架空") for other in others)
        db.engine.dispose()


def test_restoring_over_the_same_database_keeps_its_purges_without_the_journal_file(
    purgeable_followups, demo_backup, stamped, tmp_path
):
    archive = demo_backup()
    followup_id = described_followup().id
    purge.purge("followups", followup_id)
    db.session.commit()
    (Path(stamped.instance_path) / "backups" / purge.JOURNAL_FILE).unlink()  # only the database knows
    db.session.remove()
    result = cli(stamped, "backup", "restore", archive, "--force")
    assert result.exit_code == 0, result.output
    assert "applied again: 1" in result.output
    assert db.session.get(FollowUp, followup_id).description == ""


def test_a_purge_this_app_cannot_apply_again_refuses_the_restore(demo_backup, stamped, scratch_url, tmp_path):
    archive = demo_backup()
    installation = db.session.scalar(sa.text("SELECT uuid FROM installation"))
    journal = Path(stamped.instance_path) / "backups" / purge.JOURNAL_FILE
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(journal_line(installation, "no_such_kind", 3))
    target_app = make_app(scratch_url("restore"), tmp_path / "restored", BACKUP_DIR=str(journal.parent))
    refused(target_app, archive, "no_such_kind")


def test_backups_older_than_the_retention_are_deleted_and_never_restored(
    demo_backup, stamped, scratch_url, tmp_path
):
    archive = demo_backup()
    folder = archive.parent
    old = folder / "kosodate-20200101-020000.tar.gz"
    old.write_bytes(archive.read_bytes())
    assert cli(stamped, "backup", "create", "--out", folder).exit_code == 0
    assert not old.exists()  # CASE_RETENTION_YEARS = 5: older than 5 years
    assert archive.exists()

    target_app = make_app(scratch_url("restore"), tmp_path / "restored")
    with target_app.app_context():
        from kosodate.backups.restore import RestoreRefused, restore_backup

        with pytest.raises(RestoreRefused, match="保存期間"):
            restore_backup(archive, moment=now() + timedelta(days=5 * 366))
        db.engine.dispose()


def test_after_a_point_in_time_recovery_the_journal_purges_again(purgeable_followups, stamped, demo):
    followup_id = described_followup().id
    purge.purge("followups", followup_id)
    db.session.commit()
    # the database recovered to a moment before the purge: the data is back, its record gone
    db.session.execute(sa.delete(purge.PurgeRecord))
    db.session.execute(sa.update(FollowUp).where(FollowUp.id == followup_id).values(description="戻った記述"))
    db.session.commit()
    db.session.remove()
    result = cli(stamped, "backup", "reapply-purges")
    assert result.exit_code == 0, result.output
    assert "purges applied again: 1" in result.output
    assert db.session.get(FollowUp, followup_id).description == ""
    assert cli(stamped, "backup", "reapply-purges").output.startswith("purges applied again: 0")
