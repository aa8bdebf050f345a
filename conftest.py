import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded photos and rendered PDFs go to a per-test directory, never to ./data."""
    settings.MEDIA_ROOT = tmp_path / "media"
