"""Settings for the ESET reseller platform.

Everything that differs between a laptop, CI and production comes from the environment
(django-environ). With nothing set, the project runs on SQLite and kombu's filesystem
broker under ``var/`` so that ``make run`` needs no servers.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "plans",
    "orders",
    "billing",
    "notifications",
    "eset_gateway",
    "eset_gateway.mock",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself, DEBUG or not (no CDN, no separate server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's stored language, not the browser's Accept-Language (DESIGN.md §8);
    # in place of django.middleware.locale.LocaleMiddleware, after authentication.
    "accounts.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # `actions`: what the person's role allows (accounts.permissions, §8).
                "accounts.context_processors.actions",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker, beat and web server share one SQLite file: wait for locks instead of
    # failing at once, and let readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The financial day is the calendar date in Moscow (DESIGN.md §4).
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic's target, under var/ with the rest of what the app writes; made here so that
# WhiteNoise finds it before collectstatic has ever run.
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from static/ and the apps when collectstatic has not run (make run);
# the Docker image runs collectstatic and serves STATIC_ROOT, compressed.
WHITENOISE_USE_FINDERS = True

# The panel's sign-in; the operator admin keeps its own (/admin/login/).
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "plans:list"
# Sign-in throttling (panel, portal, admin): this many wrong passwords for one login or from
# one address within the window lock sign-in for the rest of the window.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)

# E-mail: the console backend by default; SMTP when EMAIL_URL is set (smtp://user:pw@host:port).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@eset-platform.local")
# The site's address for links in e-mails sent outside a request (invitations).
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (no server).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        # Broadcast/control messages too; kombu would otherwise create ./control anywhere.
        "control_folder": str(_broker_dir / "control"),
    }
# A broker named outright wins over both: the benchmarks give their one-off processes
# memory://, so that the task requests those processes send after commit (e-mail, outbox
# drains) vanish with them instead of waiting in var/ for the next worker.
if env("CELERY_BROKER_URL", default=""):
    CELERY_BROKER_URL = env("CELERY_BROKER_URL")
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# The cache holds sign-in and API throttling counters, which every web process must share:
# Redis when it is configured, otherwise files under var/ (no server needed).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "eset",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# ESET licensing API. With no ESET_API_URL the client reaches the mock in-process through
# httpx's WSGI transport (DESIGN.md §12), so shells, tests and commands need no server.
ESET_API_URL = env("ESET_API_URL", default="")
ESET_USERNAME = env("ESET_USERNAME", default="reseller@example.com")
ESET_PASSWORD = env("ESET_PASSWORD", default="mock-password")
ESET_TIMEOUT_SECONDS = env.float("ESET_TIMEOUT_SECONDS", default=10.0)
ESET_MAX_ATTEMPTS = env.int("ESET_MAX_ATTEMPTS", default=8)
# Retries inside one call (5xx, 429, timeouts) before the command backs off in the outbox,
# and the first backoff of those retries (doubled each time, with jitter).
ESET_CALL_ATTEMPTS = env.int("ESET_CALL_ATTEMPTS", default=3)
ESET_RETRY_BASE_SECONDS = env.float("ESET_RETRY_BASE_SECONDS", default=0.5)
# How many ESET calls the sync keeps in flight (the API's allowed concurrency).
ESET_CONCURRENCY = env.int("ESET_CONCURRENCY", default=16)
# Serve the mock ESET API under /eset-mock/ (on by default; off in production).
ESET_MOCK_ENABLED = env.bool("ESET_MOCK_ENABLED", default=True)
if ESET_MOCK_ENABLED:
    # The host name the in-process ESET client (httpx WSGI transport) gives the mock.
    ALLOWED_HOSTS.append("eset-mock.local")

REST_FRAMEWORK = {
    # The REST API (api/, issue 4): per-user tokens (Authorization: Bearer …) or the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.DecimalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # Requests per token (a session: per user), counted in the shared cache.
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", default="600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ESET reseller platform API",
    "DESCRIPTION": "REST API v1 for resellers' and clients' integrations (DESIGN.md §1, §12). "
    'Errors: {"error": {"code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from drf-spectacular-sidecar: the machines are offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Ids in paths (api.views.base.IdConverter) are integers.
    "PATH_CONVERTER_OVERRIDES": {
        "api_id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
    },
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "SubscriptionStatusEnum": "orders.models.SubscriptionStatus",
        "SeatChangeStatusEnum": "orders.models.SeatChangeStatus",
        "ChargeStatusEnum": "billing.models.ChargeStatus",
        "PlanStatusEnum": "plans.models.ResellerPlan.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
