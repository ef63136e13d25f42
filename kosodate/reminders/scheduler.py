"""APScheduler: the reminders, the outbox, the daily backup and housekeeping on a timer, one active
scheduler at a time.

Embedded mode (make run): a background scheduler in the web process. Production: `flask --app app
scheduler run`, a process of its own. A PostgreSQL advisory lock (a file lock with SQLite) keeps a
second scheduler on standby; were two to run anyway, the dedupe key and the claims still send each
e-mail once.
"""

import fcntl
import logging
import os
import time
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..auth.lockout import forget_stale
from ..backups.jobs import add_backup_jobs
from ..cases.retention import run_purge
from ..core.time import TOKYO, now
from ..extensions import db
from ..reports.imports import sweep_previews
from .outbox import enqueue, send_all, sender_lock
from .rules import due_reminders

log = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 0x6B6F736F  # "koso"


class SchedulerLock:
    """Held for the life of the active scheduler."""

    def __init__(self, app: Flask):
        self.app = app
        self.connection = None
        self.file = None

    def acquire(self) -> bool:
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                self.connection = engine.connect()
                held = self.connection.scalar(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self.connection.commit()
                if not held:
                    self.connection.close()
                    self.connection = None
                return bool(held)
        path = Path(self.app.instance_path) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("w")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            self.file = None
            return False
        return True

    def still_held(self) -> bool:
        """False once the lock's connection is gone (the database restarted, a network cut, an
        administrator's pg_terminate_backend): a standby may be active by then."""
        if self.connection is None:
            return self.file is not None  # the kernel keeps a file lock for as long as we live
        try:
            held = self.connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": ADVISORY_LOCK_KEY},
            )
            self.connection.commit()
        except sa.exc.DBAPIError:
            return False
        return bool(held)

    def release(self) -> None:
        if self.connection is not None:
            # the pool keeps the session alive after close(): unlock explicitly
            self.connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            self.connection.commit()
            self.connection.close()
            self.connection = None
        if self.file is not None:
            self.file.close()


def run_reminders(app: Flask) -> None:
    with app.app_context():
        moment = now()
        counts = enqueue(due_reminders(moment), moment)
        db.session.commit()
        if counts:
            log.info("reminders queued: %s", counts)


def run_outbox(app: Flask) -> None:
    with app.app_context(), sender_lock():
        result = send_all()
        if result.sent or result.retried or result.failed:
            log.info("outbox: sent %s, retried %s, failed %s", result.sent, result.retried, result.failed)


def run_sweep(app: Flask) -> None:
    with app.app_context():
        removed = sweep_previews()
        if removed:
            log.info("removed %s unconfirmed import previews", removed)
        forgotten = forget_stale()
        db.session.commit()
        if forgotten:
            log.info("forgot %s sign-in failure counts and locks no longer in force", forgotten)


def add_jobs(scheduler, app: Flask) -> None:
    config = app.config
    scheduler.add_job(run_reminders, "interval", minutes=config["REMINDERS_INTERVAL_MINUTES"], args=[app],
                      id="reminders", replace_existing=True, next_run_time=now())  # fmt: skip
    scheduler.add_job(run_outbox, "interval", seconds=config["OUTBOX_INTERVAL_SECONDS"], args=[app],
                      id="outbox", replace_existing=True, next_run_time=now())  # fmt: skip
    add_backup_jobs(scheduler, app)
    scheduler.add_job(run_sweep, "interval", hours=1, args=[app], id="sweep", replace_existing=True,
                      next_run_time=now())  # fmt: skip
    # the retention purge, daily at night (a missed night is caught up the next one)
    scheduler.add_job(run_purge, "cron", hour=3, minute=30, timezone=TOKYO, args=[app], id="cases_purge",
                      replace_existing=True)  # fmt: skip


def job_defaults(app: Flask) -> dict:
    return {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
    }


def start_embedded(app: Flask) -> BackgroundScheduler | None:
    """In the web process, once: not in tests, not in the debug reloader's watching parent."""
    if not app.config["SCHEDULER_EMBEDDED"] or app.testing:
        return None
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    lock = SchedulerLock(app)
    if not lock.acquire():
        log.info("another scheduler is active: this process starts none")
        return None
    scheduler = BackgroundScheduler(timezone=TOKYO, job_defaults=job_defaults(app))
    add_jobs(scheduler, app)
    scheduler.start()
    app.extensions["kosodate_scheduler"] = (scheduler, lock)
    return scheduler


def wait_for_lock(lock: SchedulerLock, wait_seconds: float) -> None:
    """Standby: try again every `wait_seconds` until the active scheduler is gone. PostgreSQL frees
    the advisory lock as soon as the holder's connection closes (a process killed with -9 included),
    the kernel frees the file lock when the holder dies."""
    if lock.acquire():
        return
    log.info("another scheduler is active: standby, trying again every %s s", wait_seconds)
    while not lock.acquire():
        time.sleep(wait_seconds)


def run_blocking(app: Flask) -> None:
    """`scheduler run`: wait on standby until this process holds the lock, then run the jobs."""
    lock = SchedulerLock(app)
    wait_for_lock(lock, app.config["SCHEDULER_STANDBY_SECONDS"])
    log.info("this scheduler is active (pid %s)", os.getpid())
    scheduler = BlockingScheduler(timezone=TOKYO, job_defaults=job_defaults(app))
    add_jobs(scheduler, app)
    lost = []
    scheduler.add_job(check_lock, "interval", seconds=app.config["SCHEDULER_STANDBY_SECONDS"],
                      args=[lock, scheduler, lost], id="lock_check")  # fmt: skip
    try:
        scheduler.start()
    finally:
        lock.release()
    if lost:
        # systemd starts the process again; it waits on standby behind the one now active
        raise SystemExit("scheduler: the lock was lost, stopping")


def check_lock(lock: SchedulerLock, scheduler, lost: list) -> None:
    """Two active schedulers would run the nightly backup and purge twice: stop once the lock is lost."""
    if not lock.still_held():
        log.error("this scheduler no longer holds the lock: stopping")
        lost.append(True)
        scheduler.shutdown(wait=False)
