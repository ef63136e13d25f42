"""The secretariat's pre-meeting review: what happened to the follow-ups since the previous meeting
of the same council and kind, what carries over, what agencies want to discuss, which reports are missing.

The counts per agency cover every follow-up of the council; the lists show only the follow-ups the
viewer may open (the follow-up rule), so an agency member learns how much is open where without
reading other agencies' items. Everything is loaded in a fixed number of queries and grouped in Python.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..agencies.models import Agency
from ..auth.models import User
from ..cases.models import Case
from ..core.access import visible_clause
from ..core.time import TOKYO, fiscal_year_bounds, fiscal_year_of, to_tokyo, today_tokyo
from ..extensions import db
from ..followups.models import OPEN_STATUSES, FollowUp, FollowUpStatus
from ..initiatives.models import Initiative
from ..reports.models import ProgressReport, ReportStatus
from ..reports.rounds_models import ReportRound
from .models import Meeting
from .services import previous_meeting

NO_INITIATIVE = "（取組みとの紐づけなし）"
#: a case shows as its code: nothing else of it is loaded (one query, none when there are no cases)
MEETING_CASE_CODE = selectinload(Meeting.case).load_only(Case.id, Case.code)


@dataclass
class AgencyCounts:
    agency: Agency | None
    done: int = 0
    #: not done, the overdue ones included (未完了)
    unfinished: int = 0
    #: of the unfinished, those past their due date (うち期限超過)
    overdue: int = 0


@dataclass
class MissingReport:
    agency: Agency
    initiative: Initiative
    #: "未提出" (no report) or "下書き"
    state: str


@dataclass
class Review:
    meeting: Meeting
    previous: Meeting | None
    since: datetime
    reference_date: date
    fiscal_year: int
    done: list[FollowUp] = field(default_factory=list)
    #: unfinished and not yet due (the overdue ones have their own list)
    open: list[FollowUp] = field(default_factory=list)
    overdue: list[FollowUp] = field(default_factory=list)
    #: follow-ups from earlier meetings of this kind that are not done, with how often they were carried
    carried: list[tuple[FollowUp, int]] = field(default_factory=list)
    discuss: list[FollowUp] = field(default_factory=list)
    proposals: list[ProgressReport] = field(default_factory=list)
    #: reports not submitted, when a report round was opened for the fiscal year (else None)
    missing: list[MissingReport] | None = None
    counts: list[AgencyCounts] = field(default_factory=list)
    #: follow-ups counted above but left out of the lists: the viewer may not open them
    hidden: int = 0
    #: the council's objects the rows refer to, kept alive while the page is rendered
    preloaded: list = field(default_factory=list, repr=False)

    @property
    def totals(self) -> AgencyCounts:
        """The counts' 合計 row."""
        return AgencyCounts(
            None,
            done=sum(c.done for c in self.counts),
            unfinished=sum(c.unfinished for c in self.counts),
            overdue=sum(c.overdue for c in self.counts),
        )


def grouped(followups: list[FollowUp]) -> list[tuple[Agency, list[tuple[str, list[FollowUp]]]]]:
    """By responsible agency (the council's order), then by category and plan item."""
    by_agency: dict[int, tuple[Agency, dict[str, list[FollowUp]]]] = {}
    for followup in followups:
        agency = followup.responsible_agency
        groups = by_agency.setdefault(agency.id, (agency, {}))[1]
        groups.setdefault(topic_of(followup), []).append(followup)
    ordered = sorted(by_agency.values(), key=lambda pair: (pair[0].sort_order, pair[0].id))
    return [(agency, sorted(groups.items())) for agency, groups in ordered]


def topic_of(followup: FollowUp) -> str:
    """課題区分 and 項目 of the initiative a follow-up came from."""
    initiative = followup.source_initiative
    if initiative is None:
        return NO_INITIATIVE
    category = initiative.category.label if initiative.category else "区分なし"
    # every item the initiative reports on, named by the primary one's title: 1・8・9 関係機関が…
    item = (
        f"{initiative.plan_item_numbers} {initiative.plan_item.title}" if initiative.plan_item else "項目なし"
    )
    return f"{category}／{item}"


def build_review(meeting: Meeting, viewer: User | None) -> Review:
    """The review as `viewer` may read it; without a viewer (an e-mail's numbers) only the counts."""
    previous = previous_meeting(meeting)
    meeting_day = to_tokyo(meeting.starts_at).date()
    fiscal_year = fiscal_year_of(meeting_day)
    since = (
        previous.starts_at
        if previous
        else datetime.combine(fiscal_year_bounds(fiscal_year)[0], time(), TOKYO)
    )
    review = Review(meeting, previous, since, min(today_tokyo(), meeting_day), fiscal_year)
    _followups(review, viewer, until=meeting.starts_at)
    _reports(review)
    return review


def _followups(review: Review, viewer: User | None, until: datetime) -> None:
    meeting = review.meeting
    done_since = sa.and_(
        FollowUp.status == FollowUpStatus.DONE, FollowUp.done_at > review.since, FollowUp.done_at <= until
    )
    still_open = sa.and_(FollowUp.status.in_(OPEN_STATUSES), FollowUp.created_at <= until)
    in_council = FollowUp.council_id == meeting.council_id
    review.preloaded = _preload_council(meeting.council_id)
    # thousands of rows at prefecture scale: their agencies and initiatives are already in the session,
    # their people and meetings are loaded next, so the rows are loaded without joins (many-to-ones
    # come from the identity map)
    # each row comes with whether the viewer may open it (the follow-up rule, evaluated by the database)
    listed = visible_clause(viewer, FollowUp) if viewer is not None else sa.false()
    rows = db.session.execute(
        sa.select(FollowUp, listed.label("listed"))
        # each branch of the OR on its own index: the done ones by (council, done_at), the open ones by
        # (council, status, …) — not every follow-up of the council
        .where(sa.or_(sa.and_(in_council, done_since), sa.and_(in_council, still_open)))
        .order_by(FollowUp.due_date.is_(None), FollowUp.due_date, FollowUp.id)
        .options(selectinload(FollowUp.case).load_only(Case.id, Case.code))
    ).all()
    held_before = sa.and_(
        Meeting.council_id == meeting.council_id,
        Meeting.kind == meeting.kind,
        Meeting.starts_at <= meeting.starts_at,
        Meeting.cancelled_at.is_(None),
    )
    review.preloaded += _people_and_meetings_of([followup for followup, _listed in rows], held_before)
    # when the council's earlier meetings of this kind were held: a follow-up is carried once per meeting
    held = sorted(
        obj.starts_at
        for obj in review.preloaded
        if isinstance(obj, Meeting)
        and obj.kind is meeting.kind
        and obj.starts_at <= meeting.starts_at
        and not obj.is_cancelled
    )
    counts: dict[int, AgencyCounts] = {}
    for followup, is_listed in rows:
        agency_counts = counts.setdefault(
            followup.responsible_agency.id, AgencyCounts(followup.responsible_agency)
        )
        overdue = followup.is_overdue(review.reference_date)
        if followup.status is FollowUpStatus.DONE:
            agency_counts.done += 1
        else:
            agency_counts.unfinished += 1
            agency_counts.overdue += overdue
        if not is_listed:
            review.hidden += 1
            continue
        if followup.status is FollowUpStatus.DONE:
            review.done.append(followup)
            continue
        (review.overdue if overdue else review.open).append(followup)
        if followup.discuss_at_next_meeting:
            review.discuss.append(followup)
        source = followup.source_meeting
        if source is not None and source.kind is meeting.kind and source.starts_at < meeting.starts_at:
            review.carried.append(
                (
                    followup,
                    max(bisect_right(held, meeting.starts_at) - bisect_right(held, source.starts_at), 1),
                )
            )
    review.done.sort(key=lambda followup: followup.done_at)
    review.counts = sorted(counts.values(), key=lambda c: (c.agency.sort_order, c.agency.id))


def _preload_council(council_id: int) -> list:
    """The council's agencies and initiatives (with plan items), in three queries. The caller keeps the
    list: the session's identity map holds objects only while they are referenced."""
    return [
        *db.session.scalars(sa.select(Agency).where(Agency.council_id == council_id)),
        *db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.council_id == council_id)
            .options(joinedload(Initiative.plan_item), selectinload(Initiative.secondary_plan_items))
        ).unique(),
    ]


def _people_and_meetings_of(followups: list[FollowUp], held_before: sa.ColumnElement[bool]) -> list:
    """The owners and closers the rows refer to, their source meetings and the earlier meetings of the
    same kind (not the council's hundreds of meetings and users), in two queries whatever the rows."""
    people = {f.owner_id for f in followups} | {f.done_by_id for f in followups}
    sources = {f.source_meeting_id for f in followups}
    return [
        *db.session.scalars(sa.select(User).where(User.id.in_(people - {None}))),
        *db.session.scalars(
            sa.select(Meeting)
            .where(sa.or_(Meeting.id.in_(sources - {None}), held_before))
            .options(MEETING_CASE_CODE)
        ),
    ]


def _reports(review: Review) -> None:
    council_id = review.meeting.council_id
    round_opened = db.session.scalar(
        sa.select(ReportRound.id).where(
            ReportRound.council_id == council_id, ReportRound.fiscal_year == review.fiscal_year
        )
    )
    reports = db.session.scalars(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(Initiative.council_id == council_id, ProgressReport.fiscal_year == review.fiscal_year)
        .options(selectinload(ProgressReport.proposal_agencies))  # initiatives and agencies are preloaded
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    review.proposals = [report for report in reports if report.proposal_agencies]
    if round_opened is None:  # nobody was asked to report for this year: nothing is missing
        return
    review.missing = []
    by_initiative = {report.initiative_id: report for report in reports}
    initiatives = sorted(
        (obj for obj in review.preloaded if isinstance(obj, Initiative)), key=lambda i: (i.sort_order, i.id)
    )
    for initiative in initiatives:
        report = by_initiative.get(initiative.id)
        if report is None or report.status is ReportStatus.DRAFT:
            state = "未提出" if report is None else "下書き"
            review.missing.append(MissingReport(initiative.lead_agency, initiative, state))
