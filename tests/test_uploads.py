"""Uploads that try to hurt: a zip bomb, DTDs and entities, broken XML, too many cells, names with
control characters. Each is refused in Japanese before a parser holds it in memory, and leaves no
file behind; previews nobody confirmed are removed after a day."""

import csv
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kosodate.agencies.models import Council
from kosodate.core.uploads import ZipLimits, check_office_file
from kosodate.extensions import db
from kosodate.meetings.models import Attachment, Meeting
from kosodate.reminders.scheduler import run_sweep
from tests.conftest import csrf_token_from
from tests.fuzzing import DTD_SHEET, workbook_bytes

GB = 1024**3
MB = 1024**2
SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _status_kb(name: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{name}:\s+(\d+) kB", text, re.MULTILINE).group(1))


def peak_growth_mb(action) -> float:
    """How far the process's resident memory rose above where it was while `action` ran."""
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current size
    before = _status_kb("VmRSS")
    action()
    return (_status_kb("VmHWM") - before) / 1024


@pytest.fixture(scope="session")
def zip_bomb() -> bytes:
    """An .xlsx of 1.5 MB whose worksheet unpacks to 1.5 GB of spaces."""
    buffer = io.BytesIO()
    chunk = b" " * (16 * MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        source = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET)
            for _ in range(int(1.5 * GB) // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def previews(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, name: str, data: bytes):
    token = csrf_token_from(client.get("/reports/import").get_data(as_text=True))
    council = db.session.scalar(sa.select(Council.id))
    return client.post(
        "/reports/import",
        data={"council": council, "fiscal_year": 2017, "file": (io.BytesIO(data), name), "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, login_as, zip_bomb):
    assert 1 * MB < len(zip_bomb) < 2 * MB
    client = login_as("jimukyoku@example.org")
    client.get("/reports/import")  # everything a first request loads is loaded before measuring
    responses = []
    growth = peak_growth_mb(lambda: responses.append(upload(client, "list.xlsx", zip_bomb)))
    assert responses[0].status_code == 400
    assert "展開すると大きすぎるファイルです（1,536MB。20MBまで）" in responses[0].get_data(as_text=True)
    assert growth < 100, f"the worker grew by {growth:.0f} MB"
    assert previews(app) == []


#: reads the workbook given as argv[1] in a fresh interpreter, prints how many MB that took
READ_IN_A_FRESH_PROCESS = """
import io, re, sys
from pathlib import Path
from openpyxl import load_workbook
data = Path(sys.argv[1]).read_bytes()
kb = lambda name: int(re.search(name + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
before = kb("VmRSS")
load_workbook(io.BytesIO(data))
print((kb("VmHWM") - before) / 1024)
"""


def test_a_workbook_at_the_limits_is_read_within_100_mb(tmp_path):
    """The limits are where openpyxl still fits: a sheet with as many cells as allowed, each a
    different text, read by a process of its own (freed memory of this one would hide the growth)."""
    limits = ZipLimits()
    workbook = Workbook()
    sheet = workbook.active
    for row in range(limits.cells // 250):
        sheet.append([f"進捗の記述{row}-{column} とても長い文章が続きます" for column in range(250)])
    path = tmp_path / "limits.xlsx"
    workbook.save(path)
    check_office_file(path.read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS, str(path)], capture_output=True, text=True, check=True
    )
    growth = float(result.stdout)
    assert 10 < growth < 100, f"reading {limits.cells:,} cells took {growth:.0f} MB"


def _sheet_of(cells: int) -> bytes:
    """Cells of varied numbers: a sheet of one repeated value would pack like a zip bomb."""
    row = b"".join(f"<c><v>{(i * 7919) % 1000003}</v></c>".encode() for i in range(cells))
    return SHEET + b"<row>" + row + b"</row></sheetData></worksheet>"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
    + SHEET
    + b"<row><c><v>&lol9;</v></c></row></sheetData></worksheet>"
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (workbook_bytes(DTD_SHEET), "DTD（文書型定義）が含まれています"),
        (workbook_bytes(BILLION_LAUGHS), "DTD（文書型定義）が含まれています"),
        (workbook_bytes(b"<worksheet><sheetData><row><c>"), "Excel ファイル（.xlsx）として読めません"),
        (workbook_bytes(_sheet_of(1).decode().encode("utf-16")), "UTF-8 ではありません"),
        (workbook_bytes(b'<?xml version="1.0" encoding="UTF-7"?>' + _sheet_of(1)), "UTF-8 ではありません"),
        (workbook_bytes(_sheet_of(ZipLimits().cells + 1)), "セルが多すぎます（50,000個まで）"),
        (
            workbook_bytes(extra={f"xl/part{i}.xml": b"<x/>" for i in range(200)}),
            "ファイルの中身が多すぎます",
        ),
        (workbook_bytes(extra={"xl/media/spaces.xml": b" " * (5 * MB)}), "圧縮率が異常に高いファイル"),
        (b"PK\x03\x04 and then nothing", "Excel ファイル（.xlsx）として読めません"),
    ],
    ids=[
        "external-entity",
        "billion-laughs",
        "broken-xml",
        "utf-16",
        "utf-7",
        "cells",
        "entries",
        "ratio",
        "no-zip",
    ],
)
def test_hostile_workbooks_get_a_clear_400_and_leave_nothing(app, login_as, data, message):
    client = login_as("jimukyoku@example.org")
    response = upload(client, "list.xlsx", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert previews(app) == []


def test_a_csv_with_control_characters_names_the_cell(app, login_as):
    client = login_as("jimukyoku@example.org")
    council = db.session.scalar(sa.select(Council.id))
    exported = client.get(f"/reports/progress.csv?council={council}&fy=2017").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    rows[1][6] = "進捗\x00の記述"  # (２) of the first initiative
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = upload(client, "list.csv", buffer.getvalue().encode("utf-8"))
    assert response.status_code == 400
    assert "2行目 G列" in response.get_data(as_text=True)
    assert "使えない文字（制御文字）" in response.get_data(as_text=True)
    assert previews(app) == []


def test_previews_nobody_confirms_are_removed_after_a_day(app, login_as):
    client = login_as("jimukyoku@example.org")
    council = db.session.scalar(sa.select(Council.id))
    exported = client.get(f"/reports/progress.xlsx?council={council}&fy=2017").data
    assert upload(client, "list.xlsx", exported).status_code == 200
    [first] = previews(app)
    day_old = time.time() - 25 * 3600
    os.utime(first, (day_old, day_old))

    assert upload(client, "list.xlsx", exported).status_code == 200  # each upload sweeps
    [second] = previews(app)
    assert second != first

    os.utime(second, (day_old, day_old))
    run_sweep(app)  # and the scheduler, hourly
    assert previews(app) == []


def attachments_dir(app) -> list[Path]:
    folder = Path(app.instance_path) / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def attach(client, meeting_id: int, name: str, data: bytes = b"%PDF-1.4\n%%EOF\n"):
    token = csrf_token_from(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    return client.post(
        f"/meetings/{meeting_id}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("name", ["別紙\x00.pdf", "請求書\u202efdp.exe.pdf", "あ" * 252 + ".pdf"])
def test_an_attachment_with_a_bad_name_is_refused_and_leaves_no_file(app, login_as, name):
    client = login_as("jimukyoku@example.org")
    meeting_id = db.session.scalar(sa.select(Meeting.id))
    response = attach(client, meeting_id, name)
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "ファイル名に使えない文字が含まれているか、長すぎます" in page
    assert attachments_dir(app) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_an_attachment_whose_row_is_not_saved_leaves_no_file(app, login_as, monkeypatch):
    """The database goes away between storing the file and committing its row."""
    client = login_as("jimukyoku@example.org")
    meeting_id = db.session.scalar(sa.select(Meeting.id))
    token = csrf_token_from(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))

    def lost_connection(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", lost_connection)
    with pytest.raises(OperationalError):
        client.post(
            f"/meetings/{meeting_id}/attachments",
            data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "別紙.pdf")},
            content_type="multipart/form-data",
        )
    monkeypatch.undo()
    assert attachments_dir(app) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
