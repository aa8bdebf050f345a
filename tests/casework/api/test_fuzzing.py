"""Fuzzing the API with schemathesis against its own OpenAPI schema, in-process (WSGI).

Bounded for CI: FUZZ_EXAMPLES examples per operation and generation mode (default 12; set
API_FUZZ_EXAMPLES for a longer run). Half the requests target real objects (a case the caller
may change and one of its documents), so bodies reach the services and their guards.
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


FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.django_db
def test_fuzzing_finds_no_server_error_and_no_response_off_the_schema(case_in, cast, squad, keep_the_test_connection):
    """For every operation of the schema, valid and invalid generated requests never get a 500,
    every response's status, content type and body are as the schema says, and invalid data is
    refused with a 4xx."""
    case = case_in("decided")
    document = case.documents.filter(document_type="demolition_decision").first()
    # One person with every squad-bound role, so requests get past the role checks to the guards.
    fuzzer = make_user("fuzzer", squad, is_field_officer=True, is_supervisor=True, is_negotiator=True,
                       certificate_number="44060123999")
    headers = {"Authorization": f"Token {api_token_issue(user=fuzzer)}", "Accept-Language": "en"}
    schema = from_wsgi("/api/v1/schema/", application)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        real = {}
        if "{id}" in operation.path:
            real = {"id": document.pk if operation.path.startswith("/api/v1/documents/") else case.pk}
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if real:
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in GenerationMode]

        @settings(max_examples=FUZZ_EXAMPLES * len(strategies), deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(st.one_of(strategies))
        def run(generated):
            checks = [*CHECKS, negative_data_rejection] if generated.meta and \
                generated.meta.generation.mode == GenerationMode.NEGATIVE else CHECKS
            generated.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
