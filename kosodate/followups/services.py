"""The follow-up list with its filters, the dashboard's counts, what the forms offer."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from ..agencies.models import Agency
from ..auth.models import User
from ..cases.models import Case
from ..core.access import visible, visible_clause
from ..core.time import today_tokyo
from ..extensions import db
from ..initiatives.models import Category, Initiative
from ..initiatives.services import covers_plan_item
from ..meetings.models import Meeting
from .access import mine_clause
from .models import OPEN_STATUSES, FollowUp, FollowUpPriority, FollowUpStatus, followup_agencies

PAGE_SIZE = 50
MEETINGS_IN_FILTER = 100


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFilter:
    mine: bool = False
    #: statuses to show; empty: all
    statuses: tuple[FollowUpStatus, ...] = ()
    agency_id: int | None = None
    owner_id: int | None = None
    due_after: date | None = None
    due_before: date | None = None
    overdue: bool = False
    meeting_id: int | None = None
    category: Category | None = None
    plan_item_id: int | None = None
    discuss: bool = False
    text: str = ""
    sort: str = "due"
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def narrowing(self) -> int:
        """How many conditions narrow the list (besides the view and the status), for the folded
        filters' summary."""
        values = (self.agency_id, self.owner_id, self.due_after, self.due_before, self.meeting_id,
                  self.category, self.plan_item_id, self.text)  # fmt: skip
        return sum(value not in (None, "") for value in values) + self.overdue + self.discuss


SORTS = {
    "due": (FollowUp.due_date.is_(None), FollowUp.due_date, FollowUp.id),
    "-due": (FollowUp.due_date.is_(None), FollowUp.due_date.desc(), FollowUp.id.desc()),
    "updated": (FollowUp.updated_at.desc(), FollowUp.id.desc()),
    "created": (FollowUp.created_at.desc(), FollowUp.id.desc()),
    "priority": (
        sa.case(
            {FollowUpPriority.HIGH.value: 0, FollowUpPriority.NORMAL.value: 1},
            value=FollowUp.priority,
            else_=2,
        ),
        FollowUp.due_date.is_(None),
        FollowUp.due_date,
        FollowUp.id,
    ),
}
SORT_LABELS = {
    "due": "期限が近い順",
    "-due": "期限が遠い順",
    "updated": "更新順",
    "created": "登録順",
    "priority": "優先度順",
}


@dataclass
class FollowUpPage:
    followups: list[FollowUp]
    total: int
    page: int
    pages: int
    today: date = field(default_factory=today_tokyo)


def filtered_query(user: User, filters: FollowUpFilter, today: date) -> sa.Select:
    query = visible(user, FollowUp)
    if filters.mine:
        query = query.where(mine_clause(user))
    if filters.statuses:
        query = query.where(FollowUp.status.in_(filters.statuses))
    if filters.agency_id is not None:
        linked = sa.select(followup_agencies.c.followup_id).where(
            followup_agencies.c.agency_id == filters.agency_id
        )
        query = query.where(
            sa.or_(FollowUp.responsible_agency_id == filters.agency_id, FollowUp.id.in_(linked))
        )
    if filters.owner_id is not None:
        query = query.where(FollowUp.owner_id == filters.owner_id)
    if filters.due_after is not None:
        query = query.where(FollowUp.due_date >= filters.due_after)
    if filters.due_before is not None:
        query = query.where(FollowUp.due_date <= filters.due_before)
    if filters.overdue:
        query = query.where(FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_date < today)
    if filters.meeting_id is not None:
        query = query.where(FollowUp.source_meeting_id == filters.meeting_id)
    if filters.category is not None or filters.plan_item_id is not None:
        initiatives = sa.select(Initiative.id)
        if filters.category is not None:
            initiatives = initiatives.where(Initiative.category == filters.category)
        if filters.plan_item_id is not None:
            initiatives = initiatives.where(covers_plan_item(filters.plan_item_id))
        query = query.where(FollowUp.source_initiative_id.in_(initiatives))
    if filters.discuss:
        query = query.where(FollowUp.discuss_at_next_meeting.is_(True))
    if filters.text:
        pattern = "%" + filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                FollowUp.title.ilike(pattern, escape="\\"), FollowUp.description.ilike(pattern, escape="\\")
            )
        )
    return query


def list_followups(user: User, filters: FollowUpFilter) -> FollowUpPage:
    """One page of follow-ups with what the list shows, in a fixed number of queries."""
    today = today_tokyo()
    query = filtered_query(user, filters, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // filters.per_page))
    page = min(max(filters.page, 1), pages)
    rows = db.session.scalars(
        query.options(
            # only what a list (the page, the API) shows of each: fifty rows of whole users and meetings
            # were a third of the page's time
            joinedload(FollowUp.owner).load_only(User.id, User.name),
            joinedload(FollowUp.responsible_agency).load_only(Agency.id, Agency.name),
            joinedload(FollowUp.source_meeting).load_only(
                Meeting.id, Meeting.kind, Meeting.title, Meeting.starts_at, Meeting.case_id
            ),
            # the case shows as its code only: nothing else of it is loaded
            joinedload(FollowUp.case).load_only(Case.id, Case.code),
            selectinload(FollowUp.linked_agencies).load_only(Agency.id, Agency.name),
        )
        .order_by(*SORTS.get(filters.sort, SORTS["due"]))
        .limit(filters.per_page)
        .offset((page - 1) * filters.per_page)
    ).all()
    return FollowUpPage(list(rows), total, page, pages, today)


# --- the dashboard -------------------------------------------------------------------------------


#: "due soon" on the dashboard: within this many days from today
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class FollowUpCounts:
    open: int = 0
    overdue: int = 0
    mine_open: int = 0
    mine_overdue: int = 0
    mine_due_soon: int = 0
    #: (agency id, name, overdue count) by responsible agency, the most first
    overdue_by_agency: tuple = ()


def followup_counts(user: User, today: date, agencies: int = 10) -> FollowUpCounts:
    """Open and overdue follow-ups the user may open, those of them that are theirs, and the overdue
    by responsible agency (the first `agencies`): one scan, grouped by agency and summed here."""
    open_ones = (
        sa.select(FollowUp)
        .where(visible_clause(user, FollowUp), FollowUp.status.in_(OPEN_STATUSES))
        .subquery()
    )
    overdue = open_ones.c.due_date < today
    due_soon = open_ones.c.due_date.between(today, today + timedelta(days=DUE_SOON_DAYS))
    mine = mine_clause(user, open_ones.c)
    rows = db.session.execute(
        sa.select(
            Agency.id,
            Agency.name,
            sa.func.count(),
            sa.func.count().filter(overdue),
            sa.func.count().filter(mine),
            sa.func.count().filter(sa.and_(mine, overdue)),
            sa.func.count().filter(sa.and_(mine, due_soon)),
        )
        .select_from(open_ones)
        .join(Agency, Agency.id == open_ones.c.responsible_agency_id)
        .group_by(Agency.id, Agency.name, Agency.sort_order)
        .order_by(Agency.sort_order, Agency.id)
    ).all()
    totals = [sum(column) for column in zip(*(row[2:] for row in rows), strict=True)] if rows else []
    by_agency = sorted(((row[0], row[1], row[3]) for row in rows if row[3]), key=lambda row: -row[2])
    return FollowUpCounts(*totals, overdue_by_agency=tuple(by_agency[:agencies]))


def my_next_followups(user: User, today: date, limit: int = 5) -> tuple[list[FollowUp], list[FollowUp]]:
    """The user's own overdue follow-ups and those due soon, the earliest first, `limit` of each:
    one scan, ranked within each of the two."""
    late = FollowUp.due_date < today
    ranked = (
        visible(user, FollowUp)
        .where(
            mine_clause(user),
            FollowUp.status.in_(OPEN_STATUSES),
            FollowUp.due_date <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .add_columns(
            sa.func.row_number()
            .over(partition_by=late, order_by=(FollowUp.due_date, FollowUp.id))
            .label("rank")
        )
        .subquery()
    )
    followup = aliased(FollowUp, ranked)
    rows = db.session.scalars(
        sa.select(followup)
        .where(ranked.c.rank <= limit)
        .options(joinedload(followup.responsible_agency), joinedload(followup.owner))
        .order_by(followup.due_date, followup.id)
    ).all()
    return [f for f in rows if f.due_date < today], [f for f in rows if f.due_date >= today]


# --- what the forms offer ------------------------------------------------------------------------


@dataclass
class FormChoices:
    """The agencies, users, meetings and initiatives a follow-up of a council may refer to."""

    agencies: list
    users: list
    meetings: list
    initiatives: list


def form_choices(council_id: int | None, case: Case | None = None) -> FormChoices:
    """For one council; None (an admin without a council in view): every council. Of the cases'
    meetings, only those of `case` (the others are their care teams')."""

    def of_council(query, column):
        return query if council_id is None else query.where(column == council_id)

    agencies = db.session.scalars(
        of_council(sa.select(Agency).where(Agency.active), Agency.council_id).order_by(
            Agency.council_id, Agency.sort_order, Agency.id
        )
    ).all()
    users = db.session.scalars(
        of_council(
            sa.select(User).join(User.agency).where(User.active).options(contains_eager(User.agency)),
            Agency.council_id,
        ).order_by(Agency.sort_order, User.name)
    ).all()
    case_meetings = (
        Meeting.case_id.is_(None)
        if case is None
        else sa.or_(Meeting.case_id.is_(None), Meeting.case_id == case.id)
    )
    meetings = db.session.scalars(
        of_council(sa.select(Meeting).where(case_meetings), Meeting.council_id).order_by(
            Meeting.starts_at.desc()
        )
    ).all()
    initiatives = db.session.scalars(
        of_council(
            sa.select(Initiative).options(selectinload(Initiative.lead_agency)), Initiative.council_id
        ).order_by(Initiative.sort_order, Initiative.id)
    ).all()
    return FormChoices(list(agencies), list(users), list(meetings), list(initiatives))


@dataclass
class FilterOptions:
    """What the list's filters and bulk actions offer, as plain rows: the page renders hundreds."""

    agencies: list  # (id, name)
    #: (id, name) of the filtered agency's people; the others' are loaded when an agency is chosen
    users: list
    meetings: list  # (id, starts_at, title)


def filter_options(council_id: int | None, agency_id: int | None = None) -> FilterOptions:
    def of_council(query, column):
        return query if council_id is None else query.where(column == council_id)

    agencies = db.session.execute(
        of_council(sa.select(Agency.id, Agency.name).where(Agency.active), Agency.council_id).order_by(
            Agency.council_id, Agency.sort_order, Agency.id
        )
    ).all()
    users = agency_people(agency_id) if agency_id in {agency.id for agency in agencies} else []
    # the latest meetings only: a council holds hundreds a year (case conferences); older ones are
    # reached from the meeting's own page, whose link sets the filter
    meetings = db.session.execute(
        of_council(sa.select(Meeting.id, Meeting.starts_at, Meeting.title), Meeting.council_id)
        .where(Meeting.case_id.is_(None))  # a case's meetings are its care team's
        .order_by(Meeting.starts_at.desc())
        .limit(MEETINGS_IN_FILTER)
    ).all()
    return FilterOptions(list(agencies), users, list(meetings))


def agency_people(agency_id: int) -> list:
    """(id, name) of an agency's active users: who may own its follow-ups."""
    return list(
        db.session.execute(
            sa.select(User.id, User.name).where(User.agency_id == agency_id, User.active).order_by(User.name)
        ).all()
    )
