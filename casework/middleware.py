"""Turn a lost database connection into a "please try again" answer instead of a server error.

When the connection drops in the middle of a request (PostgreSQL restarted or failed over, the
backend terminated, a network cut), PostgreSQL rolls back the transaction that was open, so a
step caught mid-way leaves nothing behind: no state change, no event, no document number.
The user is told the request was not completed, in their language, with HTTP 503 and
Retry-After: a page for the browser, the API's error shape with the code
`database_unavailable` for API clients. Trying again is safe: a step that did commit before
the drop is refused on retry with the usual reason (the case is no longer in that state).
Django closes the broken connection at the end of the request; the next one connects afresh.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """Answer 503 with a retry message when a view fails on the database connection."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # OperationalError: the connection was lost or refused (also a deadlock or a
        # serialization failure, which a retry resolves too); InterfaceError: a connection
        # that was already closed was used.
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path,
                     exc_info=exception)
        message = _("The connection to the database was interrupted, so your request was not completed. Please try again.")
        if request.path.startswith("/api/"):
            from casework.api.exceptions import error_body

            response = JsonResponse(error_body("database_unavailable", message), status=503)
        else:
            # No request context: its processors read the database, which just failed.
            html = render_to_string("database_unavailable.html", {"message": message, "retry_url": request.get_full_path()})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class RefuseNulMiddleware:
    """Answer 400 to an address holding a NUL character (%00), which only a hand-made link has.

    PostgreSQL refuses a NUL in any text, so such a value reaching a query was a server error:
    the pages' own filters drop or refuse it, but the admin's change-list filters and any future
    page would not. Form fields already refuse it (Django's ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            message = _("The address holds a character that no page uses (NUL). Check the link.")
            if request.path.startswith("/api/"):
                from casework.api.exceptions import error_body

                return JsonResponse(error_body("invalid_address", message), status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
