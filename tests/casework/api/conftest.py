import io

import pytest
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient

from casework.services.api_tokens import api_token_issue
from tests.casework.conftest import make_user


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The token endpoint's attempt counter lives in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; these tests log in often and test tokens, not hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user=None, language: str = "en") -> APIClient:
    """An API client speaking `language`, authenticated with a real token of `user` (if any)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


@pytest.fixture
def api():
    return client_for


@pytest.fixture
def admin_user(db):
    return make_user("admin", None, is_administrator=True)


@pytest.fixture
def nobody(squad):
    """An active person of the squad without any role."""
    return make_user("nobody", None)


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
