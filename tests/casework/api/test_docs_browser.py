"""The interactive API page renders in a browser that may not reach the internet."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def test_swagger_ui_renders_offline(live_server):
    """Every request of /api/v1/docs/ goes to the server itself; the page lists the operations,
    among them each transition."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    outside = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()

        def route(route_request):
            if route_request.request.url.startswith(live_server.url):
                route_request.continue_()
            else:
                outside.append(route_request.request.url)
                route_request.abort()

        page.route("**/*", route)
        page.goto(f"{live_server.url}/api/v1/docs/")
        page.wait_for_selector(".opblock", timeout=60000)
        text = page.inner_text("body")
        screenshots = Path("artifacts/screenshots")
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots / "api-docs.png"))
        browser.close()
    assert outside == []
    assert "/api/v1/cases/{id}/transitions/inspect/" in text
    assert "/api/v1/auth/token/" in text
