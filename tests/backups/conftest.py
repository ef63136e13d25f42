"""Fixtures and helpers of the backup tests: a stamped source database, scratch databases to restore into,
an independent checksum of every table, and small ways to load and back up data."""

import hashlib
import os
import re
import secrets
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from pyrage import x25519
from werkzeug.datastructures import FileStorage

from kosodate.auth.models import User
from kosodate.extensions import db, migrate
from kosodate.meetings.attachments import save_attachment
from kosodate.meetings.models import Meeting

from ..conftest import AuthActions

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PDF, PNG = b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"|(<meta name="csrf-token" content=")[^"]+"')


@pytest.fixture
def stamped(app):
    """The test database marked as at the newest migration, as `flask db upgrade` leaves it."""
    command.stamp(migrate.get_config(), "head")
    yield app
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def _scratch_databases(database_url):
    """PostgreSQL scratch databases, made once a run: each DROP DATABASE costs a checkpoint."""
    made: set[str] = set()
    admin = (
        None
        if database_url.startswith("sqlite")
        else sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    )
    yield admin, made
    if admin is not None:
        with admin.connect() as connection:
            for scratch in made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(_scratch_databases, tmp_path):
    """scratch_url("restore"): an empty database of the test database's kind (PostgreSQL:
    kosodate_backups_restore beside the test database, emptied for each test)."""
    admin, made = _scratch_databases

    def make(name: str) -> str:
        if admin is None:
            return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        scratch = f"{admin.url.database}_{name}"
        url = admin.url.set(database=scratch).render_as_string(hide_password=False)
        if scratch not in made:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
            made.add(scratch)
        else:
            engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        return url

    return make


def new_key() -> str:
    return str(x25519.Identity.generate())


def table_checksums(engine: sa.Engine) -> dict[str, str]:
    """A SHA-256 of each table's rows in primary-key order, read through the models' types.

    The backups' own audit events are left out: the source records each backup after its snapshot.
    """
    sums = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            if table.name == "audit_events":
                query = query.where(~table.c.action.like("backup.%"))
            rows = [tuple(row) for row in connection.execute(query)]
            sums[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return sums


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def attach(meeting: Meeting, uploader: User, filename: str, head: bytes, size: int):
    """A real upload through the meetings' service: random content behind the type's signature."""
    upload = FileStorage(stream=BytesIO(head + secrets.token_bytes(size - len(head))), filename=filename)
    return save_attachment(uploader, meeting, upload)


def review_page(app, meeting_id: int, email: str, password: str) -> str:
    """The pre-meeting review as the user sees it, without the per-session CSRF tokens."""
    client = app.test_client()
    assert AuthActions(client).login(email, password).status_code == 302
    response = client.get(f"/meetings/{meeting_id}/review")
    assert response.status_code == 200
    return CSRF_VALUE.sub(
        lambda match: (match.group(1) or match.group(2)) + '"', response.get_data(as_text=True)
    )


def cli(app, *args: str):
    """`flask --app app ARGS` against this app (in its own context: Flask's commands run in the
    current app's when one is pushed, as the test's is); the result has exit_code and output."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def no_tables(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


ENVIRONMENT = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
