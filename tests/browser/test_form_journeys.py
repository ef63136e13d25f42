"""The forms in a real browser: the bulk panel above the list selects the whole page and shows only
the chosen action's fields; owner pickers follow the chosen agency; the filters fold away on a phone;
a report is submitted after a confirmation, and returned with a reason."""

from datetime import timedelta

from playwright.sync_api import Browser, expect

from kosodate.core.time import today_tokyo

from .test_followup_journeys import logged_in_page


def test_the_coordinator_moves_a_whole_page_of_due_dates_at_once(browser: Browser, live_server, demo):
    page = logged_in_page(browser, live_server, "coordinator@example.org")
    page.goto(f"{live_server}/followups?view=all")
    panel = page.locator("[data-bulk-panel]")
    rows = page.get_by_test_id("followups").locator("tbody tr")
    count = rows.count()
    # the panel is above the list
    assert panel.bounding_box()["y"] < page.get_by_test_id("followups").bounding_box()["y"]

    # only the chosen action's fields are shown
    expect(panel.get_by_label("担当機関")).to_be_visible()
    expect(panel.get_by_label("期限")).to_be_hidden()
    panel.get_by_label("一括操作").select_option(label="期限を変更")
    expect(panel.get_by_label("担当機関")).to_be_hidden()
    expect(panel.get_by_label("完了メモ")).to_be_hidden()
    expect(panel.get_by_label("期限")).to_be_visible()

    panel.get_by_label(f"このページの{count}件をすべて選ぶ").check()
    expect(panel.get_by_text(f"{count}件を選択中")).to_be_visible()
    rows.first.get_by_role("checkbox").uncheck()
    expect(panel.get_by_text(f"{count - 1}件を選択中")).to_be_visible()
    rows.first.get_by_role("checkbox").check()

    new_due = today_tokyo() + timedelta(days=45)
    panel.get_by_label("期限").fill(new_due.isoformat())
    panel.get_by_role("button", name="まとめて変更").click()
    expect(page.get_by_text(f"{count}件の期限を変更しました。")).to_be_visible()


def test_owner_pickers_follow_the_chosen_agency(browser: Browser, live_server, demo):
    page = logged_in_page(browser, live_server, "jimukyoku@example.org")
    page.goto(f"{live_server}/followups?view=all")
    filters = page.get_by_role("form", name="絞り込み")
    filters.get_by_label("機関", exact=True).select_option(label="訪問看護ステーションもみじ")
    filters.get_by_label("担当者").select_option(label="もみじ 訪問看護師")
    filters.get_by_role("button", name="絞り込む").click()
    expect(page.get_by_test_id("followup-total")).to_have_text(
        "2件"
    )  # hers from FY2017 and one of 架空 はなこ's case

    # the bulk panel's owner list is filled when its agency is chosen
    panel = page.locator("[data-bulk-panel]")
    panel.get_by_label("担当機関").select_option(label="神奈川県立座間養護学校")
    expect(panel.get_by_label("担当者").locator("option")).to_have_text(
        ["（担当者なし）", "座間養護学校 担当"]
    )


def test_a_phone_sees_the_list_first_and_opens_the_filters_when_needed(browser: Browser, live_server, demo):
    page = logged_in_page(browser, live_server, "momiji@example.org")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/followups?view=mine")
    expect(page.get_by_label("キーワード")).to_be_hidden()
    expect(page.get_by_test_id("followups").get_by_role("link").first).to_be_in_viewport()
    page.get_by_text("絞り込み", exact=True).click()
    expect(page.get_by_label("キーワード")).to_be_visible()
    # the menu is behind its button
    expect(page.get_by_role("link", name="会議", exact=True)).to_be_hidden()
    page.get_by_role("button", name="メニューを開く").click()
    expect(page.get_by_role("link", name="会議", exact=True)).to_be_visible()
