"""Follow-ups: who sees and changes what, creating from a meeting, done, history, conflicts, bad input."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.core.audit import AuditEvent
from kosodate.core.time import to_tokyo, today_tokyo
from kosodate.extensions import db
from kosodate.followups.events import followup_assigned
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_agency, make_council, make_user


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def followup(title_part: str) -> FollowUp:
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains(title_part)))


def meeting_on(day: str) -> Meeting:
    return next(
        m for m in db.session.scalars(sa.select(Meeting)) if to_tokyo(m.starts_at).date().isoformat() == day
    )


def form_post(client, path: str, data: dict, page: str | None = None):
    page = page or path
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def new_followup_data(**overrides) -> dict:
    momiji = agency("訪問看護ステーションもみじ")
    data = {
        "title": "小児訪問看護の勉強会の会場を確保する",
        "description": "5月の勉強会の会場を探す。",
        "responsible_agency": momiji.id,
        "owner": user("momiji@example.org").id,
        "linked_agencies": [agency("訪問看護ステーション　ふたばらいふ").id],
        "due_date": (today_tokyo() + timedelta(days=30)).isoformat(),
        "priority": "high",
        "discuss_at_next_meeting": "y",
        "source_meeting": meeting_on("2018-02-28").id,
        "source_initiative": "",
    }
    return {**data, **overrides}


@pytest.fixture
def assigned():
    received = []

    def receiver(sender, actor):
        received.append((sender.id, actor.email))

    followup_assigned.connect(receiver)
    yield received
    followup_assigned.disconnect(receiver)


def test_coordinator_creates_a_followup_from_the_meeting(login_as, assigned):
    client = login_as("coordinator@example.org")
    meeting = meeting_on("2018-02-28")
    page = client.get(f"/followups/new?meeting={meeting.id}").get_data(as_text=True)
    assert "第２回厚木地域小児等在宅医療連絡会議" in page
    response = form_post(client, f"/followups/new?meeting={meeting.id}", new_followup_data())
    assert response.status_code == 302, response.get_data(as_text=True)
    created = followup("会場を確保")
    assert created.source_meeting_id == meeting.id
    assert created.owner.email == "momiji@example.org"
    assert [a.name for a in created.linked_agencies] == ["訪問看護ステーション　ふたばらいふ"]
    assert created.created_by.email == "coordinator@example.org"
    assert assigned == [(created.id, "coordinator@example.org")]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == created.id)).all()
    assert [e.action for e in events] == ["followup.create"]
    meeting_page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "小児訪問看護の勉強会の会場を確保する" in meeting_page


def test_agency_member_sees_hers_by_default_and_marks_it_done(login_as):
    client = login_as("momiji@example.org")
    page = client.get("/followups").get_data(as_text=True)
    assert "平成30年度の小児訪問看護の勉強会の日程を決めて案内する" in page
    assert "30年度以降の連絡会議の事務局運営体制" not in page
    target = followup("勉強会の日程")
    response = form_post(
        client,
        f"/followups/{target.id}/status",
        {"action": "done", "note": "5月20日に開催と決め、案内しました。", "version": target.version},
        page=f"/followups/{target.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    target = followup("勉強会の日程")
    assert target.status is FollowUpStatus.DONE
    assert target.done_by.email == "momiji@example.org"
    assert target.completion_note == "5月20日に開催と決め、案内しました。"
    detail = client.get(f"/followups/{target.id}").get_data(as_text=True)
    assert "未着手 → 完了" in detail
    assert "5月20日に開催と決め、案内しました。" in detail


def test_another_agencys_followup_is_not_found_for_an_agency_member(login_as):
    other = followup("事務局運営体制")
    client = login_as("momiji@example.org")
    assert client.get(f"/followups/{other.id}").status_code == 404
    assert client.get(f"/followups/{other.id}/edit").status_code == 404


def test_a_linked_agency_may_see_and_comment_but_not_change(app, login_as, auth):
    target = followup("勉強会の日程")  # responsible もみじ, linked ふたばらいふ
    make_user(agency("訪問看護ステーション　ふたばらいふ"), email="futaba@example.org")
    db.session.commit()
    auth.login("futaba@example.org", PASSWORD)
    client = auth.client
    assert client.get(f"/followups/{target.id}").status_code == 200
    assert client.get(f"/followups/{target.id}/edit").status_code == 403
    page = client.get(f"/followups/{target.id}").get_data(as_text=True)
    response = client.post(
        f"/followups/{target.id}/status",
        data={"action": "done", "version": target.version, "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 403
    response = client.post(
        f"/followups/{target.id}/comments",
        data={"body": "会場の候補を送ります。", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302
    assert "会場の候補を送ります。" in client.get(f"/followups/{target.id}").get_data(as_text=True)


def test_another_councils_followup_is_not_found_for_staff(login_as):
    council = make_council("相模原地域連絡会議")
    elsewhere = make_agency(council, "相模原の訪問看護")
    other = FollowUp(council=council, title="よその対応事項", responsible_agency=elsewhere)
    db.session.add(other)
    db.session.commit()
    client = login_as("jimukyoku@example.org")
    assert client.get(f"/followups/{other.id}").status_code == 404
    assert "よその対応事項" not in client.get("/followups?status=all&view=all").get_data(as_text=True)


def test_the_second_of_two_simultaneous_edits_is_refused_with_the_newer_values(login_as):
    target = followup("勉強会の日程")
    first, second = login_as("momiji@example.org"), login_as("coordinator@example.org")
    path = f"/followups/{target.id}/edit"
    first_page, second_page = first.get(path).get_data(as_text=True), second.get(path).get_data(as_text=True)
    data = new_followup_data(version=target.version, source_meeting=target.source_meeting_id)
    saved = first.post(
        path,
        data={**data, "title": "勉強会の日程を5月20日に決めた", "csrf_token": csrf_token_from(first_page)},
    )
    assert saved.status_code == 302
    refused = second.post(
        path, data={**data, "title": "勉強会の日程を6月に延期", "csrf_token": csrf_token_from(second_page)}
    )
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "他の人が更新しました" in html
    assert "勉強会の日程を5月20日に決めた" in html  # the newer values are shown
    db.session.expire_all()
    assert db.session.get(FollowUp, target.id).title == "勉強会の日程を5月20日に決めた"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"owner": "OWNER_OUTSIDE"}, "担当者は担当機関に所属する利用者から選んでください。"),
        ({"responsible_agency": "999999"}, "選択肢にない値です。"),
        ({"responsible_agency": "abc"}, "選択肢にない値です。"),
        ({"title": "長" * 10_000}, "件名は200文字以内で入力してください。"),
        ({"title": ""}, "件名を入力してください。"),
        ({"due_date": "2018-02-30"}, "日付の形式が正しくありません"),
        ({"linked_agencies": ["1", "424242"]}, "選択肢にない値があります。"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(login_as, overrides, message):
    client = login_as("coordinator@example.org")
    if overrides.get("owner") == "OWNER_OUTSIDE":
        overrides = {"owner": user("zama@example.org").id}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
    response = form_post(client, "/followups/new", new_followup_data(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == before


def test_a_due_date_in_the_past_is_saved_with_a_warning(login_as):
    client = login_as("coordinator@example.org")
    response = form_post(client, "/followups/new", new_followup_data(due_date="2018-01-31"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "今日より前の日付です" in page


def test_agency_member_creates_only_for_her_own_agency(login_as):
    client = login_as("momiji@example.org")
    response = form_post(
        client, "/followups/new", new_followup_data(responsible_agency=agency("厚木市立病院").id, owner="")
    )
    assert response.status_code == 400
    response = form_post(client, "/followups/new", new_followup_data())
    assert response.status_code == 302


def test_filters_live_in_the_url_and_bad_ones_are_ignored(login_as):
    client = login_as("jimukyoku@example.org")
    overdue = client.get("/followups?overdue=1").get_data(as_text=True)
    # the FY2017 data's 8, and the two of the fictional discharge conference
    assert re.search(r'data-testid="followup-total">\s*10件', overdue), overdue[:200]
    done = client.get("/followups?status=done").get_data(as_text=True)
    assert "保健・福祉ガイドブックの掲載内容について各相談機関と打ち合わせる" in done
    discuss = client.get("/followups?discuss=1").get_data(as_text=True)
    assert re.search(r'data-testid="followup-total">\s*4件', discuss)
    meeting = meeting_on("2017-11-28")
    by_meeting = client.get(f"/followups?meeting={meeting.id}&status=all").get_data(as_text=True)
    assert re.search(r'data-testid="followup-total">\s*4件', by_meeting)
    for query in (
        "page=-5",
        "page=abc",
        "due_after=2018-13-01",
        "sort=drop",
        "status=nope",
        "agency=x",
        "q=%25",
    ):
        assert client.get(f"/followups?{query}").status_code == 200, query


def test_bulk_actions_for_staff_only(login_as):
    ids = [followup("勉強会の日程").id, followup("見学会").id]
    staff = login_as("jimukyoku@example.org")
    response = form_post(
        staff, "/followups/bulk", {"action": "close", "ids": ids, "note": "会議で確認"}, page="/followups"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(FollowUp, i).status for i in ids} == {FollowUpStatus.DONE}
    member = login_as("momiji@example.org")
    response = form_post(member, "/followups/bulk", {"action": "close", "ids": ids}, page="/followups")
    assert response.status_code == 403


def test_bulk_due_date_change_is_in_each_history(login_as):
    ids = [followup("勉強会の日程").id, followup("見学会").id]
    staff = login_as("coordinator@example.org")
    new_due = date(2018, 5, 31)
    response = form_post(
        staff,
        "/followups/bulk",
        {"action": "due_date", "ids": ids, "due_date": new_due.isoformat()},
        page="/followups",
    )
    assert response.status_code == 302
    db.session.expire_all()
    for followup_id in ids:
        assert db.session.get(FollowUp, followup_id).due_date == new_due
        assert "2018年5月31日(木)" in staff.get(f"/followups/{followup_id}").get_data(as_text=True)


def test_status_transitions_and_reopen(login_as):
    client = login_as("coordinator@example.org")
    target = followup("見学会")
    for action, expected in (("start", "in_progress"), ("done", "done"), ("reopen", "open")):
        db.session.expire_all()
        target = db.session.get(FollowUp, target.id)
        response = form_post(
            client, f"/followups/{target.id}/status", {"action": action, "version": target.version},
            page=f"/followups/{target.id}",
        )  # fmt: skip
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(FollowUp, target.id).status.value == expected
    db.session.expire_all()
    target = db.session.get(FollowUp, target.id)
    assert target.done_at is None
    response = form_post(
        client, f"/followups/{target.id}/status", {"action": "reopen", "version": target.version},
        page=f"/followups/{target.id}",
    )  # fmt: skip
    assert "その操作はできません" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_followup_created_from_an_initiative_is_filed_under_its_plan_item(login_as):
    initiative = followup("勉強会の日程").source_initiative  # もみじ, plan item 12
    client = login_as("coordinator@example.org")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert f"/followups/new?initiative={initiative.id}" in page
    path = f"/followups/new?initiative={initiative.id}"
    response = form_post(client, path, new_followup_data(source_meeting="", source_initiative=initiative.id))
    assert response.status_code == 302
    listed = client.get(f"/followups?plan_item={initiative.plan_item_id}").get_data(as_text=True)
    assert "小児訪問看護の勉強会の会場を確保する" in listed
