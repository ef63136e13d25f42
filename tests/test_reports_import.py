"""Importing the compiled list: preview first, the round trip on the FY2017 data, bad files refused."""

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from kosodate.agencies.models import Council
from kosodate.extensions import db
from kosodate.initiatives.models import Initiative
from kosodate.reports.models import ProgressReport, report_proposal_agencies
from tests.conftest import csrf_token_from


def council_id() -> int:
    return db.session.scalar(sa.select(Council.id))


def snapshot() -> list[tuple]:
    """Everything the list holds, initiative by initiative."""
    initiatives = db.session.scalars(
        sa.select(Initiative).order_by(Initiative.sort_order, Initiative.id)
    ).all()
    rows = []
    for initiative in initiatives:
        report = next(r for r in initiative.reports if r.fiscal_year == 2017)
        numbers = tuple(item.number for item in initiative.plan_items)
        texts = (report.progress, report.challenges, report.proposals, report.next_year_plan)
        agencies = tuple(a.name for a in report.proposal_agencies)
        head = (initiative.lead_agency.name, initiative.column_label, initiative.content)
        rows.append((*head, tuple(initiative.categories), numbers, *texts, agencies))
    return rows


def upload(client, name: str, data: bytes, fiscal_year: int = 2017):
    token = csrf_token_from(client.get("/reports/import").get_data(as_text=True))
    return client.post(
        "/reports/import",
        data={
            "council": council_id(),
            "fiscal_year": fiscal_year,
            "file": (io.BytesIO(data), name),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str):
    fields = dict(
        re.findall(r'name="(council|fiscal_year|token|csrf_token)"[^>]*value="([^"]*)"', preview_html)
    )
    return client.post("/reports/import/confirm", data=fields)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_gives_back_identical_data(login_as, file_format):
    client = login_as("jimukyoku@example.org")
    before = snapshot()
    exported = client.get(f"/reports/progress.{file_format}?council={council_id()}&fy=2017").data

    unchanged = upload(client, f"list.{file_format}", exported)
    assert "変更なし：20件" in unchanged.get_data(as_text=True)

    db.session.execute(sa.delete(report_proposal_agencies))
    db.session.execute(sa.delete(ProgressReport))
    db.session.commit()
    preview = upload(client, f"list.{file_format}", exported)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "内容が変わる取組み：20件" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)) == 0  # nothing yet
    response = confirm(client, html)
    assert response.status_code == 302
    db.session.expire_all()
    assert snapshot() == before


def edited_export(client, edit) -> bytes:
    exported = client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data
    workbook = load_workbook(io.BytesIO(exported))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_column(workbook) -> None:
    sheet = workbook["進捗状況一覧"]
    new = sheet.max_column + 1
    for row, value in enumerate(
        ["厚木児童相談所", "人材育成", "新しい研修", "進捗", "課題", "=cmd|' /C calc'!A0", "来年度"], 2
    ):
        sheet.cell(row=row, column=new, value=value)


def test_a_new_column_in_the_file_becomes_a_new_initiative(login_as):
    client = login_as("jimukyoku@example.org")
    html = upload(client, "list.xlsx", edited_export(client, add_column)).get_data(as_text=True)
    assert "新しく追加する取組み：1件" in html
    confirm(client, html)
    created = db.session.scalar(sa.select(Initiative).where(Initiative.content == "新しい研修"))
    assert created.lead_agency.name == "厚木児童相談所"
    assert created.reports[0].proposals == "=cmd|' /C calc'!A0"  # stored as text
    again = load_workbook(
        io.BytesIO(client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data)
    )
    cells = [cell for row in again["進捗状況一覧"].iter_rows() for cell in row]
    cell = next(c for c in cells if c.value == "=cmd|' /C calc'!A0")
    assert cell.data_type == "s"  # exported as text, never a formula
    csv_text = client.get(f"/reports/progress.csv?council={council_id()}&fy=2017").data.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in csv_text


def set_cell(sheet: str, coordinate: str, value):
    def edit(workbook):
        workbook[sheet][coordinate] = value

    return edit


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        ("進捗状況一覧", "A5", "その他", "行見出し「（２）"),
        ("進捗状況一覧", "B2", "どこかの病院", "関係機関「どこかの病院」がこの連絡会議にありません"),
        ("進捗状況一覧", "B13", "あ" * 20_001, "文字数が多すぎます"),
        ("進捗状況一覧", "B3", "体制構築、宇宙開発", "課題区分「体制構築、宇宙開発」が読めません"),
        ("取り込み用", "B2", "99", "項目番号「99」がこの連絡会議の項目にありません"),
        ("取り込み用", "C3", "どこかの病院", "関係機関「どこかの病院」"),
        ("進捗状況一覧", "－", None, "シートが大きすぎます（1000行・300列まで。このシートは5000行"),
    ],
)
def test_bad_files_are_refused_naming_sheet_and_cell(login_as, sheet, cell, value, message):
    client = login_as("jimukyoku@example.org")
    before = snapshot()
    edit = set_cell(sheet, cell, value) if value else set_cell(sheet, "A5000", "遠くのセル")
    response = upload(client, "list.xlsx", edited_export(client, edit))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"<td>{sheet}</td><td>{cell}</td><td>{message}" in html
    db.session.expire_all()
    assert snapshot() == before


def test_plan_item_numbers_are_read_from_the_import_sheet(login_as):
    """Sheet 取り込み用: the n-th row of a 団体名 is that agency's n-th column."""
    client = login_as("jimukyoku@example.org")
    sheet = load_workbook(io.BytesIO(edited_export(client, lambda workbook: None)))["取り込み用"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_col=3)]
    assert ["厚木保健福祉事務所", "1・8・9", None] in rows
    assert [row[:2] for row in rows if row[0] == "厚木市立病院"] == [
        ["厚木市立病院", "8"],
        ["厚木市立病院", "17"],
    ]
    second = next(index for index, row in enumerate(rows, start=2) if row[0] == "厚木市立病院") + 1

    html = upload(
        client, "list.xlsx", edited_export(client, set_cell("取り込み用", f"B{second}", "１７、８"))
    )
    assert "内容が変わる取組み：1件" in html.get_data(as_text=True)
    confirm(client, html.get_data(as_text=True))
    support_book = db.session.scalars(
        sa.select(Initiative).where(Initiative.column_label == "厚木市立病院").order_by(Initiative.id)
    ).all()[1]
    assert [item.number for item in support_book.plan_items] == [17, 8]


def test_the_seeds_own_single_sheet_layout_still_imports(login_as):
    """One sheet, every column side by side, the seed's row labels, no 取り込み用 sheet: the texts come
    back; plan items and the agencies of (4), which such a file does not hold, are left as they are."""
    client = login_as("jimukyoku@example.org")
    before = snapshot()
    exported = load_workbook(
        io.BytesIO(client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data)
    )
    blocks = exported["進捗状況一覧"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "進捗状況一覧"
    sheet["A1"] = "平成29年度取組み進捗状況一覧"
    labels = ["団体名", "課題区分", "(１)項目・内容", "（２）29年度の進捗\n状況について",
              "（３）取組みを進め", "（４）課題に対する", "（５）来年度以降の\n取組み"]  # fmt: skip
    for row, label in enumerate(labels, start=2):
        sheet.cell(row=row, column=1, value=label)
    column = 2
    for top in range(2, blocks.max_row + 1, 8):  # the export's blocks, laid side by side again
        width = blocks.max_column
        for source in range(2, width + 1):
            for offset in range(7):
                sheet.cell(
                    row=2 + offset, column=column, value=blocks.cell(row=top + offset, column=source).value
                )
            column += 1
        for merged in blocks.merged_cells.ranges:
            if top <= merged.min_row < top + 7:
                shift = column - width - 1
                sheet.merge_cells(
                    start_row=merged.min_row - top + 2, end_row=merged.max_row - top + 2,
                    start_column=merged.min_col + shift, end_column=merged.max_col + shift,
                )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert "変更なし：20件" in upload(client, "seed.xlsx", buffer.getvalue()).get_data(as_text=True)
    db.session.execute(sa.delete(report_proposal_agencies))
    db.session.execute(sa.delete(ProgressReport))
    db.session.commit()
    preview = upload(client, "seed.xlsx", buffer.getvalue())
    assert confirm(client, preview.get_data(as_text=True)).status_code == 302
    db.session.expire_all()
    without_agencies = [row[:-1] for row in before]
    assert [row[:-1] for row in snapshot()] == without_agencies


def test_a_csv_with_a_missing_column_is_refused(login_as):
    client = login_as("jimukyoku@example.org")
    exported = client.get(f"/reports/progress.csv?council={council_id()}&fy=2017").data.decode("utf-8-sig")
    lines = [",".join(line.split(",")[:-1]) for line in exported.splitlines()]
    response = upload(client, "list.csv", "\n".join(lines).encode("utf-8"))
    assert response.status_code == 400
    assert "足りない列: 話し合いたい関係機関" in response.get_data(as_text=True)


def test_only_the_secretariat_imports(login_as):
    assert login_as("coordinator@example.org").get("/reports/import").status_code == 403
    assert login_as("momiji@example.org").get("/reports/import").status_code == 403


def test_an_import_that_changes_the_list_gives_a_new_excel_file(login_as):
    client = login_as("jimukyoku@example.org")
    edited = edited_export(client, set_cell("進捗状況一覧", "B5", "取り込みで書き換えた進捗"))  # cached
    confirm(client, upload(client, "list.xlsx", edited).get_data(as_text=True))
    exported = client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data
    assert load_workbook(io.BytesIO(exported))["進捗状況一覧"]["B5"].value == "取り込みで書き換えた進捗"
