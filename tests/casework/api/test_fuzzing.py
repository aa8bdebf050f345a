"""Fuzzing the API with schemathesis against its own OpenAPI schema, in-process (WSGI).

Bounded for CI: FUZZ_EXAMPLES examples per operation and strategy (default 8; set
API_FUZZ_EXAMPLES for a longer run). Besides requests with generated ids, some target real
objects (a case the caller may change, one of its documents) and some carry valid bodies that
name real rows (the community, officers, negotiators), so requests reach the services and their
guards, and some succeed.
"""

import os

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from casework.services.api_tokens import api_token_issue
from config.wsgi import application
from tests.casework.conftest import make_user


@pytest.fixture
def keep_the_test_connection():
    """Called through plain WSGI, Django would close the database connection at each request's
    start and end, and with it the test's transaction; Django's test client avoids this the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def with_real_ids(generated):
    """Point a generated body's references at rows that exist: the fuzzer's community and squad."""
    body = generated.body
    if isinstance(body, dict):
        for name, value in REAL_IDS.items():
            if name in body:
                body[name] = value
    return generated


REAL_IDS: dict = {}


def fuzz(strategies, headers: dict, seen: set) -> None:
    """Run FUZZ_EXAMPLES examples per strategy, checking each response; note the statuses seen."""

    @settings(max_examples=FUZZ_EXAMPLES * len(strategies), deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(strategies))
    def run(generated):
        negative = generated.meta and generated.meta.generation.mode == GenerationMode.NEGATIVE
        # A multipart form cannot tell a one-element (or empty) list from a single (or absent)
        # value, so "invalid" multipart bodies are often valid ones on the wire: judge those
        # by the other checks only.
        multipart = generated.media_type == "multipart/form-data"
        checks = [*CHECKS, negative_data_rejection] if negative and not multipart else CHECKS
        seen.add(generated.call_and_validate(headers=headers, checks=checks).status_code)

    run()


@pytest.mark.django_db
def test_fuzzing_finds_no_server_error_and_no_response_off_the_schema(case_in, cast, squad, community,
                                                                     keep_the_test_connection):
    """For every operation of the schema, valid and invalid generated requests never get a 500,
    every response's status, content type and body are as the schema says, and invalid data is
    refused with a 4xx."""
    case = case_in("decided")
    document = case.documents.filter(document_type="demolition_decision").first()
    # One person with every squad-bound role, so requests get past the role checks to the guards.
    fuzzer = make_user("fuzzer", squad, is_field_officer=True, is_supervisor=True, is_negotiator=True,
                       certificate_number="44060123999")
    REAL_IDS.update(community=community.pk, officers=[cast.officer.pk, cast.officer2.pk],
                    negotiators=[cast.negotiator.pk])
    schema = from_wsgi("/api/v1/schema/", application)
    failures = []
    statuses: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        # A fresh token per operation: fuzzing DELETE /auth/token/ revokes the one it is sent with.
        headers = {"Authorization": f"Token {api_token_issue(user=fuzzer)}", "Accept-Language": "en"}
        seen = statuses.setdefault(operation.label, set())
        real = {}
        if "{id}" in operation.path:
            real = {"id": document.pk if operation.path.startswith("/api/v1/documents/") else case.pk}
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if real:
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in GenerationMode]
        # Valid bodies naming real rows (the community, the officers), so some requests succeed.
        strategies.append(operation.as_strategy(path_parameters=real or None).map(with_real_ids))

        try:
            fuzz(strategies, headers, seen)
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {error}")
    print(sorted((label, sorted(seen)) for label, seen in statuses.items()))
    assert not failures, "\n\n".join(failures)
    # Every operation was reached past authentication, so the run tested more than the 401.
    assert not [label for label, seen in statuses.items() if seen <= {401}], statuses
