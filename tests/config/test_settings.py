"""Start-up configuration read from the environment, checked in a fresh interpreter each time.

Settings are read once per process, so each case starts `django.setup()` in a subprocess with
its own environment, as a deployment would.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CONFIG_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATA_DIR", "CACHE_URL")
SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, "
    "'secret_key': s.SECRET_KEY, 'allowed_hosts': s.ALLOWED_HOSTS, 'media_root': str(s.MEDIA_ROOT)}))"
)


def start(tmp_path, code="import django; django.setup()", **variables) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def assert_one_line_error(result, variable: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert variable in lines[0]
    return lines[0]


def test_defaults_are_sqlite_in_the_data_folder_and_tasks_in_process(tmp_path):
    """With nothing set: a SQLite file in DATA_DIR, eager tasks, DEBUG on with a development key."""
    result = start(tmp_path, SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(tmp_path / "db.sqlite3")
    assert shown["media_root"] == str(tmp_path / "media")
    assert shown["eager"] is True
    assert shown["debug"] is True
    assert shown["secret_key"].startswith("development-only")


def test_postgres_url_and_redis_broker_switch_to_production_services(tmp_path):
    """A postgres:// DATABASE_URL selects PostgreSQL; a redis:// broker turns eager tasks off."""
    result = start(
        tmp_path,
        SHOW_SETTINGS,
        DATABASE_URL="postgres://casework:secret@db.internal:5432/demolition",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "demolition"
    assert shown["eager"] is False
    assert shown["broker"] == "redis://redis.internal:6379/0"


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/demolition", "not a url", "postgres://postgres@127.0.0.1:5432"],
)
def test_unusable_database_url_stops_with_one_line_naming_it(tmp_path, url):
    """An unsupported, unparsable or database-less DATABASE_URL: one line naming it, exit 2."""
    assert_one_line_error(start(tmp_path, DATABASE_URL=url), "DATABASE_URL")


@pytest.mark.parametrize(
    "url", ["localhost:6379", "http://127.0.0.1:6379/0", "redis://", "redis://127.0.0.1:port/0"]
)
def test_unusable_broker_url_stops_with_one_line_naming_it(tmp_path, url):
    """A CELERY_BROKER_URL that is not a usable broker address: one line naming it, exit 2."""
    assert_one_line_error(start(tmp_path, CELERY_BROKER_URL=url), "CELERY_BROKER_URL")


def test_debug_off_without_secret_key_says_what_to_set(tmp_path):
    """DEBUG=0 and no SECRET_KEY refuses to start and tells the operator to set SECRET_KEY."""
    line = assert_one_line_error(start(tmp_path, DEBUG="0"), "SECRET_KEY")
    assert "DEBUG is off" in line


def test_debug_off_with_secret_key_starts_with_the_given_key_and_hosts(tmp_path):
    """DEBUG=0 with SECRET_KEY and ALLOWED_HOSTS starts and uses exactly those values."""
    result = start(
        tmp_path, SHOW_SETTINGS, DEBUG="0", SECRET_KEY="k" * 50, ALLOWED_HOSTS="zhifa.example.cn, 10.0.0.5"
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["debug"] is False
    assert shown["secret_key"] == "k" * 50
    assert shown["allowed_hosts"] == ["zhifa.example.cn", "10.0.0.5"]


def test_debug_that_is_not_a_boolean_stops_with_one_line(tmp_path):
    """DEBUG=maybe is refused with one line naming DEBUG, rather than read as on or off."""
    assert_one_line_error(start(tmp_path, DEBUG="maybe"), "DEBUG")


def test_readme_documents_every_environment_variable_the_settings_read():
    """Each variable config/settings.py reads from the environment has a row in README.md."""
    source = (BASE_DIR / "config" / "settings.py").read_text()
    variables = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "EMAIL_BACKEND"} <= variables
    readme = (BASE_DIR / "README.md").read_text()
    undocumented = sorted(name for name in variables if f"`{name}`" not in readme)
    assert undocumented == []


SHOW_STORAGE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from django.core.files.storage import storages; d = storages['default']; "
    "print(json.dumps({'backend': s.STORAGES['default']['BACKEND'], 'class': type(d).__name__, "
    "'bucket': getattr(d, 'bucket_name', None), 'location': str(d.location), "
    "'endpoint': getattr(d, 'endpoint_url', None), 'region': getattr(d, 'region_name', None), "
    "'overwrite': getattr(d, 'file_overwrite', None)}))"
)


def test_media_storage_defaults_to_a_folder(tmp_path):
    """Without MEDIA_STORAGE_URL, documents and attachments go to the MEDIA_ROOT folder."""
    result = start(tmp_path, SHOW_STORAGE, MEDIA_ROOT=str(tmp_path / "shared"))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["class"] == "FileSystemStorage"
    assert shown["location"] == str(tmp_path / "shared")


def test_s3_media_storage_url_selects_an_s3_bucket(tmp_path):
    """s3://bucket/prefix?endpoint=...&region=... selects django-storages' S3Storage with that
    bucket, prefix, endpoint and region, and never overwrites an existing object."""
    result = start(tmp_path, SHOW_STORAGE,
                   MEDIA_STORAGE_URL="s3://casework-media/shishan?endpoint=http://127.0.0.1:9000&region=cn-south-1",
                   AWS_ACCESS_KEY_ID="key", AWS_SECRET_ACCESS_KEY="secret")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {"backend": "storages.backends.s3.S3Storage", "class": "S3Storage", "bucket": "casework-media",
                     "location": "shishan", "endpoint": "http://127.0.0.1:9000", "region": "cn-south-1",
                     "overwrite": False}


@pytest.mark.parametrize("url", ["ftp://host/media", "s3://", "s3://Bad_Bucket/x", "s3://bucket?endpoint=127.0.0.1",
                                 "s3://bucket?secret=x"])
def test_unusable_media_storage_url_stops_with_one_line(tmp_path, url):
    """A media storage URL that cannot be used stops start-up with one line naming the variable."""
    assert_one_line_error(start(tmp_path, MEDIA_STORAGE_URL=url), "MEDIA_STORAGE_URL")


def test_sessions_are_read_through_the_cache_only_when_it_is_shared(tmp_path):
    """CACHE_URL (Redis, shared by every process) reads sessions through it; without it each
    process has its own cache, which could keep serving a session another process ended."""
    code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_ENGINE)"
    shared = start(tmp_path, code, CACHE_URL="redis://redis.internal:6379/1")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip() == "casework.sessions"
    alone = start(tmp_path, code)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.strip() == "django.contrib.sessions.backends.db"
