"""The three daily journeys: a coordinator records a meeting's outcome as a follow-up, the visiting
nurse marks it done, the secretariat finds it in the next meeting's review and its Excel file."""

from datetime import timedelta

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from kosodate.core.time import today_tokyo

from ..conftest import DEMO_PASSWORD
from ..factories import make_next_liaison_meeting

TITLE = "小児訪問看護の勉強会の会場を確保する"


def logged_in_page(browser: Browser, base_url: str, email: str) -> Page:
    page = browser.new_page(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    page.wait_for_load_state("load")  # the styles and app.js too: layout checks measure the page
    return page


def test_from_meeting_outcome_to_the_next_meetings_review(browser: Browser, live_server, demo, tmp_path):
    next_meeting = make_next_liaison_meeting()

    # 1. the coordinator records an outcome of the 2018-02-28 meeting for 訪問看護ステーションもみじ
    coordinator = logged_in_page(browser, live_server, "coordinator@example.org")
    coordinator.get_by_role("link", name="会議", exact=True).click()
    coordinator.get_by_role("link", name="第２回厚木地域小児等在宅医療連絡会議").click()
    coordinator.get_by_role("link", name="対応事項を登録").click()
    coordinator.get_by_label("件名").fill(TITLE)
    coordinator.get_by_label("担当機関").select_option(label="訪問看護ステーションもみじ")
    # the owner list follows the chosen agency (loaded from the server when it changes)
    coordinator.get_by_label("担当者").select_option(label="もみじ 訪問看護師")
    coordinator.get_by_label("期限").fill((today_tokyo() + timedelta(days=30)).isoformat())
    coordinator.get_by_role("button", name="保存する").click()
    expect(coordinator.get_by_text("対応事項を登録しました。")).to_be_visible()
    expect(coordinator.get_by_role("heading", name=TITLE)).to_be_visible()

    # 2. the visiting nurse finds it under "mine" and marks it done with a note
    nurse = logged_in_page(browser, live_server, "momiji@example.org")
    nurse.get_by_role("link", name="対応事項", exact=True).click()
    expect(nurse.get_by_role("link", name="自分・自機関")).to_have_class("nav-link active")
    nurse.get_by_test_id("followups").get_by_role("link", name=TITLE).click()
    nurse.get_by_label("完了メモ（任意）").fill("厚木市文化会館の会議室を予約しました。")
    nurse.get_by_role("button", name="完了にする").click()
    expect(nurse.get_by_test_id("status")).to_have_text("完了")
    nurse.screenshot(path=str(tmp_path / "followup-done.png"), full_page=True)

    # 3. the secretariat opens the next meeting's review, finds it done, downloads the Excel file
    secretariat = logged_in_page(browser, live_server, "jimukyoku@example.org")
    secretariat.goto(f"{live_server}/meetings/{next_meeting.id}")
    secretariat.get_by_role("link", name="会議前の確認（資料）").click()
    done = secretariat.get_by_test_id("review-done")
    expect(done).to_contain_text(TITLE)
    expect(done).to_contain_text("もみじ 訪問看護師")
    with secretariat.expect_download() as download_info:
        secretariat.get_by_role("link", name="Excelでダウンロード").click()
    path = tmp_path / "review.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path)["前回以降の完了"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert any(row[2] == TITLE and row[6] == "厚木市文化会館の会議室を予約しました。" for row in rows), rows
