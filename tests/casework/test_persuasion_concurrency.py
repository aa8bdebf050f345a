import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from casework.deadlines.calendar import local_date
from casework.errors import CaseworkError
from casework.models import Case, CaseStatus, DocumentType, Talk
from casework.services.persuasion import talk_log


@pytest.mark.postgres
def test_two_negotiators_committing_at_once_commit_once(transactional_db, case_in, cast, squad):
    """Two talks with a commitment submitted at the same moment on PostgreSQL: the case row lock
    makes them queue; the first commits, the second is refused (the case is already committed)
    and leaves no talk, event or document behind."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    from .conftest import make_user

    case = case_in("persuading")
    second = make_user("negotiator2", squad, is_negotiator=True)
    case.negotiators.add(second)
    today = local_date(timezone.now())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(actor):
        try:
            barrier.wait()
            talk_log(case=Case.objects.get(pk=case.pk), actor=actor, kind="persuade", attitude="cooperative",
                     place="现场", owner_attendees="张伟", commitment_date=today + dt.timedelta(days=5))
            outcomes.append("ok")
        except CaseworkError as error:
            outcomes.append(error.code)
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(who,)) for who in (cast.negotiator, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["guard_failed", "ok"]
    case.refresh_from_db()
    assert case.status == CaseStatus.SELF_DEMOLITION_COMMITTED
    assert Talk.objects.filter(case=case).count() == 1
    assert case.documents.filter(document_type=DocumentType.SELF_DEMOLITION_COMMITMENT).count() == 1
    assert case.documents.filter(document_type=DocumentType.TALK_RECORD).count() == 1
