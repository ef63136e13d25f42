"""A visiting nurse logs in and finds her station's initiative."""

from playwright.sync_api import Page, expect

from ..conftest import DEMO_PASSWORD


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def test_momiji_finds_her_stations_initiative(page: Page, live_server, demo, tmp_path):
    log_in(page, live_server, "momiji@example.org")
    expect(page.get_by_test_id("current-user")).to_contain_text("訪問看護ステーションもみじ")

    page.get_by_role("link", name="取組み").first.click()
    expect(page.get_by_role("heading", name="取組み")).to_be_visible()
    page.get_by_label("団体名").select_option(label="訪問看護ステーションもみじ")
    page.get_by_role("button", name="絞り込む").click()

    table = page.get_by_test_id("initiatives")
    expect(table).to_contain_text("訪問看護ステーションもみじ")
    expect(table).not_to_contain_text("厚木市立病院")
    table.get_by_role("link").first.click()
    expect(page.get_by_test_id("report-2017")).to_contain_text("（２）29年度の進捗状況について")
    page.screenshot(path=str(tmp_path / "initiative.png"), full_page=True)


def test_wrong_password_shows_the_generic_message(page: Page, live_server, demo):
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill("momiji@example.org")
    page.get_by_label("パスワード").fill("not-the-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_text("メールアドレスまたはパスワードが正しくありません。")).to_be_visible()
