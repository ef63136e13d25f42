"""/admin/councils/<id>/export: a council leaves with everything it put in, and nothing of another's."""

import csv
import io
import zipfile

import pyrage
import pytest
import sqlalchemy as sa
from pyrage import x25519

from kosodate.agencies.models import Council
from kosodate.auth.models import User
from kosodate.backups import council_export
from kosodate.backups.council_export import ExportKind
from kosodate.core.audit import AuditEvent
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.meetings.attachments import attachment_path
from kosodate.meetings.models import Meeting

from ..factories import make_agency, make_council
from .conftest import PDF, attach

SECRETARIAT = "jimukyoku@example.org"


@pytest.fixture
def council(demo):
    return db.session.scalar(sa.select(Council))


def export(client, council_id: int) -> zipfile.ZipFile:
    response = client.get(f"/admin/councils/{council_id}/export")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def rows_of(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    data = archive.read(name)
    assert data.startswith("\ufeff".encode()), f"{name} has no BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_secretariat_exports_its_council_as_one_csv_per_kind_with_the_files(login_as, council):
    meeting = db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at)).first()
    secretariat = db.session.scalar(sa.select(User).where(User.email == SECRETARIAT))
    attachment = attach(meeting, secretariat, "別紙１ サポートブック案.pdf", PDF, 50_000)
    followup = db.session.scalars(sa.select(FollowUp).order_by(FollowUp.id)).first()
    followup.title = '=HYPERLINK("http://example.org","開く")'
    db.session.commit()

    archive = export(login_as(SECRETARIAT), council.id)
    names = set(archive.namelist())
    plain = [kind for kind in council_export.KINDS if not kind.personal]  # no BACKUP_KEY: no personal ones
    assert {kind.filename for kind in plain} <= names
    assert not any(name.endswith(".age") or name.startswith("case_files/") for name in names)
    readme = archive.read("README.txt").decode("utf-8")
    for kind in plain:
        rows = rows_of(archive, kind.filename)
        assert rows[0] == [header for header, _meaning in kind.columns]
        assert all(len(row) == len(kind.columns) for row in rows), kind.filename
        assert f"■ {kind.filename}（{kind.title}）" in readme
        assert all(f"・{header}" in readme for header, _meaning in kind.columns)

    followups = rows_of(archive, "followups.csv")
    assert len(followups) - 1 == 9 + 6  # the demo cases' follow-ups too: they never name a child
    assert followups[0][:3] == ["ID", "件名", "内容"]
    assert """'=HYPERLINK("http://example.org","開く")""" in [row[1] for row in followups]
    assert len(rows_of(archive, "agencies.csv")) - 1 == 25
    (listed,) = rows_of(archive, "attachments.csv")[1:]
    assert listed[2] == "別紙１ サポートブック案.pdf"
    assert archive.read(listed[3]) == attachment_path(attachment).read_bytes()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "council.export"))
    assert (event.object_type, event.object_id) == ("councils", council.id)


def test_nothing_of_another_council_is_in_the_export(login_as, council):
    elsewhere = make_council("よその連絡会議")
    agency = make_agency(elsewhere, "よその病院")
    db.session.add(FollowUp(council=elsewhere, title="よその対応事項", responsible_agency=agency))
    db.session.commit()
    archive = export(login_as("admin@example.org"), council.id)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    assert "よその" not in everything


def test_only_an_admin_and_the_councils_own_secretariat_may_export(login_as, council):
    assert login_as("coordinator@example.org").get(f"/admin/councils/{council.id}/export").status_code == 403
    assert login_as("momiji@example.org").get(f"/admin/councils/{council.id}/export").status_code == 403
    elsewhere = make_council("よその連絡会議")
    db.session.commit()
    client = login_as("admin@example.org")
    assert client.get("/admin/councils/999999/export").status_code == 404
    assert client.get(f"/admin/councils/{elsewhere.id}/export").status_code == 200
    outsider = login_as(SECRETARIAT)
    assert outsider.get(f"/admin/councils/{elsewhere.id}/export").status_code == 404
    own_link = f'href="/admin/councils/{council.id}/export"'
    assert own_link in outsider.get("/agencies").get_data(as_text=True)
    assert own_link not in login_as("momiji@example.org").get("/agencies").get_data(as_text=True)


@pytest.fixture
def children_kind(monkeypatch):
    """A test-only kind standing in for the cases issue's: a child's personal data."""
    columns = (("ID", ""), ("氏名", "子の氏名"))
    kind = ExportKind(
        "children.csv", "ケース（テスト）", lambda council: [(1, "さくら")], columns, personal=True
    )
    monkeypatch.setattr(council_export, "KINDS", [*council_export.KINDS, kind])
    return kind


def test_personal_data_leaves_only_encrypted_with_backup_key(login_as, council, children_kind, app):
    client = login_as(SECRETARIAT)
    plain = export(client, council.id)
    assert not any(name.startswith("children.csv") for name in plain.namelist())
    assert "ケース（テスト）は含めていません" in plain.read("README.txt").decode("utf-8")

    identity = x25519.Identity.generate()
    app.config["BACKUP_KEY"] = str(identity)
    encrypted = export(client, council.id)
    assert "children.csv" not in encrypted.namelist()
    content = pyrage.decrypt(encrypted.read("children.csv.age"), [identity])
    assert content.decode("utf-8-sig").splitlines() == ["ID,氏名", "1,さくら"]
    assert "age -d -i" in encrypted.read("README.txt").decode("utf-8")
