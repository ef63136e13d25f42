"""The Content-Security-Policy holds in a real browser: no page breaks it (no inline script or style,
nothing from elsewhere), and the menu still opens on a phone."""

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative
from kosodate.meetings.models import Meeting

from .test_login_journey import log_in

#: every violation the page reports, whatever the console says
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.lineNumber}`);
});
"""


def watch(page: Page) -> list[str]:
    """Violations the console reports, and script errors (a blocked script breaks the next one)."""
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and problems.append(message.text),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def visit(page: Page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    problems += [f"{url}: {violation}" for violation in page.evaluate("window.__cspViolations")]


def test_no_page_breaks_the_policy(page: Page, live_server, demo):
    problems = watch(page)
    visit(page, f"{live_server}/login", problems)
    log_in(page, live_server, "jimukyoku@example.org")
    meeting = db.session.scalar(
        sa.select(Meeting.id).where(Meeting.case_id.is_(None)).order_by(Meeting.starts_at.desc())
    )
    followup = db.session.scalar(sa.select(FollowUp.id))
    initiative = db.session.scalar(sa.select(Initiative.id))
    for path in (
        "/",
        "/followups",
        "/followups/new",
        f"/followups/{followup}",
        f"/followups/{followup}/edit",
        "/meetings",
        f"/meetings/{meeting}",
        f"/meetings/{meeting}/edit",
        f"/meetings/{meeting}/review",
        f"/meetings/{meeting}/review/print",
        "/initiatives",
        f"/initiatives/{initiative}",
        "/reports/progress",
        "/reports/rounds",
        "/reports/import",
        "/agencies",
        "/settings/notifications",
    ):
        visit(page, f"{live_server}{path}", problems)
    assert problems == []


def test_the_menu_opens_on_a_phone(page: Page, live_server, demo):
    problems = watch(page)
    log_in(page, live_server, "momiji@example.org")
    page.set_viewport_size({"width": 375, "height": 740})
    menu_link = page.get_by_role("link", name="対応事項", exact=True)
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="メニュー").click()  # Bootstrap's collapse: our script file, no inline
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(page.get_by_role("heading", name="対応事項")).to_be_visible()
    assert problems == []
