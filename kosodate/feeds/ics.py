"""iCalendar documents: a user's feed and one meeting's invitation-free .ics (for e-mails).

Times are Asia/Tokyo with their VTIMEZONE; every object has one UID for ever, and a SEQUENCE that
grows when it changes, so that calendar programs update an event instead of adding a second one.
"""

from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Alarm, Calendar, Event, Timezone

from ..core.time import TOKYO, now, to_tokyo
from ..followups.models import FollowUp
from ..meetings.models import Meeting

PRODID = "-//kosodate//小児等在宅医療 連携支援//JA"


def summary_of(obj) -> str:
    """What a calendar shows as an event's title: the one place that decides it. A case's items show
    its code, never more of it (a calendar is read on phones and shared screens)."""
    if isinstance(obj, FollowUp):
        return f"期限: {obj.title}" + (f"（{obj.case.code}）" if obj.case_id is not None else "")
    return f"【中止】{obj.public_title}" if obj.is_cancelled else obj.public_title


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _uid(kind: str, obj_id: int) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "kosodate.local"
    return f"{kind}-{obj_id}@{host}"


def _calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Asia/Tokyo")
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    return calendar


def _alarm(summary: str, before: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -before)
    return alarm


def meeting_event(meeting: Meeting, stamp: datetime) -> Event:
    start = to_tokyo(meeting.starts_at)
    minutes = current_app.config["CALENDAR_MEETING_MINUTES"]
    url = absolute(f"/meetings/{meeting.id}")
    event = Event()
    event.add("uid", _uid("meeting", meeting.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary_of(meeting))
    if meeting.place:
        event.add("location", meeting.place)
    event.add("description", f"{meeting.kind.label}\n{url}")
    event.add("url", url)
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    if not meeting.is_cancelled:
        event.add_component(_alarm(summary_of(meeting), timedelta(days=1)))
    return event


def due_event(followup: FollowUp, stamp: datetime) -> Event:
    """An all-day event on the due date, reminded at 09:00 the day before."""
    url = absolute(f"/followups/{followup.id}")
    event = Event()
    event.add("uid", _uid("followup", followup.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", followup.due_date)
    event.add("dtend", followup.due_date + timedelta(days=1))
    event.add("summary", summary_of(followup))
    event.add("description", f"担当機関: {followup.responsible_agency.name}\n{url}")
    event.add("url", url)
    # the version grows with every change of the follow-up
    event.add("sequence", followup.version - 1)
    event.add("transp", "TRANSPARENT")
    event.add_component(_alarm(summary_of(followup), timedelta(hours=15)))
    return event


@cache
def _tokyo_timezone() -> Timezone:
    """Asia/Tokyo's VTIMEZONE, worked out once: icalendar derives it from the tz database anew for each
    calendar (30 ms, most of what writing a meeting's e-mail cost)."""
    return Timezone.from_tzid("Asia/Tokyo")


def _add_timezones(calendar: Calendar) -> None:
    if "Asia/Tokyo" in calendar.get_missing_tzids():
        calendar.subcomponents.insert(0, _tokyo_timezone())
    calendar.add_missing_timezones()  # any other, should one ever be used


def feed_calendar(name: str, meetings: list[Meeting], followups: list[FollowUp]) -> bytes:
    stamp = now().astimezone(TOKYO)
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, stamp))
    for followup in followups:
        calendar.add_component(due_event(followup, stamp))
    _add_timezones(calendar)
    return calendar.to_ical()


def meeting_ics(meeting: Meeting) -> bytes:
    """One meeting, for the e-mails about it."""
    calendar = _calendar()
    calendar.add_component(meeting_event(meeting, now().astimezone(TOKYO)))
    _add_timezones(calendar)
    return calendar.to_ical()
