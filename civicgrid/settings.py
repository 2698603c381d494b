"""Django settings, read from the environment.

Modes (``CIVICGRID_MODE``):
- ``dev``: a developer's machine; DEBUG on, a throwaway secret key.
- ``demo``: the demo district served by ``make run``; DEBUG on, demo users may sign in.
- ``test``: the test suite.
- ``production`` (the default, so that a forgotten variable never opens DEBUG): SECRET_KEY and
  ALLOWED_HOSTS must be set.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

MODES = ("dev", "demo", "test", "production")
MODE = os.environ.get("CIVICGRID_MODE", "production").strip().lower()
if MODE == "prod":
    MODE = "production"
if MODE not in MODES:
    raise ImproperlyConfigured(
        f"CIVICGRID_MODE={MODE!r} is not one of {', '.join(MODES)} (CIVICGRID_MODE 取值无效)"
    )
DEMO_MODE = MODE == "demo"
RELAXED = MODE in ("dev", "demo", "test")


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", MODE in ("dev", "demo"))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if RELAXED:
        SECRET_KEY = f"civicgrid-{MODE}-insecure-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (生产环境必须设置 SECRET_KEY); "
            "for a local try-out set CIVICGRID_MODE=dev or demo."
        )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if RELAXED else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(os.environ.get("CIVICGRID_DATA_DIR", BASE_DIR / "data"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Front-end libraries installed by `make install` from package-lock.json (never committed), served
# under static/vendor/ so that no page needs the internet.
NODE_MODULES = BASE_DIR / "node_modules"
VENDOR_ASSETS = {"echarts": "echarts/dist", "leaflet": "leaflet/dist", "htmx": "htmx.org/dist"}
STATICFILES_DIRS += [
    (f"vendor/{name}", NODE_MODULES / path) for name, path in VENDOR_ASSETS.items() if (NODE_MODULES / path).is_dir()
]
# Map background tiles, e.g. a city's own tile server "https://tiles.example.gov.cn/{z}/{x}/{y}.png".
# Empty (the default): no tiles at all, areas are drawn on a plain background, so maps work offline.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
WHITENOISE_USE_FINDERS = DEBUG or MODE == "test"
if WHITENOISE_USE_FINDERS:
    # WhiteNoise warns about a missing STATIC_ROOT even when it serves through the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and MODE != "test"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "civicgrid.core.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "civicgrid.core",
    "civicgrid.geo",
    "civicgrid.people",
    "civicgrid.sla",
    "civicgrid.workorders",
    "civicgrid.notifications",
    "civicgrid.open311",
    "civicgrid.dashboard",
    "civicgrid.portal",
    "civicgrid.fieldwork",
    "civicgrid.classify",
    "civicgrid.textcheck",
    "civicgrid.duplicates",
    "civicgrid.proactive",
    "civicgrid.reports",
    "civicgrid.deliberation",
    "civicgrid.wishes",
    "civicgrid.proposals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicgrid.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.core.middleware.RequestContextMiddleware",
    "civicgrid.people.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.core.context_processors.civicgrid",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DEFAULT_SQLITE = DATA_DIR / "civicgrid.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and sessions --------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "civicgrid.people.backends.StaffPasswordBackend",
    "civicgrid.people.backends.PhoneCodeBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "civicgrid.people.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if MODE == "test"
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ]
)
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Idle expiry: the cookie is renewed on every request and dies after SESSION_IDLE_SECONDS without
# one; SessionLifetimeMiddleware also ends any session older than SESSION_MAX_AGE_SECONDS.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_MAX_AGE_SECONDS = int(os.environ.get("SESSION_MAX_AGE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("COOKIES_SECURE", not RELAXED)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# django-axes: lock the account (not the IP: staff share office NAT) after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Locking by IP would lock a whole street office behind one NAT address; accounts are locked instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# One-time codes for residents' phone sign-in.
OTP_LENGTH = 6
OTP_TTL_SECONDS = int(os.environ.get("OTP_TTL_SECONDS", "300"))
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_SECONDS = int(os.environ.get("OTP_RESEND_SECONDS", "60"))
OTP_DAILY_LIMIT = int(os.environ.get("OTP_DAILY_LIMIT", "10"))
OTP_IP_HOURLY_LIMIT = int(os.environ.get("OTP_IP_HOURLY_LIMIT", "30"))
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "civicgrid.core.sms.LogSmsGateway")

# --- I18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request then gets 401 with WWW-Authenticate, not 403.
        "civicgrid.people.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["civicgrid.core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "civicgrid.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "civicgrid.core.api.errors.exception_handler",
}
# API tokens of integrating systems stop working this many days after they were made (ADR 018);
# rotate before then (POST /api/v1/me/token/ or `civicgrid api-token USER --rotate`).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured(f"API_TOKEN_DAYS={API_TOKEN_DAYS} must be at least 1")
SPECTACULAR_SETTINGS = {
    "TITLE": "civicgrid API",
    "DESCRIPTION": """Grid-based community governance: areas, people and units, appeals and work orders, the
command center's figures, participation (deliberation, wishes, proposals) and field work.

**Credentials.** A system (a 12345 hotline, a district data platform) gets its own staff account from a platform
administrator, with the roles and areas it may act for (it sees exactly what that account would see), and a token
for it in the Django admin (/admin/, "认证令牌 / Auth Token" → "令牌 / Tokens") or with `civicgrid api-token USER
--rotate`. Send it on every request as `Authorization: Token <key>`. Browsers use the session cookie instead. A
token works for 90 days from when it was made (`API_TOKEN_DAYS`); after that every request is 401
`token_expired`. `GET /api/v1/me/token/` says when yours expires; `POST /api/v1/me/token/` rotates it: the answer
carries the new key (shown once) and the old key stops working at once. Making, rotating and revoking tokens is
audited.

**Intake.** `POST /api/v1/appeals/` with a token needs an `Idempotency-Key` header (or an `idempotency_key`
field): 1-80 printable ASCII characters, a new one for each new appeal. A retry with the same key and the same body
(the same fields and values, in any order; the same photos) answers 200 with the first result and creates nothing;
the same key with a different body is 422 (`idempotency_key_reused`, naming the key) and changes nothing; a key (or
`source` + `external_id`) that another client's appeal carries is 409 and shows nothing of it. To find the order an appeal you sent became, use its `tracking_number`, or your own
record id: `GET /api/v1/orders/?source=<source>&external_id=<your id>` (after a merge, the order that now holds
the appeal).

**Errors** are `{"error": {"code", "message", "fields", "codes"}}` in the caller's language (Chinese by default;
send `Accept-Language: en` for English); `fields` maps each parameter or field sent to its messages, and `codes`
maps it to their machine codes in the same order (`required`, `null`, `blank`, `max_length`, `invalid_choice`,
`does_not_exist`, `invalid`, … and the platform's own such as `unknown_category` or `ambiguous_address`): branch on
`codes`, show `message`. `code` is the first field's code, or the refusal's own (`not_authenticated`, `conflict`,
`illegal_transition` …). The schema's `Error` component describes it.

**Lists** are paged: `page` from 1 (or `last`) and `page_size` from 1 to 500 (default 50); anything else is 400.

**Incremental pulls.** `GET /api/v1/orders/?updated_after=<moment>&ordering=updated` lists the orders changed at
or after the moment (every move, merge, callback, overdue mark and supervision moves `updated_at`); keep the last
`updated_at` you received and send it next time (both ends are inclusive, so drop the orders you already have).
A moment is ISO 8601 (`2026-12-01T08:00:00+08:00`; without an offset, Beijing time) or a date (the whole day);
`updated_before` bounds the other end. Anything else is 400 naming the parameter. The order list refuses a query parameter it does
not read (400 `unknown_parameter`, naming it), so that a misspelt filter cannot quietly return every order.

**Webhooks.** An administrator registers an endpoint (URL, event patterns such as `order.*`, an optional area, a
shared secret) in the admin. Each event is POSTed as JSON with the headers `X-Civicgrid-Event`,
`X-Civicgrid-Delivery` (the same on every retry of one event: use it to drop repeats), `X-Civicgrid-Timestamp`
(Unix seconds) and `X-Civicgrid-Signature: sha256=<hex>`, where hex is HMAC-SHA256 with the shared secret
(UTF-8) over the timestamp, a full stop and the raw body bytes: `HMAC(secret, timestamp + "." + body)`. Verify it
on the raw body before parsing, and refuse old timestamps to stop replays. Failed deliveries (no 2xx, redirects
are not followed) are retried with backoff.

**Open311** GeoReport v2 lives at /open311/v2/, with api_keys issued in the admin. Its `POST requests` takes an
optional `Idempotency-Key` header with the same rules as above (retry → 200 with the first request's id and token).""",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "civicgrid.core.api.schema.error_responses"],
    # Served from the installed package: no page may need the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "civicgrid": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- civicgrid ----------------------------------------------------------------------------------
# Seconds between checks of whether another process changed area boundaries (geo index reload).
GEO_INDEX_CHECK_SECONDS = float(os.environ.get("GEO_INDEX_CHECK_SECONDS", "5"))

# --- Background jobs and notifications ------------------------------------------------------------
# "celery": workers and beat on Redis (production); "inprocess": a thread of `civicgrid serve` runs
# the same periodic jobs (the embedded default, no extra services).
JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "").strip().lower() or ("celery" if REDIS_URL else "inprocess")
if JOBS_BACKEND not in ("celery", "inprocess"):
    raise ImproperlyConfigured(f"JOBS_BACKEND={JOBS_BACKEND!r} is not celery or inprocess")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Seconds between runs of each periodic job (beat and the in-process runner read the same table).
JOBS_SCHEDULE = {"deliver_outbox": float(os.environ.get("OUTBOX_INTERVAL_SECONDS", "10")), "sla_sweep": 300.0}
# Hotspot scan (未诉先办), daily; detector parameters in PROACTIVE (civicgrid/proactive/config.py, ADR 011).
JOBS_SCHEDULE["proactive_scan"] = 86400.0
# Key-group care reminders (关爱走访), daily; once per overdue spell however often it runs (ADR 016).
JOBS_SCHEDULE["care_reminders"] = 86400.0
# Deliberation votes past their closing time are closed and counted (ADR 013); pages say
# "已截止，待计票" in between, so five minutes' lag is honest.
JOBS_SCHEDULE["close_polls"] = 300.0
PROACTIVE: dict = {}
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))
OUTBOX_BACKOFF_MAX_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", str(6 * 3600)))
# A claimed row not finished within this time goes back to the queue (its worker died).
OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "300"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WECHAT_GATEWAY = os.environ.get("WECHAT_GATEWAY", "civicgrid.core.wechat.LogWechatGateway")
# Absolute links in SMS, e-mail and WeChat messages.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "civicgrid <noreply@localhost>")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if RELAXED else "django.core.mail.backends.smtp.EmailBackend",
)
if os.environ.get("EMAIL_HOST"):
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Category suggestion at intake: the active classifier version of the appeal's scope, else keywords.
CATEGORY_SUGGESTER = os.environ.get("CATEGORY_SUGGESTER", "civicgrid.classify.runtime.model_suggester")
