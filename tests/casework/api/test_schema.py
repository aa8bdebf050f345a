"""The OpenAPI document describes each transition's data, and the interactive page works offline."""

import inspect
import re

import pytest
import yaml
from django.contrib.staticfiles import finders

from casework.api.transition_inputs import TRANSITION_INPUTS, TransitionInput
from casework.services import cases as case_services
from casework.services.persuasion import talk_log
from casework.transitions import SPECS

PLUMBING = {"case", "actor", "occurred_at", "expected_version"}


def test_every_transition_has_an_input():
    """procedure.md's transitions and the API's inputs name the same transitions."""
    assert set(TRANSITION_INPUTS) == set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_input_takes_the_fields_of_its_typed_service(name):
    """Each transition's input has exactly the data arguments of case_<name>, required where the
    service has no default."""
    service = getattr(case_services, f"case_{name}")
    parameters = {p.name: p for p in inspect.signature(service).parameters.values() if p.name not in PLUMBING}
    fields = {k: f for k, f in TRANSITION_INPUTS[name]().fields.items() if k not in TransitionInput().fields}
    assert set(fields) == set(parameters)
    for field_name, parameter in parameters.items():
        required = parameter.default is inspect.Parameter.empty
        assert fields[field_name].required == required, field_name


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_describes_each_transition_and_its_data(schema):
    """Each transition has its own operation whose request body lists the data it needs."""
    components = schema["components"]["schemas"]
    for name, input_class in TRANSITION_INPUTS.items():
        operation = schema["paths"][f"/api/v1/cases/{{id}}/transitions/{name}/"]["post"]
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = components[reference.rsplit("/", 1)[1]]
        assert set(body["properties"]) == set(input_class().fields)
        assert "occurred_at" in body["required"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    assert components["Error"]["required"] == ["code", "message"]


def test_the_schema_names_every_endpoint_of_the_issue(schema):
    """All endpoints of the issue, and the lookups the field app fills ids from, are in the document."""
    expected = {
        ("/api/v1/auth/token/", "post"), ("/api/v1/cases/", "get"), ("/api/v1/cases/", "post"),
        ("/api/v1/cases/{id}/", "get"), ("/api/v1/cases/{id}/transitions/", "get"),
        ("/api/v1/cases/{id}/events/", "get"), ("/api/v1/cases/{id}/photos/", "post"),
        ("/api/v1/cases/{id}/talks/", "get"), ("/api/v1/cases/{id}/talks/", "post"),
        ("/api/v1/cases/{id}/documents/", "get"), ("/api/v1/documents/{id}/service/", "post"),
        ("/api/v1/overdue/", "get"), ("/api/v1/stats/", "get"),
        ("/api/v1/communities/", "get"), ("/api/v1/people/", "get"),
    }
    present = {(path, method) for path, operations in schema["paths"].items() for method in operations}
    assert expected <= present


def test_the_talk_input_is_described_and_people_carry_no_personal_data(schema):
    """The talk's request body names every argument of talk_log the caller gives; a person in
    the lookup has no phone or other personal field."""
    components = schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/cases/{id}/talks/"]["post"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = components[reference.rsplit("/", 1)[1]]
    parameters = set(inspect.signature(talk_log).parameters) - {"case", "actor", "attachments"}
    assert set(body["properties"]) == parameters
    assert set(body["required"]) == {"kind", "attitude", "place", "owner_attendees"}
    assert {"201", "400", "403", "404", "409"} <= set(operation["responses"])
    person = schema["paths"]["/api/v1/people/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    row = components[person["$ref"].rsplit("/", 1)[1]]["properties"]["results"]["items"]["$ref"]
    assert set(components[row.rsplit("/", 1)[1]]["properties"]) == {"id", "name", "squad", "roles"}


def test_the_interactive_documentation_needs_no_internet(client, db):
    """/api/v1/docs/ loads Swagger UI from the project's own static files, nothing from elsewhere."""
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert not [url for url in sources if url.startswith(("http:", "https:", "//"))]
    for url in sources:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    assert "swagger-ui" in html
