"""No page and no download shows an agency member the title of a follow-up she may not open: not the
meeting's outcomes, not its pre-meeting review (page, print view, Excel), not a list or a search, not
the progress list's Excel, PDF or CSV, not an answer of the JSON API, not her calendar feed. She still
learns how much is open where, as counts."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest
import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.extensions import db
from kosodate.feeds.services import new_address
from tests.access_world import api_headers, build_world, client_for

#: the feed's address in the world is the owner's: each member's own feed is read below
SKIPPED_ENDPOINTS = {"static", "health.healthz", "auth.login", "reminders.one_click", "feeds.feed"}
API_ENDPOINTS = ("api_followups.", "api_catalog.")


def readable_text(response, uploaded: bool = False) -> str:
    """What a person could read in the answer: the page, or the text inside an Excel, PDF or CSV
    the app made; an uploaded attachment is read as it is."""
    body = response.get_data()
    kind = response.mimetype
    if uploaded:
        return body.decode("utf-8", errors="replace")
    if kind.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    if kind == "text/calendar":  # unfold the 75-octet lines, or a title could hide across two
        return body.replace(b"\r\n ", b"").decode("utf-8")
    if kind == "application/pdf":
        result = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True)
        return result.stdout.decode("utf-8")
    return body.decode("utf-8-sig")


def every_get_url(app, world) -> list[str]:
    """Every page and download a member can ask for, with the list filters that could reveal titles."""
    urls = [
        world.url(app, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS
    ]
    council = world.council.id
    urls += [f"/reports/progress.{kind}?council={council}&fy=2017" for kind in ("xlsx", "pdf", "csv")]
    urls += [
        f"/reports/progress?council={council}&fy=2017&view=rows",
        "/followups?status=all&view=all",
        "/followups?status=all&view=all&q=HIDDEN",
        f"/followups?status=all&view=all&meeting={world.meeting.id}",
        "/followups?overdue=1&view=all",
        "/followups?discuss=1&view=all",
        f"/followups/{world.hidden.id}",
    ]
    return urls


@pytest.fixture
def world(app, demo):
    return build_world()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) reads the PDF")
@pytest.mark.parametrize(
    "role, unseen",
    [
        ("owner", ("hidden",)),
        ("linked", ("hidden",)),
        ("unrelated", ("hidden", "followup")),
        ("other_council", ("hidden", "followup")),
    ],
)
def test_no_page_or_download_shows_a_title_the_member_may_not_open(app, world, role, unseen):
    client = client_for(app, world, role)
    titles = [getattr(world, name).title for name in unseen]
    leaks = []
    for url in every_get_url(app, world):
        response = client.get(url)
        assert response.status_code < 500, url
        text = readable_text(response, uploaded="/attachments/" in url)
        leaks += [f"{url}: {title}" for title in titles if title in text]
    assert leaks == []


def test_the_meeting_tells_a_member_how_much_is_open_elsewhere(app, world):
    page = client_for(app, world, "owner").get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    assert world.followup.title in page
    others = re.search(r'data-testid="outcomes-others">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"厚木医師会</td><td[^>]*>1</td><td[^>]*>1<", others)

    review = client_for(app, world, "owner").get(f"/meetings/{world.meeting.id}/review").get_data(True)
    assert world.hidden.title not in review
    assert 'data-testid="review-hidden"' in review
    counts = re.search(r'data-testid="review-counts">(.*?)</table>', review, re.S).group(1)
    assert "厚木医師会" in counts


def test_staff_read_every_title_in_the_review_and_its_excel(app, world):
    """The crawl above would see a leak: the same pages show the titles to the coordinator."""
    client = client_for(app, world, "coordinator")
    for url in (
        f"/meetings/{world.meeting.id}",
        f"/meetings/{world.meeting.id}/review",
        f"/meetings/{world.meeting.id}/review/print",
        f"/meetings/{world.meeting.id}/review.xlsx",
    ):
        text = readable_text(client.get(url))
        assert world.hidden.title in text, url
        assert world.followup.title in text, url


def every_api_url(app, world) -> list[str]:
    urls = [
        world.url(app, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint.startswith(API_ENDPOINTS)
    ]
    return [
        *urls,
        "/api/v1/followups?status=all&view=all&per_page=100",
        "/api/v1/followups?status=all&q=HIDDEN",
        f"/api/v1/followups?status=all&meeting={world.meeting.id}",
        "/api/v1/followups?overdue=true",
        "/api/v1/followups?discuss=true&status=all",
        f"/api/v1/followups?agency={world.hidden.responsible_agency_id}&status=all",
        f"/api/v1/followups/{world.hidden.id}",
        f"/api/v1/followups/{world.hidden.id}/comments",
    ]


@pytest.mark.parametrize(
    "role, unseen",
    [
        ("owner", ("hidden",)),
        ("linked", ("hidden",)),
        ("unrelated", ("hidden", "followup")),
        ("other_council", ("hidden", "followup")),
    ],
)
def test_no_api_answer_or_calendar_feed_shows_a_title_the_member_may_not_open(app, world, role, unseen):
    client = app.test_client()
    titles = [getattr(world, name).title for name in unseen]
    responses = {url: client.get(url, headers=api_headers(world, role)) for url in every_api_url(app, world)}
    assert responses[f"/api/v1/followups/{world.hidden.id}"].status_code == 404
    user = db.session.scalar(sa.select(User).where(User.email == world.emails[role][0]))
    feed = new_address(user)
    db.session.commit()
    responses["her calendar"] = client.get(f"/calendar/{feed.token}.ics")
    assert responses["her calendar"].status_code == 200
    leaks = []
    for url, response in responses.items():
        assert response.status_code < 500, url
        leaks += [f"{url}: {title}" for title in titles if title in readable_text(response)]
    assert leaks == []


def test_the_api_and_the_feed_show_the_member_what_she_may_open(app, world):
    """The check above would see a leak: the same answers carry the titles she may open."""
    client = app.test_client()
    listed = client.get("/api/v1/followups?status=all", headers=api_headers(world, "owner"))
    assert world.followup.title in readable_text(listed)
    owner = db.session.scalar(sa.select(User).where(User.email == world.emails["owner"][0]))
    token = new_address(owner).token
    db.session.commit()
    feed = client.get(f"/calendar/{token}.ics")
    assert f"期限: {world.followup.title}" in readable_text(feed)
    assert world.meeting.title in readable_text(feed)
