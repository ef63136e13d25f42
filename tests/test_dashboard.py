"""The home page is each user's to-do list: own overdue and due-soon follow-ups, the report asked
for, the next meeting and (for the secretariat) its preparation; every number links to the list it
counts, and counts only what the user may open."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.core.time import today_tokyo
from kosodate.extensions import db
from kosodate.followups.access import mine_clause
from kosodate.followups.models import OPEN_STATUSES, FollowUp
from kosodate.meetings.services import next_meeting
from kosodate.reminders.models import OutboxMessage, OutboxStatus, ReminderKind
from kosodate.reports.rounds_models import ReportRound
from tests.factories import make_next_liaison_meeting
from tests.test_followups import agency
from tests.test_report_rounds import open_2018


@pytest.fixture
def busy_council(login_as):
    """The demo a week before the next liaison meeting, the FY2018 round open, one follow-up of
    もみじ due in three days."""
    open_2018(login_as("jimukyoku@example.org"))
    meeting = make_next_liaison_meeting()
    db.session.add(
        FollowUp(
            council_id=meeting.council_id,
            title="吸引器の貸出先を探す",
            responsible_agency=agency("訪問看護ステーションもみじ"),
            due_date=today_tokyo() + timedelta(days=3),
        )
    )
    db.session.commit()
    return meeting


def tile(page: str, testid: str) -> tuple[int, str]:
    """A count on the page and the address it links to."""
    match = re.search(
        rf'<a class="count-tile[^"]*" href="([^"]+)">\s*<span class="count" data-testid="{testid}">(\d+)<',
        page,
    )
    assert match, testid
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def listed_total(client, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    return int(re.search(r'data-testid="followup-total">(\d+)件', page).group(1))


def test_an_agency_member_sees_her_follow_ups_and_her_agencys_report(login_as, busy_council):
    nurse = login_as("momiji@example.org")
    page = nurse.get("/").get_data(as_text=True)
    overdue = page.split('data-testid="mine-overdue-list"')[1].split("</ul>")[0]
    assert "平成30年度の小児訪問看護の勉強会の日程を決めて案内する" in overdue
    soon = page.split('data-testid="mine-due-soon-list"')[1].split("</ul>")[0]
    assert "吸引器の貸出先を探す" in soon
    left = r'data-testid="mine-reports-left">自機関の未提出：<a [^>]*href="/reports/mine">2件</a>（全2件）'
    assert re.search(left, page)
    assert 'href="/reports/mine">自機関の進捗報告</a>' in page
    assert "2019年1月31日(木)" in page  # the deadline
    # her next meeting: 架空 はなこ's second discharge conference comes before the liaison meeting
    upcoming = next_meeting(db.session.scalar(sa.select(User).where(User.email == "momiji@example.org")))
    assert upcoming.case_id is not None and upcoming.public_title in page
    assert "会議前の確認" not in page  # the secretariat prepares it
    assert 'data-testid="overdue-by-agency"' not in page and 'data-testid="all-open"' not in page


def test_the_secretariat_is_led_to_the_next_meetings_review(login_as, busy_council):
    page = login_as("jimukyoku@example.org").get("/").get_data(as_text=True)
    assert f'href="/meetings/{busy_council.id}/review">会議前の確認</a>' in page
    assert re.search(
        r'data-testid="meeting-round">平成30年度 \(2018年度\)の進捗報告の提出：\s*<a [^>]*>0 / 20件', page
    )
    chart = page.split('data-testid="overdue-by-agency"')[1].split("</table>")[0]
    doctors = agency("神奈川県立座間養護学校")
    assert re.search(
        rf'agency={doctors.id}[^"]*">神奈川県立座間養護学校</a></th>\s*<td class="bar-count">2件', chart
    )
    round_chart = page.split('data-testid="round-chart"')[1].split("</figure>")[0]
    assert "提出済み 0件" in round_chart and "未着手 20件" in round_chart

    coordinator = login_as("coordinator@example.org").get("/").get_data(as_text=True)
    assert "会議前の確認" not in coordinator and 'data-testid="all-open"' in coordinator


@pytest.mark.parametrize("email", ["momiji@example.org", "jimukyoku@example.org"])
def test_every_count_links_to_the_list_it_counts(login_as, busy_council, email):
    client = login_as(email)
    page = client.get("/").get_data(as_text=True)
    testids = ["mine-open", "mine-overdue", "mine-due-soon"]
    if email.startswith("jimukyoku"):
        testids += ["all-open", "all-overdue"]
    for testid in testids:
        count, url = tile(page, testid)
        assert listed_total(client, url) == count, (testid, url)
    assert tile(page, "mine-due-soon")[0] == (1 if email.startswith("momiji") else 0)


def test_an_admin_is_warned_of_mail_that_could_not_be_sent(login_as):
    db.session.add(
        OutboxMessage(
            dedupe_key="failed:1",
            kind=ReminderKind.ASSIGNED,
            recipient_email="nobody@example.org",
            subject="テスト",
            body_text="テスト",
            message_id="<failed@kosodate>",
            status=OutboxStatus.FAILED,
        )
    )
    db.session.commit()
    warnings = (
        login_as("admin@example.org").get("/").get_data(as_text=True).split('data-testid="warnings"')[1]
    )
    assert "送信できなかったメールが1件あります。" in warnings.split("</div>\n\n")[0]
    assert 'href="/admin/outbox"' in warnings
    secretariat = login_as("jimukyoku@example.org").get("/").get_data(as_text=True)
    assert "送信できなかったメール" not in secretariat


def test_a_council_whose_reports_are_all_in_has_no_report_to_chase(login_as):
    page = login_as("momiji@example.org").get("/").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert "提出を待っている進捗報告の依頼はありません。" in page  # FY2017's are all submitted


def test_the_round_reported_at_the_next_meeting_comes_first(login_as, busy_council):
    fy2017 = db.session.scalar(sa.select(ReportRound).where(ReportRound.fiscal_year == 2017))
    fy2017.meeting_id = busy_council.id
    db.session.commit()
    page = login_as("jimukyoku@example.org").get("/").get_data(as_text=True)
    assert re.search(
        r'data-testid="meeting-round">平成29年度 \(2017年度\)の進捗報告の提出：\s*<a [^>]*>20 / 20件', page
    )
    assert re.search(r'data-testid="round-submitted">0 / 20件', page)  # FY2018's still waits


def test_many_overdue_follow_ups_do_not_hide_the_ones_due_soon(login_as, busy_council):
    momiji = agency("訪問看護ステーションもみじ")
    for days in range(1, 7):
        db.session.add(
            FollowUp(
                council_id=busy_council.council_id,
                title=f"遅れている連絡{days}",
                responsible_agency=momiji,
                # long overdue: before the demo cases' follow-ups, after the FY2017 one
                due_date=today_tokyo() - timedelta(days=100 + days),
            )
        )
    db.session.commit()
    page = login_as("momiji@example.org").get("/").get_data(as_text=True)
    overdue = page.split('data-testid="mine-overdue-list"')[1].split("</ul>")[0]
    assert overdue.count("<li>") == 5
    titles = re.findall(r">([^<]+)</a>", overdue)  # the earliest due first
    assert titles == ["平成30年度の小児訪問看護の勉強会の日程を決めて案内する"] + [
        f"遅れている連絡{n}" for n in (6, 5, 4, 3)
    ]
    soon = page.split('data-testid="mine-due-soon-list"')[1].split("</ul>")[0]
    assert "吸引器の貸出先を探す" in soon
    nurse = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    overdue_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FollowUp)
        .where(mine_clause(nurse), FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_date < today_tokyo())
    )
    assert overdue_count > 7  # and the demo cases' overdue ones
    assert f"期限超過のすべて（{overdue_count}件）を見る" in page
