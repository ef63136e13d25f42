"""Which reminders fall when: computed from the data, holiday-aware, latest occurrence only, each once."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from kosodate.auth.models import Role
from kosodate.core.time import TOKYO
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.calendar import business_day_after, business_day_on_or_before
from kosodate.reminders.models import NotificationSetting, OutboxMessage, OutboxStatus, ReminderKind
from kosodate.reminders.outbox import enqueue, send_all
from kosodate.reminders.rules import due_reminders
from tests.factories import make_agency, make_council, make_user


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def run(moment: str) -> dict:
    counts = enqueue(due_reminders(at(moment)), at(moment))
    db.session.commit()
    return {kind.value: n for kind, n in counts.items()}


@pytest.fixture
def nurse(app):
    council = make_council()
    agency = make_agency(council, "訪問看護ステーションもみじ")
    user = make_user(agency, Role.AGENCY_MEMBER, email="momiji@example.org")
    db.session.commit()
    return user


def followup_due(user, due: date, created: str = "2018-08-01T10:00") -> FollowUp:
    followup = FollowUp(
        council_id=user.agency.council_id,
        title="医療的ケア児の災害時個別計画の様式を配る",
        responsible_agency=user.agency,
        owner=user,
        due_date=due,
        created_at=at(created),
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def keys() -> list[str]:
    return sorted(db.session.scalars(sa.select(OutboxMessage.dedupe_key)))


def test_business_days_skip_weekends_and_public_holidays():
    assert business_day_on_or_before(date(2018, 9, 16)) == date(2018, 9, 14)  # Sunday → Friday
    assert business_day_on_or_before(date(2018, 9, 17)) == date(2018, 9, 14)  # 敬老の日 (Monday)
    assert business_day_after(date(2018, 9, 17)) == date(2018, 9, 18)
    assert business_day_after(date(2019, 4, 26)) == date(2019, 5, 7)  # over the 2019 Golden Week


def test_a_followup_due_on_a_holiday_monday_through_its_reminders(nurse):
    followup = followup_due(nurse, date(2018, 9, 17))  # 敬老の日
    prefix = f"followup:{followup.id}:user:{nurse.id}"
    assert run("2018-09-10T08:59") == {}
    assert run("2018-09-10T09:00") == {"due_soon": 1}  # 7 days before, a Monday
    assert run("2018-09-10T15:00") == {}  # never twice
    assert run("2018-09-14T09:00") == {"due_soon": 1}  # the day before is a Sunday: Friday
    assert run("2018-09-17T09:00") == {}  # no mail on the holiday
    assert run("2018-09-18T09:00") == {"overdue": 1}  # first business day after
    assert run("2018-09-20T09:00") == {}
    assert run("2018-09-25T09:00") == {"overdue": 1}  # weekly while open
    assert keys() == [
        f"due_soon:{prefix}:2018-09-10", f"due_soon:{prefix}:2018-09-14",
        f"overdue:{prefix}:2018-09-18", f"overdue:{prefix}:2018-09-25",
    ]  # fmt: skip


def test_a_scheduler_down_for_days_sends_one_reminder_not_a_backlog(nurse):
    followup_due(nurse, date(2018, 10, 1))
    assert run("2018-10-20T11:00") == {"overdue": 1}  # down since September: only the latest occurrence
    assert len(keys()) == 1 and keys()[0].endswith("2018-10-16")


def test_a_followup_closed_before_its_reminder_gets_none(nurse):
    followup = followup_due(nurse, date(2018, 11, 30))
    followup.status = FollowUpStatus.DONE
    db.session.commit()
    assert run("2018-11-23T09:00") == {}


def test_a_queued_reminder_is_cancelled_when_the_followup_closes_before_sending(nurse):
    followup = followup_due(nurse, date(2030, 11, 29))
    assert run("2030-11-22T09:00") == {"due_soon": 1}
    followup.status = FollowUpStatus.DONE
    db.session.commit()
    result = send_all()
    assert (result.sent, result.cancelled) == (0, 1)
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.CANCELLED


def test_a_meeting_moved_after_its_reminder_was_queued(app, nurse):
    start = datetime(2030, 12, 10, 14, tzinfo=TOKYO)
    meeting = Meeting(
        council_id=nurse.agency.council_id,
        kind=MeetingKind.STUDY,
        title="小児訪問看護の勉強会",
        starts_at=start,
        attendee_agencies=[nurse.agency],
    )
    db.session.add(meeting)
    db.session.commit()
    assert run("2030-12-03T09:00") == {"meeting": 1}
    meeting.starts_at = start + timedelta(days=7)
    db.session.commit()
    assert send_all().cancelled == 1  # the old date is not announced
    assert run("2030-12-03T10:00") == {}
    assert run("2030-12-10T09:00") == {"meeting": 1}  # 7 days before the new date
    assert send_all().sent == 1
    assert app.extensions["kosodate_mail"][-1]["Subject"].endswith("（2030年12月17日(火) 14:00）")


def test_a_user_may_switch_a_kind_off_or_take_a_daily_digest(app, nurse):
    db.session.add(NotificationSetting(user_id=nurse.id, disabled_kinds=["due_soon"], daily_digest=False))
    followup_due(nurse, date(2030, 12, 20))
    assert run("2030-12-13T09:00") == {}
    setting = db.session.get(NotificationSetting, nurse.id)
    setting.disabled_kinds, setting.daily_digest = [], True
    db.session.commit()
    other = followup_due(nurse, date(2030, 12, 20))
    other.title = "研修会の会場を予約する"
    db.session.commit()
    run("2030-12-19T09:00")
    statuses = dict(db.session.execute(sa.select(OutboxMessage.kind, OutboxMessage.status)).all())
    assert statuses[ReminderKind.DUE_SOON] is OutboxStatus.DIGESTED
    assert send_all().sent == 1
    digest = app.extensions["kosodate_mail"][-1]
    assert "今日のお知らせ（2件）" in digest["Subject"]
    body = digest.get_body(("plain",)).get_content()
    assert "医療的ケア児の災害時個別計画の様式を配る" in body and "研修会の会場を予約する" in body


def test_secretariat_gets_the_pre_meeting_digest_with_the_review_counts(app, demo):
    council_id = db.session.scalar(sa.select(Meeting.council_id))
    meeting = Meeting(
        council_id=council_id,
        kind=MeetingKind.LIAISON,
        title="第３回厚木地域小児等在宅医療連絡会議",
        starts_at=datetime(2030, 6, 26, 14, tzinfo=TOKYO),
    )
    db.session.add(meeting)
    db.session.commit()
    assert run("2030-06-19T09:00")["meeting_digest"] == 1
    send_all()
    mail = next(m for m in app.extensions["kosodate_mail"] if "会議前の確認" in m["Subject"])
    assert mail["To"] == "jimukyoku@example.org"
    body = mail.get_body(("plain",)).get_content()
    assert f"/meetings/{meeting.id}/review" in body
    assert "期限超過" in body


def test_a_weekly_overdue_reminder_falling_on_a_holiday_waits_for_the_next_business_day(nurse):
    followup = followup_due(nurse, date(2019, 4, 23))
    assert run("2019-04-24T09:00") == {"overdue": 1}
    assert run("2019-05-01T09:00") == {}  # a holiday in the 2019 Golden Week
    assert run("2019-05-06T12:00") == {}  # still one
    assert run("2019-05-07T09:00") == {"overdue": 1}
    assert keys()[-1] == f"overdue:followup:{followup.id}:user:{nurse.id}:2019-05-07"
