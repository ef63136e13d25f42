"""Login throttling: five failures lock an account for every worker, the same answers for an unknown
e-mail, longer locks on repeat, the owner told by e-mail, an admin unlocks; addresses and rates."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kosodate.auth import lockout
from kosodate.auth.models import LoginThrottle, Role
from kosodate.auth.services import LOGIN_FAILED
from kosodate.core.audit import AuditEvent
from kosodate.core.time import now
from kosodate.extensions import db
from kosodate.reminders.models import OutboxMessage, ReminderKind
from kosodate.reminders.outbox import send_all
from tests.mail import SMTPServer, free_port

from .auth_helpers import audit_actions, post_form
from .conftest import AuthActions, make_app
from .factories import PASSWORD, make_agency, make_council, make_user

LOCKED = lockout.LOCKED_MESSAGE
NURSE = "nurse@example.org"


@pytest.fixture
def member(app):
    user = make_user(make_agency(make_council()), email=NURSE)
    user.name = "訪問 看護"
    db.session.commit()
    return user


def answer(client, email: str, password: str) -> str:
    """What the login page says after one try: 'signed in', the lock or the generic failure."""
    response = AuthActions(client).login(email, password)
    if response.status_code == 302:
        return "signed in"
    html = response.get_data(as_text=True)
    if LOCKED in html:
        return "locked"
    assert LOGIN_FAILED in html, html
    return "wrong"


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, member):
    answers = [answer(client, NURSE, "wrong-password-123") for _ in range(6)]
    assert answers == ["wrong"] * 4 + ["locked", "locked"]
    assert answer(client, NURSE, PASSWORD) == "locked"
    assert client.get("/").status_code == 302
    assert audit_actions().count("auth.locked") == 1
    assert audit_actions().count("auth.login_failed") == 7


def test_an_unknown_email_gets_the_very_same_answers(app, member):
    known = [answer(app.test_client(), NURSE, "wrong-password-123") for _ in range(7)]
    unknown = [answer(app.test_client(), "nobody@example.org", "wrong-password-123") for _ in range(7)]
    assert known == unknown == ["wrong"] * 4 + ["locked"] * 3
    locked = {account.email: account.user for account in lockout.locked_accounts()}
    assert locked == {NURSE: member, "nobody@example.org": None}


def test_failures_on_two_app_instances_count_together(database_url, tmp_path, member):
    first = make_app(database_url, tmp_path / "first").test_client()
    second = make_app(database_url, tmp_path / "second").test_client()
    answers = [answer(client, NURSE, "wrong-password-123") for client in (first, second) * 2]
    answers.append(answer(first, NURSE, "wrong-password-123"))
    assert answers == ["wrong"] * 4 + ["locked"]
    assert answer(second, NURSE, PASSWORD) == "locked"


def test_a_burst_at_once_gets_no_more_guesses_than_one_after_another(app, member):
    def attempt(_):
        return answer(app.test_client(), NURSE, "wrong-password-123")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(attempt, range(12)))
    assert answers.count("wrong") == 4
    checked = db.session.scalars(
        sa.select(AuditEvent.changes).where(AuditEvent.action == "auth.login_failed")
    )
    assert sum(1 for changes in checked if changes.get("reason") == "password") == 5


def test_a_success_forgets_the_failures(app, client, member):
    assert [answer(client, NURSE, "wrong-password-123") for _ in range(4)] == ["wrong"] * 4
    assert answer(client, NURSE, PASSWORD) == "signed in"
    assert [answer(app.test_client(), NURSE, "wrong-password-123") for _ in range(4)] == ["wrong"] * 4


def test_the_lock_ends_after_15_minutes_and_the_next_one_lasts_30(client, member, time_machine):
    time_machine.move_to(now(), tick=False)
    for _ in range(5):
        answer(client, NURSE, "wrong-password-123")
    time_machine.shift(timedelta(minutes=14, seconds=50))
    assert answer(client, NURSE, PASSWORD) == "locked"
    time_machine.shift(timedelta(seconds=20))
    assert answer(client, NURSE, "wrong-password-123") == "wrong"  # open again: a new window
    for _ in range(4):
        answer(client, NURSE, "wrong-password-123")
    time_machine.shift(timedelta(minutes=29, seconds=50))
    assert answer(client, NURSE, PASSWORD) == "locked"
    time_machine.shift(timedelta(seconds=20))
    assert answer(client, NURSE, PASSWORD) == "signed in"


def test_counts_and_locks_are_forgotten_once_they_no_longer_count(app, client, member, time_machine):
    """The hourly sweep keeps login_throttles small; it never shortens a lock or the doubling."""
    time_machine.move_to(now(), tick=False)
    for _ in range(5):
        answer(client, NURSE, "wrong-password-123")  # the account locks; the address has 5
    time_machine.shift(timedelta(minutes=16))
    with app.app_context():
        # the address's count is over with its window; the account's lock ended, but it is kept: the
        # next lock within a day lasts twice as long
        assert lockout.forget_stale() == 1
        db.session.commit()
        assert db.session.scalars(sa.select(LoginThrottle.kind)).all() == ["account"]
    answer(client, "nobody@example.org", "wrong-password-123")  # a new window for the address
    time_machine.shift(timedelta(days=1))
    with app.app_context():
        # the lock forgotten a day after it ended; the unknown account's count and the address's are over
        assert lockout.forget_stale() == 3
        db.session.commit()
        assert db.session.scalars(sa.select(LoginThrottle.key)).all() == []
    assert answer(client, NURSE, PASSWORD) == "signed in"


def test_repeated_locks_double_up_to_a_day(app):
    assert [lockout.lock_duration(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [
        timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2),
        timedelta(hours=16), timedelta(hours=24), timedelta(hours=24),
    ]  # fmt: skip


def test_the_owner_is_told_by_email_once_per_lock(app, client, member):
    for _ in range(8):
        answer(client, NURSE, "wrong-password-123")
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.ACCOUNT_LOCKED)
    )
    assert len(rows.all()) == 1
    server = SMTPServer().start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        assert send_all().sent == 1
    finally:
        server.stop()
    [message] = server.messages
    assert message["To"] == NURSE
    assert message["Subject"] == "【小児等在宅医療 連携支援】アカウントを一時的にロックしました"
    body = message.get_body(("plain",)).get_content()
    assert "訪問 看護 様" in body
    assert "ログインの失敗（パスワードまたは確認コードの誤り）が続いたため" in body
    assert "までログインできないようにしました" in body


def test_no_email_for_an_unknown_address(client, member):
    for _ in range(5):
        answer(client, "nobody@example.org", "wrong-password-123")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.fixture
def admin_client(app):
    make_user(None, role=Role.ADMIN, email="root@example.org")
    db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login("root@example.org", PASSWORD).status_code == 302
    return client


def test_an_admin_sees_the_locked_accounts_and_unlocks_one(app, admin_client, member):
    for _ in range(5):
        answer(app.test_client(), NURSE, "wrong-password-123")
    for _ in range(5):
        answer(app.test_client(), "nobody@example.org", "wrong-password-123")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "訪問 看護" in page and "ロック中" in page
    # an address nobody has, being tried, is shown to admins
    assert "nobody@example.org" in page.split('data-testid="locked-unknown"')[1]
    user_page = f"/admin/users/{member.id}"
    response = post_form(admin_client, user_page, {"action": "unlock"})
    assert response.status_code == 302
    assert "訪問 看護 さんのロックを解除しました。" in admin_client.get(user_page).get_data(as_text=True)
    assert answer(app.test_client(), NURSE, PASSWORD) == "signed in"
    unlocked = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.unlocked"))
    assert (unlocked.object_type, unlocked.object_id) == ("users", member.id)
    assert unlocked.actor_id is not None


def test_an_agency_member_cannot_open_the_users_page(app, member):
    client = app.test_client()
    AuthActions(client).login(NURSE, PASSWORD)
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{member.id}").status_code == 403


def test_the_unlock_command(app, runner, client, member):
    for _ in range(5):
        answer(client, NURSE, "wrong-password-123")
    result = runner.invoke(args=["users", "unlock", "Nurse@Example.org"])
    assert result.exit_code == 0, result.output
    assert "nurse@example.org: unlocked" in result.output
    assert "was not locked" in runner.invoke(args=["users", "unlock", NURSE]).output
    assert answer(client, NURSE, PASSWORD) == "signed in"
    assert audit_actions().count("auth.unlocked") == 1


def test_many_failures_from_one_address_close_it_for_every_account(app, client, member):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        answer(client, email, "wrong-password-123")
    assert answer(client, NURSE, PASSWORD) == "locked"
    assert audit_actions().count("auth.address_locked") == 1
    assert [a.email for a in lockout.locked_accounts()] == []  # the accounts themselves are not locked


def test_login_posts_beyond_the_rate_get_a_japanese_429(app, client, member):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        AuthActions(client).login(NURSE, "wrong-password-123")
    response = AuthActions(client).login(NURSE, PASSWORD)
    assert response.status_code == 429
    assert "しばらく待ってからもう一度お試しください" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the page is not limited


def test_locks_and_rates_kept_in_redis(database_url, tmp_path, member, redis_prefix):
    settings = {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_KEY_PREFIX": redis_prefix}
    first = make_app(database_url, tmp_path / "first", **settings)
    second = make_app(database_url, tmp_path / "second", **settings)
    answers = [
        answer(client, NURSE, "wrong-password-123")
        for client in (first.test_client(), second.test_client()) * 3
    ]
    assert answers == ["wrong"] * 4 + ["locked"] * 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0
    with first.app_context():
        assert [account.email for account in lockout.locked_accounts()] == [NURSE]
        assert lockout.unlock(NURSE)
        db.session.commit()
        assert lockout.locked_accounts() == []
    assert answer(second.test_client(), NURSE, PASSWORD) == "signed in"
    keys = first.extensions["kosodate_throttle"].redis.keys(f"{redis_prefix}:*")
    assert any(key.startswith(f"{redis_prefix}:limits:") for key in keys)


def test_without_an_answer_from_redis_nobody_signs_in_unthrottled(database_url, tmp_path, member):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    client = make_app(database_url, tmp_path / "instance", REDIS_URL=closed).test_client()
    response = AuthActions(client).login(NURSE, PASSWORD)
    assert response.status_code == 503
    assert "ただいまログインできません。" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
