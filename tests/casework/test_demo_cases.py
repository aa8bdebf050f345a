from casework.demo_cases import DEMO_CASES, load_demo_cases
from casework.models import Case, CaseEvent, CaseStatus


def test_demo_cases_cover_every_state_and_load_once(cast, community):
    """The demo has a case in every state of procedure.md, including the source article's
    8,000 m², 1,000 m² and 800 m² structures; loading again adds nothing."""
    assert load_demo_cases(cast=cast, communities=[community]) == len(DEMO_CASES)
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert {"8000.00", "1000.00", "800.00"} <= {str(a) for a in Case.objects.values_list("illegal_area", flat=True)}
    events = CaseEvent.objects.count()
    assert load_demo_cases(cast=cast, communities=[community]) == 0
    assert Case.objects.count() == len(DEMO_CASES)
    assert CaseEvent.objects.count() == events
