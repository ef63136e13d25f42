"""/admin/backups, the admin's dashboard warning, the daily job of the scheduler and what it keeps."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from pyrage import x25519

from kosodate.backups.archive import list_archives
from kosodate.backups.jobs import run_backup
from kosodate.backups.snapshot import SnapshotError, postgres_tool
from kosodate.core.audit import AuditEvent
from kosodate.core.time import TOKYO, now
from kosodate.extensions import db
from kosodate.reminders.scheduler import add_jobs, job_defaults

from ..conftest import POSTGRES_URL, csrf_token_from
from .conftest import cli

ADMIN, SECRETARIAT = "admin@example.org", "jimukyoku@example.org"


@pytest.fixture
def backups(stamped, demo):
    """The folder the app backs up into (instance/backups), and the demo data to back up."""
    return Path(stamped.instance_path) / "backups"


def archive_named(folder, days_ago: int) -> None:
    """A copy of the newest archive, named as if it had been made `days_ago` days ago."""
    newest = list_archives(folder)[0].path
    moment = (now() - timedelta(days=days_ago)).astimezone(TOKYO)
    shutil.copy(newest, newest.parent / f"kosodate-{moment:%Y%m%d-%H%M%S}.tar.gz")


def test_an_admin_makes_a_backup_now_and_sees_it_listed_with_size_and_age(login_as, backups):
    client = login_as(ADMIN)
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "バックアップはまだありません" in page
    assert "暗号化されていません" in page
    response = client.post("/admin/backups", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    (archive,) = list_archives(backups)
    page = client.get("/admin/backups").get_data(as_text=True)
    assert archive.name in page
    assert "0日前" in page
    assert f"{archive.size / 1_000_000:.1f} MB" in page
    download = client.get(f"/admin/backups/{archive.name}")
    assert download.status_code == 200
    assert download.data == archive.path.read_bytes()
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("backup.%"))).all()
    assert actions == ["backup.create", "backup.download"]


def test_only_admins_reach_the_backups(login_as, backups, stamped):
    assert cli(stamped, "backup", "create").exit_code == 0
    name = list_archives(backups)[0].name
    for email in (SECRETARIAT, "coordinator@example.org", "momiji@example.org"):
        client = login_as(email)
        assert client.get("/admin/backups").status_code == 403
        assert client.get(f"/admin/backups/{name}").status_code == 403
        page = client.get("/").get_data(as_text=True)
        assert client.post("/admin/backups", data={"csrf_token": csrf_token_from(page)}).status_code == 403
        assert "/admin/backups" not in page
    admin = login_as(ADMIN)
    assert "/admin/backups" in admin.get("/").get_data(as_text=True)
    for wrong in ("kosodate.sqlite3", "..%2Fsecret_key", "kosodate-20180228-140000.tar.gz"):
        assert admin.get(f"/admin/backups/{wrong}").status_code == 404


def test_an_admin_is_warned_on_the_dashboard_when_backups_stopped(login_as, backups, stamped):
    admin, secretariat = login_as(ADMIN), login_as(SECRETARIAT)
    assert "バックアップがまだありません" in admin.get("/").get_data(as_text=True)

    run_backup(stamped)
    assert 'data-testid="backup-warning"' not in admin.get("/").get_data(as_text=True)

    for archive in list_archives(backups):
        archive_named(backups, 3)
        archive.path.unlink()
    assert "最後のバックアップから3日たっています" in admin.get("/").get_data(as_text=True)

    stamped.config["BACKUP_KEY"] = "not a key"  # the daily job fails: recorded and shown at once
    run_backup(stamped)
    page = admin.get("/").get_data(as_text=True)
    assert "前回のバックアップに失敗しました" in page
    assert "BACKUP_KEY の形式が正しくありません" in admin.get("/admin/backups").get_data(as_text=True)
    assert 'data-testid="backup-warning"' not in secretariat.get("/").get_data(as_text=True)

    stamped.config["BACKUP_DAILY"] = False  # production backs up on its own (pg_dump, WAL)
    assert 'data-testid="backup-warning"' not in admin.get("/").get_data(as_text=True)


def test_the_daily_job_keeps_the_newest_backup_keep_archives(backups, stamped):
    stamped.config["BACKUP_KEEP"] = 3
    run_backup(stamped)
    for days in (1, 2, 3, 4):
        archive_named(backups, days)
    run_backup(stamped)
    kept = list_archives(backups)
    assert len(kept) == 3
    assert [(now() - archive.created_at).days for archive in kept] == [0, 0, 1]


def scheduled(app) -> dict:
    scheduler = BackgroundScheduler(job_defaults=job_defaults(app))
    add_jobs(scheduler, app)
    scheduler.start(paused=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    return jobs


def test_the_scheduler_backs_up_at_two_in_tokyo_and_catches_up_after_a_night_switched_off(backups, stamped):
    jobs = scheduled(stamped)
    daily = jobs["backup"]
    assert str(daily.trigger) == "cron[hour='2', minute='0']"
    assert daily.trigger.timezone.key == "Asia/Tokyo"
    assert daily.next_run_time.astimezone(TOKYO).hour == 2
    # no backup yet (the PC was off at 02:00): one a few minutes after the start
    assert timedelta(0) < jobs["backup-catch-up"].next_run_time - now() <= timedelta(minutes=10)

    run_backup(stamped)
    assert "backup-catch-up" not in scheduled(stamped)

    stamped.config["BACKUP_DAILY"] = False
    assert "backup" not in scheduled(stamped)


def test_keygen_prints_a_key_for_backup_key(app):
    result = cli(app, "backup", "keygen")
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("AGE-SECRET-KEY-1")
    assert str(x25519.Identity.from_str(key).to_public()) in result.output


@pytest.mark.skipif(not POSTGRES_URL, reason="needs KOSODATE_TEST_DATABASE_URL")
def test_a_postgresql_client_older_than_the_server_is_refused():
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as connection:
        server_major = int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000
    engine.dispose()
    assert postgres_tool("pg_dump", server_major)
    with pytest.raises(SnapshotError, match="postgresql-client-99"):
        postgres_tool("pg_dump", 99)
