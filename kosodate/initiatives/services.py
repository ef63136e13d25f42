"""Which initiatives a user sees, filtered as the initiatives page asks."""

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.access import visible, visible_clause
from ..core.time import fiscal_year_of, today_tokyo
from ..extensions import db
from ..reports.models import ProgressReport
from .models import Category, Initiative, PlanItem, initiative_secondary_plan_items


@dataclass(frozen=True)
class InitiativeFilter:
    fiscal_year: int | None = None
    category: Category | None = None
    agency_id: int | None = None
    plan_item_id: int | None = None


def has_category(category: Category) -> sa.ColumnElement[bool]:
    """The initiative's primary category or one of the further ones the agency ticked."""
    # the JSON list is stored as text on both databases, its codes quoted
    secondary = sa.cast(Initiative.secondary_categories, sa.String).contains(f'"{category.value}"')
    return sa.or_(Initiative.category == category, secondary)


def covers_plan_item(plan_item_id: int) -> sa.ColumnElement[bool]:
    """The initiative's primary plan item or one of the further ones it reports on."""
    secondary = sa.select(initiative_secondary_plan_items.c.initiative_id).where(
        initiative_secondary_plan_items.c.plan_item_id == plan_item_id
    )
    return sa.or_(Initiative.plan_item_id == plan_item_id, Initiative.id.in_(secondary))


def report_years(user: User) -> list[int]:
    """Fiscal years for which the user's councils have progress reports, newest first."""
    query = (
        sa.select(ProgressReport.fiscal_year)
        .join(Initiative)
        .where(visible_clause(user, Initiative))
        .distinct()
        .order_by(ProgressReport.fiscal_year.desc())
    )
    return list(db.session.scalars(query))


def default_fiscal_year(user: User) -> int:
    years = report_years(user)
    return years[0] if years else fiscal_year_of(today_tokyo())


def list_initiatives(user: User, filters: InitiativeFilter) -> list[tuple[Initiative, ProgressReport | None]]:
    """Initiatives with their report of the chosen fiscal year, in the compiled list's order.

    With a fiscal year chosen, only initiatives that have a report for it are listed.
    """
    query = visible(user, Initiative).options(
        selectinload(Initiative.lead_agency),
        selectinload(Initiative.plan_item),
        selectinload(Initiative.secondary_plan_items),
        selectinload(Initiative.linked_agencies),
    )
    if filters.category is not None:
        query = query.where(has_category(filters.category))
    if filters.agency_id is not None:
        query = query.where(Initiative.lead_agency_id == filters.agency_id)
    if filters.plan_item_id is not None:
        query = query.where(covers_plan_item(filters.plan_item_id))
    order = (Initiative.council_id, Initiative.sort_order, Initiative.id)
    if filters.fiscal_year is None:
        return [(initiative, None) for initiative in db.session.scalars(query.order_by(*order))]
    with_report = query.add_columns(ProgressReport).join(
        ProgressReport,
        sa.and_(
            ProgressReport.initiative_id == Initiative.id,
            ProgressReport.fiscal_year == filters.fiscal_year,
        ),
    )
    return [tuple(row) for row in db.session.execute(with_report.order_by(*order))]


def visible_plan_items(user: User, council_id: int | None = None) -> list[PlanItem]:
    query = visible(user, PlanItem).order_by(PlanItem.council_id, PlanItem.number)
    if council_id is not None:
        query = query.where(PlanItem.council_id == council_id)
    return list(db.session.scalars(query))


def reports_of(initiative: Initiative) -> list[ProgressReport]:
    query = (
        sa.select(ProgressReport)
        .where(ProgressReport.initiative_id == initiative.id)
        .options(selectinload(ProgressReport.proposal_agencies))
        .order_by(ProgressReport.fiscal_year.desc())
    )
    return list(db.session.scalars(query))


def category_counts(user: User, fiscal_year: int) -> dict[Category | None, int]:
    """How many initiatives with a report in the year fall under each category, counting an
    initiative under every category it has (as the category filter finds it); None: no category."""
    query = (
        sa.select(Initiative)
        .join(ProgressReport, ProgressReport.initiative_id == Initiative.id)
        .where(visible_clause(user, Initiative), ProgressReport.fiscal_year == fiscal_year)
    )
    counts = Counter()
    for initiative in db.session.scalars(query):
        counts.update(initiative.categories or [None])
    return dict(counts)
