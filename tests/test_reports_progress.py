"""The compiled progress status list of the FY2017 demo data: page, Excel, PDF, CSV and the command."""

import csv
import io
import subprocess

import sqlalchemy as sa
from openpyxl import load_workbook

from kosodate.agencies.models import Council
from kosodate.extensions import db
from kosodate.reports.models import ProgressReport
from tests.factories import make_agency, make_council

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
    assert html.count('class="table table-bordered progress-list"') == 4  # five columns a page
    rows = client.get(f"/reports/progress?council={council_id()}&fy=2017&view=rows&category=training")
    text = rows.get_data(as_text=True)
    assert "4件" in text and "学校内研修の実施" in text and "ガイドブック" not in text


def test_excel_is_laid_out_like_the_seed(login_as):
    response = login_as("jimukyoku@example.org").get(f"/reports/progress.xlsx?council={council_id()}&fy=2017")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["進捗状況一覧"]
    assert sheet["A1"].value == "平成29年度取組み進捗状況一覧"
    headers = {
        sheet.cell(row=2, column=c).value: c
        for c in range(2, sheet.max_column + 1)
        if sheet.cell(row=2, column=c).value
    }
    assert "厚木市立病院" in headers and "神奈川県立座間養護学校①" in headers
    merged = {str(r) for r in sheet.merged_cells.ranges}
    hospital = headers["厚木市立病院"]
    assert (
        f"{sheet.cell(row=2, column=hospital).coordinate}:{sheet.cell(row=2, column=hospital + 1).coordinate}"
        in merged
    )
    assert sheet.cell(row=5, column=hospital + 1).value == HOSPITAL_PROGRESS
    assert sheet["A5"].value == "（２）29年度の進捗状況について、実績や検討している内容"
    for report in db.session.scalars(sa.select(ProgressReport)):
        column = next(c for c in range(2, sheet.max_column + 1)
                      if sheet.cell(row=4, column=c).value == report.initiative.content)  # fmt: skip
        assert sheet.cell(row=5, column=column).value == report.progress
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A3
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.print_title_cols == "$A:$A"
    assert sheet["B5"].alignment.wrap_text
    assert sheet.row_dimensions[5].height > 60
    assert "平成29年度取組み進捗状況一覧" in sheet.oddHeader.center.text


def test_pdf_has_a_page_per_five_columns_with_japanese_text(login_as, tmp_path):
    response = login_as("jimukyoku@example.org").get(f"/reports/progress.pdf?council={council_id()}&fy=2017")
    assert response.status_code == 200
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) >= 4
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "厚木市立病院" in text
    assert "マイサポートブック" in text
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
    result = runner.invoke(args=["export", "progress", "--council", "999", "--fy", "2017", "--format", "csv",
                                 "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert result.exit_code != 0
    assert "連絡会議が見つかりません" in result.output
