"""The compiled list as an Excel workbook that prints like the seed, and its cells read back for import.

Sheet 進捗状況一覧 holds the blocks of `layout` one under another (a page break after each), sized to fit
an A3 landscape page's width with five agencies, each row as high as its tallest text. Sheet 取り込み用
holds, one row per initiative in the list's order, what makes an import exact but is not printed: the
plan item numbers and the agencies column (4) wants to talk with.
"""

import io
import math
import unicodedata
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..core.spreadsheet import set_text
from .compiled import ListColumn, list_title, row_labels
from .layout import AGENCIES_PER_PAGE, Cell, lay_out

SHEET = "進捗状況一覧"
IMPORT_SHEET = "取り込み用"
HEADER_ROWS = ("団体名", "課題区分")
IMPORT_HEADER = ("団体名", "項目番号", "話し合いたい関係機関")
IMPORT_NOTE = "取り込みに使う情報です。同じ団体名の n 行目が、進捗状況一覧のその団体の n 列目です。"
#: a block: 団体名, 課題区分, (1)–(5), then a spacer row before the next page's block
BLOCK_ROWS = 8
FIRST_BLOCK_ROW = 2
#: the largest sheets the import reads (a council's list is a few hundred cells)
MAX_READ_ROWS, MAX_READ_COLUMNS = 1000, 300

# A3 landscape is 420 × 297 mm (1190.6 × 841.9 pt). The columns take 93% of the printable width: Excel
# counts its width unit as a whole number of pixels (7 px, the digit of Calibri 11), LibreOffice as the
# digit's true width (7.4 px), so its columns come out 6% wider.
MARGIN_INCHES = 0.4
TOP_MARGIN_INCHES, BOTTOM_MARGIN_INCHES = 0.55, 0.5
PRINTABLE_WIDTH_PT = (1190.6 - 2 * 72 * MARGIN_INCHES) * 0.93
PRINTABLE_HEIGHT_PT = (841.9 - 72 * (TOP_MARGIN_INCHES + BOTTOM_MARGIN_INCHES)) * 0.97
LABEL_WIDTH_PT = 80.0
AGENCY_WIDTH_PT = (PRINTABLE_WIDTH_PT - LABEL_WIDTH_PT) / AGENCIES_PER_PAGE
FONT = "ＭＳ Ｐゴシック"  # on every Japanese Windows; LibreOffice falls back to a CJK font
FONT_PT = 8
TITLE_PT = 13
#: Excel's line of MS P Gothic is 1.25 em high, LibreOffice's of its fallback fonts 1.3 em: a little
#: more, so that no text is cut off
LINE_HEIGHT_PT = FONT_PT * 1.4
CELL_PADDING_PT = 6.0
SPACER_PT = 8.0
MAX_ROW_HEIGHT_PT = 409  # Excel's limit

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
CENTERED = Alignment(wrap_text=True, vertical="center", horizontal="center")
LABEL_FILL = PatternFill("solid", fgColor="EEF2F6")
TEXT_FONT = Font(name=FONT, size=FONT_PT)
BOLD_FONT = Font(name=FONT, size=FONT_PT, bold=True)


def to_xlsx(columns: list[ListColumn], fiscal_year: int, document_number: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    layout = lay_out(columns)
    grid_width_pt = AGENCY_WIDTH_PT / layout.grid
    sheet.column_dimensions["A"].width = _excel_width(LABEL_WIDTH_PT)
    for index in range(layout.width):
        sheet.column_dimensions[get_column_letter(2 + index)].width = _excel_width(grid_width_pt)
    title = sheet.cell(row=1, column=1)
    set_text(title, list_title(fiscal_year))
    title.font = Font(name=FONT, size=TITLE_PT, bold=True)
    sheet.row_dimensions[1].height = TITLE_PT * 1.6

    labels = [*HEADER_ROWS, *row_labels(fiscal_year)]
    for number, block in enumerate(layout.blocks):
        top = FIRST_BLOCK_ROW + number * BLOCK_ROWS
        rows = [(block.headers, BOLD_FONT, CENTERED), (block.categories, TEXT_FONT, CENTERED)]
        rows += [(cells, TEXT_FONT, TEXT_ALIGNMENT) for cells in block.rows]
        heights = []
        for offset, (cells, font, alignment) in enumerate(rows):
            _write(sheet, top + offset, 1, Cell(labels[offset], 1), BOLD_FONT, TEXT_ALIGNMENT, LABEL_FILL)
            height = text_height(labels[offset], LABEL_WIDTH_PT)
            column = 2
            for cell in cells:
                _write(sheet, top + offset, column, cell, font, alignment)
                height = max(height, text_height(cell.text, grid_width_pt * cell.span))
                column += cell.span
            heights.append(min(MAX_ROW_HEIGHT_PT, height))
            sheet.row_dimensions[top + offset].height = heights[-1]
        sheet.row_dimensions[top + len(rows)].height = SPACER_PT
        already_used = sheet.row_dimensions[1].height if number == 0 else 0.0
        for offset in block_breaks(heights, PRINTABLE_HEIGHT_PT, already_used):
            sheet.row_breaks.append(Break(id=top + offset))
        if number < len(layout.blocks) - 1:  # each page's block starts a page, as in the seed
            sheet.row_breaks.append(Break(id=top + len(rows)))

    _page_setup(sheet, document_number)
    _import_sheet(workbook.create_sheet(IMPORT_SHEET), columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def block_breaks(heights: list[float], page_height: float, already_used: float = 0.0) -> list[int]:
    """Offsets of the rows after which a block taller than a page breaks: as many rows a page as fit,
    but the last row never alone on a page (the one before it goes along)."""
    breaks: list[int] = []
    used = already_used
    for offset, height in enumerate(heights):
        if offset and used + height > page_height:
            breaks.append(offset - 1)
            used = 0.0
        used += height
    last = len(heights) - 1
    if breaks and breaks[-1] == last - 1 and (len(breaks) == 1 or breaks[-2] < last - 2):
        breaks[-1] -= 1
    return breaks


def _write(sheet: Worksheet, row: int, column: int, cell: Cell, font, alignment, fill=None) -> None:
    target = sheet.cell(row=row, column=column)
    set_text(target, cell.text)
    target.font, target.alignment = font, alignment
    if fill is not None:
        target.fill = fill
    for index in range(cell.span):  # a merged range's border is drawn by each of its cells
        sheet.cell(row=row, column=column + index).border = BORDER
    if cell.span > 1:
        sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + cell.span - 1)


def _page_setup(sheet: Worksheet, document_number: str) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_margins.left = sheet.page_margins.right = MARGIN_INCHES
    sheet.page_margins.top, sheet.page_margins.bottom = TOP_MARGIN_INCHES, BOTTOM_MARGIN_INCHES
    sheet.page_margins.header = sheet.page_margins.footer = 0.2
    sheet.print_options.horizontalCentered = True
    sheet.oddHeader.right.text = document_number.replace("&", "&&")  # & starts Excel's header codes
    sheet.oddHeader.right.size = 11
    sheet.oddFooter.center.text = "&P / &N"
    sheet.freeze_panes = "B1"


def _import_sheet(sheet: Worksheet, columns: list[ListColumn]) -> None:
    for index, label in enumerate(IMPORT_HEADER, start=1):
        cell = sheet.cell(row=1, column=index)
        set_text(cell, label)
        cell.font, cell.fill = Font(bold=True), LABEL_FILL
    set_text(sheet.cell(row=1, column=len(IMPORT_HEADER) + 2), IMPORT_NOTE)
    for row, column in enumerate(columns, start=2):
        values = (column.header, column.plan_item_text, column.proposal_agency_names)
        for index, value in enumerate(values, start=1):
            set_text(sheet.cell(row=row, column=index), value)
    for letter, width in zip("ABC", (40, 12, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # printed with the workbook, it takes one page
    sheet.page_setup.fitToWidth = sheet.page_setup.fitToHeight = 1


def _excel_width(points: float) -> float:
    """A column width in Excel's unit, the width of a digit of the default font (7 px at 96 dpi)."""
    return round(points * 96 / 72 / 7, 2)


def text_height(text: str, width_pt: float) -> float:
    """The height a wrapped text needs in a cell width_pt wide (openpyxl never fits rows): a CJK
    character is one em wide, a Latin one about half."""
    capacity = max(
        1.0, (width_pt - CELL_PADDING_PT) / FONT_PT - 1
    )  # a character short: 、。 never start a line
    lines = 0
    for paragraph in text.replace("\r", "").split("\n"):
        ems = sum(0.6 if unicodedata.east_asian_width(char) in "NaH" else 1.0 for char in paragraph)
        lines += max(1, math.ceil(ems / capacity))
    return lines * LINE_HEIGHT_PT + CELL_PADDING_PT


@dataclass(frozen=True)
class SheetValue:
    """A cell's text read back, with the sheet and cell to name in a problem."""

    text: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class SheetColumn:
    """One initiative's cells in a workbook."""

    header: SheetValue
    categories: SheetValue
    #: rows (1)–(5)
    texts: list[SheetValue]
    #: from sheet 取り込み用; None when the workbook does not say (the seed's own single sheet)
    plan_items: SheetValue | None
    proposal_agencies: SheetValue | None


def read_workbook(workbook, fiscal_year: int) -> tuple[list[SheetColumn], list[tuple[str, str, str]]]:
    """The initiatives' cells, block by block (a block starts at a row labelled 団体名; a single block with
    every column side by side is the seed's own layout), and problems as (sheet, cell, message)."""
    if SHEET not in workbook.sheetnames:
        return [], [("（ファイル）", "－", f"シート「{SHEET}」がありません。")]
    sheet = workbook[SHEET]
    # reading a cell makes it: a far cell in a small file must not make millions
    for candidate in (sheet, *(workbook[name] for name in workbook.sheetnames if name == IMPORT_SHEET)):
        rows, columns = candidate.max_row, candidate.max_column
        if rows > MAX_READ_ROWS or columns > MAX_READ_COLUMNS:
            limit = f"{MAX_READ_ROWS}行・{MAX_READ_COLUMNS}列まで。このシートは{rows}行・{columns}列"
            return [], [(candidate.title, "－", f"シートが大きすぎます（{limit}）。")]
    reader = _SheetReader(sheet)
    tops = [
        row for row in range(1, sheet.max_row + 1) if reader.text(row, 1).replace(" ", "") == HEADER_ROWS[0]
    ]
    if not tops:
        return [], [(SHEET, "A列", f"行見出し「{HEADER_ROWS[0]}」がありません。")]
    expected = [HEADER_ROWS[1], *row_labels(fiscal_year)]
    problems = []
    for top in tops:
        for offset, label in enumerate(expected, start=1):
            found = reader.text(top + offset, 1)
            # the (2) header names the year: only the row's number is compared; (１) and (1) alike
            if _normalized(found)[:3] != _normalized(label)[:3]:
                problems.append(
                    (SHEET, f"A{top + offset}", f"行見出し「{label}」がありません（「{found}」）。")
                )
    if problems:
        return [], problems
    columns = [column for top in tops for column in reader.block(top, len(expected))]
    extras = _ImportRows(workbook[IMPORT_SHEET]) if IMPORT_SHEET in workbook.sheetnames else None
    return [extras.attach(column) if extras else column for column in columns], []


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _SheetReader:
    """Cells of the main sheet; a cell inside a merged range reads as the range's first cell."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.merged: dict[tuple[int, int], tuple[int, int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    self.merged[row, column] = (merged.min_row, merged.min_col, merged.max_col)

    def value(self, row: int, column: int) -> SheetValue:
        origin_row, origin_column, _end = self.merged.get((row, column), (row, column, column))
        cell = self.sheet.cell(row=origin_row, column=origin_column)
        return SheetValue(_cell_text(cell.value), SHEET, cell.coordinate)

    def text(self, row: int, column: int) -> str:
        return self.value(row, column).text

    def block(self, top: int, rows: int) -> list[SheetColumn]:
        """The block's initiatives: one for each cell of its 課題区分 row, empty columns left out."""
        columns = []
        column = 2
        while column <= self.sheet.max_column:
            end = self.merged.get((top + 1, column), (0, column, column))[2]
            texts = [self.value(top + offset, column) for offset in range(2, rows + 1)]
            header, categories = self.value(top, column), self.value(top + 1, column)
            if header.text or categories.text or any(value.text for value in texts):
                columns.append(SheetColumn(header, categories, texts, None, None))
            column = end + 1
        return columns


class _ImportRows:
    """Sheet 取り込み用: the n-th row with a 団体名 belongs to the n-th column under that 団体名."""

    def __init__(self, sheet: Worksheet):
        self.rows: dict[str, list[tuple[SheetValue, SheetValue]]] = {}
        for row in range(2, sheet.max_row + 1):
            header = _cell_text(sheet.cell(row=row, column=1).value).strip()
            if header:
                numbers, agencies = (sheet.cell(row=row, column=index) for index in (2, 3))
                self.rows.setdefault(header, []).append(
                    (
                        SheetValue(_cell_text(numbers.value), IMPORT_SHEET, numbers.coordinate),
                        SheetValue(_cell_text(agencies.value), IMPORT_SHEET, agencies.coordinate),
                    )
                )
        self.seen: dict[str, int] = {}

    def attach(self, column: SheetColumn) -> SheetColumn:
        header = column.header.text.strip()
        ordinal = self.seen.get(header, 0)
        self.seen[header] = ordinal + 1
        rows = self.rows.get(header, [])
        if ordinal >= len(rows):
            return column
        numbers, agencies = rows[ordinal]
        return SheetColumn(column.header, column.categories, column.texts, numbers, agencies)
