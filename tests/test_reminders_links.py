"""One-click links: valid, reused, expired, tampered, another user's, and a GET prefetch."""

import re
import time

import pytest
import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.core.time import now
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.reminders.links import done_token
from kosodate.reminders.outbox import enqueue, send_all
from kosodate.reminders.rules import followup_reminders
from tests.conftest import csrf_token_from


@pytest.fixture
def target(demo):
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains("勉強会の日程")))


def momiji() -> User:
    return db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))


def status_of(followup_id: int) -> FollowUpStatus:
    db.session.expire_all()
    return db.session.get(FollowUp, followup_id).status


def test_the_link_in_the_email_shows_a_page_and_only_its_post_marks_done(app, client, target):
    enqueue(followup_reminders(now()))
    db.session.commit()
    send_all()
    mail = next(m for m in app.extensions["kosodate_mail"] if m["To"] == "momiji@example.org")
    link = re.search(r"http://[^\s]+/m/[^\s]+", mail.get_body(("plain",)).get_content()).group(0)
    path = link.split("5000", 1)[1]
    page = client.get(path)  # a mail scanner's prefetch, or the user opening it
    assert page.status_code == 200 and "完了にする" in page.get_data(as_text=True)
    assert status_of(target.id) is FollowUpStatus.OPEN
    done = client.post(
        path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "note": "案内済み"}
    )
    assert "を完了にしました" in done.get_data(as_text=True)
    assert status_of(target.id) is FollowUpStatus.DONE
    followup = db.session.get(FollowUp, target.id)
    assert followup.done_by and followup.done_by.email == "momiji@example.org"
    again = client.get(path)
    assert again.status_code == 410 and "すでに使われています" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda token: f"/m/{token[:-3]}abc", "正しくありません"),
        (lambda token: f"/m/{token}x", "正しくありません"),
    ],
)
def test_a_tampered_link_changes_nothing(client, target, make_path, message):
    token = done_token(momiji().id, target.id)
    response = client.get(make_path(token))
    assert response.status_code == 410 and message in response.get_data(as_text=True)
    assert client.post(make_path(token), data={}).status_code in (400, 410)
    assert status_of(target.id) is FollowUpStatus.OPEN


def test_an_expired_link_says_so(client, target, monkeypatch):
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 15 * 24 * 3600)
    token = done_token(momiji().id, target.id)
    monkeypatch.setattr(time, "time", real)
    response = client.get(f"/m/{token}")
    assert response.status_code == 410 and "有効期限" in response.get_data(as_text=True)


def test_another_users_link_is_refused_when_logged_in_as_someone_else(login_as, target):
    token = done_token(momiji().id, target.id)
    client = login_as("zama@example.org")
    response = client.get(f"/m/{token}")
    assert response.status_code == 410 and "別の利用者あて" in response.get_data(as_text=True)
    assert status_of(target.id) is FollowUpStatus.OPEN


def test_a_link_for_a_followup_its_recipient_may_not_change_does_nothing(client, demo):
    other = db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains("事務局運営体制")))
    token = done_token(momiji().id, other.id)
    response = client.get(f"/m/{token}")
    assert response.status_code == 410 and "操作できません" in response.get_data(as_text=True)
