"""Pages of the persuasion work: the negotiator's cases, logging a talk, progress, publicity,
and the supervisors' analysis. Views only translate between HTTP and services/selectors."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import authorization
from casework.charts import bar_chart, stacked_bar_chart
from casework.deadlines.calendar import local_date
from casework.errors import CaseworkError, NotAllowed
from casework.forms.persuasion import ProgressForm, PublicityForm, TalkForm
from casework.models import Case, Role, User
from casework.selectors.cases import case_visible
from casework.selectors.persuasion import analysis_tables, case_persuasion, negotiator_cases, persuasion_analysis
from casework.services.persuasion import progress_report, publicity_record, talk_log, talk_may_log
from casework.views.params import id_param, year_param


def _visible_case(request, pk: int) -> Case:
    """The case if the user may read it; otherwise 404, as on the case page."""
    return get_object_or_404(case_visible(user=request.user).select_related("party", "community", "squad"), pk=pk)


def _report(form, error: CaseworkError) -> None:
    """Put a service's refusal beside the fields it concerns, the rest on top of the form."""
    placed = False
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, str(problem))
            placed = True
    for guard in error.guards:
        form.add_error(guard.field if guard.field in form.fields else None, str(guard.message))
        placed = True
    if not placed:
        form.add_error(None, error.message)


@login_required
def mine(request):
    if not request.user.has_role(Role.NEGOTIATOR):
        raise PermissionDenied(_("This page is for negotiators."))
    rows = negotiator_cases(user=request.user)
    return render(request, "persuasion/mine.html", {"rows": rows, "now": timezone.now()})


@login_required
def case_detail(request, pk: int):
    case = _visible_case(request, pk)
    return render(request, "persuasion/case.html", {
        "case": case, "persuasion": case_persuasion(case=case),
        "may_talk": talk_may_log(case=case, actor=request.user) is None,
    })


@login_required
def talk_new(request, pk: int):
    case = _visible_case(request, pk)
    denied = talk_may_log(case=case, actor=request.user)
    if denied:
        raise PermissionDenied(denied.message)
    form = TalkForm(request.POST or None, request.FILES or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talk = talk_log(
                case=case, actor=request.user, kind=data["kind"], attitude=data["attitude"], place=data["place"],
                owner_attendees=data["owner_attendees"], occurred_at=data["occurred_at"] or None,
                negotiators=list(data["co_negotiators"]), third_parties=form.third_parties(),
                explained=data["explained"], explained_notes=data["explained_notes"],
                owner_acknowledged=data["owner_acknowledged"], owner_statements=data["owner_statements"],
                commitment_date=data["commitment_date"], commitment_terms=data["commitment_terms"],
                next_follow_up_on=data["next_follow_up_on"],
                attachments=[*request.FILES.getlist("photos"), *request.FILES.getlist("recordings")],
                expected_version=data["version"],
            )
        except CaseworkError as error:
            _report(form, error)
        else:
            messages.success(request, _("Talk recorded: %(number)s.") % {"number": talk.document.number})
            return redirect("persuasion:case", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "persuasion/talk_form.html", {"case": case, "form": form}, status=status)


@login_required
def progress_new(request, pk: int):
    case = _visible_case(request, pk)
    form = ProgressForm(request.POST or None, request.FILES or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            progress_report(case=case, actor=request.user, demolished_area=data["demolished_area"],
                            remarks=data["remarks"], photos=request.FILES.getlist("photos"),
                            expected_version=data["version"])
        except CaseworkError as error:
            _report(form, error)
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("persuasion:case", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "persuasion/progress_form.html",
                  {"case": case, "form": form, "persuasion": case_persuasion(case=case)}, status=status)


@login_required
def publicity_new(request):
    if not authorization.permits(request.user, "record_publicity"):
        # Refused before the form is filled in, not only when it is sent.
        raise PermissionDenied(_("Publicity actions are recorded by field officers, negotiators and supervisors."))
    form = PublicityForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["cases"])
        try:
            action = publicity_record(
                actor=request.user, community=data["community"], occurred_on=data["occurred_on"], kind=data["kind"],
                description=data["description"], cases=chosen, all_open_cases=data["all_open_cases"] and not chosen,
                photos=request.FILES.getlist("photos"),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except CaseworkError as error:
            _report(form, error)
        else:
            messages.success(request, _("Publicity action recorded for %(count)d case(s).")
                             % {"count": action.cases.count()})
            return redirect("persuasion:mine" if request.user.has_role(Role.NEGOTIATOR) else "persuasion:publicity")
    status = 422 if request.method == "POST" else 200
    return render(request, "persuasion/publicity_form.html", {"form": form}, status=status)


def _analysis_scope(request):
    user: User = request.user
    if not authorization.permits(user, "view_persuasion_analysis"):
        raise PermissionDenied(_("The analysis is for supervisors and the head of office."))
    squads = authorization.squads_for(user, "view_persuasion_analysis")
    squad = None
    if request.GET.get("squad"):
        squad = get_object_or_404(squads, pk=id_param(request.GET["squad"]))
    elif not authorization.sees_all(user, "view_persuasion_analysis"):
        squad = squads.first()
    year = year_param(request.GET.get("year"))
    negotiators = User.objects.filter(is_negotiator=True, squad__in=squads).order_by("full_name")
    negotiator = None
    if request.GET.get("negotiator"):
        negotiator = get_object_or_404(negotiators, pk=id_param(request.GET["negotiator"]))
    return squads, squad, year, negotiators, negotiator


@login_required
def analysis(request):
    squads, squad, year, negotiators, negotiator = _analysis_scope(request)
    result = persuasion_analysis(squad=squad, year=year, negotiator=negotiator)
    tables = analysis_tables(result)
    for table in tables:
        if "stacked" in table:
            table["svg"] = stacked_bar_chart(table["stacked"], title=str(table["title"]))
        else:
            table["svg"] = bar_chart(table["chart"], title=str(table["title"]))
    this_year = local_date(timezone.now()).year
    return render(request, "persuasion/analysis.html", {
        "analysis": result, "tables": tables, "squads": squads, "squad": squad, "year": year,
        "years": range(this_year, this_year - 6, -1), "negotiators": negotiators, "negotiator": negotiator,
        "csv_url": reverse("persuasion:analysis_csv") + ("?" + request.GET.urlencode() if request.GET else ""),
    })


@login_required
def analysis_csv(request):
    _squads, squad, year, _negotiators, negotiator = _analysis_scope(request)
    if not authorization.permits(request.user, "export"):
        raise PermissionDenied(_("Only supervisors, the head of office and administrators export tables."))
    tables = analysis_tables(persuasion_analysis(squad=squad, year=year, negotiator=negotiator))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="persuasion-{year}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Squad"), squad.name if squad else _("All squads"), _("Year"), year,
                     _("Negotiator"), negotiator.display_name if negotiator else _("All negotiators")])
    for table in tables:
        writer.writerow([])
        writer.writerow([str(table["title"])])
        writer.writerow([str(cell) for cell in table["header"]])
        for row in table["rows"]:
            writer.writerow([str(cell) for cell in row])
    return response
