"""Reminders of the rules are stored without their text and written when they are sent: what the e-mail
says is true then, and it goes only to a recipient who may still see its object."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bench.queries import recorded_statements
from kosodate.auth.models import Role
from kosodate.core.time import TOKYO, now
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.models import OutboxMessage, OutboxStatus
from kosodate.reminders.outbox import enqueue, send_all, send_batch
from kosodate.reminders.rules import due_reminders
from tests.factories import make_agency, make_council, make_user

MOMENT = datetime(2030, 11, 22, 9, 0, tzinfo=TOKYO)


@pytest.fixture
def nurse(app):
    council = make_council()
    agency = make_agency(council, "訪問看護ステーションもみじ")
    user = make_user(agency, Role.AGENCY_MEMBER, email="momiji@example.org")
    db.session.commit()
    return user


def due_in_a_week(owner, title: str = "在宅酸素の業者を決める") -> FollowUp:
    followup = FollowUp(
        council_id=owner.agency.council_id,
        title=title,
        responsible_agency=owner.agency,
        owner=owner,
        due_date=date(2030, 11, 29),
        created_at=MOMENT - timedelta(days=30),
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def run(moment: datetime = MOMENT) -> None:
    enqueue(due_reminders(moment), moment)
    db.session.commit()


def sent_mails(app) -> list:
    return app.extensions.get("kosodate_mail", [])


def test_a_pass_stores_no_text_and_the_email_says_what_is_true_when_sent(app, nurse):
    followup = due_in_a_week(nurse)
    run()
    row = db.session.scalar(sa.select(OutboxMessage))
    assert (row.subject, row.body_text, row.body_html) == ("", "", "")
    followup.title = "在宅酸素の業者を決めて契約する"
    db.session.commit()
    assert send_all().sent == 1
    [mail] = sent_mails(app)
    assert "在宅酸素の業者を決めて契約する" in mail["Subject"]
    assert "期限が近づいています" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "momiji" not in body and "様" in body and f"/followups/{followup.id}" in body
    assert mail.get_body(("html",)) is not None


def test_a_reminder_whose_followup_was_deleted_is_cancelled(app, nurse):
    followup = due_in_a_week(nurse)
    run()
    db.session.delete(followup)
    db.session.commit()
    result = send_all()
    assert (result.sent, result.cancelled) == (0, 1)
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.CANCELLED
    assert sent_mails(app) == []


def test_a_reminder_to_a_recipient_who_may_no_longer_see_it_is_cancelled(app, nurse):
    """The follow-up went to another agency's member: the nurse's agency has nothing to do with it."""
    followup = due_in_a_week(nurse)
    run()
    other = make_user(make_agency(nurse.agency.council, "厚木市障がい福祉課"), Role.AGENCY_MEMBER)
    followup.owner, followup.responsible_agency = other, other.agency
    db.session.commit()
    assert send_all().cancelled == 1
    assert sent_mails(app) == []


def test_a_reminder_to_a_deactivated_user_is_cancelled(app, nurse):
    due_in_a_week(nurse)
    run()
    nurse.active = False
    db.session.commit()
    assert send_all().cancelled == 1


def test_a_meeting_cancelled_or_deleted_after_its_reminder_was_queued(app, nurse):
    meetings = [
        Meeting(
            council_id=nurse.agency.council_id,
            kind=MeetingKind.STUDY,
            title=f"小児訪問看護の勉強会{n}",
            starts_at=datetime(2030, 11, 29, 14, tzinfo=TOKYO),
            attendee_agencies=[nurse.agency],
        )
        for n in (1, 2, 3)
    ]
    db.session.add_all(meetings)
    db.session.commit()
    run()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3
    meetings[0].cancelled_at = now()
    db.session.delete(meetings[1])
    db.session.commit()
    result = send_all()
    assert (result.sent, result.cancelled) == (1, 2)
    [mail] = sent_mails(app)
    assert "小児訪問看護の勉強会3" in mail["Subject"]
    assert any(part.get_filename() == f"meeting-{meetings[2].id}.ics" for part in mail.iter_attachments())


def test_a_batch_costs_the_same_queries_for_5_or_25_emails(app, nurse):
    """Objects and recipients are loaded once per batch and the outcomes recorded in one statement."""
    counts = []
    for size in (5, 25):
        for n in range(size):
            due_in_a_week(nurse, f"対応事項{size}-{n}")
        run()  # the earlier follow-ups' reminders are queued already
        with recorded_statements(db.engine) as statements:
            result = send_batch(batch_size=50)
        assert result.sent == size
        counts.append(len(statements))
    assert counts[0] == counts[1]
