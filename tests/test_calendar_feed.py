"""The personal calendar feed: what it holds, read by two independent iCalendar parsers; a new
address retires the old one; a moved meeting keeps its UID with a higher SEQUENCE; a cancelled one
stays as STATUS:CANCELLED and gets no more reminders; "meeting coming" e-mails carry the .ics."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import recurring_ical_events
import sqlalchemy as sa
from icalendar import Calendar

from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.core.audit import AuditEvent
from kosodate.core.time import TOKYO, today_tokyo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.outbox import enqueue, send_all
from kosodate.reminders.rules import due_reminders
from tests.conftest import csrf_token_from


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def in_days(days: int, hour: int = 14) -> datetime:
    return datetime.combine(today_tokyo() + timedelta(days=days), time(hour), TOKYO)


@pytest.fixture
def meetings(app, demo):
    momiji, hospital = agency("訪問看護ステーションもみじ"), agency("厚木市立病院")
    council_id = momiji.council_id
    made = {
        "hosted": Meeting(council_id=council_id, kind=MeetingKind.STUDY, title="小児訪問看護の勉強会",
                          starts_at=in_days(10), place="もみじ 研修室", host_agency=momiji),
        "attended": Meeting(council_id=council_id, kind=MeetingKind.LIAISON, title="第３回連絡会議",
                            starts_at=in_days(20), attendee_agencies=[momiji, hospital]),
        "elsewhere": Meeting(council_id=council_id, kind=MeetingKind.DISCHARGE_CONFERENCE,
                             title="退院前カンファレンス 厚木市立病院", starts_at=in_days(5),
                             attendee_agencies=[hospital]),
    }  # fmt: skip
    db.session.add_all(made.values())
    db.session.commit()
    return made


def subscribe(client) -> str:
    """Make the signed-in user's address on /settings/calendar; returns its path."""
    page = client.get("/settings/calendar").get_data(as_text=True)
    client.post("/settings/calendar", data={"csrf_token": csrf_token_from(page)})
    page = client.get("/settings/calendar").get_data(as_text=True)
    address = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    assert address.startswith("http://127.0.0.1:5000/calendar/")
    return address.removeprefix("http://127.0.0.1:5000")


def read_feed(client, path: str) -> Calendar:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status
    assert answer.mimetype == "text/calendar"
    return Calendar.from_ical(answer.get_data())


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_a_member_subscribes_and_sees_her_agencys_meetings_and_due_dates(app, meetings, login_as, client):
    browser = login_as("momiji@example.org")
    assert "まだアドレスはありません" in browser.get("/settings/calendar").get_data(as_text=True)
    path = subscribe(browser)
    calendar = read_feed(client, path)  # no login: a calendar program reads it

    found = events(calendar)
    of_cases = {summary for summary in found if re.search(r"（ATG-\d{4}-\d{4}）$", summary)}
    assert set(found) - of_cases == {
        "小児訪問看護の勉強会",
        "第３回連絡会議",
        "期限: 平成30年度の小児訪問看護の勉強会の日程を決めて案内する",
    }
    # 架空 はなこ's conferences and もみじ's follow-up of hers, by the case's code only
    assert {re.sub(r"（ATG-.*", "", summary) for summary in of_cases} == {
        "退院前カンファレンス",
        "期限: 初回訪問の日程を家族と決める",
    }
    hosted = found["小児訪問看護の勉強会"]
    assert hosted.decoded("dtstart") == in_days(10)
    assert hosted["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert hosted.decoded("dtend") - hosted.decoded("dtstart") == timedelta(hours=2)
    assert str(hosted["location"]) == "もみじ 研修室"
    assert str(hosted["status"]) == "CONFIRMED" and hosted["sequence"] == 0
    assert str(hosted["uid"]).startswith(f"meeting-{meetings['hosted'].id}@")
    assert [alarm.decoded("trigger") for alarm in hosted.walk("VALARM")] == [timedelta(days=-1)]

    due = found["期限: 平成30年度の小児訪問看護の勉強会の日程を決めて案内する"]
    assert due.decoded("dtstart") == date(2018, 4, 27)  # all day
    assert due.decoded("dtend") == date(2018, 4, 28)
    assert [alarm.decoded("trigger") for alarm in due.walk("VALARM")] == [timedelta(hours=-15)]
    assert "/followups/" in str(due["url"])

    zones = [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Asia/Tokyo"]
    assert str(calendar["x-wr-calname"]).startswith("小児等在宅医療 連携支援")
    # the UIDs do not change from one read to the next
    again = events(read_feed(client, path))
    assert {k: str(v["uid"]) for k, v in again.items()} == {k: str(v["uid"]) for k, v in found.items()}


def test_a_second_independent_reader_expands_the_feed(app, meetings, login_as, client):
    path = subscribe(login_as("momiji@example.org"))
    body = client.get(path).get_data()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded as RFC 5545 asks
    calendar = Calendar.from_ical(body)
    window = recurring_ical_events.of(calendar).between(date(2018, 1, 1), today_tokyo() + timedelta(days=60))
    starts = sorted(str(event["summary"]) for event in window)
    assert starts == sorted(str(event["summary"]) for event in calendar.walk("VEVENT"))
    tokyo_times = [e["DTSTART"].dt for e in window if isinstance(e["DTSTART"].dt, datetime)]
    assert all(moment.utcoffset() == timedelta(hours=9) for moment in tokyo_times)


def test_closed_followups_leave_the_feed_and_others_agencies_never_enter(app, meetings, login_as, client):
    path = subscribe(login_as("momiji@example.org"))
    mine = db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains("勉強会の日程")))
    mine.status = FollowUpStatus.DONE
    db.session.commit()
    left = [s for s in events(read_feed(client, path)) if s.startswith("期限:")]
    (still_open,) = left  # 架空 はなこ's, by her case's code
    assert re.fullmatch(r"期限: 初回訪問の日程を家族と決める（ATG-\d{4}-0001）", still_open)


def test_a_new_address_retires_the_old_one(app, meetings, login_as, client):
    browser = login_as("momiji@example.org")
    old = subscribe(browser)
    new = subscribe(browser)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("calendar_feed.%"))
    )
    assert list(actions) == ["calendar_feed.create", "calendar_feed.rotate"]
    db.session.scalar(sa.select(User).where(User.email == "momiji@example.org")).active = False
    db.session.commit()
    assert client.get(new).status_code == 404


def edit_form(meeting: Meeting, **changes) -> dict:
    local = meeting.starts_at.astimezone(TOKYO)
    data = {
        "kind": meeting.kind.value,
        "title": meeting.title,
        "day": local.date().isoformat(),
        "start_time": f"{local:%H:%M}",
        "place": meeting.place,
        "host_agency": meeting.host_agency_id or "",
        "secretariat_agency": "",
        "attendee_agencies": [a.id for a in meeting.attendee_agencies],
        "notes": "",
        "minutes": "",
    }
    return {**data, **changes}


def test_a_moved_meeting_keeps_its_uid_and_its_sequence_grows(app, meetings, login_as, client):
    path = subscribe(login_as("momiji@example.org"))
    hosted = meetings["hosted"]
    uid = str(events(read_feed(client, path))["小児訪問看護の勉強会"]["uid"])
    coordinator = login_as("coordinator@example.org")
    edit = f"/meetings/{hosted.id}/edit"

    def save(**changes):
        token = csrf_token_from(coordinator.get(edit).get_data(as_text=True))
        answer = coordinator.post(edit, data={**edit_form(hosted, **changes), "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return events(read_feed(client, path))["小児訪問看護の勉強会"]

    minutes_only = save(minutes="当日の議事録")
    assert minutes_only["sequence"] == 0
    moved = save(start_time="15:30")
    assert (str(moved["uid"]), moved["sequence"]) == (uid, 1)
    assert moved.decoded("dtstart") == in_days(10).replace(hour=15, minute=30)
    elsewhere = save(place="厚木市保健福祉センター")
    assert (elsewhere["sequence"], str(elsewhere["location"])) == (2, "厚木市保健福祉センター")


def test_a_cancelled_meeting_stays_as_cancelled_and_is_not_announced(app, meetings, login_as, client):
    path = subscribe(login_as("momiji@example.org"))
    attended = meetings["attended"]
    # a member of an attending agency that does not host it may not cancel it
    zama = login_as("zama@example.org")
    zama_page = zama.get(f"/meetings/{attended.id}").get_data(as_text=True)
    assert "この会議を中止にする" not in zama_page
    assert (
        zama.post(
            f"/meetings/{attended.id}/cancel", data={"csrf_token": csrf_token_from(zama_page)}
        ).status_code
        == 403
    )

    # reminders queued before the cancellation are not sent
    moment = attended.starts_at - timedelta(days=7)
    coming = [r for r in due_reminders(moment) if r.kind.value == "meeting" and r.object_id == attended.id]
    assert enqueue(coming, moment) and coming
    db.session.commit()

    secretariat = login_as("jimukyoku@example.org")
    page = secretariat.get(f"/meetings/{attended.id}").get_data(as_text=True)
    answer = secretariat.post(f"/meetings/{attended.id}/cancel", data={"csrf_token": csrf_token_from(page)})
    assert answer.status_code == 302
    page = secretariat.get(f"/meetings/{attended.id}").get_data(as_text=True)
    assert 'data-testid="cancelled"' in page and "この会議は中止になりました" in page
    assert "この会議を中止にする" not in page

    event = events(read_feed(client, path))["【中止】第３回連絡会議"]
    assert (str(event["status"]), event["sequence"]) == ("CANCELLED", 1)
    assert event.walk("VALARM") == []
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.cancel"))
    assert audit.object_id == attended.id

    result = send_all()
    assert (result.sent, result.cancelled) == (0, len(coming))
    assert not [r for r in due_reminders(moment) if r.kind.value == "meeting" and r.object_id == attended.id]


def test_meeting_coming_emails_carry_the_meeting_as_ics(app, meetings):
    hosted = meetings["attended"]
    moment = hosted.starts_at - timedelta(days=1, hours=5)
    enqueue([r for r in due_reminders(moment) if r.kind.value == "meeting"], moment)
    db.session.commit()
    assert send_all().sent >= 1
    message = app.extensions["kosodate_mail"][-1]
    attachments = list(message.iter_attachments())
    assert [part.get_content_type() for part in attachments] == ["text/calendar"]
    assert attachments[0].get_filename() == f"meeting-{hosted.id}.ics"
    calendar = Calendar.from_ical(attachments[0].get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "第３回連絡会議"
    assert str(event["uid"]).startswith(f"meeting-{hosted.id}@")
    assert event.decoded("dtstart") == hosted.starts_at
