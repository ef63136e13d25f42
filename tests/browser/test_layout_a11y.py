"""The main pages on a 1366 px screen and on a 390 px phone, as the secretariat and as a visiting
nurse: axe-core finds no serious or critical problem, no page scrolls sideways, the menu never
breaks a word, the keyboard focus is visible and a skip link leads to the content."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from kosodate.extensions import db
from kosodate.followups.models import FollowUp
from kosodate.meetings.models import Meeting

from .test_followup_journeys import logged_in_page

AXE = Path(__file__).parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WIDTHS = (1366, 390)
#: impacts that fail the test; "moderate" and "minor" are reported by axe but not fatal here
FATAL = {"serious", "critical"}


def main_pages() -> dict[str, str]:
    """The pages the issue names, for the demo council's 2018-02-28 liaison meeting."""
    meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.starts_at.desc()))
    followup = db.session.scalar(sa.select(FollowUp).where(FollowUp.responsible_agency_id.is_not(None)))
    return {
        "dashboard": "/",
        "follow-ups": "/followups",
        "follow-up": f"/followups/{followup.id}",
        "new follow-up": "/followups/new",
        "meeting": f"/meetings/{meeting.id}",
        "review": f"/meetings/{meeting.id}/review",
        "progress list": f"/reports/progress?council={meeting.council_id}&fy=2017",
        "initiatives": "/initiatives",
    }


def axe_problems(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in FATAL
    ]


def sideways_scroll(page: Page) -> int:
    """How many pixels the page is wider than the window (0: it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def check_pages(page: Page, base_url: str, pages: dict[str, str], shots: Path) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(base_url + path)
            problems += [f"{name} at {width}px: {problem}" for problem in axe_problems(page)]
            extra = sideways_scroll(page)
            if extra > 0:
                problems.append(f"{name} at {width}px scrolls {extra}px sideways")
            page.screenshot(path=str(shots / f"{name.replace(' ', '-')}-{width}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("email", ["jimukyoku@example.org", "momiji@example.org"])
def test_main_pages_pass_axe_and_fit_a_phone(browser: Browser, live_server, demo, tmp_path, email):
    page = logged_in_page(browser, live_server, email)
    problems = check_pages(page, live_server, main_pages(), tmp_path)
    assert problems == [], "\n".join(problems)


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
