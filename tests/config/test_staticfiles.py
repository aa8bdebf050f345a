"""The production static storage answers {% static %} as Django's manifest storage does, and
keeps answering the same once it remembers the addresses."""

import json

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from config.staticfiles import StaticFilesStorage


@pytest.fixture
def manifest_dir(tmp_path):
    paths = {"viewflow/js/viewflow.min.js": "viewflow/js/viewflow.min.0123abcd.js",
             "casework/casework.css": "casework/casework.89ef4567.css",
             "fonts/a b.woff2": "fonts/a b.11aa22bb.woff2"}
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1", "hash": "x"}))
    return tmp_path


def storages(location):
    return (StaticFilesStorage(location=location, base_url="/static/"),
            ManifestStaticFilesStorage(location=location, base_url="/static/"))


def test_addresses_are_the_manifest_storage_s_first_time_and_after(manifest_dir, settings):
    """Hashed names, fragments, the @font-face ?# hack and quoting: the same as Django's, twice."""
    settings.DEBUG = False
    ours, django_s = storages(manifest_dir)
    names = ["viewflow/js/viewflow.min.js", "casework/casework.css", "casework/casework.css#top",
             "casework/casework.css?#iefix", "fonts/a b.woff2", "fonts/"]
    first = [ours.url(name) for name in names]
    assert first[0] == "/static/viewflow/js/viewflow.min.0123abcd.js"
    assert first == [django_s.url(name) for name in names]
    assert [ours.url(name) for name in names] == first


def test_a_name_missing_from_the_manifest_fails_every_time(manifest_dir, settings):
    settings.DEBUG = False
    ours, _ = storages(manifest_dir)
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("nowhere.js")


def test_debug_and_force_are_not_remembered(manifest_dir, settings):
    """With DEBUG on the unhashed address, as Django answers, even after a hashed one was remembered."""
    settings.DEBUG = False
    ours, _ = storages(manifest_dir)
    assert ours.url("casework/casework.css") == "/static/casework/casework.89ef4567.css"
    settings.DEBUG = True
    assert ours.url("casework/casework.css") == "/static/casework/casework.css"
    assert ours.url("casework/casework.css", force=True) == "/static/casework/casework.89ef4567.css"
