"""Which reminders are due at a moment, computed from the data (not from timer firings).

For every follow-up, meeting and report round the rules give the days a reminder falls on (09:00
Tokyo, moved to the business day before, or after for overdue ones). At a moment T only the latest
such day at or before T counts: a scheduler that was down for days sends one reminder, not a backlog.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..agencies.models import Agency
from ..auth.models import Role, User
from ..cases.models import CareTeamMember
from ..core.time import to_tokyo
from ..extensions import db
from ..followups.models import OPEN_STATUSES, FollowUp
from ..initiatives.models import Initiative
from ..meetings.models import Meeting, MeetingKind, meeting_attendees
from ..reports.models import ProgressReport, ReportStatus
from ..reports.rounds_models import ReportRound
from .calendar import business_day_after, business_day_on_or_after, business_day_on_or_before, send_moment
from .models import ReminderKind

#: a due date this far ahead can still have a "due soon" day before the next holidays end
LOOKAHEAD_DAYS = 20
OVERDUE_REPEAT_DAYS = 7


@dataclass
class Reminder:
    """One e-mail to produce: the dedupe key makes producing it twice store it once."""

    kind: ReminderKind
    object_type: str
    object_id: int
    occurrence: str
    email: str
    user: User | None = None
    valid_for: str = ""
    context: dict = field(default_factory=dict)

    @property
    def recipient(self) -> str:
        return f"user:{self.user.id}" if self.user else f"email:{self.email}"

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.object_type}:{self.object_id}:{self.recipient}:{self.occurrence}"


def latest_day(days: list[date], moment: datetime) -> date | None:
    """The latest reminder day whose 09:00 is at or before the moment."""
    passed = [day for day in days if send_moment(day) <= moment]
    return max(passed) if passed else None


def due_soon_days(due: date) -> list[date]:
    return [
        business_day_on_or_before(due - timedelta(days=n))
        for n in current_app.config["REMINDER_DUE_SOON_DAYS"]
    ]


def overdue_day(due: date, moment: datetime) -> date | None:
    """The first business day after the due date, then every week while open (a week's day that is
    a holiday moves to the next business day)."""
    first = business_day_after(due)
    if send_moment(first) > moment:
        return None
    weeks = (to_tokyo(moment).date() - first).days // OVERDUE_REPEAT_DAYS
    for week in range(weeks + 1, -1, -1):
        day = business_day_on_or_after(first + timedelta(days=OVERDUE_REPEAT_DAYS * week))
        if send_moment(day) <= moment:
            return day
    return first


def followup_reminder_day(due: date, moment: datetime) -> tuple[ReminderKind, date | None]:
    """The kind and the day of a follow-up's latest reminder at the moment, from its due date alone."""
    if due >= to_tokyo(moment).date():
        return ReminderKind.DUE_SOON, latest_day(due_soon_days(due), moment)
    return ReminderKind.OVERDUE, overdue_day(due, moment)


def followup_reminders(moment: datetime) -> list[Reminder]:
    """Only the columns the rule needs; the day is computed once per due date (a council's thousands of
    open follow-ups share a few hundred dates). The e-mail is rendered when it is sent."""
    today = to_tokyo(moment).date()
    open_with_date = (
        FollowUp.status.in_(OPEN_STATUSES),
        FollowUp.due_date.is_not(None),
        FollowUp.due_date <= today + timedelta(days=LOOKAHEAD_DAYS),
        FollowUp.created_at <= moment,
    )
    rows = db.session.execute(
        sa.select(FollowUp.id, FollowUp.due_date, FollowUp.owner_id, Agency.contact_email)
        .join(Agency, Agency.id == FollowUp.responsible_agency_id)
        .where(*open_with_date)
    ).all()
    owner_ids = sa.select(FollowUp.owner_id).where(*open_with_date).distinct()
    active_owners = sa.select(User).where(User.id.in_(owner_ids), User.active)
    owners = {user.id: user for user in db.session.scalars(active_owners)}
    days: dict[date, tuple[ReminderKind, date | None]] = {}
    reminders = []
    for followup_id, due, owner_id, contact in rows:
        user = owners.get(owner_id)
        email = user.email if user is not None else contact
        if not email:
            continue
        if due not in days:
            days[due] = followup_reminder_day(due, moment)
        kind, day = days[due]
        if day is not None:
            reminders.append(
                Reminder(kind, "followup", followup_id, day.isoformat(), email, user, due.isoformat())
            )
    return reminders


def meeting_reminders(moment: datetime) -> list[Reminder]:
    """To the attendee agencies' members 7 days and 1 day before; the digest to the secretariat."""
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.starts_at > moment,
            Meeting.starts_at <= moment + timedelta(days=LOOKAHEAD_DAYS + 30),
            Meeting.cancelled_at.is_(None),
        )
        .options(joinedload(Meeting.council), joinedload(Meeting.case))
    ).all()
    if not meetings:
        return []
    # a case's meeting: only the attendees that are on the case's care team
    on_team = sa.select(CareTeamMember.id).where(
        CareTeamMember.case_id == Meeting.case_id,
        CareTeamMember.agency_id == meeting_attendees.c.agency_id,
        CareTeamMember.removed_at.is_(None),
    )
    members = db.session.execute(
        sa.select(meeting_attendees.c.meeting_id, User)
        .join(User, User.agency_id == meeting_attendees.c.agency_id)
        .join(Meeting, Meeting.id == meeting_attendees.c.meeting_id)
        .where(
            meeting_attendees.c.meeting_id.in_([m.id for m in meetings]),
            User.active,
            sa.or_(Meeting.case_id.is_(None), on_team.exists()),
        )
    ).all()
    by_meeting: dict[int, list[User]] = {}
    for meeting_id, user in members:
        by_meeting.setdefault(meeting_id, []).append(user)
    secretariats = db.session.execute(
        sa.select(Agency.council_id, User).join(User.agency).where(User.role == Role.SECRETARIAT, User.active)
    ).all()
    reminders = []
    digest_days = current_app.config["REMINDER_MEETING_DIGEST_DAYS"]
    for meeting in meetings:
        start = to_tokyo(meeting.starts_at).date()
        days = [business_day_on_or_before(start - timedelta(days=n)) for n in (7, 1)]
        day = latest_day(days, moment)
        if day is not None:
            for user in by_meeting.get(meeting.id, []):
                reminders.append(
                    _meeting_reminder(ReminderKind.MEETING, meeting, day, user, {"meeting": meeting})
                )
        if meeting.kind is not MeetingKind.LIAISON:
            continue
        day = latest_day([business_day_on_or_before(start - timedelta(days=digest_days))], moment)
        recipients = [user for council_id, user in secretariats if council_id == meeting.council_id]
        if day is not None and recipients:
            for user in recipients:
                reminders.append(
                    _meeting_reminder(ReminderKind.MEETING_DIGEST, meeting, day, user, {"meeting": meeting})
                )
    return reminders


def _meeting_reminder(kind: ReminderKind, meeting: Meeting, day: date, user: User, context: dict) -> Reminder:
    valid_for = meeting.starts_at.isoformat()
    return Reminder(kind, "meeting", meeting.id, day.isoformat(), user.email, user, valid_for, context)


def report_deadline_reminders(moment: datetime) -> list[Reminder]:
    """7 and 2 days before a round's deadline, to agencies whose reports are not all submitted."""
    today = to_tokyo(moment).date()
    rounds = db.session.scalars(sa.select(ReportRound).where(ReportRound.deadline >= today)).all()
    reminders = []
    for report_round in rounds:
        days = [business_day_on_or_before(report_round.deadline - timedelta(days=n)) for n in (7, 2)]
        day = latest_day(days, moment)
        if day is None:
            continue
        for user, email in waiting_agency_recipients(report_round):
            reminders.append(report_reminder(report_round, day.isoformat(), user, email))
    return reminders


def waiting_agency_recipients(report_round: ReportRound, agency_ids: list[int] | None = None):
    """Members of agencies with a report of the round still a draft (or the agency's address)."""
    waiting = (
        sa.select(Initiative.lead_agency_id)
        .join(ProgressReport, ProgressReport.initiative_id == Initiative.id)
        .where(
            Initiative.council_id == report_round.council_id,
            ProgressReport.fiscal_year == report_round.fiscal_year,
            ProgressReport.status == ReportStatus.DRAFT,
        )
    )
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(waiting))).all()
    if agency_ids is not None:
        agencies = [agency for agency in agencies if agency.id in agency_ids]
    return agency_recipients(agencies)


def agency_recipients(agencies: list[Agency]) -> list[tuple[User | None, str]]:
    users = db.session.scalars(
        sa.select(User).where(
            User.agency_id.in_([a.id for a in agencies]), User.active, User.role == Role.AGENCY_MEMBER
        )
    ).all()
    with_members = {user.agency_id for user in users}
    recipients: list[tuple[User | None, str]] = [(user, user.email) for user in users]
    recipients += [(None, a.contact_email) for a in agencies if a.id not in with_members and a.contact_email]
    return recipients


def report_reminder(report_round: ReportRound, occurrence: str, user: User | None, email: str) -> Reminder:
    return Reminder(
        ReminderKind.REPORT_REQUESTED, "report_round", report_round.id, occurrence, email, user,
        report_round.deadline.isoformat(), {"round": report_round},
    )  # fmt: skip


def report_returned_reminders(report: ProgressReport, reason: str, stamp: str) -> list[Reminder]:
    """At once, to the members of the report's agency (or its address), with the secretariat's reason."""
    context = {"report": report, "reason": reason}
    return [
        Reminder(ReminderKind.REPORT_RETURNED, "progress_report", report.id, stamp, email, user, "", context)
        for user, email in agency_recipients([report.initiative.lead_agency])
    ]


def assigned_reminders(followup: FollowUp, stamp: str) -> list[Reminder]:
    """At once, to the owner and the responsible agency's address."""
    reminders = []
    if followup.owner is not None and followup.owner.active:
        reminders.append(Reminder(ReminderKind.ASSIGNED, "followup", followup.id, stamp, followup.owner.email,
                                  followup.owner, "", {"followup": followup}))  # fmt: skip
    contact = followup.responsible_agency.contact_email
    if contact:
        reminders.append(Reminder(ReminderKind.ASSIGNED, "followup", followup.id, stamp, contact, None, "",
                                  {"followup": followup}))  # fmt: skip
    return reminders


def case_emergency_reminders(member: CareTeamMember, stamp: str) -> list[Reminder]:
    """To the lead agency's users and the council's secretariat, by the case's code only."""
    case = member.case
    users = db.session.scalars(
        sa.select(User)
        .join(User.agency)
        .where(
            User.active,
            sa.or_(
                User.agency_id == case.lead_agency_id,
                sa.and_(Agency.council_id == case.council_id, User.role == Role.SECRETARIAT),
            ),
        )
        .order_by(User.id)
    ).all()
    context = {"case": case, "member": member}
    return [
        Reminder(
            ReminderKind.CASE_EMERGENCY,
            "case",
            case.id,
            f"member:{member.id}:{stamp}",
            user.email,
            user,
            "",
            context,
        )
        for user in users
    ]


def due_reminders(moment: datetime) -> list[Reminder]:
    return followup_reminders(moment) + meeting_reminders(moment) + report_deadline_reminders(moment)
