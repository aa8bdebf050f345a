"""DRF permission classes over casework.authorization: the API asks the same rules as the pages.

A view names the action of each method (`authorization_actions = {"POST": "upload_attachment"}`).
An action over the office's data (figures) is a 403 for a role without it; for an action on a
case, a case the caller may not read is a 404 (ApiView.visible_case), so its existence does not
leak, and a case one reads but may not act on is a 403 (`has_object_permission`, or the
service's refusal with its reason).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from casework import authorization


def view_action(request, view) -> str | None:
    return getattr(view, "authorization_actions", {}).get(request.method)


class ActionPermission(permissions.BasePermission):
    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        action = view_action(request, view)
        if action is None or authorization.rule(action).on_case:
            return True  # checked on the case (has_object_permission), after the 404 for unreadable ones
        return bool(authorization.granting_roles(request.user, action))

    def has_object_permission(self, request, view, obj) -> bool:
        action = view_action(request, view)
        if action is None or not authorization.rule(action).on_case:
            return True
        case = getattr(obj, "case", obj)
        denied = authorization.refusal(request.user, action, case=case)
        if denied:
            self.message = denied.message
        return denied is None
