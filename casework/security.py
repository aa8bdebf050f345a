"""Sign-in protection: lockout backend, client address, idle and absolute session timeouts
(docs/security.md)."""

from __future__ import annotations

import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

LAST_SEEN_KEY = "casework_last_seen"
# When the session was signed in. Django's own expiry cannot be the absolute limit: every save of
# the session (the activity stamp below, once a minute) moves it SESSION_COOKIE_AGE further on.
SIGNED_IN_KEY = "casework_signed_in_at"
# Record activity at most once a minute so that reading pages does not write the session each time.
LAST_SEEN_RESOLUTION = 60


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in made through a web request.

    A sign-in without a request (a management command, Django's test client) has no client
    address to lock out, so it is left to the next backend instead of being refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost trusted proxy saw (counted from the right of X-Forwarded-For)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def stamp_sign_in(sender, request, user, **kwargs):
    """user_logged_in receiver: the session's absolute lifetime starts at this sign-in."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_KEY] = int(time.time())


class IdleSessionTimeoutMiddleware:
    """End a signed-in session that has not been used for SESSION_IDLE_TIMEOUT seconds, or that
    was signed in SESSION_COOKIE_AGE seconds ago however much it has been used since."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY)
            signed_in = session.get(SIGNED_IN_KEY)
            idle = last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT
            too_old = signed_in is not None and now - signed_in >= settings.SESSION_COOKIE_AGE
            if idle or too_old:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if signed_in is None:
                # Signed in before stamp_sign_in existed (an upgrade): its lifetime starts now.
                session[SIGNED_IN_KEY] = now
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown to a locked-out sign-in, in the user's language, with HTTP 429."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, int(cool_off.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
