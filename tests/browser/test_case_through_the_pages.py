"""A case from lead to closing, every step through the pages in headless Chromium, each person
signed in as themselves; the field officer works on a phone-sized screen."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from casework.models import Case, CaseStatus

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def _photos(tmp_path) -> list[str]:
    paths = []
    for index, color in enumerate([(180, 40, 40), (40, 40, 180)]):
        path = tmp_path / f"site-{index}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), color).save(buffer, "JPEG")
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


class Person:
    """One signed-in person in their own browser context."""

    def __init__(self, browser, live_server, username, *, phone=False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {
            "viewport": {"width": 1366, "height": 900}}
        self.context = browser.new_context(
            locale="zh-CN", geolocation={"latitude": 23.112233, "longitude": 113.065544}, permissions=["geolocation"],
            **options,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(60000)  # generous: CI machines run other work too
        self.base = live_server.url
        self.username = username
        self.shots = 0
        self.page.goto(f"{self.base}/casework/")
        self.shot(f"{username}-sign-in")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "x")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/casework/")

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def open_case(self, case) -> None:
        self.page.goto(f"{self.base}/casework/")
        self.shot(f"{self.username}-my-work-{case.status}")
        self.page.click(f"a[href='/casework/cases/{case.pk}/']")
        self.page.wait_for_url(f"**/casework/cases/{case.pk}/")
        self.shot(f"{self.username}-case-{case.status}")

    def act(self, case, name: str) -> None:
        self.page.click(f"a[href='/casework/cases/{case.pk}/do/{name}/']")
        self.page.wait_for_url(f"**/do/{name}/")

    def submit(self, shot: str) -> None:
        self.shot(shot)
        self.page.click("button.cw-button--primary")
        self.page.wait_for_load_state()

    def close(self):
        self.context.close()


def _state(case) -> str:
    case.refresh_from_db()
    return case.status


def test_lead_to_closing_through_the_pages(browser, live_server, cast, community, tmp_path):
    """Officer on a phone: lead and inspection with two photos; supervisor files; officer serves the prior
    notice and (the party having waived) submits for review; reviewer approves; supervisor decides and assigns
    the negotiator; negotiator records the commitment; officer verifies; supervisor closes."""
    photos = _photos(tmp_path)

    officer = Person(browser, live_server, "officer1", phone=True)
    officer.shot("officer1-my-work-empty")
    officer.page.click("a[href='/casework/cases/new/']") if officer.page.is_visible(
        "a[href='/casework/cases/new/']") else officer.page.goto(f"{officer.base}/casework/cases/new/")
    officer.page.wait_for_url("**/casework/cases/new/")
    officer.page.select_option("select[name=community]", str(community.pk))
    officer.page.select_option("select[name=source]", "patrol")
    officer.page.fill("textarea[name=location], input[name=location]", "五星村东区12号楼顶")
    officer.page.wait_for_function("document.querySelector('input[name=latitude]').value !== ''")
    assert officer.page.input_value("input[name=latitude]") == "23.112233"
    officer.page.fill("input[name=illegal_area]", "120.5")
    officer.page.fill("input[name=party_name]", "张伟")
    officer.page.set_input_files("input[name=photos]", photos[:1])
    officer.submit("officer1-lead-form")
    officer.page.wait_for_url("**/casework/cases/*/")
    case = Case.objects.get()
    assert case.attachments.count() == 1 and case.latitude is not None
    officer.shot("officer1-case-reported")

    officer.act(case, "inspect")
    officer.page.check(f"input[name=officers][value='{cast.officer.pk}']")
    officer.page.check(f"input[name=officers][value='{cast.officer2.pk}']")
    officer.page.fill("input[name=party_identifier]", "11010519491231002X")
    officer.page.set_input_files("input[name=photos]", photos)
    officer.submit("officer1-inspect-form")
    officer.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    officer.shot("officer1-case-inspected")
    assert _state(case) == CaseStatus.INSPECTED
    assert case.attachments.count() == 3
    assert officer.page.locator("img.cw-thumb").count() == 3

    supervisor = Person(browser, live_server, "supervisor1")
    supervisor.open_case(case)
    supervisor.act(case, "file")
    supervisor.submit("supervisor1-file-form")
    supervisor.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.FILED

    # The prior notice waits in the squad's queue: the officer takes it from My work.
    officer.page.goto(f"{officer.base}/casework/")
    officer.page.click("form[action$='/take/'] button")
    officer.page.wait_for_url(f"{officer.base}/casework/")
    officer.shot("officer1-my-work-taken")
    assert case.process.task_set.get(status="ASSIGNED").owner == cast.officer
    officer.open_case(case)
    officer.act(case, "notify")
    officer.page.fill("textarea[name=facts]", "当事人未取得建设工程规划许可证，擅自建设。")
    officer.page.fill("textarea[name=evidence]", "现场检查笔录、现场照片。")
    officer.page.fill("textarea[name=legal_basis]", "《城乡规划法》第六十四条。")
    officer.submit("officer1-notify-form")
    officer.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.NOTIFIED

    # Before the windows lapse the review is refused at the top of the form, with the data kept.
    officer.act(case, "submit_review")
    officer.page.fill("textarea[name=statements_summary]", "当事人表示无异议。")
    officer.submit("officer1-submit-review-refused-before")
    assert officer.page.locator(".cw-refusal").is_visible()
    assert officer.page.input_value("textarea[name=statements_summary]") == "当事人表示无异议。"
    officer.shot("officer1-submit-review-refused")
    officer.page.check("input[name=party_waived]")
    officer.submit("officer1-submit-review-form")
    officer.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.UNDER_REVIEW

    reviewer = Person(browser, live_server, "reviewer1")
    reviewer.open_case(case)
    reviewer.page.click(f"a[href='/casework/cases/{case.pk}/review/legal_review_decision/']")
    reviewer.page.fill("textarea[name=opinion]", "事实清楚，证据确凿，同意。")
    reviewer.submit("reviewer1-review-form")
    reviewer.page.wait_for_url(f"**/casework/cases/{case.pk}/")

    supervisor.open_case(case)
    supervisor.act(case, "decide")
    supervisor.page.select_option("select[name=decision_kind]", "demolish")
    supervisor.page.fill("input[name=self_demolition_days]", "15")
    supervisor.submit("supervisor1-decide-form")
    supervisor.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.DECIDED
    supervisor.act(case, "assign_negotiators")
    supervisor.page.check(f"input[name=negotiators][value='{cast.negotiator.pk}']")
    supervisor.submit("supervisor1-assign-negotiators-form")
    supervisor.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.PERSUADING

    negotiator = Person(browser, live_server, "negotiator1", phone=True)
    negotiator.open_case(case)
    negotiator.act(case, "commit_self_demolition")
    import datetime as dt

    from django.utils import timezone

    commit_on = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    negotiator.page.fill("input[name=commitment_date]", commit_on)
    negotiator.page.fill("textarea[name=terms]", "当事人承诺自行拆除全部违法建设部分。")
    negotiator.submit("negotiator1-commit-form")
    negotiator.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.SELF_DEMOLITION_COMMITTED

    officer.open_case(case)
    officer.act(case, "verify")
    officer.page.check(f"input[name=officers][value='{cast.officer.pk}']")
    officer.page.check(f"input[name=officers][value='{cast.officer2.pk}']")
    officer.page.fill("textarea[name=findings]", "违法建设部分已全部拆除。")
    officer.submit("officer1-verify-form")
    officer.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    assert _state(case) == CaseStatus.VERIFIED

    supervisor.open_case(case)
    supervisor.act(case, "close")
    supervisor.submit("supervisor1-close-form")
    supervisor.page.wait_for_url(f"**/casework/cases/{case.pk}/")
    supervisor.shot("supervisor1-case-closed")
    assert _state(case) == CaseStatus.CLOSED
    assert not case.process.task_set.filter(status__in=["NEW", "ASSIGNED", "STARTED"]).exists()

    supervisor.page.goto(f"{supervisor.base}/casework/cases/?closed=1")
    supervisor.shot("supervisor1-case-list-closed")
    assert case.number in supervisor.page.content()
    for person in (officer, supervisor, reviewer, negotiator):
        person.close()
