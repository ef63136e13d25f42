"""The compiled list as PDF (laid out like the seed) and as CSV (one row per initiative); the Excel
workbook is progress_xlsx's."""

import csv
import io

from flask import render_template

from ..core.spreadsheet import csv_escape
from .compiled import ListColumn, list_title, row_labels
from .layout import lay_out

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


def to_csv(columns: list[ListColumn]) -> bytes:
    """UTF-8 with a BOM, so that Excel in Japan opens it right; one row per initiative."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for column in columns:
        values = [
            column.header,
            column.agency,
            str(column.group),
            column.category_labels,
            column.plan_item_text,
            *column.texts,
            column.proposal_agency_names,
        ]
        writer.writerow([csv_escape(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_pdf(columns: list[ListColumn], fiscal_year: int, document_number: str = "") -> bytes:
    """The seed's layout printed by WeasyPrint, Japanese fonts embedded."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only this needs it

    html = render_template(
        "reports/progress_print.html",
        layout=lay_out(columns),
        labels=row_labels(fiscal_year),
        title=list_title(fiscal_year),
        document_number=document_number,
    )
    return HTML(string=html).write_pdf()
