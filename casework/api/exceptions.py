"""Every API error in one shape: {code, message, fields?, guards?}, in the request's language."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from casework.errors import CaseworkError, ConcurrentChange, GuardsFailed, InvalidInput, NotAllowed

MAX_BODY_BYTES = 25 * 1024 * 1024


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("The request is larger than 25 MB.")


class UnknownTransition(exceptions.NotFound):
    default_code = "unknown_transition"


# Codes of DRF's own exceptions, renamed where the domain already has a word for it.
CODE_NAMES = {"permission_denied": "forbidden", "invalid": "invalid"}


class GuardSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    basis = serializers.CharField(allow_blank=True)
    field = serializers.CharField(allow_null=True, required=False)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response (only for the schema; the handler builds the dict)."""

    code = serializers.CharField(help_text=_("A stable code: invalid, guard_failed, conflict, forbidden, not_found, …"))
    message = serializers.CharField(help_text=_("A sentence for the user, in the language of Accept-Language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text=_("Messages per input field (dotted for nested fields, e.g. party.identifier)."),
    )
    guards = GuardSerializer(many=True, required=False, help_text=_("Every unmet statutory condition."))


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"party.identifier": [...], "officers.1": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def error_body(code: str, message: str, *, fields: dict | None = None, guards: list | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = {str(name): [str(m) for m in messages] for name, messages in fields.items()}
    if guards:
        body["guards"] = [
            {"code": g.code, "message": str(g.message), "basis": g.basis or "", "field": g.field} for g in guards
        ]
    return body


def _domain_error(exc: CaseworkError) -> Response:
    if isinstance(exc, GuardsFailed):
        return Response(error_body(exc.code, exc.message, guards=exc.guards), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConcurrentChange):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowed):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, InvalidInput):
        return Response(error_body(exc.code, exc.message, fields=exc.fields), status=status.HTTP_400_BAD_REQUEST)
    return Response(error_body(exc.code, exc.message), status=status.HTTP_400_BAD_REQUEST)


def api_exception_handler(exc, context):
    """DRF's exception handler for the whole API (settings.REST_FRAMEWORK)."""
    if isinstance(exc, CaseworkError):
        set_rollback()
        return _domain_error(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(gettext("The request could not be read."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        first = next(iter(fields.values()))[0] if fields else gettext("The data is not valid.")
        message = gettext("Check the data: %(message)s") % {"message": first}
        return Response(error_body("invalid", message, fields=fields), status=exc.status_code, headers=headers)
    detail = exc.detail
    if isinstance(detail, (list, dict)):
        fields = flatten_errors(detail)
        message = next(iter(fields.values()))[0] if fields else str(exc.default_detail)
        code = exc.default_code
    else:
        message = str(detail)
        code = getattr(detail, "code", None) or exc.default_code
    code = CODE_NAMES.get(code, code)
    return Response(error_body(code, message), status=exc.status_code, headers=headers)
