"""What the dashboard shows a user: what to do next, counted and listed as the user may see it."""

from dataclasses import dataclass
from datetime import date, timedelta

from ..core.access import can
from ..core.time import today_tokyo
from ..followups.models import FollowUp
from ..followups.services import (
    DUE_SOON_DAYS,
    FollowUpCounts,
    followup_counts,
    my_next_followups,
)
from ..initiatives.services import category_counts, default_fiscal_year
from ..meetings.models import Meeting
from ..meetings.services import next_meeting
from ..reports.writing import RoundProgress, round_progress, rounds_to_show
from .warnings import DashboardWarning, warnings_for


@dataclass
class Dashboard:
    today: date
    #: the last day of "due soon"
    soon_until: date
    warnings: list[DashboardWarning]
    counts: FollowUpCounts
    #: the user's own, the earliest first
    overdue: list[FollowUp]
    due_soon: list[FollowUp]
    #: (agency id, name, count); None for those who see only their own follow-ups
    overdue_by_agency: list | None
    #: the latest round still waiting for reports
    report_round: RoundProgress | None
    next_meeting: Meeting | None
    #: for the secretariat: the round reported at the next meeting (or the waiting one)
    meeting_round: RoundProgress | None
    fiscal_year: int
    category_counts: dict


def dashboard_for(user) -> Dashboard:
    today = today_tokyo()
    overdue, due_soon = my_next_followups(user, today)
    counts = followup_counts(user, today)
    meeting = next_meeting(user)
    waiting, at_meeting = rounds_to_show(user, today, meeting.id if meeting else None)
    progress = round_progress(waiting, user) if waiting else None
    meeting_round = None
    if meeting is not None and can(user, "prepare", meeting):
        # the round whose list the meeting discusses, else the one still waiting for reports
        meeting_round = round_progress(at_meeting, user) if at_meeting not in (None, waiting) else progress
    fiscal_year = default_fiscal_year(user)
    return Dashboard(
        today=today,
        soon_until=today + timedelta(days=DUE_SOON_DAYS),
        warnings=warnings_for(user),
        counts=counts,
        overdue=overdue,
        due_soon=due_soon,
        overdue_by_agency=list(counts.overdue_by_agency) if can(user, "see_council", FollowUp) else None,
        report_round=progress,
        next_meeting=meeting,
        meeting_round=meeting_round,
        fiscal_year=fiscal_year,
        category_counts=category_counts(user, fiscal_year),
    )
