"""Annex settings: everything configurable comes from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import (
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ANNEX_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Only a development run may fall back to a throwaway key; production must supply one.
_DEV_SECRET = "annex-insecure-development-key-do-not-use-in-production-0123456789"
# SECRET_KEY, else SECRET_KEY_FILE, else the key `make run` generated under var/.
_LOCAL_SECRET = VAR_DIR / "secret_key"
if "SECRET_KEY" not in os.environ and "SECRET_KEY_FILE" not in os.environ and _LOCAL_SECRET.is_file():
    os.environ["SECRET_KEY_FILE"] = str(_LOCAL_SECRET)
SECRET_KEY = env_secret("SECRET_KEY", _DEV_SECRET if DEBUG or env_bool("ANNEX_TESTING") else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET and not env_bool("ANNEX_TESTING"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a real secret when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ORGANISATION_NAME = env_str("ANNEX_ORGANISATION", "Annex demo processor")
# How long backups keep a record after it was deleted from the live system: stated on deletion certificates.
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 35, minimum=0)

INSTALLED_APPS = [
    "portal.core.admin_apps.AnnexAdminConfig",  # django.contrib.admin, narrowed and audited; URLs only if enabled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "guardian",
    "axes",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "portal.core",
    "portal.accounts",
    "portal.audit",
    "portal.notifications",
    "portal.exports",
    "portal.retention",
    "portal.security",
    "controls",
    "incidents",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Browser language (cookie, then Accept-Language, then LANGUAGE_CODE); a signed-in user's own
    # preference and time zone replace it once authentication has run (UserLocaleMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.UserLocaleMiddleware",
    # Before the accounts middleware, so the idle sign-out can leave a message.
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.OTPMiddleware",
    "portal.accounts.middleware.SessionIdleTimeoutMiddleware",
    "portal.accounts.middleware.MFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# A strict Content-Security-Policy through django-csp: 'self' only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "portal.core.context_processors.navigation",
                "portal.notifications.context_processors.unread_notifications",
            ],
            # {% translate %} and {% blocktranslate %} everywhere, without a {% load i18n %} in each template.
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'annex.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.RoleModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Brute-force defence (django-axes): lock the account+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The email address counted as sign-in matches it (case-insensitively), the client address taken as the
# audit trail takes it (TRUSTED_PROXY_COUNT): see portal/accounts/lockout.py.
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.lockout.lockout_client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"
AXES_ENABLE_ADMIN = False

# The Django admin is off: no /admin/ URL exists unless this is set. Even then it offers only audited pages
# (portal/core/admin_site.py); users, roles, devices, tokens and lockouts are managed on Annex's own pages.
ANNEX_ADMIN_ENABLED = env_bool("ANNEX_ADMIN_ENABLED", False)

# MFA: failed OTP attempts are throttled by django-otp; step-up window for sensitive actions.
OTP_TOTP_ISSUER = "Annex"
OTP_TOTP_THROTTLE_FACTOR = 1
MFA_STEP_UP_SECONDS = env_int("MFA_STEP_UP_SECONDS", 15 * 60, minimum=60)
INVITATION_VALID_HOURS = env_int("INVITATION_VALID_HOURS", 72, minimum=1)
PASSWORD_RESET_VALID_MINUTES = env_int("PASSWORD_RESET_VALID_MINUTES", 60, minimum=5)
# seed_demo leaves this marker: an installation filled with demo data stays in demo mode for the commands
# run beside it (`manage.py demo_totp EMAIL` from a second shell), without ANNEX_DEMO_MODE in that shell.
ANNEX_DEMO_MARKER = VAR_DIR / "demo-mode"
ANNEX_DEMO_MODE = env_bool("ANNEX_DEMO_MODE", DEBUG or ANNEX_DEMO_MARKER.is_file())
# The organisation is an essential or important entity under NIS2 (cloud and managed service providers usually
# are): significant incidents then carry the NIS2 Art. 23(4) reporting obligations.
ANNEX_NIS2_ENTITY = env_bool("ANNEX_NIS2_ENTITY", False)
# Intake API for detection tools: requests per token (DRF rate syntax, e.g. "120/min").
INCIDENT_INTAKE_RATE = env_str("INCIDENT_INTAKE_RATE", "120/min")

# A shared cache (Redis) when CACHE_URL names one. Sessions are then read from it and written
# through to the database (cached_db): one query less on every request. A per-process cache is
# never used for sessions, because a sign-out in one worker would not reach the others.
# Without Redis the cache is files under var/cache: shared by the web workers and the Celery worker, so what one
# process drops (a user's kept task inbox after a change) is dropped for all. `locmem://` keeps one per process.
CACHE_URL = env_url("CACHE_URL", "file://", schemes={"file", "locmem", "redis", "rediss"})
if CACHE_URL.startswith("redis"):
    # django-redis keeps one client per server for the life of the backend (Django's own Redis backend
    # builds a client per operation, ~0.14 ms of CPU on every session read). While Redis is down the cache
    # answers misses within a second (IGNORE_EXCEPTIONS; sessions then come from the database).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "annex", "TIMEOUT": 300,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True}}}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL.startswith("file"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 5000}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions and cookies.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
# However active, a session ends this long after sign-in (ASVS 3.3.2); then a new sign-in with MFA.
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
if _SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 63072000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# German and English: pages follow each user's preference, documents the customer's contract language.
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats per language (24-hour clock; 28.11.2026 in German): portal/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]
LANGUAGE_COOKIE_NAME = "annex_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("ANNEX_TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Encryption at rest (portal.security): key provider, keyring file, encrypted file store.
ANNEX_KEY_PROVIDER = env_str("ANNEX_KEY_PROVIDER", "portal.security.keys.LocalKeyringProvider")
ANNEX_KEYRING_FILE = Path(env_str("ANNEX_KEYRING_FILE", str(VAR_DIR / "keyring.json")))
ANNEX_ENCRYPTED_FILES_DIR = Path(env_str("ANNEX_ENCRYPTED_FILES_DIR", str(VAR_DIR / "encrypted")))
# The audit chain's HMAC key: a pinned key of the key provider (made on first use in the local keyring).
ANNEX_AUDIT_KEY_ID = env_str("ANNEX_AUDIT_KEY_ID", "audit-chain-1")
# Signed audit checkpoints, written once each, outside the database (portal/audit/checkpoints.py).
ANNEX_AUDIT_CHECKPOINT_DIR = Path(env_str("ANNEX_AUDIT_CHECKPOINT_DIR",
                                          str(ANNEX_ENCRYPTED_FILES_DIR / "audit-checkpoints")))
# Processes that verify the audit chain side by side on PostgreSQL (portal/audit/verification.py); 1 = serially.
ANNEX_AUDIT_VERIFY_WORKERS = env_int("ANNEX_AUDIT_VERIFY_WORKERS", min(os.cpu_count() or 1, 4), minimum=1)
# Evidence uploads: larger files are refused before anything is stored.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)

# Email: console by default, SMTP via EMAIL_URL=submission://user:pass@host:587
_EMAIL_SCHEMES = {"console", "locmem", "dummy", "smtp", "smtps", "submission"}
globals().update(email_from_url(env_url("EMAIL_URL", "console://", schemes=_EMAIL_SCHEMES)))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Annex <annex@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a filesystem broker under var/ by default (no server), Redis when configured.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss", "memory"})
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else f"file://{VAR_DIR / 'celery-results'}",
)
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange tables; kombu's default is "control" in whatever directory the process started in.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks record their outcome in the database, not in the result backend: publishing a task then needs only the
# broker, and a request that publishes while Redis is away fails over to the requeue sweeps within a second
# instead of waiting on the result store (portal/core/broker.py).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# What a task prints (the console email summaries of `make run`) is information, not a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_DEFAULT_QUEUE = "default"
# PDF rendering runs on its own queue, so reminders and notices never wait behind a long export.
CELERY_TASK_ROUTES = {"exports.export_render_task": {"queue": "exports"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule lives in code, not in django-celery-beat's tables: the sweeps are idempotent and fixed,
# reviewed and versioned with the code, and a database scheduler would add admin-editable state (one more
# thing to secure and audit) for no gain. Run exactly one beat; a duplicate only repeats idempotent sweeps.
CELERY_BEAT_SCHEDULE: dict = {
    "core-metrics-snapshot": {  # the trend charts' daily figures; idempotent per day
        "task": "core.metrics_snapshot",
        "schedule": env_int("METRICS_SNAPSHOT_SECONDS", 6 * 3600, minimum=60),
    },
    "notifications-reminders-sweep": {
        "task": "notifications.reminders_sweep",
        "schedule": env_int("REMINDER_SWEEP_SECONDS", 3600, minimum=1),
    },
    # Work whose message was lost while the broker was away (portal/core/broker.py) is sent again.
    "notifications-requeue": {"task": "notifications.requeue", "schedule": 300},
    "exports-requeue": {"task": "exports.requeue", "schedule": 300},
    "notifications-daily-digests": {
        "task": "notifications.digests_queue",
        "schedule": crontab(hour=env_int("REMINDER_DIGEST_HOUR", 7, minimum=0), minute=0),
    },
    # Breach notification deadlines run in hours: their reminder steps are checked every few minutes.
    "incidents-deadline-sweep": {
        "task": "incidents.deadline_sweep",
        "schedule": env_int("INCIDENT_DEADLINE_SWEEP_SECONDS", 300, minimum=1),
    },
    # A signed checkpoint of the audit chain's head, kept outside the database; a cut tail shows against it.
    "audit-checkpoint": {
        "task": "audit.checkpoint_write",
        "schedule": env_int("AUDIT_CHECKPOINT_SECONDS", 3600, minimum=60),
    },
    "retention-nightly-run": {
        "task": "retention.nightly_run",
        "schedule": crontab(hour=env_int("RETENTION_RUN_HOUR", 3, minimum=0), minute=30),
    },
    "controls-status-sweep": {
        "task": "controls.status_sweep",
        "schedule": crontab(hour=env_int("CONTROL_STATUS_SWEEP_HOUR", 2, minimum=0), minute=15),
    },
    "training-assignments-sweep": {
        "task": "training.assignments_sweep",
        "schedule": crontab(hour=env_int("TRAINING_SWEEP_HOUR", 1, minimum=0), minute=30),
    },
    # Daily, but it writes one snapshot per month: a missed first of the month is caught up the next day.
    "training-evidence-snapshot": {
        "task": "training.evidence_snapshot",
        "schedule": crontab(hour=3, minute=0),
    },
    "training-dpo-digest": {
        "task": "training.dpo_digest",
        "schedule": crontab(hour=env_int("REMINDER_DIGEST_HOUR", 7, minimum=0), minute=5, day_of_week="mon"),
    },
}
# Reminders: moments missed by more than this many days (e.g. after an outage) are not sent late.
REMINDER_CATCH_UP_DAYS = env_int("REMINDER_CATCH_UP_DAYS", 2, minimum=0)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 5000, minimum=1)
NOTIFICATION_MAX_RETRIES = env_int("NOTIFICATION_MAX_RETRIES", 5, minimum=0)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON and browsable renderers, the JSON written by orjson (portal/core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["portal.core.renderers.OrjsonRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {"TITLE": "Annex API", "VERSION": "1.0.0", "SERVE_INCLUDE_SCHEMA": False}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_one_line": {"()": "portal.core.logfilters.ClientErrorsOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"filters": ["client_errors_one_line"]},
                "django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# django-guardian: no anonymous user row; anonymous visitors never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
