"""The access log of cases (every look, every refused try; append-only) and the retention purge."""

import csv
import io
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from kosodate.auth.models import User
from kosodate.cases.changes import attach_file
from kosodate.cases.models import (
    AccessKind,
    Case,
    CaseAccessLog,
    CaseAttachment,
    CaseNote,
    CaseNoteVersion,
    CaseStatus,
)
from kosodate.cases.retention import purge_expired_cases, run_purge
from kosodate.core.audit import AuditEvent
from kosodate.core.time import now, today_tokyo
from kosodate.extensions import db
from kosodate.meetings.attachments import storage_dir
from kosodate.meetings.models import Meeting
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def case_of(name: str) -> Case:
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).where(Case.child_name == name))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def with_file(case: Case, name: str = "同意書.pdf") -> CaseAttachment:
    upload = FileStorage(BytesIO(PDF), filename=name, content_type="application/pdf")
    attachment = attach_file(user("msw@example.org"), case, upload)
    db.session.commit()
    return attachment


def looks(case: Case) -> list[tuple]:
    rows = db.session.execute(
        sa.select(User.email, CaseAccessLog.kind, CaseAccessLog.object_type, CaseAccessLog.shown)
        .join(User, User.id == CaseAccessLog.user_id)
        .where(CaseAccessLog.case_id == case.id)
        .order_by(CaseAccessLog.id)
    ).all()
    return [tuple(row) for row in rows]


# --- the access log ------------------------------------------------------------------------------


def test_every_look_and_every_refused_try_is_logged(login_as):
    case = case_of("架空 はなこ")
    attachment = with_file(case)
    note = db.session.scalar(sa.select(CaseNote).where(CaseNote.case_id == case.id))
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.case_id == case.id))
    paths = [
        f"/cases/{case.id}",
        f"/cases/{case.id}/notes/{note.id}",
        f"/cases/{case.id}/files/{attachment.id}",
        f"/meetings/{meeting.id}",
    ]
    nurse, school = login_as("momiji@example.org"), login_as("zama@example.org")
    for path in paths:
        assert nurse.get(path).status_code == 200, path
        assert school.get(path).status_code == 404, path
    token = csrf_token_from(school.get("/").get_data(as_text=True))
    assert school.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert school.get(f"/cases/{case.id + 1000}").status_code == 404  # no such case: nothing to log

    expected = []
    for kind, object_type in (
        (AccessKind.PAGE, ""),
        (AccessKind.NOTE, "case_notes"),
        (AccessKind.ATTACHMENT, "case_attachments"),
        (AccessKind.MEETING, "meetings"),
    ):
        expected += [
            ("momiji@example.org", kind, object_type, True),
            ("zama@example.org", kind, object_type, False),
        ]
    expected.append(("zama@example.org", AccessKind.NOTE, "", False))
    assert looks(case) == expected
    row = db.session.scalar(sa.select(CaseAccessLog).order_by(CaseAccessLog.id))
    assert row.remote_addr == "127.0.0.1" and row.agency.name == "訪問看護ステーションもみじ"


def test_a_page_that_fails_after_the_look_is_not_logged_as_read(login_as):
    case = case_of("架空 はなこ")
    attachment = with_file(case)
    (storage_dir() / attachment.stored_name).unlink()
    assert login_as("momiji@example.org").get(f"/cases/{case.id}/files/{attachment.id}").status_code == 404
    assert looks(case) == []


def test_the_lead_agency_and_the_secretariat_read_the_log_by_month(login_as):
    case = case_of("架空 はなこ")
    login_as("momiji@example.org").get(f"/cases/{case.id}")
    login_as("coordinator@example.org").get(f"/cases/{case.id}")
    earlier = CaseAccessLog(case_id=case.id, user_id=user("zama@example.org").id, kind=AccessKind.PAGE,
                            shown=False, occurred_at=now() - timedelta(days=40))  # fmt: skip
    db.session.add(earlier)
    db.session.commit()

    secretariat = login_as("jimukyoku@example.org")
    page = secretariat.get(f"/cases/{case.id}/access-log").get_data(as_text=True)
    assert "もみじ 訪問看護師" in page and "相談支援専門員" in page and "拒否（404）" in page
    assert "座間養護学校 担当" not in page  # last month's
    assert "架空 はなこ" not in page and "かくう" not in page
    month = (today_tokyo().replace(day=1) - timedelta(days=1)).replace(day=1)
    download = secretariat.get(f"/cases/{case.id}/access-log.csv?month={month:%Y-%m}")
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment")
    body = download.get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert body.startswith("\ufeff")
    assert [row[1:7] for row in rows] == [
        ["利用者", "メールアドレス", "機関", "内容", "対象", "結果"],
        ["座間養護学校 担当", "zama@example.org", "", "ケースのページ", "", "拒否（404）"],
    ]
    for month in ("2026-13", "0001-01", "abc", "9" * 5000):  # this month instead
        assert secretariat.get(f"/cases/{case.id}/access-log?month={month}").status_code == 200

    assert login_as("msw@example.org").get(f"/cases/{case.id}/access-log").status_code == 200  # the lead
    assert login_as("momiji@example.org").get(f"/cases/{case.id}/access-log").status_code == 403
    assert login_as("coordinator@example.org").get(f"/cases/{case.id}/access-log").status_code == 404
    reads = {(email, kind, shown) for email, kind, _type, shown in looks(case)}
    assert ("jimukyoku@example.org", AccessKind.ACCESS_LOG, True) in reads
    assert ("jimukyoku@example.org", AccessKind.EXPORT, True) in reads
    assert ("coordinator@example.org", AccessKind.ACCESS_LOG, False) in reads


def test_the_access_log_cannot_be_changed_on_postgresql(app, demo):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the guard is a PostgreSQL trigger")
    case = case_of("架空 はなこ")
    db.session.add(CaseAccessLog(case_id=case.id, kind=AccessKind.PAGE, shown=True))
    db.session.commit()
    for statement in ("UPDATE case_access_log SET shown = false", "DELETE FROM case_access_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAccessLog)) == 1


# --- retention -----------------------------------------------------------------------------------


def test_a_closed_case_keeps_its_code_dates_and_logs_but_not_the_child(app, demo, login_as):
    mirai = case_of("架空 みらい")  # closed 400 days ago
    attachment = with_file(mirai, "架空みらい_同意書.pdf")
    login_as("msw@example.org").get(f"/cases/{mirai.id}")  # 厚木市立病院 is not on its team: refused
    assert purge_expired_cases() == []  # five years (CASE_RETENTION_YEARS) have not passed

    preview = purge_expired_cases(years=1, dry_run=True)
    db.session.rollback()
    assert [(p.code, p.notes, p.attachments) for p in preview] == [(mirai.code, 1, 1)]
    assert case_of("架空 みらい").child_name == "架空 みらい"

    purged = purge_expired_cases(years=1)
    db.session.commit()
    assert [p.code for p in purged] == [mirai.code]
    case = db.session.get(Case, mirai.id)
    assert (case.child_name, case.child_kana, case.birth_date, case.municipality, case.needs) == (
        "",
        "",
        None,
        "",
        [],
    )
    assert case.code == mirai.code and case.closed_on is not None and case.purged_at is not None
    assert [c.guardian_name for c in case.consents] == [""]
    assert {m.contact_person for m in case.team} == {""}
    assert db.session.scalars(sa.select(CaseNote.body).where(CaseNote.case_id == case.id)).all() == [""]
    versions = sa.select(CaseNoteVersion.body).join(CaseNote).where(CaseNote.case_id == case.id)
    assert db.session.scalars(versions).all() == [""]
    assert not (storage_dir() / attachment.stored_name).exists()
    assert db.session.get(CaseAttachment, attachment.id).filename == ""
    assert looks(case) == [("msw@example.org", AccessKind.PAGE, "", False)]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.purge"))
    assert event.object_id == case.id and "氏名" in event.changes["erased"][1]
    assert purge_expired_cases(years=1) == []  # once
    assert case_of("架空 はなこ").child_name == "架空 はなこ"  # open cases are kept

    # its care team still finds the case, read-only, with nothing of the child
    nurse = make_user(case.lead_agency)
    db.session.commit()
    client = app.test_client()
    AuthActions(client).login(nurse.email, PASSWORD)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "個人情報" in page and "消去しました" in page and "架空 みらい" not in page
    assert client.get(f"/cases/{case.id}/edit").status_code == 403


def test_the_purge_command_and_the_scheduler_use_the_retention_setting(app, demo, runner):
    mirai = case_of("架空 みらい")
    code = mirai.code
    result = runner.invoke(args=["cases", "purge", "--dry-run"])
    assert result.exit_code == 0 and "would purge 0 case(s) closed 5 or more years ago" in result.output
    app.config["CASE_RETENTION_YEARS"] = 1
    result = runner.invoke(args=["cases", "purge", "--dry-run"])
    assert f"would purge {code}" in result.output
    assert case_of("架空 みらい").purged_at is None
    result = runner.invoke(args=["cases", "purge"])
    assert result.exit_code == 0 and f"purged {code}" in result.output and "purged 1 case(s)" in result.output
    db.session.refresh(mirai)
    assert mirai.purged_at is not None

    taro = case_of("架空 たろう")
    taro.status, taro.closed_on = CaseStatus.CLOSED, today_tokyo() - timedelta(days=366)
    db.session.commit()
    run_purge(app)  # the scheduler's nightly job
    db.session.refresh(taro)
    assert taro.child_name == ""


def test_the_retention_years_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CASE_RETENTION_YEARS", "7")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    from kosodate import create_app

    assert create_app("development", instance_path=str(tmp_path)).config["CASE_RETENTION_YEARS"] == 7
