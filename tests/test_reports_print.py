"""The progress list printed: the Excel as LibreOffice prints it (converted once for the module, on
SQLite only, as it takes seconds) against the app's own PDF, and how both break a page's block of rows.

Without LibreOffice (`soffice`) the conversion test skips, except in CI (CI=true) or with
KOSODATE_REQUIRE_BROWSER=1, where it fails: `.ci/run` installs it.
"""

import dataclasses
import io
import os
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kosodate.agencies.models import Council
from kosodate.demo.loader import load_demo
from kosodate.extensions import db
from kosodate.reports.compiled import compiled_columns, document_number
from kosodate.reports.export_cache import progress_file
from kosodate.reports.exports import to_pdf
from kosodate.reports.progress_xlsx import block_breaks, to_xlsx
from tests.conftest import DEMO_PASSWORD, make_app
from tests.pdf import pdf_pages

TOOLS_REQUIRED = os.environ.get("CI") == "true" or os.environ.get("KOSODATE_REQUIRE_BROWSER") == "1"
#: the agencies of each printed page, as the list orders them
PAGE_HEADERS = [
    ["神奈川県医療課", "厚木医師会", "厚木市立病院", "訪問看護ステーションもみじ", "ふたばらいふ"],
    ["厚木保健福祉事務所", "厚木市健康づくり課①", "厚木児童相談所", "まめの木"],
    ["厚木市障がい福祉課①", "厚木市障がい福祉課②", "神奈川県立座間養護学校①", "総合療育相談センター"],
    ["北里大学東病院", "神奈川県リハビリテーション事業団"],
]
#: texts an agency wrote once for the two items of its column
WRITTEN_ONCE = [
    "障がいがあると確定していない場合",
    "受診や入院時、看護師がマイサポートブック",
    "各訪問看護ステーション現場意見",
]


@dataclasses.dataclass
class Printed:
    app_pdf: list[str]
    excel_pdf: list[str]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """An app of its own on SQLite with the demo data: these tests print, they do not compare databases."""
    folder = tmp_path_factory.mktemp("print")
    app = make_app(f"sqlite:///{folder / 'list.sqlite3'}", folder / "instance")
    with app.app_context():
        db.create_all()
        load_demo(password=DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def printed(demo_app, tmp_path_factory) -> Printed:
    """The demo list's PDF from the app, and its Excel file converted to PDF by LibreOffice."""
    fonts = (
        subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    )
    # without Carlito (Calibri's metrics) LibreOffice measures Excel's width unit a third too wide
    if not shutil.which("soffice") or "Carlito" not in fonts:
        message = "apt-get install -y libreoffice-calc-nogui fonts-crosextra-carlito (LibreOffice, Carlito)"
        if TOOLS_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("printed")
    with demo_app.app_context():
        council_id = db.session.scalar(sa.select(Council.id))
        (folder / "list.pdf").write_bytes(progress_file(council_id, 2017, "pdf").content)
        (folder / "list.xlsx").write_bytes(progress_file(council_id, 2017, "xlsx").content)
        db.session.remove()
    profile = f"-env:UserInstallation=file://{folder / 'profile'}"  # its own: other soffice may be running
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(folder / "excel"),
         str(folder / "list.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return Printed(pdf_pages(folder / "list.pdf"), pdf_pages(folder / "excel" / "list.pdf"))


def whole(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_the_excel_prints_the_list_in_no_more_pages_than_the_pdf(printed):
    *list_pages, import_sheet = printed.excel_pdf
    # the second sheet, on one page
    assert "取り込みに使う情報" in import_sheet and "資料２－２" not in import_sheet
    assert len(list_pages) <= len(printed.app_pdf) == len(PAGE_HEADERS)
    for page, headers in zip(list_pages, PAGE_HEADERS, strict=True):
        assert "資料２－２" in page  # the header of every page
        assert all(whole(header) in whole(page) for header in headers), headers
    assert "平成29年度取組み進捗状況一覧" in list_pages[0]


def test_the_pdf_prints_a_page_for_each_five_agencies_with_the_document_number(printed):
    for page, headers in zip(printed.app_pdf, PAGE_HEADERS, strict=True):
        assert "資料２－２" in page
        assert all(whole(header) in whole(page) for header in headers), headers


def test_a_cell_written_once_for_two_items_prints_once_in_both(printed):
    for pages in (printed.app_pdf, printed.excel_pdf):
        text = whole("".join(pages))
        for phrase in WRITTEN_ONCE:
            assert text.count(phrase) == 1, phrase


@pytest.fixture(scope="module")
def long_rows(demo_app):
    """The demo's columns with 厚木医師会's (2) and (4) made long: the first page's block no longer fits."""
    with demo_app.app_context():
        council_id = db.session.scalar(sa.select(Council.id))
        columns = compiled_columns(council_id, 2017)
        number = document_number(council_id, 2017)
        db.session.remove()

    def with_length(length: int) -> list:
        texts = list(columns[1].texts)
        texts[1] = texts[3] = "あ" * length
        return [columns[0], dataclasses.replace(columns[1], texts=tuple(texts)), *columns[2:]]

    return demo_app, with_length, number


@pytest.mark.parametrize("length", [350, 400])
def test_the_pdf_never_leaves_row_5_of_a_block_alone_on_a_page(long_rows, tmp_path, length):
    app, with_length, number = long_rows
    with app.app_context():
        (tmp_path / "list.pdf").write_bytes(to_pdf(with_length(length), 2017, number))
    pages = pdf_pages(tmp_path / "list.pdf")
    assert len(pages) == 5  # the first block broke
    for page in pages:
        assert "（４）" in page or "（５）" not in page


def test_the_excel_never_leaves_row_5_of_a_block_alone_on_a_page(long_rows):
    app, with_length, number = long_rows
    for length in (350, 500, 650, 800):
        with app.app_context():
            sheet = load_workbook(io.BytesIO(to_xlsx(with_length(length), 2017, number)))["進捗状況一覧"]
        assert sheet["A7"].value.startswith("（４）") and sheet["A8"].value.startswith("（５）")
        breaks = [brk.id for brk in sheet.row_breaks.brk]
        assert breaks[0] < 7 and 7 not in breaks, (length, breaks)  # never a break between (4) and (5)


def test_a_block_taller_than_a_page_breaks_as_late_as_it_can_but_never_before_its_last_row_alone():
    assert block_breaks([20, 20, 50, 100, 100, 100, 100], page_height=600) == []
    assert block_breaks([20, 20, 50, 300, 200, 100, 100], page_height=600) == [4]
    # as many rows as fit would leave (5) alone on the next page: (4) goes along
    assert block_breaks([20, 20, 50, 300, 100, 100, 100], page_height=600) == [4]
    assert block_breaks([20, 20, 50, 300, 100, 100, 100], page_height=600, already_used=500) == [2]
    assert block_breaks([300] * 7, page_height=600) == [1, 3, 4]
