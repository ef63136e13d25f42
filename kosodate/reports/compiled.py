"""The compiled progress status list (進捗状況一覧) of a council and fiscal year, in the seed's layout:
one column per initiative, in the council's order, columns of one agency side by side under one header.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..core.time import fiscal_year_label
from ..extensions import db
from ..initiatives.models import CATEGORY_LABELS, Category, Initiative
from .columns import ITEM_ROW, report_row_labels
from .models import ProgressReport
from .rounds_models import ReportRound

COLUMNS_PER_PAGE = 5
CATEGORY_SEPARATOR = "、"


@dataclass
class ListColumn:
    initiative: Initiative
    report: ProgressReport
    #: the column header (団体名) as the list shows it, e.g. 厚木市障がい福祉課①
    header: str

    @property
    def categories(self) -> str:
        return CATEGORY_SEPARATOR.join(category.label for category in self.initiative.categories) or "－"

    @property
    def texts(self) -> list[str]:
        """Rows (1)–(5)."""
        report = self.report
        texts = (report.progress, report.challenges, report.proposals, report.next_year_plan)
        return [self.initiative.content, *texts]

    @property
    def proposal_agencies(self) -> str:
        return CATEGORY_SEPARATOR.join(agency.name for agency in self.report.proposal_agencies)

    @property
    def plan_item_number(self) -> int | None:
        return self.initiative.plan_item.number if self.initiative.plan_item else None


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
            selectinload(ProgressReport.proposal_agencies),
        )
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    return [ListColumn(r.initiative, r, _header(r.initiative)) for r in reports]


def filter_columns(
    columns: list[ListColumn], category: Category | None, plan_item_id: int | None, agency_id: int | None
) -> list[ListColumn]:
    """The view per initiative: the columns under a category (any the agency ticked), plan item, agency."""
    return [
        column
        for column in columns
        if (category is None or category in column.initiative.categories)
        and (plan_item_id is None or column.initiative.plan_item_id == plan_item_id)
        and (agency_id is None or column.initiative.lead_agency_id == agency_id)
    ]


def header_groups(columns: list[ListColumn]) -> list[tuple[str, int]]:
    """(header, columns it spans): an agency's initiatives sharing a column stand under one header."""
    groups: list[tuple[str, int, int]] = []
    for column in columns:
        key = column.initiative.sort_order
        if groups and groups[-1][2] == key and groups[-1][0] == column.header:
            header, span, _ = groups[-1]
            groups[-1] = (header, span + 1, key)
        else:
            groups.append((column.header, 1, key))
    return [(header, span) for header, span, _ in groups]


def pages(columns: list[ListColumn], per_page: int = COLUMNS_PER_PAGE) -> list[list[ListColumn]]:
    """Five agency columns (headers) to a page, as the seed prints them; a header's initiatives stay
    together."""
    result: list[list[ListColumn]] = []
    index = 0
    for number, (_header, span) in enumerate(header_groups(columns)):
        if number % per_page == 0:
            result.append([])
        result[-1].extend(columns[index : index + span])
        index += span
    return result


def parse_categories(text: str) -> list[Category] | None:
    """The 課題区分 cell back into categories; None when a label is unknown."""
    labels = {label: category for category, label in CATEGORY_LABELS.items()}
    parts = [part for part in re.split(r"[、,，\s]+", text.strip()) if part and part != "－"]
    if any(part not in labels for part in parts):
        return None
    return [labels[part] for part in parts]


def _header(initiative: Initiative) -> str:
    return initiative.column_label or initiative.lead_agency.name


def document_number(council_id: int, fiscal_year: int) -> str:
    """資料番号 of the list: the one the year's report round gives, if any."""
    query = sa.select(ReportRound.document_number).where(
        ReportRound.council_id == council_id, ReportRound.fiscal_year == fiscal_year
    )
    return db.session.scalar(query) or ""
