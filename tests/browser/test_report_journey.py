"""The FY2018 round: the secretariat opens it, the visiting nurse submits, the secretariat downloads."""

from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from .test_followup_journeys import logged_in_page


def test_momiji_submits_her_fy2018_report_and_the_secretariat_downloads_it(
    browser: Browser, live_server, demo, tmp_path
):
    secretariat = logged_in_page(browser, live_server, "jimukyoku@example.org")
    secretariat.get_by_role("link", name="進捗報告の依頼").click()
    secretariat.get_by_label("年度（西暦の開始年）").fill("2018")
    secretariat.get_by_label("提出期限").fill("2019-01-31")
    secretariat.get_by_role("button", name="依頼を始める").click()
    expect(secretariat.get_by_role("heading", name="平成30年度 (2018年度)の進捗報告")).to_be_visible()

    nurse = logged_in_page(browser, live_server, "momiji@example.org")
    # her home page says what is due and leads to it
    expect(nurse.get_by_test_id("mine-reports-left")).to_contain_text("自機関の未提出：2件（全2件）")
    nurse.get_by_test_id("report-round").get_by_role("link", name="自機関の進捗報告").click()
    reports = nurse.get_by_test_id("my-reports")
    reports.get_by_role("row", name="小児訪問看護受け入れステーション増にむけた勉強会").filter(
        has_text="平成30年度"
    ).get_by_role("link", name="書く").click()
    nurse.get_by_label("（２）今年度の進捗状況について、実績や検討している内容").fill(
        "小児訪問看護の勉強会を3回開催し、延べ42名が参加した。"
    )
    nurse.get_by_label("（３）取組みを進める中で見えてきた課題").fill("参加ステーションが固定している。")
    nurse.get_by_role("button", name="提出する（確認へ）").click()
    expect(nurse.get_by_test_id("submit-lock")).to_contain_text("変更できなくなります")
    expect(nurse.get_by_test_id("submit-blank")).to_contain_text("（４）、（５）")
    nurse.get_by_role("button", name="この内容で提出する").click()
    expect(nurse.get_by_test_id("report-status")).to_have_text("提出済み")

    secretariat.reload()
    row = secretariat.get_by_test_id("round-reports").get_by_role(
        "row", name="小児訪問看護受け入れステーション増にむけた勉強会"
    )
    expect(row).to_contain_text("提出済み")
    secretariat.get_by_role("link", name="進捗状況一覧を見る").click()
    with secretariat.expect_download() as download_info:
        secretariat.get_by_role("link", name="Excelでダウンロード").click()
    path = tmp_path / "list.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path)["進捗状況一覧"]
    assert sheet["A1"].value == "平成30年度取組み進捗状況一覧"
    progress_row = [cell.value for cell in sheet[5]]
    assert "小児訪問看護の勉強会を3回開催し、延べ42名が参加した。" in progress_row
