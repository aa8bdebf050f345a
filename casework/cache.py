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

    def _attempt(self, operation: str, call, failed):
        if time.monotonic() < self._unreachable_until:
            return failed
        try:
            return call()
        except (RedisError, OSError) as error:
            self._unreachable_until = time.monotonic() + RETRY_AFTER
            logger.warning("Shared cache unreachable (%s: %s); reading the database instead for %s seconds",
                           operation, error, RETRY_AFTER)
            return failed

    def get(self, key, default=None, version=None):
        return self._attempt("get", lambda: super(SharedRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._attempt("get_many", lambda: super(SharedRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._attempt("has_key", lambda: super(SharedRedisCache, self).has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt("set", lambda: super(SharedRedisCache, self).set(key, value, timeout, version), None)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt("add", lambda: super(SharedRedisCache, self).add(key, value, timeout, version), False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's answer for "these keys were not stored".
        return self._attempt("set_many", lambda: super(SharedRedisCache, self).set_many(data, timeout, version),
                             list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt("touch", lambda: super(SharedRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        # A delete that fails leaves the old copy until it expires (minutes at most here): the
        # warning says so in the log.
        return self._attempt("delete", lambda: super(SharedRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        self._attempt("delete_many", lambda: super(SharedRedisCache, self).delete_many(keys, version), None)
