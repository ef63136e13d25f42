"""The API's docs page: Swagger UI served by the app itself, working under its strict
Content-Security-Policy (script-src 'self'), asking nothing of any other host."""

from playwright.sync_api import Page, expect


def test_the_api_docs_render_under_a_strict_csp_without_outside_requests(page: Page, live_server):
    blocked, outside = [], []
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text)
    )
    page.on("request", lambda request: request.url.startswith(live_server) or outside.append(request.url))
    page.goto(f"{live_server}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("kosodate API")
    expect(page.locator(".swagger-ui .info")).to_contain_text("個人用トークン")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/followups/{followup_id}/status")
    expect(operation).to_be_visible()
    page.get_by_role("button", name="Authorize").first.click()
    expect(page.get_by_text("bearerAuth")).to_be_visible()
    assert blocked == []
    assert [url for url in outside if not url.startswith("data:")] == []
