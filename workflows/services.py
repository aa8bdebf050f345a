"""Keeping the process in step with the case: a task completes when its case moves on."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from casework.errors import InvalidInput, NotAllowed
from casework.models import Case, User
from workflows.flows import DemolitionFlow, lock_process_of
from workflows.models import DemolitionProcess

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def process_start(*, case: Case) -> DemolitionProcess:
    """Start the case's process (when the lead is registered); a case has one process only."""
    existing = DemolitionProcess.objects.filter(case=case).first()
    return existing or DemolitionFlow.start.run(case=case)


# Approvals that end a task of their own (the legal reviewer's); others happen inside a task.
TASK_ENDING_APPROVALS = ("approve:legal_review_decision", "approve:legal_review_execution")


def process_follow_case(*, case: Case, actor: User, action: str) -> None:
    """Hook called by casework after every change to a case (see casework.services.hooks)."""
    if action == "register":
        process_start(case=case)
    elif not action.startswith("approve:") or action in TASK_ENDING_APPROVALS:
        process_advance(case=case, actor=actor, action=action)


def open_tasks(*, case: Case):
    return DemolitionFlow.task_class.objects.filter(process__demolitionprocess__case=case, status__in=OPEN)


def process_advance(*, case: Case, actor: User, action: str) -> None:
    """The casework service has just performed `action` (a transition, or `approve:<step>`):
    complete the case's open tasks so the flow reads the case again and opens the next one.

    The task is completed whoever owned it: the case's state is the authority, and the
    task keeps who actually acted and what they did.
    """
    # No savepoint of its own: it runs inside the change's transaction (casework.services.hooks)
    # and a failure here fails that change as a whole. The process is found and locked in one
    # query, as DemolitionFlow.lock would lock it.
    with transaction.atomic(savepoint=False):
        if lock_process_of(case) is None:
            return
        # With the process as its flow's class and its case (and the case's squad, which the
        # next task is offered in), read under the lock: the activation, the gateways that read
        # the case and the next task's permission object then need no query of their own.
        for task in open_tasks(case=case).select_related("process__demolitionprocess__case__squad"):
            activation = task.flow_task.activation_class(task)
            task.data = {**(task.data or {}), "action": action, "by": actor.pk}
            if task.status == STATUS.NEW or task.owner_id != actor.pk:
                # Taken by the actor in the same write that completes it: viewflow's assign()
                # and reassign() would each save the row first, for no reader in between.
                task.owner = actor
                task.status = STATUS.ASSIGNED
            if task.status != STATUS.STARTED:
                activation.start(None)
            activation.execute()


def task_take(*, task, actor: User) -> None:
    """The actor takes an unassigned task offered to their role and squad."""
    with transaction.atomic(), DemolitionFlow.lock(task.process_id):
        task.refresh_from_db()
        if not task.flow_task.can_assign(actor, task):
            raise NotAllowed(_("You may not take this task."))
        task.flow_task.activation_class(task).assign(actor)


def task_reassign(*, task, actor: User, to: User) -> None:
    """A supervisor hands a task to another person who may do it."""
    from casework.authorization import refusal
    from workflows.assignment import task_candidates

    case = task.process.demolitionprocess.case
    denied = refusal(actor, "reassign_task", case=case)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only a supervisor may reassign tasks."))
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    if not task_candidates(case=case, role=task.flow_task.role).filter(pk=to.pk).exists():
        message = _("%(name)s may not do this task.") % {"name": to.display_name}
        raise InvalidInput(message, fields={"owner": [message]})
    with transaction.atomic(), DemolitionFlow.lock(task.process_id):
        task.refresh_from_db()
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(to)
        elif task.status == STATUS.ASSIGNED:
            activation.reassign(to)
        else:
            raise InvalidInput(_("This task is no longer open."))
