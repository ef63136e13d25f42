"""The FY2017 Atsugi demo data: what `demo load` puts in the database, and how the command behaves."""

import sqlalchemy as sa

from kosodate.agencies.models import Agency, Council
from kosodate.auth.models import User
from kosodate.auth.passwords import verify_password
from kosodate.core.time import TOKYO
from kosodate.demo.loader import DEMO_USERS, read_data
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.initiatives.models import Category, Initiative, PlanItem
from kosodate.meetings.models import Meeting
from kosodate.reports.models import ProgressReport, ReportStatus
from kosodate.reports.rounds_models import ReportRound
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_council

SEED_COLUMNS = [
    "神奈川県医療課",
    "厚木医師会",
    "厚木市立病院",
    "訪問看護ステーションもみじ",
    "訪問看護ステーション　ふたばらいふ",
    "厚木保健福祉事務所",
    "厚木市健康づくり課①",
    "厚木市障がい者基幹相談支援センター（ゆいはあと）",
    "厚木児童相談所",
    "厚木市療育相談センター「まめの木」（厚木市福祉総務課）",
    "厚木市障がい福祉課①",
    "厚木市障がい福祉課②",
    "神奈川県立座間養護学校①",
    "神奈川県立座間養護学校②",
    "総合療育相談センター",
    "北里大学東病院 小児在宅支援センター",
    "神奈川県リハビリテーション事業団",
    "神奈川県リハビリテーション事業団",
]


def initiative_of(agency_name: str, plan_item: int) -> Initiative:
    return db.session.scalars(
        sa.select(Initiative)
        .join(Initiative.lead_agency)
        .join(Initiative.plan_item)
        .where(Agency.name == agency_name, PlanItem.number == plan_item)
    ).one()


def test_the_council_and_its_columns_in_the_documents_order(demo):
    council = db.session.scalars(sa.select(Council)).one()
    assert council.name == "厚木地域小児等在宅医療連絡会議"
    initiatives = db.session.scalars(sa.select(Initiative).order_by(Initiative.sort_order, Initiative.id))
    columns = {}
    for initiative in initiatives:
        columns.setdefault(initiative.sort_order, initiative.column_label)
    assert list(columns.values()) == SEED_COLUMNS
    assert demo.counts == {
        "councils": 1,
        "agencies": 25,
        "plan_items": 16,
        "initiatives": 20,
        "progress_reports": 20,
        "report_rounds": 1,
        "meetings": 2 + 2,  # and the fictional cases' two discharge conferences
        "followups": 9 + 6,  # and the cases' six
        "cases": 3,
        "users": len(DEMO_USERS),
    }


def test_only_the_plan_item_numbers_the_document_names(demo):
    numbers = db.session.scalars(sa.select(PlanItem.number).order_by(PlanItem.number)).all()
    assert numbers == [1, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22]
    item_8 = db.session.scalars(sa.select(PlanItem).where(PlanItem.number == 8)).one()
    assert item_8.title == "退院前のケースカンファレンス、情報交換"
    assert item_8.category is Category.SYSTEM_BUILDING


def test_the_city_hospitals_column_is_two_initiatives_with_their_own_reports(demo):
    conference = initiative_of("厚木市立病院", 8)
    support_book = initiative_of("厚木市立病院", 17)
    assert conference.sort_order == support_book.sort_order
    assert support_book.category is Category.INFORMATION
    report = support_book.reports[0]
    assert report.fiscal_year == 2017
    assert report.status is ReportStatus.SUBMITTED
    assert report.progress == (
        "外来や病棟で活用できるようブックの周知、内容について意見を確認し、"
        "看護師としては活用できるという意見であった。"
    )
    assert report.next_year_plan == (
        "受診や入院時、看護師がマイサポートブックから情報収集ができるように活用できるよう働きかけ、周知したい。"
    )
    assert conference.reports[0].challenges.endswith("→　外来フォローの確認をする。")
    assert conference.reports[0].progress != report.progress
    for row in ("challenges", "proposals", "next_year_plan"):  # one cell for the column, written once
        assert getattr(conference.reports[0], row) == getattr(report, row)


def test_texts_are_verbatim_with_the_agencys_own_line_breaks(demo):
    doctors = db.session.scalars(
        sa.select(Initiative).join(Initiative.lead_agency).where(Agency.name == "厚木医師会")
    ).one()
    assert doctors.content == "－"
    assert doctors.categories == [
        Category.SYSTEM_BUILDING,
        Category.COORDINATION,
        Category.TRAINING,
        Category.OTHER,
    ]
    report = doctors.reports[0]
    assert report.challenges.splitlines() == [
        "・医療コーディネーターの要請が喫緊の課題。研修の機会が少ない。",
        "・医療機器を装着しているお子さんの教育環境について。登下校のバス、看護師の配置の問題",
    ]
    assert [agency.name for agency in report.proposal_agencies] == ["教育委員会", "神奈川県"]
    rehab_second = initiative_of("神奈川県リハビリテーション事業団", 10)
    assert rehab_second.reports[0].challenges == (
        "まず実践事例を本会や部会等で報告することから始めた方がよいのではないか。"
    )


def test_meetings_dated_in_the_document(demo):
    meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.case_id.is_(None)).order_by(Meeting.starts_at)
    ).all()
    assert [(m.starts_at.astimezone(TOKYO).date().isoformat(), m.title) for m in meetings] == [
        ("2017-11-28", "平成29年度厚木地域（厚木市、愛川町、清川村）在宅医療連絡会"),
        ("2018-02-28", "第２回厚木地域小児等在宅医療連絡会議"),
    ]
    assert meetings[0].host_agency.name == "厚木医師会"
    assert meetings[0].secretariat_agency.name == "厚木保健福祉事務所"
    report_round = db.session.scalars(sa.select(ReportRound)).one()
    assert (report_round.fiscal_year, report_round.document_number) == (2017, "資料２－２")
    assert report_round.meeting == meetings[1]


def test_followups_belong_to_their_owners_agencies(demo):
    followups = db.session.scalars(sa.select(FollowUp)).all()
    assert {f.status for f in followups} >= {FollowUpStatus.OPEN, FollowUpStatus.DONE}
    for followup in followups:
        if followup.owner is not None:
            assert followup.owner.agency_id == followup.responsible_agency_id, followup.title
        if followup.status is FollowUpStatus.DONE:
            assert followup.done_at is not None
    mine = [f for f in followups if f.owner and f.owner.email == "momiji@example.org" and f.case_id is None]
    assert [f.source_initiative.plan_item.number for f in mine] == [12]


def test_loading_twice_adds_nothing(app, demo):
    again = __import__("kosodate.demo.loader", fromlist=["load_demo"]).load_demo()
    db.session.commit()
    assert not again.loaded_data
    assert again.counts == demo.counts


def test_the_demo_users_log_in_by_role(demo, auth):
    for email, _name, _role, _agency in DEMO_USERS:
        assert auth.login(email).status_code == 302, email
        auth.logout()


def test_cli_loads_prints_the_logins_and_resets_the_password(runner):
    result = runner.invoke(args=["demo", "load", "--password", "first-password-123"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output
    assert "momiji@example.org" in result.output

    result = runner.invoke(args=["demo", "load", "--password", "second-password-456"])
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    db.session.expire_all()
    momiji = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    assert verify_password(momiji.password_hash, "second-password-456")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)) == 20


def test_cli_without_password_generates_one_and_prints_it(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    momiji = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    assert verify_password(momiji.password_hash, password)


def test_cli_refuses_a_database_with_other_data_unless_forced(runner):
    make_council("よその連絡会議")
    db.session.commit()
    result = runner.invoke(args=["demo", "load", "--password", DEMO_PASSWORD])
    assert result.exit_code != 0
    assert "--force" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0

    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0

    result = runner.invoke(args=["demo", "load", "--force", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 20


def test_the_data_file_names_only_known_agencies():
    data = read_data()
    names = {agency["name"] for agency in data["agencies"]}
    assert len(names) == len(data["agencies"])
    for initiative in data["initiatives"]:
        assert initiative["agency"] in names
        assert set(initiative.get("linked_agencies") or []) <= names
        assert set(initiative["report"].get("proposal_agencies") or []) <= names


def test_a_weak_demo_password_is_refused(runner):
    result = runner.invoke(args=["demo", "load", "--password", "qwertyuiopasdfgh"])
    assert result.exit_code != 0
    assert "キーボードの並び" in result.output
