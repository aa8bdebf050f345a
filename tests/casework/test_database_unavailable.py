"""A view failing on the database connection answers 503 "please try again", in the user's
language; other errors are not hidden. (The real dropped connection, on PostgreSQL, is in
tests/casework/faults/test_database_dropped.py.)"""

import pytest
from django.db import OperationalError
from django.urls import reverse

from casework.services import cases

pytestmark = pytest.mark.django_db


def _lose_connection(**kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_page_asks_to_try_again_in_english_on_request(client, case_in, cast, monkeypatch):
    """Accept-Language: en gets the English page, 503 with Retry-After and a link to the form."""
    case = case_in("inspected")
    monkeypatch.setattr(cases, "case_transition", _lose_connection)
    client.force_login(cast.supervisor)
    url = reverse("casework:case_action", args=[case.pk, "file"])
    response = client.post(url, {"occurred_at": "2026-01-05T10:00", "opinion": "同意立案。"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "your request was not completed. Please try again." in page
    assert f'<a href="{url}">Try again</a>' in page


def test_api_error_has_the_error_shape_in_chinese_by_default(case_in, cast, monkeypatch):
    """The API's error shape with code database_unavailable, in Chinese without Accept-Language."""
    from casework.api import views
    from tests.casework.api.conftest import client_for

    case = case_in("inspected")
    monkeypatch.setattr(views, "case_transition", _lose_connection)
    api = client_for(cast.supervisor, language="zh-hans")
    response = api.post(f"/api/v1/cases/{case.pk}/transitions/file/", {"occurred_at": "2026-01-05T10:00:00+08:00"},
                        format="json")
    assert response.status_code == 503
    assert response.json() == {"code": "database_unavailable", "message": "与数据库的连接中断，请求未能完成，请重试。"}


def test_other_errors_are_not_turned_into_try_again(client, case_in, cast, monkeypatch):
    """A programming error stays a server error (500, logged), not a misleading "try again"."""
    case = case_in("inspected")

    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(cases, "case_transition", broken)
    client.force_login(cast.supervisor)
    client.raise_request_exception = False
    response = client.post(reverse("casework:case_action", args=[case.pk, "file"]),
                           {"occurred_at": "2026-01-05T10:00", "opinion": ""})
    assert response.status_code == 500
