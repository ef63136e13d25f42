"""Security headers on every response: pages, downloads, error pages, static files; no-store on all
that is behind the login; HSTS, secure cookies and CSRF behind a TLS-terminating proxy."""

import io

import pytest
import sqlalchemy as sa

from kosodate import create_app
from kosodate.agencies.models import Council
from kosodate.core.http import CONTENT_SECURITY_POLICY
from kosodate.extensions import db
from kosodate.meetings.models import Meeting
from tests.conftest import DEMO_PASSWORD, csrf_token_from

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_secured(response, cacheable: bool = False):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    if cacheable:
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: tests, make run


def test_the_policy_lets_scripts_and_styles_come_from_the_app_only():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_pages_and_downloads_are_never_stored(login_as):
    client = login_as("jimukyoku@example.org")
    meeting_id = db.session.scalar(sa.select(Meeting.id).order_by(Meeting.starts_at))
    council_id = db.session.scalar(sa.select(Council.id))
    token = csrf_token_from(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    client.post(
        f"/meetings/{meeting_id}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "別紙.pdf")},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(sa.text("SELECT id FROM meeting_attachments"))
    paths = [
        "/",
        "/followups",
        f"/meetings/{meeting_id}",
        f"/meetings/{meeting_id}/review",
        f"/meetings/{meeting_id}/review/print",
        f"/meetings/{meeting_id}/review.xlsx",
        f"/meetings/{meeting_id}/attachments/{attachment}",
        f"/reports/progress.xlsx?council={council_id}&fy=2017",
        f"/reports/progress.csv?council={council_id}&fy=2017",
        f"/reports/progress.pdf?council={council_id}&fy=2017",
        "/followups/2147483648",  # an error page
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_secured(response)


def test_the_login_page_and_one_click_links_are_not_stored_either(client):
    assert_secured(client.get("/login"))
    assert_secured(client.get("/m/not-a-token"))


def test_static_files_and_the_health_check_may_be_cached(client):
    for path in ("/static/css/app.css", "/static/vendor/bootstrap-5.3.9/bootstrap.bundle.min.js", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert_secured(response, cacheable=True)


@pytest.fixture
def production(database_url, tmp_path, demo):
    """The production configuration behind one proxy (nginx), with the test's database."""
    return create_app(
        "production",
        instance_path=str(tmp_path / "production"),
        SECRET_KEY="a-production-secret-for-this-test",
        SQLALCHEMY_DATABASE_URI=database_url,
        PROXY_FIX=1,
    )


HTTPS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "kosodate.example.lg.jp",
    "X-Forwarded-For": "10.0.0.7",
}


def test_behind_a_tls_proxy_hsts_secure_cookies_and_csrf_hold(production):
    client = production.test_client()
    page = client.get("/login", headers=HTTPS)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # the coordinator: no second factor asked of her in production (not the secretariat, on no care team)
    form = {"email": "coordinator@example.org", "password": DEMO_PASSWORD}
    form["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    # a browser sends the Referer that Referrer-Policy: same-origin allows; Flask-WTF checks it on HTTPS
    referer = {**HTTPS, "Referer": "https://kosodate.example.lg.jp/login"}
    response = client.post("/login", data=form, headers=referer)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/", headers=HTTPS).status_code == 200
    with production.app_context():
        address = db.session.scalar(
            sa.text("SELECT remote_addr FROM audit_events WHERE action = 'auth.login'")
        )
    assert address == "10.0.0.7"  # the client's, not the proxy's


def test_without_a_referer_an_https_form_is_refused(production):
    """Why the policy is same-origin and not no-referrer."""
    client = production.test_client()
    page = client.get("/login", headers=HTTPS)
    form = {"email": "jimukyoku@example.org", "password": DEMO_PASSWORD}
    form["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/login", data=form, headers=HTTPS)
    assert response.status_code == 400


def test_no_proxy_is_trusted_unless_configured(client, demo):
    """Without KOSODATE_PROXY_FIX, anyone could claim any address in X-Forwarded-For."""
    form = {"email": "jimukyoku@example.org", "password": DEMO_PASSWORD}
    form["csrf_token"] = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data=form, headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 302
    address = db.session.scalar(sa.text("SELECT remote_addr FROM audit_events WHERE action = 'auth.login'"))
    assert address == "127.0.0.1"
