"""viewflow's process pages in headless Chromium: an officer opens the process queue (the steps
of their squad they may take, as on My work), reads its count, opens the newest step and takes
it; another squad's step is not listed."""

import pytest

import config.urls  # noqa: F401 - the flow learns its URL namespace when the URLconf loads
from casework.models import CaseStatus
from casework.scenarios import PATHS, Cast, Scenario
from tests.browser.test_case_through_the_pages import Person, browser  # noqa: F401 - the browser fixture
from tests.casework.conftest import RECIPE, make_user
from workflows.flows import DemolitionFlow
from workflows.services import open_tasks

pytestmark = pytest.mark.browser


def test_officer_takes_a_step_from_the_process_queue(browser, live_server, case_in, scenario, cast,  # noqa: F811
                                                     other_squad, other_community):
    first, second = case_in(CaseStatus.REPORTED), case_in(CaseStatus.REPORTED)
    elsewhere = Cast(officer=make_user("officer5", other_squad, is_field_officer=True, certificate_number="44060123009"),
                     officer2=make_user("officer6", other_squad, is_field_officer=True, certificate_number="44060123008"),
                     supervisor=make_user("supervisor5", other_squad, is_supervisor=True), negotiator=cast.negotiator,
                     reviewer=cast.reviewer, head=cast.head)
    there = Scenario(cast=elsewhere, community=other_community, start=scenario().day, recipe=RECIPE).run(
        PATHS[CaseStatus.REPORTED])
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
