"""What a queued reminder says, decided when it is sent: its object and recipient loaded once for the
whole batch, still true, still visible to the recipient, and only then rendered.

A reminders pass queues thousands of rows (kind, object, recipient, dedupe key) and renders none of
them; e-mails whose words are fixed when they are queued (the assignment, a returned report's reason,
a case emergency, a lockout, the daily digest) keep their stored subject and body.
"""

from dataclasses import dataclass, field, replace
from email.message import Message

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import Invitation, User
from ..core.access import can
from ..core.time import now
from ..extensions import db
from ..feeds.ics import meeting_ics
from ..followups.models import OPEN_STATUSES, FollowUp
from ..meetings.models import Meeting
from ..meetings.review import build_review
from ..reports.rounds_models import ReportRound
from .messages import build_email, render
from .models import OutboxMessage, ReminderKind
from .rules import Reminder

#: reminders computed by the rules: stored without text, rendered when sent
RENDERED_WHEN_SENT = frozenset(
    {
        ReminderKind.DUE_SOON,
        ReminderKind.OVERDUE,
        ReminderKind.MEETING,
        ReminderKind.MEETING_DIGEST,
        ReminderKind.REPORT_REQUESTED,
    }
)
#: what each object type's e-mail shows, loaded in one query per type and batch
TARGETS = {
    "followup": (
        FollowUp,
        (
            joinedload(FollowUp.responsible_agency),
            joinedload(FollowUp.case),
            joinedload(FollowUp.source_meeting),
            selectinload(FollowUp.linked_agencies),
        ),
    ),
    "meeting": (Meeting, (joinedload(Meeting.council), joinedload(Meeting.case))),
    "report_round": (ReportRound, ()),
    "invitation": (Invitation, ()),
}

Targets = dict[tuple[str, int], object]


def load_targets(items) -> Targets:
    """The objects of outbox rows or reminders (anything with object_type and object_id)."""
    wanted: dict[str, set[int]] = {}
    for item in items:
        if item.object_type in TARGETS and item.object_id is not None:
            wanted.setdefault(item.object_type, set()).add(item.object_id)
    targets: Targets = {}
    for object_type, ids in wanted.items():
        model, options = TARGETS[object_type]
        for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options)):
            targets[(object_type, obj.id)] = obj
    return targets


def load_recipients(rows: list[OutboxMessage]) -> dict[int, User]:
    ids = {row.recipient_user_id for row in rows if row.recipient_user_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def still_valid(row: OutboxMessage, targets: Targets, recipients: dict[int, User]) -> bool:
    """A reminder is sent only if what it says is still so when its turn comes, and only to a
    recipient who may still see its object."""
    target = targets.get((row.object_type, row.object_id))
    if row.kind in (ReminderKind.DUE_SOON, ReminderKind.OVERDUE):
        valid = (
            target is not None and target.status in OPEN_STATUSES and str(target.due_date) == row.valid_for
        )
    elif row.kind in (ReminderKind.MEETING, ReminderKind.MEETING_DIGEST):
        valid = (
            target is not None
            and not target.is_cancelled
            and target.starts_at.isoformat() == row.valid_for
            and target.starts_at > now()
        )
    elif row.kind is ReminderKind.INVITATION:  # not sent again, nor used, meanwhile
        return target is not None and target.used_at is None and target.expires_at > now()
    elif row.kind is ReminderKind.REPORT_REQUESTED:
        valid = target is not None and (not row.valid_for or target.deadline.isoformat() == row.valid_for)
    else:
        return True
    if not valid or row.recipient_user_id is None:
        return valid
    user = recipients.get(row.recipient_user_id)
    return user is not None and user.active and can(user, "view", target)


def context_of(reminder: Reminder, target) -> dict:
    if reminder.kind in (ReminderKind.DUE_SOON, ReminderKind.OVERDUE, ReminderKind.ASSIGNED):
        return {"followup": target}
    if reminder.kind is ReminderKind.MEETING:
        return {"meeting": target}
    if reminder.kind is ReminderKind.MEETING_DIGEST:
        return {"meeting": target, "counts": review_counts(target)}
    return {"round": target}


def with_context(reminder: Reminder, targets: Targets) -> Reminder:
    """The reminder with what its e-mail shows (the rules give only ids)."""
    if reminder.context:
        return reminder
    target = targets[(reminder.object_type, reminder.object_id)]
    return replace(reminder, context=context_of(reminder, target))


def review_counts(meeting: Meeting) -> dict[str, int]:
    """The numbers at the top of the meeting's review, for the secretariat's digest."""
    totals = build_review(meeting, viewer=None).totals
    return {"open": totals.unfinished, "overdue": totals.overdue, "done": totals.done}


@dataclass
class Batch:
    """What the rows of one batch refer to, loaded once for all of them."""

    targets: Targets
    recipients: dict[int, User]
    #: a meeting's .ics, the same for each of its attendees
    calendars: dict[int, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: list[OutboxMessage]) -> "Batch":
        return cls(load_targets(rows), load_recipients(rows))

    def attachments(self, row: OutboxMessage) -> list[tuple[str, bytes, str]]:
        """A "meeting coming" e-mail carries the meeting as an .ics, so one click puts it in a calendar."""
        meeting = self.targets.get((row.object_type, row.object_id))
        if row.kind is not ReminderKind.MEETING or meeting is None:
            return []
        if meeting.id not in self.calendars:
            self.calendars[meeting.id] = meeting_ics(meeting)
        return [(f"meeting-{meeting.id}.ics", self.calendars[meeting.id], "calendar")]


def compose(row: OutboxMessage, sender: str, batch: Batch) -> Message:
    """The e-mail of a row: its stored text, or rendered now from its object."""
    files = batch.attachments(row)
    if row.kind not in RENDERED_WHEN_SENT or row.body_text:
        return build_email(row, sender, (row.subject, row.body_text, row.body_html), files)
    user = batch.recipients.get(row.recipient_user_id) if row.recipient_user_id is not None else None
    reminder = Reminder(
        row.kind, row.object_type, row.object_id, "", row.recipient_email, user, row.valid_for
    )
    return build_email(row, sender, render(with_context(reminder, batch.targets)), files)
