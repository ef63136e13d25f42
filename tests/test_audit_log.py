"""The audit log read: /admin/audit for the admin and, for its own council, the secretariat; filters,
pages, the CSV; events know their council; on PostgreSQL the rows cannot be changed or deleted."""

import csv
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from kosodate.auth.models import Role
from kosodate.core import audit
from kosodate.core.audit import AuditEvent
from kosodate.core.time import TOKYO
from kosodate.extensions import db

from .conftest import AuthActions
from .factories import PASSWORD, make_agency, make_council, make_user


@pytest.fixture
def councils(app):
    """Two councils, a secretary each, an admin, and a few events of each council."""
    atsugi, yokosuka = make_council("厚木"), make_council("横須賀")
    atsugi_secretary = make_user(make_agency(atsugi), Role.SECRETARIAT, email="atsugi@example.org")
    yokosuka_secretary = make_user(make_agency(yokosuka), Role.SECRETARIAT, email="yokosuka@example.org")
    nurse = make_user(make_agency(atsugi), email="nurse@example.org")
    nurse.name = '=HYPERLINK("http://evil.example","看護")'
    make_user(None, Role.ADMIN, email="root@example.org")
    at(audit.record("auth.login", actor=nurse, obj=nurse), "2018-02-20T10:00")
    at(audit.record("auth.login_failed", obj=nurse, changes={"reason": "password"}), "2018-02-27T09:00")
    at(audit.record("auth.login", actor=yokosuka_secretary, obj=yokosuka_secretary), "2018-02-27T10:00")
    at(audit.record("demo.load", obj=atsugi), "2018-02-28T13:59")
    at(audit.record("auth.login_failed", changes={"email": "nobody@example.org"}), "2018-02-28T23:59")
    db.session.commit()
    return {"atsugi": atsugi_secretary, "yokosuka": yokosuka_secretary, "nurse": nurse}


def at(event: AuditEvent, tokyo_time: str) -> None:
    event.occurred_at = datetime.fromisoformat(tokyo_time).replace(tzinfo=TOKYO)


def signed_in(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email, PASSWORD).status_code == 302
    return client


def shown(client, query: str = "") -> list[str]:
    """The actions listed, top to bottom (newest first), of the fixture's days (not the readers' own
    sign-ins of today)."""
    response = client.get(f"/admin/audit{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [
        row["操作コード"] for row in csv_rows(client, query) if row["日時（日本時間）"].startswith("2018")
    ]


def csv_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"/admin/audit.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_events_know_their_council_from_the_object_or_else_the_actor(councils):
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    atsugi, yokosuka = councils["atsugi"].council_id, councils["yokosuka"].council_id
    assert [event.council_id for event in events] == [atsugi, atsugi, yokosuka, atsugi, None]
    audit.record("outbox.retry", actor=councils["yokosuka"])  # no object: the actor's council
    assert audit.record("outbox.retry").council_id is None
    assert db.session.scalars(sa.select(AuditEvent.council_id).order_by(AuditEvent.id)).all()[-2:] == [
        yokosuka, None,
    ]  # fmt: skip


def test_the_admin_reads_everything_and_filters_it(app, councils):
    admin = signed_in(app, "root@example.org")
    assert shown(admin) == ["auth.login_failed", "demo.load", "auth.login", "auth.login_failed", "auth.login"]
    assert shown(admin, "?user=nurse") == ["auth.login_failed", "auth.login"]  # as actor or as object
    assert shown(admin, "?action=auth.login_failed") == ["auth.login_failed", "auth.login_failed"]
    assert shown(admin, "?object_type=councils") == ["demo.load"]
    nurse_id = councils["nurse"].id
    assert shown(admin, f"?object_type=users&object_id={nurse_id}") == ["auth.login_failed", "auth.login"]
    assert shown(admin, "?since=2018-02-27&until=2018-02-28") == [
        "auth.login_failed", "demo.load", "auth.login", "auth.login_failed",
    ]  # fmt: skip
    assert shown(admin, "?until=2018-02-27") == ["auth.login", "auth.login_failed", "auth.login"]
    page = admin.get("/admin/audit?user=nurse").get_data(as_text=True)
    assert "ログインの失敗" in page and "2018年2月27日(火) 09:00:00" in page


def test_the_secretariat_reads_only_its_own_council(app, councils):
    atsugi = signed_in(app, "atsugi@example.org")
    assert shown(atsugi) == ["demo.load", "auth.login_failed", "auth.login"]
    assert "yokosuka@example.org" not in atsugi.get("/admin/audit").get_data(as_text=True)
    yokosuka = signed_in(app, "yokosuka@example.org")
    assert shown(yokosuka) == ["auth.login"]


def test_nobody_else_reads_the_audit_log(app, councils):
    make_user(councils["nurse"].agency, Role.COORDINATOR, email="coordinator@example.org")
    db.session.commit()
    for email in ("nurse@example.org", "coordinator@example.org"):
        client = signed_in(app, email)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403


def test_the_csv_is_excel_ready_and_never_runs_a_formula(app, councils):
    rows = csv_rows(signed_in(app, "root@example.org"), "?action=auth.login&user=nurse")
    [row] = rows
    assert row["利用者"] == '\'=HYPERLINK("http://evil.example","看護")'
    assert row["日時（日本時間）"] == "2018-02-20 10:00:00"
    assert row["操作"] == "ログイン"
    assert row["対象"] == "利用者"


def test_long_logs_come_in_pages_of_50(app, councils):
    for _ in range(120):
        audit.record("outbox.retry")
    db.session.commit()
    admin = signed_in(app, "root@example.org")
    first = admin.get("/admin/audit?action=outbox.retry").get_data(as_text=True)
    assert "120件（1 / 3ページ）" in first
    third = admin.get("/admin/audit?action=outbox.retry&page=3").get_data(as_text=True)
    assert third.count("メールの再送</td>") == 20
    assert "（3 / 3ページ）" in admin.get("/admin/audit?action=outbox.retry&page=99").get_data(as_text=True)
    assert len(csv_rows(admin, "?action=outbox.retry")) == 120


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?object_id=2147483648", "対象IDは1以上の整数で入れてください。"),
        ("?object_id=1e20", "対象IDは1以上の整数で入れてください。"),
        ("?since=2018-13-01", "日付の形式が正しくありません"),
        ("?since=2018-03-01&until=2018-02-01", "期間の終わりが始まりより前です。"),
        ("?action=auth.nothing", "選択肢にない値です。"),
        ("?page=100000000000000000000", None),
    ],
)
def test_bad_filters_get_a_japanese_message(app, councils, query, message):
    admin = signed_in(app, "root@example.org")
    response = admin.get(f"/admin/audit{query}")
    assert response.status_code == 200
    assert admin.get("/admin/audit?user=%00nurse").status_code == 400  # no control character in a URL
    if message:
        assert message in response.get_data(as_text=True)
        assert admin.get(f"/admin/audit.csv{query}").status_code == 400


def test_audit_rows_refuse_update_and_delete_on_postgresql(app, councils):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 5
    db.session.rollback()  # TRUNCATE waits for every open transaction on the table
    with db.engine.begin() as connection:  # emptying a table (tests, a restore) still works
        connection.execute(sa.text("TRUNCATE audit_events"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
