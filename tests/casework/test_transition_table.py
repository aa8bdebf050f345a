"""The FSM on Case against procedure.md's transition table, transition by transition."""

import pytest
from django.db import transaction

from casework.errors import GuardsFailed, NotAllowed
from casework.models import Case, CaseEvent, CaseStatus
from casework.scenarios import PATHS
from casework.services.cases import case_transition
from casework.transitions import SPECS
from tests.casework.conftest import make_user

S = CaseStatus
AFTER_FILED = [S.FILED, S.NOTIFIED, S.HEARING, S.UNDER_REVIEW, S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED,
               S.SELF_DEMOLISHING, S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED]
AFTER_DECIDED = [S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING, S.ANNOUNCED,
                 S.DEMAND_ISSUED, S.EXECUTION_DECIDED]

# Transcribed from procedure.md by hand: transition -> (sources, target).
PROCEDURE_TABLE = {
    "inspect": ([S.REPORTED], S.INSPECTED),
    "file": ([S.INSPECTED], S.FILED),
    "dismiss": ([S.REPORTED, S.INSPECTED], S.CLOSED),
    "notify": ([S.FILED], S.NOTIFIED),
    "request_hearing": ([S.NOTIFIED], S.HEARING),
    "submit_review": ([S.NOTIFIED, S.HEARING], S.UNDER_REVIEW),
    "decide": ([S.UNDER_REVIEW], S.DECIDED),
    "assign_negotiators": ([S.DECIDED], S.PERSUADING),
    "commit_self_demolition": ([S.DECIDED, S.PERSUADING, S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED],
                               S.SELF_DEMOLITION_COMMITTED),
    "report_progress": ([S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING], S.SELF_DEMOLISHING),
    "verify": ([S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING, S.FORCED_DEMOLISHED], S.VERIFIED),
    "rectify": ([S.DECIDED], S.RECTIFIED),
    "announce": ([S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING], S.ANNOUNCED),
    "issue_demand": ([S.ANNOUNCED], S.DEMAND_ISSUED),
    "decide_execution": ([S.DEMAND_ISSUED], S.EXECUTION_DECIDED),
    "force_demolish": ([S.EXECUTION_DECIDED], S.FORCED_DEMOLISHED),
    "suspend": (AFTER_FILED, S.SUSPENDED),
    "resume": ([S.SUSPENDED], "the state it was suspended from"),
    "close": ([S.VERIFIED, S.RECTIFIED], S.CLOSED),
    "terminate": ([S.SUSPENDED, *AFTER_DECIDED], S.CLOSED),
}


def test_fsm_and_specs_name_exactly_the_transitions_of_procedure_md():
    """The FSM methods, the transition specs and procedure.md list the same transition names."""
    fsm_names = {t.name for t in Case._meta.get_field("status").get_all_transitions(Case)}
    assert fsm_names == set(PROCEDURE_TABLE) == set(SPECS)


@pytest.mark.parametrize("name", list(PROCEDURE_TABLE))
def test_fsm_sources_and_targets_match_procedure_md(name):
    """Each transition's sources and target on Case are those of procedure.md."""
    sources, target = PROCEDURE_TABLE[name]
    found = [t for t in Case._meta.get_field("status").get_all_transitions(Case) if t.name == name]
    assert {t.source for t in found} == set(sources)
    if name != "resume":
        assert {t.target for t in found} == {target}


def _source_states():
    return sorted({state for sources, _ in PROCEDURE_TABLE.values() for state in sources} | set(PATHS))


class Rollback(Exception):
    pass


@pytest.mark.parametrize("state", _source_states())
def test_each_transition_allowed_from_its_sources_and_refused_elsewhere(scenario, state):
    """From a case in `state`, each transition whose sources include it succeeds (with valid data,
    at a lawful time) and reaches its target; every other transition is refused naming the state,
    and the refused attempt leaves the case and its events untouched."""
    runner = scenario()
    case = runner.run(PATHS[state])
    # Holds every role, so only the state can be the reason for a refusal.
    everyone = make_user("everyone", case.squad, is_field_officer=True, is_negotiator=True, is_supervisor=True,
                         is_legal_reviewer=True, is_head_of_office=True, certificate_number="1")
    for name, (sources, target) in PROCEDURE_TABLE.items():
        if state in sources:
            steps = [name]
            if name == "rectify":
                continue  # needs a rectification decision: covered below
            saved_day = runner.day
            suspended_from = case.suspended_from
            try:
                with transaction.atomic():
                    if name == "commit_self_demolition" and not case.negotiators.exists():
                        # Negotiators act only on the cases assigned to them (casework.authorization).
                        with pytest.raises(NotAllowed) as refused:
                            case_transition(case=case, actor=runner.cast.negotiator, name=name, data={})
                        assert refused.value.guard_codes == ["permission.not_assigned"]
                        case.negotiators.add(runner.cast.negotiator)
                    result = runner.run(steps)
                    expected = suspended_from if name == "resume" else target
                    assert result.status == expected, f"{name} from {state}"
                    raise Rollback
            except Rollback:
                pass
            runner.day = saved_day
            case = runner.case = Case.objects.get(pk=case.pk)
        else:
            events_before = CaseEvent.objects.filter(case=case).count()
            with pytest.raises(GuardsFailed) as refused:
                case_transition(case=case, actor=everyone, name=name, data={})
            assert refused.value.guard_codes == ["state.not_allowed"], name
            case.refresh_from_db()
            assert case.status == state
            assert CaseEvent.objects.filter(case=case).count() == events_before


def test_rectify_allowed_after_a_rectification_decision(scenario):
    """rectify moves a case decided as a rectification order to rectified."""
    case = scenario().run(PATHS[S.RECTIFIED])
    assert case.status == S.RECTIFIED
    assert case.decision_kind == "rectify"
