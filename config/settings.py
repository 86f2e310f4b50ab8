"""Settings for the ESET reseller platform.

Everything that differs between a laptop, CI and production comes from the environment
(django-environ). With nothing set, the project runs on SQLite and kombu's filesystem
broker under ``var/`` so that ``make run`` needs no servers.
"""

import ipaddress
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    # Everyone can read the development key here: sessions, password-reset links and CSRF
    # tokens signed with it could be forged.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to the installation's own secret when DEBUG is off "
        "(a long random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS (DESIGN.md §7): on by default when DEBUG is off, each one can be turned off (e.g.
# docker-compose's demo on plain http://localhost). Behind a proxy that ends TLS, name the
# header it sets to "https" (SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto), or the redirect
# to HTTPS never ends.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
# Reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the client's address for
# sign-in throttling (config.proxies); empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP or CIDR") from _error

INSTALLED_APPS = [
    "config.admin.OperatorAdminConfig",  # django.contrib.admin with config.admin's site
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
    "documents",
    "notifications",
    "eset_gateway",
    "eset_gateway.mock",
    "api",
    "csp",
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
    "csp.middleware.CSPMiddleware",
    # Innermost: its product 404/403 pages pass back through CSP and the rest.
    "config.views.ProductErrorPagesMiddleware",
]

# Content-Security-Policy (django-csp): only the app's own files; the few inline blocks
# (Swagger UI's start-up, templates/drf_spectacular/) carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI draws its icons from data: URIs.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

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
                "csp.context_processors.nonce",
                # `actions`: what the person's role allows (accounts.permissions, §8).
                "accounts.context_processors.actions",
            ],
        },
    },
]

# Every form marks its invalid fields the same way (config.forms.ProductBoundField).
FORM_RENDERER = "config.forms.ProductFormRenderer"

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
# Seconds an SMTP connect or answer may take. Without it a server that accepts and never
# answers holds the e-mail drain (and the worker process running it) for ever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
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
            # A stalled Redis must not hold a request for ever: after these the call fails
            # like a refused connection (sign-in then goes on unthrottled, README).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
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
# A retryable failure (5xx, 429, timeouts) backs off from 30 s, doubling, to 30 min, and
# keeps being retried: a command fails for a retryable error only once it has waited
# ESET_GIVE_UP_DAYS since it was written (terminal errors fail at once). Replaces
# ESET_MAX_ATTEMPTS, which failed every command after an hour of outage.
ESET_GIVE_UP_DAYS = env.int("ESET_GIVE_UP_DAYS", default=7)
# A drain stops claiming after this many consecutive calls that reached no ESET at all
# (connection refused, DNS, timeouts: "ESET is down"), and after ESET_DRAIN_SECONDS, so
# that it neither queues behind an outage nor outlives beat's minute by much.
ESET_DOWN_AFTER_FAILURES = env.int("ESET_DOWN_AFTER_FAILURES", default=3)
ESET_DRAIN_SECONDS = env.float("ESET_DRAIN_SECONDS", default=50.0)
# A command still waiting this long after it was written is told to its reseller and to
# the operator, once per episode (GatewayDelayAlert).
ESET_DELAY_ALERT_MINUTES = env.int("ESET_DELAY_ALERT_MINUTES", default=15)
# Where the operator's alerts go (empty: every active staff user with an e-mail).
ESET_OPERATOR_EMAILS = env.list("ESET_OPERATOR_EMAILS", default=[])
# Retries inside one call (5xx, 429, timeouts) before the command backs off in the outbox,
# and the first backoff of those retries (doubled each time, with jitter).
ESET_CALL_ATTEMPTS = env.int("ESET_CALL_ATTEMPTS", default=3)
ESET_RETRY_BASE_SECONDS = env.float("ESET_RETRY_BASE_SECONDS", default=0.5)
# How many ESET calls the sync keeps in flight (the API's allowed concurrency).
ESET_CONCURRENCY = env.int("ESET_CONCURRENCY", default=16)
# Serve the mock ESET API under /eset-mock/: by default only with DEBUG (DESIGN.md §5, §9).
# Its controls (/eset-mock/_mock/) need the X-Mock-Control-Token header equal to
# ESET_MOCK_CONTROL_TOKEN (unset: nobody may use them); failed Token/Get calls from one
# address are refused for a window past a limit (eset_gateway/mock/access.py).
ESET_MOCK_ENABLED = env.bool("ESET_MOCK_ENABLED", default=DEBUG)
ESET_MOCK_CONTROL_TOKEN = env("ESET_MOCK_CONTROL_TOKEN", default="")
ESET_MOCK_TOKEN_FAILURE_LIMIT = env.int("ESET_MOCK_TOKEN_FAILURE_LIMIT", default=10)
ESET_MOCK_TOKEN_FAILURE_WINDOW = env.int("ESET_MOCK_TOKEN_FAILURE_WINDOW", default=300)
if not DEBUG and not ESET_API_URL and not ESET_MOCK_ENABLED:
    # In production the client would otherwise fall back to the in-process mock: refuse to
    # start rather than sell licences nobody ordered.
    raise ImproperlyConfigured(
        "ESET_API_URL is not set: point it at ESET's MSP API (https://mspapi.eset.com/api/), "
        "or enable the mock outright with ESET_MOCK_ENABLED=true"
    )
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
    # JSON only: a form body would read as "no fields" and, say, turn auto-renewal off.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DecimalJSONParser"],
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "SubscriptionStatusEnum": "orders.models.SubscriptionStatus",
        "SeatChangeStatusEnum": "orders.models.SeatChangeStatus",
        "ChargeStatusEnum": "billing.models.ChargeStatus",
        "PlanStatusEnum": "plans.models.ResellerPlan.Status",
        "InvoiceStatusEnum": "documents.models.InvoiceStatus",
        "LedgerEntryKindEnum": "billing.models.BalanceEntry.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
