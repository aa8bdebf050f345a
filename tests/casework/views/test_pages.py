"""Every page through the test client: who may open it, what it shows, what it refuses, and
that its number of queries does not grow with the number of rows."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casework.models import Case, CaseStatus
from casework.models.attachments import Attachment
from casework.scenarios import PATHS
from workflows.services import open_tasks, process_start

S = CaseStatus


def jpeg_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "JPEG")
    return buffer.getvalue()


def photo(name="site.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def started(scenario):
    """A case driven to a state through the services, with its process following it."""

    def build(status=S.REPORTED):
        sc = scenario()
        case = sc.register()
        process_start(case=case)
        for step in PATHS[status]:
            case = sc.run([step])
        return case

    return build


# --- access ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,args", [
    ("casework:my_work", []), ("casework:case_list", []), ("casework:lead_new", []),
])
def test_pages_send_anonymous_users_to_sign_in_and_back(client, db, name, args):
    """Without a session every page redirects to the sign-in page with ?next= pointing back to it."""
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and f"next={url}" in response["Location"]


def test_expired_session_returns_to_the_same_form_after_signing_in(client, cast, started):
    """An officer whose session expired is sent to sign in and then lands on the form they were filling."""
    case = started()
    url = reverse("casework:case_action", args=[case.pk, "inspect"])
    response = client.post(url, {"location": "x"})
    login_url = response["Location"]
    assert login_url.startswith(reverse("login"))
    response = client.post(login_url, {"username": "officer1", "password": "x"})
    assert response.status_code == 302 and response["Location"] == url


def test_case_of_another_squad_is_not_found(client_as, started, other_officer):
    """An officer of another squad gets 404 for the case page and its step forms, never a 500."""
    case = started()
    client = client_as(other_officer)
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("casework:case_action", args=[case.pk, "inspect"])).status_code == 404
    assert client.get(reverse("casework:case_assign", args=[case.pk])).status_code == 404


def test_wrong_role_is_forbidden(client_as, cast, started):
    """A negotiator may not open the inspection form, an officer may not reassign: 403 (a
    negotiator not assigned to the case does not even find it: 404)."""
    case = started()
    assert client_as(cast.negotiator).get(reverse("casework:case_action", args=[case.pk, "inspect"])).status_code == 404
    case.negotiators.add(cast.negotiator)
    assert client_as(cast.negotiator).get(reverse("casework:case_action", args=[case.pk, "inspect"])).status_code == 403
    assert client_as(cast.officer).get(reverse("casework:case_assign", args=[case.pk])).status_code == 403
    assert client_as(cast.officer).get(reverse("casework:case_action", args=[case.pk, "file"])).status_code == 403
    assert client_as(cast.negotiator).get(reverse("casework:lead_new")).status_code == 403
    assert client_as(cast.officer).get(
        reverse("casework:case_review", args=[case.pk, "legal_review_decision"])).status_code == 403


def test_unknown_step_is_not_found(client_as, cast, started):
    """A step name that is not a transition answers 404."""
    case = started()
    assert client_as(cast.officer).get(reverse("casework:case_action", args=[case.pk, "fly"])).status_code == 404


# --- my work -------------------------------------------------------------------------------------

def test_my_work_lists_squad_tasks_with_their_clock(client_as, cast, started, other_officer):
    """An officer sees the open inspection task of their squad's case, which they may take; the
    officer of another squad does not."""
    case = started(S.REPORTED)
    response = client_as(cast.officer).get(reverse("casework:my_work"))
    assert response.status_code == 200
    offered = response.context["offered"]
    assert [item.case.pk for item in offered] == [case.pk]
    assert case.number in response.content.decode()
    response = client_as(other_officer).get(reverse("casework:my_work"))
    assert list(response.context["offered"]) == [] and list(response.context["mine"]) == []


def test_taking_a_task_makes_it_mine(client_as, cast, started):
    """Take moves the task from the squad's queue to the officer's own list."""
    case = started(S.REPORTED)
    task = open_tasks(case=case).get()
    client = client_as(cast.officer)
    assert client.post(reverse("casework:task_take", args=[task.pk])).status_code == 302
    response = client.get(reverse("casework:my_work"))
    assert [item.task.pk for item in response.context["mine"]] == [task.pk]


def test_supervisor_sees_filing_assigned_to_them(client_as, cast, started):
    """After the inspection the squad's only supervisor has the filing task in their own list, with the filing clock."""
    started(S.INSPECTED)
    response = client_as(cast.supervisor).get(reverse("casework:my_work"))
    mine = response.context["mine"]
    assert len(mine) == 1 and mine[0].clock is not None and mine[0].clock.kind == "filing"


def test_my_work_queries_do_not_grow_with_tasks(client_as, cast, started):
    """My work costs the same number of queries for one task as for five."""
    client = client_as(cast.officer)
    started()
    client.get(reverse("casework:my_work"))  # a session's first request also stamps its activity
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("casework:my_work"))
    for _ in range(4):
        started()
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("casework:my_work"))
    assert len(response.context["offered"]) == 5
    assert len(five) == len(one)


# --- case list -----------------------------------------------------------------------------------

def test_case_list_filters_and_searches(client_as, cast, started):
    """The list filters by state and finds a case by number, party name or location."""
    reported = started(S.REPORTED)
    inspected = started(S.INSPECTED)
    client = client_as(cast.officer)
    url = reverse("casework:case_list")
    numbers = lambda r: [case.number for case, clock in r.context["rows"]]  # noqa: E731
    assert sorted(numbers(client.get(url))) == sorted([reported.number, inspected.number])
    assert numbers(client.get(url, {"status": "inspected"})) == [inspected.number]
    assert numbers(client.get(url, {"q": reported.number})) == [reported.number]
    assert len(numbers(client.get(url, {"q": "张伟"}))) == 2
    assert numbers(client.get(url, {"q": "没有这个地方"})) == []
    assert numbers(client.get(url, {"closed": "1"})) == []


def test_case_list_hides_other_squads(client_as, started, other_officer):
    """An officer of another squad sees none of this squad's cases."""
    started()
    response = client_as(other_officer).get(reverse("casework:case_list"))
    assert response.context["rows"] == []


def test_case_list_queries_do_not_grow_with_rows(client_as, cast, started):
    """The case list costs the same number of queries for one row as for five."""
    client = client_as(cast.supervisor)
    started(S.INSPECTED)
    # A session's first request also stamps its activity; the first list reads the filters' choices into the cache.
    client.get(reverse("casework:case_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("casework:case_list"))
    for _ in range(4):
        started(S.INSPECTED)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("casework:case_list"))
    assert len(response.context["rows"]) == 5
    assert len(five) == len(one)


# --- case page -----------------------------------------------------------------------------------

def test_case_page_shows_summary_clocks_timeline_documents_and_why_not(client_as, cast, started):
    """The case page shows the party's ID in full to the case's assigned officer, lists the clocks, the
    timeline and the documents, and explains an action that is not allowed (here: the officer may not file)."""
    case = started(S.INSPECTED)
    response = client_as(cast.officer).get(reverse("casework:case_detail", args=[case.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "11010519491231002X" in body
    assert response.context["page"].clocks
    assert len(response.context["page"].events) == 2
    assert response.context["page"].documents
    file_action = next(a for a, form_supplies in response.context["actions"] if a.name == "file")
    assert not file_action.allowed and file_action.reasons[0].code == "permission.role"
    assert str(file_action.reasons[0].message) in body


def test_case_page_queries_do_not_grow_with_events_and_photos(client_as, cast, started):
    """The case page costs the same number of queries with more events and photos."""
    case = started(S.INSPECTED)
    client = client_as(cast.officer)
    url = reverse("casework:case_detail", args=[case.pk])
    client.get(url)  # a session's first request also stamps its activity
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    from casework.services import attachments, cases

    for _ in range(3):
        cases.case_note_add(case=case, actor=cast.officer, text="补充说明")
        attachments.attachment_add(case=case, actor=cast.officer, upload=photo())
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(response.context["page"].photos) == 3
    assert len(after) == len(before)


# --- a lead --------------------------------------------------------------------------------------

def lead_data(community, **overrides):
    data = {"community": community.pk, "source": "patrol", "location": "五星村北路3号", "latitude": "23.123456",
            "longitude": "113.123456", "illegal_area": "35.5", "is_newly_added": "on", "party_name": "李强",
            "description": "屋顶加建铁皮房", "occurred_at": local(timezone.now())}
    data.update(overrides)
    return data


def test_lead_registers_a_case_with_photos_and_starts_its_process(client_as, cast, community):
    """A lead with two photos becomes a case with both photos and an open inspection task."""
    response = client_as(cast.officer).post(
        reverse("casework:lead_new"), {**lead_data(community), "photos": [photo("a.jpg"), photo("b.jpg")]}
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.illegal_area == Decimal("35.50") and case.latitude == Decimal("23.123456")
    assert Attachment.objects.filter(case=case).count() == 2
    assert [t.flow_task.name for t in open_tasks(case=case)] == ["inspect"]


def test_lead_errors_show_next_to_the_field_and_keep_the_data(client_as, cast, community):
    """A lead without a location shows the error next to the field and keeps what was typed."""
    response = client_as(cast.officer).post(reverse("casework:lead_new"), lead_data(community, location=""))
    assert response.status_code == 200
    assert response.context["form"].errors["location"]
    assert 'value="李强"' in response.content.decode()
    assert not Case.objects.exists()


def test_lead_refuses_a_file_that_is_not_a_photo(client_as, cast, community):
    """A file that is not an image is refused with a message naming it; nothing is registered."""
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client_as(cast.officer).post(reverse("casework:lead_new"), {**lead_data(community), "photos": [fake]})
    assert response.status_code == 200
    assert response.context["photo_errors"] and "photo.jpg" in response.context["photo_errors"][0]
    assert not Case.objects.exists()


def test_lead_refuses_a_photo_over_20_mb(client_as, cast, community):
    """A photo over 20 MB is refused with a message; nothing is registered."""
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\0" * (20 * 1024 * 1024), content_type="image/jpeg")
    response = client_as(cast.officer).post(reverse("casework:lead_new"), {**lead_data(community), "photos": [big]})
    assert response.status_code == 200
    assert "20 MB" in response.context["photo_errors"][0]
    assert not Case.objects.exists()


# --- a step's form -------------------------------------------------------------------------------

def test_step_form_shows_refusals_next_to_fields_with_their_basis_and_keeps_data(client_as, cast, started):
    """An inspection with one officer is refused: the two-officer condition with its basis stands next to
    the officers field, the data typed stays, the case does not move."""
    case = started()
    url = reverse("casework:case_action", args=[case.pk, "inspect"])
    response = client_as(cast.officer).post(url, {
        "officers": [cast.officer.pk], "location": "五星村东区12号楼顶", "illegal_area": "88.8",
        "occurred_at": local(timezone.now()), "version": case.version,
    })
    assert response.status_code == 200
    errors = response.context["form"].errors["officers"]
    assert any("处罚法 42, 55" in str(e) for e in errors)
    assert 'value="88.8"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.REPORTED


def test_step_form_shows_each_fields_statutory_basis(client_as, cast, started):
    """The inspection form shows the statutory basis next to the fields it concerns."""
    case = started()
    body = client_as(cast.officer).get(reverse("casework:case_action", args=[case.pk, "inspect"])).content.decode()
    assert "处罚法 55" in body


def test_inspection_through_the_form_moves_the_case_and_the_process(client_as, cast, started):
    """A valid inspection with two officers and a photo moves the case to inspected, stores the photo with the
    inspection's event and hands the filing task to the supervisor."""
    case = started()
    response = client_as(cast.officer).post(reverse("casework:case_action", args=[case.pk, "inspect"]), {
        "officers": [cast.officer.pk, cast.officer2.pk], "location": "五星村东区12号楼顶", "illegal_area": "88.8",
        "occurred_at": local(timezone.now()), "version": case.version, "photos": [photo()],
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.INSPECTED
    assert Attachment.objects.get(case=case).event.transition == "inspect"
    tasks = list(open_tasks(case=case))
    assert [t.flow_task.name for t in tasks] == ["approve_filing"] and tasks[0].owner == cast.supervisor


def test_stale_form_is_refused_as_a_concurrent_change(client_as, cast, started):
    """A form submitted from a page older than the case's last change is refused at the top of the form."""
    case = started()
    response = client_as(cast.officer).post(reverse("casework:case_action", args=[case.pk, "inspect"]), {
        "officers": [cast.officer.pk, cast.officer2.pk], "location": "x", "illegal_area": "8",
        "occurred_at": local(timezone.now()), "version": case.version - 1 if case.version > 1 else 999,
    })
    assert response.status_code == 200 and response.context["form"].non_field_errors()


# --- supervisor ---------------------------------------------------------------------------------

def test_supervisor_reassigns_officers(client_as, cast, started):
    """The supervisor replaces the case's officers through the assign form."""
    case = started(S.INSPECTED)
    response = client_as(cast.supervisor).post(reverse("casework:case_assign", args=[case.pk]),
                                               {"officers": [cast.officer2.pk], "reason": "调整分工"})
    assert response.status_code == 302
    assert list(case.officers.all()) == [cast.officer2]


def test_supervisor_reassigns_a_task(client_as, cast, started):
    """The supervisor hands the open inspection task to officer2; officer1 may not reassign."""
    case = started()
    task = open_tasks(case=case).get()
    url = reverse("casework:task_reassign", args=[task.pk])
    assert client_as(cast.officer).get(url).status_code == 403
    response = client_as(cast.supervisor).post(url, {"owner": cast.officer2.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == cast.officer2


def test_legal_reviewer_approves_through_the_review_form(client_as, cast, scenario):
    """The reviewer's approval completes the review task and opens the supervisor's decision task."""
    sc = scenario()
    case = sc.register()
    process_start(case=case)
    for step in ["inspect", "file", "notify"]:
        case = sc.run([step])
    from casework.services import cases

    sc._after_clocks("statement", "hearing_request")
    cases.case_submit_review(case=case, actor=cast.officer, occurred_at=sc._moment(1))
    url = reverse("casework:case_review", args=[case.pk, "legal_review_decision"])
    response = client_as(cast.reviewer).post(url, {"decision": "approve", "opinion": "同意。",
                                                   "occurred_at": local(sc._moment(1))})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert [t.flow_task.name for t in open_tasks(case=case)] == ["decide"]


def test_language_switch_to_english(client_as, cast):
    """The interface starts in Simplified Chinese; the switch posts to /i18n/setlang/ and pages answer in English."""
    client = client_as(cast.officer)
    assert '<html lang="zh-hans"' in client.get(reverse("casework:my_work")).content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/casework/"})
    assert response.status_code == 302 and response["Location"] == "/casework/"
    assert '<html lang="en"' in client.get(reverse("casework:my_work")).content.decode()


def test_sign_in_page_offers_the_language_switch(client, db):
    """The sign-in page names the application (not viewflow's demo) and offers English."""
    body = client.get(reverse("login")).content.decode()
    assert 'name="language" value="en"' in body and "Viewflow Demo" not in body


def test_sign_out_ends_the_session(client_as, cast):
    client = client_as(cast.officer)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("casework:my_work")).status_code == 302


def test_case_list_overdue_and_other_filters(client_as, cast, started, community):
    """Overdue lists only cases with a running office clock past its end; newly added/historical, found via,
    community and officer filter as named."""
    from casework.models import CaseClock

    late = started(S.INSPECTED)
    on_time = started(S.INSPECTED)
    # The scenarios start long ago, so set the filing clocks' ends explicitly: one passed, one ahead.
    CaseClock.objects.filter(case=late, kind="filing").update(due_at=timezone.now() - dt.timedelta(days=2))
    CaseClock.objects.filter(case=on_time).update(due_at=timezone.now() + dt.timedelta(days=5))
    # ...and the case's office deadline, as clocks_refresh would store it (the list's overdue filter reads it)
    for case in (late, on_time):
        case.office_due_at = min(case.clocks.filter(satisfied_at__isnull=True, is_window=False).values_list(
            "due_at", flat=True))
        case.__class__.objects.filter(pk=case.pk).update(office_due_at=case.office_due_at)
    client = client_as(cast.supervisor)
    url = reverse("casework:case_list")
    numbers = lambda params: sorted(c.number for c, _ in client.get(url, params).context["rows"])  # noqa: E731
    assert numbers({"overdue": "1"}) == [late.number]
    rows = client.get(url, {"overdue": "1"}).context["rows"]
    assert rows[0][1].overdue and rows[0][1].days_overdue >= 1
    both = sorted([late.number, on_time.number])
    assert numbers({"newly_added": "1"}) == both and numbers({"newly_added": "0"}) == []
    assert numbers({"source": "patrol"}) == both and numbers({"source": "drone"}) == []
    assert numbers({"community": community.pk}) == both
    assert numbers({"officer": cast.officer2.pk}) == both
    assert numbers({"officer": cast.supervisor.pk}) == []
