"""Where progress reports stand — untouched, being written, submitted — what submitting needs, and
how far a round has come.

A round starts every draft from last year's (5) (kosodate.reports.rounds); a draft is "being written"
once it differs from that start or was saved.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa

from ..core.access import visible
from ..core.audit import AuditEvent
from ..extensions import db
from ..initiatives.models import Initiative
from .models import ProgressReport, ReportStatus
from .rounds_models import ReportRound

CARRIED_NOTE = "【前年度の「来年度以降の取組み」より】\n"
REPORT_FIELDS = ("progress", "challenges", "proposals", "next_year_plan")
#: the rows (2)–(5), as the forms and messages name them
ROW_NAMES = {"progress": "（２）", "challenges": "（３）", "proposals": "（４）", "next_year_plan": "（５）"}
#: events that show someone worked on a draft
WRITING_EVENTS = ("report.save", "report.reopen")


class WritingState(StrEnum):
    NOT_STARTED = "not_started"
    WRITING = "writing"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return {"not_started": "未着手", "writing": "作成中", "submitted": "提出済み"}[self.value]


def carried_start(last_years_plan: str | None) -> str:
    """What a new draft's (2) starts from: last year's (5), marked as such."""
    return CARRIED_NOTE + last_years_plan if last_years_plan and last_years_plan.strip() else ""


def _last_years_plans(reports: list[ProgressReport]) -> dict[tuple[int, int], str]:
    """(initiative id, fiscal year) → that initiative's (5) of the year before, in one query."""
    if not reports:
        return {}
    wanted = {(report.initiative_id, report.fiscal_year - 1) for report in reports}
    columns = (ProgressReport.initiative_id, ProgressReport.fiscal_year, ProgressReport.next_year_plan)
    rows = db.session.execute(
        sa.select(*columns).where(
            ProgressReport.initiative_id.in_({initiative_id for initiative_id, _ in wanted}),
            ProgressReport.fiscal_year.in_({year for _, year in wanted}),
        )
    ).all()
    return {(initiative_id, year + 1): plan for initiative_id, year, plan in rows}


def blank_rows(report: ProgressReport, last_years_plan: str | None = None) -> list[str]:
    """The rows of (2)–(5) with nothing of this year's in them: empty, or (2) still only the
    start the round gave it."""
    start = carried_start(last_years_plan)
    return [
        ROW_NAMES[name]
        for name in REPORT_FIELDS
        if not getattr(report, name).strip() or (name == "progress" and start and report.progress == start)
    ]


def report_blank_rows(report: ProgressReport) -> list[str]:
    plan = _last_years_plans([report]).get((report.initiative_id, report.fiscal_year))
    return blank_rows(report, plan)


def writing_states(reports: list[ProgressReport]) -> dict[int, WritingState]:
    """Each report's state, in two queries whatever their number."""
    drafts = [report for report in reports if report.status is ReportStatus.DRAFT]
    worked_on = set()
    if drafts:
        worked_on = set(
            db.session.scalars(
                sa.select(AuditEvent.object_id).where(
                    AuditEvent.object_type == ProgressReport.__tablename__,
                    AuditEvent.object_id.in_([report.id for report in drafts]),
                    AuditEvent.action.in_(WRITING_EVENTS),
                )
            )
        )
    plans = _last_years_plans(drafts)
    states = {}
    for report in reports:
        if report.status is ReportStatus.SUBMITTED:
            states[report.id] = WritingState.SUBMITTED
        elif report.id in worked_on or len(blank_rows(report, plans.get(_key(report)))) < len(REPORT_FIELDS):
            states[report.id] = WritingState.WRITING
        else:
            states[report.id] = WritingState.NOT_STARTED
    return states


def _key(report: ProgressReport) -> tuple[int, int]:
    return report.initiative_id, report.fiscal_year


def content_digest(report: ProgressReport) -> str:
    """A fingerprint of what a confirmation page showed: submitting checks it is still what is stored."""
    parts = [getattr(report, name) for name in REPORT_FIELDS]
    parts.append(",".join(str(agency.id) for agency in report.proposal_agencies))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# --- how far a round has come (the dashboard) ---------------------------------------------------------


@dataclass
class RoundProgress:
    report_round: ReportRound
    #: how many of the round's reports stand where
    states: Counter
    total: int
    #: agencies whose every report of the round is submitted, of all agencies with one
    agencies_done: int
    agencies: int
    #: the user's agency's reports not submitted yet, of its reports; (0, 0) when it has none
    mine_left: int
    mine_total: int

    @property
    def submitted(self) -> int:
        return self.states[WritingState.SUBMITTED]

    @property
    def writing(self) -> int:
        return self.states[WritingState.WRITING]

    @property
    def not_started(self) -> int:
        return self.states[WritingState.NOT_STARTED]


def rounds_to_show(
    user, today: date, meeting_id: int | None
) -> tuple[ReportRound | None, ReportRound | None]:
    """In one query: the latest round the user may open that still waits for reports (a draft is
    left, or its deadline has not passed), and the round reported at the meeting `meeting_id`."""
    drafts = (
        sa.select(ProgressReport.id)
        .join(Initiative, Initiative.id == ProgressReport.initiative_id)
        .where(
            Initiative.council_id == ReportRound.council_id,
            ProgressReport.fiscal_year == ReportRound.fiscal_year,
            ProgressReport.status == ReportStatus.DRAFT,
        )
    )
    waits = sa.or_(ReportRound.deadline >= today, drafts.exists())
    at = ReportRound.meeting_id == meeting_id if meeting_id is not None else sa.false()
    rows = db.session.execute(
        visible(user, ReportRound)
        .add_columns(waits)
        .where(sa.or_(waits, at))
        .order_by(ReportRound.fiscal_year.desc(), ReportRound.id.desc())
    ).all()
    waiting = next((report_round for report_round, waiting in rows if waiting), None)
    at_meeting = next(
        (report_round for report_round, _ in rows if report_round.meeting_id == meeting_id), None
    )
    return waiting, at_meeting


def round_progress(report_round: ReportRound, user) -> RoundProgress:
    rows = db.session.execute(
        sa.select(ProgressReport, Initiative.lead_agency_id)
        .join(Initiative, Initiative.id == ProgressReport.initiative_id)
        .where(
            Initiative.council_id == report_round.council_id,
            ProgressReport.fiscal_year == report_round.fiscal_year,
        )
    ).all()
    states = writing_states([report for report, _ in rows])
    waiting_agencies = {agency for report, agency in rows if states[report.id] is not WritingState.SUBMITTED}
    agencies = {agency for _, agency in rows}
    mine = [report for report, agency in rows if user.agency_id is not None and agency == user.agency_id]
    return RoundProgress(
        report_round=report_round,
        states=Counter(states.values()),
        total=len(rows),
        agencies_done=len(agencies - waiting_agencies),
        agencies=len(agencies),
        mine_left=sum(states[report.id] is not WritingState.SUBMITTED for report in mine),
        mine_total=len(mine),
    )
