"""The compiled progress status list (進捗状況一覧) of a council and fiscal year, in the seed's layout:
one column per initiative, in the council's order, columns of one agency side by side under one header.
"""

import re
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..core.time import fiscal_year_label
from ..extensions import db
from ..initiatives.models import CATEGORY_LABELS, PLAN_ITEM_SEPARATOR, Category, Initiative
from .columns import ITEM_ROW, report_row_labels
from .models import ProgressReport, ReportStatus
from .rounds_models import ReportRound

CATEGORY_SEPARATOR = "、"


@dataclass(frozen=True)
class ListColumn:
    """One initiative's column as the list shows it. Plain values only: whatever the exports print is
    here, so a fingerprint of the columns changes whenever a printed file would (see export_cache)."""

    initiative_id: int
    #: the column header (団体名) as the list shows it, e.g. 厚木市障がい福祉課①
    header: str
    #: the column's position in the list: an agency's initiatives sharing it stand under one header
    group: int
    agency_id: int
    agency: str
    categories: tuple[Category, ...]
    plan_item_ids: tuple[int, ...]
    plan_item_numbers: tuple[int, ...]
    #: rows (1)–(5)
    texts: tuple[str, ...]
    proposal_agencies: tuple[str, ...]
    status: ReportStatus

    @property
    def category_labels(self) -> str:
        return CATEGORY_SEPARATOR.join(category.label for category in self.categories) or "－"

    @property
    def proposal_agency_names(self) -> str:
        return CATEGORY_SEPARATOR.join(self.proposal_agencies)

    @property
    def plan_item_text(self) -> str:
        """1・8・9; empty without a plan item."""
        return PLAN_ITEM_SEPARATOR.join(str(number) for number in self.plan_item_numbers)


def row_labels(fiscal_year: int) -> list[str]:
    return [ITEM_ROW] + [label for _attribute, label in report_row_labels(fiscal_year)]


def list_title(fiscal_year: int) -> str:
    return f"{fiscal_year_label(fiscal_year, with_western=False)}取組み進捗状況一覧"


def compiled_columns(council_id: int, fiscal_year: int) -> list[ListColumn]:
    """Every initiative of the council with a report for the year, in the list's order."""
    reports = db.session.scalars(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(Initiative.council_id == council_id, ProgressReport.fiscal_year == fiscal_year)
        .options(
            joinedload(ProgressReport.initiative).joinedload(Initiative.lead_agency),
            joinedload(ProgressReport.initiative).joinedload(Initiative.plan_item),
            joinedload(ProgressReport.initiative).selectinload(Initiative.secondary_plan_items),
            selectinload(ProgressReport.proposal_agencies),
        )
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    return [_column(report) for report in reports]


def _column(report: ProgressReport) -> ListColumn:
    initiative = report.initiative
    texts = (report.progress, report.challenges, report.proposals, report.next_year_plan)
    return ListColumn(
        initiative_id=initiative.id,
        header=initiative.column_label or initiative.lead_agency.name,
        group=initiative.sort_order,
        agency_id=initiative.lead_agency_id,
        agency=initiative.lead_agency.name,
        categories=tuple(initiative.categories),
        plan_item_ids=tuple(item.id for item in initiative.plan_items),
        plan_item_numbers=tuple(item.number for item in initiative.plan_items),
        texts=(initiative.content, *texts),
        proposal_agencies=tuple(agency.name for agency in report.proposal_agencies),
        status=report.status,
    )


def filter_columns(
    columns: list[ListColumn], category: Category | None, plan_item_id: int | None, agency_id: int | None
) -> list[ListColumn]:
    """The view per initiative: the columns under a category (any the agency ticked), plan item (any the
    initiative reports on), agency."""
    return [
        column
        for column in columns
        if (category is None or category in column.categories)
        and (plan_item_id is None or plan_item_id in column.plan_item_ids)
        and (agency_id is None or column.agency_id == agency_id)
    ]


class AgencyChoice(NamedTuple):
    id: int
    name: str


def agency_choices(columns: list[ListColumn]) -> list[AgencyChoice]:
    """The agencies of the list, in its order, for the filter."""
    return [AgencyChoice(*pair) for pair in {column.agency_id: column.agency for column in columns}.items()]


def parse_categories(text: str) -> list[Category] | None:
    """The 課題区分 cell back into categories; None when a label is unknown."""
    labels = {label: category for category, label in CATEGORY_LABELS.items()}
    parts = [part for part in re.split(r"[、,，\s]+", text.strip()) if part and part != "－"]
    if any(part not in labels for part in parts):
        return None
    return [labels[part] for part in parts]


def document_number(council_id: int, fiscal_year: int) -> str:
    """資料番号 of the list: the one the year's report round gives, if any."""
    query = sa.select(ReportRound.document_number).where(
        ReportRound.council_id == council_id, ReportRound.fiscal_year == fiscal_year
    )
    return db.session.scalar(query) or ""
