"""The pages people work in: my work, the case list, the case page, a lead, a step's form.

Views only translate between HTTP and the services/selectors: they read a form, call one
service, and show its refusals next to the fields.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import authorization
from casework.errors import CaseworkError, InvalidInput
from casework.forms.transitions import (
    PHOTO_TRANSITIONS,
    TRANSITION_FORMS,
    ApprovalForm,
    AssignOfficersForm,
    LeadForm,
    ServiceFields,
)
from casework.models import (
    AccessChannel,
    ApprovalStep,
    CaseSource,
    CaseStatus,
    Document,
    EventKind,
)
from casework.models.attachments import AttachmentKind
from casework.search import MIN_QUERY_LENGTH, search_too_short
from casework.selectors.cases import CaseFilters, CasePaginator, case_get, case_list, case_page, case_urgent_clock
from casework.selectors.people import case_filter_choices
from casework.selectors.transitions import case_available_transitions
from casework.services import approvals, attachments, cases, documents
from casework.services.approvals import APPROVAL_RULES
from casework.services.personal_data import party_view_for, party_views_for
from casework.transitions import SPECS, permission_failure
from casework.views.exports import table_response
from casework.views.params import id_param

PAGE_SIZE = 25
# The case list counts matching cases exactly up to this many; past it, "more than 10,000".
EXACT_COUNT_UP_TO = 10_000
CASE_EXPORT_LIMIT = 10_000


def _photos_from(request, field: str = "photos") -> list:
    return request.FILES.getlist(field)


def _store_photos(*, case, actor, uploads, event=None, keep_location: bool = False) -> None:
    """Store each photo through the attachments service (which checks the real type and the
    20 MB limit, and strips the metadata but for the camera's position when the officer keeps
    it); a refused photo is reported by name under the photos field."""
    for upload in uploads:
        try:
            attachments.attachment_add(case=case, actor=actor, upload=upload, event=event,
                                       allowed_kinds=(AttachmentKind.PHOTO,), keep_location=keep_location)
        except InvalidInput as error:
            message = f"{upload.name}: {error.message}"
            raise InvalidInput(message, fields={"photos": [message]}) from error


# --- My work ---------------------------------------------------------------------------------

@login_required
def my_work(request):
    from workflows.selectors import my_work as work_of

    work = work_of(user=request.user, mine_page=request.GET.get("mine"), offered_page=request.GET.get("offered"))
    return render(request, "casework/my_work.html", {
        "mine": work.mine, "offered": work.offered,
        # Each section's pager keeps the page the other section shows.
        "keep_mine": _page_param("mine", work.mine), "keep_offered": _page_param("offered", work.offered),
    })


def _page_param(name: str, page) -> str:
    return urlencode({name: page.number}) if page.number > 1 else ""


# --- Cases -----------------------------------------------------------------------------------

def _filters_from(params) -> CaseFilters:
    newly = params.get("newly_added")
    closed = params.get("closed")
    return CaseFilters(
        status=params.get("status", "") if params.get("status") in CaseStatus.values else "",
        squad=id_param(params.get("squad")), community=id_param(params.get("community")),
        officer=id_param(params.get("officer")),
        newly_added={"1": True, "0": False}.get(newly), overdue=True if params.get("overdue") == "1" else None,
        source=params.get("source", "") if params.get("source") in CaseSource.values else "",
        q=params.get("q", "")[:100], closed={"1": True, "0": False}.get(closed),
    )


@login_required
def case_list_view(request):
    user = request.user
    filters = _filters_from(request.GET)
    now = timezone.now()
    file_format = request.GET.get("export")
    if file_format in ("csv", "xlsx"):
        cases = case_list(user=user, filters=filters, now=now, with_urgent_clock=False, whole_rows=True)
        return _case_export(request, cases, file_format)
    paginator = CasePaginator(case_list(user=user, filters=filters, now=now), PAGE_SIZE,
                              exact_count_up_to=EXACT_COUNT_UP_TO)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(case, case_urgent_clock(case, now)) for case in page.object_list]
    choices = case_filter_choices(user=user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "casework/case_list.html", {
        "page": page, "rows": rows, "filters": filters, "statuses": CaseStatus.choices, "sources": CaseSource.choices,
        "squads": choices.squads, "communities": choices.communities, "officers": choices.officers,
        "query": query.urlencode(),
        "search_too_short": search_too_short(filters.q.strip()), "min_query_length": MIN_QUERY_LENGTH,
    })


def _case_export(request, cases, file_format: str):
    """The filtered list as CSV or Excel, the party's ID number and phone as the viewer may see
    them (casework.services.personal_data records the cases given unmasked, in one INSERT)."""
    cases = list(cases[:CASE_EXPORT_LIMIT + 1])
    if len(cases) > CASE_EXPORT_LIMIT:
        messages.error(request, _("An export holds at most %(limit)s cases; narrow the filters.")
                       % {"limit": CASE_EXPORT_LIMIT})
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{reverse('casework:case_list')}?{query.urlencode()}")
    parties = party_views_for(user=request.user, cases=cases, channel=AccessChannel.EXPORT,
                              detail=f"cases.{file_format}")
    rows = []
    for case in cases:
        party = parties.get(case.pk)
        rows.append([
            case.number, case.get_status_display(), case.squad.name, case.community.name,
            party.name if party else "", party.identifier if party else "", party.phone if party else "",
            case.location, case.illegal_area, timezone.localtime(case.reported_at).strftime("%Y-%m-%d %H:%M"),
        ])
    return table_response(
        filename="cases", file_format=file_format, rows=rows,
        header=[_("Case"), _("State"), _("Squad"), _("Community"), _("Party"), _("ID number or credit code"),
                _("Phone"), _("Location"), _("Illegal area (m²)"), _("Reported at")],
    )


@login_required
def case_detail(request, pk: int):
    page = case_page(user=request.user, pk=pk)
    case = page.case
    actions = [
        (action, not action.allowed and _form_supplies(action))
        for action in case_available_transitions(case=case, user=request.user, history=page.history)
    ]
    review_steps = [
        (step, ApprovalStep(step).label) for step, (_role, states) in APPROVAL_RULES.items()
        if authorization.permits(request.user, f"approval:{step}", case=case) and case.status in states
        and step in (ApprovalStep.LEGAL_REVIEW_DECISION, ApprovalStep.LEGAL_REVIEW_EXECUTION)
    ]
    from workflows.services import open_tasks

    tasks = list(open_tasks(case=case).select_related("owner"))
    return render(request, "casework/case_detail.html", {
        "case": case, "page": page, "actions": actions, "review_steps": review_steps, "tasks": tasks,
        "documents": page.documents,
        "is_supervisor": authorization.permits(request.user, "assign_officers", case=case),
        "party": party_view_for(user=request.user, case=case, channel=AccessChannel.PAGE, detail=request.path),
    })


def _form_supplies(action) -> bool:
    """Whether every unmet condition concerns a field of the step's own form (e.g. the facts
    the prior notice needs are typed into the notice's form): then the form is the way on."""
    form_class = TRANSITION_FORMS.get(action.name)
    return bool(form_class and action.reasons) and all(
        reason.field and reason.field in form_class.base_fields for reason in action.reasons
    )


# --- A lead ----------------------------------------------------------------------------------

@login_required
def lead_new(request):
    user = request.user
    if not authorization.granting_roles(user, "register_lead"):
        raise PermissionDenied(_("Only field officers and supervisors register leads."))
    form = LeadForm(request.POST or None, user=user)
    photo_errors = []
    if request.method == "POST":
        uploads = _photos_from(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    case = cases.case_register(
                        actor=user, community=data["community"], source=data["source"], location=data["location"],
                        description=data["description"], illegal_area=data["illegal_area"],
                        latitude=data["latitude"], longitude=data["longitude"],
                        is_newly_added=data["is_newly_added"], construction_ongoing=data["construction_ongoing"],
                        occurred_at=data["occurred_at"],
                        party={"kind": "person", "name": data["party_name"]} if data["party_name"] else None,
                    )
                    event = case.events.filter(kind=EventKind.REGISTRATION).first()
                    _store_photos(case=case, actor=user, uploads=uploads, event=event,
                                  keep_location=request.POST.get("keep_location") == "on")
            except CaseworkError as error:
                photo_errors = error.fields.pop("photos", [])
                for name, errors in error.fields.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
                if not error.fields and not photo_errors:
                    form.add_error(None, error.message)
            else:
                messages.success(request, _("Lead %(number)s registered.") % {"number": case.number})
                return redirect(case.get_absolute_url())
    return render(request, "casework/lead_form.html", {"form": form, "photo_errors": photo_errors})


# --- One step of a case ----------------------------------------------------------------------

def _serve_document(*, case, actor, form, event_documents, occurred_at) -> None:
    data = form.cleaned_data
    if not data.get("serve_now"):
        return
    for document in event_documents:
        if document.is_served_type:
            documents.document_serve(document=document, actor=actor, served_at=occurred_at,
                                     method=data.get("serve_method") or "handed_over",
                                     recipient=data["serve_recipient"])


@login_required
def case_action(request, pk: int, name: str):
    case = case_get(user=request.user, pk=pk)
    spec = SPECS.get(name)
    form_class = TRANSITION_FORMS.get(name)
    if spec is None or form_class is None:
        raise Http404(_("No such step."))
    denied = permission_failure(request.user, case, spec)
    if denied:
        raise PermissionDenied(denied.message)
    form = form_class(request.POST or None, case=case, user=request.user)
    takes_photos = name in PHOTO_TRANSITIONS
    photo_errors = []
    if request.method == "POST":
        uploads = _photos_from(request) if takes_photos else []
        if form.is_valid():
            occurred_at = form.cleaned_data["occurred_at"]
            try:
                with transaction.atomic():
                    case = cases.case_transition(
                        case=case, actor=request.user, name=name, data=form.transition_data(),
                        occurred_at=occurred_at, expected_version=id_param(request.POST.get("version")),
                    )
                    event = case.events.filter(transition=name).order_by("-recorded_at", "-id").first()
                    _store_photos(case=case, actor=request.user, uploads=uploads, event=event,
                                  keep_location=request.POST.get("keep_location") == "on")
                    if isinstance(form, ServiceFields):
                        _serve_document(case=case, actor=request.user, form=form, occurred_at=occurred_at,
                                        event_documents=list(Document.objects.filter(event=event)))
            except CaseworkError as error:
                photo_errors = error.fields.pop("photos", [])
                if error.guards or error.fields or not photo_errors:
                    form.add_refusal(error)
            else:
                messages.success(request, _("%(action)s: done.") % {"action": spec.label})
                return redirect(case.get_absolute_url())
    available = {a.name: a for a in case_available_transitions(case=case, user=request.user)}
    return render(request, "casework/action_form.html", {
        "case": case, "spec": spec, "form": form, "takes_photos": takes_photos, "photo_errors": photo_errors,
        "available": available.get(name),
    })


@login_required
def case_review(request, pk: int, step: str):
    """The legal reviewer's opinion on the intended decision or the execution."""
    case = case_get(user=request.user, pk=pk)
    if step not in (ApprovalStep.LEGAL_REVIEW_DECISION, ApprovalStep.LEGAL_REVIEW_EXECUTION):
        raise Http404(_("No such step."))
    _role, states = APPROVAL_RULES[step]
    if not authorization.permits(request.user, f"approval:{step}", case=case):
        raise PermissionDenied(_("Only the legal reviewer gives this opinion."))
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                approvals.approval_record(case=case, actor=request.user, step=step, decision=data["decision"],
                                          opinion=data["opinion"], occurred_at=data["occurred_at"])
        except CaseworkError as error:
            for name, errors in error.fields.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
            for guard in error.guards:
                form.add_error(None, f"{guard.message}（{guard.basis}）" if guard.basis else guard.message)
            if not error.fields and not error.guards:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Opinion recorded."))
            return redirect(case.get_absolute_url())
    return render(request, "casework/review_form.html", {
        "case": case, "form": form, "step_label": ApprovalStep(step).label, "in_state": case.status in states,
    })


# --- Supervisor: who works on a case and its tasks -------------------------------------------

def _require_supervisor(user, action: str, case) -> None:
    if not authorization.permits(user, action, case=case):
        raise PermissionDenied(_("Only a supervisor may do this."))


@login_required
def case_assign(request, pk: int):
    case = case_get(user=request.user, pk=pk)
    _require_supervisor(request.user, "assign_officers", case)
    form = AssignOfficersForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            cases.case_assign_officers(case=case, actor=request.user, officers=list(form.cleaned_data["officers"]),
                                       reason=form.cleaned_data["reason"])
        except CaseworkError as error:
            form.add_error("officers" if "officers" in error.fields else None, error.message)
        else:
            messages.success(request, _("Officers assigned."))
            return redirect(case.get_absolute_url())
    return render(request, "casework/assign_form.html", {"case": case, "form": form})


def _task_of_visible_case(request, task_pk: int):
    from viewflow.workflow.models import Task

    task = get_object_or_404(Task.objects.select_related("process"), pk=task_pk)
    demolition = getattr(task.process, "demolitionprocess", None)
    if demolition is None:
        raise Http404
    case = case_get(user=request.user, pk=demolition.case_id)
    return task, case


@login_required
def task_take(request, task_pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    from workflows.services import task_take as take

    task, case = _task_of_visible_case(request, task_pk)
    try:
        take(task=task, actor=request.user)
    except CaseworkError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The task is yours now."))
    return redirect(reverse("casework:my_work"))


@login_required
def task_reassign(request, task_pk: int):
    from workflows.assignment import task_candidates
    from workflows.services import task_reassign as reassign

    task, case = _task_of_visible_case(request, task_pk)
    _require_supervisor(request.user, "reassign_task", case)
    candidates = task_candidates(case=case, role=task.flow_task.role).order_by("full_name")
    error_message = ""
    if request.method == "POST":
        to = candidates.filter(pk=id_param(request.POST.get("owner"))).first()
        if to is None:
            error_message = _("Choose who does this task.")
        else:
            try:
                reassign(task=task, actor=request.user, to=to)
            except CaseworkError as error:
                error_message = error.message
            else:
                messages.success(request, _("Task reassigned to %(name)s.") % {"name": to.display_name})
                return redirect(case.get_absolute_url())
    return render(request, "casework/task_reassign.html", {
        "case": case, "task": task, "candidates": candidates, "error_message": error_message,
    })
