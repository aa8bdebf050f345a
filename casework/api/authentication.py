from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from casework.models import ApiToken
from casework.services.api_tokens import api_token_digest, api_token_revoke


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`; a key issued before the last password change is refused
    (and deleted), as Django refuses a session after a password change."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give “Token” and the key, nothing else."))
        try:
            key = header[1].decode("ascii")
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        token = ApiToken.objects.select_related("user").filter(key_digest=api_token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = token.user
        if not constant_time_compare(token.password_fingerprint, user.get_session_auth_hash()):
            api_token_revoke(token=token)
            raise exceptions.AuthenticationFailed(_("The password was changed; log in again for a new token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("Your account is disabled."))
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casework.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Token <key>”, the key from POST /api/v1/auth/token/."),
        }
