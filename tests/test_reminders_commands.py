"""Reminders caused by changes, the commands, the settings page, the scheduler's set-up and lock."""

import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.extensions import db
from kosodate.reminders.models import NotificationSetting, OutboxMessage, ReminderKind
from kosodate.reminders.scheduler import (
    SchedulerLock,
    add_jobs,
    check_lock,
    job_defaults,
    start_embedded,
    wait_for_lock,
)
from tests.conftest import csrf_token_from


def kinds() -> list[str]:
    return sorted(k.value for k in db.session.scalars(sa.select(OutboxMessage.kind)))


def test_assigning_a_followup_queues_a_mail_in_the_same_transaction(login_as):
    client = login_as("coordinator@example.org")
    page = client.get("/followups/new").get_data(as_text=True)
    momiji = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "訪問看護ステーションもみじ"))
    data = {
        "title": "勉強会の講師を探す",
        "responsible_agency": agency.id,
        "owner": momiji.id,
        "priority": "normal",
        "csrf_token": csrf_token_from(page),
    }
    assert client.post("/followups/new", data=data).status_code == 302
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.ASSIGNED))
    assert row.recipient_email == "momiji@example.org"
    assert "勉強会の講師を探す" in row.subject


def test_opening_a_round_asks_the_agencies_for_their_reports(login_as):
    client = login_as("jimukyoku@example.org")
    page = client.get("/reports/rounds").get_data(as_text=True)
    data = {"fiscal_year": 2018, "deadline": (date.today() + timedelta(days=30)).isoformat(),
            "csrf_token": csrf_token_from(page)}  # fmt: skip
    assert client.post("/reports/rounds", data=data).status_code == 302
    recipients = db.session.scalars(
        sa.select(OutboxMessage.recipient_email).where(OutboxMessage.kind == ReminderKind.REPORT_REQUESTED)
    ).all()
    members = ["momiji@example.org", "msw@example.org", "zama@example.org"]
    assert sorted(email for email in recipients if not email.endswith("@atsugi-demo.example.org")) == members
    # an agency without members is asked at its contact address (the demo gives every agency one)
    addresses = {email for email in recipients if email.endswith("@atsugi-demo.example.org")}
    assert "ishikai@atsugi-demo.example.org" in addresses
    with_members = {"momiji-station@atsugi-demo.example.org", "shiritsu-byouin@atsugi-demo.example.org"}
    assert not addresses & with_members


def test_reminders_run_and_outbox_send_commands(app, runner, demo):
    result = runner.invoke(args=["reminders", "run", "--now", "2018-03-05T09:30"])
    assert result.exit_code == 0, result.output
    assert "overdue" in result.output
    again = runner.invoke(args=["reminders", "run", "--now", "2018-03-05T10:00"])
    assert "none new" in again.output
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and sent.output.startswith("sent ")
    bad = runner.invoke(args=["reminders", "run", "--now", "来週"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


def test_the_settings_page_switches_kinds_off(login_as):
    client = login_as("momiji@example.org")
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "まとめメール" in page
    data = {"kinds": ["assigned", "meeting"], "daily_digest": "1", "csrf_token": csrf_token_from(page)}
    assert client.post("/settings/notifications", data=data).status_code == 302
    setting = db.session.scalar(sa.select(NotificationSetting))
    assert "due_soon" in setting.disabled_kinds and "meeting" not in setting.disabled_kinds
    assert setting.daily_digest


def test_only_admins_see_the_outbox(login_as):
    assert login_as("jimukyoku@example.org").get("/admin/outbox").status_code == 403


def test_scheduler_jobs_coalesce_and_tolerate_late_runs(app):
    scheduler = BackgroundScheduler(job_defaults=job_defaults(app))
    add_jobs(scheduler, app)
    scheduler.start(paused=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    # the backup jobs are tested in tests/backups
    assert set(jobs) == {"reminders", "outbox", "sweep", "backup", "backup-catch-up", "cases_purge"}
    assert str(jobs["cases_purge"].trigger) == "cron[hour='3', minute='30']"
    assert jobs["reminders"].trigger.interval.total_seconds() == 15 * 60
    assert jobs["outbox"].trigger.interval.total_seconds() == 60
    assert jobs["sweep"].trigger.interval.total_seconds() == 3600
    for job in jobs.values():
        assert job.coalesce is True and job.misfire_grace_time == 600 and job.max_instances == 1
    assert start_embedded(app) is None  # never in tests; the web workers of production start none


def test_only_one_scheduler_holds_the_lock(app):
    first, second = SchedulerLock(app), SchedulerLock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_a_standby_scheduler_keeps_trying_and_takes_over(app):
    active, standby = SchedulerLock(app), SchedulerLock(app)
    assert active.acquire()
    waiting = threading.Thread(target=wait_for_lock, args=(standby, 0.05), daemon=True)
    waiting.start()
    time.sleep(0.3)  # several tries, all refused
    assert waiting.is_alive()
    active.release()
    waiting.join(timeout=5)
    assert not waiting.is_alive()  # the standby holds the lock now
    assert not SchedulerLock(app).acquire()
    standby.release()


def test_an_active_scheduler_that_lost_its_lock_stops(app):
    """A lock connection ended under it (here by pg_terminate_backend): a standby may be active, so
    this one stops rather than run the nightly backup and purge a second time."""
    lock = SchedulerLock(app)
    assert lock.acquire()
    scheduler = BackgroundScheduler()
    scheduler.start()
    lost = []
    try:
        check_lock(lock, scheduler, lost)
        assert lock.still_held() and scheduler.running and not lost
        if lock.connection is None:
            return  # SQLite: the kernel's file lock lasts as long as the process
        backend = lock.connection.scalar(sa.text("SELECT pg_backend_pid()"))
        lock.connection.commit()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        check_lock(lock, scheduler, lost)
        assert lost and not scheduler.running
        standby = SchedulerLock(app)
        assert standby.acquire()  # free for the standby
        standby.release()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        lock.connection = None  # its session is gone; nothing to release


HOLDER = """
import sys, time
from kosodate import create_app
from kosodate.reminders.scheduler import SchedulerLock
app = create_app("testing", instance_path=sys.argv[1], SQLALCHEMY_DATABASE_URI=sys.argv[2])
lock = SchedulerLock(app)
print("held" if lock.acquire() else "refused", flush=True)
time.sleep(120)
"""


def test_a_scheduler_killed_with_sigkill_frees_the_lock(app):
    """No clean release: PostgreSQL ends the dead process's session, the kernel its file lock."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, app.instance_path, url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        standby = SchedulerLock(app)
        assert not standby.acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        waiting = threading.Thread(target=wait_for_lock, args=(standby, 0.1), daemon=True)
        waiting.start()
        waiting.join(timeout=10)
        assert not waiting.is_alive()
        standby.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
