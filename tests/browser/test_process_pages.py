"""viewflow's process pages in headless Chromium: an officer opens the process queue (the steps
of their squad they may take, as on My work), reads its count, opens the newest step and takes
it; another squad's step is not listed."""

import pytest

import config.urls  # noqa: F401 - the flow learns its URL namespace when the URLconf loads
from casework.models import CaseStatus
from tests.browser.test_case_through_the_pages import Person, browser  # noqa: F401 - the browser fixture
from workflows.flows import DemolitionFlow
from workflows.services import open_tasks

pytestmark = pytest.mark.browser


def test_officer_takes_a_step_from_the_process_queue(browser, live_server, case_in, cast, case_elsewhere):  # noqa: F811
    first, second = case_in(CaseStatus.REPORTED), case_in(CaseStatus.REPORTED)
    there = case_elsewhere(CaseStatus.REPORTED)
    newest, oldest, elsewhere_task = (open_tasks(case=case).get() for case in (second, first, there))

    officer = Person(browser, live_server, "officer1")
    page = officer.page
    page.goto(f"{officer.base}{DemolitionFlow.instance.reverse('queue')}")
    page.wait_for_selector(".vf-list__pagination-summary")
    officer.shot("officer1-process-queue")
    assert page.text_content(".vf-list__pagination-summary").split() == ["第", "1–2", "条，共", "2", "条"]
    links = [page.get_attribute(link, "href") for link in ["tbody tr:nth-child(1) a", "tbody tr:nth-child(2) a"]]
    assert links == [newest.flow_task.reverse("index", args=[task.process_id, task.pk]) for task in (newest, oldest)]
    assert f"/{elsewhere_task.pk}/" not in page.content()

    page.click("tbody tr:nth-child(1) a")
    page.wait_for_url(f"**/{newest.pk}/assign/")
    officer.shot("officer1-process-assign")
    with page.expect_navigation():  # the POST, then its redirect away from the assign page
        page.click("form.vf-form button[name=_continue]")
    page.wait_for_url(lambda url: not url.endswith("/assign/"))
    newest.refresh_from_db()
    assert (newest.status, newest.owner_id) == ("ASSIGNED", cast.officer.pk)
    # Taken: the queue holds the other step, and the menu counts it and the inbox's.
    page.goto(f"{officer.base}{DemolitionFlow.instance.reverse('queue')}")
    page.wait_for_selector(".vf-list__pagination-summary")
    assert page.text_content(".vf-list__pagination-summary").split() == ["第", "1–1", "条，共", "1", "条"]
    officer.close()


def test_supervisor_finds_a_case_on_the_process_dashboard_and_opens_its_step(
        browser, live_server, case_in, cast, case_elsewhere):  # noqa: F811
    """The dashboard's cards name their case (number and place); the supervisor finds the case
    waiting for the filing decision in its column, opens its step from the card (which leads to
    the case's page, where steps are done), and does not see another squad's case."""
    waiting = case_in(CaseStatus.INSPECTED)
    there = case_elsewhere(CaseStatus.INSPECTED)
    step = open_tasks(case=waiting).get()
    assert step.owner_id == cast.supervisor.pk  # the squad's one supervisor is given it

    supervisor = Person(browser, live_server, "supervisor1")
    page = supervisor.page
    page.goto(f"{supervisor.base}{DemolitionFlow.instance.reverse('index')}")
    column = page.locator(".vf-dashboard .column", has=page.locator(".column-title",
                                                                    has_text=str(step.flow_task.task_title)))
    card = column.locator(".mdc-card", has_text=waiting.number)
    card.wait_for()
    supervisor.shot("supervisor1-process-dashboard")
    assert waiting.location in card.text_content()
    assert there.number not in page.content()
    # The step is done on the case's page (workflows.views.TaskOpenView), with its actions.
    card.locator("a.mdc-button").click()
    page.wait_for_url(f"**/casework/cases/{waiting.pk}/")
    supervisor.shot("supervisor1-case-from-dashboard")
    assert waiting.number in page.title()
    supervisor.close()
