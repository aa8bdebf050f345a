"""A NUL (%00) in an address is refused with 400 before any page runs: PostgreSQL refuses it in
any text, so it must never reach a query (the admin's filters had no other guard)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.casework.conftest import make_user


@pytest.fixture
def administrator(db):
    return make_user("admin1", None, is_administrator=True, is_staff=True, is_superuser=True)


def test_the_admin_change_list_filter_with_a_nul_is_a_bad_request(client, administrator):
    client.force_login(administrator)
    url = reverse("admin:casework_case_changelist")
    assert client.get(url, {"status__exact": "reported"}).status_code == 200
    response = client.get(url + "?status__exact=a%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_api_answers_its_error_shape(administrator):
    api = APIClient()
    api.force_authenticate(administrator)
    response = api.get(reverse("api:case_list") + "?q=%E8%BF%9D%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_address"


def test_a_nul_in_the_path_is_refused_and_an_encoded_percent_is_not(client, administrator):
    client.force_login(administrator)
    assert client.get("/verify/AB%00CD").status_code == 400
    # "%2500" is the text "%00" typed into a search box: an ordinary search.
    assert client.get(reverse("casework:case_list") + "?q=%2500").status_code == 200
