"""Who may take a task of a case: by role and by the case's squad (people-and-work.md)."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.models import Case, Role, User

# The roles whose tasks are offered to the holders in the case's squad. Every task carries that
# squad as viewflow's permission object (CaseTask), so the tasks a person may take are found in
# an index by role and squad, not by reading every squad's tasks and their cases.
SQUAD_ROLES = frozenset({Role.FIELD_OFFICER, Role.SUPERVISOR})


def task_candidates(*, case: Case, role: str) -> QuerySet[User]:
    """The people who may do a task needing `role` on `case`.

    Officers and the supervisor come from the case's squad, negotiators are the ones assigned
    to the case, the legal reviewer and the head of office work for every squad.
    """
    people = User.objects.filter(is_active=True)
    if role == Role.FIELD_OFFICER:
        return people.filter(is_field_officer=True, squad_id=case.squad_id)
    if role == Role.SUPERVISOR:
        return people.filter(is_supervisor=True, squad_id=case.squad_id)
    if role == Role.NEGOTIATOR:
        return people.filter(is_negotiator=True, negotiator_cases=case)
    if role == Role.LEGAL_REVIEWER:
        return people.filter(is_legal_reviewer=True)
    if role == Role.HEAD_OF_OFFICE:
        return people.filter(is_head_of_office=True)
    return people.none()


def may_take(user: User, *, case: Case, role: str) -> bool:
    """Whether `user` is one of `task_candidates(case=case, role=role)`, decided from the person
    and the case as loaded, without a query (a negotiator's check reads the case's negotiators,
    from their prefetch when the caller loaded them). The same rules as task_candidates;
    tests/workflows/test_assignment.py holds the two to agreeing."""
    if not user.is_active:
        return False
    if role == Role.FIELD_OFFICER:
        return user.is_field_officer and user.squad_id == case.squad_id
    if role == Role.SUPERVISOR:
        return user.is_supervisor and user.squad_id == case.squad_id
    if role == Role.NEGOTIATOR:
        return user.is_negotiator and any(person.pk == user.pk for person in case.negotiators.all())
    if role == Role.LEGAL_REVIEWER:
        return user.is_legal_reviewer
    if role == Role.HEAD_OF_OFFICE:
        return user.is_head_of_office
    return False


def sole_candidate(*, case: Case, role: str) -> User | None:
    """The one person a task goes straight to, or None when several may take it from the queue."""
    candidates = list(task_candidates(case=case, role=role)[:2])
    return candidates[0] if len(candidates) == 1 else None
