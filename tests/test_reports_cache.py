"""The progress list's PDF and Excel are drawn once and served from the instance folder until what they
print changes: a report, an initiative, an agency's name, the 資料番号, an import."""

import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kosodate.agencies.models import Agency, Council
from kosodate.extensions import db
from kosodate.initiatives.models import Initiative
from kosodate.reports import export_cache
from kosodate.reports.models import ProgressReport
from kosodate.reports.rounds_models import ReportRound


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The formats drawn, each time a writer really runs (it still does its work)."""
    calls = []
    for file_format, writer in list(export_cache.WRITERS.items()):

        def counted(*args, file_format=file_format, writer=writer):
            calls.append(file_format)
            return writer(*args)

        monkeypatch.setitem(export_cache.WRITERS, file_format, counted)
    return calls


@pytest.fixture
def download(login_as):
    client = login_as("jimukyoku@example.org")
    council_id = db.session.scalar(sa.select(Council.id))

    def get(file_format: str) -> bytes:
        response = client.get(f"/reports/progress.{file_format}?council={council_id}&fy=2017")
        assert response.status_code == 200
        return response.data

    return get


def workbook_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row)


def test_an_unchanged_year_is_drawn_once_and_then_served_from_the_cache(download, drawn, app):
    pdf = download("pdf")
    assert download("pdf") == pdf
    xlsx = download("xlsx")
    assert download("xlsx") == xlsx
    assert drawn == ["pdf", "xlsx"]
    files = sorted(path.suffix for path in export_cache.cache_folder().iterdir())
    assert files == [".pdf", ".xlsx"]


def test_a_changed_report_gives_a_new_file_and_the_old_one_goes(download, drawn, app):
    before = download("xlsx")
    report = db.session.scalars(sa.select(ProgressReport).order_by(ProgressReport.id)).first()
    report.progress = "第３回の連絡会議を開催した。"
    db.session.commit()
    after = download("xlsx")
    assert drawn == ["xlsx", "xlsx"]
    assert "第３回の連絡会議を開催した。" in workbook_text(after) and after != before
    assert len(list(export_cache.cache_folder().glob("*.xlsx"))) == 1
    assert download("xlsx") == after and drawn == ["xlsx", "xlsx"]


def test_an_agencys_name_an_initiative_or_the_document_number_gives_a_new_file(download, drawn):
    download("xlsx")
    db.session.scalar(sa.select(Agency).where(Agency.name == "教育委員会")).name = "厚木市教育委員会"
    db.session.commit()
    assert "厚木市教育委員会" in workbook_text(download("xlsx"))  # a (4) agency, on sheet 取り込み用
    db.session.scalar(sa.select(Initiative).where(Initiative.sort_order == 1)).column_label = "県医療課"
    db.session.commit()
    assert "県医療課" in workbook_text(download("xlsx")).split("\n")
    db.session.scalar(sa.select(ReportRound)).document_number = "資料３&４"
    db.session.commit()
    sheet_xml = zipfile.ZipFile(io.BytesIO(download("xlsx"))).read("xl/worksheets/sheet1.xml").decode()
    # the right-hand part (&R) of the page header; a lone & would start one of Excel's header codes
    assert "資料３&amp;&amp;４</oddHeader>" in sheet_xml
    assert drawn == ["xlsx"] * 4
