"""Two server processes (gunicorn, production settings) share one lock: failures on either count, with
the database as the store and with Redis."""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from kosodate.auth.lockout import LOCKED_MESSAGE
from kosodate.auth.services import LOGIN_FAILED
from kosodate.extensions import db

from .conftest import REDIS_URL, make_app
from .factories import PASSWORD, make_agency, make_council, make_user
from .mail import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
NURSE = "nurse@example.org"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps one node's session cookie by hand (production cookies are Secure: no cookie jar would
    send them over plain HTTP on loopback)."""

    def __init__(self, base: str):
        self.base, self.cookie = base, ""

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Cookie": self.cookie})  # noqa: S310
        try:
            response = urllib.request.build_opener(_NoRedirect).open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        return response.status, response.read().decode("utf-8", "replace")

    def log_in(self, password: str) -> str:
        _status, page = self.open("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, page = self.open("/login", {"email": NURSE, "password": password, "csrf_token": token})
        if status == 302:
            return "signed in"
        return "locked" if LOCKED_MESSAGE in page else "wrong" if LOGIN_FAILED in page else page


@contextmanager
def nodes(count: int, database_url: str, tmp_path: Path, **settings):
    """`count` gunicorn processes of the app, as production runs it, sharing a secret key."""
    environment = {
        **os.environ,
        "KOSODATE_CONFIG": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "KOSODATE_REQUIRE_2FA": "0",
        "KOSODATE_INSTANCE_PATH": str(tmp_path / "nodes"),
        **settings,
    }
    ports = [free_port() for _ in range(count)]
    command = [str(GUNICORN), "--workers", "1", "--log-level", "warning"]
    processes = [
        subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=environment)
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_until_up(base)
        yield bases
    finally:
        for process in processes:
            process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        for process in processes:
            process.wait(timeout=30)


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 (http on loopback)
                return
        except OSError:  # refused, or accepted while the worker still loads the app (a timeout)
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not start")


def two_nodes_share_the_lock(database_url: str, tmp_path: Path, **settings) -> None:
    with nodes(2, database_url, tmp_path, **settings) as bases:
        first, second = Browser(bases[0]), Browser(bases[1])
        answers = [browser.log_in("wrong-password-123") for browser in (first, second, first, second, first)]
        assert answers == ["wrong"] * 4 + ["locked"]
        assert second.log_in(PASSWORD) == "locked"


def test_failures_on_two_nodes_lock_the_account_on_both(app, database_url, tmp_path):
    make_user(make_agency(make_council()), email=NURSE)
    db.session.commit()
    two_nodes_share_the_lock(database_url, tmp_path)


def test_two_nodes_share_the_lock_through_redis(tmp_path, redis_prefix):
    """The store does not depend on the database: once, on a SQLite file of its own."""
    database_url = f"sqlite:///{tmp_path / 'nodes.sqlite3'}"
    app = make_app(database_url, tmp_path / "instance")
    with app.app_context():
        db.create_all()
        make_user(make_agency(make_council()), email=NURSE)
        db.session.commit()
        db.engine.dispose()
    two_nodes_share_the_lock(database_url, tmp_path, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
