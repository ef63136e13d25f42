"""Reminders that a change causes, written to the outbox in the change's own transaction."""

from flask import render_template

from ..auth.events import account_locked, user_invited
from ..cases.events import emergency_member_added
from ..core.time import datetime_ja, now
from ..extensions import db
from ..followups.events import followup_assigned
from ..reports.events import report_reminder_requested, report_reopened, report_round_opened
from .messages import PREFIX, absolute
from .models import ReminderKind
from .outbox import enqueue, enqueue_message
from .rules import (
    assigned_reminders,
    case_emergency_reminders,
    report_reminder,
    report_returned_reminders,
    waiting_agency_recipients,
)


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


def on_account_locked(user, until=None, count=1, **_):
    """Tell the owner at once (one e-mail per lock): it may be someone else guessing."""
    body = render_template(
        "emails/account_locked.txt",
        user=user,
        until=datetime_ja(until),
        count=count,
        login=absolute("/login"),
    )
    key = f"{ReminderKind.ACCOUNT_LOCKED.value}:user:{user.id}:{until:%Y%m%dT%H%M%S}"
    enqueue_message(
        key, ReminderKind.ACCOUNT_LOCKED, user, f"{PREFIX}アカウントを一時的にロックしました", body
    )


def on_user_invited(user, token="", expires_at=None, invitation_id=None, **_):
    """The link to set the first password; a link of an earlier invitation is not sent any more."""
    body = render_template(
        "emails/invitation.txt",
        user=user,
        link=absolute(f"/invitations/{token}"),
        until=datetime_ja(expires_at),
        login=absolute("/login"),
    )
    key = f"{ReminderKind.INVITATION.value}:invitation:{invitation_id}:user:{user.id}"
    subject = f"{PREFIX}利用者として登録しました。パスワードを設定してください"
    enqueue_message(key, ReminderKind.INVITATION, user, subject, body, about=("invitation", invitation_id))


def on_emergency_member_added(member, actor=None, **_):
    db.session.flush()
    enqueue(case_emergency_reminders(member, now().isoformat()))


def on_report_reopened(report, reason="", actor=None, **_):
    db.session.flush()
    enqueue(report_returned_reminders(report, reason, now().isoformat()))


def connect_listeners() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    followup_assigned.connect(on_followup_assigned)
    report_round_opened.connect(on_round_opened)
    report_reminder_requested.connect(on_reminder_requested)
    account_locked.connect(on_account_locked)
    user_invited.connect(on_user_invited)
    emergency_member_added.connect(on_emergency_member_added)
    report_reopened.connect(on_report_reopened)
