"""Health endpoint for load balancers and operators: is the database reachable, is the broker?"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not reachable" to the caller
        return False, f"{type(error).__name__}: {error}"
    return True, connection.vendor


def _check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "in-process (no broker configured)"
    from config.celery_app import app

    try:
        with app.connection_for_write() as broker:
            # One immediate retry, no 2 s back-off: a load balancer's probe wants an answer now.
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=3)
    except Exception as error:  # kombu raises OperationalError and socket errors
        return False, f"{type(error).__name__}: {error}"
    return True, app.conf.broker_url.split("@")[-1]


@never_cache
@require_GET
def healthz(request):
    database_ok, database_detail = _check_database()
    broker_ok, broker_detail = _check_broker()
    healthy = database_ok and broker_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": database_ok, "detail": database_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if healthy else 503)
