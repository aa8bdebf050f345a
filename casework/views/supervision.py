"""Supervisors' pages: overdue review, the year's dashboard, and everyone's notifications."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import authorization
from casework.deadlines.calendar import local_date
from casework.errors import CaseworkError
from casework.forms.fields import LARGEST_ID, IdChoiceField, IdsChoiceField
from casework.models import Case, ClockKind, Community, Squad, User
from casework.selectors.notifications import notification_list
from casework.selectors.overdue import ORDERINGS, can_review_overdue, clock_overdue_queryset, clock_rows
from casework.selectors.stats import case_year_figures
from casework.services.reminders import notification_mark_read
from casework.services.supervision import cases_reassign_officers, overdue_review_note_add
from casework.views.charts import bar_chart
from casework.views.exports import table_response
from casework.views.params import id_param, year_param

PAGE_SIZE = 50


def _require_supervision(request) -> None:
    if not can_review_overdue(request.user):
        raise PermissionDenied(_("Only supervisors, the head of office and administrators see this page."))


def _require_export(request) -> None:
    if not authorization.permits(request.user, "export"):
        raise PermissionDenied(_("Only supervisors, the head of office and administrators export tables."))


def _visible_squads(user: User, action: str = "view_overdue"):
    return authorization.squads_for(user, action)


class OverdueFilterForm(forms.Form):
    squad = IdChoiceField(queryset=Squad.objects.none(), required=False, label=gettext_lazy("Squad"))
    community = IdChoiceField(queryset=Community.objects.none(), required=False,
                                       label=gettext_lazy("Community"))
    kind = forms.ChoiceField(choices=[("", "---------"), *ClockKind.choices], required=False,
                             label=gettext_lazy("Clock"))
    officer = IdChoiceField(queryset=User.objects.none(), required=False, label=gettext_lazy("Officer"))
    negotiator = IdChoiceField(queryset=User.objects.none(), required=False,
                                        label=gettext_lazy("Negotiator"))
    min_days = forms.IntegerField(min_value=0, required=False, label=gettext_lazy("At least days overdue"))
    ordering = forms.ChoiceField(choices=[(k, k) for k in ORDERINGS], required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        squads = _visible_squads(user)
        self.fields["squad"].queryset = squads
        self.fields["community"].queryset = Community.objects.filter(squad__in=squads).order_by("squad__code", "name")
        people = User.objects.filter(squad__in=squads, is_active=True).order_by("full_name")
        self.fields["officer"].queryset = people.filter(is_field_officer=True)
        self.fields["negotiator"].queryset = people.filter(is_negotiator=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "squad": data["squad"].pk if data.get("squad") else None,
            "community": data["community"].pk if data.get("community") else None,
            "kind": data.get("kind") or None,
            "officer": data["officer"].pk if data.get("officer") else None,
            "negotiator": data["negotiator"].pk if data.get("negotiator") else None,
            "min_days": data.get("min_days") or None,
            "ordering": data.get("ordering") or "-days",
        }


class ReassignForm(forms.Form):
    cases = IdsChoiceField(queryset=Case.objects.none(), label=gettext_lazy("Cases"))
    officers = IdsChoiceField(queryset=User.objects.none(), label=gettext_lazy("New officers"))
    reason = forms.CharField(required=False, max_length=500, label=gettext_lazy("Reason"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        squads = _visible_squads(user)
        self.fields["cases"].queryset = authorization.cases_for(user, "bulk_reassign")
        self.fields["officers"].queryset = User.objects.filter(squad__in=squads, is_field_officer=True, is_active=True)


class ReviewNoteForm(forms.Form):
    case = IdChoiceField(queryset=Case.objects.none(), widget=forms.HiddenInput)
    clock = forms.ChoiceField(choices=ClockKind.choices, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=1000, label=gettext_lazy("Reason for the delay"))
    next_step = forms.CharField(max_length=1000, label=gettext_lazy("Next step"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = authorization.cases_for(user, "add_review_note")


@login_required
def overdue_review(request):
    _require_supervision(request)
    user = request.user
    if request.method == "POST":
        return _overdue_action(request)
    as_of = timezone.now()
    form = OverdueFilterForm(request.GET or None, user=user)
    filters = form.filters()
    queryset = clock_overdue_queryset(as_of=as_of, user=user, **filters)
    file_format = request.GET.get("export")
    if file_format in ("csv", "xlsx"):
        _require_export(request)
        rows = clock_rows(queryset, as_of=as_of)
        return table_response(
            filename="overdue", file_format=file_format,
            header=[_("Case"), _("Squad"), _("Community"), _("Clock"), _("Last day"), _("Days overdue"),
                    _("Officers"), _("Negotiators")],
            rows=[[r.case_number, r.squad_name, r.community_name, r.kind_label, r.last_day.isoformat(), r.days_overdue,
                   "、".join(p.name for p in r.officers), "、".join(p.name for p in r.negotiators)] for r in rows],
        )
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = clock_rows(page.object_list, as_of=as_of)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    sort_query = query.copy()
    sort_query.pop("ordering", None)
    return render(request, "supervision/overdue.html", {
        "form": form, "rows": rows, "page": page, "ordering": filters["ordering"], "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "reassign_form": ReassignForm(user=user), "as_of": as_of,
        "columns": [("case", _("Case")), ("squad", _("Squad")), ("community", _("Community")), ("clock", _("Clock")),
                    ("days", _("Days overdue")), ("officer", _("Officers")), ("negotiator", _("Negotiators"))],
    })


def _overdue_action(request):
    user = request.user
    action = request.POST.get("action")
    back = request.POST.get("next") or reverse("supervision:overdue")
    if not back.startswith("/"):
        back = reverse("supervision:overdue")
    if action == "reassign":
        form = ReassignForm(request.POST, user=user)
        if not form.is_valid():
            messages.error(request, _("Choose cases and officers to reassign."))
            return HttpResponseRedirect(back)
        done, refused = cases_reassign_officers(cases=list(form.cleaned_data["cases"]), actor=user,
                                                officers=list(form.cleaned_data["officers"]),
                                                reason=form.cleaned_data["reason"])
        if done:
            messages.success(request, _("%(count)s cases reassigned.") % {"count": len(done)})
        for case, error in refused:
            messages.error(request, f"{case.number}: {error.message}")
    elif action == "note":
        form = ReviewNoteForm(request.POST, user=user)
        if not form.is_valid():
            messages.error(request, _("Write the reason and the next step."))
            return HttpResponseRedirect(back)
        clock = form.cleaned_data.get("clock")
        try:
            overdue_review_note_add(case=form.cleaned_data["case"], actor=user, reason=form.cleaned_data["reason"],
                                    next_step=form.cleaned_data["next_step"],
                                    clock_label=str(ClockKind(clock).label) if clock else "")
            messages.success(request, _("Review note added to case %(case)s.") % {"case": form.cleaned_data["case"]})
        except CaseworkError as error:
            messages.error(request, error.message)
    else:
        raise Http404
    return HttpResponseRedirect(back)


# --- dashboard -------------------------------------------------------------------------------

def _num(value):
    return "" if value is None else value


def _figure_columns():
    return [
        ("filed_count", _("Cases filed")), ("investigated_area", _("Area investigated (m²)")),
        ("investigated_target", _("Target investigated (m²)")), ("investigated_progress", _("Investigated vs target (%)")),
        ("demolished_area", _("Area demolished (m²)")), ("demolished_target", _("Target demolished (m²)")),
        ("demolished_progress", _("Demolished vs target (%)")),
        ("self_demolished_area", _("Self-demolished (m²)")), ("forced_demolished_area", _("Forcibly demolished (m²)")),
        ("self_demolished_count", _("Self-demolished cases")), ("forced_demolished_count", _("Forcibly demolished cases")),
        ("completed_count", _("Filed cases completed")), ("completion_rate", _("Completion rate (%)")),
        ("newly_added_count", _("Newly added cases")), ("newly_added_area", _("Newly added area (m²)")),
        ("historical_count", _("Historical cases")), ("historical_area", _("Historical area (m²)")),
        ("complaints_received", _("Complaints received")), ("complaints_handled", _("Complaints handled")),
    ]


def dashboard_tables(figures) -> dict[str, dict]:
    """Every table of the dashboard as header and rows (the page and the exports share them)."""
    columns = _figure_columns()
    names = [name for name, _label in columns]
    header = [label for _name, label in columns]

    def rows(groups, with_total=True):
        out = [[g.label, *[_num(getattr(g.figures, n)) for n in names]] for g in groups]
        if with_total:
            out.append([_("Total"), *[_num(getattr(figures.total, n)) for n in names]])
        return out

    return {
        "squads": {"title": _("By squad"), "header": [_("Squad"), *header], "rows": rows(figures.by_squad)},
        "communities": {"title": _("By community"), "header": [_("Community"), *header],
                        "rows": rows(figures.by_community)},
        "months": {"title": _("By month"), "header": [_("Month"), *header], "rows": rows(figures.by_month)},
        "states": {"title": _("Open cases by state"), "header": [_("State"), _("Cases")],
                   "rows": [[label, n] for _value, label, n in figures.open_by_state]},
    }


def _dashboard_scope(request):
    user = request.user
    if not authorization.permits(user, "view_dashboard"):
        raise PermissionDenied(_("Only supervisors, the head of office and administrators see the dashboard."))
    year = year_param(request.GET.get("year"))
    squads = list(_visible_squads(user, "view_dashboard"))
    squad = id_param(request.GET.get("squad"))
    squad = squad if any(s.pk == squad for s in squads) else None
    return user, year, squad, squads


@login_required
def dashboard(request):
    user, year, squad, squads = _dashboard_scope(request)
    figures = case_year_figures(year=year, user=user, squad=squad)
    tables = dashboard_tables(figures)
    month_labels = [f"{g.key}" for g in figures.by_month]
    charts = {
        "months": bar_chart(
            title=_("Area by month (m²)"), labels=month_labels,
            series=[(_("Investigated"), [g.figures.investigated_area for g in figures.by_month]),
                    (_("Self-demolished"), [g.figures.self_demolished_area for g in figures.by_month]),
                    (_("Forcibly demolished"), [g.figures.forced_demolished_area for g in figures.by_month])]),
        "squads": bar_chart(
            title=_("Area demolished by squad against target (m²)"), labels=[g.label for g in figures.by_squad],
            series=[(_("Demolished"), [g.figures.demolished_area for g in figures.by_squad]),
                    (_("Investigated"), [g.figures.investigated_area for g in figures.by_squad])],
            targets=[g.figures.demolished_target for g in figures.by_squad]),
        "states": bar_chart(
            title=_("Open cases by state"), labels=[label for _v, label, _n in figures.open_by_state],
            series=[(_("Cases"), [n for _v, _l, n in figures.open_by_state])], height=240),
    }
    query = request.GET.copy()
    return render(request, "supervision/dashboard.html", {
        "figures": figures, "tables": tables, "charts": charts, "year": year, "squad": squad, "squads": squads,
        "years": list(range(local_date(timezone.now()).year, local_date(timezone.now()).year - 6, -1)),
        "query": query.urlencode(),
    })


@login_required
def dashboard_export(request, table: str, file_format: str):
    user, year, squad, _squads = _dashboard_scope(request)
    _require_export(request)
    tables = dashboard_tables(case_year_figures(year=year, user=user, squad=squad))
    if table not in tables or file_format not in ("csv", "xlsx"):
        raise Http404
    chosen = tables[table]
    return table_response(filename=f"{table}-{year}", header=chosen["header"], rows=chosen["rows"],
                          file_format=file_format)


# --- notifications ---------------------------------------------------------------------------

@login_required
def notifications(request):
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("notification") if i.isascii() and i.isdigit() and int(i) <= LARGEST_ID]
        count = notification_mark_read(user=request.user, notification_ids=ids or None)
        messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
        return HttpResponseRedirect(reverse("supervision:notifications"))
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notification_list(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "supervision/notifications.html", {"page": page, "unread_only": unread_only})
