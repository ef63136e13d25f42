"""The secretariat invites a visiting nurse from the 管理 menu; the nurse opens the e-mail's link (sent
over real SMTP), sets her password and signs in for the first time. The admin pages pass axe."""

import re
from email.message import EmailMessage

import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from kosodate.agencies.models import Agency, Council
from kosodate.auth.models import Role, User
from kosodate.auth.user_changes import UserData, invite_user
from kosodate.extensions import db
from kosodate.reminders.outbox import send_all

from .test_followup_journeys import logged_in_page
from .test_layout_a11y import STRICT_CSP, check_pages, with_axe

PASSWORD = "kinmokusei-no-kaori-2026"


def the_link(message: EmailMessage) -> str:
    return re.search(r"http://\S+/invitations/\S+", message.get_body(("plain",)).get_content()).group(0)


def test_an_invited_nurse_sets_her_password_and_signs_in(app, browser: Browser, live_server, demo, smtp):
    app.config["BASE_URL"] = live_server
    secretariat = logged_in_page(browser, live_server, "jimukyoku@example.org")
    secretariat.get_by_test_id("admin-menu").locator("summary").click()
    secretariat.get_by_role("link", name="利用者", exact=True).click()
    secretariat.get_by_role("link", name="利用者を招待する").click()
    secretariat.get_by_label("メールアドレス").fill("aoba.nurse@example.org")
    secretariat.get_by_label("氏名（表示名）").fill("あおば 看護師")
    secretariat.get_by_label("役割").select_option(label="関係機関担当者")
    secretariat.get_by_label("所属機関").select_option(label="訪問看護ステーション　ふたばらいふ")
    secretariat.get_by_role("button", name="招待のメールを送る").click()
    expect(secretariat.get_by_text("招待のメールを送りました")).to_be_visible()
    expect(secretariat.get_by_test_id("user-state")).to_contain_text("招待中")

    assert send_all().sent == 1
    (message,) = smtp.handler.messages
    assert message["To"] == "aoba.nurse@example.org"
    assert "パスワードを設定してください" in message["Subject"]

    nurse = browser.new_page(locale="ja-JP", timezone_id="Asia/Tokyo")
    nurse.goto(the_link(message))
    expect(nurse.get_by_text("あおば 看護師 さん（aoba.nurse@example.org）")).to_be_visible()
    nurse.get_by_label("新しいパスワード", exact=True).fill(PASSWORD)
    nurse.get_by_label("新しいパスワード（確認）").fill(PASSWORD)
    nurse.get_by_role("button", name="パスワードを設定する").click()
    expect(nurse.get_by_text("パスワードを設定しました。")).to_be_visible()
    nurse.get_by_label("メールアドレス").fill("aoba.nurse@example.org")
    nurse.get_by_label("パスワード").fill(PASSWORD)
    nurse.get_by_role("button", name="ログイン").click()
    signed_in = nurse.get_by_test_id("current-user")
    expect(signed_in).to_contain_text("あおば 看護師（訪問看護ステーション　ふたばらいふ）")

    # the link is spent
    nurse.goto(the_link(message))
    expect(nurse.get_by_test_id("invitation-refused")).to_contain_text("すでに使われました")
    secretariat.reload()
    expect(secretariat.get_by_test_id("user-state")).to_contain_text("利用中")


def test_the_admin_pages_pass_axe_and_fit_a_phone(app, browser: Browser, live_server, demo, tmp_path):
    @app.after_request
    def strict_csp(response):
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        return response

    council = db.session.scalar(sa.select(Council))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    momiji = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "厚木医師会"))
    new = UserData("新規 利用者", Role.AGENCY_MEMBER, agency)
    _invited, token = invite_user(admin, "new@example.org", new)
    db.session.commit()
    pages = {
        "users": "/admin/users",
        "invite": "/admin/users/new",
        "user": f"/admin/users/{momiji.id}",
        "agencies": "/admin/agencies",
        "agency": f"/admin/agencies/{agency.id}/edit",
        "councils": "/admin/councils",
        "council": f"/admin/councils/{council.id}",
        "invitation": f"/invitations/{token}",
    }
    page = with_axe(logged_in_page(browser, live_server, "admin@example.org"))
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    problems = check_pages(page, live_server, pages, tmp_path)
    assert problems == [], "\n".join(problems)
    assert refused == []
