"""A discharge, start to finish: the hospital's MSW opens a case, records the consent, brings the
visiting nurse onto the care team, schedules the discharge conference and records three of its
outcomes as follow-ups; the nurse marks hers done; the secretariat meets the case in the next
meeting's review only by its code."""

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect

from kosodate.core.time import today_tokyo

from ..factories import make_next_liaison_meeting
from .test_followup_journeys import logged_in_page

CHILD, KANA = "架空 ゆめ", "かくう ゆめ"
OUTCOMES = (
    ("在宅用人工呼吸器の設置日を業者と決める", "厚木市立病院", "市立病院 MSW"),
    (
        "退院後の初回訪問の日程を決める",
        "訪問看護ステーションもみじ",
        "もみじ 訪問看護師",
    ),
    ("停電時の外部バッテリーの使い方を確認する", "訪問看護ステーションもみじ", None),
)


def test_a_discharge_from_case_to_the_next_review(browser: Browser, live_server, demo, tmp_path):
    next_meeting = make_next_liaison_meeting()
    soon = (today_tokyo() + timedelta(days=10)).isoformat()

    # 1. the MSW of 厚木市立病院 opens the case
    msw = logged_in_page(browser, live_server, "msw@example.org")
    msw.get_by_role("link", name="ケース", exact=True).click()
    msw.get_by_role("link", name="新しいケース").click()
    msw.get_by_label("お子さんの氏名").fill(CHILD)
    msw.get_by_label("ふりがな").fill(KANA)
    msw.get_by_label("生年月日").fill("2025-06-01")
    msw.get_by_label("お住まいの市町村").fill("厚木市")
    for need in ("人工呼吸器", "気管切開", "吸引", "要電源"):
        msw.get_by_label(need, exact=True).check()
    msw.get_by_label("退院予定日").fill(soon)
    msw.get_by_label("自機関の担当者（氏名・連絡先）").fill("MSW 内線2105")
    msw.get_by_role("button", name="保存する").click()
    expect(msw.get_by_text(re.compile(r"ケース ATG-\d{4}-\d{4} を登録しました。"))).to_be_visible()
    code = msw.get_by_test_id("case-code").inner_text()

    # 2. the guardian's consent covers the visiting nurse, who joins the care team
    msw.get_by_text("同意を記録する", exact=True).first.click()
    msw.get_by_label("同意した方（保護者）の氏名").fill("架空 あかり")
    msw.get_by_label("続柄").fill("母")
    msw.get_by_label("同意日").fill(today_tokyo().isoformat())
    msw.get_by_label("情報を共有してよい機関（複数選択可）").select_option(
        label=["厚木市立病院", "訪問看護ステーションもみじ"]
    )
    msw.get_by_role("button", name="同意を記録する").click()
    expect(msw.get_by_text("同意を記録しました。")).to_be_visible()
    team = msw.get_by_role("form", name="支援チームに機関を加える")
    team.get_by_label("機関", exact=True).select_option(label="訪問看護ステーションもみじ")
    team.get_by_label("役割").select_option(label="訪問看護")
    team.get_by_label("担当者（氏名・連絡先）").fill("もみじ 訪問看護師")
    team.get_by_role("button", name="支援チームに加える").click()
    expect(msw.get_by_test_id("team")).to_contain_text("訪問看護ステーションもみじ")

    # 3. the discharge conference, opening with the council's agenda, and three outcomes
    msw.get_by_role("link", name="退院前カンファレンスを予定する").click()
    expect(msw.get_by_label("会議名")).to_have_value("退院前カンファレンス")
    expect(msw.get_by_label("議題 1", exact=True)).to_have_value("医療的ケアの内容と手技")
    msw.get_by_label("日付").fill(today_tokyo().isoformat())
    msw.get_by_label("場所").fill("厚木市立病院 3階")
    msw.get_by_role("button", name="保存する").click()
    expect(msw.get_by_text("会議を登録しました。")).to_be_visible()
    expect(msw.get_by_test_id("case-meeting")).to_contain_text(code)
    conference = msw.url
    for title, agency, owner in OUTCOMES:
        msw.goto(conference)
        msw.get_by_role("link", name="対応事項を登録").click()
        expect(msw.get_by_test_id("case-notice")).to_contain_text(code)
        msw.get_by_label("件名").fill(title)
        msw.get_by_label("担当機関").select_option(label=agency)
        if owner:
            msw.get_by_label("担当者").select_option(label=owner)
        msw.get_by_label("期限").fill(soon)
        msw.get_by_role("button", name="保存する").click()
        expect(msw.get_by_text("対応事項を登録しました。")).to_be_visible()
    msw.goto(conference)
    expect(msw.get_by_test_id("outcomes").locator("tbody tr")).to_have_count(3)

    # 4. the visiting nurse finds hers, by the case's code, and marks it done
    nurse = logged_in_page(browser, live_server, "momiji@example.org")
    nurse.get_by_role("link", name="対応事項", exact=True).click()
    row = nurse.get_by_test_id("followups").locator("tr", has_text=OUTCOMES[1][0])
    expect(row.get_by_test_id("case-code")).to_have_text(code)
    row.get_by_role("link", name=OUTCOMES[1][0]).click()
    nurse.get_by_label("完了メモ（任意）").fill("初回訪問を退院翌日に決めました。")
    nurse.get_by_role("button", name="完了にする").click()
    expect(nurse.get_by_test_id("status")).to_have_text("完了")

    # 5. the secretariat's next review: the case is its code, the child is nowhere
    secretariat = logged_in_page(browser, live_server, "jimukyoku@example.org")
    secretariat.goto(f"{live_server}/meetings/{next_meeting.id}")
    secretariat.get_by_role("link", name="会議前の確認（資料）").click()
    done = secretariat.get_by_test_id("review-done")
    expect(done).to_contain_text(OUTCOMES[1][0])
    expect(done.locator("tr", has_text=OUTCOMES[1][0])).to_contain_text(code)
    expect(secretariat.get_by_test_id("review-open")).to_contain_text(code)
    content = secretariat.content()
    assert CHILD not in content and KANA not in content
    secretariat.screenshot(path=str(tmp_path / "review-with-case.png"), full_page=True)
    secretariat.get_by_role("link", name="ケース", exact=True).click()
    expect(secretariat.get_by_test_id("case-summaries")).to_contain_text(code)
    assert CHILD not in secretariat.content()
