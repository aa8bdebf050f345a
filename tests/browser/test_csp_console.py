"""The sign-in and admin sign-in pages work under the Content Security Policy in Chromium."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture
def page(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; allow the ORM here, for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        yield page
        browser.close()


def load_and_collect(page, url):
    """Load url, returning console messages and page errors seen while it loads and settles."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    response = page.goto(url, wait_until="networkidle")
    return response, messages


@pytest.mark.parametrize("path,name", [("/accounts/login/", "sign-in"), ("/admin/login/", "admin-sign-in")])
def test_page_loads_under_csp_without_violation(live_server, page, path, name):
    """The page is served with the CSP, its scripts and styles load, and the browser console
    reports no Content Security Policy violation or script error."""
    response, messages = load_and_collect(page, live_server.url + path)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("input[name=username]")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=True)
    violations = [m for m in messages if "Content Security Policy" in m or m.startswith("pageerror")]
    assert violations == []


def test_inline_script_would_be_reported(live_server, page):
    """Control: an inline script injected into the page is blocked and shows up in the console,
    so the test above would catch one."""
    response, messages = load_and_collect(page, live_server.url + "/accounts/login/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.x") is None
    assert any("Content Security Policy" in m for m in messages)


def test_two_factor_sign_in_works_under_csp(live_server, page):
    """End to end in Chromium: password, then the authenticator code on the second page, with
    no CSP violation on the way; the user ends up signed in."""
    import pyotp

    from casework.models import User
    from casework.services.totp import totp_enrol, totp_new_secret

    # The admin site is the administrator's (casework.authorization), whatever the staff flag says.
    user = User.objects.create_user(username="supervisor1", password="Correct-horse-7", full_name="陈主管",
                                    is_supervisor=True, is_administrator=True)
    secret = totp_new_secret()
    # Enrolled with the previous step's code, so the current code is still unused.
    totp_enrol(user=user, secret=secret, code=pyotp.TOTP(secret).at(time.time() - 30))
    response, messages = load_and_collect(page, live_server.url + "/admin/login/")
    page.fill("input[name=username]", "supervisor1")
    page.fill("input[name=password]", "Correct-horse-7")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "two-factor-code.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert "/admin/" in page.url and "login" not in page.url
    assert [m for m in messages if "Content Security Policy" in m or m.startswith("pageerror")] == []
