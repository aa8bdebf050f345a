"""/healthz: database and broker reachability as JSON, 200 when both answer, 503 otherwise."""

import pytest

from config.celery_app import app


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    """With the configured database and broker (or in-process tasks) reachable: 200, both ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": body["database"]["detail"]}
    assert body["database"]["detail"] in {"sqlite", "postgresql"}
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_with_the_reason_when_the_broker_is_unreachable(client, settings, monkeypatch):
    """A broker nobody listens on: 503, broker not ok with the connection error, database still ok."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "127.0.0.1:1" in body["broker"]["detail"]
    assert "refused" in body["broker"]["detail"].lower()


@pytest.mark.worker
@pytest.mark.django_db
def test_healthz_reaches_the_real_broker(client):
    """On the CI services run, the broker check goes to Redis (not in-process) and succeeds."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "detail": app.conf.broker_url.split("@")[-1]}
    assert response.json()["broker"]["detail"].startswith("redis://")


def test_healthz_refuses_other_methods(client):
    """Only GET: a POST is 405 and touches nothing."""
    assert client.post("/healthz").status_code == 405
