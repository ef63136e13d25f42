"""Cases: who sees a child (the need-to-know matrix), the consent gate, notes, the case's follow-ups
and meetings by code, the case code, and what bad input gets."""

import re
import threading
from datetime import timedelta

import sqlalchemy as sa

from bench.queries import recorded_statements
from kosodate.agencies.models import Agency
from kosodate.auth.models import Role, User
from kosodate.cases import changes
from kosodate.cases.models import CareRole, CareTeamMember, Case, CaseNote, CaseStatus
from kosodate.cases.services import on_a_care_team
from kosodate.core.audit import AuditEvent
from kosodate.core.time import date_ja, today_tokyo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.models import OutboxMessage, ReminderKind
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD, make_agency, make_council, make_user

HANAKO = "架空 はなこ"


def case_of(name: str) -> Case:
    """As stored now (the requests changed it in their own sessions)."""
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.child_name == name))


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def post(client, path: str, data: dict, page: str = "/cases", **kwargs):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def case_form(**overrides) -> dict:
    return {
        "child_name": "架空 そら",
        "child_kana": "かくう そら",
        "birth_date": "2025-04-01",
        "municipality": "厚木市",
        "needs": ["ventilator", "suction"],
        "main_hospital": "",
        "expected_discharge_date": (today_tokyo() + timedelta(days=20)).isoformat(),
        "status": "inpatient",
        "role": "hospital",
        "contact_person": "MSW 内線2105",
        **overrides,
    }


# --- who sees what -------------------------------------------------------------------------------


#: who opens 架空 はなこ's case (one demo load for all: the checks only read)
NEED_TO_KNOW = {
    "msw@example.org": True,  # the lead agency (厚木市立病院)
    "momiji@example.org": True,  # on the care team
    "zama@example.org": False,  # another agency of the council
    "jimukyoku@example.org": False,  # the secretariat
    "coordinator@example.org": False,  # a coordinator
    "admin@example.org": False,
}


def test_only_the_care_team_opens_the_case(login_as):
    case = case_of(HANAKO)
    pages = (f"/cases/{case.id}", f"/cases/{case.id}/notes/{note_of(case).id}", f"/cases/{case.id}/edit")
    for email, sees in NEED_TO_KNOW.items():
        client = login_as(email)
        assert [client.get(path).status_code for path in pages] == [200 if sees else 404] * 3, email
        seen = client.get(pages[0]).get_data(as_text=True) + client.get("/cases").get_data(as_text=True)
        assert (HANAKO in seen) is sees, email
        assert (date_ja(case.birth_date) in seen) is sees, email


def note_of(case: Case) -> CaseNote:
    return db.session.scalar(sa.select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))


def test_staff_see_the_code_status_lead_agency_and_counts_only(login_as):
    case = case_of(HANAKO)
    page = login_as("jimukyoku@example.org").get("/cases").get_data(as_text=True)
    row = re.search(rf"<tr>\s*<td[^>]*>{case.code}</td>(.*?)</tr>", page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # 退院調整中, led by 厚木市立病院, 4 follow-ups open of which 2 are overdue, and the access log
    assert cells == ["退院調整中", "厚木市立病院", "4", "2", "閲覧記録"]
    for secret in (HANAKO, "かくう", "人工呼吸器", "架空の記録", "架空 さくら"):
        assert secret not in page
    coordinator = login_as("coordinator@example.org").get("/cases").get_data(as_text=True)
    assert case.code in coordinator and "/access-log" not in coordinator  # the log is not the coordinator's


def test_another_council_sees_neither_the_case_nor_its_code(app, demo):
    other = make_user(make_agency(make_council("相模原"), "相模原保健福祉事務所"), Role.SECRETARIAT)
    db.session.commit()
    client = app.test_client()
    AuthActions(client).login(other.email, PASSWORD)
    case = case_of(HANAKO)
    assert case.code not in client.get("/cases").get_data(as_text=True)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/access-log").status_code == 404


def test_case_pages_and_files_are_never_cached(login_as):
    client = login_as("msw@example.org")
    case = case_of(HANAKO)
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.case_id == case.id))
    for path in (
        "/cases",
        f"/cases/{case.id}",
        f"/cases/{case.id}/access-log.csv",
        f"/meetings/{meeting.id}",
    ):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get(f"/cases/{case.id + 999}").headers["Cache-Control"] == "no-store"


def test_working_on_a_case_is_one_query_and_asks_for_two_factor_sign_in(demo):
    msw = user("msw@example.org")
    with recorded_statements(db.engine) as statements:
        assert on_a_care_team(msw)
    assert len(statements) == 1
    assert on_a_care_team(user("zama@example.org"))  # 架空 たろう's school
    assert not on_a_care_team(user("coordinator@example.org"))
    assert not on_a_care_team(user("admin@example.org"))
    # a purged case no longer holds anything to protect
    for case in db.session.scalars(sa.select(Case)):
        case.purged_at = case.created_at
    db.session.commit()
    assert not on_a_care_team(user("msw@example.org"))


def test_a_care_team_member_must_enrol_in_two_factor_sign_in(app, demo):
    app.config["KOSODATE_REQUIRE_2FA"] = True
    msw = AuthActions(app.test_client()).login("msw@example.org")
    assert msw.status_code == 302 and msw.headers["Location"].startswith("/account/2fa")
    coordinator = AuthActions(app.test_client()).login("coordinator@example.org")
    assert coordinator.status_code == 302 and coordinator.headers["Location"] == "/"


# --- creating and editing ------------------------------------------------------------------------


def test_a_hospital_msw_opens_a_case_and_leads_it(login_as):
    client = login_as("msw@example.org")
    response = post(client, "/cases/new", case_form(), page="/cases/new")
    assert response.status_code == 302
    case = case_of("架空 そら")
    assert case.code == next_codes(1, before=case)[0]
    assert case.lead_agency.name == "厚木市立病院"
    assert [(m.agency.name, m.role) for m in case.team] == [("厚木市立病院", CareRole.HOSPITAL)]
    assert case.needs == ["ventilator", "suction"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.create"))
    assert "架空" not in str(event.changes) and case.code in str(event.changes)

    edit = post(client, f"/cases/{case.id}/edit", {**case_form(child_name="架空 そらの", status="closed")},
                page=f"/cases/{case.id}/edit")  # fmt: skip
    assert edit.status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.CLOSED and case.closed_on == today_tokyo()
    update = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.update"))
    assert update.changes == {"status": ["入院中", "終了"], "personal_fields": [None, "氏名"]}


def next_codes(count: int, before: Case | None = None) -> list[str]:
    """The codes the next cases of this year get, after the demo's (whose years depend on the day)."""
    year = today_tokyo().year
    taken = db.session.scalar(
        sa.select(sa.func.count()).where(Case.year == year, Case.id != (before.id if before else None))
    )
    return [f"ATG-{year}-{number:04d}" for number in range(taken + 1, taken + 1 + count)]


BAD_CASES = (
    ({"child_name": ""}, "お子さんの氏名を入力してください。"),
    ({"birth_date": "2025-02-30"}, "日付の形式が正しくありません"),
    ({"birth_date": "2099-01-01"}, "生年月日が今日より後の日付です。"),
    ({"needs": ["ventilator", "magic"]}, "選択肢にない値があります。"),
    ({"status": "lost"}, "状態を一覧から選んでください。"),
    ({"role": "boss"}, "自機関の役割を一覧から選んでください。"),
    ({"main_hospital": "99999999999"}, "選択肢にない値です。"),
    ({"child_name": "架" * 101}, "氏名は100文字以内で入力してください。"),
)


def test_bad_case_input_is_refused_in_japanese_and_nothing_is_stored(login_as):
    client = login_as("msw@example.org")
    for overrides, message in BAD_CASES:
        response = post(client, "/cases/new", case_form(**overrides), page="/cases/new")
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), overrides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3


def test_case_codes_count_per_council_and_year_and_never_collide(app, demo):
    """Eight creations at once, each in its own session and connection: eight numbers, none twice."""
    msw_id = user("msw@example.org").id
    expected = next_codes(8)
    data = changes.CaseData("架空 いちご", "", None, "", [], None, None, CaseStatus.INPATIENT)
    errors, codes = [], []

    def create_one():
        with app.app_context():
            try:
                actor = db.session.get(User, msw_id)
                codes.append(changes.create_case(actor, data, CareRole.HOSPITAL, "").code)
                db.session.commit()
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(codes) == expected


# --- the consent gate ----------------------------------------------------------------------------


def add_member(client, case: Case, agency_name: str, reason: str = ""):
    return post(
        client,
        f"/cases/{case.id}/team",
        {
            "agency": agency(agency_name).id,
            "role": "education",
            "contact_person": "",
            "emergency_reason": reason,
        },
        page=f"/cases/{case.id}",
    )


def test_an_agency_the_consent_does_not_cover_cannot_join(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")
    refused = add_member(client, case, "神奈川県立座間養護学校")
    assert refused.status_code == 400
    assert "「神奈川県立座間養護学校」は同意の範囲に含まれていません。" in refused.get_data(as_text=True)
    assert agency("神奈川県立座間養護学校").id not in case_of(HANAKO).team_agency_ids
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0

    # the guardian consents: the school joins like any other
    consent = post(
        client,
        f"/cases/{case.id}/consents",
        {"guardian_name": "架空 さくら", "relationship_to_child": "母", "given_on": today_tokyo().isoformat(),
         "agencies": [agency("神奈川県立座間養護学校").id]},
        page=f"/cases/{case.id}",
    )  # fmt: skip
    assert consent.status_code == 302
    assert add_member(client, case, "神奈川県立座間養護学校").status_code == 302
    assert login_as("zama@example.org").get(f"/cases/{case.id}").status_code == 200


def test_the_lead_agency_adds_one_in_an_emergency_and_the_secretariat_is_told_by_code(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")
    added = add_member(client, case, "厚木児童相談所", reason="夜間に保護が必要になったため（架空）")
    assert added.status_code == 302
    member = db.session.scalar(
        sa.select(CareTeamMember).where(CareTeamMember.agency_id == agency("厚木児童相談所").id)
    )
    assert member.emergency and member.emergency_reason == "夜間に保護が必要になったため（架空）"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.team_add"))
    assert event.changes["emergency"] == [None, "同意の範囲外（緊急）"]
    assert "夜間" not in str(event.changes)  # the reason may be personal: it stays on the case
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.CASE_EMERGENCY)
    ).all()
    assert sorted(m.recipient_email for m in mails) == ["jimukyoku@example.org", "msw@example.org"]
    for mail in mails:
        assert case.code in mail.subject and "厚木児童相談所" in mail.body_text
        assert f"/cases/{case.id}/access-log" in mail.body_text
        for secret in (HANAKO, "かくう", "夜間", "人工呼吸器"):
            assert secret not in mail.subject + mail.body_text + mail.body_html
    # the secretariat reads it in the case's access log, without the child
    log = login_as("jimukyoku@example.org").get(f"/cases/{case.id}/access-log").get_data(as_text=True)
    assert "支援チームに機関を追加" in log and "同意の範囲外（緊急）" in log and HANAKO not in log


def test_only_the_lead_agency_manages_the_team(login_as):
    case = case_of(HANAKO)
    nurse = login_as("momiji@example.org")
    assert add_member(nurse, case, "厚木児童相談所", reason="緊急").status_code == 403
    lead = login_as("msw@example.org")
    city = next(m for m in case.team if m.agency.name == "厚木市障がい福祉課")
    assert (
        post(lead, f"/cases/{case.id}/team/{city.id}/remove", {}, page=f"/cases/{case.id}").status_code == 302
    )
    assert agency("厚木市障がい福祉課").id not in case_of(HANAKO).team_agency_ids
    hospital = next(m for m in case.team if m.agency.name == "厚木市立病院")
    page = post(lead, f"/cases/{case.id}/team/{hospital.id}/remove", {}, page=f"/cases/{case.id}")
    assert "主担当機関は外せません" in lead.get(page.headers["Location"]).get_data(as_text=True)
    nurse_member = next(m for m in case.team if m.agency.name == "訪問看護ステーションもみじ")
    post(lead, f"/cases/{case.id}/team/{nurse_member.id}/lead", {}, page=f"/cases/{case.id}")
    assert case_of(HANAKO).lead_agency.name == "訪問看護ステーションもみじ"
    assert add_member(lead, case, "厚木児童相談所", reason="緊急").status_code == 403  # no longer the lead


# --- notes ---------------------------------------------------------------------------------------


def test_the_author_corrects_a_note_within_24_hours_then_only_by_an_appended_correction(login_as):
    case = case_of(HANAKO)
    nurse = login_as("momiji@example.org")
    path = f"/cases/{case.id}"
    assert post(nurse, f"{path}/notes", {"noted_on": today_tokyo().isoformat(), "body": "初回の訪問。"},
                page=path).status_code == 302  # fmt: skip
    note = db.session.scalar(sa.select(CaseNote).where(CaseNote.body == "初回の訪問。"))
    edit_path = f"{path}/notes/{note.id}/edit"
    fixed = post(nurse, edit_path, {"noted_on": today_tokyo().isoformat(), "body": "初回の訪問（母と）。"},
                 page=edit_path)  # fmt: skip
    assert fixed.status_code == 302
    db.session.refresh(note)
    assert note.body == "初回の訪問（母と）。" and note.version == 2
    assert [v.body for v in note.versions] == ["初回の訪問。", "初回の訪問（母と）。"]
    # the MSW (another agency) may neither edit nor correct it
    msw = login_as("msw@example.org")
    assert msw.get(edit_path).status_code == 403
    assert post(msw, f"{path}/notes/{note.id}/correction", {"body": "x"}, page=path).status_code == 403

    # a day later: the author is sent to append a correction, and the note stays as it was
    note.created_at -= timedelta(hours=25)
    db.session.commit()
    late = nurse.get(edit_path)
    assert late.status_code == 302
    assert "24時間を過ぎたため" in nurse.get(late.headers["Location"]).get_data(as_text=True)
    assert post(nurse, edit_path, {"noted_on": today_tokyo().isoformat(), "body": "書き換え"},
                page=path).status_code == 302  # fmt: skip
    db.session.refresh(note)
    assert note.body == "初回の訪問（母と）。"
    corrected = post(nurse, f"{path}/notes/{note.id}/correction", {"body": "訪問は父とでした。"}, page=path)
    assert corrected.status_code == 302
    page = nurse.get(f"{path}/notes/{note.id}").get_data(as_text=True)
    assert "訪問は父とでした。" in page and "初回の訪問（母と）。" in page
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == case.id, AuditEvent.object_type == "cases")
    ).all()
    assert {"case.note_add", "case.note_edit", "case.note_correct"} <= set(actions)


# --- a case's follow-ups and meetings --------------------------------------------------------------


def followup_form(case: Case, **overrides) -> dict:
    return {
        "title": "退院後の初回訪問",
        "description": "",
        "responsible_agency": agency("訪問看護ステーションもみじ").id,
        "owner": user("momiji@example.org").id,
        "due_date": (today_tokyo() + timedelta(days=3)).isoformat(),
        "priority": "normal",
        **overrides,
    }


def test_a_case_followup_may_not_name_the_child(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")
    path = f"/followups/new?case={case.id}"
    for title in (
        "架空 はなこちゃんの初回訪問",
        "架空はなこ 初回訪問",
        "カクウ ハナコ 初回訪問",
        "かくう　はなこ初回訪問",
    ):
        response = post(client, path, followup_form(case, title=title), page=path)
        assert response.status_code == 400, title
        assert "お子さんの氏名（ふりがな）は書かないでください。" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(FollowUp).where(FollowUp.title == title)) is None


def test_the_care_team_assigns_case_followups_to_its_agencies_only(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")
    path = f"/followups/new?case={case.id}"
    outside = post(client, path, followup_form(case, responsible_agency=agency("神奈川県立座間養護学校").id,
                                               owner=""), page=path)  # fmt: skip
    assert outside.status_code == 400
    assert post(client, path, followup_form(case), page=path).status_code == 302
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.title == "退院後の初回訪問"))
    assert followup.case_id == case.id and followup.responsible_agency.name == "訪問看護ステーションもみじ"
    # the secretariat sees it, by the case's code only; a comment naming the child is refused
    staff = login_as("jimukyoku@example.org")
    page = staff.get(f"/followups/{followup.id}").get_data(as_text=True)
    assert case.code in page and HANAKO not in page and f'href="/cases/{case.id}"' not in page
    listing = staff.get("/followups?view=all").get_data(as_text=True)
    assert case.code in listing
    comment = post(staff, f"/followups/{followup.id}/comments", {"body": "架空はなこさんの件"},
                   page=f"/followups/{followup.id}")  # fmt: skip
    assert comment.status_code == 400 and "お子さんの氏名" in comment.get_data(as_text=True)
    # nobody outside the team starts a follow-up of the case
    assert login_as("zama@example.org").get(path).status_code == 404


def test_a_discharge_conference_opens_with_the_councils_agenda_and_is_the_care_teams(login_as):
    case = case_of(HANAKO)
    secretariat = login_as("jimukyoku@example.org")
    agenda = {"case_prefix": "atg", "agenda": "退院予定日\n緊急時の連絡\n"}
    settings = post(secretariat, "/cases/settings", agenda, page="/cases/settings")
    assert settings.status_code == 302
    msw = login_as("msw@example.org")
    form = msw.get(f"/meetings/new?case={case.id}").get_data(as_text=True)
    assert 'value="退院予定日"' in form and 'value="緊急時の連絡"' in form
    invited = re.search(r'name="attendee_agencies"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert "訪問看護ステーションもみじ" in invited and "selected" in invited
    assert "神奈川県立座間養護学校" not in invited  # only the care team is hosted and invited
    data = {
        "kind": "discharge_conference", "title": "退院前カンファレンス", "day": today_tokyo().isoformat(),
        "start_time": "14:00", "place": "3階", "host_agency": agency("厚木市立病院").id,
        "attendee_agencies": [agency("厚木市立病院").id, agency("訪問看護ステーションもみじ").id],
        "agenda-0-title": "退院予定日", "minutes": "（架空）",
    }  # fmt: skip
    named = post(msw, f"/meetings/new?case={case.id}", {**data, "title": "架空はなこ 退院前"}, page="/cases")
    assert named.status_code == 400 and "会議名にお子さんの氏名" in named.get_data(as_text=True)
    created = post(msw, f"/meetings/new?case={case.id}", data, page="/cases")
    assert created.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.id.desc()))
    assert meeting.case_id == case.id and meeting.kind is MeetingKind.DISCHARGE_CONFERENCE
    assert meeting.public_title == f"退院前カンファレンス（{case.code}）"
    # the secretariat does not find it, nor open it
    assert secretariat.get(f"/meetings/{meeting.id}").status_code == 404
    assert "3階" not in secretariat.get("/meetings").get_data(as_text=True)
    assert login_as("zama@example.org").get(f"/meetings/new?case={case.id}").status_code == 404


def test_meeting_reminders_of_a_case_go_to_its_care_team_only(app, demo):
    from kosodate.reminders.rules import meeting_reminders

    case = case_of(HANAKO)
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.case_id == case.id, Meeting.minutes == ""))
    meeting.attendee_agencies.append(agency("神奈川県立座間養護学校"))  # invited by mistake
    db.session.commit()
    moment = meeting.starts_at - timedelta(days=1, hours=4)
    recipients = {r.email for r in meeting_reminders(moment) if r.object_id == meeting.id}
    assert recipients == {"msw@example.org", "momiji@example.org"}


def test_the_secretariat_edits_the_case_settings_and_others_may_not(login_as):
    assert login_as("coordinator@example.org").get("/cases/settings").status_code == 403
    client = login_as("jimukyoku@example.org")
    bad = post(client, "/cases/settings", {"case_prefix": "厚木", "agenda": "x"}, page="/cases/settings")
    assert bad.status_code == 400 and "英大文字と数字の2〜6文字" in bad.get_data(as_text=True)
    assert post(client, "/cases/settings", {"case_prefix": "KNG1", "agenda": "議題"},
                page="/cases/settings").status_code == 302  # fmt: skip
    msw = login_as("msw@example.org")
    post(msw, "/cases/new", case_form(), page="/cases/new")
    assert case_of("架空 そら").code.startswith("KNG1-")


def test_the_case_page_and_list_run_a_fixed_number_of_queries(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")

    def count(path: str) -> int:
        with recorded_statements(db.engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    before = {path: count(path) for path in ("/cases", f"/cases/{case.id}")}
    msw = user("msw@example.org")
    for n in range(15):
        note = changes.add_note(msw, case, today_tokyo(), f"記録{n}")
        changes.correct_note(msw, note, f"訂正{n}")
        db.session.add(FollowUp(council_id=case.council_id, case=case, title=f"対応{n}",
                                responsible_agency=msw.agency, owner=msw))  # fmt: skip
        changes.create_case(msw, changes.CaseData(f"架空 {n}", "", None, "", [], None, None,
                                                  CaseStatus.HOME), CareRole.HOSPITAL, "")  # fmt: skip
    db.session.commit()
    assert {path: count(path) for path in before} == before


BAD_PAGE_INPUT = (
        ("team", {"agency": "", "role": "education"}, "支援チームに加える機関を選んでください。"),
        ("team", {"agency": "abc", "role": "education"}, "選択肢にない値です。"),
        ("team", {"agency": "ID:厚木児童相談所", "role": "boss"}, "役割を一覧から選んでください。"),
        ("consents", {"guardian_name": "母", "given_on": "2099-01-01", "agencies": "ID:厚木児童相談所"},
         "同意日が今日より後の日付です。"),
        ("consents", {"guardian_name": "母", "given_on": "2026-01-01"},
         "同意の対象となる機関を選んでください。"),
        ("notes", {"noted_on": "2026-02-30", "body": "x"}, "日付の形式が正しくありません"),
        ("notes", {"noted_on": "2026-02-01", "body": " "}, "経過記録を入力してください。"),
)  # fmt: skip


def test_bad_input_on_the_case_page_is_refused_in_japanese_and_stores_nothing(login_as):
    case = case_of(HANAKO)
    client = login_as("msw@example.org")
    audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for path, data, message in BAD_PAGE_INPUT:
        data = {
            key: agency(value[3:]).id if str(value).startswith("ID:") else value
            for key, value in data.items()
        }
        response = post(client, f"/cases/{case.id}/{path}", data, page=f"/cases/{case.id}")
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audited
