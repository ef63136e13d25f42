"""No page and no download shows an agency member the title of a follow-up she may not open: not the
meeting's outcomes, not its pre-meeting review (page, print view, Excel), not a list or a search, not
the progress list's Excel, PDF or CSV, not an answer of the JSON API, not her calendar feed. She still
learns how much is open where, as counts.

And no page, download or e-mail names a child to anyone outside the child's care team — the
secretariat, coordinators and admins included: there a case is its code."""

import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from kosodate.auth.models import User
from kosodate.cases.changes import add_team_member
from kosodate.cases.models import CareRole, Case
from kosodate.core.time import TOKYO, today_tokyo
from kosodate.extensions import db
from kosodate.feeds.services import new_address
from kosodate.followups.changes import FollowUpData, create_followup
from kosodate.followups.models import FollowUpPriority
from kosodate.meetings.models import Meeting
from kosodate.reminders.backends import memory_store
from kosodate.reminders.models import OutboxMessage, ReminderKind
from kosodate.reminders.outbox import enqueue, send_all
from kosodate.reminders.rules import due_reminders
from tests.access_world import api_headers, build_world, client_for
from tests.factories import make_next_liaison_meeting

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
    if kind.endswith("spreadsheetml.sheet") or kind == "application/zip":  # Excel, the council export
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(
                archive.read(name).decode("utf-8-sig", errors="replace") for name in archive.namelist()
            )
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
    cases = db.session.scalars(sa.select(Case.id)).all()
    case_meetings = db.session.scalars(sa.select(Meeting.id).where(Meeting.case_id.is_not(None))).all()
    urls += [
        f"/cases/{case_id}{page}" for case_id in cases for page in ("", "/access-log", "/access-log.csv")
    ]
    urls += [f"/meetings/{m}{page}" for m in case_meetings for page in ("", "/review", "/review.xlsx")]
    urls += [
        f"/followups/{world.case_followup.id}",
        f"/meetings/{world.meeting.id}/review/print",
        "/followups?view=all&status=all&q=架空",
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


def spellings(case: Case) -> list[str]:
    """How a child could be named: name and kana, with and without the space, and the birth date."""
    born = case.birth_date
    return [
        variant
        for name in (case.child_name, case.child_kana)
        for variant in {name, name.replace(" ", ""), name.replace(" ", "\u3000")}
    ] + [born.isoformat(), f"{born.year}年{born.month}月{born.day}日"]


def names_hidden_from(email: str) -> list[str]:
    """The children's names of every case whose care team the user's agency is not on."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    cases = db.session.scalars(sa.select(Case)).all()
    return [name for case in cases if user.agency_id not in case.team_agency_ids for name in spellings(case)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) reads the PDF")
@pytest.mark.parametrize(
    "role, unseen",
    [
        ("owner", ("hidden",)),
        ("linked", ("hidden",)),
        ("unrelated", ("hidden", "followup")),
        ("other_council", ("hidden", "followup")),
        ("secretariat", ()),
        ("coordinator", ()),
        ("admin", ()),
    ],
)
def test_no_page_or_download_shows_a_title_or_a_child_the_user_may_not_see(app, world, role, unseen):
    client = client_for(app, world, role)
    hidden = [getattr(world, name).title for name in unseen] + names_hidden_from(world.emails[role][0])
    assert len(hidden) >= len(unseen) + 2 * 6  # at least two children are kept from every role
    leaks = []
    for url in every_get_url(app, world):
        response = client.get(url)
        assert response.status_code < 500, url
        text = readable_text(response, uploaded="/attachments/" in url or "/files/" in url)
        leaks += [f"{url}: {name}" for name in hidden if name in text]
    assert leaks == []


def test_the_care_team_reads_the_childs_name_where_the_crawl_looks(app, world):
    """The crawl above would see a leak: the case's own pages name the child to its team."""
    client = client_for(app, world, "linked")
    page = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert world.case.child_name in page
    assert world.case.child_name not in client.get(f"/followups/{world.case_followup.id}").get_data(True)


def test_no_email_the_reminders_send_names_a_child(app, world):
    """Every kind of e-mail about cases — assigned, due soon, overdue, meeting, the secretariat's
    digest, an emergency member — for three weeks of reminders, as queued and as sent."""
    make_next_liaison_meeting()
    owner = db.session.scalar(sa.select(User).where(User.email == "momiji@example.org"))
    create_followup(
        owner,
        FollowUpData(
            title="在宅酸素の業者を決める", description="", responsible_agency=owner.agency, owner=owner,
            linked_agencies=[], due_date=today_tokyo() + timedelta(days=5), priority=FollowUpPriority.NORMAL,
            discuss_at_next_meeting=False, case=world.case,
        ),
    )  # fmt: skip
    hospital = db.session.scalar(sa.select(User).where(User.email == "hospital@example.org")).agency
    add_team_member(owner, world.case, hospital, CareRole.HOSPITAL, "", "救急搬送された")
    db.session.commit()
    start = datetime.combine(today_tokyo(), time(9, 5), TOKYO)
    for day in range(22):
        enqueue(due_reminders(start + timedelta(days=day)), start + timedelta(days=day))
        db.session.commit()
    send_all()
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {row.kind for row in rows} >= {
        ReminderKind.ASSIGNED, ReminderKind.DUE_SOON, ReminderKind.OVERDUE, ReminderKind.MEETING,
        ReminderKind.MEETING_DIGEST, ReminderKind.CASE_EMERGENCY,
    }  # fmt: skip
    assert any("ATG-" in row.body_text for row in rows)  # the cases are there, by their codes
    names = [name for case in db.session.scalars(sa.select(Case)) for name in spellings(case)]
    sent = [f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}" for m in memory_store()]
    texts = [f"{row.subject}\n{row.body_text}\n{row.body_html}" for row in rows] + sent
    assert len(sent) > 10
    assert [name for text in texts for name in names if name in text] == []


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
