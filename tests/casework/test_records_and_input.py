"""Closed cases are locked, events are evidence, and bad input is refused with clear reasons."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from casework.deadlines.calendar import BEIJING, WorkingCalendar
from casework.deadlines.clocks import clocks_refresh
from casework.errors import GuardsFailed, InvalidInput, NotAllowed
from casework.models import Case, CaseEvent, CaseStatus, ClockKind
from casework.scenarios import PATHS
from casework.selectors.transitions import case_available_transitions
from casework.services import cases
from casework.validators import credit_code_is_valid, resident_id_is_valid


def test_closed_case_cannot_be_saved_or_moved_but_takes_notes(scenario, cast):
    """A closed case refuses field changes and every transition; a note is still accepted."""
    closing = scenario()
    closing.run(PATHS[CaseStatus.CLOSED][:-1])
    before_closing = Case.objects.get(pk=closing.case.pk)
    case = closing.run(["close"])
    assert case.status == CaseStatus.CLOSED
    case.location = "改过的地址"
    with pytest.raises(PermissionDenied), transaction.atomic():
        case.save()
    # A copy read before the case was closed is refused as closed too, not as merely stale.
    before_closing.location = "改过的地址"
    with pytest.raises(PermissionDenied, match="结案"), transaction.atomic():
        before_closing.save()
    assert Case.objects.get(pk=case.pk).location != "改过的地址"
    case = Case.objects.get(pk=case.pk)
    with pytest.raises(GuardsFailed) as refused:
        cases.case_transition(case=case, actor=cast.supervisor, name="suspend", data={"reason": "other"})
    assert refused.value.guard_codes == ["state.not_allowed"]
    note = cases.case_note_add(case=case, actor=cast.supervisor, text="档案已归档，补充说明。")
    assert note.pk and case.events.filter(kind="note").exists()


def test_events_can_be_neither_edited_nor_deleted(case_in):
    """An event is evidence: saving it again or deleting it is refused, and so is bulk deletion
    through the admin (no change or delete permission even for a superuser)."""
    event = case_in(CaseStatus.INSPECTED).events.first()
    event.data = {"tampered": True}
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    request = RequestFactory().get("/admin/")
    request.user = type("Admin", (), {"is_active": True, "is_staff": True, "is_superuser": True,
                                       "has_perm": lambda self, perm: True})()
    for model in (CaseEvent, Case):
        admin = site._registry[model]
        assert not admin.has_change_permission(request, event)
        assert not admin.has_delete_permission(request, event)
        assert not admin.has_add_permission(request)


def test_occurred_at_in_the_future_is_refused(case_in, cast):
    """An inspection dated tomorrow is refused, naming the field; nothing changes."""
    case = case_in(CaseStatus.REPORTED)
    with pytest.raises(GuardsFailed) as refused:
        cases.case_inspect(case=case, actor=cast.officer, officers=[cast.officer, cast.officer2], location="某处",
                           illegal_area=Decimal("10"), construction_ongoing=False,
                           occurred_at=timezone.now() + dt.timedelta(days=1))
    assert refused.value.guard_codes == ["occurred_at.future"]
    assert refused.value.guards[0].field == "occurred_at"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_occurred_at_before_the_last_step_is_refused(case_in, cast):
    """Filing dated before the inspection is refused."""
    case = case_in(CaseStatus.INSPECTED)
    inspected_at = case.events.get(transition="inspect").occurred_at
    with pytest.raises(GuardsFailed) as refused:
        cases.case_file(case=case, actor=cast.supervisor, occurred_at=inspected_at - dt.timedelta(hours=1))
    assert refused.value.guard_codes == ["occurred_at.before_last_event"]


def test_inspection_needs_two_certified_officers_and_a_positive_area(case_in, cast, squad):
    """One officer, an officer without a certificate and a zero area are all reported at once."""
    from tests.casework.conftest import make_user

    uncertified = make_user("trainee", squad, is_field_officer=True)
    case = case_in(CaseStatus.REPORTED)
    with pytest.raises(GuardsFailed) as refused:
        cases.case_inspect(case=case, actor=cast.officer, officers=[cast.officer, uncertified], location="某处",
                           illegal_area=Decimal("0"), construction_ongoing=True)
    assert set(refused.value.guard_codes) == {"inspect.officers", "inspect.area"}
    bases = {g.code: g.basis for g in refused.value.guards}
    assert bases["inspect.officers"] == "处罚法 42, 55"


def test_ongoing_construction_issues_a_stop_order(case_in, cast):
    """An inspection of ongoing construction issues the 责令停止违法行为通知书 besides the record."""
    case = case_in(CaseStatus.REPORTED)
    cases.case_inspect(case=case, actor=cast.officer, officers=[cast.officer, cast.officer2], location="某处",
                       illegal_area=Decimal("35.5"), construction_ongoing=True)
    assert sorted(case.documents.values_list("document_type", flat=True)) == ["inspection_record", "stop_order"]
    assert case.documents.get(document_type="stop_order").number.startswith("狮执停字〔")


@pytest.mark.parametrize("party, field", [
    ({"kind": "person", "name": "张伟", "identifier": "110105194912310021"}, "party.identifier"),
    ({"kind": "organisation", "name": "某公司", "identifier": "91350100M000100Y44"}, "party.identifier"),
    ({"kind": "person", "name": "", "identifier": ""}, "party.name"),
])
def test_registration_refuses_invalid_party_data(cast, community, party, field):
    """A wrong check digit in an ID or credit code, or a missing name, is a field error."""
    with pytest.raises(InvalidInput) as refused:
        cases.case_register(actor=cast.officer, community=community, source="patrol", location="某处", party=party)
    assert field in refused.value.fields
    assert not Case.objects.exists()


def test_registration_refuses_zero_area_and_other_squads(cast, community, other_community):
    """Area 0 is a field error; registering in another squad's community is not allowed."""
    with pytest.raises(InvalidInput) as refused:
        cases.case_register(actor=cast.officer, community=community, source="patrol", location="某处",
                            illegal_area=Decimal("0"))
    assert "illegal_area" in refused.value.fields
    with pytest.raises(NotAllowed):
        cases.case_register(actor=cast.officer, community=other_community, source="patrol", location="某处")


def test_case_numbers_run_per_year_without_gaps(cast, community):
    """Case numbers are 〔year〕第NNNN号, one sequence per year."""
    numbers = [
        cases.case_register(actor=cast.officer, community=community, source="complaint", location=f"{i}号",
                            occurred_at=dt.datetime(year, 3, 1, 10, tzinfo=BEIJING)).number
        for i, year in enumerate([2025, 2026, 2026, 2025])
    ]
    assert numbers == ["〔2025〕第0001号", "〔2026〕第0001号", "〔2026〕第0002号", "〔2025〕第0002号"]


def test_other_squads_officer_may_not_move_the_case(case_in, other_officer, cast):
    """A field officer of another squad is refused with the squad reason."""
    case = case_in(CaseStatus.REPORTED)
    with pytest.raises(NotAllowed) as refused:
        cases.case_inspect(case=case, actor=other_officer, officers=[cast.officer, cast.officer2], location="x",
                           illegal_area=Decimal("1"), construction_ongoing=False)
    assert refused.value.guard_codes == ["permission.squad"]


def test_available_transitions_explain_why_not(case_in, cast):
    """For a decided case the supervisor may assign negotiators; announcing waits for the
    self-demolition period — unless that has passed — and an officer may not decide anything."""
    case = case_in(CaseStatus.DECIDED)
    by_name = {t.name: t for t in case_available_transitions(case=case, user=cast.supervisor)}
    assert by_name["assign_negotiators"].allowed
    assert by_name["announce"].allowed  # the scenario decided long ago: the period has passed
    assert not by_name["rectify"].allowed
    assert by_name["rectify"].reasons[0].code == "permission.role"
    assert "inspect" not in by_name
    officer_view = {t.name: t for t in case_available_transitions(case=case, user=cast.officer)}
    assert not officer_view["announce"].allowed


def test_validators_know_real_check_digits():
    """The published sample ID and credit code pass; one changed character fails."""
    assert resident_id_is_valid("11010519491231002X")
    assert not resident_id_is_valid("110105194912310021")
    assert credit_code_is_valid("91350100M000100Y43")
    assert not credit_code_is_valid("91350100M000100Y44")


def test_year_without_holiday_data_is_counted_and_flagged(case_in, cast):
    """A clock ending in 2027 (no holiday data yet) is computed over weekends only and marked
    unconfirmed."""
    calendar = WorkingCalendar.load()
    computed = calendar.add_working_days(dt.date(2026, 12, 30), 3)
    assert computed.date == dt.date(2027, 1, 4) and computed.unconfirmed
    assert not calendar.add_working_days(dt.date(2026, 12, 1), 3).unconfirmed
    case = case_in(CaseStatus.INSPECTED)
    inspected = case.events.get(transition="inspect")
    CaseEvent.objects.filter(pk=inspected.pk).update(occurred_at=dt.datetime(2026, 12, 28, 10, tzinfo=BEIJING))
    clocks = clocks_refresh(case=case)
    assert clocks[ClockKind.FILING].unconfirmed
    assert case.clocks.get(kind=ClockKind.FILING).unconfirmed
