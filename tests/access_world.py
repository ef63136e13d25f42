"""A council seen by every kind of user: the demo data plus one follow-up, meeting, attachment,
report round and proposal whose owning, linked and unrelated agencies each have a member, and a
second council with its own secretariat. Used by the permission matrix and the need-to-know crawl.

Its case is led by the owner's agency (訪問看護ステーションもみじ), with the linked one (座間養護学校) on
its care team and the unrelated one (厚木市立病院) not; it has a note, a file, a follow-up and a
discharge conference. (The demo's own cases are there too: 厚木市立病院 leads one of them.)"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import FileStorage

from kosodate.agencies.models import Agency, Council
from kosodate.auth import invitations
from kosodate.auth.models import Role, User
from kosodate.cases import changes as case_changes
from kosodate.cases.models import CareRole, CareTeamMember, Case, CaseStatus
from kosodate.core.time import TOKYO, today_tokyo
from kosodate.extensions import db
from kosodate.feeds.services import new_address
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative, PlanItem
from kosodate.meetings.attachments import save_attachment
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.links import done_token
from kosodate.reminders.models import OutboxMessage, ReminderKind
from kosodate.reports.models import ProgressReport
from kosodate.reports.rounds import open_round, propose_initiative
from kosodate.tokens.services import create_token
from tests.conftest import DEMO_PASSWORD, AuthActions
from tests.factories import PASSWORD, make_agency, make_council, make_user

#: the roles of the matrix, in its column order
ROLES = ("anonymous", "admin", "secretariat", "coordinator", "owner", "linked", "unrelated", "other_council")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    council: Council
    followup: FollowUp
    #: a follow-up of 厚木医師会 that no agency member of the matrix may open
    hidden: FollowUp
    meeting: Meeting
    attachment_id: int
    initiative: Initiative
    report: ProgressReport
    round_id: int
    proposal_id: int
    message_id: int
    one_click_token: str
    #: the owner's calendar feed address and one of her API tokens (for its revoke route)
    feed_token: str
    token_id: int
    case: Case
    note_id: int
    case_file_id: int
    #: the care team's member (厚木市障がい福祉課) the matrix removes and makes lead
    member_id: int
    case_followup: FollowUp
    case_meeting: Meeting
    #: a member of 厚木医師会 the admin pages act on (no role of the matrix), and the link of an
    #: invitation not used yet, and one of the council's plan items
    managed_user_id: int
    invitation_token: str
    plan_item_id: int
    emails: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: a write token of each role's user
    api_tokens: dict[str, str] = field(default_factory=dict)

    def url_values(self) -> dict[str, object]:
        """The value of every URL variable the app's rules use."""
        return {
            "followup_id": self.followup.id,
            "meeting_id": self.meeting.id,
            "attachment_id": self.attachment_id,
            "initiative_id": self.initiative.id,
            "report_id": self.report.id,
            "round_id": self.round_id,
            "proposal_id": self.proposal_id,
            "message_id": self.message_id,
            "token": self.one_click_token,
            "feed_token": self.feed_token,
            "token_id": self.token_id,
            "agency_id": self.followup.responsible_agency_id,
            "case_id": self.case.id,
            "note_id": self.note_id,
            "file_id": self.case_file_id,
            "member_id": self.member_id,
            "decision": "decline",
            "file_format": "csv",
            "filename": "css/app.css",
            "name": "kosodate-20260101-000000.tar.gz",
            "council_id": self.council.id,
            "user_id": self.managed_user_id,
            "invitation_token": self.invitation_token,
            "plan_item_id": self.plan_item_id,
        }

    def url(self, app, endpoint: str, **values) -> str:
        """The URL of a route for this world's objects (`values` replace the world's)."""
        rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
        arguments = {name: value for name, value in self.url_values().items() if name in rule.arguments}
        with app.test_request_context():
            path = url_for(endpoint, **{**arguments, **values})
        query = QUERIES.get(endpoint)
        if not query:
            return path
        return f"{path}?{query.format(council=self.council.id, agency=self.followup.responsible_agency_id)}"


#: query strings some routes need to name the demo council (an admin belongs to none) or an agency
QUERIES = {
    "followups.owners": "agency={agency}",
    "meetings.create": "council={council}",
    "cases.settings": "council={council}",
    "report_rounds.rounds": "council={council}",
    "reports.progress": "council={council}&fy=2017",
    "reports.progress_download": "council={council}&fy=2017",
}


def _agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def build_world() -> World:
    """On top of the demo data (load it first)."""
    council = db.session.scalar(sa.select(Council))
    momiji, zama = _agency("訪問看護ステーションもみじ"), _agency("神奈川県立座間養護学校")
    hospital, doctors = _agency("厚木市立病院"), _agency("厚木医師会")
    unrelated = make_user(hospital, email="hospital@example.org")
    other_council = make_council("相模原地域小児等在宅医療連絡会議")
    other_secretariat = make_user(
        make_agency(other_council, "相模原保健福祉事務所"), Role.SECRETARIAT, email="sagamihara@example.org"
    )
    meeting = Meeting(
        council=council,
        kind=MeetingKind.SUBCOMMITTEE,
        title="訪問看護部会",
        starts_at=datetime.combine(today_tokyo() + timedelta(days=10), time(14), TOKYO),
        host_agency=momiji,
        attendee_agencies=[momiji, zama, hospital],
    )
    db.session.add(meeting)
    initiative = db.session.scalar(
        sa.select(Initiative).where(Initiative.lead_agency_id == momiji.id).order_by(Initiative.id)
    )
    report = db.session.scalar(
        sa.select(ProgressReport).where(
            ProgressReport.initiative_id == initiative.id, ProgressReport.fiscal_year == 2017
        )
    )
    followup = FollowUp(
        council=council,
        title="マトリクス用 吸引器の貸出調整 MATRIX-OWNED",
        responsible_agency=momiji,
        linked_agencies=[zama],
        due_date=today_tokyo() + timedelta(days=3),
        source_meeting=meeting,
        source_initiative=initiative,
        discuss_at_next_meeting=True,
    )
    hidden = FollowUp(
        council=council,
        title="非公開 医師会の往診体制 HIDDEN-FROM-AGENCIES",
        responsible_agency=doctors,
        due_date=date(2018, 1, 31),
        source_meeting=meeting,
        source_initiative=initiative,
        discuss_at_next_meeting=True,
    )
    db.session.add_all([followup, hidden])
    db.session.flush()
    secretariat = _user("jimukyoku@example.org")
    attachment = save_attachment(
        secretariat, meeting, FileStorage(BytesIO(PDF), filename="別紙1.pdf", content_type="application/pdf")
    )
    report_round = open_round(secretariat, council, 2018, today_tokyo() + timedelta(days=30))
    owner = _user("momiji@example.org")
    proposal = propose_initiative(owner, report_round, "医療的ケア児の災害時個別避難計画", "", None, None)
    message = OutboxMessage(
        dedupe_key="matrix:1",
        kind=ReminderKind.ASSIGNED,
        recipient_email="momiji@example.org",
        subject="テスト",
        body_text="テスト",
        message_id="<matrix@kosodate>",
    )
    db.session.add(message)
    feed = new_address(owner)
    case, note_id, file_id, member_id, case_followup, case_meeting = _case(owner, momiji, zama)
    owner_token = create_token(owner, "revoke me", "read").token
    managed = make_user(doctors, email="managed@example.org")
    invited = make_user(doctors, email="invited@example.org")
    invitation_token = invitations.invite(invited, actor=secretariat)
    plan_item = db.session.scalar(sa.select(PlanItem).where(PlanItem.council_id == council.id))
    emails = {
        "admin": ("admin@example.org", DEMO_PASSWORD),
        "secretariat": ("jimukyoku@example.org", DEMO_PASSWORD),
        "coordinator": ("coordinator@example.org", DEMO_PASSWORD),
        "owner": ("momiji@example.org", DEMO_PASSWORD),
        "linked": ("zama@example.org", DEMO_PASSWORD),
        "unrelated": (unrelated.email, PASSWORD),
        "other_council": (other_secretariat.email, PASSWORD),
    }
    api_tokens = {
        role: create_token(_user(email), "matrix", "write").secret for role, (email, _) in emails.items()
    }
    db.session.commit()
    return World(
        council=council,
        followup=followup,
        hidden=hidden,
        meeting=meeting,
        attachment_id=attachment.id,
        initiative=initiative,
        report=report,
        round_id=report_round.id,
        proposal_id=proposal.id,
        message_id=message.id,
        one_click_token=done_token(owner.id, followup.id),
        feed_token=feed.token,
        token_id=owner_token.id,
        emails=emails,
        api_tokens=api_tokens,
        case=case,
        note_id=note_id,
        case_file_id=file_id,
        member_id=member_id,
        case_followup=case_followup,
        case_meeting=case_meeting,
        managed_user_id=managed.id,
        invitation_token=invitation_token,
        plan_item_id=plan_item.id,
    )


def api_headers(world: World, role: str) -> dict[str, str]:
    """The role's bearer token (anonymous: none)."""
    return {} if role == "anonymous" else {"Authorization": f"Bearer {world.api_tokens[role]}"}


def _case(owner: User, momiji: Agency, zama: Agency):
    """The owner's agency leads it; the linked agency and 厚木市障がい福祉課 are on its care team."""
    city = _agency("厚木市障がい福祉課")
    data = case_changes.CaseData(
        child_name="架空 まとりくす", child_kana="かくう まとりくす", birth_date=date(2024, 5, 1),
        municipality="厚木市", needs=["ventilator", "power"], main_hospital=None,
        expected_discharge_date=None, status=CaseStatus.HOME,
    )  # fmt: skip
    case = case_changes.create_case(owner, data, CareRole.VISITING_NURSE, "もみじ 訪問看護師")
    case_changes.record_consent(owner, case, "架空 ははおや", "母", today_tokyo(), [momiji, zama, city])
    case_changes.add_team_member(owner, case, zama, CareRole.EDUCATION, "養護教諭")
    member = case_changes.add_team_member(owner, case, city, CareRole.GOVERNMENT, "給付係")
    note = case_changes.add_note(owner, case, today_tokyo(), "マトリクスの経過記録 CASE-NOTE-MATRIX")
    upload = FileStorage(BytesIO(PDF), filename="同意書.pdf", content_type="application/pdf")
    attachment = case_changes.attach_file(owner, case, upload)
    in_three_days = datetime.combine(today_tokyo() + timedelta(days=3), time(14), TOKYO)
    meeting = Meeting(
        council_id=case.council_id, case=case, kind=MeetingKind.DISCHARGE_CONFERENCE,
        title="退院前カンファレンス", starts_at=in_three_days, host_agency=momiji,
        attendee_agencies=[momiji, zama], minutes="議事録 CASE-MINUTES-MATRIX",
    )  # fmt: skip
    followup = FollowUp(
        council_id=case.council_id, case=case, title="ケースの対応 吸引器の業者調整 MATRIX-CASE",
        responsible_agency=momiji, owner=owner, due_date=today_tokyo() - timedelta(days=2),
        source_meeting=meeting,
    )  # fmt: skip
    db.session.add_all([meeting, followup])
    db.session.flush()
    return case, note.id, attachment.id, member.id, followup, meeting


def restore_case(world: World) -> None:
    """Undo what the matrix's empty POSTs may have changed on the care team."""
    db.session.execute(
        sa.update(CareTeamMember).where(CareTeamMember.id == world.member_id).values(removed_at=None)
    )
    owner_agency = db.session.scalar(sa.select(User.agency_id).where(User.email == "momiji@example.org"))
    db.session.execute(sa.update(Case).where(Case.id == world.case.id).values(lead_agency_id=owner_agency))


def client_for(app, world: World, role: str):
    """A test client signed in as the role (anonymous: signed in as nobody)."""
    client = app.test_client()
    if role != "anonymous":
        email, password = world.emails[role]
        response = AuthActions(client).login(email, password)
        assert response.status_code == 302, (role, response.get_data(as_text=True))
    return client
