"""Loads cases.yaml: three fictional cases (children named 架空 …) with their care teams, consents,
notes, meetings and follow-ups, dated from the day of loading."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..cases.changes import case_code, next_number
from ..cases.models import CareRole, CareTeamMember, Case, CaseConsent, CaseNote, CaseNoteVersion, CaseStatus
from ..cases.services import DEFAULT_AGENDA
from ..core.time import TOKYO, today_tokyo
from ..extensions import db
from ..followups.models import FollowUp, FollowUpStatus
from ..meetings.models import AgendaItem, Meeting, MeetingKind

DATA_FILE = Path(__file__).with_name("cases.yaml")


def load_cases(council: Council, path: Path = DATA_FILE) -> list[Case]:
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    council.case_prefix = data["case_prefix"]
    loader = _Loader(council)
    return [loader.case(spec) for spec in data["cases"]]


class _Loader:
    def __init__(self, council: Council):
        self.council = council
        self.today = today_tokyo()
        self.agencies = {agency.name: agency for agency in council.agencies}
        self.users = {user.email: user for user in db.session.scalars(sa.select(User))}

    def day(self, offset: int | None) -> date | None:
        return None if offset is None else self.today + timedelta(days=offset)

    def moment(self, offset: int, at: str = "10:00") -> datetime:
        return datetime.combine(self.day(offset), time.fromisoformat(at), TOKYO)

    def agency(self, name: str) -> Agency:
        return self.agencies[name]

    def case(self, spec: dict) -> Case:
        created = self.day(spec["created"])
        number = next_number(self.council.id, created.year)
        status = CaseStatus(spec["status"])
        team = [self.agency(member["agency"]) for member in spec["team"]]
        case = Case(
            council=self.council,
            code=case_code(self.council, created.year, number),
            year=created.year,
            number=number,
            child_name=spec["child_name"],
            child_kana=spec["child_kana"],
            birth_date=self.day(spec["birth_date"]),
            municipality=spec["municipality"],
            needs=spec["needs"],
            main_hospital=self.agency(spec["main_hospital"]),
            expected_discharge_date=self.day(spec.get("expected_discharge")),
            status=status,
            lead_agency=team[0],
            closed_on=self.day(spec.get("closed")),
            created_by=self.users.get(spec.get("created_by") or ""),
            created_at=self.moment(spec["created"]),
            team=[
                CareTeamMember(
                    agency=agency,
                    role=CareRole(member["role"]),
                    contact_person=member["contact"],
                    added_at=self.moment(spec["created"]),
                )
                for agency, member in zip(team, spec["team"], strict=True)
            ],
        )
        consent = spec["consent"]
        case.consents = [
            CaseConsent(
                guardian_name=consent["guardian"],
                relationship_to_child=consent["relationship"],
                given_on=self.day(consent["given"]),
                agencies=[self.agency(name) for name in consent["agencies"]],
                recorded_at=self.moment(consent["given"]),
            )
        ]
        db.session.add(case)
        for note in spec.get("notes") or []:
            self.note(case, note)
        for meeting in spec.get("meetings") or []:
            self.meeting(case, meeting, team)
        for followup in spec.get("followups") or []:
            self.followup(case, followup, None)
        return case

    def note(self, case: Case, spec: dict) -> None:
        author = self.users.get(spec["by"] or "")
        written = self.moment(spec["day"], "17:00")
        db.session.add(
            CaseNote(
                case=case, agency=author.agency if author else case.lead_agency, author=author,
                noted_on=self.day(spec["day"]), body=spec["body"], created_at=written, updated_at=written,
                versions=[CaseNoteVersion(version=1, noted_on=self.day(spec["day"]), body=spec["body"],
                                          saved_at=written, saved_by=author)],
            )
        )  # fmt: skip

    def meeting(self, case: Case, spec: dict, team: list[Agency]) -> None:
        meeting = Meeting(
            council=self.council,
            case=case,
            kind=MeetingKind.DISCHARGE_CONFERENCE,
            title=spec["title"],
            starts_at=self.moment(spec["day"], spec["time"]),
            place=spec["place"],
            host_agency=self.agency(spec["host"]),
            attendee_agencies=team,
            minutes=spec.get("minutes") or "",
            agenda_items=[
                AgendaItem(position=n, title=title) for n, title in enumerate(DEFAULT_AGENDA, start=1)
            ],
            created_at=self.moment(spec["day"] - 14),
        )
        db.session.add(meeting)
        for followup in spec.get("followups") or []:
            self.followup(case, followup, meeting)

    def followup(self, case: Case, spec: dict, meeting: Meeting | None) -> None:
        owner = self.users.get(spec.get("owner") or "")
        created = meeting.starts_at if meeting is not None else self.moment(-30)
        followup = FollowUp(
            council=self.council,
            case=case,
            title=spec["title"],
            responsible_agency=self.agency(spec["agency"]),
            owner=owner,
            due_date=self.day(spec["due"]),
            source_meeting=meeting,
            created_by=case.created_by,
            created_at=created,
            status=FollowUpStatus.DONE if "done" in spec else FollowUpStatus.OPEN,
        )
        if "done" in spec:
            followup.done_at, followup.done_by = self.moment(spec["done"], "17:00"), owner
        db.session.add(followup)
