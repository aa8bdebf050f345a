"""Random sequences of transitions with random data never break the procedure."""

from decimal import Decimal

from django.db import transaction
from django_fsm import can_proceed
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from casework.errors import CaseworkError
from casework.models import Case, CaseEvent, CaseStatus, EventKind
from casework.transitions import SPECS
from tests.casework.test_transition_table import PROCEDURE_TABLE

GARBAGE = st.fixed_dictionaries({}, optional={
    "officers": st.just([]),
    "illegal_area": st.sampled_from([Decimal("-1"), Decimal("0"), Decimal("5")]),
    "location": st.sampled_from(["", "某村"]),
    "reason": st.sampled_from(["", "other", "reconsideration", "object_gone"]),
    "explanation": st.sampled_from(["", "原因"]),
    "decision_kind": st.sampled_from(["", "demolish", "rectify", "nonsense"]),
    "self_demolition_days": st.sampled_from([0, 15]),
    "announcement_days": st.sampled_from([3, 10]),
    "demolished_area": st.sampled_from([Decimal("0.5"), Decimal("100000")]),
    "outcome": st.sampled_from(["", "结束"]),
    "party_waived": st.booleans(),
})



class Rollback(Exception):
    pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data(), length=st.integers(1, 25))
def test_random_transition_sequences_respect_the_table(scenario, cast, data, length):
    """Whatever is attempted: a successful step moves the case exactly as procedure.md's table
    says and records one event; a refused step changes nothing; a closed case never changes."""
    people = [cast.officer, cast.officer2, cast.supervisor, cast.negotiator, cast.reviewer, cast.head]
    try:
        with transaction.atomic():
            runner = scenario()
            case = runner.register()
            successes = 0
            for _ in range(length):
                before = Case.objects.get(pk=case.pk)
                # Mostly steps the state allows (to get deep into the procedure), sometimes any.
                possible = sorted(n for n in SPECS if can_proceed(getattr(before, n), check_conditions=False))
                name = data.draw(st.sampled_from(possible) if possible and data.draw(st.integers(0, 9)) < 8
                                 else st.sampled_from(sorted(SPECS)))
                use_plausible_data = data.draw(st.integers(0, 9)) < 7
                actor_index = data.draw(st.integers(0, 5))
                garbage = data.draw(GARBAGE)
                events_before = CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).count()
                try:
                    with transaction.atomic():
                        if use_plausible_data and can_proceed(getattr(before, name), check_conditions=False):
                            runner.case = Case.objects.get(pk=case.pk)
                            runner.run([name])
                        else:
                            from casework.services.cases import case_transition

                            case_transition(case=before, actor=people[actor_index], name=name, data=garbage)
                    succeeded = True
                except CaseworkError:
                    succeeded = False
                after = Case.objects.get(pk=case.pk)
                events = list(CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).order_by("id"))
                if before.status == CaseStatus.CLOSED:
                    assert not succeeded
                    assert (after.status, after.version) == (before.status, before.version)
                if succeeded:
                    successes += 1
                    sources, target = PROCEDURE_TABLE[name]
                    assert before.status in sources
                    expected = before.suspended_from if name == "resume" else target
                    assert after.status == expected
                    assert len(events) == events_before + 1
                    assert (events[-1].transition, events[-1].from_status, events[-1].to_status) == (
                        name, before.status, after.status)
                else:
                    assert after.status == before.status
                    assert len(events) == events_before
                assert len(events) == successes
            event(f"reached {after.status}")
            raise Rollback
    except Rollback:
        pass
