"""Changes to a meeting that calendars and reminders must know of: moving it and cancelling it."""

from ..auth.models import User
from ..core import audit
from ..core.time import now
from .models import Meeting


class MeetingRefused(Exception):
    """A change the meeting's state does not allow; the message is for the user."""


def where_and_when(meeting: Meeting) -> tuple:
    return (meeting.starts_at, meeting.place)


def note_if_moved(meeting: Meeting, before: tuple) -> bool:
    """After an edit: a meeting whose time or place changed gets the next iCalendar SEQUENCE, so
    subscribed calendars replace the event."""
    moved = where_and_when(meeting) != before
    if moved:
        meeting.sequence += 1
    return moved


def cancel_meeting(actor: User, meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise MeetingRefused("この会議はすでに中止になっています。")
    meeting.cancelled_at = now()
    meeting.cancelled_by_id = actor.id
    meeting.sequence += 1
    audit.record("meeting.cancel", actor=actor, obj=meeting, changes={"status": ["予定", "中止"]})
