"""Registering cases and moving them through procedure.md's transitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from casework.authorization import refusal
from casework.deadlines.calendar import local_date
from casework.deadlines.clocks import clocks_compute_for_record, clocks_copy_people, clocks_office_due_at, clocks_store
from casework.deadlines.history import CaseHistory, history_columns
from casework.errors import ConcurrentChange, GuardFailure, GuardsFailed, InvalidInput, NotAllowed
from casework.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Community,
    EventKind,
    Suspension,
    User,
)
from casework.search import case_bigrams_of, case_search_bigrams
from casework.selectors.cases import CASE_ROW, people_columns, seed_people
from casework.selectors.json_rows import RowColumns
from casework.services.documents import (
    IssueContext,
    document_issue,
    inspection_columns,
    inspections_from_columns,
    settings_columns,
    settings_from_columns,
)
from casework.services.figures import case_figure_facts, figures_case_changed
from casework.services.hooks import case_changed
from casework.services.numbering import number_next
from casework.services.parties import party_save
from casework.transitions import SPECS, TransitionRequest, permission_failure


def format_case_number(year: int, sequence: int) -> str:
    return f"〔{year}〕第{sequence:04d}号"


def _jsonable_people(people) -> list[dict]:
    return [{"id": p.pk, "name": p.display_name, "certificate_number": p.certificate_number} for p in people]


def _event_data(data: dict) -> dict:
    """The submitted data as stored on the event: people by id and name, the rest as given."""
    stored = {}
    for key, value in data.items():
        if key in ("officers", "negotiators"):
            stored[key] = _jsonable_people(value)
        elif hasattr(value, "read"):  # uploaded files are stored elsewhere, not in the event
            continue
        else:
            stored[key] = value
    return stored


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise ConcurrentChange(_("Someone else changed this case after you opened it. Reload the page and try again."))


# --- registration ----------------------------------------------------------------------------

def case_register(
    *,
    actor: User,
    community: Community,
    source: str,
    location: str,
    description: str = "",
    party: dict | None = None,
    illegal_area: Decimal | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_newly_added: bool = True,
    construction_ongoing: bool = False,
    violation_kind: str = "construction",
    occurred_at: dt.datetime | None = None,
) -> Case:
    """Record a lead (线索登记): a patrol finding, a complaint, an image, a referral."""
    from casework.models import CaseSource, ViolationKind

    now = timezone.now()
    occurred_at = occurred_at or now
    denied = refusal(actor, "register_lead", squad_id=community.squad_id)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only field officers and supervisors register leads."))
    if denied:
        raise NotAllowed(_("This community belongs to another squad."))
    fields: dict[str, list[str]] = {}
    if source not in CaseSource.values:
        fields["source"] = [_("Choose how the violation was found.")]
    if violation_kind not in ViolationKind.values:
        fields["violation_kind"] = [_("Choose the kind of violation.")]
    if not (location or "").strip():
        fields["location"] = [_("Enter the location.")]
    if illegal_area is not None:
        try:
            illegal_area = Decimal(illegal_area)
        except (InvalidOperation, TypeError, ValueError):
            illegal_area = Decimal(-1)
        if illegal_area <= 0:
            fields["illegal_area"] = [_("The area must be a number greater than 0 (in m²).")]
    if occurred_at > now + dt.timedelta(minutes=5):
        fields["occurred_at"] = [_("The time it happened is in the future.")]
    if fields:
        raise InvalidInput(next(iter(fields.values()))[0], fields=fields)

    with transaction.atomic():
        party_row = party_save(party=None, data=party) if party else None
        year = local_date(occurred_at).year
        sequence = number_next(series="case", year=year)
        number = format_case_number(year, sequence)
        case = Case.objects.create(
            number=number, year=year, sequence=sequence,
            search_bigrams=case_search_bigrams(
                number=number, location=location.strip(), party_name=party_row.name if party_row else "",
                party_address=party_row.address if party_row else ""),
            squad_id=community.squad_id, community=community, party=party_row, source=source,
            location=location.strip(), description=description, illegal_area=illegal_area,
            latitude=latitude, longitude=longitude, is_newly_added=is_newly_added,
            construction_ongoing=construction_ongoing, violation_kind=violation_kind, reported_at=occurred_at,
        )
        if actor.is_field_officer:
            case.officers.add(actor)
        CaseEvent.objects.create(
            case=case, kind=EventKind.REGISTRATION, to_status=CaseStatus.REPORTED, actor=actor,
            occurred_at=occurred_at,
            data={"source": source, "location": case.location, "description": description,
                  "party": party or None, "illegal_area": illegal_area},
        )
        figures_case_changed(before=None, after=case_figure_facts(case))
        case_changed(case=case, actor=actor, action="register")
    return case


# --- transitions -----------------------------------------------------------------------------

def case_transition(
    *,
    case: Case,
    actor: User,
    name: str,
    data: dict | None = None,
    occurred_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Perform the transition `name` of procedure.md on `case`.

    Checks the actor's role and squad, then every guard; refuses with all failed guards at
    once. On success the state change, its event, the step's documents and the recomputed
    clocks commit together or not at all.
    """
    spec = SPECS.get(name)
    if spec is None:
        raise InvalidInput(_("Unknown transition: %(name)s.") % {"name": name}, fields={"name": [name]})
    data = dict(data or {})
    occurred_at = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            return _perform(case=case, actor=actor, spec=spec, data=data, occurred_at=occurred_at,
                            expected_version=expected_version)
    except ConcurrentTransition as error:
        raise ConcurrentChange(
            _("Someone else changed this case at the same moment. Reload the page and try again.")
        ) from error


# What a transition reads, in one query: the case (with its party, squad and community), the
# history its guards, clocks and documents ask, the people its clocks copy and its documents
# print, the agency settings and the inspections its approval forms begin with.
_STEP_READ = RowColumns(Case, lambda: {"step_case": CASE_ROW.object(), **history_columns(), **people_columns(),
                                         **settings_columns(), **inspection_columns()})


def _perform(*, case, actor, spec, data, occurred_at, expected_version) -> Case:
    # Work on the row as it is now, not as the caller loaded it: the version check below and
    # the conditional UPDATE in Case.save detect anyone who got in between.
    # `expected_version` is the version the user's page or API client showed; without it only
    # a change racing with this very transaction is detected.
    using = case._state.db or "default"
    step_read = _STEP_READ.read(case.pk, using=using)
    if step_read is None:
        raise Case.DoesNotExist("Case matching query does not exist.")
    case = CASE_ROW.instance(step_read["step_case"], using=using)
    history = CaseHistory.from_columns(step_read, using=using)
    seed_people(case, step_read)
    agency, type_characters = settings_from_columns(step_read, using=using)
    _check_version(case, expected_version)
    if not can_proceed(getattr(case, spec.name), check_conditions=False):
        failure = GuardFailure(
            "state.not_allowed",
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": spec.label, "status": case.get_status_display()},
        )
        raise GuardsFailed(failure.message, guards=[failure])
    denied = permission_failure(actor, case, spec)
    if denied:
        raise NotAllowed(denied.message, guards=[denied])

    request = TransitionRequest(spec=spec, case=case, actor=actor, occurred_at=occurred_at, data=data,
                                history=history, agency_read=agency)
    failures = request.guard_failures()
    if failures:
        raise GuardsFailed(
            _("“%(action)s” is not allowed yet: %(reasons)s")
            % {"action": spec.label, "reasons": "; ".join(str(f.message) for f in failures)},
            guards=failures,
        )

    from_status = case.status
    # The figures as they stood: the version check in case.save() guarantees nobody changed
    # the case since this read, so the difference added below is exact.
    figures_before = case_figure_facts(case, forced=history.was_forcibly_demolished())
    APPLY_BEFORE[spec.name](case, data, occurred_at) if spec.name in APPLY_BEFORE else None
    getattr(case, spec.name)()
    case.search_bigrams = case_bigrams_of(case)  # the step may have changed the location or the party
    # The event before the case's UPDATE (all in one transaction): the clocks count from it,
    # and the case's row is written once, with the office's next deadline they give.
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.TRANSITION, transition=spec.name, from_status=from_status, to_status=case.status,
        actor=actor, occurred_at=occurred_at, data=_event_data(data),
    )
    # The history loaded for the guards, brought up to date with what this step wrote.
    history.add_event(event)
    if spec.name in SUSPENSION_CHANGES:
        history.reload_suspensions(case)
    clocks = clocks_compute_for_record(case=case, history=history, calendar=request.calendar)
    case.office_due_at = clocks_office_due_at(clocks)
    case.save(open_when_read=True)  # read at the top of this transaction; a closed case has no transition
    APPLY_AFTER[spec.name](case, data, occurred_at) if spec.name in APPLY_AFTER else None
    # Clocks first: the documents print the deadlines they compute.
    stored_clocks = clocks_store(case=case, clocks=clocks)
    context = IssueContext(agency=request.agency, type_characters=type_characters, approvals=history.approvals,
                           clocks=stored_clocks, inspections=inspections_from_columns(step_read, using=using))
    for document_type in spec.documents(request):
        document_issue(case=case, event=event, document_type=document_type, issued_on=local_date(occurred_at),
                       context=context)
    figures_case_changed(before=figures_before,
                         after=case_figure_facts(case, forced=history.was_forcibly_demolished()))
    case_changed(case=case, actor=actor, action=spec.name)
    return case


def _apply_fields(case: Case, data: dict, *names: str) -> None:
    for name in names:
        if name in data and data[name] is not None:
            setattr(case, name, data[name])


def _apply_party(case: Case, data: dict) -> None:
    if data.get("party"):
        case.party = party_save(party=case.party, data=data["party"])


def _before_inspect(case, data, occurred_at):
    _apply_fields(case, data, "location", "illegal_area", "construction_ongoing", "violation_kind", "structure_type",
                  "floors", "is_newly_added", "built_on", "built_period", "violation_ended_on", "latitude", "longitude",
                  "description")
    _apply_party(case, data)


def _after_inspect(case, data, occurred_at):
    case.officers.add(*data.get("officers", []))


def _before_file(case, data, occurred_at):
    _apply_fields(case, data, "construction_ongoing", "violation_ended_on", "facts", "evidence", "legal_basis")
    case.filed_at = occurred_at


def _before_notify(case, data, occurred_at):
    _apply_fields(case, data, "facts", "evidence", "legal_basis")
    _apply_party(case, data)


def _before_decide(case, data, occurred_at):
    _apply_fields(case, data, "decision_kind", "self_demolition_days", "remedies_stated", "legal_basis")


def _after_assign_negotiators(case, data, occurred_at):
    case.negotiators.set(data["negotiators"])


def _before_commit(case, data, occurred_at):
    case.commitment_date = data["commitment_date"]


def _before_progress(case, data, occurred_at):
    case.demolished_area = data["demolished_area"]


def _before_verify(case, data, occurred_at):
    case.demolished_area = data["verified_area"]
    case.verified_at = occurred_at


def _before_rectify(case, data, occurred_at):
    case.verified_at = occurred_at


def _before_announce(case, data, occurred_at):
    case.announcement_days = int(data["announcement_days"])


def _before_suspend(case, data, occurred_at):
    Suspension.objects.create(
        case=case, reason=data["reason"], explanation=data["explanation"], from_status=case.status,
        started_at=occurred_at,
    )


def _end_open_suspension(case, data, occurred_at):
    Suspension.objects.filter(case=case, ended_at__isnull=True).update(
        ended_at=occurred_at, outcome=data.get("outcome") or data.get("reason", "")
    )


def _before_close(case, data, occurred_at):
    case.closed_at = occurred_at


def _before_terminate(case, data, occurred_at):
    _end_open_suspension(case, data, occurred_at)
    case.closed_at = occurred_at


APPLY_BEFORE = {
    "inspect": _before_inspect,
    "file": _before_file,
    "notify": _before_notify,
    "decide": _before_decide,
    "commit_self_demolition": _before_commit,
    "report_progress": _before_progress,
    "verify": _before_verify,
    "rectify": _before_rectify,
    "announce": _before_announce,
    "suspend": _before_suspend,
    "resume": _end_open_suspension,
    "close": _before_close,
    "dismiss": _before_close,
    "terminate": _before_terminate,
}
# The steps that write suspensions (APPLY_BEFORE): the clocks count suspended days.
SUSPENSION_CHANGES = frozenset({"suspend", "resume", "terminate"})
APPLY_AFTER = {
    "inspect": _after_inspect,
    "assign_negotiators": _after_assign_negotiators,
}


# --- one typed service per transition (the web forms and the API call case_transition) ------

def case_inspect(
    *, case: Case, actor: User, officers: list[User], location: str, illegal_area: Decimal,
    construction_ongoing: bool, party: dict | None = None, structure_type: str = "", floors: int | None = None,
    is_newly_added: bool | None = None, violation_ended_on: dt.date | None = None,
    latitude: Decimal | None = None, longitude: Decimal | None = None, findings: str = "",
    occurred_at: dt.datetime | None = None, expected_version: int | None = None,
) -> Case:
    return case_transition(case=case, actor=actor, name="inspect", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_file(*, case: Case, actor: User, opinion: str = "", occurred_at: dt.datetime | None = None,
              expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="file", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_dismiss(*, case: Case, actor: User, reason: str, occurred_at: dt.datetime | None = None,
                 expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="dismiss", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_notify(*, case: Case, actor: User, facts: str = "", evidence: str = "", legal_basis: str = "",
                party: dict | None = None, occurred_at: dt.datetime | None = None,
                expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="notify", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_request_hearing(*, case: Case, actor: User, hearing_at: dt.datetime, place: str = "",
                         occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="request_hearing", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_submit_review(*, case: Case, actor: User, party_waived: bool = False, hearing_record: str = "",
                       statements_summary: str = "", occurred_at: dt.datetime | None = None,
                       expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="submit_review", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_decide(*, case: Case, actor: User, decision_kind: str, self_demolition_days: int,
                remedies_stated: bool = True, legal_basis: str = "", occurred_at: dt.datetime | None = None,
                expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="decide", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_assign_negotiators(*, case: Case, actor: User, negotiators: list[User],
                            occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="assign_negotiators", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_commit_self_demolition(*, case: Case, actor: User, commitment_date: dt.date, terms: str = "",
                                occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="commit_self_demolition", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_report_progress(*, case: Case, actor: User, demolished_area: Decimal, remarks: str = "",
                         occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="report_progress", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_verify(*, case: Case, actor: User, officers: list[User], verified_area: Decimal, findings: str = "",
                occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="verify", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_rectify(*, case: Case, actor: User, correction_evidence: str, fine_paid: bool = False,
                 occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="rectify", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_announce(*, case: Case, actor: User, announcement_days: int, posted_at_place: str = "",
                  occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="announce", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_issue_demand(*, case: Case, actor: User, occurred_at: dt.datetime | None = None,
                      expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="issue_demand", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_decide_execution(*, case: Case, actor: User, county_order_reference: str, measures: str = "",
                          occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="decide_execution", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_force_demolish(*, case: Case, actor: User, officers: list[User], findings: str = "",
                        occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="force_demolish", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_suspend(*, case: Case, actor: User, reason: str, explanation: str, occurred_at: dt.datetime | None = None,
                 expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="suspend", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_resume(*, case: Case, actor: User, outcome: str, occurred_at: dt.datetime | None = None,
                expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="resume", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_close(*, case: Case, actor: User, opinion: str = "", occurred_at: dt.datetime | None = None,
               expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="close", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def case_terminate(*, case: Case, actor: User, reason: str, explanation: str = "",
                   occurred_at: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, name="terminate", occurred_at=occurred_at,
                           expected_version=expected_version, data=_given(locals()))


def _given(arguments: dict) -> dict:
    """The transition data of a typed service: its own arguments less the plumbing."""
    return {
        key: value for key, value in arguments.items()
        if key not in ("case", "actor", "occurred_at", "expected_version") and value is not None
    }  # fmt: skip


# --- addenda and assignment ------------------------------------------------------------------

def case_note_add(*, case: Case, actor: User, text: str) -> CaseNote:
    """Add a remark; allowed on closed cases too (an addendum never changes the record)."""
    if not (text or "").strip():
        raise InvalidInput(_("The note is empty."), fields={"text": [_("Write the note.")]})
    denied = refusal(actor, "add_note", case=case)
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=actor, text=text.strip())
        CaseEvent.objects.create(case=case, kind=EventKind.NOTE, actor=actor, occurred_at=timezone.now(),
                                 data={"note_id": note.pk, "text": note.text})
    return note


def case_assign_officers(*, case: Case, actor: User, officers: list[User], reason: str = "") -> Case:
    """A supervisor (re)assigns the officers responsible for a case."""
    denied = refusal(actor, "assign_officers", case=case)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only a supervisor may assign officers."))
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    if case.is_closed:
        raise GuardsFailed(_("The case is closed."), guards=[GuardFailure("case.closed", _("The case is closed."))])
    wrong = [o.display_name for o in officers if not o.is_field_officer or o.squad_id != case.squad_id]
    if not officers or wrong:
        message = _("Choose field officers of the case's squad.") + (f" ({'、'.join(wrong)})" if wrong else "")
        raise InvalidInput(message, fields={"officers": [message]})
    with transaction.atomic():
        case.officers.set(officers)
        clocks_copy_people(case=case)
        CaseEvent.objects.create(case=case, kind=EventKind.ASSIGNMENT, actor=actor, occurred_at=timezone.now(),
                                 data={"officers": _jsonable_people(officers), "reason": reason})
    return case
