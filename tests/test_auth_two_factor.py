"""Two-factor sign-in: enrolment with a QR code made in the app, codes once each, recovery codes,
nothing reachable between the two steps, KOSODATE_REQUIRE_2FA, resets by an admin and a command."""

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from kosodate.auth import lockout, two_factor
from kosodate.auth.models import RecoveryCode, Role, User
from kosodate.core.audit import AuditEvent
from kosodate.core.time import now
from kosodate.extensions import db

from .auth_helpers import audit_actions, post_form, shown_recovery_codes, shown_secret, totp_code
from .conftest import AuthActions
from .factories import PASSWORD, make_agency, make_council, make_user

SECRETARY = "jimukyoku@example.org"
NURSE = "nurse@example.org"
PAGES_BEHIND_LOGIN = ("/", "/followups", "/meetings", "/account", "/admin/audit", "/settings/notifications")


@pytest.fixture
def users(app):
    app.config["KOSODATE_REQUIRE_2FA"] = True
    agency = make_agency(make_council())
    secretary = make_user(agency, Role.SECRETARIAT, email=SECRETARY)
    nurse = make_user(agency, Role.AGENCY_MEMBER, email=NURSE)
    db.session.commit()
    return secretary, nurse


def enrolled(user: User) -> str:
    """Give the user a second factor as if enrolled earlier; returns the secret."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enrolled_at = now() - timedelta(days=1)
    db.session.commit()
    return user.totp_secret


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def assert_half_signed_in(client) -> None:
    for path in PAGES_BEHIND_LOGIN:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_the_secretariat_must_enrol_before_reaching_any_page(client, users):
    response = AuthActions(client).login(SECRETARY, PASSWORD)
    assert response.headers["Location"] == "/account/2fa"
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "このアカウントでは2段階認証が必要です" in page
    assert "<svg" in page and 'data-testid="totp-qr"' in page
    secret = shown_secret(page)
    assert shown_secret(client.get("/account/2fa").get_data(as_text=True)) == secret  # same until confirmed
    assert_half_signed_in(client)
    assert client.get("/login/2fa").headers["Location"] == "/account/2fa"

    wrong = post_form(client, "/account/2fa", {"code": "000000"})
    assert "確認コードが正しくありません" in wrong.get_data(as_text=True)
    assert_half_signed_in(client)

    done = post_form(client, "/account/2fa", {"code": totp_code(secret)})
    html = done.get_data(as_text=True)
    assert "2段階認証を登録しました" in html
    assert len(set(shown_recovery_codes(html))) == 10
    assert signed_in(client)
    assert audit_actions() == ["auth.2fa_failed", "auth.2fa_enrolled", "auth.login"]
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(
        code.replace("-", "") in stored for code in shown_recovery_codes(html)
    )


def test_an_enrolled_user_signs_in_with_a_code_each_code_once(app, users):
    secret = enrolled(users[0])
    client = app.test_client()
    assert AuthActions(client).login(SECRETARY, PASSWORD).headers["Location"] == "/login/2fa"
    assert_half_signed_in(client)
    assert client.get("/account/2fa").headers["Location"].startswith("/login")  # not for the enrolled
    wrong = post_form(client, "/login/2fa", {"code": "123456"})
    assert "確認コードが正しくありません" in wrong.get_data(as_text=True)
    code = totp_code(secret)
    assert post_form(client, "/login/2fa", {"code": code}).headers["Location"] == "/"
    assert signed_in(client)

    again = app.test_client()
    AuthActions(again).login(SECRETARY, PASSWORD)
    assert "確認コードが正しくありません" in post_form(again, "/login/2fa", {"code": code}).get_data(
        as_text=True
    )
    assert (
        post_form(again, "/login/2fa", {"code": totp_code(secret, steps=1)}).status_code == 302
    )  # clock drift
    first, second = (
        ["auth.2fa_failed", "auth.2fa_success", "auth.login"],
        ["auth.2fa_failed", "auth.2fa_success"],
    )
    assert audit_actions() == [*first, *second, "auth.login"]


def test_codes_further_off_than_one_step_are_refused(app, users):
    secret = enrolled(users[0])
    step = app.test_client()
    AuthActions(step).login(SECRETARY, PASSWORD)
    for offset in (-3, 3):
        html = post_form(step, "/login/2fa", {"code": totp_code(secret, steps=offset)}).get_data(as_text=True)
        assert "確認コードが正しくありません" in html
    assert not signed_in(step)


def test_recovery_codes_sign_in_once_each(app, client, users):
    AuthActions(client).login(SECRETARY, PASSWORD)
    secret = shown_secret(client.get("/account/2fa").get_data(as_text=True))
    codes = shown_recovery_codes(
        post_form(client, "/account/2fa", {"code": totp_code(secret)}).get_data(as_text=True)
    )

    first = app.test_client()
    AuthActions(first).login(SECRETARY, PASSWORD)
    response = post_form(first, "/login/2fa", {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert "リカバリーコードを使いました（残り9個）" in first.get("/").get_data(as_text=True)

    second = app.test_client()
    AuthActions(second).login(SECRETARY, PASSWORD)
    html = post_form(second, "/login/2fa", {"code": codes[3]}).get_data(as_text=True)
    assert "確認コードが正しくありません" in html
    assert not signed_in(second)
    assert "auth.recovery_code_used" in audit_actions()


def test_wrong_codes_count_towards_the_lock(app, client, users):
    enrolled(users[0])
    AuthActions(client).login(SECRETARY, PASSWORD)
    for _ in range(3):
        post_form(client, "/login/2fa", {"code": "000000"})
    AuthActions(client).login(SECRETARY, PASSWORD)  # the password again does not start a new count
    post_form(client, "/login/2fa", {"code": "000000"})
    response = post_form(client, "/login/2fa", {"code": "000000"})
    assert response.headers["Location"] == "/login"
    assert lockout.LOCKED_MESSAGE in client.get("/login").get_data(as_text=True)
    assert lockout.LOCKED_MESSAGE in AuthActions(client).login(SECRETARY, PASSWORD).get_data(as_text=True)
    assert "auth.locked" in audit_actions()


def test_without_the_setting_nobody_is_made_to_enrol_but_the_enrolled_are_asked(app, users):
    app.config["KOSODATE_REQUIRE_2FA"] = False
    client = app.test_client()
    assert AuthActions(client).login(SECRETARY, PASSWORD).headers["Location"] == "/"
    enrolled(users[1])
    assert AuthActions(app.test_client()).login(NURSE, PASSWORD).headers["Location"] == "/login/2fa"


def test_a_member_enrols_of_her_own_accord_from_the_account_page(app, client, users):
    assert AuthActions(client).login(NURSE, PASSWORD).headers["Location"] == "/"  # not required of her
    account = client.get("/account").get_data(as_text=True)
    assert "使っていません" in account and "2段階認証を登録する" in account
    secret = shown_secret(client.get("/account/2fa").get_data(as_text=True))
    html = post_form(client, "/account/2fa", {"code": totp_code(secret)}).get_data(as_text=True)
    assert len(shown_recovery_codes(html)) == 10
    assert "リカバリーコード残り10個" in client.get("/account").get_data(as_text=True)
    assert AuthActions(app.test_client()).login(NURSE, PASSWORD).headers["Location"] == "/login/2fa"


def test_new_recovery_codes_replace_the_old_ones(app, client, users):
    AuthActions(client).login(NURSE, PASSWORD)
    secret = shown_secret(client.get("/account/2fa").get_data(as_text=True))
    old = shown_recovery_codes(
        post_form(client, "/account/2fa", {"code": totp_code(secret)}).get_data(as_text=True)
    )
    assert "2段階認証を使っています" in client.get("/account/2fa").get_data(as_text=True)
    new = shown_recovery_codes(
        post_form(client, "/account/2fa", {"action": "renew_codes"}).get_data(as_text=True)
    )
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    AuthActions(other).login(NURSE, PASSWORD)
    assert "確認コードが正しくありません" in post_form(other, "/login/2fa", {"code": old[0]}).get_data(
        as_text=True
    )
    assert post_form(other, "/login/2fa", {"code": new[0]}).status_code == 302


def test_an_admin_resets_a_lost_phone_and_the_user_enrols_again(app, users):
    secretary, _nurse = users
    enrolled(secretary)
    admin = make_user(None, role=Role.ADMIN, email="root@example.org")
    admin_secret = enrolled(admin)
    admin_client = app.test_client()
    AuthActions(admin_client).login("root@example.org", PASSWORD)
    post_form(admin_client, "/login/2fa", {"code": totp_code(admin_secret)})
    page = f"/admin/users/{secretary.id}"
    response = post_form(admin_client, page, {"action": "reset-2fa"})
    assert response.status_code == 302
    assert "の2段階認証をリセットしました" in admin_client.get(page).get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.2fa_reset"))
    assert (event.actor_id, event.object_id) == (admin.id, secretary.id)
    assert AuthActions(app.test_client()).login(SECRETARY, PASSWORD).headers["Location"] == "/account/2fa"


def test_the_reset_2fa_command_ends_the_users_sessions(app, runner, users):
    secretary, _nurse = users
    secret = enrolled(secretary)
    client = app.test_client()
    AuthActions(client).login(SECRETARY, PASSWORD)
    post_form(client, "/login/2fa", {"code": totp_code(secret)})
    assert signed_in(client)
    result = runner.invoke(args=["users", "reset-2fa", SECRETARY])
    assert result.exit_code == 0, result.output
    assert "two-factor sign-in reset" in result.output
    assert not signed_in(client)
    db.session.refresh(secretary)
    assert secretary.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert runner.invoke(args=["users", "reset-2fa", "nobody@example.org"]).exit_code != 0


def test_another_domain_can_require_two_factor_sign_in(app, client, users):
    def nurses_of_this_test(user):
        return user.email == NURSE

    two_factor.two_factor_rule(nurses_of_this_test)
    try:
        assert AuthActions(client).login(NURSE, PASSWORD).headers["Location"] == "/account/2fa"
    finally:
        two_factor._rules.remove(nurses_of_this_test)


def test_the_second_step_lapses_after_ten_minutes(app, client, users, time_machine):
    time_machine.move_to(now(), tick=False)
    secret = enrolled(users[0])
    AuthActions(client).login(SECRETARY, PASSWORD)
    time_machine.shift(timedelta(minutes=10, seconds=5))
    response = post_form(client, "/login/2fa", {"code": totp_code(secret)}, page="/login")
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_giving_up_at_the_second_step(app, client, users):
    enrolled(users[0])
    AuthActions(client).login(SECRETARY, PASSWORD)
    response = post_form(client, "/logout", {}, page="/login/2fa")
    assert response.headers["Location"] == "/login"
    assert client.get("/login/2fa").headers["Location"] == "/login"
