"""Sessions kept in PostgreSQL and read through the shared cache (SESSION_ENGINE when CACHE_URL
is set; see docs/security.md).

Django's database engine reads the session row on every request. With a shared cache (Redis)
this engine reads the cache instead and goes to the database only on a miss; every write goes
to the database first, then to the cache, so the database stays the record that survives a
Redis restart and that `sessions_clear_expired` cleans.

Two differences from Django's `cached_db`:

- A cached copy lives at most CACHE_SECONDS (and never past the session's own expiry). A
  session ended without going through this engine (its row deleted in the admin or by SQL) or
  whose cache delete failed while Redis was unreachable thus stops working within that time,
  not up to a working day later. A signed-in user writes the session at least once a minute
  while active (casework.security stamps the last activity), which renews the copy, so an
  active user still costs no session query.
- Redis being unreachable degrades to Django's database engine (logged) instead of failing
  every page: Django's engine only tolerates a failed read, not the write that follows it.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5 * 60


class SessionStore(CachedDBStore):
    def _cache_seconds(self, **kwargs) -> int:
        return max(0, min(CACHE_SECONDS, self.get_expiry_age(**kwargs)))

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Session cache unreadable; reading the session from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self._cache_seconds(expiry=stored.expire_date))
        except Exception:
            logger.warning("Session cache unwritable", exc_info=True)
        return data

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self._cache_seconds())
        except Exception:
            logger.warning("Session cache unwritable", exc_info=True)

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            # The row is gone; a copy left in the cache expires within CACHE_SECONDS.
            logger.warning("Session cache unwritable; a cached copy of the ended session may outlive it "
                           "by up to %s seconds", CACHE_SECONDS, exc_info=True)

    def exists(self, session_key):
        # Asked only when creating a key: the database is the record, the cache only a copy.
        return DBStore.exists(self, session_key)
