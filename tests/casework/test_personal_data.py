"""Personal data (the party's ID number and phone): masked for everyone but the case's own people
(its assigned officers and negotiators, a legal reviewer while the case awaits review), on the
pages, in the API, in exports and in PDFs; every unmasked view is recorded."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from casework.models import AccessChannel, Case, CaseStatus, DocumentType, PersonalDataAccess
from casework.services.cases import case_register
from casework.services.documents import document_render
from casework.services.personal_data import mask_identifier, mask_phone, party_view_for
from tests.casework.api.conftest import client_for
from tests.casework.conftest import make_user

FULL_ID, MASKED_ID = "11010519491231002X", "110105********002X"
FULL_PHONE, MASKED_PHONE = "13812345678", "138****5678"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def register(actor, community, name="张伟", identifier=FULL_ID, phone=FULL_PHONE) -> Case:
    """A lead registered by `actor` (who is thereby its assigned officer)."""
    case = case_register(actor=actor, community=community, source="patrol", location="五星村东区12号",
                         party={"kind": "person", "name": name, "identifier": identifier, "phone": phone,
                                "address": "五星村东区12号"})
    return Case.objects.select_related("party").get(pk=case.pk)


@pytest.fixture
def case(cast, community):
    return register(cast.officer, community)


@pytest.fixture
def outsiders(squad):
    """Who may read the case (same squad, or office-wide) but is not one of its own people."""
    return {
        "officer of the squad, not assigned": make_user("officer4", squad, is_field_officer=True),
        "negotiator of the squad, not assigned": make_user("negotiator4", squad, is_negotiator=True),
    }


# --- the helpers ---------------------------------------------------------------------------------

def test_masking_keeps_only_the_ends():
    assert mask_identifier(FULL_ID) == MASKED_ID
    assert mask_identifier("91440605MA4UJ1XX1Y") == "914406********XX1Y"
    assert mask_identifier("12345") == "***45" and mask_identifier("") == ""
    assert mask_phone(FULL_PHONE) == MASKED_PHONE
    assert mask_phone("0757-86661234") == "075******1234"
    assert mask_phone("86661234") == "****1234" and mask_phone("123") == "***" and mask_phone("") == ""


# --- the rule ------------------------------------------------------------------------------------

def test_outsiders_supervisor_head_and_reviewer_see_it_masked_and_nothing_is_recorded(case, cast, outsiders):
    """A field officer and a negotiator of the squad not assigned to the case, the squad's supervisor,
    the head of office and a legal reviewer (the case is not waiting for review) see it masked."""
    for label, user in [*outsiders.items(), ("supervisor", cast.supervisor), ("head of office", cast.head),
                        ("legal reviewer", cast.reviewer)]:
        view = party_view_for(user=user, case=case, channel=AccessChannel.PAGE)
        assert (view.identifier, view.phone, view.masked) == (MASKED_ID, MASKED_PHONE, True), label
    assert not PersonalDataAccess.objects.exists()


def test_the_assigned_officer_and_negotiator_see_it_in_full_each_view_recorded_once(case, cast):
    case.negotiators.add(cast.negotiator)
    for user in (cast.officer, cast.negotiator):
        view = party_view_for(user=user, case=case, channel=AccessChannel.PAGE, detail="/cases/1/")
        assert (view.identifier, view.phone, view.masked) == (FULL_ID, FULL_PHONE, False)
        assert view.identifier_masked == MASKED_ID
        access = PersonalDataAccess.objects.get(user=user)
        assert (access.case_id, access.channel, access.fields, access.detail) == (
            case.pk, AccessChannel.PAGE, "identifier,phone", "/cases/1/")


def test_the_legal_reviewer_sees_it_in_full_only_while_the_case_awaits_review(case, cast):
    for status, masked in [(CaseStatus.UNDER_REVIEW, False), (CaseStatus.DEMAND_ISSUED, False),
                           (CaseStatus.DECIDED, True), (CaseStatus.FILED, True)]:
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        assert party_view_for(user=cast.reviewer, case=case, channel=AccessChannel.API).masked is masked, status
    assert PersonalDataAccess.objects.filter(user=cast.reviewer).count() == 2


def test_an_inactive_assigned_officer_sees_it_masked(case, cast):
    cast.officer.is_active = False
    cast.officer.save(update_fields=["is_active"])
    assert party_view_for(user=cast.officer, case=case, channel=AccessChannel.PAGE).masked


def test_only_the_fields_there_are_are_recorded(cast, community):
    case = register(cast.officer, community, identifier="", phone=FULL_PHONE)
    party_view_for(user=cast.officer, case=case, channel=AccessChannel.PAGE)
    assert PersonalDataAccess.objects.get().fields == "phone"
    nothing = register(cast.officer, community, name="李娜", identifier="", phone="")
    party_view_for(user=cast.officer, case=nothing, channel=AccessChannel.PAGE)
    assert PersonalDataAccess.objects.count() == 1


def test_access_rows_are_append_only(case, cast):
    party_view_for(user=cast.officer, case=case, channel=AccessChannel.PAGE)
    access = PersonalDataAccess.objects.get()
    access.fields = "phone"
    with pytest.raises(PermissionDenied):
        access.save()
    with pytest.raises(PermissionDenied):
        access.delete()
    with pytest.raises(PermissionDenied):
        PersonalDataAccess.objects.update(fields="")
    with pytest.raises(PermissionDenied):
        PersonalDataAccess.objects.all().delete()
    assert PersonalDataAccess.objects.get().fields == "identifier,phone"


# --- the case page -------------------------------------------------------------------------------

def test_case_page_masks_for_an_unassigned_officer_and_shows_the_assigned_officer_in_full(client, case, cast,
                                                                                          outsiders):
    url = reverse("casework:case_detail", args=[case.pk])
    for user in (outsiders["officer of the squad, not assigned"], cast.supervisor):
        client.force_login(user)
        body = client.get(url).content.decode()
        assert MASKED_ID in body and MASKED_PHONE in body
        assert FULL_ID not in body and FULL_PHONE not in body
    assert not PersonalDataAccess.objects.exists()
    client.force_login(cast.officer)
    body = client.get(url).content.decode()
    assert FULL_ID in body and f'href="tel:{FULL_PHONE}"' in body
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.case_id, access.channel, access.detail) == (cast.officer, case.pk, "page", url)


def test_inspection_form_prefills_the_numbers_only_for_the_case_s_own_people(client, cast, community):
    """An officer of the squad not assigned to the lead gets the ID and phone fields empty (the masked
    values as help); left empty, the recorded values are kept. The assigned officer gets them filled in."""
    from casework.forms.transitions import InspectForm

    case = register(cast.officer2, community)
    url = reverse("casework:case_action", args=[case.pk, "inspect"])
    client.force_login(cast.officer)
    body = client.get(url).content.decode()
    assert FULL_ID not in body and FULL_PHONE not in body and MASKED_ID in body and MASKED_PHONE in body
    assert not PersonalDataAccess.objects.exists()
    form = InspectForm({"occurred_at": "2026-01-05T10:00", "officers": [cast.officer.pk, cast.officer2.pk],
                        "location": case.location, "illegal_area": "20", "party_name": "张伟",
                        "party_identifier": "", "party_phone": ""}, case=case, user=cast.officer)
    assert form.is_valid(), form.errors
    party = form.transition_data()["party"]
    assert "identifier" not in party and "phone" not in party and party["name"] == "张伟"

    client.force_login(cast.officer2)
    body = client.get(url).content.decode()
    assert f'value="{FULL_ID}"' in body and f'value="{FULL_PHONE}"' in body
    assert PersonalDataAccess.objects.get().detail == "inspect form"
    form = InspectForm({"occurred_at": "2026-01-05T10:00", "officers": [cast.officer.pk, cast.officer2.pk],
                        "location": case.location, "illegal_area": "20", "party_name": "张伟",
                        "party_identifier": "", "party_phone": ""}, case=case, user=cast.officer2)
    assert form.is_valid(), form.errors
    assert form.transition_data()["party"]["phone"] == ""  # who saw it in full may clear it


# --- the API -------------------------------------------------------------------------------------

def test_api_case_and_timeline_are_masked_for_an_unassigned_officer(case, outsiders):
    client = client_for(outsiders["officer of the squad, not assigned"])
    party = client.get(f"/api/v1/cases/{case.pk}/").json()["party"]
    assert (party["identifier"], party["identifier_masked"], party["phone"], party["masked"]) == (
        MASKED_ID, MASKED_ID, MASKED_PHONE, True)
    registration = client.get(f"/api/v1/cases/{case.pk}/events/").json()[0]["data"]["party"]
    assert (registration["identifier"], registration["phone"]) == (MASKED_ID, MASKED_PHONE)
    assert not PersonalDataAccess.objects.exists()


def test_api_case_and_timeline_are_in_full_for_the_assigned_officer_and_recorded(case, cast):
    client = client_for(cast.officer)
    party = client.get(f"/api/v1/cases/{case.pk}/").json()["party"]
    assert (party["identifier"], party["phone"], party["masked"]) == (FULL_ID, FULL_PHONE, False)
    registration = client.get(f"/api/v1/cases/{case.pk}/events/").json()[0]["data"]["party"]
    assert (registration["identifier"], registration["phone"]) == (FULL_ID, FULL_PHONE)
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("channel", "fields", "detail"))
    assert rows == [("api", "identifier,phone", f"GET /api/v1/cases/{case.pk}/"),
                    ("api", "identifier,phone", f"GET /api/v1/cases/{case.pk}/events/")]


def test_api_registration_answers_the_registering_officer_in_full(cast, community):
    """Whoever registers a lead is its assigned officer: the answer shows what they typed."""
    response = client_for(cast.officer).post("/api/v1/cases/", {
        "community": community.pk, "source": "patrol", "location": "五星村东区12号",
        "party": {"name": "张伟", "identifier": FULL_ID, "phone": FULL_PHONE},
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["party"]["identifier"] == FULL_ID
    assert PersonalDataAccess.objects.get().detail == "POST /api/v1/cases/"


# --- exports -------------------------------------------------------------------------------------

def _export(client, file_format="csv", query=""):
    response = client.get(f"{reverse('casework:case_list')}?export={file_format}{query}")
    assert response.status_code == 200
    if file_format == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_export_masks_cases_the_viewer_is_not_assigned_to_and_records_the_others_in_one_insert(
        client, cast, community, outsiders):
    mine = register(cast.officer, community)
    other = register(cast.officer2, community, name="李娜", identifier="440602198001011232", phone="13900001111")
    client.force_login(cast.officer)
    with CaptureQueriesContext(connection) as queries:
        rows = _export(client)
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[mine.number][4:7] == ["张伟", FULL_ID, FULL_PHONE]
    assert by_number[other.number][4:7] == ["李娜", "440602********1232", "139****1111"]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.case_id, access.channel, access.detail) == (cast.officer, mine.pk, "export",
                                                                          "cases.csv")
    assert sum("INSERT" in q["sql"] and "personaldataaccess" in q["sql"] for q in queries.captured_queries) == 1

    client.force_login(outsiders["officer of the squad, not assigned"])
    rows = _export(client, "xlsx")
    assert {row[5] for row in rows[1:]} == {MASKED_ID, "440602********1232"}
    assert FULL_PHONE not in {row[6] for row in rows[1:]}
    assert PersonalDataAccess.objects.count() == 1


def test_export_queries_do_not_grow_with_the_rows(client, cast, community):
    """One case or four, mixed assigned and not: the same number of queries (one INSERT for the access rows)."""
    register(cast.officer, community)
    client.force_login(cast.officer)
    _export(client)  # the session's first request also stores its idle timer
    with CaptureQueriesContext(connection) as one:
        assert len(_export(client)) == 2
    register(cast.officer, community, name="王五")
    register(cast.officer2, community, name="赵六")
    register(cast.officer, community, name="钱七")
    with CaptureQueriesContext(connection) as four:
        assert len(_export(client)) == 5
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]
    assert PersonalDataAccess.objects.count() == 2 + 3


def test_a_long_list_reads_all_of_the_user_s_assignments_instead_of_an_id_list(cast, community, monkeypatch):
    from casework.services import personal_data

    monkeypatch.setattr(personal_data, "IN_LIST_LIMIT", 1)
    mine, theirs = register(cast.officer, community), register(cast.officer2, community, name="李娜")
    elsewhere = register(cast.officer, community, name="王五")
    views = personal_data.party_views_for(user=cast.officer, cases=[mine, theirs], channel=AccessChannel.EXPORT)
    assert (views[mine.pk].masked, views[theirs.pk].masked) == (False, True)
    assert set(PersonalDataAccess.objects.values_list("case_id", flat=True)) == {mine.pk}
    assert elsewhere.pk not in views


# --- PDFs ----------------------------------------------------------------------------------------

@pytest.fixture
def inspection_record(cast, case, settings, tmp_path):
    """The issued 现场检查笔录 (signed by the party on site: it prints the full ID number)."""
    from casework.services.cases import case_inspect

    settings.MEDIA_ROOT = tmp_path / "media"
    case_inspect(case=case, actor=cast.officer, officers=[cast.officer, cast.officer2], location=case.location,
                 illegal_area=Decimal("20.00"), construction_ongoing=False, structure_type="brick_concrete", floors=1,
                 is_newly_added=True, findings="现场勘验。")
    document = case.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    return document_render(document_id=document.pk)


def _pdf_text(content: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_is_a_masked_copy_for_the_supervisor_and_the_original_for_the_assigned_officer(
        client, cast, inspection_record):
    document = inspection_record
    with document.pdf.open("rb") as handle:
        original = handle.read()
    assert FULL_ID in _pdf_text(original)

    client.force_login(cast.supervisor)
    response = client.get(reverse("documents:pdf", args=[document.pk]))
    copy = b"".join(response.streaming_content)
    assert copy != original and "%E5%89%AF%E6%9C%AC" in response["Content-Disposition"]  # 副本 (copy)
    text = _pdf_text(copy)
    assert MASKED_ID in text and FULL_ID not in text and "副本" in text
    api_copy = client_for(cast.supervisor).get(f"/api/v1/documents/{document.pk}/pdf/")
    assert b"".join(api_copy.streaming_content) == copy  # the same bytes, from the cache or rendered again
    assert not PersonalDataAccess.objects.exists()

    client.force_login(cast.officer)
    response = client.get(reverse("documents:pdf", args=[document.pk]))
    assert b"".join(response.streaming_content) == original
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.channel, access.fields, access.detail) == (cast.officer, "pdf", "identifier",
                                                                         document.number)


def test_approval_forms_print_only_the_masked_number_so_everyone_gets_the_original(case):
    """The filing approval form is internal: it never holds the full number, so nothing to mask or record."""
    from casework.services.documents import document_issue

    document = document_issue(case=case, event=None, document_type=DocumentType.FILING_APPROVAL,
                              issued_on=case.reported_at.date())
    assert document.data["party"]["identifier"] == "" and document.data["party"]["identifier_masked"] == MASKED_ID


# --- the admin -----------------------------------------------------------------------------------

def test_the_access_log_is_read_only_and_for_administrators(client, case, cast):
    party_view_for(user=cast.officer, case=case, channel=AccessChannel.PAGE)
    administrator = make_user("admin1", None, is_administrator=True, is_staff=True)
    client.force_login(administrator)
    changelist = client.get(reverse("admin:casework_personaldataaccess_changelist"))
    assert changelist.status_code == 200 and case.number in changelist.content.decode()
    access = PersonalDataAccess.objects.get()
    assert client.get(reverse("admin:casework_personaldataaccess_add")).status_code == 403
    change = client.post(reverse("admin:casework_personaldataaccess_change", args=[access.pk]), {"fields": "x"})
    assert change.status_code == 403
    assert client.post(reverse("admin:casework_personaldataaccess_delete", args=[access.pk])).status_code == 403
    staff_supervisor = make_user("staff_supervisor", None, is_supervisor=True, is_staff=True)
    client.force_login(staff_supervisor)
    # The admin site is the administrator's (casework.authorization): others are sent to sign in.
    refused = client.get(reverse("admin:casework_personaldataaccess_changelist"))
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))


def test_the_admin_shows_event_data_masked(client, case):
    superuser = make_user("root", None, is_administrator=True, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    event = case.events.get()
    body = client.get(reverse("admin:casework_caseevent_change", args=[event.pk])).content.decode()
    assert MASKED_ID in body and MASKED_PHONE in body
    assert FULL_ID not in body and FULL_PHONE not in body


def test_a_document_issued_from_an_english_request_is_in_chinese(case):
    """The API speaks English to whoever asks; the legal record never does (title and labels in Chinese)."""
    from django.utils import translation

    from casework.services.documents import document_snapshot

    with translation.override("en"):
        data = document_snapshot(case=case, event=None, document_type=DocumentType.DEMOLITION_DECISION)
    assert data["title"] == "责令限期拆除决定书" and data["case"]["violation_kind"] == "违法建设"
