"""Report rounds: opening one, writing and submitting reports, reopening, reminders, proposals.

Who may do what is kosodate.reports.access: the secretariat runs rounds and may write any report of
its council; an agency member writes its own agency's reports; coordinators only read.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core import audit
from ..core.time import now
from ..extensions import db
from ..initiatives.models import Category, Initiative, PlanItem
from ..meetings.models import Meeting
from .events import report_reminder_requested, report_reopened, report_round_opened
from .models import ProgressReport, ReportStatus
from .rounds_models import InitiativeProposal, ProposalStatus, ReminderRequest, ReportRound
from .writing import REPORT_FIELDS, carried_start, report_blank_rows


class RoundRefused(Exception):
    """A change the rules do not allow; the message is for the user."""


# --- opening a round -----------------------------------------------------------------------------


def open_round(
    actor: User,
    council: Council,
    fiscal_year: int,
    deadline: date,
    meeting: Meeting | None = None,
    document_number: str = "",
) -> ReportRound:
    """Open the round and a draft report for every initiative without one for the year, its (2)
    starting from last year's (5)."""
    exists = db.session.scalar(
        sa.select(ReportRound.id).where(
            ReportRound.council_id == council.id, ReportRound.fiscal_year == fiscal_year
        )
    )
    if exists:
        raise RoundRefused("この年度の依頼はすでに始まっています。")
    report_round = ReportRound(
        council_id=council.id,
        fiscal_year=fiscal_year,
        deadline=deadline,
        meeting=meeting,
        document_number=document_number,
        opened_by=actor,
        opened_at=now(),
    )
    db.session.add(report_round)
    initiatives = db.session.scalars(
        sa.select(Initiative)
        .where(Initiative.council_id == council.id)
        .options(selectinload(Initiative.reports))
    ).all()
    created = 0
    for initiative in initiatives:
        if any(report.fiscal_year == fiscal_year for report in initiative.reports):
            continue
        db.session.add(_draft_for(initiative, fiscal_year))
        created += 1
    db.session.flush()
    audit.record("report_round.open", actor=actor, obj=report_round, changes={"drafts": [None, created]})
    report_round_opened.send(report_round, actor=actor)
    return report_round


def _draft_for(initiative: Initiative, fiscal_year: int) -> ProgressReport:
    last_year = next((r for r in initiative.reports if r.fiscal_year == fiscal_year - 1), None)
    start = carried_start(last_year.next_year_plan if last_year else None)
    return ProgressReport(
        initiative=initiative, fiscal_year=fiscal_year, progress=start, status=ReportStatus.DRAFT
    )


# --- writing, submitting, reopening --------------------------------------------------------------


@dataclass
class ReportData:
    progress: str
    challenges: str
    proposals: str
    next_year_plan: str
    proposal_agencies: list[Agency] = field(default_factory=list)


def _refuse_if_submitted(report: ProgressReport) -> None:
    if report.status is ReportStatus.SUBMITTED:
        raise RoundRefused("提出済みの報告は変更できません。変更するには事務局に差し戻しを依頼してください。")


def save_report(actor: User, report: ProgressReport, data: ReportData) -> dict:
    """Save the draft; returns what changed (also kept in the report's history)."""
    _refuse_if_submitted(report)
    before = {name: getattr(report, name) for name in REPORT_FIELDS}
    before_agencies = "、".join(a.name for a in report.proposal_agencies)
    for name in REPORT_FIELDS:
        setattr(report, name, getattr(data, name))
    report.proposal_agencies = data.proposal_agencies
    changes = {
        name: [before[name], getattr(report, name)]
        for name in REPORT_FIELDS
        if before[name] != getattr(report, name)
    }
    after_agencies = "、".join(a.name for a in report.proposal_agencies)
    if after_agencies != before_agencies:
        changes["proposal_agencies"] = [before_agencies, after_agencies]
    report.updated_at = now()
    audit.record("report.save", actor=actor, obj=report, changes=changes)
    return changes


def submit_report(actor: User, report: ProgressReport) -> None:
    """Submit the stored draft: it is then locked until the secretariat reopens it. A report with
    nothing of this year's in (2)–(5) is refused."""
    _refuse_if_submitted(report)
    if len(report_blank_rows(report)) == len(REPORT_FIELDS):
        raise RoundRefused("（２）〜（５）がすべて空欄のため、提出できません。今年度の内容を書いてください。")
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now()
    report.submitted_by_id = actor.id
    report.updated_at = now()
    audit.record(
        "report.submit", actor=actor, obj=report,
        changes={"status": [ReportStatus.DRAFT.label, ReportStatus.SUBMITTED.label]},
    )  # fmt: skip


def reopen_report(actor: User, report: ProgressReport, reason: str) -> None:
    """Return a submitted report to its agency for changes; the reason goes to the agency by e-mail
    and stays in the report's history."""
    if report.status is not ReportStatus.SUBMITTED:
        raise RoundRefused("この報告は提出されていません。")
    report.status = ReportStatus.DRAFT
    report.updated_at = now()
    changes = {"status": [ReportStatus.SUBMITTED.label, ReportStatus.DRAFT.label], "reason": [None, reason]}
    audit.record("report.reopen", actor=actor, obj=report, changes=changes)
    report_reopened.send(report, reason=reason, actor=actor)


# --- the secretariat's round page ----------------------------------------------------------------


@dataclass
class AgencyReports:
    agency: Agency
    reports: list[ProgressReport]

    @property
    def all_submitted(self) -> bool:
        return all(report.status is ReportStatus.SUBMITTED for report in self.reports)


def round_reports(report_round: ReportRound) -> list[AgencyReports]:
    reports = db.session.scalars(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(
            Initiative.council_id == report_round.council_id,
            ProgressReport.fiscal_year == report_round.fiscal_year,
        )
        .options(joinedload(ProgressReport.initiative).joinedload(Initiative.lead_agency))
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    by_agency: dict[int, AgencyReports] = {}
    for report in reports:
        agency = report.initiative.lead_agency
        by_agency.setdefault(agency.id, AgencyReports(agency, [])).reports.append(report)
    return list(by_agency.values())


def request_reminders(
    actor: User, report_round: ReportRound, agencies: list[Agency]
) -> list[ReminderRequest]:
    requests = [
        ReminderRequest(round_id=report_round.id, agency=agency, requested_by=actor) for agency in agencies
    ]
    db.session.add_all(requests)
    audit.record(
        "report_round.remind", actor=actor, obj=report_round,
        changes={"agencies": [None, "、".join(agency.name for agency in agencies)]},
    )  # fmt: skip
    report_reminder_requested.send(report_round, agency_ids=[agency.id for agency in agencies], actor=actor)
    return requests


# --- proposals of new initiatives ----------------------------------------------------------------


def propose_initiative(
    actor: User,
    report_round: ReportRound,
    title: str,
    content: str,
    plan_item: PlanItem | None,
    category: Category | None,
) -> InitiativeProposal:
    if actor.agency is None or actor.agency.council_id != report_round.council_id:
        raise RoundRefused("この連絡会議の関係機関の方だけが提案できます。")
    proposal = InitiativeProposal(
        round_id=report_round.id,
        agency=actor.agency,
        plan_item=plan_item,
        category=category,
        title=title,
        content=content,
        proposed_by=actor,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record("initiative_proposal.create", actor=actor, obj=proposal, changes={"title": [None, title]})
    return proposal


def decide_proposal(actor: User, proposal: InitiativeProposal, accept: bool) -> Initiative | None:
    if proposal.status is not ProposalStatus.PROPOSED:
        raise RoundRefused("この提案はすでに決まっています。")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    proposal.decided_by_id, proposal.decided_at = actor.id, now()
    initiative = None
    if accept:
        report_round = db.session.get(ReportRound, proposal.round_id)
        last = db.session.scalar(
            sa.select(sa.func.max(Initiative.sort_order)).where(
                Initiative.council_id == report_round.council_id
            )
        )
        initiative = Initiative(
            council_id=report_round.council_id,
            lead_agency=proposal.agency,
            plan_item=proposal.plan_item,
            category=proposal.category,
            title=proposal.title,
            content=proposal.content or proposal.title,
            column_label=proposal.agency.name,
            sort_order=(last or 0) + 1,
        )
        db.session.add(initiative)
        db.session.add(ProgressReport(initiative=initiative, fiscal_year=report_round.fiscal_year))
        proposal.initiative = initiative
    audit.record(
        "initiative_proposal.accept" if accept else "initiative_proposal.decline", actor=actor, obj=proposal
    )
    return initiative
