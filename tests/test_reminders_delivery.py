"""Delivery over a real SMTP server on loopback: Japanese round trip, outages, 4xx, 5xx, leases, races."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from kosodate.auth.models import Role
from kosodate.core.time import now
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.reminders.models import OutboxMessage, OutboxStatus, ReminderKind
from kosodate.reminders.outbox import enqueue, send_all, sender_lock
from kosodate.reminders.rules import Reminder, due_reminders
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_agency, make_council, make_user
from tests.mail import SMTPServer, free_port

HARD_SUBJECT = (
    "髙﨑さん①～〜ｶﾀｶﾅ🙂の勉強会：会場の予約と案内状の送付、"
    "参加者名簿の作成、当日の受付と記録係の分担を決める"
)


@pytest.fixture
def owner(app):
    agency = make_agency(make_council(), "訪問看護ステーションもみじ")
    user = make_user(agency, Role.AGENCY_MEMBER, email="momiji@example.org")
    db.session.commit()
    return user


def queue_due_soon(owner, count: int = 1, title: str = HARD_SUBJECT) -> None:
    due = date.today() + timedelta(days=1)
    followups = [
        FollowUp(
            council_id=owner.agency.council_id,
            title=f"{title}{i or ''}",
            responsible_agency=owner.agency,
            owner=owner,
            due_date=due,
        )
        for i in range(count)
    ]
    db.session.add_all(followups)
    db.session.flush()
    context = [(f, {"followup": f}) for f in followups]
    enqueue(
        [
            Reminder(ReminderKind.DUE_SOON, "followup", f.id, "t", owner.email, owner, str(due), c)
            for f, c in context
        ]
    )
    db.session.commit()


def make_due_now() -> None:
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=now()))
    db.session.commit()


def test_japanese_subject_and_body_round_trip_through_smtp(smtp, owner):
    queue_due_soon(owner)
    assert send_all().sent == 1
    [mail] = smtp.messages
    assert HARD_SUBJECT in mail["Subject"]
    assert mail["To"] == "momiji@example.org"
    body = mail.get_body(("plain",)).get_content()
    assert HARD_SUBJECT in body and "様" in body
    assert "/followups/" in body and "/m/" in body
    assert mail.get_body(("html",)) is not None
    row = db.session.scalar(sa.select(OutboxMessage))
    assert mail["Message-ID"] == row.message_id
    assert row.status is OutboxStatus.SENT


def test_a_server_that_refuses_connections_loses_nothing(app, owner):
    port = free_port()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    queue_due_soon(owner, count=3)
    result = send_all()
    assert (result.sent, result.retried) == (0, 3)
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.QUEUED}
    assert all(r.next_attempt_at > now() + timedelta(seconds=50) for r in rows)  # 1 minute later
    server = SMTPServer(port).start()
    try:
        assert send_all().sent == 0  # not due yet
        make_due_now()
        assert send_all().sent == 3
        assert len(server.messages) == 3
    finally:
        server.stop()


def test_451_then_250(smtp, owner):
    smtp.handler.temporary_failures = 1
    queue_due_soon(owner)
    assert send_all().retried == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status is OutboxStatus.QUEUED and row.last_error.startswith("451")
    make_due_now()
    assert send_all().sent == 1
    assert len(smtp.messages) == 1
    db.session.refresh(row)
    assert row.attempts == 2 and row.message_id == smtp.messages[0]["Message-ID"]


def test_550_recipient_fails_and_is_shown_to_admins(smtp, owner, client, auth):
    smtp.handler.refused = {"momiji@example.org"}
    queue_due_soon(owner)
    assert send_all().failed == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status is OutboxStatus.FAILED and "550" in row.last_error
    admin = make_user(None, Role.ADMIN, email="root@example.org")
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550" in page and "送信できず" in page
    smtp.handler.refused = set()
    client.post(f"/admin/outbox/{row.id}/retry", data={"csrf_token": csrf_token_from(page)})
    assert send_all().sent == 1
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.SENT


def test_two_runs_and_two_senders_at_once_send_each_email_once(app, smtp):
    """PostgreSQL's senders skip each other's rows; SQLite's take turns by the sender lock."""
    agency = make_agency(make_council(), "訪問看護ステーションもみじ")
    users = [make_user(agency, Role.AGENCY_MEMBER) for _ in range(10)]
    due = date.today() + timedelta(days=1)
    db.session.add_all(
        FollowUp(
            council_id=agency.council_id,
            title=f"対応事項{i}",
            responsible_agency=agency,
            owner=users[i % 10],
            due_date=due,
        )
        for i in range(1000)
    )
    db.session.commit()
    app.config["OUTBOX_BATCH_SIZE"] = 25
    barrier = threading.Barrier(2)

    def in_thread(work):
        def run():
            with app.app_context():
                barrier.wait()
                work()
                db.session.commit()
                db.session.remove()

        return threading.Thread(target=run)

    moment = now()
    queued = []
    producers = [in_thread(lambda: queued.append(enqueue(due_reminders(moment), moment))) for _ in range(2)]
    [t.start() for t in producers]
    [t.join() for t in producers]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1000
    # what `reminders run` prints: the rows each run stored, not those the other run stored first
    assert sum(sum(counts.values()) for counts in queued) == 1000
    barrier = threading.Barrier(2)
    senders = [in_thread(lambda: send_all_locked()) for _ in range(2)]
    [t.start() for t in senders]
    [t.join() for t in senders]
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 1000 and len(set(ids)) == 1000


def send_all_locked():
    with sender_lock():
        send_all()


def test_a_sender_killed_mid_batch_loses_nothing(app, smtp, owner, database_url, tmp_path):
    queue_due_soon(owner, count=20)
    smtp.handler.delay = 0.15
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "killed-sender-test",
        "KOSODATE_INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "OUTBOX_LEASE_SECONDS": "2",
    }
    flask = Path(sys.executable).parent / "flask"
    sender = subprocess.Popen(
        [flask, "--app", "app", "outbox", "send"], env=env, cwd=Path(__file__).parents[1]
    )
    deadline = time.monotonic() + 30
    while len(smtp.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    received_before = len(smtp.messages)
    assert 5 <= received_before < 20
    smtp.handler.delay = 0
    time.sleep(2.2)  # the lease runs out
    db.session.expire_all()
    result = send_all()
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    ids = [m["Message-ID"] for m in smtp.messages]
    assert set(ids) == {r.message_id for r in rows}  # every message delivered
    duplicates = len(ids) - len(set(ids))
    assert duplicates <= result.uncertain == sum(r.uncertain for r in rows)
