"""Report rounds through each role: open, write, submit, locked, reopen, remind, propose."""

import re
from datetime import date

import sqlalchemy as sa

from kosodate.agencies.models import Agency
from kosodate.auth.models import Role
from kosodate.extensions import db
from kosodate.initiatives.models import Initiative
from kosodate.reports.events import report_reminder_requested, report_round_opened
from kosodate.reports.models import ProgressReport, ReportStatus
from kosodate.reports.rounds_models import ReminderRequest, ReportRound
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD, make_agency, make_council, make_user


def post(client, path, data, page=None):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def open_2018(client):
    response = post(
        client,
        "/reports/rounds",
        {"fiscal_year": 2018, "deadline": "2019-01-31", "document_number": "資料３"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(sa.select(ReportRound).where(ReportRound.fiscal_year == 2018))


def digest_on(client, report: ProgressReport) -> str:
    """The fingerprint the confirmation page gives the report's content."""
    page = client.get(f"/reports/{report.id}/submit").get_data(as_text=True)
    return re.search(r'name="digest"[^>]*value="([0-9a-f]+)"', page).group(1)


def report_of(agency_name: str, fiscal_year: int = 2018) -> ProgressReport:
    query = (
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .join(Initiative.lead_agency)
        .where(Agency.name == agency_name, ProgressReport.fiscal_year == fiscal_year)
        .order_by(Initiative.sort_order, Initiative.id)
    )
    return db.session.scalars(query).first()


def test_opening_a_round_creates_drafts_starting_from_last_years_plan(login_as):
    received = []
    client = login_as("jimukyoku@example.org")
    with report_round_opened.connected_to(lambda sender, actor: received.append(sender.fiscal_year)):
        report_round = open_2018(client)
    assert received == [2018]
    drafts = db.session.scalars(sa.select(ProgressReport).where(ProgressReport.fiscal_year == 2018)).all()
    assert len(drafts) == 20 and {d.status for d in drafts} == {ReportStatus.DRAFT}
    hospital = db.session.scalars(
        sa.select(ProgressReport).join(ProgressReport.initiative)
        .where(ProgressReport.fiscal_year == 2018, Initiative.content.contains("マイサポートブック"),
               Initiative.column_label == "厚木市立病院")
    ).one()  # fmt: skip
    assert hospital.progress.startswith(
        "【前年度の「来年度以降の取組み」より】\n受診や入院時、看護師がマイサポートブックから"
    )
    assert post(client, "/reports/rounds", {"fiscal_year": 2018, "deadline": "2019-01-31"}).status_code == 400
    page = client.get(f"/reports/rounds/{report_round.id}").get_data(as_text=True)
    assert page.count(">未着手</span>") == 20


def test_agency_member_writes_submits_and_is_then_locked_out(login_as):
    open_2018(login_as("jimukyoku@example.org"))
    report = report_of("訪問看護ステーションもみじ")
    nurse = login_as("momiji@example.org")
    mine = nurse.get("/reports/mine").get_data(as_text=True)
    assert "小児訪問看護受け入れステーション増にむけた勉強会" in mine
    welfare = db.session.scalar(sa.select(Agency.id).where(Agency.name == "厚木市障がい福祉課"))
    data = {
        "progress": "勉強会を3回開いた。",
        "challenges": "参加者が固定",
        "proposals": "障がい福祉課と話したい",
        "proposal_agencies": [welfare],
        "next_year_plan": "継続",
        "action": "save",
    }
    path = f"/reports/{report.id}/edit"
    assert post(nurse, path, data).status_code == 302
    db.session.expire_all()
    assert report_of("訪問看護ステーションもみじ").status is ReportStatus.DRAFT
    confirm = post(nurse, path, {**data, "action": "submit"})
    assert confirm.headers["Location"] == f"/reports/{report.id}/submit"
    assert post(nurse, confirm.headers["Location"], {"digest": digest_on(nurse, report)}).status_code == 302
    db.session.expire_all()
    submitted = report_of("訪問看護ステーションもみじ")
    assert submitted.status is ReportStatus.SUBMITTED
    assert [a.name for a in submitted.proposal_agencies] == ["厚木市障がい福祉課"]
    page = nurse.get(path).get_data(as_text=True)
    assert "提出済みの報告は変更できません。" in page
    token = csrf_token_from(page)
    nurse.post(path, data={**data, "progress": "書き換え", "csrf_token": token})
    db.session.expire_all()
    assert report_of("訪問看護ステーションもみじ").progress == "勉強会を3回開いた。"

    secretariat = login_as("jimukyoku@example.org")
    reason = {"reason": "（４）の関係機関を書き添えてください。"}
    assert post(secretariat, f"/reports/{report.id}/reopen", reason, page=path).status_code == 302
    db.session.expire_all()
    assert report_of("訪問看護ステーションもみじ").status is ReportStatus.DRAFT
    history = nurse.get(path).get_data(as_text=True)
    assert "差し戻し" in history and "提出" in history and "下書き保存" in history


def test_who_may_write_which_report(login_as):
    report_round = open_2018(login_as("jimukyoku@example.org"))
    hospital = report_of("厚木市立病院")
    edit = f"/reports/{hospital.id}/edit"
    assert login_as("momiji@example.org").get(edit).status_code == 403
    coordinator = login_as("coordinator@example.org")
    assert coordinator.get(edit).status_code == 403
    assert coordinator.get(f"/reports/rounds/{report_round.id}").status_code == 200  # reads the round
    assert coordinator.post("/reports/rounds", data={}).status_code in (400, 403)
    assert post(coordinator, f"/reports/{hospital.id}/reopen", {}, page="/reports/rounds").status_code == 403
    assert login_as("jimukyoku@example.org").get(edit).status_code == 200
    assert login_as("admin@example.org").get(edit).status_code == 200
    assert login_as("jimukyoku@example.org").get("/reports/987654/edit").status_code == 404


def test_another_councils_round_and_reports_are_not_found(app, login_as):
    report_round = open_2018(login_as("jimukyoku@example.org"))
    hospital = report_of("厚木市立病院")
    other = make_council("相模原地域連絡会議")
    outsider = make_user(make_agency(other), Role.SECRETARIAT)
    db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login(outsider.email, PASSWORD).status_code == 302
    for path in (f"/reports/{hospital.id}/edit", f"/reports/rounds/{report_round.id}"):
        assert client.get(path).status_code == 404
    token = csrf_token_from(client.get("/reports/rounds").get_data(as_text=True))
    assert client.post(f"/reports/{hospital.id}/reopen", data={"csrf_token": token}).status_code == 404
    assert "厚木" not in client.get("/reports/rounds").get_data(as_text=True)


def test_bad_round_input_is_refused_in_japanese_and_nothing_is_stored(login_as):
    client = login_as("jimukyoku@example.org")
    for data, message in (
        ({"fiscal_year": "abc", "deadline": "2019-01-31"}, "年度"),
        ({"fiscal_year": "2018", "deadline": "2019-02-30"}, "提出期限"),
        ({"fiscal_year": "2018", "deadline": ""}, "提出期限を入力してください。"),
        ({"fiscal_year": "2018", "deadline": "2019-01-31", "meeting": "987654"}, "会議"),
    ):
        response = post(client, "/reports/rounds", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(sa.func.count(ReportRound.id)).where(ReportRound.fiscal_year == 2018))
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ProgressReport.id)).where(ProgressReport.fiscal_year == 2018)
        )
        == 0
    )


def test_reminders_are_queued_and_announced(login_as):
    sent = []
    client = login_as("jimukyoku@example.org")
    report_round = open_2018(client)
    momiji = db.session.scalar(sa.select(Agency).where(Agency.name == "訪問看護ステーションもみじ"))
    path = f"/reports/rounds/{report_round.id}"
    with report_reminder_requested.connected_to(lambda sender, agency_ids, actor: sent.append(agency_ids)):
        assert post(client, f"{path}/remind", {"agencies": [momiji.id]}, page=path).status_code == 302
    assert sent == [[momiji.id]]
    assert db.session.scalar(sa.select(ReminderRequest.agency_id)) == momiji.id
    page = client.get(path).get_data(as_text=True)
    assert "訪問看護ステーションもみじ" in page.split('data-testid="reminder-requests"')[1]
    assert (
        post(
            login_as("momiji@example.org"), f"{path}/remind", {"agencies": [momiji.id]}, page="/reports/mine"
        ).status_code
        == 403
    )


def test_an_agency_proposes_and_the_secretariat_accepts(login_as):
    report_round = open_2018(login_as("jimukyoku@example.org"))
    nurse = login_as("momiji@example.org")
    path = f"/reports/rounds/{report_round.id}/proposals/new"
    assert (
        post(
            nurse, path, {"title": "きょうだい児の交流会", "content": "年2回", "category": "awareness"}
        ).status_code
        == 302
    )
    secretariat = login_as("jimukyoku@example.org")
    round_path = f"/reports/rounds/{report_round.id}"
    assert "きょうだい児の交流会" in secretariat.get(round_path).get_data(as_text=True)
    proposal_id = db.session.scalar(sa.text("SELECT id FROM initiative_proposals"))
    response = post(secretariat, f"/reports/proposals/{proposal_id}/accept", {}, page=round_path)
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Initiative).where(Initiative.title == "きょうだい児の交流会"))
    assert created.lead_agency.name == "訪問看護ステーションもみじ"
    assert [r.fiscal_year for r in created.reports] == [2018]
    assert date(2019, 1, 31) == report_round.deadline
