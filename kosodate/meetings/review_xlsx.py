"""The pre-meeting review as an Excel workbook: one sheet per section, printable on A4 landscape."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..core.spreadsheet import set_text
from ..core.time import date_ja, datetime_ja, fiscal_year_label
from ..followups.models import FollowUp
from .review import Review, topic_of

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")
FOLLOWUP_COLUMNS = [
    ("担当機関", 24),
    ("課題区分／項目", 30),
    ("件名", 40),
    ("担当者", 14),
    ("期限", 16),
    ("状態", 10),
]


def _sheet(
    workbook: Workbook,
    title: str,
    columns: list[tuple[str, int]],
    rows: list[list],
    heading: str,
    empty: str = "該当なし",
) -> None:
    sheet: Worksheet = workbook.create_sheet(title)
    set_text(sheet["A1"], heading)  # it starts with the meeting's title: never a formula
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([name for name, _width in columns])
    for index, (_name, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font, cell.fill, cell.alignment = Font(bold=True), HEADER_FILL, WRAP
        sheet.column_dimensions[cell.column_letter].width = width
    for row_index, row in enumerate(rows, start=3):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            if isinstance(value, str):
                set_text(cell, value)  # never a formula, whatever the text starts with
            else:
                cell.value = value
            cell.alignment = WRAP
    if not rows:
        sheet.append([empty])
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _followup_row(followup: FollowUp) -> list:
    return [
        followup.responsible_agency.name,
        topic_of(followup),
        f"{followup.case.code} {followup.title}" if followup.case_id else followup.title,
        followup.owner.name if followup.owner else "",
        date_ja(followup.due_date) if followup.due_date else "",
        followup.status.label,
    ]


def review_workbook(review: Review) -> bytes:
    meeting = review.meeting
    heading = f"{meeting.title}（{date_ja(meeting.starts_at)}）会議前の確認"
    workbook = Workbook()
    workbook.remove(workbook.active)
    totals = review.totals
    _sheet(
        workbook,
        "機関別件数",
        [("機関", 30), ("前回以降の完了", 14), ("未完了", 10), ("うち期限超過", 12)],
        [[c.agency.name, c.done, c.unfinished, c.overdue] for c in review.counts]
        + ([["合計", totals.done, totals.unfinished, totals.overdue]] if review.counts else []),
        heading,
    )
    _sheet(
        workbook,
        "前回以降の完了",
        [*FOLLOWUP_COLUMNS[:4], ("完了日時", 20), ("完了した人", 14), ("完了メモ", 40)],
        [
            [
                *_followup_row(f)[:4],
                datetime_ja(f.done_at),
                f.done_by.name if f.done_by else "",
                f.completion_note,
            ]
            for f in review.done
        ],
        heading,
    )
    _sheet(workbook, "期限超過", FOLLOWUP_COLUMNS, [_followup_row(f) for f in review.overdue], heading)
    _sheet(workbook, "期限内の未完了", FOLLOWUP_COLUMNS, [_followup_row(f) for f in review.open], heading)
    _sheet(
        workbook,
        "持ち越し",
        [*FOLLOWUP_COLUMNS, ("元の会議", 30), ("持ち越し回数", 12)],
        [[*_followup_row(f), f.source_meeting.public_title, times] for f, times in review.carried],
        heading,
    )
    _sheet(
        workbook, "会議で協議したい", FOLLOWUP_COLUMNS, [_followup_row(f) for f in review.discuss], heading
    )
    _sheet(
        workbook,
        "関係機関と話し合いたいこと",
        [
            ("団体名", 24),
            ("取組み", 30),
            ("（４）考えうる解決策・話し合いたいこと", 60),
            ("話し合いたい関係機関", 30),
        ],
        [
            [
                r.initiative.lead_agency.name,
                r.initiative.title,
                r.proposals,
                "、".join(agency.name for agency in r.proposal_agencies),
            ]
            for r in review.proposals
        ],
        f"{heading}（{fiscal_year_label(review.fiscal_year)}）",
    )
    _sheet(
        workbook,
        "進捗報告の未提出",
        [("団体名", 30), ("取組み", 50), ("状態", 10)],
        [[m.agency.name, m.initiative.title, m.state] for m in review.missing or []],
        f"{heading}（{fiscal_year_label(review.fiscal_year)}）",
        empty="すべて提出済みです。"
        if review.missing is not None
        else f"{fiscal_year_label(review.fiscal_year)}の進捗報告の依頼はまだ始まっていません。",
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
