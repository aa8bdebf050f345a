import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image

from casework.deadlines.calendar import local_date
from casework.models import Case, CaseStatus, DocumentType

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.mark.browser
def test_negotiator_logs_a_talk_with_commitment_on_a_phone(transactional_db, live_server, case_in, cast):
    """On a 390×844 phone viewport the negotiator opens their cases, taps "log a talk", fills the
    compact form (attitude, checklist, statements, commitment date, a photo) and saves: the case
    is committed and its talks page shows the talk. Prints how long the form took to fill."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    case = case_in("persuading")
    client = Client()
    client.force_login(cast.negotiator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    commitment = local_date(timezone.now()) + dt.timedelta(days=14)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      device_scale_factor=2)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/persuasion/mine/")
        page.screenshot(path=str(SCREENSHOTS / "persuasion-mine-390.png"), full_page=True)
        started = time.monotonic()
        page.locator(f'.pw-case[data-case="{case.pk}"] a[href$="/talk/"]').tap()
        page.wait_for_url("**/talk/")
        page.locator('input[name="attitude"][value="cooperative"]').check()
        page.locator('input[name="explained"][value="planning_law_40"]').check()
        page.locator('input[name="explained"][value="forced_demolition"]').check()
        page.locator('input[name="owner_acknowledged"]').check()
        page.fill('textarea[name="owner_statements"]', "当事人表示愿意在两周内自行拆除。")
        page.fill('input[name="commitment_date"]', commitment.isoformat())
        page.set_input_files('input[name="photos"]', files=[
            {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}])
        page.screenshot(path=str(SCREENSHOTS / "persuasion-talk-form-390.png"), full_page=True)
        button = page.locator('button[type="submit"]')
        button.tap()
        page.wait_for_url(f"**/persuasion/case/{case.pk}/")
        elapsed = time.monotonic() - started
        page.screenshot(path=str(SCREENSHOTS / "persuasion-talk-saved-390.png"), full_page=True)
        body = page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()

    print(f"\nlogging a talk with a commitment (scripted taps, 390x844): {elapsed:.2f} s")
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.SELF_DEMOLITION_COMMITTED
    assert case.commitment_date == commitment
    assert case.documents.filter(document_type=DocumentType.TALK_RECORD).count() == 1
    assert case.talks.get().event.attachments.count() == 1
    assert "pw-mark--cooperative" in body
    assert width <= 390, "the page must not scroll sideways on a phone"
