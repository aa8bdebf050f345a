"""Settings read from the environment, with embedded defaults for a laptop.

Unset everything and the application runs on a SQLite file in ./data with tasks executed
in-process. Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS. Every variable is listed in README.md.
"""

import datetime as dt
import os
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_list, fail, media_storage, parse_database_url, validate_broker_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))

DEBUG = env_bool("DEBUG", True)
DEVELOPMENT_SECRET_KEY = "development-only-key-never-use-in-production-0b7e1c2d"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        fail(
            "SECRET_KEY is not set and DEBUG is off. Set SECRET_KEY to a long random string, "
            "e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "casework.apps.OfficeAdminConfig",  # django.contrib.admin with the office's rules
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "viewflow",
    "viewflow.workflow",
    "casework",
    "workflows",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "casework.middleware.RefuseNulMiddleware",  # a NUL in the address: 400, not a database error
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "casework.security.IdleSessionTimeoutMiddleware",
    "casework.middleware.DatabaseUnavailableMiddleware",  # a lost connection: 503 "please try again"
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
DATABASES = {"default": parse_database_url(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create the folder of its file; make the embedded default work from a clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Wait for the write lock instead of failing at once when two requests write together;
    # IMMEDIATE takes that lock at BEGIN so a transaction never has to upgrade a read lock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The covering indexes' INCLUDE columns are a PostgreSQL optimisation; SQLite simply ignores them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compilation costs 100-250 ms per large query (measured by benchmark_supervision on
    # 1,000,000 cases) and never paid back for these short OLTP queries.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "casework.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_viewflow"]  # ours first: it takes precedence
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Documents, photos, recordings and scans all go through Django's storage API (the "default"
# storage), never through local paths, so several machines can share them: by default a
# folder (MEDIA_ROOT, an NFS mount when there are several machines), or an S3-compatible
# bucket when MEDIA_STORAGE_URL=s3://bucket/prefix (README, "Running on more than one machine").
MEDIA_STORAGE = media_storage(
    os.environ.get("MEDIA_STORAGE_URL", "").strip(),
    access_key=os.environ.get("AWS_ACCESS_KEY_ID", "").strip(),
    secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "").strip(),
)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.staticfiles.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- JSON API (casework.api) ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "casework.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"api_token": os.environ.get("API_TOKEN_RATE", "20/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Illegal-building casework API",
    "DESCRIPTION": "Leads, cases, transitions, documents and deadlines for the field app and integrations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "casework.models.CaseStatus",
        "PartyKindEnum": "casework.models.PartyKind",
        "ClockKindEnum": "casework.models.ClockKind",
        "EventKindEnum": "casework.models.EventKind",
        "AttachmentKindEnum": "casework.models.AttachmentKind",
        "DocumentStatusEnum": "casework.models.DocumentStatus",
        "TalkKindEnum": "casework.models.TalkKind",
        "AttitudeEnum": "casework.models.Attitude",
        "ThirdPartyRelationEnum": "casework.models.ThirdPartyRelation",
        "ExplainedItemEnum": "casework.models.ExplainedItem",
        "RoleEnum": "casework.models.Role",
    },
}

# --- Background work ------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
if CELERY_BROKER_URL:
    validate_broker_url(CELERY_BROKER_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker: run tasks in-process so a laptop needs no Redis; failures still surface.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker is down, a web request must not hang waiting for it: fail fast, keep the
# work in the database (documents stay pending) and let the periodic sweep queue it later.
# One immediate retry (a pooled connection may be stale after Redis restarted), a 2 s bound on
# connecting (a host that drops packets would otherwise take the OS's ~2 minutes) and on every
# socket operation (a half-open connection). The worker reconnects on its own, separately
# (broker_connection_retry / broker_connection_max_retries). Without these, a refused port
# cost 0.6-1 s per queued task and 2 s per /healthz.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2,
    "socket_connect_timeout": 2, "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Each entry is added by the feature that owns the task (see README, "Background work").
CELERY_BEAT_SCHEDULE = {
    "fire-due-workflow-timers": {"task": "workflows.tasks.fire_due_timers", "schedule": 60.0},
    "clear-expired-sessions": {"task": "casework.tasks.sessions_clear_expired", "schedule": crontab(hour=3, minute=0)},
    "send-clock-reminders": {"task": "casework.tasks.reminders_send", "schedule": 15 * 60.0},
    "documents-requeue-pending": {"task": "casework.documents.requeue_pending", "schedule": 300.0},
}

# --- Cache ----------------------------------------------------------------------------------
REDIS_CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if REDIS_CACHE_URL:
    # A copy that may fail (casework/cache.py): a Redis error is a miss, and a Redis that does
    # not answer is given up on after these many seconds instead of holding the request.
    CACHE_SOCKET_TIMEOUT = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5"))
    CACHES = {"default": {"BACKEND": "casework.cache.SharedRedisCache", "LOCATION": REDIS_CACHE_URL,
                          "OPTIONS": {"socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                                      "socket_timeout": CACHE_SOCKET_TIMEOUT}}}
    # Sessions stay in the database and are read through the shared cache: no session query on
    # most requests (casework/sessions.py). Only with a cache every process shares: a
    # per-process cache would keep serving a session another process ended.
    SESSION_ENGINE = "casework.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")

# --- Security (production) ------------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
# See docs/security.md. Absolute session lifetime is SESSION_COOKIE_AGE (a working day) from
# signing in; a session unused for SESSION_IDLE_TIMEOUT seconds ends too (both checked by the
# casework.security middleware).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(2 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (django-csp): scripts only from our own origin, never inline.
# viewflow's Material templates carry style="" attributes, so styles allow 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in lockout (django-axes): 5 failures for one username from one address lock that pair
# out for 15 minutes. Behind a reverse proxy set TRUSTED_PROXY_COUNT so the client address is
# read from X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "casework.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not extend it: the page can honestly say "try again in 15 minutes".
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "casework.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "casework.security.client_ip"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- The office -----------------------------------------------------------------------------
# Shown on documents and pages; the administrator edits the rest (prefixes, periods) in the admin.
OFFICE_NAME = os.environ.get("OFFICE_NAME", "狮山镇综合行政执法办公室")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"fontTools": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
