"""The main pages on a 1366 px screen and on a 390 px phone, as the secretariat and as a visiting
nurse: axe-core finds no serious or critical problem, no page scrolls sideways, the menu never
breaks a word, the keyboard focus is visible and a skip link leads to the content."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from kosodate.auth.models import User
from kosodate.core.time import today_tokyo
from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.initiatives.models import Initiative
from kosodate.meetings.models import Meeting
from kosodate.reports.models import ProgressReport
from kosodate.reports.rounds import open_round

from ..factories import make_next_liaison_meeting
from .test_followup_journeys import logged_in_page

AXE = Path(__file__).parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WIDTHS = (1366, 390)
#: impacts that fail the test; "moderate" and "minor" are reported by axe but not fatal here
FATAL = {"serious", "critical"}


def main_pages() -> dict[str, str]:
    """The pages the issue names, for the demo council's 2018-02-28 liaison meeting, a week before
    the next one with the FY2018 reports asked for (the dashboard then shows all it can)."""
    meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.starts_at.desc()))
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.responsible_agency_id.is_not(None)))
    secretariat = db.session.scalar(sa.select(User).where(User.email == "jimukyoku@example.org"))
    report_round = open_round(secretariat, meeting.council, 2018, today_tokyo() + timedelta(days=30))
    db.session.commit()
    report = db.session.scalar(
        sa.select(ProgressReport)
        .join(ProgressReport.initiative)
        .where(ProgressReport.fiscal_year == 2018, Initiative.title == "医療的ケアに対応できる施設の拡大")
    )
    make_next_liaison_meeting()
    return {
        "dashboard": "/",
        "follow-ups": "/followups",
        "follow-up": f"/followups/{followup.id}",
        "new follow-up": "/followups/new",
        "meeting": f"/meetings/{meeting.id}",
        "review": f"/meetings/{meeting.id}/review",
        "progress list": f"/reports/progress?council={meeting.council_id}&fy=2017",
        "initiatives": "/initiatives",
        "report round": f"/reports/rounds/{report_round.id}",
        "report": f"/reports/{report.id}/edit",
    }


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings (axe is injected by `with_axe`)."""
    violations = page.evaluate('async () => (await axe.run({resultTypes: ["violations"]})).violations')
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in FATAL
    ]


def with_axe(page: Page) -> Page:
    """axe-core in every document the page opens, as the browser's own script: a <script> the test
    added would be refused by the Content-Security-Policy like any inline script."""
    page.add_init_script(path=str(AXE))
    return page


def sideways_scroll(page: Page) -> int:
    """How many pixels the page is wider than the window (0: it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def check_pages(page: Page, base_url: str, pages: dict[str, str], shots: Path) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(base_url + path)
            found = [f"{name} at {width}px: {problem}" for problem in axe_problems(page)]
            extra = sideways_scroll(page)
            if extra > 0:
                found.append(f"{name} at {width}px scrolls {extra}px sideways")
            if found:  # a picture of what went wrong, in the test's temporary folder
                page.screenshot(path=str(shots / f"{name.replace(' ', '-')}-{width}.png"), full_page=True)
            problems += found
    return problems


#: the policy the app is to be served with: scripts and styles from its own files only, none inline
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


@pytest.mark.parametrize("email", ["jimukyoku@example.org", "momiji@example.org"])
def test_main_pages_pass_axe_and_fit_a_phone(app, browser: Browser, live_server, demo, tmp_path, email):
    @app.after_request
    def strict_csp(response):
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        return response

    page = with_axe(logged_in_page(browser, live_server, email))
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    problems = check_pages(page, live_server, main_pages(), tmp_path)
    assert problems == [], "\n".join(problems)
    assert refused == []  # no inline script, handler or style anywhere


def menu_fits_on_one_line(page: Page) -> None:
    bar = page.locator("nav.navbar a, nav.navbar summary")
    boxes = bar.evaluate_all(
        "items => items.filter(item => item.checkVisibility())"
        ".map(item => ({text: item.textContent.trim(), ...item.getBoundingClientRect().toJSON()}))"
    )
    assert len({round(box["top"]) for box in boxes}) == 1, boxes  # one row
    assert max(box["height"] for box in boxes) < 1.5 * min(box["height"] for box in boxes), boxes
    assert max(box["right"] for box in boxes) <= page.viewport_size["width"], boxes


def test_the_menu_never_breaks_a_word_and_the_focus_is_visible(browser: Browser, live_server, demo):
    # the coordinator's agency has the longest name
    page = logged_in_page(browser, live_server, "coordinator@example.org")
    page.set_viewport_size({"width": 1366, "height": 900})
    menu_fits_on_one_line(page)
    summary = page.locator("summary.account-summary")
    full_name = "相談支援専門員（厚木市障がい者基幹相談支援センター（ゆいはあと））"
    expect(summary).to_have_attribute("title", full_name)
    summary.click()
    expect(page.get_by_role("link", name="通知の設定")).to_be_visible()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="通知の設定")).to_be_hidden()

    # the keyboard: the skip link comes first and leads to the content; the focus is always drawn
    page.goto(live_server + "/followups")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    for _ in range(4):  # the menu's links, on blue
        page.keyboard.press("Tab")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    # the admin has the most entries
    admin = logged_in_page(browser, live_server, "admin@example.org")
    admin.set_viewport_size({"width": 1366, "height": 900})
    menu_fits_on_one_line(admin)
