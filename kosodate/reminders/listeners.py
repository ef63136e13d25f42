"""Reminders that a change causes, written to the outbox in the change's own transaction."""

from ..core.time import now
from ..extensions import db
from ..followups.events import followup_assigned
from ..reports.events import report_reminder_requested, report_reopened, report_round_opened
from .outbox import enqueue
from .rules import assigned_reminders, report_reminder, report_returned_reminders, waiting_agency_recipients


def on_followup_assigned(followup, actor=None, **_):
    db.session.flush()
    enqueue(assigned_reminders(followup, now().isoformat()))


def on_round_opened(report_round, actor=None, **_):
    db.session.flush()
    enqueue(
        [
            report_reminder(report_round, "opened", user, email)
            for user, email in waiting_agency_recipients(report_round)
        ]
    )


def on_reminder_requested(report_round, agency_ids=(), actor=None, **_):
    db.session.flush()
    stamp = f"request:{now().isoformat()}"
    recipients = waiting_agency_recipients(report_round, list(agency_ids))
    enqueue([report_reminder(report_round, stamp, user, email) for user, email in recipients])


def on_report_reopened(report, reason="", actor=None, **_):
    db.session.flush()
    enqueue(report_returned_reminders(report, reason, now().isoformat()))


def connect_listeners() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    followup_assigned.connect(on_followup_assigned)
    report_round_opened.connect(on_round_opened)
    report_reminder_requested.connect(on_reminder_requested)
    report_reopened.connect(on_report_reopened)
