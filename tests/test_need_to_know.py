"""No page and no download shows an agency member the title of a follow-up she may not open: not the
meeting's outcomes, not its pre-meeting review (page, print view, Excel), not a list or a search, not
the progress list's Excel, PDF or CSV. She still learns how much is open where, as counts."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest

from tests.access_world import build_world, client_for

SKIPPED_ENDPOINTS = {"static", "health.healthz", "auth.login", "reminders.one_click"}


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
