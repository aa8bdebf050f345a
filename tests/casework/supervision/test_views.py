import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from casework.models import CaseClock, CaseEvent, CaseStatus, ClockKind, EventKind, Notification, ReminderThreshold
from casework.selectors.stats import case_year_figures
from tests.casework.conftest import make_user

OVERDUE = reverse("supervision:overdue")
DASHBOARD = reverse("supervision:dashboard")


def login(client, user, language="en"):
    """Sign in; pages answer in English so the assertions can name the labels."""
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.django_db
def test_the_menu_leads_each_person_to_the_supervision_pages_they_may_open(client, cast):
    """Supervisors, the head of office and administrators reach the overdue review and the
    dashboard from the menu of every casework page; everyone reaches their notifications."""
    notifications = reverse("supervision:notifications")
    admin = make_user("admin1", None, is_administrator=True)
    for user in (cast.officer, cast.negotiator, cast.reviewer, cast.supervisor, cast.head, admin):
        page = login(client, user).get(reverse("casework:my_work")).content.decode()
        supervising = user in (cast.supervisor, cast.head, admin)
        assert (f'href="{OVERDUE}"' in page) is supervising, user
        assert (f'href="{DASHBOARD}"' in page) is supervising, user
        assert f'href="{notifications}"' in page
        for url in (OVERDUE, DASHBOARD) if supervising else ():
            assert client.get(url).status_code == 200
    page = login(client, cast.supervisor, language="zh-hans").get(reverse("casework:case_list")).content.decode()
    assert "督办" in page and "逾期审查" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", [OVERDUE, DASHBOARD, reverse("supervision:dashboard_export", args=["squads", "csv"])])
def test_pages_refuse_people_without_a_supervising_role(client, cast, url):
    """Field officers, negotiators and legal reviewers get 403; anonymous people are sent to log in."""
    assert client.get(url).status_code == 302
    for user in (cast.officer, cast.negotiator, cast.reviewer):
        assert login(client, user).get(url).status_code == 403
    for user in (cast.supervisor, cast.head, make_user("admin1", None, is_administrator=True)):
        assert login(client, user).get(url).status_code == 200


@pytest.mark.django_db
def test_overdue_page_lists_own_squad_only(client, case_in, cast, other_squad):
    """The squad's supervisor and the head see the late case; another squad's supervisor does not."""
    case = case_in(CaseStatus.FILED)
    clock = CaseClock.objects.get(case=case, kind=ClockKind.DECISION)
    with time_machine.travel(clock.due_at + dt.timedelta(days=4), tick=False):
        page = login(client, cast.supervisor).get(OVERDUE).content.decode()
        assert case.number in page and str(ClockKind.DECISION.label) in page
        assert case.number in login(client, cast.head).get(OVERDUE + "?ordering=officer").content.decode()
        other = make_user("supervisor2", other_squad, is_supervisor=True)
        assert case.number not in login(client, other).get(OVERDUE).content.decode()


@pytest.mark.django_db
def test_review_note_shows_on_the_timeline(client, case_in, cast):
    """The supervisor's review note is stored as a note event of the case."""
    case = case_in(CaseStatus.FILED)
    response = login(client, cast.supervisor).post(OVERDUE, {
        "action": "note", "case": case.pk, "clock": ClockKind.DECISION, "reason": "当事人外出务工，无法送达。",
        "next_step": "本周内公告送达。", "next": OVERDUE,
    })
    assert response.status_code == 302
    event = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).get()
    assert "当事人外出务工，无法送达。" in event.data["text"] and "本周内公告送达。" in event.data["text"]
    assert event.actor == cast.supervisor


@pytest.mark.django_db
def test_bulk_reassign(client, case_in, cast):
    """Selected cases get the chosen officers, each with an assignment event."""
    first, second = case_in(CaseStatus.FILED), case_in(CaseStatus.NOTIFIED)
    login(client, cast.supervisor).post(OVERDUE, {
        "action": "reassign", "cases": [first.pk, second.pk], "officers": [cast.officer2.pk], "reason": "调岗",
    })
    for case in (first, second):
        assert list(case.officers.all()) == [cast.officer2]
        assert CaseEvent.objects.filter(case=case, kind=EventKind.ASSIGNMENT).count() == 1


@pytest.mark.django_db
def test_dashboard_exports_hold_the_page_figures(client, year_data, cast):
    """The .xlsx and .csv exports open and hold the same numbers as the selector."""
    figures = case_year_figures(year=year_data.year, user=cast.head)
    login(client, cast.head)
    url = reverse("supervision:dashboard_export", args=["squads", "xlsx"]) + f"?year={year_data.year}"
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, squad_row = rows[0], rows[1]
    values = dict(zip(header, squad_row, strict=True))
    assert squad_row[0] == figures.by_squad[0].label
    assert values["Cases filed"] == 4
    assert Decimal(str(values["Area investigated (m²)"])) == Decimal("280.50")
    assert Decimal(str(values["Area demolished (m²)"])) == Decimal("200.50")
    assert Decimal(str(values["Forcibly demolished (m²)"])) == Decimal("80.00")
    assert Decimal(str(values["Demolished vs target (%)"])) == Decimal("50.1")
    assert values["Complaints received"] == 2 and values["Complaints handled"] == 1

    csv_url = reverse("supervision:dashboard_export", args=["months", "csv"]) + f"?year={year_data.year}"
    text = client.get(csv_url).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 13  # 12 months and the total
    assert sum(int(r["Cases filed"]) for r in table[:12]) == int(table[12]["Cases filed"]) == 4
    states_url = reverse("supervision:dashboard_export", args=["states", "xlsx"]) + f"?year={year_data.year}"
    states = list(load_workbook(io.BytesIO(client.get(states_url).content)).active.iter_rows(values_only=True))[1:]
    assert [n for _label, n in states] == [n for _value, _label, n in figures.open_by_state]
    assert sum(n for _label, n in states) == 5


@pytest.mark.django_db
def test_overdue_export(client, case_in, cast):
    """The overdue table exports the listed clocks with days overdue."""
    case = case_in(CaseStatus.FILED)
    clock = CaseClock.objects.get(case=case, kind=ClockKind.DECISION)
    with time_machine.travel(clock.due_at + dt.timedelta(days=4, hours=1), tick=False):
        response = login(client, cast.supervisor).get(OVERDUE + "?export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == case.number and rows[1][5] == 5


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_rows(client, case_in, cast, year_data):
    """The overdue page and the dashboard make as many queries for one late case as for three."""
    login(client, cast.head)

    def count(url):
        cache.clear()  # the calendar and period settings are cached too: count from cold
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [OVERDUE, OVERDUE + "?ordering=-negotiator", DASHBOARD + f"?year={year_data.year}",
            reverse("supervision:notifications")]
    Notification.objects.create(recipient=cast.head, case=year_data.rectified, clock_kind=ClockKind.DECISION,
                                clock_due_at=timezone.now(), threshold=ReminderThreshold.DUE, message="m")
    count(OVERDUE)  # the first request of a session also refreshes the session's activity stamp
    before = [count(url) for url in urls]
    assert "〔" in client.get(OVERDUE).content.decode()  # the scenario's cases are late already
    case_in(CaseStatus.PERSUADING)
    case_in(CaseStatus.FILED)
    Notification.objects.bulk_create(
        Notification(recipient=cast.head, case=year_data.rectified, clock_kind=ClockKind.FILING,
                     clock_due_at=timezone.now() + dt.timedelta(days=i), threshold=ReminderThreshold.DUE,
                     message="m") for i in range(5))
    assert [count(url) for url in urls] == before


@pytest.mark.django_db
def test_notifications_badge_and_mark_read(client, case_in, cast):
    """The badge shows the unread count; marking read empties it, and only one's own."""
    case = case_in(CaseStatus.FILED)
    for i in range(3):
        Notification.objects.create(recipient=cast.supervisor, case=case, clock_kind=ClockKind.DECISION,
                                    clock_due_at=timezone.now() + dt.timedelta(days=i),
                                    threshold=ReminderThreshold.DUE, message=f"提醒{i}")
    mine = Notification.objects.create(recipient=cast.officer, case=case, clock_kind=ClockKind.DECISION,
                                       clock_due_at=timezone.now(), threshold=ReminderThreshold.DUE, message="x")
    login(client, cast.supervisor)
    page = client.get(reverse("supervision:notifications")).content.decode()
    assert "提醒0" in page and "3 unread notifications" in page
    first = Notification.objects.filter(recipient=cast.supervisor).first()
    client.post(reverse("supervision:notifications"), {"notification": [first.pk, mine.pk]})
    assert Notification.objects.filter(recipient=cast.supervisor, read_at__isnull=True).count() == 2
    mine.refresh_from_db()
    assert mine.read_at is None
    client.post(reverse("supervision:notifications"))
    assert not Notification.objects.filter(recipient=cast.supervisor, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_dashboard_shows_a_change_at_once(client, case_in, cast, year_data):
    """The figures are read for every request (from the summary rows), never a stale copy."""
    login(client, cast.head)
    url = DASHBOARD + f"?year={year_data.year}"

    def filed_open():
        return {state: count for state, _label, count in client.get(url).context["figures"].open_by_state}[
            CaseStatus.FILED]

    before = filed_open()
    case_in(CaseStatus.FILED)
    assert filed_open() == before + 1
