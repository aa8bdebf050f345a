"""Reading configuration from the environment, with one-line errors for bad values.

A misconfigured deployment should say which variable is wrong and how to fix it, not show a
traceback from deep inside a library.
"""

import os
import sys
from urllib.parse import urlparse

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
