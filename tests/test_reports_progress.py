"""The compiled progress status list of the FY2017 demo data: page, Excel, PDF, CSV and the command."""

import csv
import io
import subprocess

import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kosodate.agencies.models import Council
from kosodate.extensions import db
from kosodate.reports.models import ProgressReport
from tests.factories import make_agency, make_council
from tests.pdf import pdf_pages

A3_PRINTABLE_WIDTH_PT = (420 - 20) / 25.4 * 72  # 10 mm margins
A3_PRINTABLE_HEIGHT_PT = (297 - 26) / 25.4 * 72
HOSPITAL_PROGRESS = (
    "外来や病棟で活用できるようブックの周知、内容について意見を確認し、"
    "看護師としては活用できるという意見であった。"
)


def council_id() -> int:
    return db.session.scalar(sa.select(Council.id))


def test_the_page_shows_the_seeds_layout_and_the_rows_view(login_as):
    client = login_as("momiji@example.org")
    html = client.get(f"/reports/progress?council={council_id()}&fy=2017").get_data(as_text=True)
    assert "平成29年度取組み進捗状況一覧" in html
    assert "（２）29年度の進捗状況について、実績や検討している内容" in html
    assert 'colspan="2">厚木市立病院</th>' in html  # its two initiatives under one header
    assert html.count('class="table table-bordered progress-list"') == 4  # five agencies a page
    rows = client.get(f"/reports/progress?council={council_id()}&fy=2017&view=rows&category=training")
    text = rows.get_data(as_text=True)
    assert "4件" in text and "学校内研修の実施" in text and "ガイドブック" not in text


def block_rows(sheet, top: int) -> dict[str, int]:
    return {sheet.cell(row=row, column=1).value[:3]: row for row in range(top, top + 7)}


def test_excel_prints_like_the_seed(login_as):
    """Five agencies a page, each page's block of rows one under another, an agency's initiatives side
    by side under its header, a cell written once for both printed once across them."""
    response = login_as("jimukyoku@example.org").get(f"/reports/progress.xlsx?council={council_id()}&fy=2017")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["進捗状況一覧", "取り込み用"]
    sheet = workbook["進捗状況一覧"]
    assert sheet["A1"].value == "平成29年度取組み進捗状況一覧"
    tops = [row for row in range(1, sheet.max_row + 1) if sheet.cell(row=row, column=1).value == "団体名"]
    assert tops == [2, 10, 18, 26]
    assert [b.id for b in sheet.row_breaks.brk] == [9, 17, 25]  # a page each
    headers = [sheet.cell(row=2, column=c).value for c in range(2, sheet.max_column + 1)]
    assert [h for h in headers if h] == [
        "神奈川県医療課", "厚木医師会", "厚木市立病院", "訪問看護ステーションもみじ",
        "訪問看護ステーション　ふたばらいふ",
    ]  # fmt: skip
    merged = {str(r) for r in sheet.merged_cells.ranges}
    rows = block_rows(sheet, 2)
    assert {"F2:G2", f"F{rows['（３）']}:G{rows['（３）']}", f"F{rows['（４）']}:G{rows['（４）']}"} <= merged
    assert f"F{rows['（２）']}:G{rows['（２）']}" not in merged  # the hospital wrote (2) for each item
    assert sheet.cell(row=rows["（２）"], column=7).value == HOSPITAL_PROGRESS
    assert sheet["A5"].value == "（２）29年度の進捗状況について、実績や検討している内容"
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    for report in db.session.scalars(sa.select(ProgressReport).where(ProgressReport.progress != "－")):
        assert values.count(report.progress) == 1, report.progress

    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A3
    assert sheet.page_setup.orientation == "landscape"
    width_pt = sum(
        sheet.column_dimensions[get_column_letter(c)].width for c in range(1, sheet.max_column + 1)
    )
    width_pt *= 7 * 72 / 96  # Excel's unit: the default font's digit, 7 px
    assert 0.85 * A3_PRINTABLE_WIDTH_PT < width_pt < A3_PRINTABLE_WIDTH_PT
    assert sheet["B5"].alignment.wrap_text
    for top in tops:  # rows as high as their text: each page's block fits its page
        heights = [sheet.row_dimensions[row].height for row in range(top, top + 7)]
        assert all(15 < height < 300 for height in heights), heights
        assert sum(heights) < A3_PRINTABLE_HEIGHT_PT
    assert sheet.oddHeader.right.text == "資料２－２"


def test_pdf_has_a_page_for_each_five_agencies_with_japanese_text(login_as, tmp_path):
    response = login_as("jimukyoku@example.org").get(f"/reports/progress.pdf?council={council_id()}&fy=2017")
    assert response.status_code == 200
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(response.data)
    pages = pdf_pages(pdf)
    assert len(pages) == 4
    assert "厚木市立病院" in pages[0] and "厚木保健福祉事務所" in pages[1]
    assert all("資料２－２" in page for page in pages)
    assert "マイサポートブック" in pages[0]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes " in fonts  # embedded


def test_csv_has_a_bom_and_a_row_per_initiative(login_as):
    response = login_as("coordinator@example.org").get(
        f"/reports/progress.csv?council={council_id()}&fy=2017"
    )
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["団体名", "関係機関"]
    assert len(rows) == 21
    hospital = [row for row in rows if row[1] == "厚木市立病院"]
    assert [row[4] for row in hospital] == ["8", "17"]
    assert [row[4] for row in rows if row[1] == "厚木保健福祉事務所"] == ["1・8・9"]
    assert hospital[1][6] == HOSPITAL_PROGRESS


def test_another_councils_list_is_not_found(login_as, demo):
    other = make_council("相模原地域連絡会議")
    make_agency(other)
    db.session.commit()
    client = login_as("jimukyoku@example.org")
    for path in ("/reports/progress", "/reports/progress.xlsx", "/reports/progress.csv"):
        assert client.get(f"{path}?council={other.id}&fy=2017").status_code == 404
    assert client.get("/reports/progress?council=abc&fy=xyz").status_code == 200
    assert client.get("/reports/progress?fy=99999").status_code == 404


def test_export_command_writes_each_format(runner, demo, tmp_path):
    for file_format in ("xlsx", "csv", "pdf"):
        out = tmp_path / f"list.{file_format}"
        args = ["export", "progress", "--council", str(council_id()), "--fy", "2017", "--format", file_format]
        result = runner.invoke(args=[*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
        assert "from the cache" not in result.output
    again = runner.invoke(args=[*args[:-1], "xlsx", "--out", str(tmp_path / "again.xlsx")])
    assert "from the cache" in again.output
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "list.xlsx").read_bytes()
    result = runner.invoke(args=["export", "progress", "--council", "999", "--fy", "2017", "--format", "csv",
                                 "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert result.exit_code != 0
    assert "連絡会議が見つかりません" in result.output
