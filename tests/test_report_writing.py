"""Writing a progress report without mistakes: an untouched draft cannot be submitted, submitting
shows what will be locked and asks to confirm (plain forms, no JavaScript needed), a return asks for
a reason that reaches the agency by e-mail and stays in the history, and the round tells an
untouched draft from one being written."""

import re

import sqlalchemy as sa

from kosodate.extensions import db
from kosodate.initiatives.models import Initiative
from kosodate.reminders.models import OutboxMessage, ReminderKind
from kosodate.reminders.outbox import send_all
from kosodate.reports.models import ProgressReport, ReportStatus
from kosodate.reports.rounds_models import ReportRound
from kosodate.reports.writing import content_digest
from tests.test_report_rounds import digest_on, open_2018, post, report_of

MOMIJI = "訪問看護ステーションもみじ"


def carried_over():
    """もみじ's FY2018 draft whose (2) the round started from FY2017's (5)."""
    return db.session.scalar(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(Initiative.title == "医療的ケアに対応できる施設の拡大", ProgressReport.fiscal_year == 2018)
    )


def written(report=None, **rows) -> dict:
    report = report or report_of(MOMIJI)
    fields = ("progress", "challenges", "proposals", "next_year_plan")
    return {**{name: getattr(report, name) for name in fields}, **rows}


def round_path() -> str:
    round_id = db.session.scalar(sa.select(ReportRound.id).where(ReportRound.fiscal_year == 2018))
    return f"/reports/rounds/{round_id}"


def test_an_untouched_draft_cannot_be_submitted(login_as):
    open_2018(login_as("jimukyoku@example.org"))
    report = carried_over()
    assert report.progress.startswith("【前年度の「来年度以降の取組み」より】")  # only what the round gave
    nurse = login_as("momiji@example.org")
    edit = f"/reports/{report.id}/edit"

    confirm = post(nurse, edit, {**written(report), "action": "submit"})
    refused = nurse.get(confirm.headers["Location"])
    assert refused.status_code == 302 and refused.headers["Location"] == edit
    assert "（２）〜（５）がすべて空欄のため、提出できません。" in nurse.get(edit).get_data(as_text=True)

    # nor by posting a confirmation of what is stored
    digest = content_digest(carried_over())
    assert post(nurse, f"/reports/{report.id}/submit", {"digest": digest}, page=edit).status_code == 302
    db.session.expire_all()
    assert carried_over().status is ReportStatus.DRAFT


def test_submitting_shows_what_will_be_locked_and_asks_to_confirm(login_as):
    open_2018(login_as("jimukyoku@example.org"))
    report = report_of(MOMIJI)
    nurse = login_as("momiji@example.org")
    edit = f"/reports/{report.id}/edit"
    data = written(progress="勉強会を3回開いた。", challenges="", proposals="", next_year_plan="継続する。")

    confirm = post(nurse, edit, {**data, "action": "submit"})
    assert confirm.headers["Location"] == f"/reports/{report.id}/submit"
    db.session.expire_all()
    assert report_of(MOMIJI).status is ReportStatus.DRAFT  # saved as a draft, not submitted yet
    page = nurse.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "変更できなくなります" in page and "勉強会を3回開いた。" in page
    assert "（３）、（４）に今年度の内容がありません。" in page
    digest = digest_on(nurse, report)

    # the draft changes after the page was shown (another tab): the old confirmation submits nothing
    post(nurse, edit, {**data, "challenges": "会場が遠い。", "action": "save"})
    stale = post(nurse, f"/reports/{report.id}/submit", {"digest": digest})
    assert stale.headers["Location"] == f"/reports/{report.id}/submit"
    db.session.expire_all()
    assert report_of(MOMIJI).status is ReportStatus.DRAFT

    assert (
        post(nurse, f"/reports/{report.id}/submit", {"digest": digest_on(nurse, report)}).status_code == 302
    )
    db.session.expire_all()
    submitted = report_of(MOMIJI)
    assert submitted.status is ReportStatus.SUBMITTED and submitted.challenges == "会場が遠い。"
    assert "提出済みの報告は変更できません。" in nurse.get(edit).get_data(as_text=True)


def test_a_return_asks_for_a_reason_which_reaches_the_agency_and_stays_in_the_history(login_as, smtp):
    open_2018(login_as("jimukyoku@example.org"))
    report = report_of(MOMIJI)
    nurse = login_as("momiji@example.org")
    edit = f"/reports/{report.id}/edit"
    post(nurse, edit, {**written(progress="勉強会を3回開いた。"), "action": "submit"})
    post(nurse, f"/reports/{report.id}/submit", {"digest": digest_on(nurse, report)})
    secretariat = login_as("jimukyoku@example.org")

    no_reason = post(secretariat, f"/reports/{report.id}/reopen", {"reason": "  "}, page=edit)
    assert no_reason.status_code == 400
    assert "差し戻す理由を入力してください。" in no_reason.get_data(as_text=True)
    db.session.expire_all()
    assert report_of(MOMIJI).status is ReportStatus.SUBMITTED

    reason = "（３）の課題を、参加者アンケートの結果から書き足してください。"
    assert post(secretariat, f"/reports/{report.id}/reopen", {"reason": reason}, page=edit).status_code == 302
    db.session.expire_all()
    assert report_of(MOMIJI).status is ReportStatus.DRAFT
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.REPORT_RETURNED)
    )
    assert [row.recipient_email for row in queued] == ["momiji@example.org"]
    send_all()
    message = next(m for m in smtp.messages if "差し戻されました" in m["Subject"])
    assert message["To"] == "momiji@example.org"
    assert "進捗報告が差し戻されました" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert reason in body and f"/reports/{report.id}/edit" in body
    history = nurse.get(edit).get_data(as_text=True).split('data-testid="report-history"')[1]
    assert "差し戻し" in history and reason in history


def test_the_round_tells_an_untouched_draft_from_one_being_written(login_as):
    open_2018(login_as("jimukyoku@example.org"))
    secretariat = login_as("jimukyoku@example.org")

    def state_of(title_part: str) -> str:
        page = secretariat.get(round_path()).get_data(as_text=True)
        row = next(row for row in page.split("<tr") if title_part in row)
        return re.search(r'class="badge state-\w+">([^<]+)<', row).group(1)

    title = "小児訪問看護受け入れステーション増にむけた勉強会"
    assert state_of(title) == "未着手"
    nurse = login_as("momiji@example.org")
    report = report_of(MOMIJI)
    post(nurse, f"/reports/{report.id}/edit", {**written(), "action": "save"})  # saved, unchanged
    assert state_of(title) == "作成中"
    post(nurse, f"/reports/{report.id}/edit", {**written(challenges="参加者が固定"), "action": "submit"})
    post(nurse, f"/reports/{report.id}/submit", {"digest": digest_on(nurse, report)})
    assert state_of(title) == "提出済み"
    counts = secretariat.get(round_path()).get_data(as_text=True)
    assert re.search(r"提出済み 1件", counts) and re.search(r"未着手 1[89]件", counts)
