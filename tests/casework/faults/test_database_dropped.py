"""The database connection dropped in the middle of a transition (PostgreSQL: the request's
backend terminated from another connection after the transition wrote its state change, event
and document number, before the commit): everything rolls back, no number is used up, and
the user is asked to try again; trying again works."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseStatus, Document, NumberSequence
from casework.services import hooks
from tests.casework.api.conftest import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class ConnectionDropper:
    """Once armed, terminates the connection the next change to a case runs on, from a second
    connection, inside the change's transaction (after its state change, event and document
    numbers were written), as a PostgreSQL restart or a network cut would."""

    def __init__(self):
        self.armed = False
        self.dropped: list[int] = []

    def arm(self) -> None:
        self.armed = True

    def __call__(self, **kwargs) -> None:
        if not self.armed:
            return
        self.armed = False
        pid = connection.connection.info.backend_pid
        params = {k: v for k, v in connection.get_connection_params().items()
                  if k in {"host", "port", "user", "password", "dbname"}}
        with psycopg.connect(**params, autocommit=True) as other:
            # Waits (up to 10 s) until the backend has exited.
            terminated = other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]
        assert terminated
        self.dropped.append(pid)


@pytest.fixture
def dropper(monkeypatch) -> ConnectionDropper:
    dropper = ConnectionDropper()
    # Last of the case-change hooks, which run inside the transition's transaction.
    monkeypatch.setattr(hooks, "case_changed_hooks", [*hooks.case_changed_hooks, dropper])
    return dropper


def snapshot(case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (case.status, case.version, CaseEvent.objects.filter(case=case).count(),
            Document.objects.filter(case=case).count(),
            sorted(NumberSequence.objects.values_list("series", "year", "last_value")))


def test_page_transition_on_a_dropped_connection_rolls_back_and_asks_to_try_again(case_in, cast, client,
                                                                                  dropper):
    """Filing on its page: a 503 page in Chinese says the request was not completed and to try again; the
    case, its events, documents and every number series are as before; the retry files it
    with the next number."""
    case = case_in(CaseStatus.INSPECTED)
    before = snapshot(case)
    client.force_login(cast.supervisor)
    url = reverse("casework:case_action", args=[case.pk, "file"])
    form = {"occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "opinion": "同意立案。"}

    dropper.arm()
    response = client.post(url, form)

    assert dropper.dropped, "the connection was not dropped"
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "请求未能完成，请重试" in page
    assert f'href="{url}"' in page
    connection.close()  # what Django does with the broken connection when the request ends
    assert snapshot(case) == before

    retry = client.post(url, form)
    assert retry.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    document = Document.objects.get(case=case, document_type="filing_approval")
    numbers_before = {(series, year): value for series, year, value in before[-1]}
    # The failed attempt used no number: the retry takes the next one.
    assert document.sequence == numbers_before.get(("doc:filing_approval", document.year), 0) + 1


def test_api_transition_on_a_dropped_connection_answers_database_unavailable(case_in, cast, dropper):
    """The same through the API: 503 with the error shape, code `database_unavailable`, the
    message in the client's language; nothing changed; the retry succeeds."""
    case = case_in(CaseStatus.INSPECTED)
    before = snapshot(case)
    api = client_for(cast.supervisor, language="en")
    url = f"/api/v1/cases/{case.pk}/transitions/file/"
    body = {"occurred_at": (timezone.now() - timedelta(hours=1)).isoformat()}

    dropper.arm()
    response = api.post(url, body, format="json")

    assert dropper.dropped, "the connection was not dropped"
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json() == {
        "code": "database_unavailable",
        "message": "The connection to the database was interrupted, so your request was not completed. Please try again.",
    }
    connection.close()
    assert snapshot(case) == before

    retry = api.post(url, body, format="json")
    assert retry.status_code == 200, retry.content
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED
