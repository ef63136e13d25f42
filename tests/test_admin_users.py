"""/admin/users: the secretariat invites the people of its council's agencies and an admin anyone;
the invitation's link sets a first password once, for 72 hours; deactivating ends sessions; nobody
locks themself out; every change is audited."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench.queries import recorded_statements
from kosodate.agencies.models import Agency
from kosodate.auth import invitations
from kosodate.auth.models import Role, User
from kosodate.auth.user_changes import UserData, UserRefused, invite_user
from kosodate.core.audit import AuditEvent
from kosodate.core.time import now
from kosodate.extensions import db
from kosodate.reminders.backends import memory_store
from kosodate.reminders.models import OutboxMessage, OutboxStatus, ReminderKind
from kosodate.reminders.outbox import send_all
from tests.auth_helpers import post_form
from tests.conftest import AuthActions
from tests.factories import PASSWORD, make_agency, make_council, make_user

NEW_PASSWORD = "kinmokusei-no-kaori-2026"
SECRETARIAT = "jimukyoku@example.org"


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def actions(action_prefix: str = "") -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    return [a for a in db.session.scalars(query) if a.startswith(action_prefix)]


def invitation_link() -> str:
    """The link in the newest invitation e-mail of the outbox."""
    row = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == ReminderKind.INVITATION)
        .order_by(OutboxMessage.id)
    ).all()[-1]
    return re.search(r"https?://\S+/invitations/(\S+)", row.body_text).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def invite(client, email: str, agency_id, role: str = "agency_member", name: str = "新規 利用者"):
    data = {"email": email, "name": name, "role": role, "agency": agency_id}
    return post_form(client, "/admin/users/new", data)


def test_the_secretariat_invites_a_nurse_who_sets_her_password_and_signs_in(app, login_as):
    app.config["BASE_URL"] = "https://kosodate.example.jp"
    secretariat = login_as(SECRETARIAT)
    futaba = agency("訪問看護ステーション　ふたばらいふ")
    response = invite(secretariat, "Futaba.Nurse@example.org", futaba.id, name="ふたば 看護師")
    assert response.status_code == 302
    invited = user("futaba.nurse@example.org")
    assert (invited.role, invited.agency_id, invited.active) == (Role.AGENCY_MEMBER, futaba.id, True)
    assert "招待のメールを送りました" in secretariat.get(response.headers["Location"]).get_data(as_text=True)
    # the e-mail: to her, with the link from KOSODATE_BASE_URL, and no way in without it
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.INVITATION))
    assert row.recipient_email == "futaba.nurse@example.org" and "パスワードを設定" in row.subject
    link = invitation_link()
    assert link.startswith("https://kosodate.example.jp/invitations/")
    assert "訪問看護ステーション　ふたばらいふ" in row.body_text
    assert AuthActions(app.test_client()).login("futaba.nurse@example.org", NEW_PASSWORD).status_code == 200

    stranger = app.test_client()
    page = stranger.get(path_of(link))
    assert page.status_code == 200 and "ふたば 看護師" in page.get_data(as_text=True)
    weak = post_form(stranger, path_of(link), {"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 400 and "よく使われているパスワード" in weak.get_data(as_text=True)
    mismatch = post_form(stranger, path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "2つのパスワードが一致しません。" in mismatch.get_data(as_text=True)
    done = post_form(stranger, path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/login"

    assert AuthActions(stranger).login("futaba.nurse@example.org", NEW_PASSWORD).status_code == 302
    assert "ふたば 看護師" in stranger.get("/").get_data(as_text=True)
    # used: the same link again changes nothing
    again = post_form(app.test_client(), path_of(link), {"password": "x", "confirm": "x"}, page="/login")
    assert again.status_code == 410 and "すでに使われました" in again.get_data(as_text=True)
    assert actions("user.") == ["user.create", "user.invite", "user.invitation_accepted"]
    created = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert created.actor_id == user(SECRETARIAT).id and created.council_id == futaba.council_id
    assert created.changes["invited"] is True


def test_an_invitation_link_works_once_even_when_two_requests_race(app, demo):
    _nurse, token = invite_user(
        user("admin@example.org"),
        "race@example.org",
        UserData("競争 太郎", Role.AGENCY_MEMBER, agency("厚木医師会")),
    )
    db.session.commit()
    found = invitations.find(token)
    invitations.accept(found.invitation, NEW_PASSWORD)
    # a second request that read the invitation before the first one used it: its copy says unused
    assert found.invitation.used_at is None
    with pytest.raises(invitations.InvitationRefused, match="すでに使われたか"):
        invitations.accept(found.invitation, "another-long-passphrase-2026")
    db.session.commit()
    assert invitations.find(token).state is invitations.InvitationState.USED
    assert AuthActions(app.test_client()).login("race@example.org", NEW_PASSWORD).status_code == 302
    assert actions("user.invitation_accepted") == ["user.invitation_accepted"]


def test_an_expired_link_says_so_and_changes_nothing(app, demo, time_machine):
    time_machine.move_to(now(), tick=False)
    _nurse, token = invite_user(
        user("admin@example.org"),
        "late@example.org",
        UserData("遅い 花子", Role.AGENCY_MEMBER, agency("厚木医師会")),
    )
    db.session.commit()
    before = user("late@example.org").password_hash
    time_machine.shift(timedelta(hours=72, minutes=1))
    client = app.test_client()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 410 and "有効期限（72時間）が切れています" in page.get_data(as_text=True)
    response = post_form(
        client, f"/invitations/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "/login"
    )
    assert response.status_code == 410
    db.session.expire_all()
    assert user("late@example.org").password_hash == before
    assert actions("user.invitation_accepted") == []
    # its e-mail, still in the outbox, is not sent any more
    assert send_all().cancelled == 1 and memory_store() == []


def test_sending_the_invitation_again_ends_the_earlier_link(app, login_as):
    admin = login_as("admin@example.org")
    invite(admin, "again@example.org", agency("厚木医師会").id)
    first = path_of(invitation_link())
    page = f"/admin/users/{user('again@example.org').id}"
    assert "招待のメールを送り直す" in admin.get(page).get_data(as_text=True)
    assert post_form(admin, page, {"action": "invite"}).status_code == 302
    second = path_of(invitation_link())
    assert first != second
    gone = app.test_client().get(first)
    assert gone.status_code == 404 and "このリンクは使えません" in gone.get_data(as_text=True)
    assert app.test_client().get(second).status_code == 200
    # only the newer e-mail goes out
    result = send_all()
    assert (result.sent, result.cancelled) == (1, 1)
    assert second.split("/")[-1] in memory_store()[0].get_body(("plain",)).get_content()
    # once the password is set there is nothing to send again
    post_form(app.test_client(), second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "招待のメールを送り直す" not in admin.get(page).get_data(as_text=True)
    refused = post_form(admin, page, {"action": "invite"})
    assert "パスワードを設定済みです" in admin.get(refused.headers["Location"]).get_data(as_text=True)


def test_the_secretariat_cannot_grant_admin_nor_reach_another_council(app, login_as):
    secretariat = login_as(SECRETARIAT)
    other_agency = make_agency(make_council("相模原地域小児等在宅医療連絡会議"), "相模原保健福祉事務所")
    other_user = make_user(other_agency, email="sagami@example.org")
    db.session.commit()
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    as_admin = invite(secretariat, "boss@example.org", agency("厚木医師会").id, role="admin")
    assert as_admin.status_code == 400 and "役割を一覧から選んでください。" in as_admin.get_data(as_text=True)
    elsewhere = invite(secretariat, "away@example.org", other_agency.id)
    assert elsewhere.status_code == 400 and "選択肢にない値です" in elsewhere.get_data(as_text=True)
    assert 'value="admin"' not in secretariat.get("/admin/users/new").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before

    # not the other council's users, not an admin, not moving one of hers over there
    assert secretariat.get(f"/admin/users/{other_user.id}").status_code == 404
    assert secretariat.get(f"/admin/users/{user('admin@example.org').id}").status_code == 404
    momiji = user("momiji@example.org")
    moved = post_form(
        secretariat,
        f"/admin/users/{momiji.id}",
        {"name": momiji.name, "role": "agency_member", "agency": other_agency.id},
    )
    assert moved.status_code == 400
    promoted = post_form(
        secretariat,
        f"/admin/users/{momiji.id}",
        {"name": momiji.name, "role": "admin", "agency": momiji.agency_id},
    )
    assert promoted.status_code == 400
    db.session.expire_all()
    assert (momiji.role, momiji.agency_id) == (Role.AGENCY_MEMBER, agency("訪問看護ステーションもみじ").id)
    listed = secretariat.get("/admin/users").get_data(as_text=True)
    assert (
        "momiji@example.org" in listed
        and "sagami@example.org" not in listed
        and "admin@example.org" not in listed
    )


def test_the_rule_refuses_what_the_form_would_not_offer(app, demo):
    """The service checks again what the form's choices narrow (a form is not a rule)."""
    secretariat = user(SECRETARIAT)
    other_agency = make_agency(make_council())
    with pytest.raises(UserRefused, match="この役割は付与できません"):
        invite_user(secretariat, "x@example.org", UserData("x", Role.ADMIN, agency("厚木医師会")))
    with pytest.raises(UserRefused, match="この機関には登録できません"):
        invite_user(secretariat, "y@example.org", UserData("y", Role.AGENCY_MEMBER, other_agency))
    with pytest.raises(UserRefused, match="所属機関が必要"):
        invite_user(secretariat, "z@example.org", UserData("z", Role.COORDINATOR, None))
    db.session.rollback()


def test_an_admin_moves_a_user_to_another_councils_agency_and_makes_an_admin(app, login_as):
    admin = login_as("admin@example.org")
    other_agency = make_agency(make_council("相模原地域小児等在宅医療連絡会議"), "相模原保健福祉事務所")
    db.session.commit()
    zama = user("zama@example.org")
    page = f"/admin/users/{zama.id}"
    assert "相模原地域小児等在宅医療連絡会議" in admin.get(page).get_data(as_text=True)
    moved = post_form(admin, page, {"name": "座間 担当", "role": "secretariat", "agency": other_agency.id})
    assert moved.status_code == 302
    db.session.expire_all()
    assert (zama.name, zama.role, zama.agency_id) == ("座間 担当", Role.SECRETARIAT, other_agency.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.changes["role"] == ["agency_member", "secretariat"]
    assert event.changes["agency"] == ["神奈川県立座間養護学校", "相模原保健福祉事務所"]
    assert invite(admin, "root2@example.org", "", role="admin").status_code == 302
    assert user("root2@example.org").role is Role.ADMIN


def test_nobody_deactivates_or_demotes_themself(app, login_as):
    admin = login_as("admin@example.org")
    me = user("admin@example.org")
    page = f"/admin/users/{me.id}"
    html = admin.get(page).get_data(as_text=True)
    assert 'value="deactivate"' not in html and "自分の役割は変更できません" in html
    refused = post_form(admin, page, {"action": "deactivate"})
    assert "自分自身を利用停止にはできません。" in admin.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    demoted = post_form(
        admin, page, {"name": me.name, "role": "coordinator", "agency": agency("厚木医師会").id}
    )
    assert demoted.status_code == 400 and "自分の役割は変更できません" in demoted.get_data(as_text=True)
    db.session.expire_all()
    assert me.active and me.role is Role.ADMIN


def test_deactivating_ends_the_users_session_and_reactivating_lets_her_back(app, login_as):
    momiji = login_as("momiji@example.org")
    assert momiji.get("/").status_code == 200
    secretariat = login_as(SECRETARIAT)
    page = f"/admin/users/{user('momiji@example.org').id}"
    assert post_form(secretariat, page, {"action": "deactivate"}).status_code == 302
    # her open session is over at once, and she cannot sign in again
    assert momiji.get("/").headers["Location"].startswith("/login")
    assert AuthActions(app.test_client()).login("momiji@example.org").status_code == 200
    assert "利用停止" in secretariat.get(page).get_data(as_text=True)
    assert post_form(secretariat, page, {"action": "reactivate"}).status_code == 302
    assert AuthActions(app.test_client()).login("momiji@example.org").status_code == 302
    changes = db.session.scalars(
        sa.select(AuditEvent.changes).where(AuditEvent.action == "user.update").order_by(AuditEvent.id)
    ).all()
    assert changes == [{"active": [True, False]}, {"active": [False, True]}]


def test_the_list_searches_by_name_or_address_and_shows_who_is_invited(app, login_as):
    secretariat = login_as(SECRETARIAT)
    invite(secretariat, "shinki@example.org", agency("厚木医師会").id, name="医師会 新規")
    html = secretariat.get("/admin/users?q=医師会").get_data(as_text=True)
    table = html.split('data-testid="users"')[1]
    assert "shinki@example.org" in table and "招待中" in table and "momiji@example.org" not in table
    by_address = (
        secretariat.get("/admin/users?q=MOMIJI%40").get_data(as_text=True).split('data-testid="users"')[1]
    )
    assert "momiji@example.org" in by_address and "shinki@example.org" not in by_address
    percent = secretariat.get("/admin/users?q=%25").get_data(as_text=True).split('data-testid="users"')[1]
    assert "該当する利用者はいません" in percent
    members = secretariat.get("/admin/users?role=agency_member&state=active").get_data(as_text=True)
    assert "jimukyoku@example.org" not in members.split('data-testid="users"')[1]


def test_the_admin_menu_offers_what_each_role_may_do(app, login_as):
    def menu(email: str) -> str:
        return login_as(email).get("/").get_data(as_text=True)

    admin, secretariat, member = menu("admin@example.org"), menu(SECRETARIAT), menu("momiji@example.org")
    for html, expected in (
        (admin, (True, True, True)),
        (secretariat, (True, True, False)),
        (member, (False,) * 3),
    ):
        shown = tuple(
            path in html
            for path in ('href="/admin/users"', 'href="/admin/agencies"', 'href="/admin/councils"')
        )
        assert shown == expected
    assert 'href="/admin/accounts"' not in admin


def test_a_user_of_a_member_agency_is_refused_the_pages(app, demo):
    make_user(agency("厚木医師会"), Role.COORDINATOR, email="coord2@example.org")
    db.session.commit()
    client = app.test_client()
    AuthActions(client).login("coord2@example.org", PASSWORD)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.QUEUED)) == 0  # fmt: skip


def test_the_admin_lists_run_the_same_queries_for_few_users_or_many(app, login_as):
    """No query per row: a user's agency, invitation and lock are loaded with the list."""
    client = login_as(SECRETARIAT)

    def queries(path: str) -> int:
        with recorded_statements(db.engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    few = {path: queries(path) for path in ("/admin/users", "/admin/agencies")}
    secretariat = user(SECRETARIAT)
    for number in range(30):
        new = UserData(f"利用者 {number}", Role.AGENCY_MEMBER, agency("厚木医師会"))
        invite_user(secretariat, f"many{number}@example.org", new)
        make_agency(secretariat.agency.council, f"追加の機関{number}")
    db.session.commit()
    assert {path: queries(path) for path in few} == few


def test_an_invited_secretary_sets_up_two_factor_at_her_first_sign_in(app, demo):
    app.config["KOSODATE_REQUIRE_2FA"] = True
    data = UserData("事務局 二", Role.SECRETARIAT, agency("厚木保健福祉事務所"))
    _secretary, token = invite_user(user("admin@example.org"), "jimukyoku2@example.org", data)
    db.session.commit()
    client = app.test_client()
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(client, f"/invitations/{token}", form, page="/login").headers["Location"] == "/login"
    response = AuthActions(client).login("jimukyoku2@example.org", NEW_PASSWORD)
    assert response.headers["Location"] == "/account/2fa"
