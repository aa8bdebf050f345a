"""Keys for the JSON API: issued on login, revoked by a password change or on request."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from casework.models import ApiToken, User


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User) -> str:
    """A new key for `user`; only its digest is kept, so this is the one time it is seen."""
    key = secrets.token_hex(20)
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, key_digest=api_token_digest(key), prefix=key[:8],
            password_fingerprint=user.get_session_auth_hash(),
        )
    return key


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()
