"""User text in exports is text: a title like =HYPERLINK("http://x","y") never becomes a live formula
in an Excel file, and a CSV value that starts with = + - @ is escaped with a leading quote.

Every text column of every user-editable table is set to such a value (each starting with one of
= + - @ and naming its column), then every file any GET route answers with (Excel, CSV, a zip of
them) is read back: exports added later are checked without a change here."""

import csv
import io
import itertools
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.routing import AnyConverter

from kosodate.agencies.models import Council
from kosodate.core.spreadsheet import FORMULA_STARTS
from kosodate.extensions import db
from kosodate.followups.models import FollowUp, FollowUpStatus
from kosodate.meetings.models import Meeting
from kosodate.reports.models import ProgressReport, ReportStatus

STARTS = ("=", "+", "-", "@")
#: not text a user writes (identifiers, secrets, addresses) or not in any export (logs, e-mails)
NOT_USER_TEXT = {
    "email", "contact_email", "password_hash", "session_token", "stored_name", "content_type",
    "totp_secret", "totp_pending_secret", "code_hash", "token_hash", "token", "uuid", "code", "case_prefix",
}  # fmt: skip
#: (the append-only ones refuse UPDATE on PostgreSQL)
NOT_EXPORTED_TABLES = {"audit_events", "case_access_log", "outbox", "used_link_tokens"}


def payload(start: str, marker: str, length: int | None) -> str:
    text = f'{start}HYPERLINK("http://x","{marker}")'
    return text if length is None or len(text) <= length else f"{start}{marker}"[:length]


def poison_every_text_column() -> None:
    for table in db.metadata.sorted_tables:
        if table.name in NOT_EXPORTED_TABLES or "id" not in table.c:  # no id: counters, keys
            continue
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text) and not isinstance(c.type, sa.Enum)
            and c.name not in NOT_USER_TEXT
        ]  # fmt: skip
        if not columns:
            continue
        ids = db.session.scalars(sa.select(table.c.id)).all()
        for index, row_id in enumerate(ids):
            start = STARTS[index % len(STARTS)]
            values = {
                c.name: payload(start, f"{table.name}.{c.name}.{row_id}", c.type.length) for c in columns
            }
            db.session.execute(table.update().where(table.c.id == row_id).values(**values))
    db.session.commit()


@pytest.fixture
def poisoned(demo):
    """The demo, with a follow-up done since the first meeting, a report still a draft, and a
    proposal of agencies to talk with, so that every section of the review has rows."""
    first = db.session.scalar(sa.select(Meeting).order_by(Meeting.starts_at))
    followup = db.session.scalar(sa.select(FollowUp).order_by(FollowUp.id))
    followup.status, followup.done_at = FollowUpStatus.DONE, first.starts_at + timedelta(days=1)
    followup.completion_note = "note"
    report = db.session.scalar(sa.select(ProgressReport).order_by(ProgressReport.id))
    report.status, report.submitted_at = ReportStatus.DRAFT, None
    db.session.commit()
    poison_every_text_column()


def cells(workbook_bytes: bytes):
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def markers(values) -> set[str]:
    """Which table.column each poisoned value came from."""
    found = set()
    for value in values:
        if isinstance(value, str) and "HYPERLINK" in value:
            found.add(".".join(value.split('"')[3].split(".")[:2]))
    return found


def assert_no_formula(workbook_bytes: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), f"a formula in {name}"
    values = []
    for cell in cells(workbook_bytes):
        assert cell.data_type != "f", f"{cell.coordinate}: {cell.value!r}"
        values.append(cell.value)
    return markers(values)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"xlsx": XLSX, "csv": "text/csv"}


def every_download(app, client, ids: dict[str, list[int]], query: dict):
    """Every GET route with the demo's ids (each meeting, …) and the council's year in the query:
    (path, response) of each that answers with a file. Exports added later are found the same way."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        choices = {
            name: sorted(c.items) if isinstance(c, AnyConverter) else ids.get(name)
            for name, c in rule._converters.items()
        }
        if any(values is None for values in choices.values()):  # a token, an uploaded file: no export
            continue
        for combination in itertools.product(*choices.values()):
            path = adapter.build(rule.endpoint, {**dict(zip(choices, combination, strict=True)), **query})
            response = client.get(path)
            if response.status_code == 200 and response.mimetype not in ("text/html", "application/json"):
                yield path, response


def test_every_text_reaching_an_export_stays_text(app, login_as, poisoned):
    client = login_as("jimukyoku@example.org")
    ids = {
        "meeting_id": db.session.scalars(sa.select(Meeting.id)).all(),
        "followup_id": db.session.scalars(sa.select(FollowUp.id).limit(1)).all(),
        "council_id": db.session.scalars(sa.select(Council.id)).all(),
    }
    query = {"council": db.session.scalar(sa.select(Council.id)), "fy": 2017}
    in_excel, in_csv, checked = set(), set(), []
    for path, response in every_download(app, client, ids, query):
        checked.append(path.split("?")[0])
        files = [(path, response.mimetype, response.data)]
        if response.mimetype == "application/zip":  # an archive of exports: each file inside
            archive = zipfile.ZipFile(io.BytesIO(response.data))
            files = [
                (name, MEDIA_TYPES.get(name.rsplit(".", 1)[-1]), archive.read(name))
                for name in archive.namelist()
            ]
        for name, mimetype, data in files:
            if mimetype == XLSX:
                in_excel |= assert_no_formula(data)
            elif mimetype == "text/csv":
                values = [v for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for v in row]
                assert [value for value in values if value.startswith(FORMULA_STARTS)] == [], name
                assert all(value.startswith("'") for value in values if "HYPERLINK" in value), name
                in_csv |= markers(values)
    assert {
        "/reports/progress.xlsx",
        "/reports/progress.csv",
        f"/meetings/{ids['meeting_id'][0]}/review.xlsx",
        f"/admin/councils/{ids['council_id'][0]}/export",
        "/admin/audit.csv",
    } <= set(checked)
    assert {
        "meetings.title",  # A1 of every sheet of the review
        "followups.title",
        "followups.completion_note",
        "agencies.name",
        "users.name",
        "initiatives.title",
        "initiatives.content",
        "initiatives.column_label",
        "plan_items.title",
        "progress_reports.progress",
        "progress_reports.challenges",
        "progress_reports.proposals",
        "progress_reports.next_year_plan",
    } <= in_excel
    assert {"initiatives.content", "progress_reports.proposals", "agencies.name"} <= in_csv
