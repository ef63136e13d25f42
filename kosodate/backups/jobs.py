"""The daily backup of the scheduler (02:00 Asia/Tokyo), and a catch-up when the PC was off then."""

import logging
from datetime import timedelta

from flask import Flask

from ..core.installation import backup_dir
from ..core.time import TOKYO, now
from ..extensions import db
from .archive import list_archives
from .services import create_backup, record_failure

log = logging.getLogger(__name__)
#: an office PC is often off at 02:00: a scheduler starting with no backup this recent makes one soon
CATCH_UP_AFTER = timedelta(hours=24)
CATCH_UP_DELAY = timedelta(minutes=10)


def run_backup(app: Flask) -> None:
    with app.app_context():
        try:
            result = create_backup(keep=app.config["BACKUP_KEEP"])
            db.session.commit()
            log.info("backup: wrote %s (%s bytes)", result.path, result.size)
        except Exception as error:  # recorded for the dashboard, whatever it was
            db.session.rollback()
            log.exception("backup failed")
            record_failure(error)
            db.session.commit()


def add_backup_jobs(scheduler, app: Flask) -> None:
    if not app.config["BACKUP_DAILY"]:
        return
    scheduler.add_job(run_backup, "cron", hour=2, minute=0, timezone=TOKYO, args=[app],
                      id="backup", replace_existing=True)  # fmt: skip
    with app.app_context():
        archives = list_archives(backup_dir())
    if not archives or now() - archives[0].created_at > CATCH_UP_AFTER:
        scheduler.add_job(run_backup, "date", run_date=now() + CATCH_UP_DELAY, args=[app],
                          id="backup-catch-up", replace_existing=True)  # fmt: skip
