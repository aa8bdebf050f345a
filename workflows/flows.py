"""The demolition case as a viewflow process: who does what next.

Read it top to bottom next to procedure.md. The process keeps no legal state: every human
task completes when the casework service performs one of its transitions (or records its
approval), and the gateways then read the case to decide which task comes next. The case's
status stays the only record of where it stands.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.switch import SwitchActivation

from casework.authorization import may_read_case
from casework.models import ApprovalStep, CaseStatus, DecisionKind, Role
from casework.selectors.approvals import approval_in_force_now
from workflows.assignment import may_take, sole_candidate
from workflows.models import DemolitionProcess

S = CaseStatus


class CaseTask(flow.View):
    """A person's step on a case: do one of `actions` (transition names, or `approve:<step>`
    for an opinion), offered to everyone holding `role` who may work on the case."""

    def __init__(self, *actions: str, role: str):
        from workflows.views import TaskOpenView

        super().__init__(TaskOpenView.as_view())
        self.actions = actions
        self.role = role
        self._owner_permission = role  # the queue query matches it against a user's roles
        # "role on squad": the case's squad. The holders of a squad role in that squad are offered
        # the task (offered_to), and a squad's people see it on the process dashboard; both are
        # read from indexes by this squad (workflows migrations 0004 and 0006). A case keeps its
        # squad from registration on; a feature moving a case to another squad must move its
        # tasks' squad (owner_permission_obj_pk) in the same transaction.
        self._owner_permission_obj = lambda process: process.case.squad
        self._owner = lambda activation: sole_candidate(case=activation.process.case, role=role)

    def can_assign(self, user, task):
        if task.owner_id or user is None or user.is_anonymous:
            return False
        # Without a query of its own: the dashboard asks it for every card it shows.
        return may_take(user, case=task.process.demolitionprocess.case, role=self.role)

    def can_execute(self, user, task):
        return task.owner_id == getattr(user, "pk", None)


def status_in(*states: str):
    return lambda activation: activation.process.case.status in states


def review_approved(step: str):
    return lambda activation: approval_in_force_now(case=activation.process.case, step=step) is not None


def _locking(queryset):
    # PostgreSQL: the process's row, held until the transaction ends. SQLite serialises writers
    # anyway (IMMEDIATE transactions), so there is nothing to lock there.
    return queryset.select_for_update() if connection.vendor == "postgresql" else queryset


class _ProcessRowLock:
    """viewflow's lock on a process: its row FOR UPDATE, in the caller's transaction.

    viewflow's SelectForUpdateLock asks with NOWAIT and, refused, sleeps and asks again up to five
    times, each try in a savepoint of its own to recover from the refusal. Every holder here is
    one short request, so this one waits for the holder instead: no refusal to recover from, and
    the savepoint's two statements (a tenth of a transition's) are not sent."""

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic(savepoint=False):
            if connection.vendor == "postgresql":
                _locking(flow_class.process_class._default_manager.filter(pk=process_pk)).exists()
            yield


def lock_process_of(case) -> int | None:
    """The primary key of `case`'s process (None if it has none), its row locked as
    DemolitionFlow.lock locks it, in one query; call it inside a transaction."""
    return _locking(DemolitionProcess.objects.filter(case=case)).values_list("pk", flat=True).first()


class _DecidedOnCreation(Activation):
    """A gateway of this flow decides the moment it is created and never waits: its task row
    is inserted once, already done, where viewflow inserts it NEW and updates it DONE a moment
    later (one statement per gateway, and every transition passes one or two).

    The gateways only read the case the change has just written (and, for a review, its
    approvals). viewflow runs their conditions in a savepoint so that a failing one could leave
    the gateway in ERROR; here a failure propagates (viewflow's default context) and fails the
    change as a whole, so the savepoint's two statements per gateway bought nothing either.

    Its row exists only from `complete` on: an error kept in a context that does not propagate
    (viewflow's timers and jobs; this flow has none), or a boundary event armed on a gateway
    (none here either), would meet an unsaved task."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        # viewflow's Activation.create, without its save and link: `complete` does both.
        task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        activation.came_from = prev_activation.task
        return activation

    @Activation.status.super()
    def complete(self):
        super().complete.original()  # the task's first save: its INSERT, status DONE
        self.task.previous.add(self.came_from)

    # viewflow keeps the activations it creates in a set, hashed and compared by their task's
    # primary key, which this one has only from `complete` on. Each is created once, for its
    # own new task, so being itself is what identifies it.
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


class _SwitchActivation(_DecidedOnCreation, SwitchActivation):
    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            for node, cond in self.flow_task._branches:  # as SwitchActivation.activate, the last default wins
                if cond:
                    if cond(self):
                        self.next_task = node
                        break
                else:
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class _IfActivation(_DecidedOnCreation, IfActivation):
    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            self._condition_result = self.flow_task._condition(self)


class Switch(flow.Switch):
    activation_class = _SwitchActivation


class If(flow.If):
    activation_class = _IfActivation


class DemolitionFlow(flow.Flow):
    process_class = DemolitionProcess
    lock_impl = _ProcessRowLock()
    process_title = _("Demolition case")
    process_description = _("An illegal building from the first report to closure.")

    # A lead is registered (casework.services.cases.case_register); the process follows it.
    start = flow.StartHandle(this.start_process).Annotation(title=_("Lead registered")).Next(this.where)

    # Every step ends here: the case's state says what comes next.
    where = (
        Switch()
        .Annotation(title=_("Where does the case stand?"))
        .Case(this.inspect, status_in(S.REPORTED))
        .Case(this.approve_filing, status_in(S.INSPECTED))
        .Case(this.serve_prior_notice, status_in(S.FILED))
        .Case(this.await_party, status_in(S.NOTIFIED))
        .Case(this.hold_hearing, status_in(S.HEARING))
        .Case(this.reviewed, status_in(S.UNDER_REVIEW))
        .Case(this.demolish_or_rectify, status_in(S.DECIDED))
        .Case(this.persuade, status_in(S.PERSUADING))
        .Case(this.self_demolition, status_in(S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING))
        .Case(this.issue_demand, status_in(S.ANNOUNCED))
        .Case(this.execution_reviewed, status_in(S.DEMAND_ISSUED))
        .Case(this.force_demolish, status_in(S.EXECUTION_DECIDED))
        .Case(this.verify_forced, status_in(S.FORCED_DEMOLISHED))
        .Case(this.close, status_in(S.VERIFIED, S.RECTIFIED))
        .Case(this.suspended, status_in(S.SUSPENDED))
        .Default(this.end)
    )

    # 1. Inspection by two certified officers; the supervisor files or dismisses.
    inspect = (
        CaseTask("inspect", "dismiss", role=Role.FIELD_OFFICER)
        .Annotation(title=_("Inspect the site"))
        .Next(this.where)
    )
    approve_filing = (
        CaseTask("file", "dismiss", role=Role.SUPERVISOR)
        .Annotation(title=_("Approve filing"))
        .Next(this.where)
    )

    # 2. Prior notice, then the party's statement and hearing windows (or a hearing).
    serve_prior_notice = (
        CaseTask("notify", role=Role.FIELD_OFFICER).Annotation(title=_("Serve the prior notice")).Next(this.where)
    )
    await_party = (
        CaseTask("submit_review", "request_hearing", role=Role.FIELD_OFFICER)
        .Annotation(title=_("Hear the party, then submit for legal review"))
        .Next(this.where)
    )
    hold_hearing = (
        CaseTask("submit_review", role=Role.FIELD_OFFICER)
        .Annotation(title=_("Hold the hearing, then submit for legal review"))
        .Next(this.where)
    )

    # 3. Legal review, then the supervisor's decision.
    reviewed = (
        If(review_approved(ApprovalStep.LEGAL_REVIEW_DECISION))
        .Annotation(title=_("Legal review approved?"))
        .Then(this.decide)
        .Else(this.legal_review)
    )
    legal_review = (
        CaseTask(f"approve:{ApprovalStep.LEGAL_REVIEW_DECISION}", role=Role.LEGAL_REVIEWER)
        .Annotation(title=_("Legal review of the decision"))
        .Next(this.where)
    )
    decide = CaseTask("decide", role=Role.SUPERVISOR).Annotation(title=_("Decide")).Next(this.where)

    # 4. Demolish or rectify.
    demolish_or_rectify = (
        If(lambda activation: activation.process.case.decision_kind == DecisionKind.RECTIFY)
        .Annotation(title=_("Rectification ordered?"))
        .Then(this.rectify)
        .Else(this.assign_negotiators)
    )
    rectify = CaseTask("rectify", role=Role.FIELD_OFFICER).Annotation(title=_("Verify rectification")).Next(this.where)

    # 5a. The self-demolition path: persuasion, commitment, progress, verification.
    assign_negotiators = (
        CaseTask("assign_negotiators", "announce", role=Role.SUPERVISOR)
        .Annotation(title=_("Assign negotiators"))
        .Next(this.where)
    )
    persuade = (
        CaseTask("commit_self_demolition", role=Role.NEGOTIATOR)
        .Annotation(title=_("Persuade the party to demolish"))
        .Next(this.where)
    )
    self_demolition = (
        CaseTask("report_progress", "verify", role=Role.FIELD_OFFICER)
        .Annotation(title=_("Follow the self-demolition and verify it"))
        .Next(this.where)
    )

    # 5b. The forced path: announcement (from the supervisor's tasks above), demand, review,
    # the head of office's decision, the demolition.
    issue_demand = (
        CaseTask("issue_demand", role=Role.FIELD_OFFICER).Annotation(title=_("Issue the written demand")).Next(this.where)
    )
    execution_reviewed = (
        If(review_approved(ApprovalStep.LEGAL_REVIEW_EXECUTION))
        .Annotation(title=_("Execution reviewed?"))
        .Then(this.decide_execution)
        .Else(this.execution_review)
    )
    execution_review = (
        CaseTask(f"approve:{ApprovalStep.LEGAL_REVIEW_EXECUTION}", role=Role.LEGAL_REVIEWER)
        .Annotation(title=_("Legal review of compulsory execution"))
        .Next(this.where)
    )
    decide_execution = (
        CaseTask("decide_execution", role=Role.HEAD_OF_OFFICE)
        .Annotation(title=_("Decide compulsory execution"))
        .Next(this.where)
    )
    force_demolish = (
        CaseTask("force_demolish", role=Role.FIELD_OFFICER).Annotation(title=_("Carry out the demolition")).Next(this.where)
    )
    verify_forced = (
        CaseTask("verify", role=Role.FIELD_OFFICER).Annotation(title=_("Verify the demolition")).Next(this.where)
    )

    # 6. Closing.
    close = CaseTask("close", role=Role.SUPERVISOR).Annotation(title=_("Close the case")).Next(this.where)

    # The suspension detour: the supervisor resumes (or the head of office terminates).
    suspended = (
        CaseTask("resume", "terminate", role=Role.SUPERVISOR)
        .Annotation(title=_("Resume the suspended case"))
        .Next(this.where)
    )

    end = flow.End().Annotation(title=_("Closed"))

    def has_view_permission(self, user, obj=None) -> bool:
        # Everyone holding a role works with the process (inbox, queue, history); which cases
        # they see is decided per case by squad in casework's pages. This replaces granting
        # workflows.view_demolitionprocess to every user, which viewflow otherwise requires.
        if not (user.is_authenticated and user.is_active and user.roles):
            return False
        if obj is None:
            return True
        # A DemolitionProcess (viewflow's coerced process) is read as it is: its inherited
        # `demolitionprocess` accessor would load it again, with its case, for every task shown.
        process = obj if isinstance(obj, DemolitionProcess) else getattr(obj, "demolitionprocess", obj)
        case = getattr(process, "case", None)
        # One process's history shows its case: only to those who may read the case.
        return case is None or may_read_case(user, case)

    def start_process(self, activation, case):
        activation.process.case = case
        return activation.process

