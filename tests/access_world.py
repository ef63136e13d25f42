"""A council seen by every kind of user: the demo data plus one follow-up, meeting, attachment,
report round and proposal whose owning, linked and unrelated agencies each have a member, and a
second council with its own secretariat. Used by the permission matrix and the need-to-know crawl."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import FileStorage

from kosodate.agencies.models import Agency, Council
from kosodate.auth.models import Role, User
from kosodate.core.time import TOKYO, today_tokyo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative
from kosodate.meetings.attachments import save_attachment
from kosodate.meetings.models import Meeting, MeetingKind
from kosodate.reminders.links import done_token
from kosodate.reminders.models import OutboxMessage, ReminderKind
from kosodate.reports.models import ProgressReport
from kosodate.reports.rounds import open_round, propose_initiative
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
    emails: dict[str, tuple[str, str]] = field(default_factory=dict)

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
            "decision": "decline",
            "file_format": "csv",
            "filename": "css/app.css",
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
        emails={
            "admin": ("admin@example.org", DEMO_PASSWORD),
            "secretariat": ("jimukyoku@example.org", DEMO_PASSWORD),
            "coordinator": ("coordinator@example.org", DEMO_PASSWORD),
            "owner": ("momiji@example.org", DEMO_PASSWORD),
            "linked": ("zama@example.org", DEMO_PASSWORD),
            "unrelated": (unrelated.email, PASSWORD),
            "other_council": (other_secretariat.email, PASSWORD),
        },
    )


def client_for(app, world: World, role: str):
    """A test client signed in as the role (anonymous: signed in as nobody)."""
    client = app.test_client()
    if role != "anonymous":
        email, password = world.emails[role]
        response = AuthActions(client).login(email, password)
        assert response.status_code == 302, (role, response.get_data(as_text=True))
    return client
