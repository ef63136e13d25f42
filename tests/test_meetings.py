"""Meetings: create and edit by role, agenda, attachments checked by content, the pre-meeting review."""

from datetime import datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kosodate.agencies.models import Agency
from kosodate.auth.models import User
from kosodate.core.time import TOKYO, fiscal_year_of, to_tokyo, today_tokyo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import PlanItem
from kosodate.meetings.models import Attachment, Meeting, MeetingKind
from kosodate.reports.rounds import open_round
from tests.conftest import csrf_token_from
from tests.factories import make_agency, make_council, make_next_liaison_meeting

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def meeting_on(day: str) -> Meeting:
    return next(
        m for m in db.session.scalars(sa.select(Meeting)) if to_tokyo(m.starts_at).date().isoformat() == day
    )


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def meeting_form(**overrides) -> dict:
    item_17 = db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 17))
    data = {
        "kind": "liaison",
        "title": "第３回厚木地域小児等在宅医療連絡会議",
        "day": (today_tokyo() + timedelta(days=7)).isoformat(),
        "start_time": "14:00",
        "place": "厚木保健福祉事務所 会議室",
        "host_agency": agency("厚木保健福祉事務所").id,
        "secretariat_agency": agency("厚木保健福祉事務所").id,
        "attendee_agencies": [agency("訪問看護ステーションもみじ").id, agency("厚木市立病院").id],
        "agenda-0-title": "マイサポートブックの様式案について",
        "agenda-0-plan_item": item_17.id,
        "agenda-1-title": "30年度の事務局体制",
        "agenda-2-title": "",
        "notes": "",
        "minutes": "",
    }
    return {**data, **overrides}


def post(client, path, data, page=None, **kwargs):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def test_secretariat_creates_a_meeting_with_its_agenda(login_as):
    client = login_as("jimukyoku@example.org")
    response = post(client, "/meetings/new", meeting_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title.startswith("第３回")))
    assert to_tokyo(meeting.starts_at).time() == time(14, 0)
    assert [item.title for item in meeting.agenda_items] == [
        "マイサポートブックの様式案について",
        "30年度の事務局体制",
    ]
    assert meeting.agenda_items[0].plan_item.number == 17
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "項目17" in page
    listed = client.get("/meetings?when=upcoming").get_data(as_text=True)
    assert "第３回厚木地域小児等在宅医療連絡会議" in listed
    assert "第２回厚木地域小児等在宅医療連絡会議" not in listed


def test_agency_members_view_meetings_and_edit_only_those_they_host(login_as):
    client = login_as("momiji@example.org")
    assert client.get("/meetings/new").status_code == 403
    meeting = meeting_on("2018-02-28")
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    meeting.host_agency = agency("訪問看護ステーションもみじ")
    db.session.commit()
    response = post(client, f"/meetings/{meeting.id}/edit", meeting_form(title="もみじ主催の勉強会"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "会議名を入力してください。"),
        ({"day": "2018-02-30"}, "日付の形式が正しくありません"),
        ({"start_time": "25:99"}, "開始時刻は 14:00 のように入力してください。"),
        ({"kind": "party"}, "種別を一覧から選んでください。"),
        ({"host_agency": "777777"}, "選択肢にない値です。"),
    ],
)
def test_bad_meeting_input_is_refused_with_a_message(login_as, overrides, message):
    client = login_as("jimukyoku@example.org")
    response = post(client, "/meetings/new", meeting_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(Meeting.case_id.is_(None))) == 2


def upload(client, meeting, name, content):
    return post(
        client,
        f"/meetings/{meeting.id}/attachments",
        {"file": (BytesIO(content), name)},
        page=f"/meetings/{meeting.id}",
        content_type="multipart/form-data",
    )


def test_attachments_are_checked_by_content_and_served_to_the_council_only(app, login_as):
    client = login_as("jimukyoku@example.org")
    meeting = meeting_on("2018-02-28")
    assert upload(client, meeting, "別紙1.pdf", PDF).status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.content_type == "application/pdf"
    download = client.get(f"/meetings/{meeting.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF

    response = upload(client, meeting, "setup.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert "の形式ではありません" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert upload(client, meeting, "virus.exe", b"MZ\x90\x00").status_code == 302
    docx = BytesIO()
    with ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert upload(client, meeting, "議事メモ.docx", docx.getvalue()).status_code == 302
    assert upload(client, meeting, "fake.xlsx", docx.getvalue()).status_code == 302  # a Word file named .xlsx
    big = upload(client, meeting, "big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    assert "20MBまで" in client.get(big.headers["Location"]).get_data(as_text=True)
    assert [a.filename for a in db.session.scalars(sa.select(Attachment))] == ["別紙1.pdf", "議事メモ.docx"]
    stored = list((Path(app.instance_path) / "attachments").iterdir())
    assert len(stored) == 2  # nothing refused was kept

    other = make_council("相模原地域連絡会議")
    db.session.commit()
    assert other.id != meeting.council_id
    member = login_as("momiji@example.org")
    assert member.get(f"/meetings/{meeting.id}/attachments/{attachment.id}").status_code == 200
    assert upload(member, meeting, "別紙2.pdf", PDF).status_code == 403


def test_an_upload_over_the_request_limit_gets_a_clear_page(login_as):
    client = login_as("jimukyoku@example.org")
    meeting = meeting_on("2018-02-28")
    response = upload(client, meeting, "huge.pdf", b"%PDF-" + b"0" * (26 * 1024 * 1024))
    assert response.status_code == 413
    assert "20MBまで" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_another_councils_meeting_is_not_found(login_as, demo):
    council = make_council("相模原地域連絡会議")
    host = make_agency(council, "相模原の病院")
    other = Meeting(
        council=council,
        kind=MeetingKind.LIAISON,
        title="よその会議",
        starts_at=datetime.now(TOKYO),
        host_agency=host,
    )
    db.session.add(other)
    db.session.commit()
    client = login_as("jimukyoku@example.org")
    for path in ("", "/edit", "/review", "/review/print", "/review.xlsx"):
        assert client.get(f"/meetings/{other.id}{path}").status_code == 404, path


# --- the review ------------------------------------------------------------------------------------


@pytest.fixture
def next_meeting(demo):
    return make_next_liaison_meeting()


def test_review_of_the_second_meeting_against_the_first(login_as):
    client = login_as("jimukyoku@example.org")
    second = meeting_on("2018-02-28")
    html = client.get(f"/meetings/{second.id}/review").get_data(as_text=True)
    done = html.split('data-testid="review-done"')[1].split("</table>")[0]
    assert "保健・福祉ガイドブックの掲載内容について各相談機関と打ち合わせる" in done  # done 2018-01-26
    carried = html.split('data-testid="review-carried"')[1].split("</table>")[0]
    assert "30年度以降の連絡会議の事務局運営体制を決める" in carried
    assert "1回" in carried
    assert "平成30年度の小児訪問看護の勉強会" not in carried  # it came from this very meeting
    proposals = html.split('data-testid="review-proposals"')[1].split("</table>")[0]
    assert "教育委員会" in proposals and "自立支援協議会" in proposals
    missing = html.split('data-testid="review-missing"')[1].split("</table>")[0]
    assert "すべて提出済みです。" in missing


def test_review_carries_over_and_counts_meetings(login_as, next_meeting):
    client = login_as("jimukyoku@example.org")
    html = client.get(f"/meetings/{next_meeting.id}/review").get_data(as_text=True)
    carried = html.split('data-testid="review-carried"')[1].split("</table>")[0]
    row = next(r for r in carried.split("<tr>") if "事務局運営体制" in r)
    assert "2回" in row  # from 11/28, carried to 2/28 and to this one


def test_review_lists_missing_reports_only_once_a_round_asked_for_them(login_as, next_meeting):
    client = login_as("jimukyoku@example.org")
    html = client.get(f"/meetings/{next_meeting.id}/review").get_data(as_text=True)
    missing = html.split('data-testid="review-missing"')[1].split("</table>")[0]
    assert "未提出" not in missing and "依頼はまだ始まっていません" in missing

    fiscal_year = fiscal_year_of(to_tokyo(next_meeting.starts_at).date())
    open_round(
        db.session.scalar(sa.select(User).where(User.email == "jimukyoku@example.org")),
        next_meeting.council,
        fiscal_year,
        today_tokyo() + timedelta(days=20),
    )
    db.session.commit()
    html = client.get(f"/meetings/{next_meeting.id}/review").get_data(as_text=True)
    missing = html.split('data-testid="review-missing"')[1].split("</table>")[0]
    assert missing.count("下書き") == 20  # the round made a draft for each initiative


def test_a_followup_done_now_is_in_the_next_meetings_review_and_its_excel(login_as, next_meeting):
    target = db.session.scalar(sa.select(FollowUp).where(FollowUp.title.contains("勉強会の日程")))
    client = login_as("momiji@example.org")
    page = client.get(f"/followups/{target.id}").get_data(as_text=True)
    data = {
        "action": "done",
        "note": "案内済み",
        "version": target.version,
        "csrf_token": csrf_token_from(page),
    }
    client.post(f"/followups/{target.id}/status", data=data)
    secretariat = login_as("jimukyoku@example.org")
    html = secretariat.get(f"/meetings/{next_meeting.id}/review").get_data(as_text=True)
    done = html.split('data-testid="review-done"')[1].split("</table>")[0]
    assert "平成30年度の小児訪問看護の勉強会の日程を決めて案内する" in done
    assert "もみじ 訪問看護師" in done

    response = secretariat.get(f"/meetings/{next_meeting.id}/review.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.data))
    assert workbook.sheetnames == [
        "機関別件数", "前回以降の完了", "期限超過", "期限内の未完了", "持ち越し", "会議で協議したい",
        "関係機関と話し合いたいこと", "進捗報告の未提出",
    ]  # fmt: skip
    sheet = workbook["前回以降の完了"]
    assert [cell.value for cell in sheet[2]][:3] == ["担当機関", "課題区分／項目", "件名"]
    titles = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "平成30年度の小児訪問看護の勉強会の日程を決めて案内する" in titles
    assert sheet["C3"].alignment.wrap_text
    assert sheet.column_dimensions["C"].width == 40
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9: A4
    assert sheet.print_title_rows == "$1:$2"

    printed = secretariat.get(f"/meetings/{next_meeting.id}/review/print").get_data(as_text=True)
    assert "平成30年度の小児訪問看護の勉強会の日程を決めて案内する" in printed
    assert "navbar" not in printed and "print.css" in printed


def test_review_counts_per_agency(login_as):
    client = login_as("coordinator@example.org")
    html = client.get(f"/meetings/{meeting_on('2018-02-28').id}/review").get_data(as_text=True)
    counts = html.split('data-testid="review-counts"')[1].split("</table>")[0]
    row = next(r for r in counts.split("<tr>") if "神奈川県立座間養護学校" in r)
    # done since 11/28: none; unfinished: the survey (due 2018-01-31, overdue) and the draft (2018-09-28)
    assert [cell.split("<")[0] for cell in row.split('class="text-end">')[1:]] == ["0", "2", "1"]
    totals = html.split('data-testid="review-totals"')[1].split("</tr>")[0]
    cells = [int(cell.split("<")[0]) for cell in totals.split('class="text-end">')[1:]]
    rows = [r for r in counts.split("<tbody>")[1].split("</tbody>")[0].split("<tr>") if "text-end" in r]
    assert cells == [sum(int(r.split('class="text-end">')[i].split("<")[0]) for r in rows) for i in (1, 2, 3)]
