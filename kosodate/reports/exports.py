"""The compiled list as Excel and PDF (laid out like the seed) and as CSV (one row per initiative)."""

import csv
import io
import math

from flask import render_template
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ..core.spreadsheet import csv_escape, set_text
from .compiled import ListColumn, header_groups, list_title, pages, row_labels

SHEET = "進捗状況一覧"
HEADER_ROWS = ("団体名", "課題区分")
EXTRA_ROWS = ("話し合いたい関係機関", "項目番号")
FIRST_TEXT_ROW = 4
COLUMN_WIDTH = 34
LABEL_WIDTH = 18
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
LABEL_FILL = PatternFill("solid", fgColor="EEF2F6")
CSV_HEADER = [
    "団体名",
    "関係機関",
    "列",
    "課題区分",
    "項目番号",
    "（１）",
    "（２）",
    "（３）",
    "（４）",
    "（５）",
    "話し合いたい関係機関",
]


def to_xlsx(columns: list[ListColumn], fiscal_year: int, document_number: str = "") -> bytes:
    """Row labels down column A, one initiative a column, five to an A3 landscape page."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    title = list_title(fiscal_year)
    labels = [*HEADER_ROWS, *row_labels(fiscal_year), *EXTRA_ROWS]
    set_text(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for offset, label in enumerate(labels):
        cell = sheet.cell(row=2 + offset, column=1)
        set_text(cell, label)
        cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), LABEL_FILL, WRAP, BORDER
    sheet.column_dimensions["A"].width = LABEL_WIDTH

    column_index = 2
    for header, span in header_groups(columns):
        cell = sheet.cell(row=2, column=column_index)
        set_text(cell, header)
        cell.font, cell.alignment = (
            Font(bold=True),
            Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        if span > 1:
            sheet.merge_cells(
                start_row=2, start_column=column_index, end_row=2, end_column=column_index + span - 1
            )
        column_index += span
    for index, column in enumerate(columns, start=2):
        values = [
            column.categories,
            *column.texts,
            column.proposal_agencies,
            str(column.plan_item_number or ""),
        ]
        for offset, value in enumerate(values):
            cell = sheet.cell(row=3 + offset, column=index)
            set_text(cell, value)
            cell.alignment, cell.border = WRAP, BORDER
        sheet.cell(row=2, column=index).border = BORDER
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTH
    _fit_row_heights(sheet, columns, len(labels))
    _page_breaks(sheet, columns)

    sheet.print_title_rows = "1:3"
    sheet.print_title_cols = "A:A"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToHeight = 0
    sheet.oddHeader.center.text = title
    sheet.oddHeader.right.text = document_number
    sheet.oddFooter.center.text = "&P / &N"
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fit_row_heights(sheet, columns: list[ListColumn], rows: int) -> None:
    """openpyxl never fits heights: estimate the lines each wrapped cell needs (a CJK character is
    about two widths of a Latin one) and give the row the tallest."""
    chars_per_line = COLUMN_WIDTH / 2 * 0.95
    for row in range(3, 2 + rows):
        lines = 1
        for index in range(2, len(columns) + 2):
            text = sheet.cell(row=row, column=index).value or ""
            lines = max(
                lines, sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
            )
        sheet.row_dimensions[row].height = min(409, 15 * lines + 4)


def _page_breaks(sheet, columns: list[ListColumn]) -> None:
    index = 1
    for page in pages(columns)[:-1]:
        index += len(page)
        sheet.col_breaks.append(Break(id=index))


def to_csv(columns: list[ListColumn]) -> bytes:
    """UTF-8 with a BOM, so that Excel in Japan opens it right; one row per initiative."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for column in columns:
        values = [
            column.header,
            column.initiative.lead_agency.name,
            str(column.initiative.sort_order),
            column.categories,
            str(column.plan_item_number or ""),
            *column.texts,
            column.proposal_agencies,
        ]
        writer.writerow([csv_escape(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_pdf(columns: list[ListColumn], fiscal_year: int, document_number: str = "") -> bytes:
    """The seed's layout printed by WeasyPrint, Japanese fonts embedded."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only this needs it

    html = render_template(
        "reports/progress_print.html",
        pages=pages(columns),
        header_groups=header_groups,
        labels=row_labels(fiscal_year),
        title=list_title(fiscal_year),
        document_number=document_number,
    )
    return HTML(string=html).write_pdf()
