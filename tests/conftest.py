"""Fixtures: an app per test on each test database, clients logged in by role, the demo data.

Every database test runs on SQLite, and also on PostgreSQL when KOSODATE_TEST_DATABASE_URL is set.
The schema is built once per database; each test starts from empty tables.
"""

import contextvars
import os
import re
import uuid

import pytest
import redis
import sqlalchemy as sa
from flask.testing import FlaskClient

from kosodate import create_app
from kosodate.demo.loader import load_demo
from kosodate.extensions import db
from tests.mail import SMTPServer

DEMO_PASSWORD = "demo-password-2017"
POSTGRES_URL = os.environ.get("KOSODATE_TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
REDIS_URL = os.environ.get("KOSODATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_REQUIRED = os.environ.get("CI") == "true" or os.environ.get("KOSODATE_REQUIRE_REDIS") == "1"


class RequestIsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app context, `g`, login
    state and database session, although the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, instance_path, **overrides):
    app = create_app(
        "testing", instance_path=str(instance_path), SQLALCHEMY_DATABASE_URI=database_url, **overrides
    )
    app.test_client_class = RequestIsolatedClient
    return app


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """One database per kind for the whole run, its tables built from the models."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    else:
        url = POSTGRES_URL
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback that the app sends to (tests/mail.py)."""
    server = SMTPServer().start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The FY2017 Atsugi demo data with its five users, password DEMO_PASSWORD."""
    result = load_demo(password=DEMO_PASSWORD)
    db.session.commit()
    return result


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = DEMO_PASSWORD, next_path: str = ""):
        page = self.client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(
            "/login", data={"email": email, "password": password, "next": next_path, "csrf_token": token}
        )

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app, demo):
    """A new test client logged in as a demo user: login_as("momiji@example.org")."""

    def login(email: str):
        client = app.test_client()
        response = AuthActions(client).login(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on the shared Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        message = f"Redis does not answer at {REDIS_URL}: apt-get install -y redis-server"
        if REDIS_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"kosodate-auth-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()
