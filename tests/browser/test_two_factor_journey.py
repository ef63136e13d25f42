"""The secretariat's first sign-in with two-factor authentication on: she scans (here: reads) the key
shown, confirms a code, keeps her recovery codes, and signs in with a code the next time."""

from datetime import timedelta

import pyotp
from playwright.sync_api import Page, expect

from kosodate.core.time import now

from ..conftest import DEMO_PASSWORD


def sign_in_with_password(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("メールアドレス").fill("jimukyoku@example.org")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_the_secretariat_enrols_and_signs_in_with_a_code(app, page: Page, live_server, demo, tmp_path):
    app.config["KOSODATE_REQUIRE_2FA"] = True
    sign_in_with_password(page, live_server)
    expect(page.get_by_text("このアカウントでは2段階認証が必要です。")).to_be_visible()
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    page.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)

    page.goto(f"{live_server}/followups")  # nothing else is open yet
    expect(page).to_have_url(f"{live_server}/login?next=%2Ffollowups")
    page.goto(f"{live_server}/account/2fa")
    totp = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text())
    page.get_by_label("確認コード").fill(totp.now())
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("2段階認証を登録しました。")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="控えたので次へ進む").click()
    expect(page.get_by_test_id("current-user")).to_contain_text("厚木保健福祉事務所")

    page.get_by_test_id("current-user").click()  # the account menu holds the logout
    page.get_by_role("button", name="ログアウト").click()
    sign_in_with_password(page, live_server)
    expect(page.get_by_role("heading", name="2段階認証")).to_be_visible()
    page.get_by_label("確認コード").fill(totp.at(now() + timedelta(seconds=30)))  # this step's is spent
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    page.get_by_test_id("current-user").click()  # the account menu opens
    page.get_by_role("link", name="アカウント（2段階認証）").click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("リカバリーコード残り10個")
