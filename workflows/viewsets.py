"""viewflow's process pages (/process/) at the size of a real office.

FlowAppViewset's pages read, for every task they show, its process, the process as
DemolitionProcess, the case and the owner one query at a time, and their filter forms list
every process a person ever had a task in (as <option>s) and find the task names with a
DISTINCT over the person's tasks. At 100,000 cases the dashboard made 1,725 queries and an
inbox weighed 268 KB. These views keep viewflow's URLs, templates and rules and read the same
things in a number of queries that does not grow with the tasks:

- the dashboard's columns (one query per node, newest first) bring each task's process, case
  and owner in the same query, and the negotiators of the cases shown in one more, which is
  what the cards' "Execute / Assign / View" buttons read (CaseTask.can_assign, may_read_case);
- the inbox, queue, archive and the dashboard's task list filter by task among the flow's
  nodes (their titles, translated) and by dates; there is no per-process filter;
- the dashboard, the process list and the task list show the processes and tasks of the cases
  the person may read (people-and-work.md: their own squad's, a negotiator's assigned cases;
  the head of office and administrators all); viewflow showed every squad's to everyone;
- the process list counts each process's open tasks for the rows shown only;
- the lists count their rows up to EXACT_COUNT_UP_TO, then say "more than" (as the case
  list does): a reviewer's archive holds a task of every case of the office, the task list
  every step of every case, and counting them exactly grew with the office's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Window, prefetch_related_objects
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet, MultipleChoiceFilter
from viewflow.utils import viewprop
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    DashboardView,
    FlowArchiveListView,
    FlowInboxListView,
    FlowQueueListView,
)
from viewflow.workflow.flow.views.filters import NullDateRangeFilter
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.authorization import Reach, filter_cases, reaches
from casework.selectors.cases import CasePaginator
from workflows.selectors import EXACT_COUNT_UP_TO as WORK_EXACT_COUNT_UP_TO
from workflows.selectors import offered_to

# A task's process as its flow's class (DemolitionProcess: what Task.brief and Process.brief
# render) and the case behind it (what CaseTask.can_assign and may_read_case read).
PROCESS = "process__demolitionprocess"
CASE = f"{PROCESS}__case"


def node_choices(flow_class, task_types: tuple[str, ...] | None = None) -> list[tuple[str, object]]:
    """The flow's nodes (of `task_types`, or all) as filter choices, in the order the flow class
    defines them (the procedure's): the reference stored in Task.flow_task, and the node's
    title (translated when shown)."""
    defined = list(vars(flow_class))
    nodes = sorted(flow_class.instance.nodes(), key=lambda node: defined.index(node.name) if node.name in defined
                   else len(defined))
    return [
        (get_task_ref(node), node.task_title or node.name)
        for node in nodes
        if task_types is None or node.task_type in task_types
    ]


class _FlowFilterSet(FilterSet):
    """A filter form whose task choices come from the flow (`flow_class`), not from the rows."""

    task_types: tuple[str, ...] | None = ("HUMAN",)

    def __init__(self, *args, flow_class, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = node_choices(flow_class, self.task_types)


class UserTaskListFilter(_FlowFilterSet):
    """Inbox and queue: viewflow's FlowUserTaskListFilter without its list of processes."""

    flow_task = ChoiceFilter()
    created = DateRangeFilter()

    class Meta:
        model = Task
        fields = ("flow_task", "created")


class ArchiveListFilter(_FlowFilterSet):
    flow_task = ChoiceFilter()
    created = DateRangeFilter()
    finished = DateRangeFilter()

    class Meta:
        model = Task
        fields = ("flow_task", "created", "finished")


class TaskListFilter(_FlowFilterSet):
    """The dashboard's "Show all" list: every kind of task of the flow (gateways too)."""

    task_types = None
    flow_task = ChoiceFilter()
    status = MultipleChoiceFilter(choices=STATUS.choices)
    created = DateRangeFilter()
    finished = NullDateRangeFilter()

    class Meta:
        model = Task
        fields = ("flow_task", "status", "created", "finished")


# The lists' counts stop past as many rows as My work's sections do (the same tasks, and
# templates/viewflow/includes/list_pagination.html then reads "more than"); paging on past it
# still works. The task list finds a squad's share of the office's tasks by walking every
# squad's in the index's order, as the queue did when counting to 1,000 took it 130 ms for an
# officer at a million cases.
EXACT_COUNT_UP_TO = WORK_EXACT_COUNT_UP_TO


class _CountedPages:
    """A list's page read with CasePaginator: the page's rows found by their ids alone, and a
    count that stops past EXACT_COUNT_UP_TO (or past the page asked for)."""

    paginator_class = CasePaginator

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page,
                                    exact_count_up_to=EXACT_COUNT_UP_TO, count_in_order=True, **kwargs)


class _FlowFilterMixin(_CountedPages):
    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "flow_class": self.flow_class}


def on_readable_cases(tasks, user, case: str = CASE, **fields):
    """`tasks` (or processes, with their case at `case`) on the cases `user` may read; `fields`
    as for casework.authorization.case_q (a task's own column for its case's squad)."""
    return filter_cases(tasks, user, prefix=f"{case}__", **fields)


# A column of the dashboard: the tasks open at its node (or failed there), newest first.
OPEN = Q(finished__isnull=True) | Q(status=STATUS.ERROR)


# What a dashboard card reads of a task's case and owner: the case's number and place (shown),
# its squad (who may read or take it, with its negotiators read apart), its status (django-fsm
# notes the state of every case built) and the owner's name. A case row has about sixty
# columns, with JSON among them; with them all, compiling, fetching and building the ~475 cards
# of a supervisor's dashboard took a third of the page.
CARD_CASE_FIELDS = ("number", "location", "status", "squad_id")
CARD_OWNER_FIELDS = ("username", "full_name")
CARD_PROCESS_FIELDS = ("flow_class", "status", "created", "finished")


def _task_columns(task_class) -> list[str]:
    return [field.attname for field in task_class._meta.concrete_fields]


# A card's button, the first its person may use: as viewflow's dashboard template chose it.
CARD_ACTIONS = (("execute", "can_execute", gettext_lazy("Execute")), ("assign", "can_assign", gettext_lazy("Assign")),
                ("detail", "can_view", gettext_lazy("View")))
# Stand for a process's and a task's key in a link reversed once per node and view; each card's
# link is that one with its own keys put in. Reversing through viewflow's namespaces for every
# card was about a quarter of a supervisor's dashboard with its ~475 cards (benchmark_scale at
# 1,000,000 cases: median 708 ms before, 526 ms after).
_PROCESS_MARK, _TASK_MARK = "7318442559", "8642097531"


class _CardLinks:
    def __init__(self, user, current_app):
        self.user, self.current_app, self._patterns = user, current_app, {}

    def _link(self, reversible, view_name: str, *keys: int) -> str:
        pattern = self._patterns.get((reversible, view_name))
        if pattern is None:
            marks = (_PROCESS_MARK, _TASK_MARK)[: len(keys)]
            pattern = reversible.reverse(view_name, args=[int(mark) for mark in marks], current_app=self.current_app)
            if any(pattern.count(mark) != 1 for mark in marks):  # a mark that could be mistaken for another part
                raise ValueError(f"cannot derive card links from {pattern}")
            self._patterns[(reversible, view_name)] = pattern
        for mark, key in zip((_PROCESS_MARK, _TASK_MARK), keys, strict=False):
            pattern = pattern.replace(mark, str(key))
        return pattern

    def open_card(self, task) -> None:
        """Give `task` its button: `card_action` (the label) and `card_link`, or neither."""
        node = task.flow_task
        for view_name, check, label in CARD_ACTIONS:
            if hasattr(node, check) and getattr(node, check)(self.user, task):
                task.card_action, task.card_link = label, self._link(node, view_name, task.process_id, task.pk)
                return

    def finished_card(self, task) -> None:
        task.card_action = CARD_ACTIONS[-1][2]
        task.card_link = self._link(task.process.flow_class.instance, "process_detail", task.process_id)


class ProcessDashboardView(DashboardView):
    """The kanban: viewflow's columns, each read with what its cards show, on the cases the
    person may read."""

    def shown_tasks(self, *, by_the_tasks_squad: bool = False):
        """The tasks the person may see, with what their cards read, newest first.
        `by_the_tasks_squad`: for the people's steps (the columns), which name their case's squad
        (CaseTask): a squad's column is then read from the index of workflows migration 0006 by
        step and squad, not by walking every squad's tasks at the step and their cases."""
        task_class = self.flow_class.task_class
        tasks = (
            task_class._default_manager.filter_available([self.flow_class], self.request.user)
            .select_related(CASE, "owner")
            .only(
                *_task_columns(task_class),
                *(f"{path}__{name}" for path in ("process", PROCESS) for name in CARD_PROCESS_FIELDS),
                *(f"{CASE}__{name}" for name in CARD_CASE_FIELDS),
                *(f"owner__{name}" for name in CARD_OWNER_FIELDS),
            )
            .order_by("-created")
        )
        if by_the_tasks_squad:
            return on_readable_cases(tasks, self.request.user, squad_field="owner_permission_obj_pk")
        return on_readable_cases(tasks, self.request.user)

    def _columns_one_by_one(self, nodes) -> dict:
        """Each node's newest open tasks, a query per node walking its index newest first: for
        people who see every case or a squad's, whose tasks fill any column's top."""
        shown = self.shown_tasks(by_the_tasks_squad=True)
        return {node: list(shown.filter(OPEN, flow_task=node)[: self.MAX_ROWS]) for node in nodes}

    def _columns_ranked(self, nodes) -> dict:
        """Each node's newest open tasks from one query over the person's cases, ranked per node:
        for negotiators, who see their assigned cases only. Walking each node's index for them
        read every open task of the office at the nodes before negotiation, where none of their
        cases is (0.5 s a column at a million cases)."""
        ranked = self.shown_tasks().filter(OPEN, flow_task__in=nodes).annotate(
            rank=Window(RowNumber(), partition_by=[F("flow_task")], order_by=[F("created").desc(), F("pk").desc()])
        )
        columns = {node: [] for node in nodes}
        for task in ranked.filter(rank__lte=self.MAX_ROWS):
            columns[task.flow_task].append(task)
        return columns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        nodes = [column["node"] for column in context["columns"]]
        if reaches(self.request.user, "read_case") == {Reach.ASSIGNED}:
            found = self._columns_ranked(nodes)
        else:
            found = self._columns_one_by_one(nodes)
        shown = []
        for column in context["columns"]:
            column["tasks"] = found[column["node"]]
            shown += column["tasks"]
        # The end nodes' tasks are END tasks (as viewflow chose end_nodes); saying so lets the
        # partial index of workflows migration 0003 find the newest closed processes at once.
        context["finished"] = list(
            self.shown_tasks().filter(finished__isnull=False, flow_task_type="END", flow_task__in=context["end_nodes"])[
                : self.MAX_ROWS
            ]
        )
        # Who may see or take a case's task depends on its negotiators for a negotiator.
        cases = {task.process.demolitionprocess.case for task in shown}
        prefetch_related_objects(list(cases), "negotiators")
        links = _CardLinks(self.request.user, self.request.resolver_match.namespace)
        for task in shown:
            links.open_card(task)
        for task in context["finished"]:
            links.finished_card(task)
        return context


class InboxView(_FlowFilterMixin, FlowInboxListView):
    filterset_class = UserTaskListFilter

    @viewprop
    def queryset(self):
        return (
            self.model._default_manager.filter(
                process__flow_class=self.flow_class, owner=self.request.user, status=STATUS.ASSIGNED
            )
            .select_related(PROCESS)
            .order_by("-created")
        )


class QueueView(_FlowFilterMixin, FlowQueueListView):
    """The tasks the person may take, newest first: "My work"'s second section. viewflow's own
    queue matches a task's owner_permission against Django permissions, and ours carry the role
    the task needs (CaseTask), so it showed nothing to anyone but a superuser."""

    filterset_class = UserTaskListFilter

    @viewprop
    def queryset(self):
        return (
            self.model._default_manager.filter(offered_to(self.request.user))
            .select_related(PROCESS)
            .order_by("-created")
        )


class ArchiveView(_FlowFilterMixin, FlowArchiveListView):
    filterset_class = ArchiveListFilter

    @viewprop
    def queryset(self):
        return (
            self.model._default_manager.user_archive(self.request.user, flow_class=self.flow_class)
            .select_related(PROCESS)
            .order_by("-created")
        )


class TaskListView(_FlowFilterMixin, DashboardTaskListView):
    filterset_class = TaskListFilter

    @viewprop
    def queryset(self):
        tasks = (
            self.model._default_manager.filter(process__flow_class=self.flow_class)
            .select_related(PROCESS, "owner")
            .order_by("-created")
        )
        return on_readable_cases(tasks, self.request.user)


class ProcessListView(_CountedPages, DashboardProcessListView):
    """The processes, newest first, each with its number of open tasks: counted for the rows
    of the page (a subquery per row) rather than by grouping every task of every process."""

    ordering = "-created"

    def get_queryset(self):
        queryset = super(DashboardProcessListView, self).get_queryset()
        open_tasks = (
            Task.objects.filter(process=OuterRef("pk"), finished__isnull=True)
            .order_by()
            .values("process")
            .annotate(count=Count("pk"))
            .values("count")
        )
        processes = queryset.filter(flow_class=self.flow_class).annotate(
            active_tasks_count=Coalesce(Subquery(open_tasks, output_field=IntegerField()), 0)
        )
        return on_readable_cases(processes, self.request.user, case="case")


# The menu's numbers of tasks in the inbox and the queue stop here ("99+").
MENU_COUNT_UP_TO = 99


@dataclass(frozen=True)
class MenuCount:
    """What viewflow's menu (flow_menu.html) shows as `user_inbox.count` and `user_queue.count`."""

    count: str


def menu_count(tasks) -> MenuCount:
    # Counted oldest first, the order of the partial indexes (see CasePaginator.count_in_order).
    counted = tasks.order_by("created").values("pk")[: MENU_COUNT_UP_TO + 1].count()
    return MenuCount(f"{MENU_COUNT_UP_TO}+" if counted > MENU_COUNT_UP_TO else str(counted))


class ProcessAppViewset(FlowAppViewset):
    """FlowAppViewset with the views above: the same URLs, names and templates.

    Its menu, on every process page, counts the person's inbox and queue: counted to 99 at
    most, from the partial indexes of workflows migration 0002 (viewflow's counted every task
    of the queue's status, most of an office's open tasks, on every page).
    """

    dashboard_view_class = ProcessDashboardView
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView

    def get_context_data(self, request):
        user = request.user
        return {
            "user_inbox": menu_count(Task.objects.filter(owner=user, status=STATUS.ASSIGNED)),
            "user_queue": menu_count(Task.objects.filter(offered_to(user))),
        }
