"""Reading configuration from the environment, with one-line errors for bad values.

A misconfigured deployment should say which variable is wrong and how to fix it, not show a
traceback from deep inside a library.
"""

import os
import re
import sys
from urllib.parse import parse_qs, urlparse

import dj_database_url


class ConfigurationError(Exception):
    """A setting read from the environment is missing or malformed."""


def fail(message: str) -> None:
    """Stop start-up with one readable line (a traceback hides the message operators need)."""
    sys.stderr.write(f"Configuration error: {message}\n")
    raise SystemExit(2)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    fail(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")
    return default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str, *, conn_max_age: int) -> dict:
    """Turn DATABASE_URL into Django's DATABASES entry, or stop with a clear message."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        fail(
            f"DATABASE_URL={url!r} cannot be used: expected sqlite:///path/to/file.sqlite3 "
            "or postgres://user:password@host:5432/dbname."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except Exception as error:  # dj-database-url raises several types for bad URLs
        fail(f"DATABASE_URL={url!r} cannot be parsed ({error}).")
    if scheme != "sqlite" and not config.get("NAME"):
        fail(f"DATABASE_URL={url!r} names no database; add it after the host, e.g. /demolition.")
    return config


def validate_broker_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in {"redis", "rediss", "amqp", "amqps", "pyamqp"} or not parsed.hostname:
        fail(
            f"CELERY_BROKER_URL={url!r} cannot be used: expected redis://host:6379/0 "
            "(or amqp://user:password@host:5672//); leave it unset to run tasks in-process."
        )
    try:
        parsed.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError:
        fail(f"CELERY_BROKER_URL={url!r} has an invalid port.")
    return url


S3_QUERY_OPTIONS = {"endpoint": "endpoint_url", "region": "region_name", "addressing_style": "addressing_style"}


def media_storage(url: str, *, access_key: str = "", secret_key: str = "") -> dict:
    """The STORAGES["default"] entry for MEDIA_STORAGE_URL, or stop with a clear message.

    Unset or ``file:`` is a folder (MEDIA_ROOT), which several machines share over NFS.
    ``s3://bucket/optional/prefix?endpoint=https://host:9000&region=cn-south-1`` is an
    S3-compatible bucket (AWS, MinIO, Ceph, OSS, COS...) through django-storages; the keys come
    from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or boto3's other usual sources when unset).
    """
    if not url or url in {"file:", "file://"}:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parsed = urlparse(url)
    example = "s3://bucket-name/optional-prefix?endpoint=https://s3.example.cn&region=cn-south-1"
    if parsed.scheme != "s3":
        fail(f"MEDIA_STORAGE_URL={url!r} cannot be used: expected {example}, or leave it unset for MEDIA_ROOT.")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,62}", parsed.netloc):
        fail(f"MEDIA_STORAGE_URL={url!r} names no valid bucket (lower-case letters, digits, dots and "
             f"hyphens): expected {example}.")
    query = parse_qs(parsed.query)
    unknown = sorted(set(query) - set(S3_QUERY_OPTIONS))
    if unknown:
        fail(f"MEDIA_STORAGE_URL={url!r} has unknown options {', '.join(unknown)}; "
             f"known: {', '.join(S3_QUERY_OPTIONS)}.")
    options = {
        "bucket_name": parsed.netloc,
        "location": parsed.path.strip("/"),
        # Evidence is personal data: objects stay private (the bucket's own policy) and are only
        # ever streamed by the application after its permission check, never linked to.
        "default_acl": None,
        "querystring_auth": True,
        # Two uploads that pick the same name must not replace each other's file.
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    for key, option in S3_QUERY_OPTIONS.items():
        if key in query:
            options[option] = query[key][-1]
    endpoint = options.get("endpoint_url")
    if endpoint and urlparse(endpoint).scheme not in {"http", "https"}:
        fail(f"MEDIA_STORAGE_URL={url!r}: endpoint must be an http:// or https:// address.")
    if access_key:
        options["access_key"] = access_key
    if secret_key:
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
