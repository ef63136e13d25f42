"""Logging in and out: the only door into the app."""

import pytest
import sqlalchemy as sa

from kosodate.auth.models import Role, User
from kosodate.auth.services import set_active, set_password
from kosodate.core.audit import AuditEvent
from kosodate.extensions import db

from .conftest import AuthActions, csrf_token_from
from .factories import PASSWORD, make_agency, make_council, make_user

GENERIC_FAILURE = "メールアドレスまたはパスワードが正しくありません。"


@pytest.fixture
def member(app):
    return _member()


def _member(**kwargs) -> User:
    user = make_user(make_agency(make_council()), email="nurse@example.org", **kwargs)
    db.session.commit()
    return user


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_member_logs_in_and_reaches_the_dashboard(client, auth, member):
    response = auth.login("nurse@example.org", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "テスト利用者" in page
    assert audit_actions() == ["auth.login"]


def test_email_is_matched_case_insensitively(auth, member):
    assert auth.login("Nurse@Example.ORG", PASSWORD).status_code == 302


@pytest.mark.parametrize("email", ["nurse@example.org", "nobody@example.org"])
def test_wrong_credentials_get_one_generic_message(client, auth, member, email):
    response = auth.login(email, "wrong-password-123")
    assert response.status_code == 200
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in
    assert audit_actions() == ["auth.login_failed"]


def test_inactive_user_cannot_log_in(app, auth):
    _member(active=False)
    response = auth.login("nurse@example.org", PASSWORD)
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert audit_actions() == ["auth.login_failed"]


def test_empty_fields_are_named_next_to_the_field(auth, member):
    response = auth.login("", "")
    html = response.get_data(as_text=True)
    assert "メールアドレスを入力してください。" in html
    assert "パスワードを入力してください。" in html


def test_overlong_password_gets_a_message_not_an_error(auth, member):
    response = auth.login("nurse@example.org", "x" * 10_000)
    assert response.status_code == 200
    assert "パスワードは128文字以内です。" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, member):
    response = client.post("/login", data={"email": "nurse@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_sends_the_user_back_to_a_local_page(auth, member):
    response = auth.login("nurse@example.org", PASSWORD, next_path="/initiatives?fy=2017")
    assert response.headers["Location"] == "/initiatives?fy=2017"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example/",
        "////evil.example/",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_next_never_leads_off_the_site(auth, member, target):
    response = auth.login("nurse@example.org", PASSWORD, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_every_page_needs_a_login(client):
    for path in ("/", "/initiatives", "/meetings", "/agencies", "/initiatives/1", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_login_page_asks_for_login_and_sets_a_hardened_cookie(client, auth, member):
    response = auth.login("nurse@example.org", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_ends_the_users_sessions_on_every_device(app, member):
    office, home = app.test_client(), app.test_client()
    AuthActions(office).login("nurse@example.org", PASSWORD)
    AuthActions(home).login("nurse@example.org", PASSWORD)
    assert AuthActions(office).logout().status_code == 302
    assert office.get("/").status_code == 302
    assert home.get("/").status_code == 302
    assert audit_actions() == ["auth.login", "auth.login", "auth.logout"]


def test_logout_needs_a_post_with_csrf_token(client, auth, member):
    auth.login("nurse@example.org", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_changing_password_or_deactivating_ends_open_sessions(client, auth, member, change):
    auth.login("nurse@example.org", PASSWORD)
    assert client.get("/").status_code == 200
    if change == "password":
        set_password(member, "a-brand-new-passphrase")
    else:
        set_active(member, False)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_new_session_is_issued_at_login(client, auth, member):
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login("nurse@example.org", PASSWORD)
    assert client.get_cookie("session").value != before


def test_admin_without_agency_sees_the_role_in_the_header(app, client, auth):
    make_user(None, role=Role.ADMIN, email="root@example.org")
    db.session.commit()
    auth.login("root@example.org", PASSWORD)
    assert "システム管理者" in client.get("/").get_data(as_text=True)


def test_csrf_token_is_on_the_login_form(client):
    assert csrf_token_from(client.get("/login").get_data(as_text=True))
