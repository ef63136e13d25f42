"""Reading cases: a user's cases, the staff's code-level summaries, what a case's page shows, the
default agenda of discharge conferences, and whether a user works on any case (two-factor sign-in)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..agencies.models import Agency
from ..auth.models import User
from ..auth.two_factor import two_factor_rule
from ..core.access import visible
from ..core.time import today_tokyo
from ..extensions import db
from ..followups.models import OPEN_STATUSES, FollowUp
from ..meetings.models import Meeting
from .access import summary_clause
from .models import (
    CareTeamMember,
    Case,
    CaseAttachment,
    CaseConsent,
    CaseNote,
    CaseStatus,
    ConferenceAgendaItem,
)

#: what a discharge conference opens with until the council's secretariat edits it
DEFAULT_AGENDA = (
    "医療的ケアの内容と手技",
    "退院予定日",
    "在宅での支援体制と役割分担",
    "緊急時の連絡と対応",
    "必要な物品・電源",
    "次回の確認",
)


@two_factor_rule
def on_a_care_team(user: User) -> bool:
    """Does the user's agency work on any case whose personal data is still kept? Such users sign in
    with a second factor."""
    if user.agency_id is None:
        return False
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    CareTeamMember.agency_id == user.agency_id,
                    CareTeamMember.removed_at.is_(None),
                    CareTeamMember.case_id == Case.id,
                    Case.purged_at.is_(None),
                )
            )
        )
    )


def my_cases(user: User) -> list[Case]:
    """The cases the user sees in full, those in progress first."""
    return list(
        db.session.scalars(
            visible(user, Case)
            .options(joinedload(Case.lead_agency))
            .order_by(Case.status == CaseStatus.CLOSED, Case.year.desc(), Case.number.desc())
        )
    )


@dataclass(frozen=True)
class CaseSummary:
    """What anyone outside the care team may know of a case."""

    id: int
    code: str
    status: CaseStatus
    lead_agency: str
    open: int
    overdue: int
    council_id: int
    lead_agency_id: int


def case_summaries(user: User) -> list[CaseSummary]:
    """The code-level summary of every case the user may know of, with its follow-up counts, in one query."""
    open_followups = FollowUp.status.in_(OPEN_STATUSES)
    counts = (
        sa.select(
            FollowUp.case_id,
            sa.func.count().filter(open_followups).label("open"),
            sa.func.count().filter(open_followups, FollowUp.due_date < today_tokyo()).label("overdue"),
        )
        .where(FollowUp.case_id.is_not(None))
        .group_by(FollowUp.case_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Case.id,
            Case.code,
            Case.status,
            Agency.name,
            sa.func.coalesce(counts.c.open, 0),
            sa.func.coalesce(counts.c.overdue, 0),
            Case.council_id,
            Case.lead_agency_id,
        )
        .join(Agency, Agency.id == Case.lead_agency_id)
        .outerjoin(counts, counts.c.case_id == Case.id)
        .where(summary_clause(user))
        .order_by(Case.status == CaseStatus.CLOSED, Case.year.desc(), Case.number.desc())
    ).all()
    return [CaseSummary(*row) for row in rows]


#: loader options for a case whose page is shown: its team and consents
PAGE_OPTIONS = (
    selectinload(Case.team).joinedload(CareTeamMember.agency),
    selectinload(Case.consents).options(selectinload(CaseConsent.agencies), selectinload(CaseConsent.forms)),
    joinedload(Case.lead_agency),
    joinedload(Case.main_hospital),
)


@dataclass
class CasePage:
    notes: list[CaseNote]
    attachments: list[CaseAttachment]
    followups: list[FollowUp]
    meetings: list[Meeting]


def case_page(case: Case) -> CasePage:
    """What the case's page lists besides the case (loaded with PAGE_OPTIONS), in four queries."""
    notes = db.session.scalars(
        sa.select(CaseNote)
        .where(CaseNote.case_id == case.id, CaseNote.corrects_id.is_(None))
        .options(
            joinedload(CaseNote.agency),
            joinedload(CaseNote.author),
            selectinload(CaseNote.corrections).options(
                joinedload(CaseNote.agency), joinedload(CaseNote.author)
            ),
        )
        .order_by(CaseNote.noted_on.desc(), CaseNote.id.desc())
    ).all()
    attachments = db.session.scalars(
        sa.select(CaseAttachment)
        .where(CaseAttachment.case_id == case.id)
        .options(joinedload(CaseAttachment.uploaded_by))
        .order_by(CaseAttachment.uploaded_at)
    ).all()
    followups = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.case_id == case.id)
        .options(joinedload(FollowUp.responsible_agency), joinedload(FollowUp.owner))
        .order_by(FollowUp.status.in_(OPEN_STATUSES).desc(), FollowUp.due_date.is_(None), FollowUp.due_date)
    ).all()
    meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.case_id == case.id).order_by(Meeting.starts_at.desc())
    ).all()
    return CasePage(list(notes), list(attachments), list(followups), list(meetings))


def default_agenda(council_id: int) -> list[str]:
    """The council's agenda for discharge conferences, or the default one."""
    titles = db.session.scalars(
        sa.select(ConferenceAgendaItem.title)
        .where(ConferenceAgendaItem.council_id == council_id)
        .order_by(ConferenceAgendaItem.position)
    ).all()
    return list(titles) or list(DEFAULT_AGENDA)
