"""The shared cache (CACHE_URL, Redis) as a copy that may fail: Redis slow or down makes pages
slower, never broken.

Everything this project caches is a copy of what the database holds, kept for at most minutes:
the working calendar and statutory periods, the list filters' choices, sessions (read through
casework/sessions.py), masked document copies. Django's RedisCache raises on every Redis error,
so an unreachable Redis turned every page that reads the calendar into a server error; and
redis-py waits without limit by default, so a Redis host that drops packets held every request.

Here a read that fails is a miss and a write that fails is logged and skipped: the caller then
reads the database, as on a cold cache. After a failure the process leaves Redis alone for
RETRY_AFTER seconds, so an outage costs one timeout per process every few seconds rather than
one per cache call. The timeouts themselves are the OPTIONS in settings (socket_timeout,
socket_connect_timeout).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class SharedRedisCache(RedisCache):
    """Django's RedisCache whose failures are misses (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._unreachable_until = 0.0

    def _attempt(self, failed, method, *args):
        """`method(*args)` (one of RedisCache's), or `failed` when Redis does not answer."""
        if time.monotonic() < self._unreachable_until:
            return failed
        try:
            return method(*args)
        except (RedisError, OSError) as error:
            self._unreachable_until = time.monotonic() + RETRY_AFTER
            logger.warning("Shared cache unreachable (%s: %s); reading the database instead for %s seconds",
                           method.__name__, error, RETRY_AFTER)
            return failed

    def get(self, key, default=None, version=None):
        return self._attempt(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._attempt({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._attempt(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's answer for "these keys were not stored".
        return self._attempt(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        # A delete that fails leaves the old copy until it expires (minutes at most here): the
        # warning says so in the log.
        return self._attempt(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._attempt(None, super().delete_many, keys, version)
