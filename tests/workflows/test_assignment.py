"""may_take (who may take a task, without a query: the process dashboard asks it for every card)
answers as task_candidates does, the query that assigns tasks and lists whom to reassign to."""

from casework.models import CaseStatus, Role
from tests.casework.conftest import make_user
from workflows.assignment import may_take, task_candidates

S = CaseStatus


def test_may_take_agrees_with_task_candidates(case_in, cast, squad, other_officer, other_squad):
    """For every role a task may need, every kind of person (each role, another squad's, no
    squad, every role at once, disabled, a negotiator not on the case) and a case with and one
    without negotiators."""
    people = [
        cast.officer, cast.officer2, cast.supervisor, cast.negotiator, cast.reviewer, cast.head, other_officer,
        make_user("supervisor9", other_squad, is_supervisor=True),
        make_user("negotiator9", squad, is_negotiator=True),
        make_user("everything", None, is_field_officer=True, is_supervisor=True, is_negotiator=True,
                  is_legal_reviewer=True, is_head_of_office=True, is_administrator=True),
        make_user("left", squad, is_field_officer=True, is_supervisor=True, is_negotiator=True, is_active=False),
        make_user("nobody", squad),
    ]
    cases = [case_in(S.PERSUADING), case_in(S.INSPECTED)]
    assert cases[0].negotiators.exists() and not cases[1].negotiators.exists()
    answers = set()
    for case in cases:
        for role in Role.values:
            candidates = set(task_candidates(case=case, role=role))
            for person in people:
                answer = may_take(person, case=case, role=role)
                assert answer == (person in candidates), (case.status, role, person)
                answers.add(answer)
    assert answers == {True, False}
