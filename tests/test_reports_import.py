"""Importing the compiled list: preview first, the round trip on the FY2017 data, bad files refused."""

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

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
        number = initiative.plan_item.number if initiative.plan_item else None
        texts = (report.progress, report.challenges, report.proposals, report.next_year_plan)
        agencies = tuple(a.name for a in report.proposal_agencies)
        head = (initiative.lead_agency.name, initiative.column_label, initiative.content)
        rows.append((*head, tuple(initiative.categories), number, *texts, agencies))
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


def test_a_new_column_in_the_file_becomes_a_new_initiative(login_as):
    client = login_as("jimukyoku@example.org")
    exported = client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook["進捗状況一覧"]
    new = sheet.max_column + 1
    for row, value in enumerate(
        ["厚木児童相談所", "人材育成", "新しい研修", "進捗", "課題", "=cmd|' /C calc'!A0", "来年度"], 2
    ):
        sheet.cell(row=row, column=new, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    html = upload(client, "list.xlsx", buffer.getvalue()).get_data(as_text=True)
    assert "新しく追加する取組み：1件" in html
    confirm(client, html)
    created = db.session.scalar(sa.select(Initiative).where(Initiative.content == "新しい研修"))
    assert created.lead_agency.name == "厚木児童相談所"
    assert created.reports[0].proposals == "=cmd|' /C calc'!A0"  # stored as text
    again = load_workbook(
        io.BytesIO(client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data)
    )
    cell = next(c for c in again["進捗状況一覧"][7] if c.value == "=cmd|' /C calc'!A0")
    assert cell.data_type == "s"  # exported as text, never a formula
    csv_text = client.get(f"/reports/progress.csv?council={council_id()}&fy=2017").data.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in csv_text


def edited_export(client, edit) -> bytes:
    exported = client.get(f"/reports/progress.xlsx?council={council_id()}&fy=2017").data
    workbook = load_workbook(io.BytesIO(exported))
    edit(workbook["進捗状況一覧"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda sheet: sheet.cell(row=5, column=1, value="その他"), "A5"),
        (
            lambda sheet: sheet.cell(row=2, column=2, value="どこかの病院"),
            "関係機関「どこかの病院」がこの連絡会議にありません",
        ),
        (lambda sheet: sheet.cell(row=5, column=3, value="あ" * 20_001), "C5"),
        (
            lambda sheet: sheet.cell(row=3, column=2, value="体制構築、宇宙開発"),
            "課題区分「体制構築、宇宙開発」が読めません",
        ),
        (lambda sheet: sheet.cell(row=10, column=2, value="99"), "項目番号「99」"),
    ],
)
def test_bad_files_are_refused_naming_sheet_and_cell(login_as, edit, message):
    client = login_as("jimukyoku@example.org")
    before = snapshot()
    response = upload(client, "list.xlsx", edited_export(client, edit))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "進捗状況一覧" in html and message in html
    db.session.expire_all()
    assert snapshot() == before


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
