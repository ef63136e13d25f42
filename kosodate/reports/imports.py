"""Importing a compiled list (the Excel file in the seed's layout, or the CSV) into a council's year.

Reading the file and planning what would change write nothing; `apply_import` writes the plan.
Every problem names the sheet, the cell and what is wrong.
"""

import csv
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy.orm import selectinload

from ..agencies.models import Agency, Council
from ..auth.models import User
from ..core import audit
from ..core.spreadsheet import csv_unescape
from ..core.text import has_control_characters
from ..core.time import now
from ..core.uploads import UNREADABLE, UploadRefused, check_office_file, sweep
from ..extensions import db
from ..initiatives.models import Category, Initiative, PlanItem
from .compiled import parse_categories
from .exports import CSV_HEADER
from .models import ProgressReport, ReportStatus
from .progress_xlsx import SHEET, SheetValue, read_workbook

log = logging.getLogger(__name__)
MAX_TEXT = 20_000
#: initiatives in one file (a prefecture-wide list has a few hundred)
MAX_COLUMNS = 2_000
#: an uploaded file waits this long under instance/imports for its preview to be confirmed
PREVIEW_LIFETIME = timedelta(hours=24)
TEXT_FIELDS = ("content", "progress", "challenges", "proposals", "next_year_plan")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
LIST_SEPARATORS = r"[・、,，\s]+"


@dataclass
class Problem:
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet} {self.cell}: {self.message}"


@dataclass
class ImportedColumn:
    header: str
    agency: Agency
    categories: list[Category]
    #: rows (1)–(5)
    texts: list[str]
    #: None when the file does not say (a workbook without sheet 取り込み用, as the seed's own)
    proposal_agencies: list[Agency] | None
    #: the primary first; None when the file does not say
    plan_items: list[PlanItem] | None
    position: int


@dataclass
class ImportPlan:
    creates: list[ImportedColumn] = field(default_factory=list)
    #: (column, the initiative it updates, names of the fields that change)
    updates: list[tuple[ImportedColumn, Initiative, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Reader:
    """Turns cells into domain objects of one council, collecting problems."""

    def __init__(self, council: Council, sheet_name: str):
        self.sheet = sheet_name
        self.problems: list[Problem] = []
        agencies = db.session.scalars(sa.select(Agency).where(Agency.council_id == council.id)).all()
        self.agencies = {agency.name: agency for agency in agencies}
        labels = db.session.execute(
            sa.select(Initiative.column_label, Agency).join(Agency, Initiative.lead_agency_id == Agency.id)
            .where(Initiative.council_id == council.id)
        ).all()  # fmt: skip
        self.labels = {label: agency for label, agency in labels if label}
        plan_items = db.session.scalars(sa.select(PlanItem).where(PlanItem.council_id == council.id)).all()
        self.plan_items_by_number = {item.number: item for item in plan_items}

    def problem(self, cell: str, message: str, sheet: str | None = None) -> None:
        self.problems.append(Problem(sheet or self.sheet, cell, message))

    def agency(self, cell: str, name: str, sheet: str | None = None) -> Agency | None:
        name = name.strip()
        agency = self.agencies.get(name) or self.labels.get(name) or self.agencies.get(name.rstrip(CIRCLED))
        if agency is None:
            message = f"関係機関「{name}」がこの連絡会議にありません。先に関係機関を登録してください。"
            self.problem(cell, message, sheet)
        return agency

    def text(self, cell: str, value) -> str:
        text = "" if value is None else str(value)
        if len(text) > MAX_TEXT:
            self.problem(cell, f"文字数が多すぎます（{MAX_TEXT:,}文字まで。この欄は{len(text):,}文字）。")
            return ""
        if has_control_characters(text):
            self.problem(cell, "使えない文字（制御文字）が含まれています。")
            return ""
        return text

    def categories(self, cell: str, value: str) -> list[Category]:
        categories = parse_categories(value)
        if categories is None:
            self.problem(cell, f"課題区分「{value}」が読めません（例: 体制構築、人材育成）。")
            return []
        return categories

    def plan_items(self, cell: str, value, sheet: str | None = None) -> list[PlanItem] | None:
        """1・8・9 (or 1、8、9): every item, the primary first; None for an empty cell."""
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            return None
        numbers = [number for number in re.split(LIST_SEPARATORS, text) if number]
        unknown = [n for n in numbers if not n.isdigit() or int(n) not in self.plan_items_by_number]
        if unknown:
            self.problem(cell, f"項目番号「{'・'.join(unknown)}」がこの連絡会議の項目にありません。", sheet)
            return None
        return [self.plan_items_by_number[int(number)] for number in numbers]

    def agency_list(self, cell: str, value, sheet: str | None = None) -> list[Agency]:
        names = [name for name in re.split(r"[、,]", str(value or "")) if name.strip()]
        return [agency for name in names if (agency := self.agency(cell, name, sheet)) is not None]


def read_xlsx(data: bytes, council: Council, fiscal_year: int) -> tuple[list[ImportedColumn], list[Problem]]:
    try:
        check_office_file(data)  # size, cells and DTDs, before openpyxl unpacks anything
        workbook = load_workbook(io.BytesIO(data))
    except UploadRefused as refusal:
        return [], [Problem("（ファイル）", "－", str(refusal))]
    except Exception:  # a damaged file makes openpyxl raise XML, key, type, value errors and more
        log.info("an uploaded .xlsx could not be read", exc_info=True)
        return [], [Problem("（ファイル）", "－", UNREADABLE)]
    cells, problems = read_workbook(workbook, fiscal_year)
    if problems:
        return [], [Problem(*problem) for problem in problems]
    reader = _Reader(council, SHEET)
    columns = []
    for column in cells:
        header = column.header
        columns.append(
            ImportedColumn(
                header=header.text,
                agency=reader.agency(header.cell, header.text, header.sheet),
                categories=reader.categories(column.categories.cell, column.categories.text),
                texts=[reader.text(value.cell, value.text) for value in column.texts],
                proposal_agencies=_optional(reader.agency_list, column.proposal_agencies),
                plan_items=_optional(reader.plan_items, column.plan_items),
                position=len(columns) + 1,
            )
        )
    return columns, reader.problems


def _optional(read, value: SheetValue | None):
    """What sheet 取り込み用 says, or None where the workbook does not say."""
    return None if value is None else read(value.cell, value.text, value.sheet)


def read_csv(data: bytes, council: Council) -> tuple[list[ImportedColumn], list[Problem]]:
    sheet = "CSV"
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        return [], [Problem(sheet, "－", "UTF-8 の CSV として読めません。")]
    if len(rows) > MAX_COLUMNS + 1:
        return [], [Problem(sheet, "－", f"行が多すぎます（{MAX_COLUMNS:,}行まで）。")]
    if not rows or rows[0] != CSV_HEADER:
        missing = [name for name in CSV_HEADER if name not in (rows[0] if rows else [])]
        detail = f"足りない列: {'、'.join(missing)}" if missing else "列の順番が違います"
        return [], [Problem(sheet, "1行目", f"見出しの行が書き出した CSV と違います（{detail}）。")]
    reader = _Reader(council, sheet)
    columns = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if len(row) != len(CSV_HEADER):
            reader.problem(f"{number}行目", f"列の数が{len(row)}個です（{len(CSV_HEADER)}個のはず）。")
            continue
        values = [csv_unescape(value) for value in row]
        agency = reader.agency(f"{number}行目 B列", values[1])
        columns.append(
            ImportedColumn(
                header=values[0],
                agency=agency,
                categories=reader.categories(f"{number}行目 D列", values[3]),
                texts=[reader.text(f"{number}行目 {'FGHIJ'[i]}列", values[5 + i]) for i in range(5)],
                proposal_agencies=reader.agency_list(f"{number}行目 K列", values[10]),
                plan_items=reader.plan_items(f"{number}行目 E列", values[4]),
                position=len(columns) + 1,
            )
        )
    return columns, reader.problems


def plan_import(council: Council, fiscal_year: int, columns: list[ImportedColumn], problems) -> ImportPlan:
    """What importing would create and change, matching the file's columns to the council's
    initiatives by header and order."""
    plan = ImportPlan(problems=list(problems))
    if plan.problems:
        return plan
    existing = db.session.scalars(
        sa.select(Initiative)
        .where(Initiative.council_id == council.id)
        .options(
            selectinload(Initiative.reports).selectinload(ProgressReport.proposal_agencies),
            selectinload(Initiative.plan_item),
            selectinload(Initiative.secondary_plan_items),
        )
        .order_by(Initiative.sort_order, Initiative.id)
    ).all()
    by_header: dict[tuple[int, str], list[Initiative]] = {}
    for initiative in existing:
        by_header.setdefault((initiative.lead_agency_id, initiative.column_label), []).append(initiative)
    seen: dict[tuple[int, str], int] = {}
    for column in columns:
        key = (column.agency.id, column.header)
        ordinal = seen.get(key, 0)
        seen[key] = ordinal + 1
        candidates = by_header.get(key, [])
        if ordinal >= len(candidates):
            plan.creates.append(column)
            continue
        initiative = candidates[ordinal]
        changed = _changed_fields(initiative, fiscal_year, column)
        if changed:
            plan.updates.append((column, initiative, changed))
        else:
            plan.unchanged += 1
    return plan


def _report_of(initiative: Initiative, fiscal_year: int) -> ProgressReport | None:
    return next((report for report in initiative.reports if report.fiscal_year == fiscal_year), None)


def _changed_fields(initiative: Initiative, fiscal_year: int, column: ImportedColumn) -> list[str]:
    report = _report_of(initiative, fiscal_year)
    current = [initiative.content] + [getattr(report, name) if report else "" for name in TEXT_FIELDS[1:]]
    changed = [name for name, old, new in zip(TEXT_FIELDS, current, column.texts, strict=True) if old != new]
    if report is None:
        changed.append("report")
    if column.categories != initiative.categories:
        changed.append("categories")
    if column.plan_items is not None and column.plan_items != initiative.plan_items:
        changed.append("plan_items")
    proposal_ids = [a.id for a in column.proposal_agencies or []]
    if column.proposal_agencies is not None and report is not None:
        changed += ["proposal_agencies"] if proposal_ids != [a.id for a in report.proposal_agencies] else []
    return changed


def apply_import(actor: User, council: Council, fiscal_year: int, plan: ImportPlan) -> None:
    """Write the plan; the caller commits."""
    last_order = db.session.scalar(
        sa.select(sa.func.max(Initiative.sort_order)).where(Initiative.council_id == council.id)
    ) or 0  # fmt: skip
    for column in plan.creates:
        initiative = Initiative(
            council_id=council.id,
            lead_agency=column.agency,
            column_label=column.header,
            sort_order=last_order + column.position,
            title=(column.texts[0].strip().splitlines() or [column.header])[0][:300],
        )
        db.session.add(initiative)
        _write(initiative, fiscal_year, column)
    for column, initiative, _changed in plan.updates:
        _write(initiative, fiscal_year, column)
    audit.record(
        "reports.import",
        actor=actor,
        obj=council,
        changes={"fiscal_year": [None, fiscal_year], "created": [None, len(plan.creates)],
                 "updated": [None, len(plan.updates)]},
    )  # fmt: skip


def _write(initiative: Initiative, fiscal_year: int, column: ImportedColumn) -> None:
    initiative.content = column.texts[0]
    initiative.category = column.categories[0] if column.categories else None
    initiative.secondary_categories = [category.value for category in column.categories[1:]]
    if column.plan_items is not None:
        initiative.plan_items = column.plan_items
    report = _report_of(initiative, fiscal_year) if initiative.id else None
    if report is None:
        report = ProgressReport(fiscal_year=fiscal_year, status=ReportStatus.SUBMITTED, submitted_at=now())
        initiative.reports.append(report)
    report.progress, report.challenges, report.proposals, report.next_year_plan = column.texts[1:]
    if column.proposal_agencies is not None:
        report.proposal_agencies = column.proposal_agencies


# --- uploaded files waiting for their preview to be confirmed ------------------------------------


def preview_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_previews() -> int:
    """Remove the files of previews nobody confirmed within PREVIEW_LIFETIME."""
    return sweep(preview_dir(), PREVIEW_LIFETIME)
