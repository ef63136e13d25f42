"""Sessions end after 30 idle minutes and 12 hours whatever happens, on the server; their CSRF tokens
end with them; changing 2FA or users asks for the password again after 10 minutes."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kosodate.auth import lockout
from kosodate.auth.models import Role, User
from kosodate.core.time import now
from kosodate.extensions import db

from .auth_helpers import audit_actions, post_form
from .conftest import AuthActions, csrf_token_from
from .factories import PASSWORD, make_agency, make_council, make_user

NURSE = "nurse@example.org"


@pytest.fixture
def client_at_nine(app, client, time_machine):
    """A nurse signed in, the clock stopped (tests move it by hand)."""
    time_machine.move_to(now().replace(hour=0, minute=0, second=0), tick=False)
    make_user(make_agency(make_council()), email=NURSE)
    db.session.commit()
    assert AuthActions(client).login(NURSE, PASSWORD).status_code == 302
    return client


def test_a_session_idle_for_30_minutes_ends_with_a_message(client_at_nine, time_machine):
    client = client_at_nine
    for _ in range(3):  # busy every 29 minutes: still signed in after 87
        time_machine.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
    time_machine.shift(timedelta(minutes=30, seconds=30))
    response = client.get("/followups?overdue=1")
    assert response.headers["Location"] == "/login?next=/followups?overdue%3D1"
    assert "30分以上操作がなかったため、ログアウトしました。" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_session_ends_12_hours_after_sign_in_however_busy(client_at_nine, time_machine):
    client = client_at_nine
    for _ in range(28):  # 11 h 40 min of steady work
        time_machine.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 200
    time_machine.shift(timedelta(minutes=21))
    assert client.get("/").status_code == 302
    assert "ログインから12時間たったため、ログアウトしました。" in client.get("/login").get_data(as_text=True)


def test_the_lifetimes_are_settings(app, client_at_nine, time_machine):
    app.config["SESSION_IDLE_MINUTES"] = 5
    time_machine.shift(timedelta(minutes=6))
    assert client_at_nine.get("/").status_code == 302


def test_a_csrf_token_ends_with_its_session(client_at_nine, time_machine):
    client = client_at_nine
    old_token = csrf_token_from(client.get("/settings/notifications").get_data(as_text=True))
    time_machine.shift(timedelta(minutes=31))
    assert client.get("/").status_code == 302
    AuthActions(client).login(NURSE, PASSWORD)
    response = client.post("/settings/notifications", data={"csrf_token": old_token, "daily_digest": "1"})
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)


def test_changing_2fa_asks_for_the_password_again_after_10_minutes(client_at_nine, time_machine):
    client = client_at_nine
    assert client.get("/account/2fa").status_code == 200  # just signed in
    time_machine.shift(timedelta(minutes=10, seconds=30))
    response = client.get("/account/2fa")
    assert response.headers["Location"] == "/account/reauth?next=/account/2fa"
    page = client.get(response.headers["Location"])
    assert "もう一度パスワードを入れてください" in page.get_data(as_text=True)
    wrong = post_form(client, "/account/reauth?next=/account/2fa", {"password": "wrong-password-123"})
    assert "パスワードが正しくありません。" in wrong.get_data(as_text=True)
    right = post_form(client, "/account/reauth", {"password": PASSWORD, "next": "/account/2fa"})
    assert right.headers["Location"] == "/account/2fa"
    assert client.get("/account/2fa").status_code == 200
    assert audit_actions()[-2:] == ["auth.login_failed", "auth.reauthenticated"]


def test_a_post_with_an_old_password_is_sent_back_to_its_page(app, client, time_machine):
    time_machine.move_to(now(), tick=False)
    make_user(None, role=Role.ADMIN, email="root@example.org")
    db.session.commit()
    AuthActions(client).login("root@example.org", PASSWORD)
    root = db.session.scalar(sa.select(User).where(User.email == "root@example.org"))
    page = f"/admin/users/{root.id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    time_machine.shift(timedelta(minutes=11))
    response = client.post(page, data={"csrf_token": token, "action": "reset-2fa"})
    assert response.headers["Location"] == f"/account/reauth?next={page}"
    assert audit_actions("auth.2fa") == []


def test_wrong_passwords_when_asked_again_lock_and_end_the_session(client_at_nine, time_machine):
    client = client_at_nine
    time_machine.shift(timedelta(minutes=11))
    for _ in range(5):
        response = post_form(client, "/account/reauth", {"password": "wrong-password-123"})
    assert response.headers["Location"] == "/login"
    assert lockout.LOCKED_MESSAGE in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302
