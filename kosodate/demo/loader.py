"""Loads fy2017_atsugi.yaml: the council, agencies, plan items, initiatives, reports, meetings,
follow-ups and one demo user per role; then the fictional cases of cases.yaml."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import sqlalchemy as sa
import yaml

from ..agencies.models import Agency, AgencyKind, Council
from ..auth.models import Role, User
from ..auth.passwords import generate_password, hash_password
from ..cases.models import Case
from ..core import audit
from ..core.time import TOKYO, now
from ..extensions import db
from ..followups.models import FollowUp, FollowUpStatus
from ..initiatives.models import Category, Initiative, PlanItem
from ..meetings.models import Meeting, MeetingKind
from ..reports.models import ProgressReport, ReportStatus
from ..reports.rounds_models import ReportRound
from .cases import load_cases

DATA_FILE = Path(__file__).with_name("fy2017_atsugi.yaml")

#: (e-mail, display name, role, agency name or None)
DEMO_USERS = (
    ("admin@example.org", "システム管理者", Role.ADMIN, None),
    ("jimukyoku@example.org", "事務局 担当", Role.SECRETARIAT, "厚木保健福祉事務所"),
    (
        "coordinator@example.org",
        "相談支援専門員",
        Role.COORDINATOR,
        "厚木市障がい者基幹相談支援センター（ゆいはあと）",
    ),
    ("momiji@example.org", "もみじ 訪問看護師", Role.AGENCY_MEMBER, "訪問看護ステーションもみじ"),
    ("zama@example.org", "座間養護学校 担当", Role.AGENCY_MEMBER, "神奈川県立座間養護学校"),
    ("msw@example.org", "市立病院 MSW", Role.AGENCY_MEMBER, "厚木市立病院"),
)


class DemoLoadRefused(RuntimeError):
    """The database holds data that is not the demo's; loading needs --force."""


@dataclass
class LoadResult:
    loaded_data: bool
    password: str | None
    created_users: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def read_data(path: Path = DATA_FILE) -> dict:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def load_demo(*, password: str | None = None, force: bool = False, data: dict | None = None) -> LoadResult:
    """Load the demo into the session (the caller commits). Idempotent: a council already loaded
    is left as it is; the demo users are created when missing, and their password reset when
    one is given."""
    data = data or read_data()
    council = db.session.scalar(sa.select(Council).where(Council.name == data["council"]["name"]))
    loaded_data = council is None
    if council is None:
        if not force and _holds_other_data():
            raise DemoLoadRefused(
                "データベースには既に他のデータがあります。"
                "デモデータを追加するには --force を付けてください。"
            )
        council = _load_council(data)
    password_shown = password
    created = []
    for email, name, role, agency_name in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            password_shown = password_shown or generate_password()
            user = User(
                email=email,
                name=name,
                role=role,
                agency=_agency(council, agency_name) if agency_name else None,
                password_hash=hash_password(password_shown),
            )
            db.session.add(user)
            created.append(email)
        elif password:
            user.password_hash = hash_password(password)
            user.end_all_sessions()
    if loaded_data:
        db.session.flush()
        _load_report_round(council, data)
        _load_followups(council, data)
        load_cases(council)
        audit.record("demo.load", obj=council)
    return LoadResult(loaded_data, password_shown if (created or password) else None, created, _counts())


def _holds_other_data() -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Council))) or bool(
        db.session.scalar(sa.select(sa.func.count()).select_from(User))
    )


def _agency(council: Council, name: str) -> Agency:
    agency = db.session.scalar(sa.select(Agency).where(Agency.council_id == council.id, Agency.name == name))
    if agency is None:
        raise KeyError(f"agency not in the demo data: {name}")
    return agency


def _load_council(data: dict) -> Council:
    spec = data["council"]
    council = Council(name=spec["name"], area=spec.get("area", ""), prefecture=spec.get("prefecture", ""))
    db.session.add(council)
    agencies = {}
    for order, item in enumerate(data["agencies"], start=1):
        agency = Agency(
            council=council,
            name=item["name"],
            kind=AgencyKind(item["kind"]),
            municipality=item.get("municipality"),
            contact_email=item.get("contact_email"),
            sort_order=order,
        )
        db.session.add(agency)
        agencies[agency.name] = agency
    plan_items = {}
    for item in data["plan_items"]:
        plan_item = PlanItem(
            council=council,
            number=item["number"],
            title=item["title"],
            category=Category(item["category"]) if item.get("category") else None,
        )
        db.session.add(plan_item)
        plan_items[plan_item.number] = plan_item
    for item in data["initiatives"]:
        db.session.add(_initiative(council, data["fiscal_year"], item, agencies, plan_items))
    db.session.add_all([_meeting(council, item, agencies) for item in data["meetings"]])
    db.session.flush()
    return council


def _initiative(council, fiscal_year, item, agencies, plan_items) -> Initiative:
    categories = [Category(code) for code in item.get("categories") or []]
    initiative = Initiative(
        council=council,
        lead_agency=agencies[item["agency"]],
        plan_items=[plan_items[number] for number in item.get("plan_items") or []],
        category=categories[0] if categories else None,
        secondary_categories=[category.value for category in categories[1:]],
        title=item["title"],
        content=item.get("content") or "",
        column_label=item.get("column") or item["agency"],
        sort_order=item.get("order", 0),
        linked_agencies=[agencies[name] for name in item.get("linked_agencies") or []],
    )
    report = item.get("report")
    if report:
        initiative.reports = [
            ProgressReport(
                fiscal_year=fiscal_year,
                progress=report.get("progress") or "",
                challenges=report.get("challenges") or "",
                proposals=report.get("proposals") or "",
                next_year_plan=report.get("next_year_plan") or "",
                proposal_agencies=[agencies[name] for name in report.get("proposal_agencies") or []],
                status=ReportStatus.SUBMITTED,
            )
        ]
    return initiative


def _meeting(council, item, agencies) -> Meeting:
    starts_at = datetime.combine(_date(item["date"]), time.fromisoformat(item.get("time") or "14:00"), TOKYO)
    return Meeting(
        council=council,
        kind=MeetingKind(item["kind"]),
        title=item["title"],
        starts_at=starts_at,
        place=item.get("place") or "",
        host_agency=agencies.get(item.get("host_agency")),
        secretariat_agency=agencies.get(item.get("secretariat_agency")),
        attendee_agencies=[agencies[name] for name in item.get("attendee_agencies") or []],
        notes=item.get("notes") or "",
    )


def _meetings_by_day(council: Council) -> dict[date, Meeting]:
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.council_id == council.id))
    return {meeting.starts_at.astimezone(TOKYO).date(): meeting for meeting in meetings}


def _load_report_round(council: Council, data: dict) -> None:
    spec = data.get("report_round")
    if spec:
        db.session.add(
            ReportRound(
                council=council,
                fiscal_year=data["fiscal_year"],
                deadline=_date(spec["deadline"]),
                meeting=_meetings_by_day(council)[_date(spec["meeting"])],
                document_number=spec.get("document_number") or "",
            )
        )


def _load_followups(council: Council, data: dict) -> None:
    users = {user.email: user for user in db.session.scalars(sa.select(User))}
    meetings = _meetings_by_day(council)
    agencies = {agency.name: agency for agency in council.agencies}
    for item in data.get("followups") or []:
        source_meeting = meetings[_date(item["source_meeting"])] if item.get("source_meeting") else None
        status = FollowUpStatus(item.get("status", "open"))
        owner = users.get(item.get("owner") or "")
        followup = FollowUp(
            council=council,
            title=item["title"],
            description=item.get("description") or "",
            owner=owner,
            responsible_agency=agencies[item["responsible_agency"]],
            linked_agencies=[agencies[name] for name in item.get("linked_agencies") or []],
            due_date=_date(item["due_date"]) if item.get("due_date") else None,
            status=status,
            discuss_at_next_meeting=bool(item.get("discuss_at_next_meeting")),
            source_meeting=source_meeting,
            source_initiative=_source_initiative(council, item.get("source_initiative"), agencies),
            created_by=users["jimukyoku@example.org"],
            created_at=source_meeting.starts_at if source_meeting else now(),
        )
        if status is FollowUpStatus.DONE:
            followup.done_by = owner
            followup.done_at = datetime.combine(_date(item["done_at"]), time(17, 0), TOKYO)
        db.session.add(followup)


def _source_initiative(council, spec, agencies) -> Initiative | None:
    if not spec:
        return None
    query = sa.select(Initiative).where(
        Initiative.council_id == council.id,
        Initiative.lead_agency_id == agencies[spec["agency"]].id,
    )
    if spec.get("plan_item") is not None:
        query = query.join(PlanItem).where(PlanItem.number == spec["plan_item"])
    return db.session.scalars(query.order_by(Initiative.sort_order)).first()


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _counts() -> dict[str, int]:
    models = {
        "councils": Council,
        "agencies": Agency,
        "plan_items": PlanItem,
        "initiatives": Initiative,
        "progress_reports": ProgressReport,
        "report_rounds": ReportRound,
        "meetings": Meeting,
        "followups": FollowUp,
        "cases": Case,
        "users": User,
    }
    return {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for name, model in models.items()
    }
