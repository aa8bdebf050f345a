import os

import pytest

# TEST_MEDIA_STORAGE=memory runs the tests with Django's InMemoryStorage as the media storage
# instead of a folder, and fails any test that leaves a file under MEDIA_ROOT: proof that
# documents, attachments and photos go through the storage API only, as they must for an S3
# bucket (see README, "Running on more than one machine").
MEMORY_STORAGE = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded photos and rendered PDFs go to a per-test directory, never to ./data."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if os.environ.get("TEST_MEDIA_STORAGE", "") != "memory":
        yield
        return
    settings.STORAGES = {**settings.STORAGES, "default": MEMORY_STORAGE}
    yield
    leaked = sorted(str(path) for path in (tmp_path / "media").rglob("*") if path.is_file())
    assert leaked == [], f"files written through a local path instead of the storage: {leaked}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached reference data (calendar, periods) must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
